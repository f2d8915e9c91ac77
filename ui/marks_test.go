package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/keyring"
)

// markNames marks each name with space.
func (h *harness) markNames(names ...string) {
	h.t.Helper()
	for _, n := range names {
		h.selectName(n)
		h.keys("space")
	}
}

func TestMarksSpaceStarEsc(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("GITHUB_TOKEN")
	h.keys("space")
	if !h.a.marks["GITHUB_TOKEN"] || h.selected() != "OPENAI_API_KEY" {
		t.Fatalf("space: marks %v, selected %s; want GITHUB_TOKEN marked and the cursor one down", h.a.marks, h.selected())
	}
	h.keys("space", "k", "k", "space") // mark OPENAI, then unmark GITHUB
	if h.a.marks["GITHUB_TOKEN"] || !h.a.marks["OPENAI_API_KEY"] || len(h.a.marks) != 1 {
		t.Fatalf("marks %v, want OPENAI_API_KEY only", h.a.marks)
	}
	screen := h.screen()
	if header := strings.Split(screen, "\n")[0]; !strings.Contains(header, "1 marked · 4 of 4") {
		t.Errorf("header %q lacks the count of marks", header)
	}
	if row := lineWith(screen, "OPENAI_API_KEY env=staging"); !strings.Contains(row, "*  OPENAI_API_KEY") {
		t.Errorf("the marked row %q has no mark", row)
	}
	if row := lineWith(screen, "STRIPE_API_KEY env=prod"); row == "" || strings.Contains(row, "*") {
		t.Errorf("an unmarked row %q has a mark", row)
	}

	// * marks what the filter shows; esc clears the marks, then the filter.
	h.keys("/")
	h.typeText("env=prod")
	h.keys("enter", "*")
	if len(h.a.marks) != 3 || !h.a.marks["GITHUB_TOKEN"] || !h.a.marks["STRIPE_API_KEY"] {
		t.Fatalf("* with env=prod: marks %v", h.a.marks)
	}
	h.keys("esc")
	if len(h.a.marks) != 0 || h.a.filter.Value() != "env=prod" {
		t.Fatalf("first esc: marks %v, filter %q; want no marks and the filter kept", h.a.marks, h.a.filter.Value())
	}
	h.keys("esc")
	if h.a.filter.Value() != "" {
		t.Fatalf("second esc: filter %q, want cleared", h.a.filter.Value())
	}
}

func TestMarksFollowRenameAndDelete(t *testing.T) {
	h := newHarness(t, fixture())
	h.markNames("GITHUB_TOKEN", "SENTRY_DSN")
	h.selectName("GITHUB_TOKEN")
	h.keys("e", "ctrl+u")
	h.typeText("GH_TOKEN")
	h.keys("enter")
	h.selectName("SENTRY_DSN")
	if err := h.store.Delete(context.Background(), "SENTRY_DSN"); err != nil {
		t.Fatal(err)
	}
	h.keys("ctrl+r")
	if !h.a.marks["GH_TOKEN"] || h.a.marks["GITHUB_TOKEN"] || h.a.marks["SENTRY_DSN"] || len(h.a.marks) != 1 {
		t.Fatalf("marks %v, want GH_TOKEN only (renamed; the deleted one dropped)", h.a.marks)
	}
}

// A rotation session: three marked secrets, one value typed, one
// generated, one skipped; nothing is written before the one y; the
// summary names each; R then rolls the session back.
func TestRotationSession(t *testing.T) {
	h := newHarness(t, fixture())
	h.markNames("GITHUB_TOKEN", "OPENAI_API_KEY", "SENTRY_DSN")
	h.keys("r")
	if h.a.mode != modeRotate || h.a.form == nil || h.a.form.orig.Name != "GITHUB_TOKEN" {
		t.Fatalf("r with marks: mode %v, want the rotate form on GITHUB_TOKEN", h.a.mode)
	}
	if s := h.screen(); !strings.Contains(s, "Rotate GITHUB_TOKEN · 1 of 3") || !strings.Contains(s, "value set 20d ago · used by no task") {
		t.Fatalf("the session's form does not say which secret, how far, its age and use:\n%s", s)
	}
	h.keys("enter") // no value yet: stays
	if h.a.form == nil || h.a.form.orig.Name != "GITHUB_TOKEN" || !strings.Contains(h.a.status.text, "ctrl+x skips") {
		t.Fatalf("enter without a value moved on; status %q", h.a.status.text)
	}
	h.typeText("fake-session-github")
	h.keys("enter")
	if h.a.form == nil || h.a.form.orig.Name != "OPENAI_API_KEY" || h.selected() != "OPENAI_API_KEY" {
		t.Fatalf("after enter: want OPENAI_API_KEY's form and selection")
	}
	h.keys("ctrl+g", "enter")
	h.keys("ctrl+x") // SENTRY_DSN
	if h.a.mode != modeConfirm {
		t.Fatalf("after the last secret: mode %v, want the one question", h.a.mode)
	}
	p := h.a.confirm.prompt
	for _, want := range []string{"Rotate 2 secrets: GITHUB_TOKEN (entered), OPENAI_API_KEY (generated)? y/N", "skips SENTRY_DSN", "used by no task"} {
		if !strings.Contains(p, want) {
			t.Errorf("prompt %q lacks %q", p, want)
		}
	}
	if h.a.session != nil {
		t.Error("the session (and its values) outlived the question")
	}
	// Building the question wrote nothing.
	if h.get("GITHUB_TOKEN").Version != 1 || h.value("GITHUB_TOKEN") != "fake-github-value-0002-GHTK" {
		t.Fatal("the store changed before y")
	}
	h.keys("y")
	if v := h.value("GITHUB_TOKEN"); v != "fake-session-github" {
		t.Fatal("GITHUB_TOKEN does not hold the entered value")
	}
	if s := h.get("OPENAI_API_KEY"); s.Version != 3 || h.value("OPENAI_API_KEY") == "fake-openai-value-0003-OPAI" || len(h.value("OPENAI_API_KEY")) != 32 {
		t.Fatalf("OPENAI_API_KEY: version %d; want a generated 32-character value at version 3", s.Version)
	}
	if h.get("SENTRY_DSN").Version != 1 {
		t.Fatal("the skipped secret was rotated")
	}
	want := "rotated 2 of 2: GITHUB_TOKEN v2, OPENAI_API_KEY v3 · skipped SENTRY_DSN · the 2 rotated stay marked: R rolls them back"
	if h.a.status.text != want || h.a.status.kind != statusSuccess {
		t.Fatalf("summary %q, want %q", h.a.status.text, want)
	}
	if h.a.busy != "" || len(h.a.marks) != 2 || !h.a.marks["GITHUB_TOKEN"] || !h.a.marks["OPENAI_API_KEY"] {
		t.Fatalf("after the session: busy %q, marks %v; want the two rotated marked", h.a.busy, h.a.marks)
	}
	if s := h.screen(); strings.Contains(s, "fake-session-github") || lineWith(s, "GITHUB_TOKEN") == "" {
		t.Fatalf("the screen shows the value or lost the list:\n%s", s)
	}

	// R rolls the whole session back, after one y/N.
	h.keys("R")
	if p := h.a.confirm.prompt; !strings.Contains(p, "Roll back 2 marked secrets: GITHUB_TOKEN, OPENAI_API_KEY? y/N") {
		t.Fatalf("R prompt %q", p)
	}
	h.keys("y")
	if h.value("GITHUB_TOKEN") != "fake-github-value-0002-GHTK" || h.value("OPENAI_API_KEY") != "fake-openai-value-0003-OPAI" {
		t.Fatal("R did not roll back every rotated secret")
	}
	if !strings.HasPrefix(h.a.status.text, "rolled back 2 of 2: GITHUB_TOKEN v3, OPENAI_API_KEY v4") {
		t.Errorf("status %q", h.a.status.text)
	}
}

// esc in a session's form ends it: nothing is written, no value is kept.
func TestRotationSessionEscRotatesNothing(t *testing.T) {
	h := newHarness(t, fixture())
	h.markNames("GITHUB_TOKEN", "OPENAI_API_KEY")
	h.keys("r")
	h.typeText("fake-session-first")
	h.keys("enter")
	h.typeText("fake-session-second")
	h.keys("esc")
	if h.a.mode != modeNormal || h.a.session != nil || h.a.form != nil {
		t.Fatalf("esc: mode %v, session %v", h.a.mode, h.a.session != nil)
	}
	if h.get("GITHUB_TOKEN").Version != 1 || h.get("OPENAI_API_KEY").Version != 2 {
		t.Fatal("esc rotated something")
	}
	if !strings.Contains(h.a.status.text, "nothing was rotated") || len(h.a.marks) != 2 {
		t.Errorf("status %q, marks %v", h.a.status.text, h.a.marks)
	}
	// n at the question rotates nothing either.
	h.keys("r")
	h.typeText("fake-session-first")
	h.keys("enter", "ctrl+x", "n")
	if h.get("GITHUB_TOKEN").Version != 1 {
		t.Fatal("n rotated something")
	}
}

// One failure among the rotations is reported with its reason, and the
// others go through.
func TestRotationSessionReportsAFailure(t *testing.T) {
	h := newHarness(t, fixture())
	h.markNames("GITHUB_TOKEN", "OPENAI_API_KEY", "SENTRY_DSN")
	h.keys("r")
	for range 3 {
		h.keys("ctrl+g", "enter")
	}
	h.store.SetHook(func(op, user string) error {
		if op == "set" && strings.HasPrefix(user, "OPENAI_API_KEY") {
			return fmt.Errorf("dbus: %w", keyring.ErrUnavailable)
		}
		return nil
	})
	h.keys("y")
	st := h.a.status.text
	if !strings.HasPrefix(st, "rotated 2 of 3: GITHUB_TOKEN v2, SENTRY_DSN v2 · failed OPENAI_API_KEY: "+keyring.Advice(keyring.ErrUnavailable)) || h.a.status.kind != statusError {
		t.Fatalf("summary %q (kind %v)", st, h.a.status.kind)
	}
	if h.get("OPENAI_API_KEY").Version != 2 || h.get("SENTRY_DSN").Version != 2 {
		t.Fatal("the failure stopped the others, or was applied")
	}
	if h.a.marks["OPENAI_API_KEY"] || len(h.a.marks) != 2 {
		t.Errorf("marks %v, want the two rotated", h.a.marks)
	}

	// Rolling back, a failure of one is reported, not hidden. (A
	// rollback writes no value, only the record: it fails reading them.)
	h.store.SetHook(func(op, user string) error {
		if op == "get" && strings.HasPrefix(user, "SENTRY_DSN") {
			return errors.New("dbus: refused")
		}
		return nil
	})
	h.keys("R", "y")
	if st := h.a.status.text; !strings.Contains(st, "rolled back 1 of 2: GITHUB_TOKEN v3 · failed SENTRY_DSN: ") || h.a.status.kind != statusError {
		t.Fatalf("roll-back summary %q", st)
	}
}

func TestDeleteMarked(t *testing.T) {
	h := newHarness(t, fixture())
	h.markNames("GITHUB_TOKEN", "OPENAI_API_KEY", "SENTRY_DSN")
	h.keys("/")
	h.typeText("env=prod")
	h.keys("enter", "d")
	p := h.a.confirm.prompt
	if !strings.HasPrefix(p, "Delete 3 marked secrets: GITHUB_TOKEN, OPENAI_API_KEY, SENTRY_DSN (2 not shown by the filter)? y/N · used by no task") {
		t.Fatalf("prompt %q", p)
	}
	h.keys("n")
	if len(h.a.list.all) != 4 || len(h.a.marks) != 3 {
		t.Fatal("n deleted something or dropped the marks")
	}
	h.keys("d", "y")
	for _, n := range []string{"GITHUB_TOKEN", "OPENAI_API_KEY", "SENTRY_DSN"} {
		if _, err := h.store.Get(context.Background(), n); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("%s still in the store: %v", n, err)
		}
	}
	if h.a.status.text != "deleted 3 of 3: GITHUB_TOKEN, OPENAI_API_KEY, SENTRY_DSN" || len(h.a.marks) != 0 {
		t.Fatalf("status %q, marks %v", h.a.status.text, h.a.marks)
	}
	if len(h.a.list.all) != 1 {
		t.Fatalf("the list holds %d secrets, want 1", len(h.a.list.all))
	}
}

// With more than maxNamed marks the question names the first and counts
// the rest.
func TestDeleteMarkedNamesTheFirst(t *testing.T) {
	var seeds []seedSecret
	for i := range 7 {
		seeds = append(seeds, seedSecret{s: sec(fmt.Sprintf("KEY_%d", i), "", nil, 0, 0, 1), value: "fake-v"})
	}
	h := newHarness(t, seeds)
	h.keys("*", "d")
	if p := h.a.confirm.prompt; !strings.HasPrefix(p, "Delete 7 marked secrets: KEY_0, KEY_1, KEY_2, KEY_3 and 3 more? y/N") {
		t.Fatalf("prompt %q", p)
	}
}

// After a session, a Julep account is offered the rotated secrets: y plans
// the push (only those), and the plan's own y/N pushes.
func TestRotationSessionOffersPush(t *testing.T) {
	h, srv := newSyncHarness(t)
	h.markNames("GITHUB_TOKEN", "OPENAI_API_KEY")
	h.keys("r", "ctrl+g", "enter", "ctrl+g", "enter", "y")
	p := h.a.confirm.prompt
	if h.a.mode != modeConfirm || !strings.HasPrefix(p, "rotated 2 of 2") || !strings.Contains(p, "Push them to Julep? y/N") {
		t.Fatalf("mode %v, prompt %q; want the offer with the summary", h.a.mode, p)
	}
	if n := srv.Count("GET", "/secrets"); n != 0 {
		t.Fatalf("the account was listed (%d) before the answer", n)
	}
	h.keys("y")
	p = h.a.confirm.prompt
	if !strings.Contains(p, "create GITHUB_TOKEN") || !strings.Contains(p, "create OPENAI_API_KEY") || strings.Contains(p, "STRIPE") {
		t.Fatalf("plan prompt %q; want the two rotated only", p)
	}
	h.keys("y")
	if _, ok := srv.Value("OPENAI_API_KEY"); !ok || !strings.HasPrefix(h.a.status.text, "pushed 2 of 2") {
		t.Fatalf("status %q", h.a.status.text)
	}

	// Declined, the summary stays and says how to push later.
	h.keys("r", "ctrl+g", "enter", "ctrl+g", "enter", "y", "n")
	if st := h.a.status.text; !strings.HasPrefix(st, "rotated 2 of 2") || !strings.HasSuffix(st, "not pushed: P pushes the marked") {
		t.Fatalf("status %q", st)
	}
}

// Without a configured Julep account there is no offer: the summary stays.
func TestRotationSessionNoJulepNoOffer(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Julep = func(context.Context) (julep.Remote, string, error) {
			return nil, "", errors.New("julep API key is not set")
		}
	})
	h.markNames("GITHUB_TOKEN")
	h.keys("r", "ctrl+g", "enter", "y")
	if h.a.mode != modeNormal || !strings.HasPrefix(h.a.status.text, "rotated 1 of 1: GITHUB_TOKEN v2") {
		t.Fatalf("mode %v, status %q; want the summary and no offer", h.a.mode, h.a.status.text)
	}
}

// At 60×14 a form that grows past the room keeps its focused field on
// screen and says that more is hidden.
func TestFormFitsAt60x14(t *testing.T) {
	h := newHarness(t, fixture())
	h.send(tea.WindowSizeMsg{Width: 60, Height: 14})
	h.keys("n", "ctrl+s") // every field's error shows
	for range 4 {
		h.keys("tab")
	}
	s := h.screen()
	checkSize(t, s, 60, 14)
	if !strings.Contains(s, "Rotate every") || !strings.Contains(s, "↑ more") {
		t.Fatalf("the focused last field or the note is cut:\n%s", s)
	}
	h.keys("tab") // back to the name
	if s := h.screen(); !strings.Contains(s, "Name ") || !strings.Contains(s, "↓ more") {
		t.Fatalf("the name field or the note is cut:\n%s", s)
	}
}
