package juleptest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultKey is the API key the stand-ins accept unless told otherwise.
const DefaultKey = "juleptest-key"

// V1AuthFailure is how the v1 stand-in turns a bad key away.
type V1AuthFailure int

const (
	// Auth403 is agents-api's own answer:
	// 403 {"detail":"Could not validate API KEY"}.
	Auth403 V1AuthFailure = iota
	// Auth401Text is a gateway's: 401 with a plain-text body that echoes
	// the Authorization header it got.
	Auth401Text
)

var (
	v1NameRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)
	uuidRe   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

type v1Rec struct {
	id, name    string
	value       string
	description *string
	metadata    map[string]any
	seq         int
	created     time.Time
	updated     time.Time
}

// V1 is a stand-in for Julep v1's agents-api /secrets routes.
type V1 struct {
	base
	key     string
	auth    V1AuthFailure
	seq     int
	secrets map[string]*v1Rec // by id
}

// NewV1 starts a v1 stand-in that closes when t ends.
func NewV1(t testing.TB) *V1 {
	s := NewV1Server()
	t.Cleanup(s.Close)
	return s
}

// NewV1Server starts a v1 stand-in; the caller closes it.
func NewV1Server() *V1 {
	s := &V1{key: DefaultKey, secrets: map[string]*v1Rec{}}
	s.start(http.HandlerFunc(s.handle))
	return s
}

// SetKey sets the one API key accepted.
func (s *V1) SetKey(key string) { s.mu.Lock(); s.key = key; s.mu.Unlock() }

// SetAuthFailure sets how a bad key is answered.
func (s *V1) SetAuthFailure(f V1AuthFailure) { s.mu.Lock(); s.auth = f; s.mu.Unlock() }

// Seed stores a secret directly, as if created now, and returns its id.
func (s *V1) Seed(name, value, description string, metadata map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	md := map[string]any{}
	for k, v := range metadata {
		md[k] = v
	}
	return s.insert(name, value, &description, md).id
}

// insert adds a record; called with mu held.
func (s *V1) insert(name, value string, description *string, md map[string]any) *v1Rec {
	s.seq++
	now := s.tick()
	rec := &v1Rec{id: fmt.Sprintf("0190a000-0000-7000-8000-%012x", s.seq), name: name, value: value,
		description: description, metadata: md, seq: s.seq, created: now, updated: now}
	s.secrets[rec.id] = rec
	return rec
}

// Value returns the value stored under name, as the server would decrypt
// it for a task.
func (s *V1) Value(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.byName(name); r != nil {
		return r.value, true
	}
	return "", false
}

// Names returns the stored names, newest first.
func (s *V1) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.sorted() {
		out = append(out, r.name)
	}
	return out
}

// Metadata returns the stored description and metadata of name.
func (s *V1) Metadata(name string) (string, map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byName(name)
	if r == nil {
		return "", nil, false
	}
	d := ""
	if r.description != nil {
		d = *r.description
	}
	return d, maps.Clone(r.metadata), true
}

// Touch updates name's value as another client would, bumping updated_at.
func (s *V1) Touch(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.byName(name); r != nil {
		r.value = value
		r.updated = s.tick()
	}
}

// Remove deletes name as another client would.
func (s *V1) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.byName(name); r != nil {
		delete(s.secrets, r.id)
	}
}

func (s *V1) byName(name string) *v1Rec {
	for _, r := range s.secrets {
		if r.name == name {
			return r
		}
	}
	return nil
}

// sorted is queries/secrets/list.py's ORDER BY created_at DESC.
func (s *V1) sorted() []*v1Rec {
	recs := slices.Collect(maps.Values(s.secrets))
	slices.SortFunc(recs, func(a, b *v1Rec) int { return b.seq - a.seq })
	return recs
}

func (r *v1Rec) json() map[string]any {
	md := r.metadata
	if md == nil {
		md = map[string]any{}
	}
	return map[string]any{
		"id": r.id, "name": r.name, "description": r.description, "value": "ENCRYPTED",
		"metadata": md, "created_at": r.created.Format(time.RFC3339Nano), "updated_at": r.updated.Format(time.RFC3339Nano),
	}
}

func (s *V1) handle(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, s.route)
}

func (s *V1) route(r *http.Request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if got := bearer(r, "X-Auth-Key"); got != s.key {
		if s.auth == Auth401Text {
			return response{status: http.StatusUnauthorized, header: http.Header{"Content-Type": {"text/plain"}},
				body: []byte("Unauthorized: bad credentials " + r.Header.Get("Authorization"))}
		}
		return detail(http.StatusForbidden, "Could not validate API KEY")
	}
	path := r.URL.Path
	switch {
	case path == "/secrets" && r.Method == http.MethodGet:
		return s.list(r)
	case path == "/secrets" && r.Method == http.MethodPost:
		return s.create(r)
	case strings.HasPrefix(path, "/secrets/") && !strings.Contains(path[len("/secrets/"):], "/"):
		id := path[len("/secrets/"):]
		switch r.Method {
		case http.MethodPut:
			return s.update(r, id)
		case http.MethodDelete:
			return s.delete(id)
		}
		return detail(http.StatusMethodNotAllowed, "Method Not Allowed")
	case path == "/secrets":
		return detail(http.StatusMethodNotAllowed, "Method Not Allowed")
	}
	return detail(http.StatusNotFound, "Not Found")
}

func (s *V1) list(r *http.Request) response {
	q := r.URL.Query()
	limit, offset := 100, 0
	for _, p := range []struct {
		name string
		v    *int
	}{{"limit", &limit}, {"offset", &offset}} {
		if raw := q.Get(p.name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				return validationError(map[string]any{"type": "int_parsing", "loc": []any{"query", p.name},
					"msg": "Input should be a valid integer, unable to parse string as an integer", "input": raw})
			}
			*p.v = n
		}
	}
	if limit < 0 || offset < 0 {
		return detail(http.StatusBadRequest, "Invalid data provided. Please check your input values.")
	}
	page := []map[string]any{}
	for i, rec := range s.sorted() {
		if i >= offset && len(page) < limit {
			page = append(page, rec.json())
		}
	}
	return jsonResponse(http.StatusOK, page)
}

// body reads CreateSecretRequest / UpdateSecretRequest; name and value are
// required strings either way.
func readV1Body(r *http.Request) (name, value string, desc *string, md map[string]any, mdSent bool, bad *response) {
	m, ok := readJSON(r)
	if !ok {
		resp := validationError(map[string]any{"type": "model_attributes_type", "loc": []any{"body"}, "msg": "Input should be a valid dictionary or object to extract fields from", "input": nil})
		return "", "", nil, nil, false, &resp
	}
	var errs []map[string]any
	input := map[string]any{}
	for k, v := range m {
		var x any
		json.Unmarshal(v, &x)
		input[k] = x
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"name", &name}, {"value", &value}} {
		raw, ok := m[f.name]
		if !ok || string(raw) == "null" {
			errs = append(errs, fieldError("missing", f.name, "Field required", input))
		} else if json.Unmarshal(raw, f.dst) != nil {
			errs = append(errs, fieldError("string_type", f.name, "Input should be a valid string", input[f.name]))
		}
	}
	if raw, ok := m["description"]; ok && string(raw) != "null" {
		var d string
		if json.Unmarshal(raw, &d) != nil {
			errs = append(errs, fieldError("string_type", "description", "Input should be a valid string", input["description"]))
		}
		desc = &d
	}
	if raw, ok := m["metadata"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &md) != nil || md == nil {
			errs = append(errs, fieldError("dict_type", "metadata", "Input should be a valid dictionary", input["metadata"]))
		}
		mdSent = true
	}
	if len(errs) > 0 {
		resp := validationError(errs...)
		return "", "", nil, nil, false, &resp
	}
	return name, value, desc, md, mdSent, nil
}

func (s *V1) create(r *http.Request) response {
	name, value, desc, md, _, bad := readV1Body(r)
	if bad != nil {
		return *bad
	}
	if !v1NameRe.MatchString(name) {
		return detail(http.StatusBadRequest, "The provided secret data violates one or more constraints during create")
	}
	if s.byName(name) != nil {
		return detail(http.StatusConflict, "A secret with these unique properties already exists during create")
	}
	if md == nil {
		md = map[string]any{}
	}
	return jsonResponse(http.StatusCreated, s.insert(name, value, desc, md).json())
}

func (s *V1) update(r *http.Request, id string) response {
	if !uuidRe.MatchString(id) {
		return validationError(map[string]any{"type": "uuid_parsing", "loc": []any{"path", "secret_id"},
			"msg": "Input should be a valid UUID", "input": id})
	}
	name, value, desc, md, mdSent, bad := readV1Body(r)
	if bad != nil {
		return *bad
	}
	rec := s.secrets[id]
	if rec == nil {
		return detail(http.StatusNotFound, "No secret found during update")
	}
	if !v1NameRe.MatchString(name) {
		return detail(http.StatusBadRequest, "The provided secret data violates one or more constraints during update")
	}
	if other := s.byName(name); other != nil && other.id != id {
		return detail(http.StatusConflict, "A secret with these unique properties already exists during update")
	}
	// update.py: COALESCE keeps what is omitted or null; metadata is
	// replaced, not merged.
	rec.name, rec.value = name, value
	if desc != nil {
		rec.description = desc
	}
	if mdSent {
		rec.metadata = md
	}
	rec.updated = s.tick()
	return jsonResponse(http.StatusOK, rec.json())
}

func (s *V1) delete(id string) response {
	if !uuidRe.MatchString(id) {
		return validationError(map[string]any{"type": "uuid_parsing", "loc": []any{"path", "secret_id"},
			"msg": "Input should be a valid UUID", "input": id})
	}
	if s.secrets[id] == nil {
		return detail(http.StatusNotFound, "No secret found during delete")
	}
	delete(s.secrets, id)
	return jsonResponse(http.StatusAccepted, map[string]any{"id": id, "deleted_at": s.tick().Format(time.RFC3339Nano), "jobs": []any{}})
}
