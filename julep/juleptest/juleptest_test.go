package juleptest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/keyward/keyward/julep/juleptest"
)

// do sends a raw request with the default key and returns the status, a
// header and the body.
func do(t *testing.T, base, key, method, path, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestV1Quirks(t *testing.T) {
	srv := juleptest.NewV1(t)
	k := juleptest.DefaultKey
	id := srv.Seed("A", "secret-a", "first", map[string]string{"x": "1"})
	srv.Seed("B", "secret-b", "", nil)

	tests := []struct {
		name         string
		key          string
		method, path string
		body         string
		status       int
		contains     string
	}{
		{"list is a bare array, newest first, values hidden", k, "GET", "/secrets", "", 200, `[{"created_at":"2026-01-01T00:00:02Z","description":"","id":"0190a000-0000-7000-8000-000000000002","metadata":{},"name":"B","updated_at":"2026-01-01T00:00:02Z","value":"ENCRYPTED"}`},
		{"limit and offset", k, "GET", "/secrets?limit=1&offset=1", "", 200, `"name":"A"`},
		{"negative limit", k, "GET", "/secrets?limit=-1", "", 400, "Invalid data"},
		{"bad key", "nope", "GET", "/secrets", "", 403, `{"detail":"Could not validate API KEY"}`},
		{"no key", "", "GET", "/secrets", "", 403, "Could not validate"},
		{"create needs a value", k, "POST", "/secrets", `{"name":"C"}`, 422, `"loc":["body","value"]`},
		{"create checks the name", k, "POST", "/secrets", `{"name":"c-d","value":"v"}`, 400, "violates one or more constraints during create"},
		{"create duplicate", k, "POST", "/secrets", `{"name":"A","value":"v"}`, 409, "already exists"},
		{"create drops unknown fields", k, "POST", "/secrets", `{"name":"C","value":"v","developer_id":"x"}`, 201, `"value":"ENCRYPTED"`},
		{"update needs the name", k, "PUT", "/secrets/" + id, `{"value":"v"}`, 422, `"loc":["body","name"]`},
		{"update bad uuid", k, "PUT", "/secrets/not-a-uuid", `{"name":"A","value":"v"}`, 422, "valid UUID"},
		{"update unknown id", k, "PUT", "/secrets/0190a000-0000-7000-8000-0000000000ff", `{"name":"A","value":"v"}`, 404, "No secret found during update"},
		{"rename onto B", k, "PUT", "/secrets/" + id, `{"name":"B","value":"v"}`, 409, "already exists"},
		{"update keeps omitted metadata", k, "PUT", "/secrets/" + id, `{"name":"A","value":"v2"}`, 200, `"metadata":{"x":"1"}`},
		{"update keeps null description", k, "PUT", "/secrets/" + id, `{"name":"A","value":"v3","description":null}`, 200, `"description":"first"`},
		{"update replaces metadata", k, "PUT", "/secrets/" + id, `{"name":"A","value":"v4","metadata":{"y":"2"}}`, 200, `"metadata":{"y":"2"}`},
		{"delete", k, "DELETE", "/secrets/" + id, "", 202, `"jobs":[]`},
		{"delete again", k, "DELETE", "/secrets/" + id, "", 404, "No secret found during delete"},
		{"no get-one route", k, "GET", "/secrets/" + id, "", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := do(t, srv.URL, tt.key, tt.method, tt.path, tt.body)
			if status != tt.status || !strings.Contains(body, tt.contains) {
				t.Errorf("%s %s = %d %s, want %d containing %s", tt.method, tt.path, status, body, tt.status, tt.contains)
			}
		})
	}
	if v, ok := srv.Value("C"); v != "v" || !ok {
		t.Errorf("Value(C) = %q, %v, want v", v, ok)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(fmt.Sprint(r), "secret-a") {
			t.Errorf("the request log holds a value: %v", r)
		}
	}

	srv.SetAuthFailure(juleptest.Auth401Text)
	if status, h, body := do(t, srv.URL, "nope", "GET", "/secrets", ""); status != 401 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || !strings.Contains(body, "nope") {
		t.Errorf("401 mode = %d %q %q, want a plain-text 401 echoing the key", status, h.Get("Content-Type"), body)
	}
}

func TestV3Quirks(t *testing.T) {
	srv := juleptest.NewV3(t)
	k := juleptest.DefaultKey
	tests := []struct {
		name         string
		key          string
		method, path string
		body         string
		status       int
		contains     string
	}{
		{"no key", "", "GET", "/v1/secrets", "", 401, "invalid"},
		{"worker role", juleptest.WorkerKey, "GET", "/v1/secrets", "", 403, "admin role required"},
		{"empty list", k, "GET", "/v1/secrets", "", 200, `{"items":[]}`},
		{"extra field", k, "PUT", "/v1/secrets/a", `{"value":"v","description":"d"}`, 422, "extra_forbidden"},
		{"empty value", k, "PUT", "/v1/secrets/a", `{"value":""}`, 422, "string_too_short"},
		{"upper case name", k, "PUT", "/v1/secrets/OPENAI_API_KEY", `{"value":"v"}`, 400, "must match"},
		{"create", k, "PUT", "/v1/secrets/a", `{"value":"v"}`, 200, `"generation":1`},
		{"rotate", k, "PUT", "/v1/secrets/a", `{"value":"w"}`, 200, `"generation":2`},
		{"list", k, "GET", "/v1/secrets", "", 200, `"name":"a"`},
		{"archive", k, "POST", "/v1/secrets/a/archive", "", 200, `"archived_at":"2026`},
		{"delete", k, "DELETE", "/v1/secrets/a", "", 204, ""},
		{"delete again", k, "DELETE", "/v1/secrets/a", "", 404, "secret not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := do(t, srv.URL, tt.key, tt.method, tt.path, tt.body)
			if status != tt.status || !strings.Contains(body, tt.contains) {
				t.Errorf("%s %s = %d %s, want %d containing %s", tt.method, tt.path, status, body, tt.status, tt.contains)
			}
			if status == 401 && h.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

func TestFaults(t *testing.T) {
	srv := juleptest.NewV1(t)
	srv.Inject(juleptest.Fault{Kind: juleptest.Status429, RetryAfter: "3", Method: "GET", Times: 2})
	srv.Inject(juleptest.Fault{Kind: juleptest.Status500, Method: "POST"})
	want := []struct {
		method string
		status int
	}{{"POST", 500}, {"GET", 429}, {"GET", 429}, {"GET", 200}, {"POST", 201}}
	for i, w := range want {
		status, h, _ := do(t, srv.URL, juleptest.DefaultKey, w.method, "/secrets", `{"name":"A","value":"v"}`)
		if status != w.status {
			t.Errorf("request %d (%s) = %d, want %d", i, w.method, status, w.status)
		}
		if status == 429 && h.Get("Retry-After") != "3" {
			t.Errorf("429 Retry-After = %q, want 3", h.Get("Retry-After"))
		}
	}
	if n := srv.Count("GET", "/secrets"); n != 3 {
		t.Errorf("Count(GET) = %d, want 3", n)
	}

	// CutAfter applies the write and answers nothing.
	srv.Inject(juleptest.Fault{Kind: juleptest.CutAfter, Method: "POST"})
	req, _ := http.NewRequest("POST", srv.URL+"/secrets", strings.NewReader(`{"name":"CUT","value":"v"}`))
	req.Header.Set("Authorization", "Bearer "+juleptest.DefaultKey)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("CutAfter answered %d, want a cut connection", resp.StatusCode)
	}
	if v, _ := srv.Value("CUT"); v != "v" {
		t.Errorf("CutAfter did not apply the write")
	}
	if got := srv.Names(); len(got) != 2 || got[0] != "CUT" {
		t.Errorf("Names = %v, want CUT newest", got)
	}
}

func TestServerWithoutT(t *testing.T) {
	srv := juleptest.NewV3Server()
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %s, want 127.0.0.1", srv.URL)
	}
}
