package julep

import (
	"context"
	"time"
)

// Platform names one of the two Julep products keyward can push to.
type Platform string

const (
	// V1 is the YAML-task platform (api.julep.ai): secrets have ids,
	// descriptions and metadata, and tasks see the newest 100.
	V1 Platform = "v1"
	// V3 is Julep 3: an admin-only, write-only vault keyed by name, which
	// keeps a generation per secret and nothing else.
	V3 Platform = "v3"
)

// ParsePlatform accepts "v1" or "v3".
func ParsePlatform(s string) (Platform, error) {
	switch Platform(s) {
	case V1, V3:
		return Platform(s), nil
	}
	return "", &SettingError{Setting: "platform", Msg: "must be v1 or v3, not " + quote(s)}
}

// TargetOf is the account name a SyncState records: the platform and the
// base URL, as "v1 https://api.julep.ai/api".
func TargetOf(p Platform, baseURL string) string { return string(p) + " " + baseURL }

// Account is what the planner needs to know of a remote: which account it
// is and its rules. Every Remote is an Account; tests and dry runs can use
// one without a network.
type Account interface {
	Platform() Platform
	BaseURL() string
	// Target is TargetOf(Platform(), BaseURL()), matching
	// model.SyncState.Target.
	Target() string
	// KeepsMetadata reports whether the account stores a description and
	// metadata beside the value (v1 does; Julep 3 keeps them local).
	KeepsMetadata() bool
	// ValidateName checks a name against the platform's server-side rule
	// and says how to rename when it fails.
	ValidateName(name string) error
}

// Remote is a Julep account's secrets API. Values only ever go up: no
// method returns one.
type Remote interface {
	Account
	// List returns every live secret, without values.
	List(ctx context.Context) ([]RemoteSecret, error)
	// Create adds a secret. On v1 it is a POST, which is not retried once
	// it may have reached the server (see ErrUnknownOutcome); on Julep 3
	// it is the same PUT as Update.
	Create(ctx context.Context, w Write) (RemoteSecret, error)
	// Update replaces the value (and, where kept, the description and
	// metadata) of the secret id. On v1, a w.Name different from the
	// current name renames it. On Julep 3 id is empty or the name itself.
	Update(ctx context.Context, id string, w Write) (RemoteSecret, error)
	// Delete removes s, by id on v1 and by name on Julep 3.
	Delete(ctx context.Context, s RemoteSecret) error
}

// RemoteSecret is what an account says about one secret: never a value.
type RemoteSecret struct {
	// ID is v1's uuid; empty on Julep 3, where the name is the key.
	ID          string
	Name        string
	Description string
	Metadata    map[string]string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Generation is Julep 3's counter, bumped by every PUT; zero on v1.
	Generation int64
}

// Write is what a create or an update sends. Description and Metadata are
// ignored where the account keeps no metadata.
type Write struct {
	Name        string
	Value       string
	Description string
	Metadata    map[string]string
}

// TaskVisibleLimit is how many secrets a task on p can see (the newest by
// creation time), or 0 when there is no such limit.
func TaskVisibleLimit(p Platform) int {
	if p == V1 {
		return 100
	}
	return 0
}
