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

// index is where records live: the TOML file or a slice. Update runs fn on
// the current records under an exclusive lock and saves what fn leaves,
// unless fn fails.
type index interface {
	Load(ctx context.Context) ([]model.Secret, error)
	Update(ctx context.Context, fn func(list []model.Secret) ([]model.Secret, error)) error
}

// store implements Store over a values and an index backend. All ordering
// rules that keep a crash from losing a value live here, once, for both the
// OS and the in-memory store.
type store struct {
	vals values
	idx  index
	now  func() time.Time
}

func (s *store) List(ctx context.Context) ([]model.Secret, error) {
	return s.idx.Load(ctx)
}

func find(list []model.Secret, name string) int {
	return slices.IndexFunc(list, func(x model.Secret) bool { return x.Name == name })
}

func notFound(name string) error {
	return fmt.Errorf("%w: %s", ErrNotFound, model.Printable(name))
}

func (s *store) Get(ctx context.Context, name string) (model.Secret, error) {
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
	if _, err := s.Get(ctx, name); err != nil {
		return "", err
	}
	v, err := s.vals.Get(ctx, name)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return v, nil
}

func (s *store) HasPrevious(ctx context.Context, name string) (bool, error) {
	if _, err := s.Get(ctx, name); err != nil {
		return false, err
	}
	_, err := s.vals.Get(ctx, PreviousUser(name))
	if errors.Is(err, ErrNoValue) {
		return false, nil
	}
	return err == nil, err
}

func (s *store) Create(ctx context.Context, sec model.Secret, value string) (model.Secret, error) {
	if err := sec.Validate(); err != nil {
		return model.Secret{}, err
	}
	if err := model.ValidateValue(value); err != nil {
		return model.Secret{}, err
	}
	// Refuse early (without touching the keyring) when the name is taken,
	// so an existing value is never overwritten.
	list, err := s.idx.Load(ctx)
	if err != nil {
		return model.Secret{}, err
	}
	if find(list, sec.Name) >= 0 {
		return model.Secret{}, fmt.Errorf("%w: %s", ErrExists, sec.Name)
	}
	now := s.now().UTC().Truncate(time.Second)
	sec = sec.Clone()
	sec.CreatedAt, sec.UpdatedAt, sec.RotatedAt, sec.Version = now, now, time.Time{}, 1
	// Keyring first: a crash after this leaves an orphan value, never an
	// index entry without a value.
	if err := s.vals.Set(ctx, sec.Name, value); err != nil {
		return model.Secret{}, fmt.Errorf("store %s: %w", sec.Name, err)
	}
	created := false
	err = s.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		if find(list, sec.Name) >= 0 {
			// Another process created it between our check and now; the
			// value we wrote is theirs to keep only if it is ours, so say so.
			return nil, fmt.Errorf("%w: %s (created concurrently)", ErrExists, sec.Name)
		}
		created = true
		return append(list, sec), nil
	})
	if err != nil {
		if !created && !errors.Is(err, ErrExists) {
			// The index refused the record: take the value back out so the
			// keyring holds nothing the index does not know of.
			_ = s.vals.Delete(ctx, sec.Name)
		}
		return model.Secret{}, err
	}
	// A stale previous value from a deleted namesake must not be rolled
	// back to.
	_ = s.vals.Delete(ctx, PreviousUser(sec.Name))
	return sec, nil
}

func (s *store) Update(ctx context.Context, name string, p model.Patch) (model.Secret, error) {
	now := s.now().UTC().Truncate(time.Second)
	var updated model.Secret
	if p.Rename != "" && p.Rename != name {
		return s.rename(ctx, name, p, now)
	}
	err := s.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
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

// rename copies the values to the new name, then switches the index, then
// removes the old values: at every point each indexed name has its value.
func (s *store) rename(ctx context.Context, name string, p model.Patch, now time.Time) (model.Secret, error) {
	if err := model.ValidateName(p.Rename); err != nil {
		return model.Secret{}, err
	}
	list, err := s.idx.Load(ctx)
	if err != nil {
		return model.Secret{}, err
	}
	i := find(list, name)
	if i < 0 {
		return model.Secret{}, notFound(name)
	}
	if find(list, p.Rename) >= 0 {
		return model.Secret{}, fmt.Errorf("%w: %s", ErrExists, p.Rename)
	}
	if _, err := p.Apply(list[i], now); err != nil {
		return model.Secret{}, err
	}
	cur, err := s.vals.Get(ctx, name)
	if err != nil {
		return model.Secret{}, fmt.Errorf("read %s: %w", name, err)
	}
	prev, perr := s.vals.Get(ctx, PreviousUser(name))
	if perr != nil && !errors.Is(perr, ErrNoValue) {
		return model.Secret{}, fmt.Errorf("read previous value of %s: %w", name, perr)
	}
	if err := s.vals.Set(ctx, p.Rename, cur); err != nil {
		return model.Secret{}, fmt.Errorf("store %s: %w", p.Rename, err)
	}
	if perr == nil {
		if err := s.vals.Set(ctx, PreviousUser(p.Rename), prev); err != nil {
			_ = s.vals.Delete(ctx, p.Rename)
			return model.Secret{}, fmt.Errorf("store previous value of %s: %w", p.Rename, err)
		}
	} else {
		_ = s.vals.Delete(ctx, PreviousUser(p.Rename))
	}
	var updated model.Secret
	err = s.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
		}
		if find(list, p.Rename) >= 0 {
			return nil, fmt.Errorf("%w: %s", ErrExists, p.Rename)
		}
		u, err := p.Apply(list[i], now)
		if err != nil {
			return nil, err
		}
		list[i], updated = u, u
		return list, nil
	})
	if err != nil {
		// The index still names the old secret; drop the copies.
		_ = s.vals.Delete(ctx, p.Rename)
		_ = s.vals.Delete(ctx, PreviousUser(p.Rename))
		return model.Secret{}, err
	}
	_ = s.vals.Delete(ctx, name)
	_ = s.vals.Delete(ctx, PreviousUser(name))
	return updated, nil
}

// setValue is the one path that changes a value: it keeps the current value
// as the previous one, writes next, then bumps the record.
func (s *store) setValue(ctx context.Context, name, next string) (model.Secret, error) {
	if _, err := s.Get(ctx, name); err != nil {
		return model.Secret{}, err
	}
	cur, err := s.vals.Get(ctx, name)
	if err != nil {
		return model.Secret{}, fmt.Errorf("read %s: %w", name, err)
	}
	oldPrev, perr := s.vals.Get(ctx, PreviousUser(name))
	hadPrev := perr == nil
	if perr != nil && !errors.Is(perr, ErrNoValue) {
		return model.Secret{}, fmt.Errorf("read previous value of %s: %w", name, perr)
	}
	if err := s.vals.Set(ctx, PreviousUser(name), cur); err != nil {
		return model.Secret{}, fmt.Errorf("keep previous value of %s: %w", name, err)
	}
	if err := s.vals.Set(ctx, name, next); err != nil {
		s.restorePrevious(ctx, name, oldPrev, hadPrev)
		return model.Secret{}, fmt.Errorf("store %s: %w", name, err)
	}
	now := s.now().UTC().Truncate(time.Second)
	var updated model.Secret
	err = s.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
		}
		list[i].Version++
		list[i].RotatedAt, list[i].UpdatedAt = now, now
		updated = list[i]
		return list, nil
	})
	if err != nil {
		// Put the value back as it was; the record was not bumped.
		if rerr := s.vals.Set(ctx, name, cur); rerr == nil {
			s.restorePrevious(ctx, name, oldPrev, hadPrev)
		}
		return model.Secret{}, err
	}
	return updated, nil
}

func (s *store) restorePrevious(ctx context.Context, name, old string, had bool) {
	if had {
		_ = s.vals.Set(ctx, PreviousUser(name), old)
	} else {
		_ = s.vals.Delete(ctx, PreviousUser(name))
	}
}

func (s *store) Rotate(ctx context.Context, name, value string) (model.Secret, error) {
	if err := model.ValidateValue(value); err != nil {
		return model.Secret{}, err
	}
	return s.setValue(ctx, name, value)
}

func (s *store) Rollback(ctx context.Context, name string) (model.Secret, error) {
	if _, err := s.Get(ctx, name); err != nil {
		return model.Secret{}, err
	}
	prev, err := s.vals.Get(ctx, PreviousUser(name))
	if errors.Is(err, ErrNoValue) {
		return model.Secret{}, fmt.Errorf("%w: %s", ErrNoPrevious, name)
	}
	if err != nil {
		return model.Secret{}, fmt.Errorf("read previous value of %s: %w", name, err)
	}
	return s.setValue(ctx, name, prev)
}

func (s *store) Delete(ctx context.Context, name string) error {
	// Index first: a crash after this leaves an orphan value in the
	// keyring, never an index entry pointing at nothing.
	err := s.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
		}
		return slices.Delete(list, i, i+1), nil
	})
	if err != nil {
		return err
	}
	if err := s.vals.Delete(ctx, name); err != nil {
		return fmt.Errorf("removed %s from the index, but not its value from the keyring: %w", name, err)
	}
	if err := s.vals.Delete(ctx, PreviousUser(name)); err != nil {
		return fmt.Errorf("removed %s, but not its previous value from the keyring: %w", name, err)
	}
	return nil
}

func (s *store) Ping(ctx context.Context) error { return s.vals.Ping(ctx) }
