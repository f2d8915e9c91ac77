package keyring

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/keyward/keyward/model"
)

// values is where secret values live: the OS keyring or a map. Get returns an
// error wrapping ErrNoValue when user has no value.
type values interface {
	Get(ctx context.Context, user string) (string, error)
	Set(ctx context.Context, user, value string) error
	Delete(ctx context.Context, user string) error // no error when absent
	Ping(ctx context.Context) error
}

// sealer is a values backend that can move a value between the keyring
// users of one name without reading it: the file backend, where reading
// needs the passphrase and a rotation must not. A sealed value is opaque;
// only SetSealed under the same name's users takes it.
type sealer interface {
	GetSealed(ctx context.Context, user string) (string, error)
	SetSealed(ctx context.Context, user, sealed string) error
}

// index is where records live: the TOML file or a slice. Update runs fn on
// the current records under an exclusive lock (held across processes) and
// saves what fn returns, unless fn fails; then nothing is written and fn's
// error is returned.
type index interface {
	Load(ctx context.Context) ([]model.Secret, error)
	Update(ctx context.Context, fn func(list []model.Secret) ([]model.Secret, error)) error
}

// errNoWrite ends a locked pass that only touched the keyring: the backend
// skips the save, and the store reports success.
var errNoWrite = errors.New("keyring: nothing to write")

// store implements Store over a values and an index backend. All ordering
// rules that keep a crash or a concurrent keyward process from losing a value
// live here, once, for both the OS and the in-memory store:
//
//   - every keyring write happens inside the index lock, so two processes
//     never interleave on the same name;
//   - create and rotate write the keyring before the index (a crash leaves
//     an orphan value, never a record without its value);
//   - a rotation notes itself in the journal and keeps the old previous
//     value under rotationUser before it writes either slot, so that a
//     crash at any point keeps the older value or completes the rotation,
//     version included (rotation.go);
//   - delete and rename drop the old record before the old values, and
//     delete does so only once the keyring has answered; a delete whose
//     values could not be removed, and a write whose call timed out (and
//     may still land), is noted in the journal for Reconcile to finish.
type store struct {
	vals values
	idx  index
	now  func() time.Time
	jr   journal       // nil: nothing is noted
	bk   *backendGuard // nil: no migration marks (migrate.go)
}

// note records op in the journal; it runs under the index lock.
func (s *store) note(op pendingOp) error {
	if s.jr == nil {
		return nil
	}
	return s.jr.Note(op)
}

// done clears what the journal holds for name; under the index lock.
func (s *store) done(name string) error {
	if s.jr == nil {
		return nil
	}
	return s.jr.Done(name)
}

// locked runs fn under the index lock; fn returning errNoWrite means success
// without a save.
func (s *store) locked(ctx context.Context, fn func(list []model.Secret) ([]model.Secret, error)) error {
	err := s.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		if err := s.bk.check(); err != nil {
			return nil, err
		}
		return fn(list)
	})
	if errors.Is(err, errNoWrite) {
		return nil
	}
	return err
}

func (s *store) stamp() time.Time { return s.now().UTC().Truncate(time.Second) }

func (s *store) List(ctx context.Context) ([]model.Secret, error) {
	return s.idx.Load(ctx)
}

func find(list []model.Secret, name string) int {
	return slices.IndexFunc(list, func(x model.Secret) bool { return x.Name == name })
}

func notFound(name string) error {
	return fmt.Errorf("%w: %s", ErrNotFound, model.Printable(name))
}

func exists(name string) error {
	return fmt.Errorf("%w: %s", ErrExists, model.Printable(name))
}

// finder is an index that can look one record up for less than a Load:
// the file index parses a file once for the several reads of one command.
type finder interface {
	Find(ctx context.Context, name string) (model.Secret, bool, error)
}

func (s *store) Get(ctx context.Context, name string) (model.Secret, error) {
	if f, ok := s.idx.(finder); ok {
		sec, found, err := f.Find(ctx, name)
		if err == nil && !found {
			err = notFound(name)
		}
		return sec, err
	}
	list, err := s.idx.Load(ctx)
	if err != nil {
		return model.Secret{}, err
	}
	i := find(list, name)
	if i < 0 {
		return model.Secret{}, notFound(name)
	}
	return list[i], nil
}

func (s *store) Value(ctx context.Context, name string) (string, error) {
	if rec, err := s.Get(ctx, name); err != nil {
		return "", err
	} else if rec.NoValue {
		return "", notSet(name)
	}
	v, err := s.vals.Get(ctx, name)
	if err != nil {
		return "", err // the backend names the user
	}
	return v, nil
}

// HasValue implements ValueChecker.
func (s *store) HasValue(ctx context.Context, name string) (bool, error) {
	if rec, err := s.Get(ctx, name); err != nil {
		return false, err
	} else if rec.NoValue {
		return false, nil
	}
	get, _ := s.slots()
	_, err := get(ctx, name)
	if errors.Is(err, ErrNoValue) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

func (s *store) HasPrevious(ctx context.Context, name string) (bool, error) {
	if rec, err := s.Get(ctx, name); err != nil {
		return false, err
	} else if rec.NoValue {
		return false, nil
	}
	_, err := s.vals.Get(ctx, PreviousUser(name))
	if errors.Is(err, ErrNoValue) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read previous value of %s: %w", name, err)
	}
	return true, nil
}

func (s *store) Create(ctx context.Context, sec model.Secret, value string) (model.Secret, error) {
	if err := sec.Validate(); err != nil {
		return model.Secret{}, err
	}
	if err := model.ValidateValue(value); err != nil {
		return model.Secret{}, err
	}
	now := s.stamp()
	sec = sec.Clone()
	sec.CreatedAt, sec.UpdatedAt, sec.RotatedAt, sec.Version = now, now, time.Time{}, 1
	wrote := false
	err := s.locked(ctx, func(list []model.Secret) ([]model.Secret, error) {
		if find(list, sec.Name) >= 0 {
			return nil, exists(sec.Name)
		}
		if err := s.vals.Set(ctx, sec.Name, value); err != nil {
			if errors.Is(err, ErrTimeout) {
				// The value may still land, with no record: an orphan
				// for Reconcile to remove if the clean-up below fails.
				wrote = true
				if nerr := s.note(pendingOp{Op: "create", Name: sec.Name}); nerr != nil {
					return nil, errors.Join(fmt.Errorf("store %s: %w", sec.Name, err), nerr)
				}
			}
			return nil, fmt.Errorf("store %s: %w", sec.Name, err)
		}
		wrote = true
		// A previous value left by a deleted namesake must never be
		// rolled back to.
		if err := s.vals.Delete(ctx, PreviousUser(sec.Name)); err != nil {
			return nil, fmt.Errorf("clear old previous value of %s: %w", sec.Name, err)
		}
		if err := s.vals.Delete(ctx, swapUser(sec.Name)); err != nil {
			return nil, fmt.Errorf("clear old values of %s: %w", sec.Name, err)
		}
		if err := s.vals.Delete(ctx, rotationUser(sec.Name)); err != nil {
			return nil, fmt.Errorf("clear old values of %s: %w", sec.Name, err)
		}
		return append(list, sec), nil
	})
	if err != nil {
		if wrote {
			s.dropOrphans(ctx, sec.Name)
		}
		return model.Secret{}, err
	}
	return sec, nil
}

// dropOrphans removes name's values if, under the lock, the index does not
// (or no longer) hold name. It is the clean-up after a failed create and the
// second half of delete and rename. Once it is done, nothing is pending for
// name.
func (s *store) dropOrphans(ctx context.Context, name string) error {
	return s.locked(ctx, func(list []model.Secret) ([]model.Secret, error) {
		if find(list, name) >= 0 {
			// Recreated meanwhile: not ours to drop, and nothing left to
			// finish.
			if err := s.done(name); err != nil {
				return nil, err
			}
			return nil, errNoWrite
		}
		if err := s.vals.Delete(ctx, name); err != nil {
			return nil, err
		}
		if err := s.vals.Delete(ctx, PreviousUser(name)); err != nil {
			return nil, err
		}
		if err := s.vals.Delete(ctx, swapUser(name)); err != nil {
			return nil, err
		}
		if err := s.vals.Delete(ctx, rotationUser(name)); err != nil {
			return nil, err
		}
		if err := s.done(name); err != nil {
			return nil, err
		}
		return nil, errNoWrite
	})
}

func (s *store) Update(ctx context.Context, name string, p model.Patch) (model.Secret, error) {
	if p.Rename != "" && p.Rename != name {
		return s.rename(ctx, name, p)
	}
	now := s.stamp()
	var updated model.Secret
	err := s.locked(ctx, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
		}
		u, err := p.Apply(list[i], now)
		if err != nil {
			return nil, err
		}
		list[i], updated = u, u
		return list, nil
	})
	return updated, err
}

// rename copies the values to the new name and switches the record under one
// lock, then drops the old values: at every point each indexed name has its
// value.
func (s *store) rename(ctx context.Context, name string, p model.Patch) (model.Secret, error) {
	if err := model.ValidateName(p.Rename); err != nil {
		return model.Secret{}, err
	}
	now := s.stamp()
	var updated model.Secret
	copied, settled := false, false
	pass := func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
		}
		if bumped, _, err := s.finishRotation(ctx, list, i); err != nil {
			return nil, err
		} else if bumped {
			settled = true // saved on its own, as in setValue
			return list, nil
		}
		if find(list, p.Rename) >= 0 {
			return nil, exists(p.Rename)
		}
		u, err := p.Apply(list[i], now)
		if err != nil {
			return nil, err
		}
		if err := s.finishSwap(ctx, name); err != nil {
			return nil, err
		}
		cur, err := s.vals.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		prev, perr := s.vals.Get(ctx, PreviousUser(name))
		if perr != nil && !errors.Is(perr, ErrNoValue) {
			return nil, fmt.Errorf("read previous value of %s: %w", name, perr)
		}
		copied = true
		if err := s.vals.Set(ctx, p.Rename, cur); err != nil {
			return nil, fmt.Errorf("store %s: %w", p.Rename, err)
		}
		if perr == nil {
			err = s.vals.Set(ctx, PreviousUser(p.Rename), prev)
		} else {
			err = s.vals.Delete(ctx, PreviousUser(p.Rename))
		}
		if err != nil {
			return nil, fmt.Errorf("store previous value of %s: %w", p.Rename, err)
		}
		list[i], updated = u, u
		return list, nil
	}
	err := s.locked(ctx, pass)
	if err == nil && settled {
		err = s.locked(ctx, pass)
	}
	if err != nil {
		if copied {
			s.dropOrphans(ctx, p.Rename)
		}
		return model.Secret{}, err
	}
	if err := s.dropOrphans(ctx, name); err != nil {
		return updated, fmt.Errorf("renamed %s to %s, but could not remove the old keyring entries: %w", name, p.Rename, err)
	}
	return updated, nil
}

// setValue is the one path that changes a value: under the lock it keeps the
// current value as the previous one, writes next, and bumps the record. If a
// step fails, the values are put back as they were.
//
// opaque says next does not look at cur and prev (a rotation): then a
// backend that can move values without reading them (a sealer) keeps the
// current value as the previous one sealed, so that no passphrase is
// needed.
func (s *store) setValue(ctx context.Context, name string, opaque bool, gen keepGen, next func(cur, prev string, hasPrev bool) (string, error)) (model.Secret, error) {
	getSlot, setSlot := s.vals.Get, s.vals.Set
	if opaque {
		getSlot, setSlot = s.slots()
	}
	now := s.stamp()
	bump := func(r *model.Secret) {
		r.Version++
		r.RotatedAt, r.UpdatedAt = now, now
		if gen.set {
			r.Generated = nil
			if gen.spec != nil {
				g := *gen.spec
				r.Generated = &g
			}
		}
	}
	var updated model.Secret
	var cur, oldPrev string
	hadPrev, changed, noted, settled := false, false, false, false
	pass := func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
		}
		if bumped, _, err := s.finishRotation(ctx, list, i); err != nil {
			return nil, err
		} else if bumped {
			// An earlier rotation landed: its version is saved on its
			// own, so that a failure below cannot lose it.
			settled = true
			return list, nil
		}
		if list[i].NoValue {
			// The first value of a record pulled from Julep: there is no
			// current value to keep, and no previous one to offer.
			value, err := next("", "", false)
			if err != nil {
				return nil, err
			}
			if err := s.vals.Set(ctx, name, value); err != nil {
				return nil, fmt.Errorf("store %s: %w", name, err)
			}
			list[i].NoValue = false
			bump(&list[i])
			updated = list[i]
			return list, nil
		}
		if err := s.finishSwap(ctx, name); err != nil {
			return nil, err
		}
		var err error
		cur, err = getSlot(ctx, name)
		if errors.Is(err, ErrNoValue) && opaque {
			// A lost value is no dead end: a rotation sets a new one
			// and the record keeps its description, metadata, policy
			// and previous value (issue 11, item 3). There is no
			// current value to keep.
			value, err := next("", "", false)
			if err != nil {
				return nil, err
			}
			if err := s.vals.Set(ctx, name, value); err != nil {
				return nil, fmt.Errorf("store %s: %w", name, err)
			}
			bump(&list[i])
			updated = list[i]
			return list, nil
		}
		if err != nil {
			return nil, err
		}
		oldPrev, err = getSlot(ctx, PreviousUser(name))
		hadPrev = err == nil
		if err != nil && !errors.Is(err, ErrNoValue) {
			return nil, fmt.Errorf("read previous value of %s: %w", name, err)
		}
		value, err := next(cur, oldPrev, hadPrev)
		if err != nil {
			return nil, err
		}
		if !opaque && hadPrev && value == oldPrev {
			// A rollback: the two values trade places, and writing either
			// slot first would leave the other value only in memory. So
			// the value being replaced goes to swapUser first, and leaves
			// it last; finishSwap completes a swap cut short.
			changed = true
			if err := s.vals.Set(ctx, swapUser(name), cur); err != nil {
				return nil, fmt.Errorf("keep current value of %s: %w", name, err)
			}
			if err := s.vals.Set(ctx, name, value); err != nil {
				return nil, fmt.Errorf("store %s: %w", name, err)
			}
			if err := s.vals.Set(ctx, PreviousUser(name), cur); err != nil {
				return nil, fmt.Errorf("keep previous value of %s: %w", name, err)
			}
			if err := s.vals.Delete(ctx, swapUser(name)); err != nil {
				return nil, fmt.Errorf("clear %s: %w", swapUser(name), err)
			}
		} else {
			// A rotation: noted, and the old previous value kept, before
			// either slot is written (rotation.go says why). A write
			// that times out may still land; the journal entry stays
			// for Reconcile, which tells by comparing the slots.
			op := pendingOp{Op: opRotateFirst, Name: name, Version: list[i].Version}
			if hadPrev {
				op.Op = opRotateKept
			}
			if err := s.note(op); err != nil {
				return nil, err
			}
			noted = true
			if hadPrev {
				if err := setSlot(ctx, rotationUser(name), oldPrev); err != nil {
					return nil, fmt.Errorf("keep previous value of %s: %w", name, err)
				}
			}
			changed = true
			if err := setSlot(ctx, PreviousUser(name), cur); err != nil {
				return nil, fmt.Errorf("keep previous value of %s: %w", name, err)
			}
			if err := s.vals.Set(ctx, name, value); err != nil {
				return nil, fmt.Errorf("store %s: %w", name, err)
			}
		}
		bump(&list[i])
		updated = list[i]
		return list, nil
	}
	err := s.locked(ctx, pass)
	if err == nil && settled {
		err = s.locked(ctx, pass)
	}
	if err != nil {
		if changed {
			s.restore(ctx, name, cur, oldPrev, hadPrev, setSlot)
		}
		return model.Secret{}, err
	}
	if noted {
		s.endRotation(ctx, name, updated.Version)
	}
	return updated, nil
}

// restore puts back a value and its previous value after a failed change,
// with set (Set, or SetSealed when they were read sealed). Best effort: the
// error that caused it is what the caller reports.
func (s *store) restore(ctx context.Context, name, cur, prev string, hadPrev bool, set func(ctx context.Context, user, value string) error) {
	_ = s.locked(ctx, func(list []model.Secret) ([]model.Secret, error) {
		if find(list, name) < 0 {
			return nil, errNoWrite
		}
		if err := set(ctx, name, cur); err != nil {
			return nil, errNoWrite
		}
		var err error
		if hadPrev {
			err = set(ctx, PreviousUser(name), prev)
		} else {
			err = s.vals.Delete(ctx, PreviousUser(name))
		}
		if err == nil {
			// Both slots are back; a copy kept by a rollback or a
			// rotation is not needed, nor the rotation's journal
			// entry. (When they are not, finishSwap and finishRotation
			// use them later.)
			_ = s.vals.Delete(ctx, swapUser(name))
			if s.vals.Delete(ctx, rotationUser(name)) == nil {
				if _, ok, _ := s.pendingRotation(name); ok {
					_ = s.done(name)
				}
			}
		}
		return nil, errNoWrite
	})
}

// swapUser is the keyring user where a rollback keeps the value it replaces
// while the current and previous values trade places. Like PreviousUser it
// cannot collide with a valid name.
func swapUser(name string) string { return name + "@rollback" }

// finishSwap completes a rollback that was cut short (by a crash or a
// timeout) after it saved the value it replaces under swapUser: if the
// current value was already replaced, the saved value becomes the previous
// one, as the rollback would have left it; either way the copy is removed.
// It runs under the index lock, before anything reads name's values.
func (s *store) finishSwap(ctx context.Context, name string) error {
	saved, err := s.vals.Get(ctx, swapUser(name))
	if errors.Is(err, ErrNoValue) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the value an interrupted rollback of %s kept: %w", name, err)
	}
	cur, err := s.vals.Get(ctx, name)
	if err != nil {
		return err
	}
	if cur != saved {
		if err := s.vals.Set(ctx, PreviousUser(name), saved); err != nil {
			return fmt.Errorf("finish an interrupted rollback of %s: %w", name, err)
		}
	}
	if err := s.vals.Delete(ctx, swapUser(name)); err != nil {
		return fmt.Errorf("finish an interrupted rollback of %s: %w", name, err)
	}
	return nil
}

// keepGen says what setValue does with the record's Generated: nothing
// (a rollback: the previous value most likely came from the same spec), or
// set it to spec (nil for a value entered by hand).
type keepGen struct {
	set  bool
	spec *model.GenSpec
}

func (s *store) Rotate(ctx context.Context, name, value string) (model.Secret, error) {
	return s.RotateGenerated(ctx, name, value, nil)
}

func (s *store) RotateGenerated(ctx context.Context, name, value string, gen *model.GenSpec) (model.Secret, error) {
	if err := model.ValidateValue(value); err != nil {
		return model.Secret{}, err
	}
	if gen != nil {
		if err := gen.Validate(); err != nil {
			return model.Secret{}, err
		}
	}
	return s.setValue(ctx, name, true, keepGen{set: true, spec: gen}, func(string, string, bool) (string, error) { return value, nil })
}

func (s *store) Rollback(ctx context.Context, name string) (model.Secret, error) {
	return s.setValue(ctx, name, false, keepGen{}, func(_, prev string, hasPrev bool) (string, error) {
		if !hasPrev {
			return "", fmt.Errorf("%w: %s", ErrNoPrevious, name)
		}
		return prev, nil
	})
}

func (s *store) Delete(ctx context.Context, name string) error {
	// Index first: a crash after this leaves an orphan value in the
	// keyring, never an index entry pointing at nothing. But only once the
	// keyring answers: a locked or missing keyring would otherwise leave
	// values that no keyward command can find; and noted, so that values
	// that cannot be removed now are removed by Reconcile.
	err := s.locked(ctx, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
		}
		if err := s.vals.Ping(ctx); err != nil {
			return nil, fmt.Errorf("delete %s: nothing deleted: %w", name, err)
		}
		if err := s.note(pendingOp{Op: "delete", Name: name, Version: list[i].Version}); err != nil {
			return nil, err
		}
		return slices.Delete(list, i, i+1), nil
	})
	if err != nil {
		return err
	}
	if err := s.dropOrphans(ctx, name); err != nil {
		return fmt.Errorf("removed %s from the index, but its values are still in the keyring; "+
			"'keyward doctor' removes them once the keyring answers: %w", name, err)
	}
	return nil
}

func (s *store) Ping(ctx context.Context) error { return s.vals.Ping(ctx) }
