package keyring

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/keyward/keyward/model"
)

// sameValue returns an error wrapping ErrUnchanged when value is name's
// current value, whose slot (the keyring user curUser) setValue read as cur (sealed on a sealer
// backend; "" when there is none). It runs under the index lock, before
// anything is written, for every caller of a rotation (the CLI's rotate and
// import --overwrite, the TUI): a rotation to the same value would bump the
// version and make previous == current, losing the real previous value
// (issue 11, item 5).
//
// The file backend compares only once it is unlocked in this process: a
// rotation needs no passphrase there, and telling whether a guess is the
// current value must not need less than reading it. Locked, it rotates as
// before.
func (s *store) sameValue(ctx context.Context, name, curUser, cur, value string) error {
	if cur == "" {
		return nil // a lost value, or a record's first
	}
	if fv, ok := s.vals.(*fileValues); ok {
		if !fv.unlocked() {
			return nil
		}
		plain, err := fv.Get(ctx, curUser)
		if err != nil {
			return nil // the rotation itself reports what is wrong
		}
		cur = plain
	} else if _, ok := s.vals.(sealer); ok {
		return nil // a sealed value cannot be compared
	}
	if subtle.ConstantTimeCompare([]byte(cur), []byte(value)) == 1 {
		return fmt.Errorf("%w: %s", ErrUnchanged, model.Printable(name))
	}
	return nil
}

// unlocked reports whether the identity was unwrapped in this process, so
// that reading a value asks for nothing.
func (v *fileValues) unlocked() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.id != nil
}
