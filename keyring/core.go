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

// haser is a values backend that can tell whether a user's value exists
// without reading it: one keyring search instead of a read, or a file's
// existence instead of a decryption.
type haser interface {
	Has(ctx context.Context, user string) (bool, error)
}

// sealer is a values backend that can move a value between the keyring
// users of one name without reading it: the file backend, where reading
// needs the passphrase and a rotation must not. A sealed value is opaque;
// only SetSealed under the same name's users takes it.
type sealer interface {
	GetSealed(ctx context.Context, user string) (string, error)
	SetSealed(ctx context.Context, user, sealed string) error
}

// tagger is a values backend that can write a value with a tag beside it
// and read the tag back without the value: the Secret Service (in the item's
// label) and the in-memory backend. A rotation tags its one write, so that a
// recovery can tell whether it landed (rotation.go). tags reports whether
// this backend can, now.
type tagger interface {
	tags() bool
	SetTagged(ctx context.Context, user, value, tag string) error
	// Tag returns the tag of user's value ("" for one written without),
	// or an error wrapping ErrNoValue when there is none.
	Tag(ctx context.Context, user string) (string, error)
}

// index is where records live: the TOML file or a slice. Update runs fn on
// the current records under an exclusive lock (held across processes) and
// saves what fn returns, unless fn fails; then nothing is written and fn's
// error is returned. after, when not nil, runs once the save is done, still
// under the lock: a change clears the intents it noted in the journal there.
type index interface {
	// Load returns the records keep accepts (every one when keep is nil),
	// in index order. keep must not retain the record it is given: its
	// metadata map may be reused for the next one.
	Load(ctx context.Context, keep func(*model.Secret) bool) ([]model.Secret, error)
	Update(ctx context.Context, fn func(list []model.Secret) ([]model.Secret, error), after func()) error
}

// sizer is a values backend whose deadline grows with the number of
// secrets (osValues): the store tells it each time it reads the index.
type sizer interface {
	sized(records int)
}

// sized tells the values backend how many secrets the index holds.
func (s *store) sized(list []model.Secret) { s.sizedN(len(list)) }

// sizedN tells the values backend that the index holds n secrets.
func (s *store) sizedN(n int) {
	if z, ok := s.vals.(sizer); ok {
		z.sized(n)
	}
}

// errNoWrite ends a locked pass that only touched the keyring: the backend
// skips the save, and the store reports success.
var errNoWrite = errors.New("keyring: nothing to write")

// store implements Store over a values and an index backend. All ordering
// rules that keep a crash or a concurrent keyward process from losing a value
// live here, once, for every backend:
//
//   - every keyring write happens inside the index lock, so two processes
//     never interleave on the same name;
//   - every change that writes the keyring first notes its intent in the
//     journal (under the lock, before its first keyring write) and clears it
//     once the index is saved (still under the lock). A process killed in
//     between leaves the intent, and the next write (settle) or doctor
//     (Reconcile) finishes or undoes it, per operation (pending.go), from
//     what the keyring and the index hold; it never guesses a value;
//   - create and rotate write the keyring before the index, so a record
//     never points at nothing;
//   - a rotation writes only over the previous value, the one it drops, and
//     the record then says the two slots changed places; a rollback only
//     flips the record. A crash at any point keeps the older values or
//     completes the change, version included: the journal says how to tell
//     whether the one write landed (rotation.go);
//   - delete and rename drop the old record before the old values, and
//     delete does so only once the keyring has answered.
type store struct {
	vals values
	idx  index
	now  func() time.Time
	jr   journal       // nil: nothing is noted
	bk   *backendGuard // nil: no migration marks (migrate.go)
}

// note records ops in the journal, in one write; it runs under the index
// lock.
func (s *store) note(ops ...pendingOp) error {
	if s.jr == nil {
		return nil
	}
	return s.jr.Note(ops...)
}

// done clears what the journal holds for names; under the index lock.
func (s *store) done(names ...string) error {
	if s.jr == nil {
		return nil
	}
	return s.jr.Done(names...)
}

// raw runs fn under the index lock and after once the index is saved; fn
// returning errNoWrite means success without a save. It settles nothing:
// it is for the store's own second passes (clean-up after a failure). Every
// pass first checks that the index's values are in this store's backend
// (no migration half done, none moved away: migrate.go).
func (s *store) raw(ctx context.Context, fn func(list []model.Secret) ([]model.Secret, error), after func()) error {
	err := s.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		if err := s.bk.check(); err != nil {
			return nil, err
		}
		s.sized(list)
		return fn(list)
	}, after)
	if errors.Is(err, errNoWrite) {
		return nil
	}
	return err
}

// maxSettlePasses bounds how often locked saves a settled journal before it
// gives up: each pass needs another keyward killed mid-change meanwhile.
const maxSettlePasses = 20

// locked runs a change: fn under the index lock, and after once the index
// is saved (still under the lock). First it settles what the journal holds,
// the intents of keyward processes killed (or calls timed out) mid-change.
// names are the names fn touches: if one of theirs cannot be settled, fn does
// not run and the error is returned; other names' intents that cannot be
// settled now stay for later. A settle that changed a record is saved in a
// pass of its own, so that a failure of fn cannot lose it.
func (s *store) locked(ctx context.Context, names []string, fn func(list []model.Secret) ([]model.Secret, error), after func()) error {
	for range maxSettlePasses {
		ran := false
		var cleanups []func()
		var settleErr error
		err := s.raw(ctx, func(list []model.Secret) ([]model.Secret, error) {
			changed, _, cl, err := s.settle(ctx, list, names, false, false)
			if !changed {
				runAll(cl)
			}
			switch {
			case err != nil && changed:
				settleErr, cleanups = err, cl
				return list, nil
			case err != nil:
				return nil, err
			case changed:
				cleanups = cl
				return list, nil
			}
			ran = true
			return fn(list)
		}, func() {
			runAll(cleanups)
			if ran && after != nil {
				after()
			}
		})
		switch {
		case settleErr != nil:
			return settleErr
		case err != nil || ran:
			return err
		}
	}
	return errors.New("the index kept changing while unfinished changes were settled; try again")
}

// lockedRecord is locked for a change of the one record named name that
// keeps its name: fn changes the record in place, or, when there is none
// (found is false), fills the zero record it is given and the record is
// added at the end of the index. When the index can change one record
// alone (recordUpdater) and the journal holds nothing to settle, only that
// record is read and written (index_patch.go); otherwise the change goes
// through locked, with the same fn.
func (s *store) lockedRecord(ctx context.Context, name string, fn func(rec *model.Secret, found bool) error, after func()) error {
	whole := func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			var rec model.Secret
			if err := fn(&rec, false); err != nil {
				return nil, err
			}
			return append(list, rec), nil
		}
		if err := fn(&list[i], true); err != nil {
			return nil, err
		}
		return list, nil
	}
	ru, ok := s.idx.(recordUpdater)
	if !ok {
		return s.locked(ctx, []string{name}, whole, after)
	}
	err := ru.UpdateRecord(ctx, name, func(count int, rec *model.Secret, found bool) error {
		// Under the lock: an unfinished change of any name is settled by
		// locked first, as for every other write.
		if s.jr != nil {
			ops, err := s.jr.Pending()
			if err != nil {
				return err
			}
			if len(ops) > 0 {
				return errNoPatch
			}
		}
		if err := s.bk.check(); err != nil {
			return err
		}
		s.sizedN(count)
		return fn(rec, found)
	}, after)
	switch {
	case errors.Is(err, errNoPatch):
		return s.locked(ctx, []string{name}, whole, after)
	case errors.Is(err, errNoWrite):
		return nil
	}
	return err
}

// existing is a lockedRecord change of a record that must exist.
func existing(name string, fn func(rec *model.Secret) error) func(*model.Secret, bool) error {
	return func(rec *model.Secret, found bool) error {
		if !found {
			return notFound(name)
		}
		return fn(rec)
	}
}

func runAll(fns []func()) {
	for _, f := range fns {
		f()
	}
}

func (s *store) stamp() time.Time { return s.now().UTC().Truncate(time.Second) }

func (s *store) List(ctx context.Context) ([]model.Secret, error) {
	list, err := s.idx.Load(ctx, nil)
	if err == nil {
		s.sized(list)
	}
	return list, err
}

// ListMatching reads only what keep accepts, so it cannot tell the keyring
// backend how many secrets there are (sized): nothing it does reaches the
// keyring.
func (s *store) ListMatching(ctx context.Context, keep func(*model.Secret) bool) ([]model.Secret, error) {
	return s.idx.Load(ctx, keep)
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
	list, err := s.idx.Load(ctx, nil)
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
	rec, err := s.Get(ctx, name)
	if err != nil {
		return "", err
	}
	return s.RecordValue(ctx, rec)
}

// HasValue implements ValueChecker.
func (s *store) HasValue(ctx context.Context, name string) (bool, error) {
	rec, err := s.Get(ctx, name)
	if err != nil || rec.NoValue {
		return false, err
	}
	curUser, _ := valueUsers(&rec)
	return s.has(ctx, curUser)
}

// has reports whether the values backend holds user's value: one search
// where the backend can tell without reading it (haser), else a read (of
// the sealed file, on a backend that seals).
func (s *store) has(ctx context.Context, user string) (bool, error) {
	if h, ok := s.vals.(haser); ok {
		return h.Has(ctx, user)
	}
	get, _ := s.slots()
	_, err := get(ctx, user)
	if errors.Is(err, ErrNoValue) {
		return false, nil
	}
	return err == nil, err
}

func (s *store) HasPrevious(ctx context.Context, name string) (bool, error) {
	rec, err := s.Get(ctx, name)
	if err != nil || rec.NoValue {
		return false, err
	}
	_, prevUser := valueUsers(&rec)
	has, err := s.has(ctx, prevUser)
	if err != nil {
		return false, fmt.Errorf("read previous value of %s: %w", name, err)
	}
	return has, nil
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
	sec.SlotsSwapped = false // a new record's value is under its name
	op := pendingOp{Op: opCreate, Name: sec.Name}
	noted, unwritten := false, false
	err := s.lockedRecord(ctx, sec.Name, func(rec *model.Secret, found bool) error {
		if found {
			return exists(sec.Name)
		}
		if err := s.note(op); err != nil {
			return err
		}
		noted = true
		var err error
		if unwritten, err = s.writeNew(ctx, sec.Name, value); err != nil {
			return err
		}
		*rec = sec
		return nil
	}, func() { _ = s.done(sec.Name) })
	if err != nil {
		if noted {
			// No record: the value (which a timed-out call may still
			// write) is an orphan; undone now, or by the next write or
			// doctor if the keyring does not answer. A value the keyring
			// certainly did not write (locked, or none to reach) leaves
			// nothing to undo later.
			s.undo(ctx, op, func([]model.Secret) error {
				if err := s.dropValues(ctx, sec.Name); err != nil && !unwritten {
					return err
				}
				return nil
			})
		}
		return model.Secret{}, err
	}
	return sec, nil
}

// writeNew writes the value of a secret being created, under the index lock
// once its intent is noted, and removes what a deleted namesake may have
// left: a previous value must never be rolled back to. unwritten says the
// failed write certainly changed nothing (see changedNothing).
func (s *store) writeNew(ctx context.Context, name, value string) (unwritten bool, err error) {
	if err := s.vals.Set(ctx, name, value); err != nil {
		return changedNothing(err), fmt.Errorf("store %s: %w", name, err)
	}
	if err := s.vals.Delete(ctx, PreviousUser(name)); err != nil {
		return false, fmt.Errorf("clear old previous value of %s: %w", name, err)
	}
	for _, u := range []string{swapUser(name), rotationUser(name)} {
		if err := s.vals.Delete(ctx, u); err != nil {
			return false, fmt.Errorf("clear old values of %s: %w", name, err)
		}
	}
	return false, nil
}

// dropValues removes every keyring entry of name: its value, its previous
// value and the copies a rollback or rotation keeps. It runs under the
// index lock, once name has no record.
func (s *store) dropValues(ctx context.Context, name string) error {
	for _, u := range []string{name, PreviousUser(name), swapUser(name), rotationUser(name)} {
		if err := s.vals.Delete(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

// undo takes back a change that failed after it noted op: in a pass of its
// own, and only while the journal still holds op (no other keyward has
// settled it meanwhile), it runs fn and clears op. When fn fails, op stays
// for the next write or doctor. Best effort: the error that caused it is
// what the caller reports.
func (s *store) undo(ctx context.Context, op pendingOp, fn func(list []model.Secret) error) {
	s.undoAll(ctx, []pendingOp{op}, func(list []model.Secret, _ pendingOp) error { return fn(list) })
}

// undoAll is undo for several ops in one pass (a batch of creates): fn runs
// for each op the journal still holds, and the ops it undid are cleared in
// one write.
func (s *store) undoAll(ctx context.Context, ops []pendingOp, fn func(list []model.Secret, op pendingOp) error) {
	if s.jr == nil {
		return
	}
	_ = s.raw(ctx, func(list []model.Secret) ([]model.Secret, error) {
		held, err := s.jr.Pending()
		if err != nil {
			return nil, errNoWrite
		}
		var undone []string
		for _, op := range ops {
			if !slices.Contains(held, op) || fn(list, op) != nil {
				continue
			}
			undone = append(undone, op.Name)
		}
		if len(undone) > 0 {
			_ = s.done(undone...)
		}
		return nil, errNoWrite
	}, nil)
}

func (s *store) Update(ctx context.Context, name string, p model.Patch) (model.Secret, error) {
	if p.Rename != "" && p.Rename != name {
		return s.rename(ctx, name, p)
	}
	now := s.stamp()
	var updated model.Secret
	err := s.lockedRecord(ctx, name, existing(name, func(rec *model.Secret) error {
		u, err := p.Apply(*rec, now)
		if err != nil {
			return err
		}
		*rec, updated = u, u
		return nil
	}), nil)
	return updated, err
}

// rename copies the values to the new name and switches the record under one
// lock, then, once the index is saved, drops the old values: at every point
// each indexed name has its value, and the journal says which copies to drop
// if the process dies.
func (s *store) rename(ctx context.Context, name string, p model.Patch) (model.Secret, error) {
	if err := model.ValidateName(p.Rename); err != nil {
		return model.Secret{}, err
	}
	now := s.stamp()
	var updated model.Secret
	var to pendingOp
	noted := false
	var dropErr error
	err := s.locked(ctx, []string{name, p.Rename}, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
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
		// The new name's values are written unswapped.
		curUser, prevUser := valueUsers(&list[i])
		u.SlotsSwapped = false
		cur, err := s.vals.Get(ctx, curUser)
		if err != nil {
			return nil, err
		}
		prev, perr := s.vals.Get(ctx, prevUser)
		if perr != nil && !errors.Is(perr, ErrNoValue) {
			return nil, fmt.Errorf("read previous value of %s: %w", name, perr)
		}
		to = pendingOp{Op: opRenameTo, Name: p.Rename, Version: list[i].Version}
		if err := s.note(pendingOp{Op: opRenameFrom, Name: name, Version: list[i].Version}); err != nil {
			return nil, err
		}
		if err := s.note(to); err != nil {
			return nil, err
		}
		noted = true
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
	}, func() {
		// The index holds the new name: the old name's values are
		// orphans.
		if dropErr = s.dropValues(ctx, name); dropErr == nil {
			_ = s.done(name, p.Rename)
		}
	})
	if err != nil {
		if noted {
			s.undo(ctx, to, func(list []model.Secret) error {
				if err := s.dropValues(ctx, p.Rename); err != nil {
					return err
				}
				return s.done(name)
			})
		}
		return model.Secret{}, err
	}
	if dropErr != nil {
		return updated, fmt.Errorf("renamed %s to %s, but could not remove the old keyring entries "+
			"('keyward doctor' removes them once the keyring answers): %w", name, p.Rename, dropErr)
	}
	return updated, nil
}

// setValue is the one path that changes a value, under the lock: a rotation
// writes the new value over the previous one and flips the record's slots
// (one keyring write, rotation.go says how a crash is settled); a rollback
// only flips them; a record without a value (pulled from Julep, or lost)
// gets its first one in the current slot. The record is bumped.
func (s *store) setValue(ctx context.Context, name string, rollback bool, gen keepGen, value string) (model.Secret, error) {
	getSlot, setSlot := s.slots()
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
	var op pendingOp
	// noted: op is in the journal. sent: a keyring write of op was asked
	// for, so its outcome may be unknown when it fails. landed: every
	// keyring write of op succeeded, so a failure after it is the index's.
	noted, sent, landed := false, false, false
	err := s.lockedRecord(ctx, name, existing(name, func(rec *model.Secret) error {
		curUser, prevUser := valueUsers(rec)
		first := rec.NoValue // pulled from Julep: no value to keep yet
		var cur string
		if !first {
			if err := s.finishSwap(ctx, name); err != nil {
				return err
			}
			var err error
			cur, err = getSlot(ctx, curUser)
			switch {
			case errors.Is(err, ErrNoValue) && !rollback:
				// A lost value is no dead end: a rotation sets a new
				// one and the record keeps its description, metadata,
				// policy and previous value (issue 11, item 3).
				first = true
			case err != nil:
				return err
			}
		}
		switch {
		case first && rollback:
			return fmt.Errorf("%w: %s", ErrNoPrevious, name)
		case first:
			op = pendingOp{Op: opSetValue, Name: name, Version: rec.Version}
			if err := s.note(op); err != nil {
				return err
			}
			noted, sent = true, true
			if err := s.vals.Set(ctx, curUser, value); err != nil {
				sent = !changedNothing(err)
				return fmt.Errorf("store %s: %w", name, err)
			}
			rec.NoValue = false
		case rollback:
			// The two values trade places: the record says so, and
			// the keyring is not written at all.
			has, err := s.has(ctx, prevUser)
			if err != nil {
				return fmt.Errorf("read previous value of %s: %w", name, err)
			}
			if !has {
				return fmt.Errorf("%w: %s", ErrNoPrevious, name)
			}
			rec.SlotsSwapped = !rec.SlotsSwapped
		default:
			// The same value again changes nothing (unchanged.go).
			if err := s.sameValue(ctx, name, curUser, cur, value); err != nil {
				return err
			}
			var kept string
			var err error
			if op, kept, err = s.flipOp(ctx, rec, getSlot); err != nil {
				return err
			}
			if err := s.note(op); err != nil {
				return err
			}
			noted, sent = true, true
			if err := s.writeFlip(ctx, op, prevUser, value, kept, setSlot); err != nil {
				sent = !changedNothing(err)
				return err
			}
			rec.SlotsSwapped = !rec.SlotsSwapped
		}
		landed = noted
		bump(rec)
		updated = *rec
		return nil
	}), func() {
		// The index holds the new version: the copy a rotation kept for
		// a crash goes, then the intent. A failure leaves both; the
		// next settle sees the version moved on and removes them.
		if op.Op == opFlipKept && s.vals.Delete(ctx, rotationUser(name)) != nil {
			return
		}
		_ = s.done(name)
	})
	switch {
	case err == nil:
		return updated, nil
	case noted && !sent:
		// The keyring certainly holds what it held: only the intent (and
		// a copy kept for it) goes.
		s.undo(ctx, op, func([]model.Secret) error {
			if op.Op == opFlipKept {
				return s.vals.Delete(ctx, rotationUser(name))
			}
			return nil
		})
	case landed:
		// The keyring holds the new value, the index does not say so:
		// the journal entry stays, and the next change or doctor
		// records it (rotation.go).
		err = fmt.Errorf("%w; the new value of %s is in the keyring, and the next change of it or 'keyward doctor' records it",
			err, model.Printable(name))
	}
	// Otherwise the write's outcome is unknown (the error says so): the
	// journal entry stays for the next change or doctor, which tell from
	// the keyring whether it landed.
	return model.Secret{}, err
}

// swapUser is the keyring user where a rollback by an older keyward kept
// the value it replaced while the current and previous values traded
// places (a rollback now writes no value). Like PreviousUser it
// cannot collide with a valid name.
func swapUser(name string) string { return name + "@rollback" }

// finishSwap completes a rollback by an older keyward, which kept the value
// it replaced under swapUser without noting itself in the journal, cut short
// (by a crash or a timeout): if the current value was already replaced, the
// saved value becomes the previous one, as the rollback would have left it;
// either way the copy is removed. It runs under the index lock, before
// anything reads name's values. A rollback noted in the journal was settled
// before (finishRollback), so it finds no copy.
func (s *store) finishSwap(ctx context.Context, name string) error {
	// Usually there is none: one search, not a read.
	if has, err := s.has(ctx, swapUser(name)); err != nil {
		return fmt.Errorf("look for a value an interrupted rollback of %s kept: %w", name, err)
	} else if !has {
		return nil
	}
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
	rec, err := s.setValue(ctx, name, false, keepGen{set: true, spec: gen}, value)
	if errors.Is(err, ErrUnchanged) {
		rec, _ = s.Get(ctx, name)
	}
	return rec, err
}

func (s *store) Rollback(ctx context.Context, name string) (model.Secret, error) {
	return s.setValue(ctx, name, true, keepGen{}, "")
}

func (s *store) Delete(ctx context.Context, name string) error {
	// Index first: the values go once the index is saved, so no record
	// ever points at nothing. But only once the keyring answers: a locked
	// or missing keyring would otherwise leave values that no keyward
	// command can find; and noted, so that values that cannot be removed
	// now (or a process killed before it removed them) are removed by the
	// next write or doctor.
	var op pendingOp
	noted := false
	var dropErr error
	err := s.locked(ctx, []string{name}, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
		}
		if err := s.vals.Ping(ctx); err != nil {
			return nil, fmt.Errorf("delete %s: nothing deleted: %w", name, err)
		}
		op = pendingOp{Op: opDelete, Name: name, Version: list[i].Version}
		if err := s.note(op); err != nil {
			return nil, err
		}
		noted = true
		return slices.Delete(list, i, i+1), nil
	}, func() {
		if dropErr = s.dropValues(ctx, name); dropErr == nil {
			_ = s.done(name)
		}
	})
	if err != nil {
		if noted {
			// The record stays, so do its values; only the intent goes.
			s.undo(ctx, op, func([]model.Secret) error { return nil })
		}
		return err
	}
	if dropErr != nil {
		// A call that timed out may still land: only a refusal says the
		// values are certainly there.
		still := "may still be"
		if changedNothing(dropErr) {
			still = "are still"
		}
		return fmt.Errorf("removed %s from the index, but its values %s in the keyring; "+
			"'keyward doctor' removes them once the keyring answers: %w", name, still, dropErr)
	}
	return nil
}

func (s *store) Ping(ctx context.Context) error { return s.vals.Ping(ctx) }
