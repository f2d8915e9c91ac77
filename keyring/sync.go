package keyring

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keyward/keyward/model"
)

// ErrNotSet is the error of Value for a record that has no local value yet:
// one pulled from a Julep account, which never gives values back. It is not
// ErrNoValue: nothing was lost, and rotate sets the first value.
var ErrNotSet = errors.New("no local value yet")

// RecordSync stores what was pushed to one Julep account (st.Target) in
// name's record. It is bookkeeping, not an edit: UpdatedAt and Version stay.
func (s *store) RecordSync(ctx context.Context, name string, st model.SyncState) (model.Secret, error) {
	if st.Target == "" {
		return model.Secret{}, errors.New("keyring: a sync state needs a target")
	}
	var updated model.Secret
	err := s.locked(ctx, []string{name}, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i < 0 {
			return nil, notFound(name)
		}
		list[i] = list[i].WithSync(st)
		updated = list[i]
		return list, nil
	}, nil)
	return updated, err
}

// AddRecord adds a record that has no local value (NoValue is set): what a
// pull from a Julep account brings, since the account never gives a value
// back. Version is 0 until the first value is set with Rotate. The times are
// sec's own when set (the account's), else now.
func (s *store) AddRecord(ctx context.Context, sec model.Secret) (model.Secret, error) {
	if err := sec.Validate(); err != nil {
		return model.Secret{}, err
	}
	now := s.stamp()
	sec = sec.Clone()
	sec.NoValue, sec.Version, sec.RotatedAt = true, 0, time.Time{}
	if sec.CreatedAt.IsZero() {
		sec.CreatedAt = now
	}
	if sec.UpdatedAt.IsZero() {
		sec.UpdatedAt = now
	}
	err := s.locked(ctx, []string{sec.Name}, func(list []model.Secret) ([]model.Secret, error) {
		if find(list, sec.Name) >= 0 {
			return nil, exists(sec.Name)
		}
		return append(list, sec), nil
	}, nil)
	if err != nil {
		return model.Secret{}, err
	}
	return sec, nil
}

func notSet(name string) error {
	return fmt.Errorf("%w: %s came from a Julep account, which never gives values back", ErrNotSet, model.Printable(name))
}
