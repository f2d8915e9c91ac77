package julep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keyward/keyward/model"
)

// Local is what a push needs of keyward's own store: the record, its value
// (read only at the moment it is sent) and a place to record what was
// pushed. keyring.Store satisfies it.
type Local interface {
	Get(ctx context.Context, name string) (model.Secret, error)
	Value(ctx context.Context, name string) (string, error)
	RecordSync(ctx context.Context, name string, st model.SyncState) (model.Secret, error)
}

// Outcome is how one step of a push ended.
type Outcome int

const (
	// Done: the account has the write, and the index records it.
	Done Outcome = iota
	// Failed: the step did not happen (the account refused it, or the
	// value could not be read); nothing changed for this name.
	Failed
	// Unknown: the request may have landed (a connection cut after it was
	// sent, a timeout), or it landed and keyward could not record it. A
	// rerun of push converges either way.
	Unknown
	// Skipped: the plan skips it (Action.Reason), or an earlier failure
	// stopped the push (a rejected key) before it was tried.
	Skipped
)

func (o Outcome) String() string {
	switch o {
	case Done:
		return "done"
	case Failed:
		return "failed"
	case Unknown:
		return "unknown"
	case Skipped:
		return "skipped"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// StepResult is one step of a push and how it ended. Err never holds a
// value or the key.
type StepResult struct {
	Action  Action
	Outcome Outcome
	Err     error
}

// PushResult is every step of a push in plan order.
type PushResult struct {
	Steps []StepResult
}

// Count returns how many steps ended with o.
func (r PushResult) Count(o Outcome) int {
	n := 0
	for _, s := range r.Steps {
		if s.Outcome == o {
			n++
		}
	}
	return n
}

// OK reports whether every step that was to be sent is Done.
func (r PushResult) OK() bool {
	for _, s := range r.Steps {
		if s.Outcome == Failed || s.Outcome == Unknown || (s.Outcome == Skipped && s.Action.Kind != Skip) {
			return false
		}
	}
	return true
}

// Push runs plan against r, the one push loop of every surface. For each
// create or update it reads the record and its value from local at that
// moment, records a PendingState, sends the write, then records
// StateAfterPush; a delete is sent as planned. A failed step is reported
// and the push goes on with the next one, except when the account rejects
// the key or ctx ends: the rest is then reported Skipped. progress, when
// not nil, is called before each step that sends something, with its
// 1-based number among those steps and their count.
func Push(ctx context.Context, r Remote, local Local, plan Plan, now func() time.Time, progress func(i, n int, a Action)) PushResult {
	if now == nil {
		now = time.Now
	}
	sending := len(plan.Actions) - plan.Count(Skip)
	var res PushResult
	var stop error
	i := 0
	for _, a := range plan.Actions {
		if a.Kind == Skip {
			res.Steps = append(res.Steps, StepResult{Action: a, Outcome: Skipped})
			continue
		}
		if stop == nil && ctx.Err() != nil {
			stop = ctx.Err()
		}
		if stop != nil {
			res.Steps = append(res.Steps, StepResult{Action: a, Outcome: Skipped, Err: fmt.Errorf("not tried: %w", stop)})
			continue
		}
		i++
		if progress != nil {
			progress(i, sending, a)
		}
		step := pushStep(ctx, r, local, a, now)
		res.Steps = append(res.Steps, step)
		if errors.Is(step.Err, ErrUnauthorized) {
			stop = step.Err
		}
	}
	return res
}

func pushStep(ctx context.Context, r Remote, local Local, a Action, now func() time.Time) StepResult {
	fail := func(o Outcome, err error) StepResult { return StepResult{Action: a, Outcome: o, Err: err} }
	if a.Kind == Delete {
		if err := r.Delete(ctx, a.Remote); err != nil {
			return fail(outcomeOf(err), err)
		}
		return StepResult{Action: a, Outcome: Done}
	}
	rec, err := local.Get(ctx, a.Name)
	if err != nil {
		return fail(Failed, err)
	}
	value, err := local.Value(ctx, a.Name)
	if err != nil {
		return fail(Failed, fmt.Errorf("read the local value: %w", err))
	}
	if _, err := local.RecordSync(ctx, a.Name, PendingState(r, rec, a.Remote.ID, now().UTC())); err != nil {
		return fail(Failed, fmt.Errorf("record the push in the index: %w", err))
	}
	w := WriteFor(rec, value)
	var resp RemoteSecret
	if a.Kind == Create {
		resp, err = r.Create(ctx, w)
	} else {
		resp, err = r.Update(ctx, a.Remote.ID, w)
	}
	if err != nil {
		return fail(outcomeOf(err), err)
	}
	if _, err := local.RecordSync(ctx, a.Name, StateAfterPush(r, rec, resp, now().UTC())); err != nil {
		return fail(Unknown, fmt.Errorf("the account has it, but the index could not record that (run push again): %w", err))
	}
	return StepResult{Action: a, Outcome: Done}
}

// outcomeOf is Unknown for an error after which the write may still have
// landed, Failed otherwise.
func outcomeOf(err error) Outcome {
	if errors.Is(err, ErrUnknownOutcome) || errors.Is(err, context.DeadlineExceeded) {
		return Unknown
	}
	return Failed
}
