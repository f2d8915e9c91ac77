package julep_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/julep/juleptest"
	"github.com/keyward/keyward/model"
)

// store is a stand-in for keyward's store: records and values by name.
type store struct {
	recs   map[string]model.Secret
	values map[string]string
}

func newStore(values map[string]string) *store {
	s := &store{recs: map[string]model.Secret{}, values: maps.Clone(values)}
	for name := range values {
		s.recs[name] = model.Secret{Name: name, Version: 1, CreatedAt: t0, Description: "about " + name}
	}
	return s
}

func (s *store) Get(_ context.Context, name string) (model.Secret, error) {
	rec, ok := s.recs[name]
	if !ok {
		return model.Secret{}, errors.New("no such record")
	}
	return rec, nil
}

func (s *store) Value(_ context.Context, name string) (string, error) {
	v, ok := s.values[name]
	if !ok {
		return "", errors.New("no value")
	}
	return v, nil
}

func (s *store) RecordSync(_ context.Context, name string, st model.SyncState) (model.Secret, error) {
	rec, ok := s.recs[name]
	if !ok {
		return model.Secret{}, errors.New("no such record")
	}
	s.recs[name] = rec.WithSync(st)
	return s.recs[name], nil
}

func (s *store) list() []model.Secret {
	return slices.Collect(maps.Values(s.recs))
}

// push runs plan with julep.Push and returns the first step's error; with
// pending false it is a caller that records no PendingState, to show what
// that would cost.
func push(ctx context.Context, r julep.Remote, s *store, plan julep.Plan, pending bool) error {
	if pending {
		for _, st := range julep.Push(ctx, r, s, plan, func() time.Time { return t0.Add(time.Minute) }, nil).Steps {
			if st.Err != nil {
				return st.Err
			}
		}
		return nil
	}
	for _, a := range plan.Actions {
		switch a.Kind {
		case julep.Create, julep.Update:
			rec := s.recs[a.Name]
			if pending {
				s.recs[a.Name] = rec.WithSync(julep.PendingState(r, rec, a.Remote.ID, t0))
			}
			w := julep.WriteFor(rec, s.values[a.Name])
			var resp julep.RemoteSecret
			var err error
			if a.Kind == julep.Create {
				resp, err = r.Create(ctx, w)
			} else {
				resp, err = r.Update(ctx, a.Remote.ID, w)
			}
			if err != nil {
				return err
			}
			s.recs[a.Name] = s.recs[a.Name].WithSync(julep.StateAfterPush(r, rec, resp, t0.Add(time.Minute)))
		case julep.Delete:
			if err := r.Delete(ctx, a.Remote); err != nil {
				return err
			}
		}
	}
	return nil
}

func plan(t *testing.T, r julep.Remote, s *store, opt julep.PushOptions) (julep.Report, julep.Plan) {
	t.Helper()
	list, err := r.List(context.Background())
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	rep := julep.Compare(r, s.list(), list)
	return rep, julep.PlanPush(rep, opt)
}

func assertLanded(t *testing.T, srv interface{ Value(string) (string, bool) }, want map[string]string) {
	t.Helper()
	for name, v := range want {
		if got, _ := srv.Value(name); got != v {
			t.Errorf("account value of %s = %q, want %q", name, got, v)
		}
	}
}

func TestInterruptedPushConverges(t *testing.T) {
	ctx := context.Background()
	values := map[string]string{"A_KEY": "a-1", "B_KEY": "b-1", "C_KEY": "c-1"}
	tests := []struct {
		name    string
		fault   juleptest.Fault
		pending bool
		// what the second push does
		second []string
		force  bool
	}{
		// julep.Push goes on after a failed step, so B and C landed in the
		// first push and only A is left.
		{"create landed, answer lost", juleptest.Fault{Kind: juleptest.CutAfter, Method: "POST"}, true,
			[]string{"update A_KEY"}, false},
		{"create never landed", juleptest.Fault{Kind: juleptest.CutBefore, Method: "POST"}, true,
			[]string{"create A_KEY"}, false},
		{"create timed out, never landed", juleptest.Fault{Kind: juleptest.Stall, Method: "POST"}, true,
			[]string{"create A_KEY"}, false},
		// Without PendingState the lost create reads as NeverSynced: it is
		// left alone until forced, and even then never created twice.
		{"no pending state", juleptest.Fault{Kind: juleptest.CutAfter, Method: "POST"}, false,
			[]string{"create B_KEY", "create C_KEY", "skip A_KEY"}, false},
		{"no pending state, forced", juleptest.Fault{Kind: juleptest.CutAfter, Method: "POST"}, false,
			[]string{"update A_KEY", "create B_KEY", "create C_KEY"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := juleptest.NewV1(t)
			o := opts(&sleeper{})
			if tt.fault.Kind == juleptest.Stall {
				o.Timeout = 50 * time.Millisecond
			}
			r := julep.NewV1(srv.URL, juleptest.DefaultKey, o)
			s := newStore(values)

			_, p := plan(t, r, s, julep.PushOptions{})
			if got := describe(p); !slices.Equal(got, []string{"create A_KEY", "create B_KEY", "create C_KEY"}) {
				t.Fatalf("first plan = %v", got)
			}
			srv.Inject(tt.fault)
			err := push(ctx, r, s, p, tt.pending)
			if !errors.Is(err, julep.ErrUnknownOutcome) {
				t.Fatalf("first push = %v, want ErrUnknownOutcome", err)
			}

			_, p = plan(t, r, s, julep.PushOptions{Force: tt.force})
			if got := describe(p); !slices.Equal(got, tt.second) {
				t.Fatalf("second plan = %v, want %v", got, tt.second)
			}
			if err := push(ctx, r, s, p, tt.pending); err != nil {
				t.Fatalf("second push = %v", err)
			}
			posts := srv.Count("POST", "/secrets")
			if len(srv.Names()) != len(s.recs) {
				t.Errorf("account holds %v, want one secret per record", srv.Names())
			}
			if tt.second[len(tt.second)-1] == "skip A_KEY" {
				return
			}
			assertLanded(t, srv, values)
			rep, p := plan(t, r, s, julep.PushOptions{})
			for _, st := range rep.Statuses {
				if st.State != julep.InStep {
					t.Errorf("after the second push %s is %v (%s), want in step", st.Name, st.State, st.Why)
				}
			}
			if len(p.Actions) != 0 {
				t.Errorf("third plan = %v, want nothing to do", describe(p))
			}
			if n := srv.Count("POST", "/secrets"); n != posts {
				t.Errorf("the third plan POSTed")
			}
		})
	}
}

func TestPushEndToEnd(t *testing.T) {
	ctx := context.Background()
	srv := juleptest.NewV1(t)
	r := julep.NewV1(srv.URL, juleptest.DefaultKey, opts(&sleeper{}))
	s := newStore(map[string]string{"OPENAI_KEY": "sk-1", "BRAVE_API_KEY": "b-1"})
	srv.Seed("SOMEONE_ELSES", "x", "made in the dashboard", map[string]string{"by": "alice"})

	_, p := plan(t, r, s, julep.PushOptions{})
	if err := push(ctx, r, s, p, true); err != nil {
		t.Fatal(err)
	}

	// Rename locally, rotate, change metadata; someone else edits the
	// other one meanwhile.
	rec := s.recs["OPENAI_KEY"]
	delete(s.recs, "OPENAI_KEY")
	rec.Name, rec.Version, rec.Metadata = "OPENAI_API_KEY", 2, map[string]string{"env": "prod"}
	s.recs[rec.Name], s.values[rec.Name] = rec, "sk-2"
	srv.Touch("BRAVE_API_KEY", "edited-remotely")

	rep, p := plan(t, r, s, julep.PushOptions{})
	st := byName(rep)
	if st["OPENAI_API_KEY"].State != julep.LocalNewer || st["OPENAI_API_KEY"].RenamedFrom != "OPENAI_KEY" ||
		st["BRAVE_API_KEY"].State != julep.RemoteChanged || st["SOMEONE_ELSES"].State != julep.RemoteOnly {
		t.Fatalf("statuses = %+v", rep.Statuses)
	}
	if got, want := describe(p), []string{"update OPENAI_API_KEY from OPENAI_KEY", "skip BRAVE_API_KEY", "skip SOMEONE_ELSES"}; !slices.Equal(got, want) {
		t.Fatalf("plan = %v, want %v", got, want)
	}
	if err := push(ctx, r, s, p, true); err != nil {
		t.Fatal(err)
	}
	assertLanded(t, srv, map[string]string{"OPENAI_API_KEY": "sk-2", "BRAVE_API_KEY": "edited-remotely"})
	if _, md, _ := srv.Metadata("OPENAI_API_KEY"); md["env"] != "prod" {
		t.Errorf("metadata after the push = %v, want env=prod", md)
	}
	if _, ok := srv.Value("OPENAI_KEY"); ok {
		t.Errorf("the old name survived the rename")
	}

	// Pull the dashboard's secret, force ours over the edit, prune nothing.
	rep, _ = plan(t, r, s, julep.PushOptions{})
	for _, n := range julep.PlanPull(rep, t0).New {
		s.recs[n.Name] = n
	}
	_, p = plan(t, r, s, julep.PushOptions{Force: true})
	if got, want := describe(p), []string{"update BRAVE_API_KEY"}; !slices.Equal(got, want) {
		t.Fatalf("forced plan = %v, want %v", got, want)
	}
	if err := push(ctx, r, s, p, true); err != nil {
		t.Fatal(err)
	}
	assertLanded(t, srv, map[string]string{"BRAVE_API_KEY": "b-1", "SOMEONE_ELSES": "x"})
	rep, p = plan(t, r, s, julep.PushOptions{Prune: true})
	if len(p.Actions) != 0 {
		t.Errorf("final plan = %v, want nothing", describe(p))
	}
	if s := byName(rep)["SOMEONE_ELSES"]; s.State != julep.InStep || !s.NoValue {
		t.Errorf("pulled secret = %v, NoValue %v; want in step without a value", s.State, s.NoValue)
	}
}

func TestPushV3(t *testing.T) {
	ctx := context.Background()
	srv := juleptest.NewV3(t)
	r := julep.NewV3(srv.URL, juleptest.DefaultKey, opts(&sleeper{}))
	s := newStore(map[string]string{"openai_api_key": "sk-1", "BRAVE_API_KEY": "b-1"})
	srv.Inject(juleptest.Fault{Kind: juleptest.CutAfter, Method: "PUT"})
	_, p := plan(t, r, s, julep.PushOptions{})
	if got, want := describe(p), []string{"create openai_api_key", "skip BRAVE_API_KEY"}; !slices.Equal(got, want) {
		t.Fatalf("plan = %v, want %v", got, want)
	}
	if err := push(ctx, r, s, p, true); err != nil {
		t.Fatalf("push = %v, want the cut PUT retried", err)
	}
	assertLanded(t, srv, map[string]string{"openai_api_key": "sk-1"})
	srv.Seed("openai_api_key", "rotated-elsewhere")
	if st := byName(julep.Compare(r, s.list(), mustList(t, r)))["openai_api_key"]; st.State != julep.RemoteChanged {
		t.Errorf("after a write elsewhere: %v, want changed remotely", st.State)
	}
}

func mustList(t *testing.T, r julep.Remote) []julep.RemoteSecret {
	t.Helper()
	l, err := r.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// failingLocal is a store whose value reads fail for the names in bad.
type failingLocal struct {
	*store
	bad map[string]bool
}

func (f failingLocal) Value(ctx context.Context, name string) (string, error) {
	if f.bad[name] {
		return "", errors.New("the keyring is locked")
	}
	return f.store.Value(ctx, name)
}

func TestPushReportsEveryStep(t *testing.T) {
	ctx := context.Background()
	srv := juleptest.NewV1(t)
	r := julep.NewV1(srv.URL, juleptest.DefaultKey, opts(&sleeper{}))
	s := newStore(map[string]string{"A_KEY": "a-1", "B_KEY": "b-1", "C_KEY": "c-1"})
	_, p := plan(t, r, s, julep.PushOptions{})
	var seen []string
	res := julep.Push(ctx, r, failingLocal{s, map[string]bool{"B_KEY": true}}, p, nil, func(i, n int, a julep.Action) {
		seen = append(seen, fmt.Sprintf("%d/%d %s", i, n, a.Name))
	})
	if !slices.Equal(seen, []string{"1/3 A_KEY", "2/3 B_KEY", "3/3 C_KEY"}) {
		t.Errorf("progress = %v", seen)
	}
	got := map[string]julep.Outcome{}
	for _, st := range res.Steps {
		got[st.Action.Name] = st.Outcome
	}
	if got["A_KEY"] != julep.Done || got["B_KEY"] != julep.Failed || got["C_KEY"] != julep.Done || res.OK() {
		t.Fatalf("outcomes = %v, OK %v; want B_KEY failed and the others done", got, res.OK())
	}
	if _, ok := srv.Value("B_KEY"); ok {
		t.Error("a step whose value could not be read was sent")
	}
	if st, ok := s.recs["A_KEY"].SyncFor(r.Target()); !ok || julep.IsPending(st) {
		t.Errorf("A_KEY's sync state = %+v, %v; want a completed push", st, ok)
	}

	// A rejected key stops the push: the rest is reported, not tried.
	s2 := newStore(map[string]string{"D_KEY": "d-1", "E_KEY": "e-1"})
	_, p2 := plan(t, r, s2, julep.PushOptions{})
	srv.SetKey("another-key")
	before := srv.Count("POST", "/secrets")
	res = julep.Push(ctx, r, s2, p2, nil, nil)
	if res.Steps[0].Outcome != julep.Failed || !errors.Is(res.Steps[0].Err, julep.ErrUnauthorized) ||
		res.Steps[1].Outcome != julep.Skipped || res.Steps[1].Err == nil {
		t.Fatalf("steps after a rejected key = %+v", res.Steps)
	}
	if n := srv.Count("POST", "/secrets") - before; n != 1 {
		t.Errorf("%d POSTs after the key was rejected, want 1", n)
	}
}
