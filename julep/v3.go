package julep

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
)

// V3Client is the client for Julep 3's vault (julep/server/routes/secrets.py,
// mounted under /v1): admin-only, write-only, keyed by name.
type V3Client struct {
	c client
}

// NewV3 returns a client for the Julep 3 server at baseURL (its
// JULEP_API_URL, without /v1), authenticating with an admin key. It does
// no I/O.
func NewV3(baseURL, key string, opt Options) *V3Client {
	return &V3Client{c: newClient(V3, baseURL, key, opt)}
}

// Platform is V3.
func (*V3Client) Platform() Platform { return V3 }

// BaseURL is the server's base URL without a trailing slash.
func (v *V3Client) BaseURL() string { return v.c.baseURL }

// Target is TargetOf(V3, BaseURL()).
func (v *V3Client) Target() string { return TargetOf(V3, v.c.baseURL) }

// KeepsMetadata is false: Julep 3 stores a value and a generation only, so
// descriptions and metadata stay local.
func (*V3Client) KeepsMetadata() bool { return false }

// ValidateName is ValidateV3Name.
func (*V3Client) ValidateName(name string) error { return ValidateV3Name(name) }

// v3Row is a row of Julep 3's secrets table as the routes return it.
type v3Row struct {
	Name       string  `json:"name"`
	KeyID      string  `json:"key_id"`
	Generation int64   `json:"generation"`
	CreatedAt  string  `json:"created_at"`
	UpdatedAt  string  `json:"updated_at"`
	UpdatedBy  string  `json:"updated_by"`
	ArchivedAt *string `json:"archived_at"`
}

func (r v3Row) remote() (RemoteSecret, error) {
	s := RemoteSecret{Name: r.Name, Generation: r.Generation}
	if r.Name == "" {
		return s, fmt.Errorf("a secret without a name")
	}
	var err error
	if s.CreatedAt, err = parseTime(r.CreatedAt); err != nil {
		return s, fmt.Errorf("created_at: %w", err)
	}
	if s.UpdatedAt, err = parseTime(r.UpdatedAt); err != nil {
		return s, fmt.Errorf("updated_at: %w", err)
	}
	return s, nil
}

func (v *V3Client) badResponse(op, name string, err error) error {
	return &APIError{Op: op, Name: name, Platform: V3, BaseURL: v.c.baseURL, Kind: ErrUnavailable,
		Detail: "unexpected response: " + cleanDetail(err.Error(), v.c.key)}
}

// List is GET /v1/secrets, without archived secrets, sorted by name.
func (v *V3Client) List(ctx context.Context) ([]RemoteSecret, error) {
	body, err := v.c.do(ctx, call{op: "list", method: http.MethodGet, path: "/v1/secrets", ok: []int{200}})
	if err != nil {
		return nil, err
	}
	var resp struct {
		Items *[]v3Row `json:"items"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.Items == nil {
		return nil, v.badResponse("list", "", fmt.Errorf(`the list is not {"items": [...]}`))
	}
	var out []RemoteSecret
	for i, row := range *resp.Items {
		if row.ArchivedAt != nil {
			continue
		}
		s, err := row.remote()
		if err != nil {
			return nil, v.badResponse("list", "", fmt.Errorf("secret %d of the list: %w", i+1, err))
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// put is PUT /v1/secrets/{name} with {"value": ...} and nothing else: the
// server forbids extra fields (422). It creates or rotates, and bumps the
// generation; being idempotent it is retried like any PUT.
func (v *V3Client) put(ctx context.Context, op string, w Write) (RemoteSecret, error) {
	if err := ValidateV3Name(w.Name); err != nil {
		return RemoteSecret{}, err
	}
	body, err := json.Marshal(struct {
		Value string `json:"value"`
	}{w.Value})
	if err != nil {
		return RemoteSecret{}, err
	}
	resp, err := v.c.do(ctx, call{op: op, name: w.Name, method: http.MethodPut, path: "/v1/secrets/" + escape(w.Name),
		body: body, value: w.Value, ok: []int{http.StatusOK, http.StatusCreated}})
	if err != nil {
		return RemoteSecret{}, err
	}
	var row v3Row
	if err := json.Unmarshal(resp, &row); err != nil {
		return RemoteSecret{}, v.badResponse(op, w.Name, fmt.Errorf("the answer is not a secret"))
	}
	if row.Name == "" {
		row.Name = w.Name
	}
	s, err := row.remote()
	if err != nil {
		return RemoteSecret{}, v.badResponse(op, w.Name, err)
	}
	return s, nil
}

// Create is the same PUT as Update: Julep 3 has no separate create.
func (v *V3Client) Create(ctx context.Context, w Write) (RemoteSecret, error) {
	return v.put(ctx, "create", w)
}

// Update rotates the value of w.Name. Julep 3 cannot rename: id must be
// empty or w.Name.
func (v *V3Client) Update(ctx context.Context, id string, w Write) (RemoteSecret, error) {
	if id != "" && id != w.Name {
		return RemoteSecret{}, &APIError{Op: "update", Name: w.Name, Platform: V3, BaseURL: v.c.baseURL, Kind: ErrInvalid,
			Detail: "Julep 3 cannot rename a secret; create the new name and delete " + quote(id)}
	}
	return v.put(ctx, "update", w)
}

// Delete is DELETE /v1/secrets/{name} (204).
func (v *V3Client) Delete(ctx context.Context, s RemoteSecret) error {
	if err := ValidateV3Name(s.Name); err != nil {
		return err
	}
	_, err := v.c.do(ctx, call{op: "delete", name: s.Name, method: http.MethodDelete, path: "/v1/secrets/" + escape(s.Name),
		ok: []int{http.StatusNoContent, http.StatusOK}})
	return err
}
