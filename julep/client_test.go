package julep_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/julep/juleptest"
)

// sleeper records the backoffs a client asks for and returns at once.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

func opts(sl *sleeper) julep.Options {
	return julep.Options{Sleep: sl.Sleep, Timeout: 5 * time.Second}
}

func v1Client(t *testing.T) (*juleptest.V1, *julep.V1Client, *sleeper) {
	t.Helper()
	srv := juleptest.NewV1(t)
	sl := &sleeper{}
	return srv, julep.NewV1(srv.URL, juleptest.DefaultKey, opts(sl)), sl
}

func v3Client(t *testing.T) (*juleptest.V3, *julep.V3Client, *sleeper) {
	t.Helper()
	srv := juleptest.NewV3(t)
	sl := &sleeper{}
	return srv, julep.NewV3(srv.URL, juleptest.DefaultKey, opts(sl)), sl
}

func wantKind(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s = %v, want an error wrapping %q", what, err, kind)
	}
}

func TestV1Routes(t *testing.T) {
	ctx := context.Background()
	srv, c, _ := v1Client(t)

	created, err := c.Create(ctx, julep.Write{Name: "OPENAI_API_KEY", Value: "sk-one", Description: "OpenAI", Metadata: map[string]string{"env": "prod"}})
	if err != nil {
		t.Fatalf("Create = %v", err)
	}
	if created.ID == "" || created.Name != "OPENAI_API_KEY" || created.Description != "OpenAI" || created.Metadata["env"] != "prod" || created.CreatedAt.IsZero() {
		t.Errorf("Create returned %+v, want the id, name, description, metadata and times", created)
	}
	if v, _ := srv.Value("OPENAI_API_KEY"); v != "sk-one" {
		t.Errorf("stored value = %q, want %q", v, "sk-one")
	}

	// A duplicate name is a 409 at once: no retry.
	srv.ResetRequests()
	_, err = c.Create(ctx, julep.Write{Name: "OPENAI_API_KEY", Value: "sk-two"})
	wantKind(t, "Create(duplicate)", err, julep.ErrConflict)
	if !strings.Contains(err.Error(), "already exists remotely: run `keyward julep pull`") {
		t.Errorf("Create(duplicate) = %q, want the pull hint", err)
	}
	if n := srv.Count("POST", "/secrets"); n != 1 {
		t.Errorf("Create(duplicate) sent %d POSTs, want 1", n)
	}

	// Update replaces value, description and metadata, and renames.
	upd, err := c.Update(ctx, created.ID, julep.Write{Name: "OPENAI_KEY", Value: "sk-three", Description: "renamed", Metadata: map[string]string{"team": "ml"}})
	if err != nil {
		t.Fatalf("Update = %v", err)
	}
	if upd.ID != created.ID || upd.Name != "OPENAI_KEY" || !upd.UpdatedAt.After(created.UpdatedAt) {
		t.Errorf("Update returned %+v, want the same id, the new name and a later updated_at", upd)
	}
	desc, md, _ := srv.Metadata("OPENAI_KEY")
	if v, _ := srv.Value("OPENAI_KEY"); v != "sk-three" || desc != "renamed" || len(md) != 1 || md["team"] != "ml" {
		t.Errorf("after Update the server holds %q, %q, %v; want sk-three, renamed, team=ml only (replaced)", v, desc, md)
	}
	if _, ok := srv.Value("OPENAI_API_KEY"); ok {
		t.Errorf("the old name survived a rename")
	}

	// Empty metadata clears it: the client always sends the record.
	if _, err := c.Update(ctx, created.ID, julep.Write{Name: "OPENAI_KEY", Value: "sk-three"}); err != nil {
		t.Fatalf("Update(no metadata) = %v", err)
	}
	if desc, md, _ := srv.Metadata("OPENAI_KEY"); desc != "" || len(md) != 0 {
		t.Errorf("after Update without description and metadata the server holds %q, %v; want both cleared", desc, md)
	}

	// A rename onto another secret's name is a 409.
	other, err := c.Create(ctx, julep.Write{Name: "OTHER", Value: "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Update(ctx, other.ID, julep.Write{Name: "OPENAI_KEY", Value: "x"})
	wantKind(t, "Update(rename onto a taken name)", err, julep.ErrConflict)

	list, err := c.List(ctx)
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if want := []string{"OTHER", "OPENAI_KEY"}; !slices.Equal(names, want) {
		t.Errorf("List names = %v, want %v (newest first)", names, want)
	}

	if err := c.Delete(ctx, other); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if _, ok := srv.Value("OTHER"); ok {
		t.Errorf("Delete left the secret")
	}
	wantKind(t, "Delete(again)", c.Delete(ctx, other), julep.ErrNotFound)
	_, err = c.Update(ctx, other.ID, julep.Write{Name: "OTHER", Value: "x"})
	wantKind(t, "Update(deleted id)", err, julep.ErrNotFound)

	// Names the server would refuse are refused before any request.
	srv.ResetRequests()
	_, err = c.Create(ctx, julep.Write{Name: "my-key", Value: "x"})
	var ne *julep.NameError
	if !errors.As(err, &ne) || !errors.Is(err, julep.ErrInvalid) || ne.Suggestion != "my_key" {
		t.Errorf("Create(my-key) = %v, want a NameError suggesting my_key", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("Create(my-key) sent %d requests, want 0", n)
	}
}

func TestV1ListPaging(t *testing.T) {
	for _, n := range []int{0, 99, 100, 200, 250} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			srv, c, _ := v1Client(t)
			for i := range n {
				srv.Seed(fmt.Sprintf("S%03d", i), "v", "", nil)
			}
			srv.ResetRequests()
			list, err := c.List(context.Background())
			if err != nil {
				t.Fatalf("List = %v", err)
			}
			if len(list) != n {
				t.Fatalf("List returned %d secrets, want %d", len(list), n)
			}
			if n > 0 && (list[0].Name != fmt.Sprintf("S%03d", n-1) || list[n-1].Name != "S000") {
				t.Errorf("List = %s ... %s, want newest first", list[0].Name, list[n-1].Name)
			}
			var queries []string
			for _, r := range srv.Requests() {
				queries = append(queries, r.Query)
			}
			var want []string
			for off := 0; ; off += 100 {
				want = append(want, fmt.Sprintf("limit=100&offset=%d", off))
				if n-off < 100 {
					break
				}
			}
			if !slices.Equal(queries, want) {
				t.Errorf("List queries = %v, want %v", queries, want)
			}
		})
	}
}

func TestV1ListIgnoredOffset(t *testing.T) {
	// A server that ignores offset must not make List loop for ever.
	body := `[{"id":"a","name":"A","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer srv.Close()
	c := julep.NewV1(srv.URL, "k", julep.Options{})
	c.PageSize = 1
	_, err := c.List(context.Background())
	wantKind(t, "List(offset ignored)", err, julep.ErrUnavailable)
}

func TestAuthFailures(t *testing.T) {
	ctx := context.Background()
	const badKey = "bad-key-d1a7e3"
	tests := []struct {
		name   string
		client func(t *testing.T) (julep.Remote, func() int)
		status int
	}{
		{"v1 403 json", func(t *testing.T) (julep.Remote, func() int) {
			srv := juleptest.NewV1(t)
			return julep.NewV1(srv.URL, badKey, julep.Options{}), func() int { return len(srv.Requests()) }
		}, 403},
		{"v1 401 text echoing the key", func(t *testing.T) (julep.Remote, func() int) {
			srv := juleptest.NewV1(t)
			srv.SetAuthFailure(juleptest.Auth401Text)
			return julep.NewV1(srv.URL, badKey, julep.Options{}), func() int { return len(srv.Requests()) }
		}, 401},
		{"v3 401", func(t *testing.T) (julep.Remote, func() int) {
			srv := juleptest.NewV3(t)
			return julep.NewV3(srv.URL, badKey, julep.Options{}), func() int { return len(srv.Requests()) }
		}, 401},
		{"v3 403 worker role", func(t *testing.T) (julep.Remote, func() int) {
			srv := juleptest.NewV3(t)
			return julep.NewV3(srv.URL, juleptest.WorkerKey, julep.Options{}), func() int { return len(srv.Requests()) }
		}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, count := tt.client(t)
			_, err := r.List(ctx)
			wantKind(t, "List", err, julep.ErrUnauthorized)
			var ae *julep.APIError
			if !errors.As(err, &ae) || ae.Status != tt.status {
				t.Errorf("List = %#v, want an APIError with status %d", err, tt.status)
			}
			want := fmt.Sprintf("the API key was rejected by %s at %s", r.Platform(), r.BaseURL())
			if !strings.Contains(err.Error(), want) {
				t.Errorf("List = %q, want it to say %q", err, want)
			}
			if strings.Contains(err.Error(), badKey) || strings.Contains(err.Error(), juleptest.WorkerKey) {
				t.Errorf("List = %q, which contains the key", err)
			}
			if n := count(); n != 1 {
				t.Errorf("List sent %d requests, want 1 (no retry on %d)", n, tt.status)
			}
		})
	}
}

func TestV3Routes(t *testing.T) {
	ctx := context.Background()
	srv, c, _ := v3Client(t)

	// keyward's usual upper-case names are refused locally, with a rename.
	_, err := c.Create(ctx, julep.Write{Name: "OPENAI_API_KEY", Value: "sk"})
	var ne *julep.NameError
	if !errors.As(err, &ne) || ne.Suggestion != "openai_api_key" || !strings.Contains(err.Error(), "--rename openai_api_key") {
		t.Fatalf("Create(OPENAI_API_KEY) = %v, want a NameError suggesting openai_api_key", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("Create(OPENAI_API_KEY) sent %d requests, want 0", n)
	}

	// Description and metadata stay local: the body is {"value"} only, or
	// the stand-in would answer 422.
	got, err := c.Create(ctx, julep.Write{Name: "openai_api_key", Value: "sk-1", Description: "d", Metadata: map[string]string{"a": "b"}})
	if err != nil {
		t.Fatalf("Create = %v", err)
	}
	if got.Name != "openai_api_key" || got.Generation != 1 || got.ID != "" || got.Description != "" || got.Metadata != nil {
		t.Errorf("Create returned %+v, want generation 1, no id, no metadata", got)
	}
	got, err = c.Update(ctx, "", julep.Write{Name: "openai_api_key", Value: "sk-2"})
	if err != nil || got.Generation != 2 {
		t.Fatalf("Update = %+v, %v; want generation 2", got, err)
	}
	if v, _ := srv.Value("openai_api_key"); v != "sk-2" {
		t.Errorf("stored value = %q, want sk-2", v)
	}
	_, err = c.Update(ctx, "openai_api_key", julep.Write{Name: "openai_key", Value: "x"})
	wantKind(t, "Update(rename)", err, julep.ErrInvalid)

	srv.Seed("archived-one", "x")
	srv.Archive("archived-one")
	srv.Seed("b-key", "x")
	list, err := c.List(ctx)
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if want := []string{"b-key", "openai_api_key"}; !slices.Equal(names, want) {
		t.Errorf("List = %v, want %v (archived dropped)", names, want)
	}

	if err := c.Delete(ctx, list[0]); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if _, ok := srv.Value("b-key"); ok {
		t.Errorf("Delete left b-key")
	}
	wantKind(t, "Delete(again)", c.Delete(ctx, list[0]), julep.ErrNotFound)
}

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
