package keyring

import (
	"context"
	"errors"
	"fmt"

	"github.com/keyward/keyward/model"
)

// Reconciler is a Store that can finish what a keyring call that timed out,
// or a change cut short by a killed process, left behind. Every store of
// this package is one.
type Reconciler interface {
	// Reconcile finishes or undoes every pending change and says, one
	// sentence each, what it did. It stops at the first keyring failure,
	// keeping what is left for the next run.
	Reconcile(ctx context.Context) ([]string, error)
}

// Reconcile implements Reconciler.
func (s *store) Reconcile(ctx context.Context) ([]string, error) {
	if s.jr == nil {
		return nil, nil
	}
	var did []string
	var cleanups []func()
	var settleErr error
	err := s.raw(ctx, func(list []model.Secret) ([]model.Secret, error) {
		changed, d, cl, err := s.settle(ctx, list, nil, false, true)
		did, settleErr = d, err
		if !changed {
			runAll(cl)
			if err != nil {
				return nil, err
			}
			return nil, errNoWrite
		}
		cleanups = cl
		return list, nil
	}, func() { runAll(cleanups) })
	if settleErr != nil {
		return did, settleErr
	}
	return did, err
}

// reconcileRotate settles a rotation whose new value timed out, noted by an
// older keyward as "rotate". The rotation wrote the current value to the
// previous slot before it, so a current value that differs from the previous
// one is the new value, landed late: the record gets the version the
// rotation would have given it.
func (s *store) reconcileRotate(ctx context.Context, list []model.Secret, op pendingOp) (bool, string, func() error, error) {
	clear := func() error { return s.done(op.Name) }
	i := find(list, op.Name)
	if i < 0 || list[i].Version != op.Version || list[i].NoValue {
		return false, fmt.Sprintf("%s changed since its rotation timed out; nothing to settle", op.Name), clear, nil
	}
	if err := s.finishSwap(ctx, op.Name); err != nil {
		return false, "", nil, err
	}
	cur, err := s.vals.Get(ctx, op.Name)
	if err != nil {
		return false, "", nil, err
	}
	prev, err := s.vals.Get(ctx, PreviousUser(op.Name))
	if err != nil && !errors.Is(err, ErrNoValue) {
		return false, "", nil, err
	}
	if err == nil && cur == prev {
		return false, fmt.Sprintf("%s: the rotation that timed out did not land; its value is unchanged", op.Name), clear, nil
	}
	now := s.stamp()
	list[i].Version++
	list[i].RotatedAt, list[i].UpdatedAt = now, now
	return true, fmt.Sprintf("%s: the rotation that timed out landed after all; recorded as version %d", op.Name, list[i].Version), clear, nil
}
