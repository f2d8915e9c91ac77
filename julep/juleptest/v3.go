package juleptest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// WorkerKey is a key the Julep 3 stand-in knows with the worker role, which
// the admin routes refuse with 403.
const WorkerKey = "juleptest-worker-key"

var v3NameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

type v3Rec struct {
	name       string
	value      string
	generation int64
	created    time.Time
	updated    time.Time
	updatedBy  string
	archived   *time.Time
}

// V3 is a stand-in for Julep 3's vault routes (julep/server/routes/
// secrets.py) under /v1.
type V3 struct {
	base
	keys    map[string]string // key -> role
	secrets map[string]*v3Rec
}

// NewV3 starts a Julep 3 stand-in that closes when t ends.
func NewV3(t testing.TB) *V3 {
	s := NewV3Server()
	t.Cleanup(s.Close)
	return s
}

// NewV3Server starts a Julep 3 stand-in; the caller closes it. It accepts
// DefaultKey as an admin and WorkerKey as a worker.
func NewV3Server() *V3 {
	s := &V3{keys: map[string]string{DefaultKey: "admin", WorkerKey: "worker"}, secrets: map[string]*v3Rec{}}
	s.start(http.HandlerFunc(s.handle))
	return s
}

// Seed stores a secret as an admin would, and returns its generation.
func (s *V3) Seed(name, value string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(name, value, "seed").generation
}

// Archive archives name, which hides it from the list.
func (s *V3) Archive(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.secrets[name]; r != nil {
		t := s.tick()
		r.archived = &t
	}
}

// Value returns the value stored under name.
func (s *V3) Value(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.secrets[name]; r != nil && r.archived == nil {
		return r.value, true
	}
	return "", false
}

// Names lists the live (not archived) secrets' names, sorted.
func (s *V3) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for name, r := range s.secrets {
		if r.archived == nil {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Generation returns name's generation, 0 when absent.
func (s *V3) Generation(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.secrets[name]; r != nil {
		return r.generation
	}
	return 0
}

// put creates or rotates; called with mu held. A put un-archives.
func (s *V3) put(name, value, actor string) *v3Rec {
	now := s.tick()
	r := s.secrets[name]
	if r == nil {
		r = &v3Rec{name: name, created: now}
		s.secrets[name] = r
	}
	r.value = value
	r.generation++
	r.updated = now
	r.updatedBy = actor
	r.archived = nil
	return r
}

func (r *v3Rec) json() map[string]any {
	var archived any
	if r.archived != nil {
		archived = r.archived.Format(time.RFC3339Nano)
	}
	return map[string]any{"name": r.name, "key_id": "k1", "generation": r.generation,
		"created_at": r.created.Format(time.RFC3339Nano), "updated_at": r.updated.Format(time.RFC3339Nano),
		"updated_by": r.updatedBy, "archived_at": archived}
}

func (s *V3) handle(w http.ResponseWriter, r *http.Request) { s.serve(w, r, s.route) }

func (s *V3) route(r *http.Request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	const prefix = "/v1/secrets"
	path := r.URL.Path
	if path != prefix && !strings.HasPrefix(path, prefix+"/") {
		return detail(http.StatusNotFound, "Not Found")
	}
	role, ok := s.keys[bearer(r, "")]
	if !ok {
		resp := detail(http.StatusUnauthorized, "invalid or missing API key")
		resp.header.Set("WWW-Authenticate", "Bearer")
		return resp
	}
	if role != "admin" {
		return detail(http.StatusForbidden, "admin role required")
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(path, prefix), "/")
	switch {
	case rest == "" && r.Method == http.MethodGet:
		var items []map[string]any
		names := make([]string, 0, len(s.secrets))
		for n := range s.secrets {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			items = append(items, s.secrets[n].json())
		}
		if items == nil {
			items = []map[string]any{}
		}
		return jsonResponse(http.StatusOK, map[string]any{"items": items})
	case rest == "":
		return detail(http.StatusMethodNotAllowed, "Method Not Allowed")
	case strings.HasSuffix(rest, "/archive") && r.Method == http.MethodPost:
		name := strings.TrimSuffix(rest, "/archive")
		if !v3NameRe.MatchString(name) {
			return nameError()
		}
		rec := s.secrets[name]
		if rec == nil {
			return detail(http.StatusNotFound, "secret not found")
		}
		t := s.tick()
		rec.archived = &t
		return jsonResponse(http.StatusOK, rec.json())
	case strings.Contains(rest, "/"):
		return detail(http.StatusNotFound, "Not Found")
	}
	name := rest
	switch r.Method {
	case http.MethodPut:
		// FastAPI validates the body before the handler checks the name.
		m, ok := readJSON(r)
		if !ok {
			return validationError(map[string]any{"type": "model_attributes_type", "loc": []any{"body"},
				"msg": "Input should be a valid dictionary or object to extract fields from", "input": nil})
		}
		var errs []map[string]any
		var value string
		raw, has := m["value"]
		switch {
		case !has:
			errs = append(errs, fieldError("missing", "value", "Field required", nil))
		case json.Unmarshal(raw, &value) != nil:
			errs = append(errs, fieldError("string_type", "value", "Input should be a valid string", string(raw)))
		case value == "":
			errs = append(errs, fieldError("string_too_short", "value", "String should have at least 1 character", value))
		}
		for k, v := range m {
			if k != "value" {
				var x any
				json.Unmarshal(v, &x)
				errs = append(errs, fieldError("extra_forbidden", k, "Extra inputs are not permitted", x))
			}
		}
		if len(errs) > 0 {
			return validationError(errs...)
		}
		if !v3NameRe.MatchString(name) {
			return nameError()
		}
		return jsonResponse(http.StatusOK, s.put(name, value, "admin").json())
	case http.MethodDelete:
		if !v3NameRe.MatchString(name) {
			return nameError()
		}
		if s.secrets[name] == nil {
			return detail(http.StatusNotFound, "secret not found")
		}
		delete(s.secrets, name)
		return response{status: http.StatusNoContent}
	}
	return detail(http.StatusMethodNotAllowed, "Method Not Allowed")
}

// nameError is routes/secrets.py's _name: validate_secret_name's
// ValueError as a 400 with a string detail.
func nameError() response {
	return detail(http.StatusBadRequest, "secret name must match ^[a-z0-9][a-z0-9_-]{0,63}$")
}
