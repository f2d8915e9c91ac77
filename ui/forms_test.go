package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

func TestCreateThroughTheForm(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("n")
	if h.a.mode != modeForm {
		t.Fatal("n did not open the form")
	}
	h.typeText("NEW_TOKEN")
	h.keys("tab")
	h.typeText("fake-new-value-0005-NEWV")
	h.keys("tab")
	h.typeText("A new token")
	h.keys("tab")
	h.typeText("env=dev")
	h.keys("enter") // a newline in the metadata field
	h.typeText("owner=qa")
	h.keys("tab")
	h.typeText("30d")
	if !h.a.form.valid() {
		t.Fatalf("form invalid: %v", h.a.form.errs)
	}
	scr := h.screen()
	if strings.Contains(scr, "fake-new-value") {
		t.Fatalf("the form shows the value:\n%s", scr)
	}
	h.keys("enter")
	if h.a.mode != modeNormal || h.a.form != nil {
		t.Fatalf("form still open after save: mode %d, status %q", h.a.mode, h.a.status.text)
	}
	got := h.get("NEW_TOKEN")
	if got.Description != "A new token" || got.Metadata["env"] != "dev" || got.Metadata["owner"] != "qa" || got.RotateEvery != model.Duration(30*model.Day) {
		t.Fatalf("stored record = %+v", got)
	}
	if v := h.value("NEW_TOKEN"); v != "fake-new-value-0005-NEWV" {
		t.Fatalf("stored value differs from the typed one")
	}
	if h.selected() != "NEW_TOKEN" {
		t.Fatalf("selected = %q, want the new secret", h.selected())
	}
	if !strings.Contains(h.a.status.text, "created NEW_TOKEN") {
		t.Fatalf("status = %q", h.a.status.text)
	}
}

func TestCreateValidatesAsYouType(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("n")
	h.typeText("GITHUB_TOKEN")
	if e := h.a.form.errs[fieldName]; !strings.Contains(e, "already exists") {
		t.Fatalf("duplicate name error = %q", e)
	}
	h.keys("backspace")
	for range len("GITHUB_TOKE") {
		h.keys("backspace")
	}
	h.typeText("9LIVES")
	if e := h.a.form.errs[fieldName]; !strings.Contains(e, "must start with a letter") {
		t.Fatalf("bad name error = %q", e)
	}
	h.keys("tab", "tab", "tab")
	h.typeText("novalue")
	if e := h.a.form.errs[fieldMetadata]; !strings.Contains(e, "not key=value") {
		t.Fatalf("metadata error = %q", e)
	}
	h.keys("tab")
	h.typeText("soon")
	if e := h.a.form.errs[fieldPolicy]; e == "" {
		t.Fatal("no policy error for 'soon'")
	}
	for range len("soon") {
		h.keys("backspace")
	}
	h.typeText("None")
	if e := h.a.form.errs[fieldPolicy]; e != "" {
		t.Fatalf("'None' is an error in the form (%q); on the command line it means no policy", e)
	}
	h.a.form.meta.SetValue("env=prod\nenv=de")
	h.keys("shift+tab")
	h.typeText("v")
	if e := h.a.form.errs[fieldMetadata]; !strings.Contains(e, `metadata line 2: key "env" is given twice`) {
		t.Fatalf("repeated key error = %q", e)
	}
	// Saving is refused and nothing is written.
	h.keys("enter")
	if h.a.mode != modeForm {
		t.Fatal("an invalid form was saved")
	}
	if _, err := h.store.Get(context.Background(), "9LIVES"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("Get(9LIVES) err = %v, want not found", err)
	}
	// esc abandons without any change.
	h.keys("esc")
	if h.a.mode != modeNormal || h.a.form != nil {
		t.Fatal("esc did not close the form")
	}
	list, _ := h.store.List(context.Background())
	if len(list) != 4 {
		t.Fatalf("store has %d secrets, want 4", len(list))
	}
}

func TestCreateGenerates(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("n")
	h.typeText("GENERATED")
	h.keys("tab", "ctrl+g")
	if !h.a.form.value.generated || len(h.a.form.value.buf) != model.DefaultGenerateLength {
		t.Fatalf("ctrl+g: generated=%v len=%d", h.a.form.value.generated, len(h.a.form.value.buf))
	}
	gen := h.a.form.value.value()
	if strings.Contains(h.screen(), gen) {
		t.Fatal("the generated value is on screen")
	}
	h.keys("ctrl+s")
	if v := h.value("GENERATED"); v != gen {
		t.Fatal("stored value is not the generated one")
	}
	if g := h.get("GENERATED").Generated; g == nil || *g != (model.GenSpec{Length: model.DefaultGenerateLength}) {
		t.Fatalf("record's Generated = %+v, want the default spec", g)
	}
}

// ctrl+g in the rotate form generates to the spec the record's value was
// generated with, and the rotation records it; a typed value clears it
// (issue 13).
func TestRotateGeneratesToTheRecordsSpec(t *testing.T) {
	seeds := fixture()
	spec := model.GenSpec{Length: 40, Symbols: true}
	seeds[1].s.Generated = &spec // GITHUB_TOKEN
	h := newHarness(t, seeds)
	h.selectName("GITHUB_TOKEN")
	h.keys("r", "ctrl+g")
	v := h.a.form.value.value()
	if !h.a.form.value.generated || len(v) != 40 || !strings.ContainsFunc(v, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		t.Fatalf("ctrl+g in the rotate form: generated=%v, %d characters, want 40 with a symbol", h.a.form.value.generated, len(v))
	}
	if !strings.Contains(h.a.status.text, "generated a 40-character value with symbols") {
		t.Fatalf("status = %q", h.a.status.text)
	}
	h.keys("enter", "y")
	if h.value("GITHUB_TOKEN") != v {
		t.Fatal("value not rotated to the generated one")
	}
	if g := h.get("GITHUB_TOKEN").Generated; g == nil || *g != spec {
		t.Fatalf("after a generated rotation Generated = %+v, want %+v", g, spec)
	}
	// A typed value forgets the spec; ctrl+g then falls back to the default.
	h.keys("r")
	h.typeText("fake-typed-0007-TYPD")
	h.keys("enter", "y")
	if g := h.get("GITHUB_TOKEN").Generated; g != nil {
		t.Fatalf("after a typed rotation Generated = %+v, want nil", g)
	}
	h.keys("r", "ctrl+g")
	if n := len(h.a.form.value.buf); n != model.DefaultGenerateLength {
		t.Fatalf("ctrl+g without a recorded spec made %d characters, want %d", n, model.DefaultGenerateLength)
	}
}

func TestCreateKeyringErrorKeepsForm(t *testing.T) {
	h := newHarness(t, fixture())
	h.store.SetHook(func(op, user string) error {
		if op == "set" {
			return fmt.Errorf("dbus: %w", keyring.ErrUnavailable)
		}
		return nil
	})
	h.keys("n")
	h.typeText("LOCKED_ONE")
	h.keys("tab")
	h.typeText("fake-locked-value")
	h.keys("enter")
	if h.a.mode != modeForm || h.a.form == nil {
		t.Fatal("the form closed although the store refused")
	}
	if !strings.Contains(h.a.status.text, keyring.Advice(keyring.ErrUnavailable)) {
		t.Fatalf("status = %q, want a hint", h.a.status.text)
	}
	if strings.Contains(h.a.status.text, "fake-locked-value") || strings.Contains(h.screen(), "fake-locked-value") {
		t.Fatal("the value leaked into the status or screen")
	}
	if _, err := h.store.Get(context.Background(), "LOCKED_ONE"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("half-applied create: Get err = %v", err)
	}
	// Fix the keyring and retry from the same form.
	h.store.SetHook(nil)
	h.keys("enter")
	if v := h.value("LOCKED_ONE"); v != "fake-locked-value" {
		t.Fatal("retry did not store the value")
	}
}

func TestEditPatchesOnlyWhatChanged(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("GITHUB_TOKEN")
	h.keys("e")
	if h.a.mode != modeForm || h.a.form.kind != formEdit {
		t.Fatal("e did not open the edit form")
	}
	// Meanwhile another process changes the policy.
	week := model.Duration(model.Week)
	if _, err := h.store.Update(context.Background(), "GITHUB_TOKEN", model.Patch{RotateEvery: &week}); err != nil {
		t.Fatal(err)
	}
	h.keys("tab") // description
	h.keys("ctrl+u")
	h.typeText("Release token")
	h.keys("tab") // metadata: "env=prod\nowner=platform"
	h.send(tea.PasteMsg{Content: "\nteam=ci"})
	h.keys("ctrl+s")
	if h.a.mode != modeNormal {
		t.Fatalf("edit not saved: %v %q", h.a.form.errs, h.a.status.text)
	}
	got := h.get("GITHUB_TOKEN")
	if got.Description != "Release token" || got.Metadata["team"] != "ci" || got.Metadata["env"] != "prod" {
		t.Fatalf("record = %+v", got)
	}
	if got.RotateEvery != week {
		t.Fatalf("policy = %s, want the other process's 1w kept", got.RotateEvery)
	}
	if h.store.Reads() != 0 {
		t.Fatalf("editing read the keyring %d times", h.store.Reads())
	}
}

func TestEditRenames(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("SENTRY_DSN")
	h.keys("e", "ctrl+u")
	h.typeText("SENTRY_URL")
	h.keys("enter")
	if _, err := h.store.Get(context.Background(), "SENTRY_DSN"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("old name still there: %v", err)
	}
	if v := h.value("SENTRY_URL"); v != "fake-sentry-0004" {
		t.Fatal("renamed secret lost its value")
	}
	if h.selected() != "SENTRY_URL" {
		t.Fatalf("selected = %q", h.selected())
	}
}

func TestRotateConfirmsAndKeepsOld(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("GITHUB_TOKEN")
	h.keys("r")
	if h.a.mode != modeRotate {
		t.Fatal("r did not open the rotate form")
	}
	h.typeText("fake-rotated-0006-ROTD")
	h.keys("enter")
	if h.a.mode != modeConfirm || !strings.Contains(h.screen(), "Rotate GITHUB_TOKEN to the new value?") {
		t.Fatalf("no rotate confirmation:\n%s", h.screen())
	}
	noFixtureValue(t, h.screen())
	h.keys("n")
	if h.a.mode != modeRotate || h.value("GITHUB_TOKEN") != "fake-github-value-0002-GHTK" {
		t.Fatal("n did not go back to the form without rotating")
	}
	h.keys("enter", "y")
	if h.a.mode != modeNormal {
		t.Fatalf("mode = %d after y; status %q", h.a.mode, h.a.status.text)
	}
	if h.value("GITHUB_TOKEN") != "fake-rotated-0006-ROTD" {
		t.Fatal("value not rotated")
	}
	if got := h.get("GITHUB_TOKEN").Version; got != 2 {
		t.Fatalf("version = %d, want 2", got)
	}
	if !strings.Contains(h.a.status.text, "version 2") {
		t.Fatalf("status = %q", h.a.status.text)
	}
	// The old value is kept: rolling back brings it back.
	h.keys("R", "y")
	if h.value("GITHUB_TOKEN") != "fake-github-value-0002-GHTK" {
		t.Fatal("rollback after rotate did not restore the old value")
	}
}

// TestRotateToTheSameValue: the store refuses a rotation to the current
// value; the form stays open and says why, and nothing changed (issue 11,
// item 5).
func TestRotateToTheSameValue(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("STRIPE_API_KEY")
	h.keys("r")
	h.typeText("fake-stripe-value-0001-WXYZ")
	h.keys("enter", "y")
	if h.a.mode != modeRotate {
		t.Fatalf("mode = %d, want the rotate form kept open", h.a.mode)
	}
	if want := "not rotated: the new value is the current one"; !strings.Contains(h.a.status.text, want) {
		t.Fatalf("status = %q, want %q", h.a.status.text, want)
	}
	if got := h.get("STRIPE_API_KEY").Version; got != 3 {
		t.Errorf("version = %d, want 3", got)
	}
	h.keys("esc")
	h.keys("R", "y")
	if h.value("STRIPE_API_KEY") != "fake-stripe-previous-0000-PREV" {
		t.Error("the previous value was not kept")
	}
}

func TestRollback(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("STRIPE_API_KEY")
	h.keys("R")
	if !strings.Contains(h.screen(), "Roll STRIPE_API_KEY back to its previous value?") {
		t.Fatalf("no rollback confirmation:\n%s", h.screen())
	}
	h.keys("esc")
	if h.value("STRIPE_API_KEY") != "fake-stripe-value-0001-WXYZ" {
		t.Fatal("esc rolled back")
	}
	h.keys("R", "y")
	if h.value("STRIPE_API_KEY") != "fake-stripe-previous-0000-PREV" {
		t.Fatal("y did not roll back")
	}
	// A never-rotated secret has no previous value: the status says so at
	// once, without a confirmation or a keyring call.
	h.selectName("SENTRY_DSN")
	if v := h.get("SENTRY_DSN").Version; v != 1 {
		t.Fatalf("fixture SENTRY_DSN has version %d, want 1", v)
	}
	reads := h.store.Reads()
	h.keys("R")
	if !strings.Contains(h.a.status.text, "only a rotated secret can be rolled back") {
		t.Fatalf("status = %q", h.a.status.text)
	}
	if h.a.mode == modeConfirm || h.store.Reads() != reads {
		t.Fatalf("R on a version-1 secret asked for confirmation (mode %v) or read the keyring", h.a.mode)
	}
}

func TestDeleteConfirmsNamingTheSecret(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("OPENAI_API_KEY")
	h.keys("d")
	if !strings.Contains(h.screen(), "Delete OPENAI_API_KEY?") {
		t.Fatalf("confirmation does not name the secret:\n%s", h.screen())
	}
	h.keys("n")
	if _, err := h.store.Get(context.Background(), "OPENAI_API_KEY"); err != nil {
		t.Fatal("n deleted the secret")
	}
	h.keys("d", "enter") // the default is no
	if _, err := h.store.Get(context.Background(), "OPENAI_API_KEY"); err != nil {
		t.Fatal("enter deleted the secret")
	}
	h.keys("d", "y")
	if _, err := h.store.Get(context.Background(), "OPENAI_API_KEY"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("y did not delete: %v", err)
	}
	if len(h.a.list.all) != 3 || !strings.Contains(h.a.status.text, "deleted OPENAI_API_KEY") {
		t.Fatalf("list %d, status %q", len(h.a.list.all), h.a.status.text)
	}
}
