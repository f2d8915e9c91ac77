package keyring

import (
	"context"
	"time"

	"github.com/keyward/keyward/model"
)

// NewSecret is one secret for CreateAll: its record, as Create takes it,
// and its value.
type NewSecret struct {
	Secret model.Secret
	Value  string
}

// A batch of CreateAll holds the index lock for at most batchMax secrets or
// batchTime, whichever ends first, and then saves the index: one index
// write (and one journal write before it) per batch instead of two per
// secret, while another keyward waiting for the lock (DefaultLockWait)
// still gets it in time. Variables so that tests can make batches small.
var (
	batchMax  = 500
	batchTime = 2 * time.Second
)

// CreateAll creates secs in order, each as Create would, but in batches:
// under one index lock a batch notes every create's intent in one journal
// write, writes the values, and saves the index once. A crash mid-batch
// leaves intents that the next write or doctor settles as it does a single
// create's: a value without its record goes.
//
// It stops at the first secret it cannot create (invalid, already existing,
// or a keyring or index failure) and returns the records created before it,
// which are saved, and that error; the secret it stopped at is
// secs[len(created)]. progress, when not nil, is called after each value is
// written with the number written so far (their records are saved with
// their batch).
func (s *store) CreateAll(ctx context.Context, secs []NewSecret, progress func(done int)) (created []model.Secret, err error) {
	created = []model.Secret{}
	// An invalid secret ends the import where it is, as with one Create
	// each: the secrets before it are created.
	valid := len(secs)
	var invalid error
	for i, n := range secs {
		if invalid = n.Secret.Validate(); invalid == nil {
			invalid = model.ValidateValue(n.Value)
		}
		if invalid != nil {
			valid = i
			break
		}
	}
	for len(created) < valid {
		done := len(created)
		var report func(int)
		if progress != nil {
			report = func(n int) { progress(done + n) }
		}
		got, err := s.createBatch(ctx, secs[done:valid], report)
		created = append(created, got...)
		if err != nil {
			return created, err
		}
	}
	return created, invalid
}

// createBatch creates the first secrets of secs (at least one, unless it
// fails) under one index lock; see CreateAll.
func (s *store) createBatch(ctx context.Context, secs []NewSecret, progress func(done int)) ([]model.Secret, error) {
	if len(secs) > batchMax {
		secs = secs[:batchMax]
	}
	now := s.stamp()
	names := make([]string, len(secs))
	for i, n := range secs {
		names[i] = n.Secret.Name
	}
	var (
		ops       []pendingOp // noted, one per secret of the batch
		written   int         // secrets whose values are written; their records are in the save
		failed    error       // the write that ended the batch, after written secrets
		unwritten bool        // failed certainly changed nothing
		created   []model.Secret
		saved     bool
	)
	err := s.locked(ctx, names, func(list []model.Secret) ([]model.Secret, error) {
		have := make(map[string]bool, len(list)+len(secs))
		for i := range list {
			have[list[i].Name] = true
		}
		// The batch ends before a name that exists (in the index, or
		// earlier in secs): that secret fails as its Create would.
		n := 0
		for n < len(secs) && !have[names[n]] {
			have[names[n]] = true
			n++
		}
		if n == 0 {
			return nil, exists(names[0])
		}
		ops = make([]pendingOp, n)
		for i := range n {
			ops[i] = pendingOp{Op: opCreate, Name: names[i]}
		}
		if err := s.note(ops...); err != nil {
			ops = nil
			return nil, err
		}
		start := time.Now()
		for i := range n {
			if i > 0 && time.Since(start) >= batchTime {
				break
			}
			if unwritten, failed = s.writeNew(ctx, names[i], secs[i].Value); failed != nil {
				break
			}
			sec := secs[i].Secret.Clone()
			sec.CreatedAt, sec.UpdatedAt, sec.RotatedAt, sec.Version = now, now, time.Time{}, 1
			sec.SlotsSwapped = false // a new record's value is under its name
			list = append(list, sec)
			created = append(created, sec)
			written++
			if progress != nil {
				progress(written)
			}
		}
		if written == 0 {
			return nil, failed
		}
		return list, nil
	}, func() {
		// Saved: the intents of the written secrets, and of those never
		// started, go; the one whose write failed stays until undone.
		saved = true
		finished := make([]string, 0, len(ops))
		for i, op := range ops {
			if i != written || failed == nil {
				finished = append(finished, op.Name)
			}
		}
		_ = s.done(finished...)
	})
	// reached says the keyring may hold a value of ops[i]: a value without
	// a record once nothing or only the secrets before it were saved.
	reached := func(i int) bool { return i < written || (i == written && failed != nil && !unwritten) }
	if saved {
		if failed != nil {
			s.undoAll(ctx, ops[written:written+1], func([]model.Secret, pendingOp) error {
				if !reached(written) {
					return nil
				}
				return s.dropValues(ctx, names[written])
			})
		}
		return created, failed
	}
	// Nothing saved: every value written is undone now, or by the next
	// write or doctor if the keyring does not answer.
	if len(ops) > 0 {
		pos := make(map[string]int, len(ops))
		for i, op := range ops {
			pos[op.Name] = i
		}
		s.undoAll(ctx, ops, func(_ []model.Secret, op pendingOp) error {
			if !reached(pos[op.Name]) {
				return nil
			}
			return s.dropValues(ctx, op.Name)
		})
	}
	return nil, err
}
