package keyring

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/keyward/keyward/model"
)

// A rotation costs one keyring write. The record says which of the name's
// two keyring users holds the current value (model.Secret.SlotsSwapped):
// the rotation writes the new value over the previous one, the value it
// means to drop, and flips the record. A rollback only flips it. Before the
// write, the rotation notes itself in the journal; a process killed (or a
// write timed out) before the index holds the flip leaves the entry, and
// finishFlip, run under the index lock before anything reads or moves the
// name's values (and by Reconcile), tells from the keyring whether the write
// landed: then the record gets the flip and the version the rotation would
// have given it; otherwise nothing changed. How it tells depends on the
// backend:
//
//   - opFlipTag: the write carries a tag unique to the rotation, in the
//     Secret Service item's label (tagger); it landed if the previous slot
//     has that tag. This is the usual case, and the one write.
//   - opFlipKept: a backend that cannot tag (the Keychain, the Credential
//     Manager, the file backend) first keeps the previous value under
//     rotationUser; the write landed if the previous slot no longer holds
//     that copy. The copy goes once the index is saved.
//   - opFlipFirst: there was no previous value, so the write landed if
//     there is one now.
//
// The legacy ops opRotateKept and opRotateFirst (a rotation by an older
// keyward, which moved the current value to the previous slot first and
// kept the records unswapped) are settled by finishRotation; a legacy
// "rotate" by reconcileRotate.
const (
	opFlipTag   = "flip-tag"
	opFlipKept  = "flip-kept"
	opFlipFirst = "flip-first"

	opRotateKept  = "rotate-kept"
	opRotateFirst = "rotate-first"
)

// flipOp returns the journal entry of a rotation of rec, and the previous
// value it keeps a copy of (opFlipKept; sealed on a sealer backend).
func (s *store) flipOp(ctx context.Context, rec *model.Secret, get func(context.Context, string) (string, error)) (op pendingOp, kept string, err error) {
	op = pendingOp{Op: opFlipTag, Name: rec.Name, Version: rec.Version}
	if t, ok := s.vals.(tagger); ok && t.tags() {
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			return pendingOp{}, "", err
		}
		op.Tag = fmt.Sprintf("v%d-%s", rec.Version+1, hex.EncodeToString(b[:]))
		return op, "", nil
	}
	_, prevUser := valueUsers(rec)
	kept, err = get(ctx, prevUser)
	switch {
	case errors.Is(err, ErrNoValue):
		op.Op = opFlipFirst
		return op, "", nil
	case err != nil:
		return pendingOp{}, "", fmt.Errorf("read previous value of %s: %w", rec.Name, err)
	}
	op.Op = opFlipKept
	return op, kept, nil
}

// writeFlip makes op's keyring writes: the copy of kept (opFlipKept), then
// the new value over the previous one, under prevUser.
func (s *store) writeFlip(ctx context.Context, op pendingOp, prevUser, value, kept string, set func(context.Context, string, string) error) error {
	var err error
	switch op.Op {
	case opFlipTag:
		err = s.vals.(tagger).SetTagged(ctx, prevUser, value, op.Tag)
	case opFlipKept:
		if err := set(ctx, rotationUser(op.Name), kept); err != nil {
			return fmt.Errorf("keep previous value of %s: %w", op.Name, err)
		}
		fallthrough
	default:
		err = s.vals.Set(ctx, prevUser, value)
	}
	if err != nil {
		return fmt.Errorf("store %s: %w", op.Name, err)
	}
	return nil
}

// finishFlip settles a rotation noted as op, under the index lock (see the
// top of this file). cleanup removes the kept copy and the journal entry;
// the caller runs it once a changed record is saved.
func (s *store) finishFlip(ctx context.Context, list []model.Secret, op pendingOp) (changed bool, msg string, cleanup func() error, err error) {
	name := op.Name
	p := model.Printable(name)
	cleanup = func() error {
		if op.Op == opFlipKept {
			if err := s.vals.Delete(ctx, rotationUser(name)); err != nil {
				return err
			}
		}
		return s.done(name)
	}
	i := find(list, name)
	if i < 0 {
		// Deleted since: its values are orphans, removed with it.
		return false, fmt.Sprintf("%s was deleted since an unfinished rotation; nothing to settle", p), cleanup, nil
	}
	rec := &list[i]
	if rec.Version != op.Version || rec.NoValue {
		return false, fmt.Sprintf("%s: its last rotation had finished", p), cleanup, nil
	}
	_, prevUser := valueUsers(rec)
	fail := func(err error) (bool, string, func() error, error) {
		return false, "", nil, fmt.Errorf("settle the unfinished rotation of %s: %w", name, err)
	}
	landed := false
	switch op.Op {
	case opFlipTag:
		t, ok := s.vals.(tagger)
		if !ok {
			return fail(errors.ErrUnsupported)
		}
		tag, err := t.Tag(ctx, prevUser)
		if err != nil && !errors.Is(err, ErrNoValue) {
			return fail(err)
		}
		landed = err == nil && op.Tag != "" && tag == op.Tag
	case opFlipFirst:
		has, err := s.has(ctx, prevUser)
		if err != nil {
			return fail(err)
		}
		landed = has
	default: // opFlipKept
		get, _ := s.slots()
		kept, err := get(ctx, rotationUser(name))
		switch {
		case errors.Is(err, ErrNoValue):
			// The copy never landed, so neither did the write after it.
		case err != nil:
			return fail(err)
		default:
			prev, err := get(ctx, prevUser)
			if err != nil && !errors.Is(err, ErrNoValue) {
				return fail(err)
			}
			landed = err == nil && prev != kept
		}
	}
	if !landed {
		return false, fmt.Sprintf("%s: the rotation that was cut short (killed or timed out) did not land; its value and previous value are unchanged", p), cleanup, nil
	}
	now := s.stamp()
	rec.SlotsSwapped = !rec.SlotsSwapped
	rec.Version++
	rec.RotatedAt, rec.UpdatedAt = now, now
	return true, fmt.Sprintf("%s: the rotation that was cut short (killed or timed out) landed after all; recorded as version %d", p, rec.Version), cleanup, nil
}

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

// finishRotation settles an unfinished rotation by an older keyward (which
// wrote the current value to the previous slot, then the new value to the
// current one, having kept the old previous value under rotationUser), noted
// as op, under the index lock: it puts the old previous value back, or, when
// the new value landed, records the version the rotation would have given
// it (changed says the record was bumped). cleanup removes the kept copy and
// the journal entry; the caller runs it once a bumped record is saved, so
// that a crash before the save still finds both. Such a record is never
// swapped: no change of the name comes before its settle.
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
