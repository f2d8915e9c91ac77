package keyring

import (
	"context"
	"errors"
	"fmt"

	"github.com/keyward/keyward/model"
)

// Reconciler is a Store that can finish what a keyring call that timed out,
// or a delete cut short, left behind. Every store of this package is one.
type Reconciler interface {
	// Reconcile finishes every pending change and says, one sentence each,
	// what it did. It stops at the first keyring failure, keeping what is
	// left for the next run.
	Reconcile(ctx context.Context) ([]string, error)
}

// Reconcile implements Reconciler.
func (s *store) Reconcile(ctx context.Context) ([]string, error) {
	if s.jr == nil {
		return nil, nil
	}
	var ops []pendingOp
	err := s.locked(ctx, func([]model.Secret) ([]model.Secret, error) {
		var err error
		ops, err = s.jr.Pending()
		if err != nil {
			return nil, err
		}
		return nil, errNoWrite
	})
	if err != nil {
		return nil, err
	}
	var did []string
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.Name] {
			continue // done clears every entry of a name at once
		}
		seen[op.Name] = true
		msg, err := s.reconcile(ctx, op)
		if err != nil {
			return did, fmt.Errorf("finish the pending %s of %s: %w", op.Op, model.Printable(op.Name), err)
		}
		did = append(did, msg)
	}
	return did, nil
}

func (s *store) reconcile(ctx context.Context, op pendingOp) (string, error) {
	switch op.Op {
	case "rotate":
		return s.reconcileRotate(ctx, op)
	case opRotateKept, opRotateFirst:
		return s.reconcileRotation(ctx, op)
	}
	// create or delete: values without a record are orphans. dropOrphans
	// keeps them if the name is indexed again (recreated since).
	indexed := false
	if _, err := s.Get(ctx, op.Name); err == nil {
		indexed = true
	}
	if err := s.dropOrphans(ctx, op.Name); err != nil {
		return "", err
	}
	switch {
	case indexed:
		return fmt.Sprintf("%s was created again since an unfinished %s; nothing to remove", op.Name, op.Op), nil
	case op.Op == "delete":
		return fmt.Sprintf("finished deleting %s: its values are gone from the keyring", op.Name), nil
	}
	return fmt.Sprintf("removed the value a timed-out create of %s may have left in the keyring", op.Name), nil
}

// reconcileRotate settles a rotation whose new value timed out. The
// rotation wrote the current value to the previous slot before it, so a
// current value that differs from the previous one is the new value, landed
// late: the record gets the version the rotation would have given it.
func (s *store) reconcileRotate(ctx context.Context, op pendingOp) (string, error) {
	now := s.stamp()
	msg := ""
	err := s.locked(ctx, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, op.Name)
		if i < 0 || list[i].Version != op.Version || list[i].NoValue {
			msg = fmt.Sprintf("%s changed since its rotation timed out; nothing to settle", op.Name)
			return nil, s.doneNoWrite(op.Name)
		}
		if err := s.finishSwap(ctx, op.Name); err != nil {
			return nil, err
		}
		cur, err := s.vals.Get(ctx, op.Name)
		if err != nil {
			return nil, err
		}
		prev, err := s.vals.Get(ctx, PreviousUser(op.Name))
		if err != nil && !errors.Is(err, ErrNoValue) {
			return nil, err
		}
		if err == nil && cur == prev {
			msg = fmt.Sprintf("%s: the rotation that timed out did not land; its value is unchanged", op.Name)
			return nil, s.doneNoWrite(op.Name)
		}
		list[i].Version++
		list[i].RotatedAt, list[i].UpdatedAt = now, now
		msg = fmt.Sprintf("%s: the rotation that timed out landed after all; recorded as version %d", op.Name, list[i].Version)
		if err := s.done(op.Name); err != nil {
			return nil, err
		}
		return list, nil
	})
	return msg, err
}

// doneNoWrite clears name's journal entries and ends a locked pass without
// a save.
func (s *store) doneNoWrite(name string) error {
	if err := s.done(name); err != nil {
		return err
	}
	return errNoWrite
}
