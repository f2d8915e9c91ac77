// Package keyring stores keyward's secrets: values in the OS keyring (through
// github.com/zalando/go-keyring) and everything else in a TOML index file,
// because OS keyrings cannot list their items. It is the only package that
// touches either.
//
// Two stores implement Store: OSStore, the real one, and MemStore, an
// in-memory store for --demo and fast tests. One contract test suite runs
// against both.
package keyring

import (
	"context"
	"errors"

	"github.com/keyward/keyward/model"
)

// Store is what the rest of keyward needs from a secret store. Errors never
// contain a secret value.
//
// List and Get read only the index; Value is the one read of the keyring.
type Store interface {
	// List returns every secret's record, in index order. It never touches
	// the keyring. Records may share their metadata maps: treat them as
	// read-only (model.Secret.Clone before changing one).
	List(ctx context.Context) ([]model.Secret, error)
	// ListMatching is List of the records keep accepts, which may cost
	// far less than List on a large index (no record keep refuses is
	// built in full). keep must not retain the record it is given: its
	// metadata map may be reused for the next one.
	ListMatching(ctx context.Context, keep func(*model.Secret) bool) ([]model.Secret, error)
	// Get returns one record, or an error wrapping ErrNotFound.
	Get(ctx context.Context, name string) (model.Secret, error)
	// Value reads the current value from the keyring.
	Value(ctx context.Context, name string) (string, error)
	// HasPrevious reports whether a previous value is kept for rollback.
	HasPrevious(ctx context.Context, name string) (bool, error)
	// Create stores a new secret: the value in the keyring first, then the
	// record in the index. Version is set to 1 and the times to now;
	// Generated is kept as the caller set it.
	Create(ctx context.Context, s model.Secret, value string) (model.Secret, error)
	// CreateAll creates secrets in order, as one Create each would, but
	// saves the index once per batch of them (see store.CreateAll): an
	// import. It stops at the first it cannot create and returns the
	// records created before it (saved) and that error.
	CreateAll(ctx context.Context, secs []NewSecret, progress func(done int)) ([]model.Secret, error)
	// Update changes a record (description, metadata, policy, name); never
	// the value. A rename moves the value (and the previous one) too.
	Update(ctx context.Context, name string, p model.Patch) (model.Secret, error)
	// Rotate keeps the current value as the previous one, stores value,
	// bumps Version and sets RotatedAt. When the current value is missing
	// from the keyring, it stores value and keeps the previous one as it
	// is: a lost value is set again without losing the record.
	// Rotate clears the record's Generated: the value was entered by hand.
	// A value equal to the current one changes nothing (no new version,
	// the previous value kept): Rotate returns the record as it is and an
	// error wrapping ErrUnchanged. The file backend can tell only once it
	// is unlocked; until then it rotates as before (see sameValue).
	Rotate(ctx context.Context, name, value string) (model.Secret, error)
	// RotateGenerated is Rotate for a value made by model.Generate to gen,
	// which the record keeps as its Generated (nil clears it).
	RotateGenerated(ctx context.Context, name, value string, gen *model.GenSpec) (model.Secret, error)
	// Rollback brings the previous value back as a new version; the value
	// it replaces becomes the previous one. It fails with ErrNoPrevious
	// when there is none.
	Rollback(ctx context.Context, name string) (model.Secret, error)
	// Delete removes the record from the index, then the values from the
	// keyring.
	Delete(ctx context.Context, name string) error
	// Ping checks that the keyring answers.
	Ping(ctx context.Context) error
	// AddRecord adds a record without a local value (pulled from a Julep
	// account); Value then fails with ErrNotSet until Rotate sets one.
	AddRecord(ctx context.Context, s model.Secret) (model.Secret, error)
	// RecordSync keeps what was pushed to a Julep account in the record.
	RecordSync(ctx context.Context, name string, st model.SyncState) (model.Secret, error)
}

// ValueChecker is a Store that can tell whether a secret's current value is
// in the keyring without reading it (the file backend needs no passphrase
// for that). Every store of this package is one.
type ValueChecker interface {
	// HasValue reports whether name's current value is in the keyring;
	// false for a record that never had one (NoValue) too.
	HasValue(ctx context.Context, name string) (bool, error)
}

// Errors a Store returns, wrapped with context. Match them with errors.Is.
var (
	ErrNotFound    = errors.New("secret not found")
	ErrExists      = errors.New("secret already exists")
	ErrNoPrevious  = errors.New("no previous value to roll back to")
	ErrNoValue     = errors.New("value missing from the keyring")
	ErrTimeout     = errors.New("the keyring did not answer in time")
	ErrUnavailable = errors.New("no keyring is available")
	ErrLocked      = errors.New("the keyring is locked")
	ErrTooLarge    = errors.New("value too large for this keyring")
	ErrUnchanged   = errors.New("the new value is the same as the current one")
)

// PreviousUser is the keyring user under which the previous value of name is
// kept. '@' can never appear in a valid name, so it cannot collide.
func PreviousUser(name string) string { return name + "@previous" }

// valueUsers returns the keyring users of rec's current and previous
// values: its name and PreviousUser, the other way round when
// rec.SlotsSwapped (a rotation wrote the new value over the previous one;
// rotation.go). Every read or write of a record's values asks here.
func valueUsers(rec *model.Secret) (cur, prev string) {
	if rec.SlotsSwapped {
		return PreviousUser(rec.Name), rec.Name
	}
	return rec.Name, PreviousUser(rec.Name)
}
