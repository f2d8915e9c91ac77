package keyring

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

// These tests number every backend call an operation makes (keyring get,
// set and delete; index load and save) and, for each step in turn, either
// make it fail or "crash" there: stop the operation dead, with no clean-up,
// as a killed process would. Whatever happens, no value may be lost.

var errInjected = errors.New("injected fault")

// crash is the panic that stands for the process dying.
type crash struct{ step string }

type faults struct {
	mu    sync.Mutex
	n     int
	at    int // the step to fault; -1 for none
	crash bool
	steps []string
}

func (f *faults) hit(step string) error {
	f.mu.Lock()
	n := f.n
	f.n++
	f.steps = append(f.steps, step)
	fire, crashNow := n == f.at, f.crash
	f.mu.Unlock()
	if !fire {
		return nil
	}
	if crashNow {
		panic(crash{step})
	}
	return fmt.Errorf("%s: %w", step, errInjected)
}

func (f *faults) off() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at = -1
}

// faultIndex is the in-memory index with faults at load and at save. A
// failed save happens after fn ran, like a failed write of the file.
type faultIndex struct {
	b *memBackend
	f *faults
}

func (x *faultIndex) Load(ctx context.Context, keep func(*model.Secret) bool) ([]model.Secret, error) {
	if err := x.f.hit("load index"); err != nil {
		return nil, err
	}
	return x.b.Load(ctx, keep)
}

func (x *faultIndex) Update(ctx context.Context, fn func([]model.Secret) ([]model.Secret, error), after func()) error {
	return x.b.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		next, err := fn(list)
		if err != nil {
			return nil, err
		}
		if err := x.f.hit("save index"); err != nil {
			return nil, err
		}
		return next, nil
	}, after)
}

const (
	aCurrent  = "a-current-value"
	aPrevious = "a-previous-value"
	aNext     = "a-next-value"
	otherVal  = "other-value"
	newVal    = "new-value"
	staleVal  = "stale-previous-value"
)

// crashWorld is a store holding A (version 3, with a previous value) and
// OTHER, plus a stale previous value for NEW left by a deleted namesake.
func crashWorld(f *faults) (*store, *memBackend) {
	b := &memBackend{vals: map[string]string{
		"A": aCurrent, PreviousUser("A"): aPrevious,
		"OTHER":             otherVal,
		PreviousUser("NEW"): staleVal,
	}}
	b.list = []model.Secret{
		{Name: "A", Version: 3, CreatedAt: t0, UpdatedAt: t0, RotatedAt: t0, Description: "a"},
		{Name: "OTHER", Version: 1, CreatedAt: t0, UpdatedAt: t0},
	}
	b.hook = func(op, user string) error { return f.hit(op + " " + user) }
	return &store{vals: b, idx: &faultIndex{b: b, f: f}, now: func() time.Time { return t0.Add(time.Hour) }, jr: &faultJournal{&memJournal{}, f}}, b
}

// faultJournal is the journal with a fault at each write: a crash there is
// a process killed before the entry was noted (or cleared). What it holds
// survives the crash, like the file.
type faultJournal struct {
	j *memJournal
	f *faults
}

func (x *faultJournal) Pending() ([]pendingOp, error) { return x.j.Pending() }

func (x *faultJournal) Note(ops ...pendingOp) error {
	step := "note"
	for _, op := range ops {
		step += " " + op.Op + " " + op.Name
	}
	if err := x.f.hit(step); err != nil {
		return err
	}
	return x.j.Note(ops...)
}

func (x *faultJournal) Done(names ...string) error {
	if ops, _ := x.j.Pending(); !slices.ContainsFunc(ops, func(op pendingOp) bool { return slices.Contains(names, op.Name) }) {
		return nil // nothing to clear: no write, no step
	}
	if err := x.f.hit(fmt.Sprint("clear ", names)); err != nil {
		return err
	}
	return x.j.Done(names...)
}

// world is what a crash or failure left behind.
type world struct {
	recs map[string]model.Secret
	vals map[string]string
}

// cur and prev are name's current and previous values, under the keyring
// users its record says (valueUsers).
func (w world) cur(name string) string {
	r := w.recs[name]
	u, _ := valueUsers(&r)
	return w.vals[u]
}

func (w world) prev(name string) string {
	r := w.recs[name]
	_, u := valueUsers(&r)
	return w.vals[u]
}

func snapshot(b *memBackend) world {
	b.idxMu.Lock()
	recs := map[string]model.Secret{}
	for _, s := range b.list {
		recs[s.Name] = s
	}
	b.idxMu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	return world{recs: recs, vals: maps.Clone(b.vals)}
}

// reachable is what a user can still get at for name after the fault: its
// value, and the value a rollback brings back.
func reachable(t *testing.T, s *store, name string) []string {
	t.Helper()
	ctx := context.Background()
	cur, err := s.Value(ctx, name)
	if err != nil {
		t.Fatalf("Value(%s) after the fault: %v", name, err)
	}
	out := []string{cur}
	if _, err := s.Rollback(ctx, name); err == nil {
		v, _ := s.Value(ctx, name)
		out = append(out, v)
	} else if !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("Rollback(%s) after the fault: %v", name, err)
	}
	return out
}

type crashOp struct {
	name  string
	run   func(s *store) error
	check func(t *testing.T, s *store, w world, err error, crashed bool)
	// settled, when set, checks the world once Reconcile (what doctor
	// runs) has finished what the fault left: the operation happened in
	// full or not at all.
	settled func(t *testing.T, w world)
}

// oneOf checks that A's version, value and previous value are one of the
// given states, and that nothing is left in the slots an operation keeps
// copies in.
func oneOf(t *testing.T, w world, states ...aState) {
	t.Helper()
	got := aState{w.recs["A"].Version, w.cur("A"), w.prev("A")}
	if !slices.Contains(states, got) {
		t.Errorf("A settled at version %d, value %q, previous %q; want one of %+v", got.version, got.cur, got.prev, states)
	}
	for _, u := range []string{swapUser("A"), rotationUser("A")} {
		if v, ok := w.vals[u]; ok {
			t.Errorf("%s still holds %q once settled", u, v)
		}
	}
}

type aState struct {
	version   int
	cur, prev string
}

var crashOps = []crashOp{
	{"create", func(s *store) error {
		_, err := s.Create(context.Background(), model.Secret{Name: "NEW"}, newVal)
		return err
	}, func(t *testing.T, s *store, w world, err error, crashed bool) {
		rec, ok := w.recs["NEW"]
		if !ok {
			if err == nil && !crashed {
				t.Error("Create succeeded but NEW is not in the index")
			}
			return
		}
		if rec.Version != 1 || w.vals["NEW"] != newVal {
			t.Errorf("NEW indexed with version %d, value %q", rec.Version, w.vals["NEW"])
		}
		if v, ok := w.vals[PreviousUser("NEW")]; ok {
			t.Errorf("NEW is indexed with a stale previous value %q it could be rolled back to", v)
		}
	}, func(t *testing.T, w world) {
		// Created in full, or not at all: never a value without its
		// record (issue 11, item 2).
		if _, ok := w.recs["NEW"]; !ok {
			if v, ok := w.vals["NEW"]; ok {
				t.Errorf("NEW is not indexed, but its value %q is still in the keyring", v)
			}
		}
	}},
	{"create all", func(s *store) error {
		// Two batches: NEW and NEW2 under one lock, then NEW3.
		defer func(n int) { batchMax = n }(batchMax)
		batchMax = 2
		_, err := s.CreateAll(context.Background(), []NewSecret{
			{model.Secret{Name: "NEW"}, newVal}, {model.Secret{Name: "NEW2"}, newVal + "2"}, {model.Secret{Name: "NEW3"}, newVal + "3"},
		}, nil)
		return err
	}, func(t *testing.T, s *store, w world, err error, crashed bool) {
		indexed := 0
		for i, name := range []string{"NEW", "NEW2", "NEW3"} {
			rec, ok := w.recs[name]
			if !ok {
				continue
			}
			if indexed != i {
				t.Errorf("%s is indexed, but an earlier secret of the import is not", name)
			}
			indexed++
			if want := newVal + strings.TrimPrefix(name, "NEW"); rec.Version != 1 || w.vals[name] != want {
				t.Errorf("%s indexed with version %d, value %q; want 1, %q", name, rec.Version, w.vals[name], want)
			}
		}
		if err == nil && !crashed && indexed != 3 {
			t.Errorf("CreateAll succeeded but only %d of 3 are indexed", indexed)
		}
		if _, ok := w.recs["NEW"]; ok {
			if v, ok := w.vals[PreviousUser("NEW")]; ok {
				t.Errorf("NEW is indexed with a stale previous value %q it could be rolled back to", v)
			}
		}
	}, func(t *testing.T, w world) {
		for _, name := range []string{"NEW", "NEW2", "NEW3"} {
			if _, ok := w.recs[name]; !ok {
				if v, ok := w.vals[name]; ok {
					t.Errorf("%s is not indexed, but its value %q is still in the keyring", name, v)
				}
			}
		}
	}},
	{"rotate", func(s *store) error {
		_, err := s.Rotate(context.Background(), "A", aNext)
		return err
	}, func(t *testing.T, s *store, w world, err error, crashed bool) {
		switch v := w.recs["A"].Version; {
		case v == 4:
			if w.cur("A") != aNext || w.prev("A") != aCurrent {
				t.Errorf("rotated (version 4) but value %q, previous %q", w.cur("A"), w.prev("A"))
			}
		case v == 3 && !crashed && err != nil && strings.Contains(err.Error(), "is in the keyring"):
			// Its one write landed, the index was not saved: the new
			// value waits in the previous slot for the settle below.
			if w.cur("A") != aCurrent || w.prev("A") != aNext {
				t.Errorf("failed rotate (%v) left value %q, previous %q; want the new value pending", err, w.cur("A"), w.prev("A"))
			}
		case v == 3 && !crashed:
			if w.cur("A") != aCurrent || w.prev("A") != aPrevious {
				t.Errorf("failed rotate (%v) left value %q, previous %q; want both restored", err, w.cur("A"), w.prev("A"))
			}
		case v != 3:
			t.Errorf("version %d", v)
		}
		if got := reachable(t, s, "A"); !slices.Contains(got, aCurrent) {
			t.Errorf("after the fault only %q can be reached: %q is lost", got, aCurrent)
		}
	}, func(t *testing.T, w world) {
		// Issue 11, item 1: never previous == current with the older
		// value gone, never a new value without its version.
		oneOf(t, w, aState{3, aCurrent, aPrevious}, aState{4, aNext, aCurrent})
	}},
	{"rollback", func(s *store) error {
		_, err := s.Rollback(context.Background(), "A")
		return err
	}, func(t *testing.T, s *store, w world, err error, crashed bool) {
		switch v := w.recs["A"].Version; {
		case v == 4:
			if w.cur("A") != aPrevious || w.prev("A") != aCurrent {
				t.Errorf("rolled back (version 4) but value %q, previous %q", w.cur("A"), w.prev("A"))
			}
		case v == 3 && !crashed:
			if w.cur("A") != aCurrent || w.prev("A") != aPrevious {
				t.Errorf("failed rollback (%v) left value %q, previous %q; want both restored", err, w.cur("A"), w.prev("A"))
			}
		case v != 3:
			t.Errorf("version %d", v)
		}
		got := reachable(t, s, "A")
		for _, want := range []string{aCurrent, aPrevious} {
			if !slices.Contains(got, want) {
				t.Errorf("after the fault only %q can be reached: %q is lost", got, want)
			}
		}
	}, func(t *testing.T, w world) {
		// Never a value changed without its version (issue 11, item 2).
		oneOf(t, w, aState{3, aCurrent, aPrevious}, aState{4, aPrevious, aCurrent})
	}},
	{"rename", func(s *store) error {
		_, err := s.Update(context.Background(), "A", model.Patch{Rename: "B"})
		return err
	}, func(t *testing.T, s *store, w world, err error, crashed bool) {
		_, hasA := w.recs["A"]
		_, hasB := w.recs["B"]
		if hasA == hasB {
			t.Fatalf("index holds A: %v, B: %v; want exactly one", hasA, hasB)
		}
		name := map[bool]string{true: "A", false: "B"}[hasA]
		if got := reachable(t, s, name); !slices.Equal(got, []string{aCurrent, aPrevious}) {
			t.Errorf("%s reaches %q, want %q then %q", name, got, aCurrent, aPrevious)
		}
		if err == nil && !crashed {
			for _, u := range []string{"A", PreviousUser("A")} {
				if _, ok := w.vals[u]; ok {
					t.Errorf("renamed, but %s is still in the keyring", u)
				}
			}
		}
	}, func(t *testing.T, w world) {
		_, hasA := w.recs["A"]
		name := map[bool]string{true: "A", false: "B"}[hasA]
		if r := w.recs[name]; r.Version != 3 || w.cur(name) != aCurrent || w.prev(name) != aPrevious {
			t.Errorf("%s settled at version %d, value %q, previous %q", name, r.Version, w.cur(name), w.prev(name))
		}
	}},
	{"delete", func(s *store) error {
		return s.Delete(context.Background(), "A")
	}, func(t *testing.T, s *store, w world, err error, crashed bool) {
		if _, ok := w.recs["A"]; ok {
			if got := reachable(t, s, "A"); !slices.Equal(got, []string{aCurrent, aPrevious}) {
				t.Errorf("A is still indexed but reaches %q", got)
			}
			return
		}
		if err == nil && !crashed {
			for u, v := range w.vals {
				if v == aCurrent || v == aPrevious {
					t.Errorf("deleted, but %s still holds a value of A", u)
				}
			}
		}
	}, func(t *testing.T, w world) {
		if _, ok := w.recs["A"]; ok {
			oneOf(t, w, aState{3, aCurrent, aPrevious})
		}
	}},
	{"update description", func(s *store) error {
		d := "changed"
		_, err := s.Update(context.Background(), "A", model.Patch{Description: &d})
		return err
	}, func(t *testing.T, s *store, w world, err error, crashed bool) {
		if err != nil && w.recs["A"].Description != "a" {
			t.Errorf("failed update (%v) changed the description to %q", err, w.recs["A"].Description)
		}
		if w.cur("A") != aCurrent || w.prev("A") != aPrevious {
			t.Errorf("an update of the record changed the values")
		}
	}, func(t *testing.T, w world) {
		oneOf(t, w, aState{3, aCurrent, aPrevious})
	}},
}

func TestCrashOrdering(t *testing.T) {
	runCrashOps(t, func(t *testing.T, f *faults) (*store, func() world) {
		s, b := crashWorld(f)
		return s, func() world { return snapshot(b) }
	})
}

// runCrashOps runs every crashOp without faults, then with a failure and
// with a crash at each of its steps in turn, over the world newWorld makes.
func runCrashOps(t *testing.T, newWorld func(t *testing.T, f *faults) (*store, func() world)) {
	for _, op := range crashOps {
		t.Run(op.name, func(t *testing.T) {
			// A run without faults counts the steps and must succeed.
			f := &faults{at: -1}
			s, snap := newWorld(t, f)
			if err := op.run(s); err != nil {
				t.Fatalf("without faults: %v", err)
			}
			w := snap()
			if op.settled != nil {
				op.settled(t, w)
			}
			op.check(t, s, w, nil, false)
			steps := slices.Clone(f.steps)
			if len(steps) < 1 {
				t.Fatalf("only %d steps: %v", len(steps), steps)
			}
			for at := range steps {
				for _, crashNow := range []bool{false, true} {
					mode := map[bool]string{false: "fail", true: "crash"}[crashNow]
					t.Run(fmt.Sprintf("%s at %d %s", mode, at, steps[at]), func(t *testing.T) {
						f := &faults{at: at, crash: crashNow}
						s, snap := newWorld(t, f)
						err, crashed := runUntilCrash(op.run, s)
						f.off()
						if err != nil && !errors.Is(err, errInjected) {
							t.Errorf("error %v does not wrap the injected fault", err)
						}
						w := snap()
						checkCommon(t, w)
						if op.settled != nil {
							if did, err := s.Reconcile(context.Background()); err != nil {
								t.Fatalf("Reconcile after the fault = %q, %v", did, err)
							}
							settled := snap()
							checkCommon(t, settled)
							checkSettled(t, s, settled)
							op.settled(t, settled)
						}
						op.check(t, s, w, err, crashed)
					})
				}
			}
		})
	}
}

func runUntilCrash(run func(*store) error, s *store) (err error, crashed bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(crash); !ok {
				panic(r)
			}
			crashed = true
		}
	}()
	return run(s), false
}

// checkCommon holds after every fault: OTHER is untouched and every indexed
// secret has a value.
func checkCommon(t *testing.T, w world) {
	t.Helper()
	if o, ok := w.recs["OTHER"]; !ok || o.Version != 1 || w.vals["OTHER"] != otherVal {
		t.Errorf("OTHER changed: %#v, value %q", o, w.vals["OTHER"])
	}
	for name := range w.recs {
		if _, ok := w.vals[name]; !ok {
			t.Errorf("%s is indexed but has no value", name)
		}
	}
}

// checkSettled holds once Reconcile has run: nothing is pending, and no
// value is left that keyward cannot see (a value of a name without a
// record), but the stale previous value of NEW the world starts with.
func checkSettled(t *testing.T, s *store, w world) {
	t.Helper()
	if ops, _ := s.jr.Pending(); len(ops) > 0 {
		t.Errorf("still pending after Reconcile: %+v", ops)
	}
	for u, v := range w.vals {
		name, _, _ := strings.Cut(u, "@")
		if _, ok := w.recs[name]; ok || (u == PreviousUser("NEW") && v == staleVal) {
			continue
		}
		t.Errorf("%s = %q is in the keyring, but %s has no record", u, v, name)
	}
}
