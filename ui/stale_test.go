package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/keyward/keyward/model"
)

// TestStaleEditShowsWhatChanged: another process changes the description
// while the edit form is open; saving the form's description refuses with
// what changed, writes nothing, and a second save puts the user's edit over
// it knowingly (issue 11, item 15).
func TestStaleEditShowsWhatChanged(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("GITHUB_TOKEN")
	h.keys("e")
	theirs := "changed from the CLI"
	if _, err := h.store.Update(context.Background(), "GITHUB_TOKEN", model.Patch{Description: &theirs}); err != nil {
		t.Fatal(err)
	}
	h.keys("tab", "ctrl+u")
	h.typeText("Release token")
	h.keys("ctrl+s")
	if h.a.mode != modeForm {
		t.Fatalf("mode = %d, want the form kept open; status %q", h.a.mode, h.a.status.text)
	}
	want := `GITHUB_TOKEN changed elsewhere since you opened it: description is now "changed from the CLI"`
	if !strings.Contains(h.a.status.text, want) || !strings.Contains(h.a.status.text, "ctrl+s saves yours over it") {
		t.Fatalf("status = %q, want %q and what to do", h.a.status.text, want)
	}
	if got := h.get("GITHUB_TOKEN").Description; got != theirs {
		t.Fatalf("the stale edit was written: description %q", got)
	}
	if s, _ := h.a.list.selected(); s.Description != theirs {
		t.Errorf("the list still shows %q, not the record as it is", s.Description)
	}
	h.keys("ctrl+s")
	if h.a.mode != modeNormal {
		t.Fatalf("second save: mode %d, status %q", h.a.mode, h.a.status.text)
	}
	if got := h.get("GITHUB_TOKEN").Description; got != "Release token" {
		t.Errorf("second save: description %q, want the user's", got)
	}
}

// TestRollbackAfterARotationElsewhere: the list still shows version 1, but
// the CLI rotated the secret since; R reads the record again instead of
// refusing with a false "no previous value" (issue 11, item 15).
func TestRollbackAfterARotationElsewhere(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("GITHUB_TOKEN") // version 1, no previous value
	if _, err := h.store.Rotate(context.Background(), "GITHUB_TOKEN", "fake-github-rotated-CLI1"); err != nil {
		t.Fatal(err)
	}
	h.keys("R")
	if h.a.mode != modeConfirm || !strings.Contains(h.screen(), "Roll GITHUB_TOKEN back to its previous value?") {
		t.Fatalf("no rollback confirmation; status %q", h.a.status.text)
	}
	h.keys("y")
	if h.value("GITHUB_TOKEN") != "fake-github-value-0002-GHTK" {
		t.Fatalf("value after rollback = %q", h.value("GITHUB_TOKEN"))
	}
	if got := h.get("GITHUB_TOKEN").Version; got != 3 {
		t.Errorf("version = %d, want 3", got)
	}
	// A secret that really has no previous value is still refused, from
	// the record as it is now.
	h.selectName("SENTRY_DSN")
	h.keys("R")
	if h.a.mode == modeConfirm || !strings.Contains(h.a.status.text, "has no previous value") {
		t.Errorf("R on a never-rotated secret: mode %d, status %q", h.a.mode, h.a.status.text)
	}
}

// TestRollbackMarkedAfterARotationElsewhere: a marked secret the list shows
// at version 1 is skipped as "no previous value" only if it still is, once
// read again.
func TestRollbackMarkedAfterARotationElsewhere(t *testing.T) {
	h := newHarness(t, fixture())
	h.markNames("GITHUB_TOKEN", "SENTRY_DSN", "STRIPE_API_KEY") // versions 1, 1, 3
	if _, err := h.store.Rotate(context.Background(), "GITHUB_TOKEN", "fake-github-rotated-CLI1"); err != nil {
		t.Fatal(err)
	}
	h.keys("R")
	p := h.a.confirm.prompt
	if !strings.Contains(p, "Roll back 2 marked secrets: GITHUB_TOKEN, STRIPE_API_KEY") || !strings.Contains(p, "skips SENTRY_DSN (no previous value)") {
		t.Fatalf("R prompt %q; want GITHUB_TOKEN rolled back, SENTRY_DSN skipped", p)
	}
	h.keys("y")
	if h.value("GITHUB_TOKEN") != "fake-github-value-0002-GHTK" {
		t.Errorf("GITHUB_TOKEN not rolled back: %q", h.value("GITHUB_TOKEN"))
	}
}

// TestRotationSessionUnchanged: a session value equal to the current one
// writes nothing and is named as unchanged, not as a failure (issue 11,
// item 5).
func TestRotationSessionUnchanged(t *testing.T) {
	h := newHarness(t, fixture())
	h.markNames("GITHUB_TOKEN", "SENTRY_DSN")
	h.keys("r")
	h.typeText("fake-session-github")
	h.keys("enter")
	h.typeText("fake-sentry-0004") // SENTRY_DSN's current value
	h.keys("enter", "y")
	want := "rotated 1 of 2: GITHUB_TOKEN v2 · unchanged SENTRY_DSN (the value given is the current one)"
	if !strings.HasPrefix(h.a.status.text, want) || h.a.status.kind != statusSuccess {
		t.Fatalf("summary %q (kind %v), want %q", h.a.status.text, h.a.status.kind, want)
	}
	if h.get("SENTRY_DSN").Version != 1 || h.a.marks["SENTRY_DSN"] {
		t.Errorf("SENTRY_DSN: version %d, marked %v; want 1, not marked as rotated", h.get("SENTRY_DSN").Version, h.a.marks["SENTRY_DSN"])
	}
}
