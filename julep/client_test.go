package julep_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
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
