package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/julep/juleptest"
)

// newSyncHarness is the fixture with P wired to a stand-in Julep v1 account.
func newSyncHarness(t *testing.T) (*harness, *juleptest.V1) {
	t.Helper()
	srv := juleptest.NewV1(t)
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Julep = func(context.Context) (julep.Remote, string, error) {
			return julep.NewV1(srv.URL, juleptest.DefaultKey, julep.Options{Retries: -1}), "", nil
		}
	})
	return h, srv
}

func TestPushSelectedSecret(t *testing.T) {
	h, srv := newSyncHarness(t)
	h.selectName("GITHUB_TOKEN")
	if !strings.Contains(h.screen(), "julep     never pushed") {
		t.Fatalf("the detail pane does not say it was never pushed:\n%s", h.screen())
	}
	h.keys("P")
	if h.a.mode != modeConfirm || !strings.Contains(h.a.confirm.prompt, "Push to v1 "+srv.URL+"? y/N · create GITHUB_TOKEN") {
		t.Fatalf("mode %v, prompt %q; want the plan to confirm", h.a.mode, h.a.confirm.prompt)
	}
	if n := srv.Count("POST", "/secrets"); n != 0 {
		t.Fatalf("%d POSTs before the answer", n)
	}
	h.keys("y")
	if got, ok := srv.Value("GITHUB_TOKEN"); !ok || got != "fake-github-value-0002-GHTK" {
		t.Fatalf("the account holds %q, %v", got, ok)
	}
	if want := "pushed 1 of 1 to v1 " + srv.URL; h.a.status.text != want {
		t.Errorf("status = %q, want %q", h.a.status.text, want)
	}
	if _, ok := srv.Value("STRIPE_API_KEY"); ok {
		t.Error("P pushed more than the selected secret")
	}
	rec := h.get("GITHUB_TOKEN")
	if st, ok := rec.SyncFor("v1 " + srv.URL); !ok || julep.IsPending(st) || st.Version != 1 {
		t.Fatalf("sync state = %+v, %v", st, ok)
	}
	screen := h.screen()
	if !strings.Contains(screen, "> ✓ GITHUB_TOKEN") || !strings.Contains(screen, "version 1 pushed") {
		t.Errorf("the list mark or the detail pane does not show the push:\n%s", screen)
	}
	if strings.Contains(screen, "fake-github-value") {
		t.Error("the value reached the screen")
	}

	// Pushing again: nothing to do.
	h.keys("P")
	if h.a.mode == modeConfirm || !strings.Contains(h.a.status.text, "nothing to push") {
		t.Errorf("a second P: mode %v, status %q", h.a.mode, h.a.status.text)
	}
}

func TestPushFilteredAndRefused(t *testing.T) {
	h, srv := newSyncHarness(t)
	h.keys("/")
	h.typeText("env=prod")
	h.keys("enter")
	h.keys("P")
	p := h.a.confirm.prompt
	if !strings.Contains(p, "create GITHUB_TOKEN") || !strings.Contains(p, "create STRIPE_API_KEY") || strings.Contains(p, "OPENAI") {
		t.Fatalf("prompt = %q; want the two env=prod secrets only", p)
	}
	h.keys("n")
	if n := srv.Count("POST", "/secrets"); n != 0 || h.a.status.text != "nothing was pushed" {
		t.Fatalf("after n: %d POSTs, status %q", n, h.a.status.text)
	}

	// A rejected key: every step is reported, none hidden.
	srv.SetKey("another-key")
	h.keys("P")
	if !strings.Contains(h.a.status.text, "cannot plan the push") || !strings.Contains(h.a.status.text, "the API key was rejected") {
		t.Fatalf("status = %q", h.a.status.text)
	}
	if strings.Contains(h.a.status.text, juleptest.DefaultKey) {
		t.Error("the key reached the status line")
	}
	srv.SetKey(juleptest.DefaultKey)
	h.keys("P")
	srv.SetKey("another-key") // between the plan and the push
	h.keys("y")
	s := h.a.status.text
	if !strings.HasPrefix(s, "pushed 0 of 2 to v1 ") || !strings.Contains(s, "failed: ") || !strings.Contains(s, "not tried") {
		t.Errorf("status after a failed push = %q; want each step reported", s)
	}
	if h.a.busy != "" {
		t.Errorf("still busy: %q", h.a.busy)
	}
}

func TestPushWithoutAccount(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("P")
	if h.a.mode == modeConfirm || !strings.Contains(h.a.status.text, "no Julep account") {
		t.Fatalf("mode %v, status %q", h.a.mode, h.a.status.text)
	}
}

func TestSyncMarkAfterRotate(t *testing.T) {
	h, _ := newSyncHarness(t)
	h.selectName("SENTRY_DSN")
	h.keys("P", "y")
	h.keys("r")
	h.typeText("fake-sentry-rotated-0005")
	h.keys("enter", "y")
	if !strings.Contains(h.screen(), "> ↑ SENTRY_DSN") {
		t.Fatalf("after a rotate the list does not mark the local change:\n%s", h.screen())
	}
	rec := h.get("SENTRY_DSN")
	lines := syncLines(&rec, h.clock)
	if len(lines) != 1 || !strings.Contains(lines[0], "version 1 pushed 0m ago; value changed (version 2, pushed 1); P pushes") {
		t.Fatalf("detail lines = %q", lines)
	}
}

func TestPushPulledRecordWithoutValue(t *testing.T) {
	h, srv := newSyncHarness(t)
	srv.Seed("DASHBOARD_TOKEN", "dash-value", "made in the dashboard", nil)
	// Pull it as 'keyward julep pull' does.
	ctx := context.Background()
	remote, _, _ := h.a.julep(ctx)
	list, err := remote.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pull := julep.PlanPull(julep.Compare(remote, nil, list), h.clock)
	if len(pull.New) != 1 {
		t.Fatalf("pull plan = %+v", pull)
	}
	if _, err := h.store.AddRecord(ctx, pull.New[0]); err != nil {
		t.Fatal(err)
	}
	h.keys("ctrl+r")
	h.selectName("DASHBOARD_TOKEN")
	if scr := h.screen(); !strings.Contains(scr, "> ∅ DASHBOARD_TOKEN") || !strings.Contains(scr, "value     none yet") {
		t.Fatalf("a pulled record is not marked:\n%s", scr)
	}
	h.keys("P")
	if h.a.mode == modeConfirm || !strings.Contains(h.a.status.text, "DASHBOARD_TOKEN has no local value yet: r sets its first one") {
		t.Fatalf("P on a pulled record: mode %v, status %q", h.a.mode, h.a.status.text)
	}
	h.keys("v")
	if !strings.Contains(h.a.status.text+h.screen(), "no local value yet") {
		t.Errorf("v on a pulled record does not say why:\n%s", h.screen())
	}
	// r sets its first value; then P pushes it over the dashboard's.
	h.keys("r")
	h.typeText("fake-first-local-value-0009")
	h.keys("enter", "y")
	if h.a.status.text != "set the first value of DASHBOARD_TOKEN (version 1)" {
		t.Fatalf("status after r = %q", h.a.status.text)
	}
	h.keys("P")
	if !strings.Contains(h.a.confirm.prompt, "update DASHBOARD_TOKEN") {
		t.Fatalf("prompt = %q", h.a.confirm.prompt)
	}
	h.keys("y")
	if got, _ := srv.Value("DASHBOARD_TOKEN"); got != "fake-first-local-value-0009" {
		t.Fatalf("the account holds %q", got)
	}
}
