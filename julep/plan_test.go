package julep_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/model"
)

var (
	t0     = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	v1Acct = julep.NewV1(julep.ProductionURL, "unused", julep.Options{})
	v3Acct = julep.NewV3("http://127.0.0.1:8000", "unused", julep.Options{})
	newerT = t0.Add(time.Hour)
	idOf   = func(n int) string { return fmt.Sprintf("0190a000-0000-7000-8000-%012x", n) }
	secret = func(name string, version int) model.Secret {
		return model.Secret{Name: name, Version: version, CreatedAt: t0}
	}
	remote1 = func(name string, n int) julep.RemoteSecret {
		return julep.RemoteSecret{ID: idOf(n), Name: name, CreatedAt: t0.Add(time.Duration(n) * time.Second), UpdatedAt: t0}
	}
)

// pushed returns s with the sync state a successful push of s to acct
// answered by r would record.
func pushed(acct julep.Account, s model.Secret, r julep.RemoteSecret) model.Secret {
	return s.WithSync(julep.StateAfterPush(acct, s, r, t0))
}

func byName(rep julep.Report) map[string]julep.Status {
	m := map[string]julep.Status{}
	for _, s := range rep.Statuses {
		m[s.Name] = s
	}
	return m
}

func TestCompareV1(t *testing.T) {
	var local []model.Secret
	var remote []julep.RemoteSecret
	add := func(l *model.Secret, r *julep.RemoteSecret) {
		if l != nil {
			local = append(local, *l)
		}
		if r != nil {
			remote = append(remote, *r)
		}
	}

	a, ra := secret("IN_STEP", 1), remote1("IN_STEP", 1)
	add(ptr(pushed(v1Acct, a, ra)), &ra)

	add(ptr(secret("LOCAL_ONLY", 1)), nil)
	add(nil, ptr(remote1("REMOTE_ONLY", 3)))

	v, rv := secret("VALUE_CHANGED", 1), remote1("VALUE_CHANGED", 4)
	v = pushed(v1Acct, v, rv)
	v.Version = 2
	add(&v, &rv)

	md, rmd := secret("META_CHANGED", 1), remote1("META_CHANGED", 5)
	md = pushed(v1Acct, md, rmd)
	md.Metadata = map[string]string{"env": "prod"}
	add(&md, &rmd)

	rc, rrc := secret("REMOTE_CHANGED", 1), remote1("REMOTE_CHANGED", 6)
	rc = pushed(v1Acct, rc, rrc)
	rrc.UpdatedAt, rrc.Description = newerT, "edited in the dashboard"
	add(&rc, &rrc)

	c, rcf := secret("CONFLICT", 1), remote1("CONFLICT", 7)
	c = pushed(v1Acct, c, rcf)
	c.Version = 3
	rcf.UpdatedAt = newerT
	add(&c, &rcf)

	add(ptr(secret("NEVER_SYNCED", 1)), ptr(remote1("NEVER_SYNCED", 8)))

	rn, rrn := secret("OLD_NAME", 1), remote1("OLD_NAME", 9)
	rn = pushed(v1Acct, rn, rrn)
	rn.Name = "NEW_NAME"
	add(&rn, &rrn)

	nv, rnv := secret("PULLED", 1), remote1("PULLED", 10)
	nv.NoValue = true
	add(ptr(pushed(v1Acct, nv, rnv)), &rnv)

	in, rin := secret("INTERRUPTED", 1), remote1("INTERRUPTED", 11)
	add(ptr(in.WithSync(julep.PendingState(v1Acct, in, "", t0))), &rin)

	pc := secret("PENDING_CREATE_LOST", 1)
	add(ptr(pc.WithSync(julep.PendingState(v1Acct, pc, "", t0))), nil)

	add(ptr(pushed(v1Acct, secret("GONE", 1), remote1("GONE", 12))), nil)

	re, rre := secret("RECREATED", 1), remote1("RECREATED", 13)
	re = pushed(v1Acct, re, rre)
	add(&re, ptr(remote1("RECREATED", 14)))

	// A push to another account says nothing about this one.
	other := julep.NewV1(julep.DevURL, "k", julep.Options{})
	oa, roa := secret("OTHER_ACCOUNT", 1), remote1("OTHER_ACCOUNT", 15)
	add(ptr(pushed(other, oa, roa)), &roa)

	rep := julep.Compare(v1Acct, local, remote)
	if rep.Target != "v1 https://api.julep.ai/api" || !rep.KeepsMetadata || rep.Platform != julep.V1 {
		t.Errorf("Compare report for %q, %v, %v", rep.Target, rep.Platform, rep.KeepsMetadata)
	}
	tests := []struct {
		name  string
		state julep.State
		check func(s julep.Status) string
	}{
		{"IN_STEP", julep.InStep, nil},
		{"LOCAL_ONLY", julep.LocalOnly, func(s julep.Status) string { return cond(s.Gone, "Gone") }},
		{"REMOTE_ONLY", julep.RemoteOnly, func(s julep.Status) string { return cond(s.Local != nil, "has Local") }},
		{"VALUE_CHANGED", julep.LocalNewer, func(s julep.Status) string {
			return cond(!strings.Contains(s.Why, "version 2, pushed 1"), "Why "+s.Why)
		}},
		{"META_CHANGED", julep.LocalNewer, func(s julep.Status) string { return cond(!s.RecordDiffers, "RecordDiffers false") }},
		{"REMOTE_CHANGED", julep.RemoteChanged, func(s julep.Status) string { return cond(!s.RecordDiffers, "RecordDiffers false") }},
		{"CONFLICT", julep.Conflict, nil},
		{"NEVER_SYNCED", julep.NeverSynced, func(s julep.Status) string { return cond(s.Sync != nil, "has Sync") }},
		{"NEW_NAME", julep.LocalNewer, func(s julep.Status) string { return cond(s.RenamedFrom != "OLD_NAME", "RenamedFrom "+s.RenamedFrom) }},
		{"PULLED", julep.InStep, func(s julep.Status) string { return cond(!s.NoValue, "NoValue false") }},
		{"INTERRUPTED", julep.Interrupted, nil},
		{"PENDING_CREATE_LOST", julep.LocalOnly, func(s julep.Status) string { return cond(s.Gone, "Gone") }},
		{"GONE", julep.LocalOnly, func(s julep.Status) string { return cond(!s.Gone, "not Gone") }},
		{"RECREATED", julep.NeverSynced, nil},
		{"OTHER_ACCOUNT", julep.NeverSynced, nil},
	}
	got := byName(rep)
	if len(got) != len(tests) {
		t.Errorf("Compare returned %d statuses, want %d", len(got), len(tests))
	}
	for _, tt := range tests {
		s, ok := got[tt.name]
		if !ok {
			t.Errorf("Compare: no status for %s", tt.name)
			continue
		}
		if s.State != tt.state {
			t.Errorf("Compare(%s) = %v (%s), want %v", tt.name, s.State, s.Why, tt.state)
		}
		if tt.check != nil {
			if bad := tt.check(s); bad != "" {
				t.Errorf("Compare(%s): %s", tt.name, bad)
			}
		}
		if s.NameErr != nil {
			t.Errorf("Compare(%s).NameErr = %v, want nil on v1", tt.name, s.NameErr)
		}
	}
	if names := statusNames(rep); !slices.IsSorted(names) {
		t.Errorf("statuses are not sorted by name: %v", names)
	}
}

func TestCompareV3(t *testing.T) {
	r := julep.RemoteSecret{Name: "openai_api_key", CreatedAt: t0, UpdatedAt: t0, Generation: 3}
	inStep := pushed(v3Acct, secret("openai_api_key", 1), r)
	inStep.Metadata = map[string]string{"only": "local"} // not pushed on Julep 3: no change
	moved := pushed(v3Acct, secret("moved", 1), julep.RemoteSecret{Name: "moved", Generation: 1, UpdatedAt: t0})
	rep := julep.Compare(v3Acct, []model.Secret{inStep, moved, secret("UPPER_CASE", 1)}, []julep.RemoteSecret{
		r, {Name: "moved", Generation: 2, UpdatedAt: t0}})
	got := byName(rep)
	if s := got["openai_api_key"]; s.State != julep.InStep || s.RecordDiffers {
		t.Errorf("Compare(openai_api_key) = %v, RecordDiffers %v; want in step (metadata stays local)", s.State, s.RecordDiffers)
	}
	if s := got["moved"]; s.State != julep.RemoteChanged || !strings.Contains(s.Why, "generation 2, pushed 1") {
		t.Errorf("Compare(moved) = %v (%s), want changed remotely by generation", s.State, s.Why)
	}
	var ne *julep.NameError
	if s := got["UPPER_CASE"]; s.State != julep.LocalOnly || !errors.As(s.NameErr, &ne) || ne.Suggestion != "upper_case" {
		t.Errorf("Compare(UPPER_CASE) = %v, %v; want local only with a NameError suggesting upper_case", s.State, s.NameErr)
	}
	if st, _ := inStep.SyncFor(v3Acct.Target()); st.RemoteID != "" || st.Fingerprint != "" || st.Generation != 3 {
		t.Errorf("StateAfterPush on v3 = %+v, want no id, no fingerprint, generation 3", st)
	}
}

func TestPlanPush(t *testing.T) {
	// One of each state that a push acts on.
	var local []model.Secret
	var remote []julep.RemoteSecret
	v, rv := secret("VALUE_CHANGED", 1), remote1("VALUE_CHANGED", 1)
	v = pushed(v1Acct, v, rv)
	v.Version = 2
	rc, rrc := secret("REMOTE_CHANGED", 1), remote1("REMOTE_CHANGED", 2)
	rc = pushed(v1Acct, rc, rrc)
	rrc.UpdatedAt = newerT
	rn, rrn := secret("OLD_NAME", 1), remote1("OLD_NAME", 3)
	rn = pushed(v1Acct, rn, rrn)
	rn.Name = "NEW_NAME"
	nv := secret("NO_VALUE", 1)
	nv.NoValue = true
	in, rin := secret("INTERRUPTED", 1), remote1("INTERRUPTED", 6)
	in = in.WithSync(julep.PendingState(v1Acct, in, "", t0))
	local = append(local, v, rc, rn, nv, in, secret("LOCAL_ONLY", 1), secret("NEVER_SYNCED", 1))
	remote = append(remote, rv, rrc, rrn, remote1("REMOTE_ONLY", 4), remote1("NEVER_SYNCED", 5), rin)
	rep := julep.Compare(v1Acct, local, remote)

	tests := []struct {
		opt  julep.PushOptions
		want []string
	}{
		{julep.PushOptions{}, []string{
			"update INTERRUPTED", "update NEW_NAME from OLD_NAME", "update VALUE_CHANGED", "create LOCAL_ONLY",
			"skip NEVER_SYNCED", "skip NO_VALUE", "skip REMOTE_CHANGED", "skip REMOTE_ONLY"}},
		{julep.PushOptions{Force: true}, []string{
			"update INTERRUPTED", "update NEVER_SYNCED", "update NEW_NAME from OLD_NAME", "update REMOTE_CHANGED", "update VALUE_CHANGED",
			"create LOCAL_ONLY", "skip NO_VALUE", "skip REMOTE_ONLY"}},
		{julep.PushOptions{Prune: true}, []string{
			"delete REMOTE_ONLY", "update INTERRUPTED", "update NEW_NAME from OLD_NAME", "update VALUE_CHANGED", "create LOCAL_ONLY",
			"skip NEVER_SYNCED", "skip NO_VALUE", "skip REMOTE_CHANGED"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.opt), func(t *testing.T) {
			plan := julep.PlanPush(rep, tt.opt)
			if got := describe(plan); !slices.Equal(got, tt.want) {
				t.Errorf("PlanPush(%+v) =\n%s\nwant\n%s", tt.opt, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, a := range plan.Actions {
				if a.Kind == julep.Update && a.Remote.ID == "" {
					t.Errorf("update %s has no remote id", a.Name)
				}
				if a.Kind == julep.Skip && a.Reason == "" {
					t.Errorf("skip %s has no reason", a.Name)
				}
				if a.Name == "NO_VALUE" && !strings.Contains(a.Reason, "no local value") {
					t.Errorf("skip NO_VALUE reason = %q", a.Reason)
				}
				if a.Name == "NEVER_SYNCED" && a.Kind == julep.Skip && !strings.Contains(a.Hint, "--force") {
					t.Errorf("skip NEVER_SYNCED hint = %q, want --force", a.Hint)
				}
			}
			if plan.Hidden != nil || plan.Warnings != nil {
				t.Errorf("PlanPush warned %v for 8 secrets", plan.Warnings)
			}
		})
	}
}

func TestPlanPushNames(t *testing.T) {
	// Julep 3 refuses keyward's usual names: skipped, with the rename.
	rep := julep.Compare(v3Acct, []model.Secret{secret("OPENAI_API_KEY", 1), secret("ok_name", 1)}, nil)
	plan := julep.PlanPush(rep, julep.PushOptions{Force: true})
	if got, want := describe(plan), []string{"create ok_name", "skip OPENAI_API_KEY"}; !slices.Equal(got, want) {
		t.Errorf("PlanPush on v3 = %v, want %v", got, want)
	}
	if r := plan.Actions[1].Reason; !strings.Contains(r, "--rename openai_api_key") {
		t.Errorf("skip reason = %q, want the rename hint", r)
	}

	// A rename onto a name the account still holds would 409 half-way.
	a, ra := secret("A", 1), remote1("A", 1)
	a = pushed(v1Acct, a, ra)
	a.Name = "B"
	local := []model.Secret{a}
	remote := []julep.RemoteSecret{ra, remote1("B", 2)}
	tests := []struct {
		name   string
		local  []model.Secret
		remote []julep.RemoteSecret
		opt    julep.PushOptions
		want   []string
	}{
		{"rename onto a remote-only name", local, remote, julep.PushOptions{}, []string{"skip B", "skip B"}},
		{"pruned first", local, remote, julep.PushOptions{Prune: true}, []string{"delete B", "update B from A"}},
		{"swap", swap(), []julep.RemoteSecret{remote1("X", 1), remote1("Y", 2)}, julep.PushOptions{}, []string{"skip X", "skip Y"}},
		{"chain ordered", chain(), []julep.RemoteSecret{remote1("P", 1), remote1("Q", 2)}, julep.PushOptions{}, []string{"update R from Q", "update Q from P"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := julep.PlanPush(julep.Compare(v1Acct, tt.local, tt.remote), tt.opt)
			if got := describe(plan); !slices.Equal(got, tt.want) {
				t.Errorf("PlanPush = %v, want %v", got, tt.want)
			}
		})
	}
}

// swap renames X to Y and Y to X.
func swap() []model.Secret {
	x := pushed(v1Acct, secret("X", 1), remote1("X", 1))
	y := pushed(v1Acct, secret("Y", 1), remote1("Y", 2))
	x.Name, y.Name = "Y", "X"
	return []model.Secret{x, y}
}

// chain renames P to Q and Q to R: Q must move first.
func chain() []model.Secret {
	p := pushed(v1Acct, secret("P", 1), remote1("P", 1))
	q := pushed(v1Acct, secret("Q", 1), remote1("Q", 2))
	p.Name, q.Name = "Q", "R"
	return []model.Secret{p, q}
}

func TestPlanPushVisibleLimit(t *testing.T) {
	tracked := func(n int) ([]model.Secret, []julep.RemoteSecret) {
		var l []model.Secret
		var r []julep.RemoteSecret
		for i := range n {
			rs := remote1(fmt.Sprintf("R%03d", i), i+1) // R000 is the oldest
			r = append(r, rs)
			l = append(l, pushed(v1Acct, secret(rs.Name, 1), rs))
		}
		return l, r
	}
	creates := func(names ...string) []model.Secret {
		var l []model.Secret
		for _, n := range names {
			l = append(l, secret(n, 1))
		}
		return l
	}
	tests := []struct {
		name    string
		tracked int
		new     []string
		extra   []julep.RemoteSecret // remote-only
		opt     julep.PushOptions
		hidden  []string
	}{
		{"exactly 100", 97, []string{"N1", "N2", "N3"}, nil, julep.PushOptions{}, nil},
		{"101", 98, []string{"N1", "N2", "N3"}, nil, julep.PushOptions{}, []string{"R000"}},
		{"103", 98, []string{"N1", "N2", "N3", "N4", "N5"}, nil, julep.PushOptions{}, []string{"R002", "R001", "R000"}},
		{"remote-only counts", 99, []string{"N1"}, []julep.RemoteSecret{remote1("OLD", 0)}, julep.PushOptions{}, []string{"OLD"}},
		{"pruned does not", 99, []string{"N1"}, []julep.RemoteSecret{remote1("OLD", 0)}, julep.PushOptions{Prune: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, r := tracked(tt.tracked)
			plan := julep.PlanPush(julep.Compare(v1Acct, append(l, creates(tt.new...)...), append(r, tt.extra...)), tt.opt)
			if !slices.Equal(plan.Hidden, tt.hidden) {
				t.Errorf("Hidden = %v, want %v", plan.Hidden, tt.hidden)
			}
			if (len(plan.Warnings) > 0) != (tt.hidden != nil) {
				t.Fatalf("Warnings = %v, want one only when something is hidden", plan.Warnings)
			}
			for _, h := range tt.hidden {
				if !strings.Contains(plan.Warnings[0], h) {
					t.Errorf("warning %q does not name %s", plan.Warnings[0], h)
				}
			}
		})
	}

	t.Run("new ones count as newest, the first created oldest", func(t *testing.T) {
		var names []string
		for i := range 102 {
			names = append(names, fmt.Sprintf("C%03d", i))
		}
		plan := julep.PlanPush(julep.Compare(v1Acct, creates(names...), nil), julep.PushOptions{})
		if want := []string{"C001", "C000"}; !slices.Equal(plan.Hidden, want) {
			t.Errorf("Hidden = %v, want %v", plan.Hidden, want)
		}
	})
	t.Run("no limit on Julep 3", func(t *testing.T) {
		var l []model.Secret
		for i := range 150 {
			l = append(l, secret(fmt.Sprintf("s%03d", i), 1))
		}
		if plan := julep.PlanPush(julep.Compare(v3Acct, l, nil), julep.PushOptions{}); plan.Hidden != nil || plan.Count(julep.Create) != 150 {
			t.Errorf("PlanPush on v3: Hidden %v, %d creates; want none hidden and 150 creates", plan.Hidden, plan.Count(julep.Create))
		}
	})
}

func TestPlanPull(t *testing.T) {
	r := julep.RemoteSecret{ID: idOf(1), Name: "BRAVE_API_KEY", Description: "search", Metadata: map[string]string{"link": "https://brave.com"},
		CreatedAt: t0, UpdatedAt: newerT}
	tracked, rt := secret("TRACKED", 1), remote1("TRACKED", 2)
	tracked = pushed(v1Acct, tracked, rt)
	rep := julep.Compare(v1Acct, []model.Secret{tracked}, []julep.RemoteSecret{r, rt})
	pull := julep.PlanPull(rep, t0)
	if len(pull.New) != 1 || len(pull.Skipped) != 0 {
		t.Fatalf("PlanPull = %+v, want one new record", pull)
	}
	got := pull.New[0]
	if got.Name != "BRAVE_API_KEY" || !got.NoValue || got.Description != "search" || got.Metadata["link"] != "https://brave.com" || got.Version != 0 {
		t.Errorf("PlanPull record = %+v", got)
	}
	// Once stored, it reads as in step, with no local value; a push
	// leaves it alone, and a local change to it cannot be pushed.
	s := byName(julep.Compare(v1Acct, []model.Secret{tracked, got}, []julep.RemoteSecret{r, rt}))["BRAVE_API_KEY"]
	if s.State != julep.InStep || !s.NoValue || s.RecordDiffers {
		t.Errorf("pulled record compares as %v, NoValue %v, RecordDiffers %v; want in step, no value", s.State, s.NoValue, s.RecordDiffers)
	}
	got.Description = "changed"
	plan := julep.PlanPush(julep.Compare(v1Acct, []model.Secret{tracked, got}, []julep.RemoteSecret{r, rt}), julep.PushOptions{Force: true})
	if d := describe(plan); !slices.Equal(d, []string{"skip BRAVE_API_KEY"}) {
		t.Errorf("PlanPush of a changed pulled record = %v, want a skip", d)
	}

	// Julep 3: no metadata; a name keyward cannot hold is skipped.
	rep3 := julep.Compare(v3Acct, nil, []julep.RemoteSecret{{Name: "good_key", Generation: 4, UpdatedAt: t0}, {Name: "has-dash", Generation: 1, UpdatedAt: t0}})
	pull = julep.PlanPull(rep3, t0)
	if len(pull.New) != 1 || pull.New[0].Name != "good_key" || len(pull.Skipped) != 1 || pull.Skipped[0].Name != "has-dash" {
		t.Fatalf("PlanPull on v3 = %+v, want good_key pulled and has-dash skipped", pull)
	}
	if st, _ := pull.New[0].SyncFor(v3Acct.Target()); st.Generation != 4 {
		t.Errorf("pulled sync state = %+v, want generation 4", st)
	}
	if s := byName(julep.Compare(v3Acct, pull.New, []julep.RemoteSecret{{Name: "good_key", Generation: 4, UpdatedAt: t0}}))["good_key"]; s.State != julep.InStep {
		t.Errorf("pulled v3 record compares as %v, want in step", s.State)
	}
}

func describe(p julep.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		s := a.Kind.String() + " " + a.Name
		if a.From != "" && a.Kind == julep.Update {
			s += " from " + a.From
		}
		out = append(out, s)
	}
	return out
}

func statusNames(rep julep.Report) []string {
	var out []string
	for _, s := range rep.Statuses {
		out = append(out, s.Name)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func cond(bad bool, msg string) string {
	if bad {
		return msg
	}
	return ""
}

func TestPlanPushOnly(t *testing.T) {
	acct := julep.NewV1("http://127.0.0.1:9/api", "k", julep.Options{})
	var local []model.Secret
	var remote []julep.RemoteSecret
	for i := range 101 {
		remote = append(remote, julep.RemoteSecret{ID: fmt.Sprintf("id-%03d", i), Name: fmt.Sprintf("OLD_%03d", i),
			CreatedAt: t0.Add(time.Duration(i) * time.Minute), UpdatedAt: t0})
	}
	local = append(local, model.Secret{Name: "NEW_ONE", Version: 1}, model.Secret{Name: "NEW_TWO", Version: 1})
	rep := julep.Compare(acct, local, remote)
	only := func(s julep.Status) bool { return s.Name == "NEW_ONE" || s.Name == "OLD_000" }
	p := julep.PlanPush(rep, julep.PushOptions{Prune: true, Only: only})
	var got []string
	for _, a := range p.Actions {
		got = append(got, a.Kind.String()+" "+a.Name)
	}
	if want := []string{"delete OLD_000", "create NEW_ONE"}; !slices.Equal(got, want) {
		t.Errorf("plan with Only = %v, want %v: names outside it are left alone, even with Prune", got, want)
	}
	// 101 - 1 deleted + 1 created = 101: the out-of-scope remote secrets
	// still count, so the oldest remaining one is hidden from tasks.
	if !slices.Equal(p.Hidden, []string{"OLD_001"}) {
		t.Errorf("hidden = %v, want [OLD_001]", p.Hidden)
	}
}
