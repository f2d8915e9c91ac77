package julep

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// DefaultPageSize is how many secrets V1Client.List asks for per page: the
// server's own default limit.
const DefaultPageSize = 100

// V1Client is the client for Julep v1's /secrets routes
// (agents-api routers/secrets/*.py).
type V1Client struct {
	c client
	// PageSize is the limit V1Client.List pages with; 0 means DefaultPageSize.
	PageSize int
}

// NewV1 returns a client for the v1 account at baseURL (e.g.
// https://api.julep.ai/api), authenticating with key. It does no I/O.
func NewV1(baseURL, key string, opt Options) *V1Client {
	return &V1Client{c: newClient(V1, baseURL, key, opt)}
}

// Platform is V1.
func (*V1Client) Platform() Platform { return V1 }

// BaseURL is the account's base URL without a trailing slash.
func (v *V1Client) BaseURL() string { return v.c.baseURL }

// Target is TargetOf(V1, BaseURL()).
func (v *V1Client) Target() string { return TargetOf(V1, v.c.baseURL) }

// KeepsMetadata is true: v1 stores a description and metadata.
func (*V1Client) KeepsMetadata() bool { return true }

// ValidateName is ValidateV1Name.
func (*V1Client) ValidateName(name string) error { return ValidateV1Name(name) }

// v1Secret is the Secret model of the v1 API.
type v1Secret struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description *string         `json:"description"`
	Value       string          `json:"value"` // always "ENCRYPTED"
	Metadata    json.RawMessage `json:"metadata"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
}

func (s v1Secret) remote() (RemoteSecret, error) {
	r := RemoteSecret{ID: s.ID, Name: s.Name}
	if s.ID == "" || s.Name == "" {
		return r, fmt.Errorf("a secret without an id or a name")
	}
	if s.Description != nil {
		r.Description = *s.Description
	}
	md, err := decodeMetadata(s.Metadata)
	if err != nil {
		return r, err
	}
	r.Metadata = md
	if r.CreatedAt, err = parseTime(s.CreatedAt); err != nil {
		return r, fmt.Errorf("created_at: %w", err)
	}
	if r.UpdatedAt, err = parseTime(s.UpdatedAt); err != nil {
		return r, fmt.Errorf("updated_at: %w", err)
	}
	return r, nil
}

// decodeMetadata turns v1's free-form JSON object into keyward's string
// map: strings stay as they are, anything else becomes its JSON text.
func decodeMetadata(raw json.RawMessage) (map[string]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("metadata is not a JSON object")
	}
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out, nil
}

// parseTime reads the server's datetimes: RFC 3339, or Python's isoformat
// without a zone, taken as UTC.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", s)
}

// decodeV1List reads one page of GET /secrets: a bare JSON array (the
// TypeSpec's {"items": [...]} is accepted too, in case it ever ships).
func decodeV1List(body []byte) ([]RemoteSecret, error) {
	var page []v1Secret
	if err := json.Unmarshal(body, &page); err != nil {
		var wrapped struct {
			Items *[]v1Secret `json:"items"`
		}
		if json.Unmarshal(body, &wrapped) != nil || wrapped.Items == nil {
			return nil, fmt.Errorf("the list is not a JSON array of secrets")
		}
		page = *wrapped.Items
	}
	out := make([]RemoteSecret, 0, len(page))
	for i, s := range page {
		r, err := s.remote()
		if err != nil {
			return nil, fmt.Errorf("secret %d of the list: %w", i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (v *V1Client) badResponse(op, name string, err error) error {
	return &APIError{Op: op, Name: name, Platform: V1, BaseURL: v.c.baseURL, Kind: ErrUnavailable,
		Detail: "unexpected response: " + cleanDetail(err.Error(), v.c.key)}
}

// List pages through GET /secrets (newest first) until a short page. A
// secret created while paging shifts the pages; duplicates are dropped.
func (v *V1Client) List(ctx context.Context) ([]RemoteSecret, error) {
	limit := v.PageSize
	if limit <= 0 {
		limit = DefaultPageSize
	}
	var all []RemoteSecret
	seen := map[string]bool{}
	for offset := 0; ; offset += limit {
		body, err := v.c.do(ctx, call{op: "list", method: http.MethodGet,
			path: "/secrets?limit=" + strconv.Itoa(limit) + "&offset=" + strconv.Itoa(offset), ok: []int{200}})
		if err != nil {
			return nil, err
		}
		page, err := decodeV1List(body)
		if err != nil {
			return nil, v.badResponse("list", "", err)
		}
		fresh := 0
		for _, s := range page {
			if !seen[s.ID] {
				seen[s.ID] = true
				all = append(all, s)
				fresh++
			}
		}
		if len(page) < limit {
			return all, nil
		}
		if fresh == 0 {
			return nil, v.badResponse("list", "", fmt.Errorf("offset %d repeated earlier pages; the server ignores offset", offset))
		}
	}
}

// v1Write is CreateSecretRequest and UpdateSecretRequest. Description and
// metadata are always sent, so that the account ends up as the local
// record says (an omitted field would be kept, a sent one is replaced).
type v1Write struct {
	Name        string            `json:"name"`
	Value       string            `json:"value"`
	Description string            `json:"description"`
	Metadata    map[string]string `json:"metadata"`
}

func (v *V1Client) write(ctx context.Context, op, method, path string, ok int, w Write) (RemoteSecret, error) {
	if err := ValidateV1Name(w.Name); err != nil {
		return RemoteSecret{}, err
	}
	md := w.Metadata
	if md == nil {
		md = map[string]string{}
	}
	body, err := json.Marshal(v1Write{Name: w.Name, Value: w.Value, Description: w.Description, Metadata: md})
	if err != nil {
		return RemoteSecret{}, err
	}
	resp, err := v.c.do(ctx, call{op: op, name: w.Name, method: method, path: path, body: body, value: w.Value, ok: []int{ok, http.StatusOK}})
	if err != nil {
		return RemoteSecret{}, err
	}
	var s v1Secret
	if err := json.Unmarshal(resp, &s); err != nil {
		return RemoteSecret{}, v.badResponse(op, w.Name, fmt.Errorf("the answer is not a secret"))
	}
	r, err := s.remote()
	if err != nil {
		return RemoteSecret{}, v.badResponse(op, w.Name, err)
	}
	return r, nil
}

// Create is POST /secrets (201).
func (v *V1Client) Create(ctx context.Context, w Write) (RemoteSecret, error) {
	return v.write(ctx, "create", http.MethodPost, "/secrets", http.StatusCreated, w)
}

// Update is PUT /secrets/{id} (200): name and value are required, the
// description and metadata are replaced, and a new name renames.
func (v *V1Client) Update(ctx context.Context, id string, w Write) (RemoteSecret, error) {
	if id == "" {
		return RemoteSecret{}, &APIError{Op: "update", Name: w.Name, Platform: V1, BaseURL: v.c.baseURL, Kind: ErrInvalid, Detail: "no remote id"}
	}
	return v.write(ctx, "update", http.MethodPut, "/secrets/"+escape(id), http.StatusOK, w)
}

// Delete is DELETE /secrets/{id} (202).
func (v *V1Client) Delete(ctx context.Context, s RemoteSecret) error {
	if s.ID == "" {
		return &APIError{Op: "delete", Name: s.Name, Platform: V1, BaseURL: v.c.baseURL, Kind: ErrInvalid, Detail: "no remote id"}
	}
	_, err := v.c.do(ctx, call{op: "delete", name: s.Name, method: http.MethodDelete, path: "/secrets/" + escape(s.ID),
		ok: []int{http.StatusAccepted, http.StatusOK, http.StatusNoContent}})
	return err
}
