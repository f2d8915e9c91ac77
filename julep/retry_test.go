package julep_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/julep/juleptest"
)

// statusServer answers every request with status (and body), counting.
func statusServer(t *testing.T, status int, body string, hdr map[string]string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRetryPolicy(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		status   int
		method   string // GET: list, POST: create, PUT: update, DELETE: delete
		kind     error
		requests int32
	}{
		{400, "GET", julep.ErrInvalid, 1},
		{401, "GET", julep.ErrUnauthorized, 1},
		{403, "PUT", julep.ErrUnauthorized, 1},
		{404, "PUT", julep.ErrNotFound, 1},
		{409, "POST", julep.ErrConflict, 1},
		{409, "PUT", julep.ErrConflict, 1},
		{422, "POST", julep.ErrInvalid, 1},
		{429, "GET", julep.ErrUnavailable, 4},
		{429, "POST", julep.ErrUnavailable, 4},
		{500, "GET", julep.ErrUnavailable, 4},
		{500, "PUT", julep.ErrUnavailable, 4},
		{502, "DELETE", julep.ErrUnavailable, 4},
		{503, "POST", julep.ErrUnavailable, 4},
		// A POST answered 500 or 502 may have been applied: no retry.
		{500, "POST", julep.ErrUnknownOutcome, 1},
		{502, "POST", julep.ErrUnknownOutcome, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.method, tt.status), func(t *testing.T) {
			srv, n := statusServer(t, tt.status, `{"detail":"nope"}`, map[string]string{"Content-Type": "application/json"})
			sl := &sleeper{}
			c := julep.NewV1(srv.URL, "k", opts(sl))
			var err error
			switch tt.method {
			case "GET":
				_, err = c.List(ctx)
			case "POST":
				_, err = c.Create(ctx, julep.Write{Name: "A", Value: "v"})
			case "PUT":
				_, err = c.Update(ctx, "0190a000-0000-7000-8000-000000000001", julep.Write{Name: "A", Value: "v"})
			case "DELETE":
				err = c.Delete(ctx, julep.RemoteSecret{ID: "0190a000-0000-7000-8000-000000000001", Name: "A"})
			}
			wantKind(t, tt.method, err, tt.kind)
			if got := n.Load(); got != tt.requests {
				t.Errorf("%s %d: %d requests, want %d", tt.method, tt.status, got, tt.requests)
			}
			if got := len(sl.Waits()); got != int(tt.requests)-1 {
				t.Errorf("%s %d: slept %d times, want %d", tt.method, tt.status, got, tt.requests-1)
			}
		})
	}
}

func TestRetryThenSuccess(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		fault juleptest.Fault
		want  []time.Duration // exact waits; nil: one backoff within [250ms, 500ms]
	}{
		{"429 Retry-After seconds", juleptest.Fault{Kind: juleptest.Status429, RetryAfter: "2"}, []time.Duration{2 * time.Second}},
		{"429 Retry-After capped", juleptest.Fault{Kind: juleptest.Status429, RetryAfter: "3600", Times: 2}, []time.Duration{30 * time.Second, 30 * time.Second}},
		{"500 then success", juleptest.Fault{Kind: juleptest.Status500}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, sl := v1Client(t)
			srv.Seed("A", "v", "", nil)
			srv.ResetRequests()
			srv.Inject(tt.fault)
			list, err := c.List(ctx)
			if err != nil || len(list) != 1 {
				t.Fatalf("List = %v, %v; want 1 secret", list, err)
			}
			waits := sl.Waits()
			if tt.want != nil && !slices.Equal(waits, tt.want) {
				t.Errorf("waits = %v, want %v", waits, tt.want)
			}
			if tt.want == nil && (len(waits) != 1 || waits[0] < 250*time.Millisecond || waits[0] > 500*time.Millisecond) {
				t.Errorf("waits = %v, want one backoff within [250ms, 500ms]", waits)
			}
			if got, want := len(srv.Requests()), len(waits)+1; got != want {
				t.Errorf("%d requests, want %d", got, want)
			}
		})
	}

	t.Run("Retry-After date", func(t *testing.T) {
		srv, c, sl := v1Client(t)
		srv.Inject(juleptest.Fault{Kind: juleptest.Status429, RetryAfter: time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)})
		if _, err := c.List(ctx); err != nil {
			t.Fatal(err)
		}
		if w := sl.Waits(); len(w) != 1 || w[0] < 8*time.Second || w[0] > 10*time.Second {
			t.Errorf("waits = %v, want about 10s", w)
		}
	})
}

func TestTimeout(t *testing.T) {
	ctx := context.Background()
	quick := func(sl *sleeper, retries int) julep.Options {
		return julep.Options{Sleep: sl.Sleep, Timeout: 50 * time.Millisecond, Retries: retries}
	}
	t.Run("GET stalls then answers", func(t *testing.T) {
		srv := juleptest.NewV1(t)
		sl := &sleeper{}
		c := julep.NewV1(srv.URL, juleptest.DefaultKey, quick(sl, 0))
		srv.Inject(juleptest.Fault{Kind: juleptest.Stall})
		start := time.Now()
		if _, err := c.List(ctx); err != nil {
			t.Fatalf("List = %v, want the retry to succeed", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("List took %v", d)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("GET stalls, no retries", func(t *testing.T) {
		srv := juleptest.NewV1(t)
		c := julep.NewV1(srv.URL, juleptest.DefaultKey, quick(&sleeper{}, -1))
		srv.Inject(juleptest.Fault{Kind: juleptest.Stall})
		_, err := c.List(ctx)
		wantKind(t, "List", err, julep.ErrUnavailable)
		wantKind(t, "List", err, context.DeadlineExceeded)
	})
	t.Run("POST stalls", func(t *testing.T) {
		srv := juleptest.NewV1(t)
		c := julep.NewV1(srv.URL, juleptest.DefaultKey, quick(&sleeper{}, 0))
		srv.Inject(juleptest.Fault{Kind: juleptest.Stall, Method: "POST"})
		_, err := c.Create(ctx, julep.Write{Name: "A", Value: "v"})
		wantKind(t, "Create", err, julep.ErrUnknownOutcome)
		if !strings.Contains(err.Error(), "may still have landed") {
			t.Errorf("Create = %q, want it to say the request may still have landed", err)
		}
		if n := srv.Count("POST", ""); n != 1 {
			t.Errorf("%d POSTs, want 1", n)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		srv := juleptest.NewV1(t)
		c := julep.NewV1(srv.URL, juleptest.DefaultKey, julep.Options{})
		srv.Inject(juleptest.Fault{Kind: juleptest.Stall})
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := c.List(ctx)
		wantKind(t, "List", err, context.DeadlineExceeded)
	})
}

func TestConnectionCut(t *testing.T) {
	ctx := context.Background()
	t.Run("POST cut before apply", func(t *testing.T) {
		srv, c, _ := v1Client(t)
		srv.Inject(juleptest.Fault{Kind: juleptest.CutBefore, Method: "POST"})
		_, err := c.Create(ctx, julep.Write{Name: "A", Value: "v"})
		wantKind(t, "Create", err, julep.ErrUnknownOutcome)
		if _, ok := srv.Value("A"); ok {
			t.Errorf("the cut create landed")
		}
		if n := srv.Count("POST", ""); n != 1 {
			t.Errorf("%d POSTs, want 1 (never retried blindly)", n)
		}
	})
	t.Run("POST cut after apply", func(t *testing.T) {
		srv, c, _ := v1Client(t)
		srv.Inject(juleptest.Fault{Kind: juleptest.CutAfter, Method: "POST"})
		_, err := c.Create(ctx, julep.Write{Name: "A", Value: "v"})
		wantKind(t, "Create", err, julep.ErrUnknownOutcome)
		if v, _ := srv.Value("A"); v != "v" {
			t.Errorf("stored value = %q, want the create to have landed", v)
		}
		if n := srv.Count("POST", ""); n != 1 {
			t.Errorf("%d POSTs, want 1", n)
		}
	})
	t.Run("PUT cut after apply is retried", func(t *testing.T) {
		srv, c, sl := v1Client(t)
		id := srv.Seed("A", "old", "", nil)
		srv.Inject(juleptest.Fault{Kind: juleptest.CutAfter, Method: "PUT"})
		got, err := c.Update(ctx, id, julep.Write{Name: "A", Value: "new"})
		if err != nil || got.ID != id {
			t.Fatalf("Update = %+v, %v; want success after a retry", got, err)
		}
		if v, _ := srv.Value("A"); v != "new" {
			t.Errorf("stored value = %q, want new", v)
		}
		if n, w := srv.Count("PUT", ""), len(sl.Waits()); n != 2 || w != 1 {
			t.Errorf("%d PUTs and %d waits, want 2 and 1", n, w)
		}
	})
	t.Run("PUT cut before apply is retried", func(t *testing.T) {
		srv, c, _ := v1Client(t)
		id := srv.Seed("A", "old", "", nil)
		srv.Inject(juleptest.Fault{Kind: juleptest.CutBefore, Method: "PUT"})
		if _, err := c.Update(ctx, id, julep.Write{Name: "A", Value: "new"}); err != nil {
			t.Fatalf("Update = %v", err)
		}
		if v, _ := srv.Value("A"); v != "new" {
			t.Errorf("stored value = %q, want new", v)
		}
	})
	t.Run("DELETE cut after apply", func(t *testing.T) {
		srv, c, _ := v1Client(t)
		id := srv.Seed("A", "v", "", nil)
		srv.Inject(juleptest.Fault{Kind: juleptest.CutAfter, Method: "DELETE"})
		if err := c.Delete(ctx, julep.RemoteSecret{ID: id, Name: "A"}); err != nil {
			t.Fatalf("Delete = %v, want the retry's 404 to count as done", err)
		}
		if n := srv.Count("DELETE", ""); n != 2 {
			t.Errorf("%d DELETEs, want 2", n)
		}
	})
	t.Run("v3 PUT cut after apply", func(t *testing.T) {
		srv, c, _ := v3Client(t)
		srv.Inject(juleptest.Fault{Kind: juleptest.CutAfter, Method: "PUT"})
		got, err := c.Create(ctx, julep.Write{Name: "a", Value: "v"})
		if err != nil || got.Generation != 2 {
			t.Fatalf("Create = %+v, %v; want success at generation 2 (applied twice)", got, err)
		}
	})
	t.Run("refused connection is retried, even a POST", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		sl := &sleeper{}
		c := julep.NewV1("http://"+addr, "k", opts(sl))
		_, err = c.Create(ctx, julep.Write{Name: "A", Value: "v"})
		wantKind(t, "Create", err, julep.ErrUnavailable)
		if len(sl.Waits()) != 3 {
			t.Errorf("waits = %v, want 3 (nothing was sent, so retrying is safe)", sl.Waits())
		}
	})
}

// TestNoSecretsInErrors answers every request by echoing the key and the
// value back, in every shape a server might, and checks that no error
// repeats either.
func TestNoSecretsInErrors(t *testing.T) {
	const key = "sk-julep-KEY-5f1e9c"
	const value = "value-VALUE-8a2b7d"
	ctx := context.Background()
	shapes := []struct {
		status int
		ctype  string
		body   func(auth, body string) string
	}{
		{400, "application/json", func(a, b string) string { return fmt.Sprintf(`{"detail":%q}`, a+" "+b) }},
		{422, "application/json", func(a, b string) string {
			return fmt.Sprintf(`{"detail":[{"loc":["body","value"],"msg":%q,"input":%q}]}`, "bad "+a, b)
		}},
		{401, "text/plain", func(a, b string) string { return "denied: " + a + "\n" + b }},
		{403, "application/json", func(a, b string) string { return fmt.Sprintf(`{"detail":"Could not validate %s"}`, a) }},
		{409, "application/json", func(a, b string) string { return fmt.Sprintf(`{"detail":"exists: %s"}`, b) }},
		{500, "text/plain", func(a, b string) string { return a + b }},
		{503, "application/json", func(a, b string) string { return fmt.Sprintf(`{"detail":%q}`, a+b) }},
	}
	for _, sh := range shapes {
		t.Run(fmt.Sprint(sh.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b := make([]byte, 4096)
				n, _ := r.Body.Read(b)
				w.Header().Set("Content-Type", sh.ctype)
				w.WriteHeader(sh.status)
				fmt.Fprint(w, sh.body(r.Header.Get("Authorization"), string(b[:n])))
			}))
			defer srv.Close()
			for _, r := range []julep.Remote{
				julep.NewV1(srv.URL, key, julep.Options{Sleep: (&sleeper{}).Sleep}),
				julep.NewV3(srv.URL, key, julep.Options{Sleep: (&sleeper{}).Sleep}),
			} {
				w := julep.Write{Name: "abc", Value: value, Description: "d"}
				_, e1 := r.Create(ctx, w)
				_, e2 := r.Update(ctx, "", w)
				_, e3 := r.List(ctx)
				for _, err := range []error{e1, e2, e3} {
					if err == nil {
						t.Fatalf("%s: no error from a %d", r.Platform(), sh.status)
					}
					if msg := err.Error(); strings.Contains(msg, key) || strings.Contains(msg, value) {
						t.Errorf("%s: error %q contains the key or the value", r.Platform(), msg)
					}
				}
			}
		})
	}
}
