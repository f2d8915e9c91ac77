package keyring

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/keyward/keyward/model"
)

// The intents a change notes in the journal before its first keyring write
// (besides the rotations' ops, rotation.go). Each
// is cleared once the index is saved; one still there after its process
// ended is finished or undone by settle, from what the index and the keyring
// hold, and never by guessing a value:
//
//	create       undone unless the record was saved: the value goes (the
//	             create never said it succeeded)
//	delete       finished once the record is gone: the values go
//	rename-from  finished once the record has the new name: the old name's
//	             values go
//	rename-to    undone unless the record has the new name: the copies go
//	rollback     finished when the current value was replaced (the copy
//	             kept under swapUser becomes the previous value and the
//	             version is bumped), else undone (the copy goes)
//	set-value    the first value of a record without one: finished (the
//	             version is bumped) when the value landed
const (
	opCreate     = "create"
	opDelete     = "delete"
	opRenameFrom = "rename-from"
	opRenameTo   = "rename-to"
	opRollback   = "rollback"
	opSetValue   = "set-value"
)

// settle finishes or undoes the journal's pending changes under the index
// lock: every one, or with only those of names. A failure for one of names
// (or for any, with strict) stops it and is returned; the others stay in the
// journal for later. changed says it changed list, which the caller must
// then save before it runs cleanups (they remove the copies and journal
// entries a crash before the save would still need); when list is
// unchanged the caller runs them at once. did says what it did, one
// sentence each.
func (s *store) settle(ctx context.Context, list []model.Secret, names []string, only, strict bool) (changed bool, did []string, cleanups []func(), err error) {
	if s.jr == nil {
		return false, nil, nil, nil
	}
	ops, err := s.jr.Pending()
	if err != nil {
		return false, nil, nil, err
	}
	seen := map[string]bool{}
	for _, op := range ops {
		mine := slices.Contains(names, op.Name)
		if seen[op.Name] || (only && !mine) {
			continue // one settle clears every entry of a name
		}
		seen[op.Name] = true
		c, msg, cleanup, err := s.finishOp(ctx, list, op)
		if err != nil {
			if strict || mine {
				return changed, did, cleanups, fmt.Errorf("finish the pending %s of %s: %w", op.Op, model.Printable(op.Name), err)
			}
			continue
		}
		changed = changed || c
		did = append(did, msg)
		cleanups = append(cleanups, func() { _ = cleanup() })
	}
	return changed, did, cleanups, nil
}

// finishOp settles one pending change, under the index lock (see settle).
func (s *store) finishOp(ctx context.Context, list []model.Secret, op pendingOp) (changed bool, msg string, cleanup func() error, err error) {
	switch op.Op {
	case opFlipTag, opFlipKept, opFlipFirst:
		return s.finishFlip(ctx, list, op)
	case opRotateKept, opRotateFirst:
		return s.finishRotation(ctx, list, op)
	case opRollback:
		return s.finishRollback(ctx, list, op)
	case opSetValue:
		return s.finishSetValue(ctx, list, op)
	case "rotate":
		return s.reconcileRotate(ctx, list, op)
	}
	return s.finishOrphan(ctx, list, op)
}

// finishOrphan settles a create, delete or rename: values of a name the
// index does not hold are orphans and go; a name the index holds keeps
// them. (Under the lock, no other change of the name can have come between:
// it would have settled this one first.)
func (s *store) finishOrphan(ctx context.Context, list []model.Secret, op pendingOp) (bool, string, func() error, error) {
	p := model.Printable(op.Name)
	clear := func() error { return s.done(op.Name) }
	if find(list, op.Name) >= 0 {
		switch op.Op {
		case opCreate:
			return false, fmt.Sprintf("%s: an interrupted create had saved its record; nothing to remove", p), clear, nil
		case opDelete:
			return false, fmt.Sprintf("%s: an interrupted delete had not removed the record; nothing deleted", p), clear, nil
		case opRenameFrom:
			return false, fmt.Sprintf("%s: an interrupted rename had not happened; it keeps its values", p), clear, nil
		case opRenameTo:
			return false, fmt.Sprintf("%s: an interrupted rename to it had finished", p), clear, nil
		}
		return false, fmt.Sprintf("%s: a pending %s of a secret that exists; nothing to do", p, model.Printable(op.Op)), clear, nil
	}
	// Whether a create's value landed (a call that timed out may or may
	// not have), so that doctor says what it did, not what it might have.
	landed := true
	if op.Op == opCreate {
		get, _ := s.slots()
		_, err := get(ctx, op.Name)
		if err != nil && !errors.Is(err, ErrNoValue) {
			return false, "", nil, err
		}
		landed = err == nil
	}
	if err := s.dropValues(ctx, op.Name); err != nil {
		return false, "", nil, err
	}
	switch op.Op {
	case opCreate:
		if !landed {
			return false, fmt.Sprintf("%s: an interrupted create (killed or timed out) had not written its value; nothing to remove", p), clear, nil
		}
		return false, fmt.Sprintf("removed the value an interrupted create of %s (killed or timed out) left in the keyring", p), clear, nil
	case opDelete:
		return false, fmt.Sprintf("finished deleting %s: its values are gone from the keyring", p), clear, nil
	case opRenameFrom:
		return false, fmt.Sprintf("finished renaming %s: its old values are gone from the keyring", p), clear, nil
	case opRenameTo:
		return false, fmt.Sprintf("removed the copy an interrupted rename to %s left in the keyring", p), clear, nil
	}
	return false, fmt.Sprintf("removed the values of %s, which has no record (a pending %s)", p, model.Printable(op.Op)), clear, nil
}

// finishRollback settles a rollback cut short. It wrote, in order, the
// current value to swapUser, the previous value to the current slot and the
// current value to the previous slot; the copy goes once the index is saved.
// So without the copy it had not started (or had finished, version bumped);
// with it, a current value other than the copy means the rollback landed.
func (s *store) finishRollback(ctx context.Context, list []model.Secret, op pendingOp) (bool, string, func() error, error) {
	name := op.Name
	p := model.Printable(name)
	cleanup := func() error {
		if err := s.vals.Delete(ctx, swapUser(name)); err != nil {
			return err
		}
		return s.done(name)
	}
	i := find(list, name)
	if i < 0 {
		return false, fmt.Sprintf("%s was deleted since an unfinished rollback; nothing to settle", p), cleanup, nil
	}
	get, set := s.slots()
	saved, err := get(ctx, swapUser(name))
	if errors.Is(err, ErrNoValue) {
		if list[i].Version == op.Version+1 {
			return false, fmt.Sprintf("%s: its last rollback had finished", p), cleanup, nil
		}
		return false, fmt.Sprintf("%s: an unfinished rollback had not started; nothing changed", p), cleanup, nil
	}
	if err != nil {
		return false, "", nil, err
	}
	cur, err := get(ctx, name)
	if err != nil && !errors.Is(err, ErrNoValue) {
		return false, "", nil, err
	}
	if err != nil || cur == saved {
		return false, fmt.Sprintf("%s: the rollback that was cut short did not land; its value and previous value are unchanged", p), cleanup, nil
	}
	if err := set(ctx, PreviousUser(name), saved); err != nil {
		return false, "", nil, err
	}
	if list[i].Version != op.Version {
		return false, fmt.Sprintf("%s: its last rollback had finished; removed the copy it kept", p), cleanup, nil
	}
	now := s.stamp()
	list[i].Version++
	list[i].RotatedAt, list[i].UpdatedAt = now, now
	return true, fmt.Sprintf("%s: the rollback that was cut short (killed or timed out) landed; finished it as version %d", p, list[i].Version), cleanup, nil
}

// finishSetValue settles the first value of a record that had none (pulled
// from Julep, or lost): when it landed, the record gets the version the
// change would have given it.
func (s *store) finishSetValue(ctx context.Context, list []model.Secret, op pendingOp) (bool, string, func() error, error) {
	p := model.Printable(op.Name)
	clear := func() error { return s.done(op.Name) }
	i := find(list, op.Name)
	if i < 0 {
		return s.finishOrphan(ctx, list, op)
	}
	get, _ := s.slots()
	curUser, _ := valueUsers(&list[i])
	_, err := get(ctx, curUser)
	if errors.Is(err, ErrNoValue) {
		return false, fmt.Sprintf("%s: setting its value was cut short before the value landed; nothing changed", p), clear, nil
	}
	if err != nil {
		return false, "", nil, err
	}
	if list[i].Version != op.Version {
		return false, fmt.Sprintf("%s: setting its value had finished", p), clear, nil
	}
	now := s.stamp()
	list[i].NoValue = false
	list[i].Version++
	list[i].RotatedAt, list[i].UpdatedAt = now, now
	return true, fmt.Sprintf("%s: setting its value was cut short after the value landed; recorded as version %d", p, list[i].Version), clear, nil
}
