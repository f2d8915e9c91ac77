package keyring

import (
	"context"
	"errors"
	"fmt"

	"github.com/keyward/keyward/model"
)

// A rotation writes two slots: the current value goes to the previous slot,
// then the new value to the current one. A process killed between the two
// would leave previous == current, with the old previous value (often the
// only copy of the older credential) gone although the rotation never
// happened (issue 11, item 1). So before either write, the rotation notes
// itself in the journal with the record's version, and keeps the old
// previous value under rotationUser. finishRotation, run under the index lock
// before anything reads or moves the name's values (and by Reconcile), then
// puts the old previous value back, or, when the new value landed, records
// the version the rotation would have given it. The kept copy and the
// journal entry are removed in a second locked pass once the index is saved.
//
// The journal ops: opRotateKept (the old previous value is kept under
// rotationUser) and opRotateFirst (there was no previous value). The legacy
// "rotate" op (a timed-out write noted by an older keyward) is settled by
// reconcileRotate.
const (
	opRotateKept  = "rotate-kept"
	opRotateFirst = "rotate-first"
)

// rotationUser is the keyring user where a rotation keeps the previous value
// it is about to replace. Like PreviousUser it cannot collide with a valid
// name.
func rotationUser(name string) string { return name + "@rotation" }

// slots returns the functions that read and write name's slots without
// looking at the values: sealed on a backend that can (no passphrase),
// plain otherwise. Comparisons of what they return are byte comparisons of
// whole value files on the file backend, which a sealed copy keeps.
func (s *store) slots() (get func(context.Context, string) (string, error), set func(context.Context, string, string) error) {
	if sv, ok := s.vals.(sealer); ok {
		return sv.GetSealed, sv.SetSealed
	}
	return s.vals.Get, s.vals.Set
}

// finishRotation settles an unfinished rotation noted as op, under the
// index lock: it puts the old previous value back, or, when the new value
// landed, records the version the rotation would have given it (changed
// says the record was bumped). cleanup removes the kept copy and the journal
// entry; the caller runs it once a bumped record is saved, so that a crash
// before the save still finds both.
func (s *store) finishRotation(ctx context.Context, list []model.Secret, op pendingOp) (changed bool, msg string, cleanup func() error, err error) {
	name := op.Name
	p := model.Printable(name)
	dropKept := func() error {
		if err := s.vals.Delete(ctx, rotationUser(name)); err != nil {
			return err
		}
		return s.done(name)
	}
	i := find(list, name)
	if i < 0 {
		// Deleted since: its values are orphans, removed with it.
		return false, fmt.Sprintf("%s was deleted since an unfinished rotation; nothing to settle", p), dropKept, nil
	}
	get, set := s.slots()
	read := func(user string) (string, bool, error) {
		v, err := get(ctx, user)
		if errors.Is(err, ErrNoValue) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("settle the unfinished rotation of %s: %w", name, err)
		}
		return v, true, nil
	}
	kept, hasKept := "", false
	if op.Op == opRotateKept {
		if kept, hasKept, err = read(rotationUser(name)); err != nil {
			return false, "", nil, err
		}
		if !hasKept {
			// The copy never landed, so the rotation wrote nothing
			// else; or it was finished and only its journal entry is
			// left.
			if list[i].Version == op.Version+1 {
				return false, fmt.Sprintf("%s: its last rotation had finished", p), dropKept, nil
			}
			return false, fmt.Sprintf("%s: an unfinished rotation had not started; nothing changed", p), dropKept, nil
		}
	}
	cur, hasCur, err := read(name)
	if err != nil {
		return false, "", nil, err
	}
	prev, hasPrev, err := read(PreviousUser(name))
	if err != nil {
		return false, "", nil, err
	}
	landed := false
	switch {
	case !hasCur:
		// Nothing to compare with; keep what there is.
	case !hasPrev:
		// The previous slot was not written yet (only possible for a
		// first rotation, whose kept copy does not exist).
	case cur == prev:
		// Cut short between the two writes: put the old previous value
		// back (or none, as there was none).
		if hasKept {
			err = set(ctx, PreviousUser(name), kept)
		} else {
			err = s.vals.Delete(ctx, PreviousUser(name))
		}
		if err != nil {
			return false, "", nil, fmt.Errorf("settle the unfinished rotation of %s: %w", name, err)
		}
	case hasKept && prev == kept:
		// Cut short before the previous slot was written.
	default:
		landed = true
	}
	switch {
	case landed && list[i].Version == op.Version && !list[i].NoValue:
		now := s.stamp()
		list[i].Version++
		list[i].RotatedAt, list[i].UpdatedAt = now, now
		return true, fmt.Sprintf("%s: the rotation that was cut short (killed or timed out) landed after all; recorded as version %d", p, list[i].Version), dropKept, nil
	case landed:
		return false, fmt.Sprintf("%s: its last rotation had finished; removed the copy it kept", p), dropKept, nil
	}
	return false, fmt.Sprintf("%s: the rotation that was cut short (killed or timed out) did not land; its value and previous value are unchanged", p), dropKept, nil
}
