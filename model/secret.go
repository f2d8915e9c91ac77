package model

import (
	"maps"
	"slices"
	"time"
	"unicode/utf8"
)

// Secret is everything keyward knows about a secret except its value, which
// lives only in the OS keyring. It is what the index file stores.
type Secret struct {
	Name        string
	Description string
	Metadata    map[string]string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	RotatedAt   time.Time // zero until the first rotation
	Version     int       // 1 on create, +1 on every value change
	RotateEvery Duration  // zero means no rotation policy
	// NoValue marks a record pulled from a Julep account, whose value the
	// account never gives back: there is no local value until one is set.
	NoValue bool
	// SlotsSwapped says where the values are: the current one under the
	// keyring user NAME@previous and the previous one under NAME, instead
	// of the other way round. A rotation writes the new value over the
	// previous one and flips this, so that it costs one keyring write; a
	// rollback only flips it (keyring/rotation.go).
	SlotsSwapped bool
	// Sync holds what was last pushed to each Julep account.
	Sync []SyncState
	// Generated is how the current value was generated (never the value),
	// so that a rotation can generate the next one the same way; nil for
	// a value entered by hand.
	Generated *GenSpec
}

// Clone returns a copy that shares no map with s.
func (s Secret) Clone() Secret {
	if s.Metadata != nil {
		s.Metadata = maps.Clone(s.Metadata)
	}
	s.Sync = slices.Clone(s.Sync)
	if s.Generated != nil {
		g := *s.Generated
		s.Generated = &g
	}
	return s
}

// LastRotation is when the current value was set: the last rotation, or the
// creation time for a secret that was never rotated.
func (s Secret) LastRotation() time.Time {
	if !s.RotatedAt.IsZero() {
		return s.RotatedAt
	}
	return s.CreatedAt
}

// Age is the time since the last rotation (or creation) at now.
func (s Secret) Age(now time.Time) time.Duration {
	return now.Sub(s.LastRotation())
}

// NextDue returns when the rotation policy makes s due, and false when s has
// no policy.
func (s Secret) NextDue() (time.Time, bool) {
	if s.RotateEvery <= 0 {
		return time.Time{}, false
	}
	return s.LastRotation().Add(time.Duration(s.RotateEvery)), true
}

// Due reports whether the time since the last rotation (or creation) exceeds
// the rotation policy at now. A secret without a policy is never due.
func (s Secret) Due(now time.Time) bool {
	if s.RotateEvery <= 0 {
		return false
	}
	return s.Age(now) > time.Duration(s.RotateEvery)
}

// Validate checks every field a user can set against the rules for input:
// the name, each metadata pair (ValidateMetadataKey, ValidateMetadataValue),
// the description (no control characters but newlines and tabs, C1
// included; at most MaxDescriptionLen characters; invisible characters are
// allowed and shown escaped), the rotation policy and the generator spec.
// Pairs are checked in key order, so the error is the same on every run.
func (s Secret) Validate() error {
	if err := s.ValidateStored(); err != nil {
		return err
	}
	for _, k := range SortedKeys(s.Metadata) {
		if err := ValidateMetadataKey(k); err != nil {
			return err
		}
		if err := ValidateMetadataValue(k, s.Metadata[k]); err != nil {
			return err
		}
	}
	return validateDescription(s.Description)
}

// ValidateStored checks what every record keyward ever wrote passes: the
// rules of Validate without those added later (the size limits, C1
// controls in a description, invisible characters in metadata), so that an
// index written by an older keyward still reads and can be written back.
// What the user changes is held to Validate (Patch.Apply, Create).
func (s Secret) ValidateStored() error {
	if err := ValidateName(s.Name); err != nil {
		return err
	}
	for _, k := range SortedKeys(s.Metadata) {
		if err := checkStoredKey(k); err != nil {
			return err
		}
		if err := checkStoredValue(k, s.Metadata[k]); err != nil {
			return err
		}
	}
	if !utf8.ValidString(s.Description) {
		return invalid("description", "is not valid UTF-8")
	}
	for _, r := range s.Description {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return invalid("description", "must not contain control characters other than newlines and tabs")
		}
	}
	if err := CheckDuration(s.RotateEvery); err != nil {
		return invalid("rotate_every", "%s", err.(*ValidationError).Msg)
	}
	if s.Generated != nil {
		if err := s.Generated.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// validateDescription holds a description a user enters to the rules on
// top of ValidateStored's.
func validateDescription(d string) error {
	for _, r := range d {
		if r >= 0x80 && r <= 0x9f {
			return invalid("description", "must not contain control characters other than newlines and tabs (it has %s)", runeName(r))
		}
	}
	if n := utf8.RuneCountInString(d); n > MaxDescriptionLen {
		return invalid("description", "is %d characters long; the limit is %d", n, MaxDescriptionLen)
	}
	return nil
}

// Patch is a change to a secret's record (never its value). Nil or empty
// fields leave the record as it is.
type Patch struct {
	Description   *string
	SetMetadata   map[string]string
	UnsetMetadata []string
	Rename        string
	RotateEvery   *Duration // a pointer to zero removes the policy
	// Base is the record the patch was made from, when the caller shows
	// the user a copy that may be stale (the TUI's edit form). Apply then
	// refuses, with a *ConflictError, to change a field that was changed
	// since Base to something else; the store applies a patch under its
	// lock, so the comparison is with the record as it is at that moment.
	// Nil applies the patch as it is (the CLI's update).
	Base *Secret
}

// Empty reports whether p changes nothing.
func (p Patch) Empty() bool {
	return p.Description == nil && len(p.SetMetadata) == 0 && len(p.UnsetMetadata) == 0 &&
		p.Rename == "" && p.RotateEvery == nil
}

// Apply returns s with p applied and UpdatedAt set to now, or a
// ValidationError when the result would break a rule. What p sets is held
// to the rules for input (Validate); what it leaves is held only to
// ValidateStored, so a record an older keyward wrote past a newer limit can
// still be renamed or given a policy. It does not check that a new name is
// unique; the store does.
func (p Patch) Apply(s Secret, now time.Time) (Secret, error) {
	if p.Base != nil {
		if changed := p.conflicts(*p.Base, s); len(changed) > 0 {
			return Secret{}, &ConflictError{Name: s.Name, Changed: changed, Current: s.Clone()}
		}
	}
	s = s.Clone()
	if p.Description != nil {
		if err := validateDescription(*p.Description); err != nil {
			return Secret{}, err
		}
		s.Description = *p.Description
	}
	for _, k := range SortedKeys(p.SetMetadata) {
		if err := ValidateMetadataKey(k); err != nil {
			return Secret{}, err
		}
		if err := ValidateMetadataValue(k, p.SetMetadata[k]); err != nil {
			return Secret{}, err
		}
	}
	for _, k := range p.UnsetMetadata {
		delete(s.Metadata, k)
	}
	if len(p.SetMetadata) > 0 && s.Metadata == nil {
		s.Metadata = make(map[string]string, len(p.SetMetadata))
	}
	for k, v := range p.SetMetadata {
		s.Metadata[k] = v
	}
	if len(s.Metadata) == 0 {
		s.Metadata = nil
	}
	if p.Rename != "" {
		s.Name = p.Rename
	}
	if p.RotateEvery != nil {
		s.RotateEvery = *p.RotateEvery
	}
	if err := s.ValidateStored(); err != nil {
		return Secret{}, err
	}
	s.UpdatedAt = now
	return s, nil
}
