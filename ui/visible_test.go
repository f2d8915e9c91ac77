package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/keyward/keyward/model"
)

// TestInvisibleCharactersShowEscaped: a description with a bidi override,
// a zero-width space and a line separator (allowed, as free text) reaches
// no surface of the TUI raw: the list, the detail and the edit form show
// each as its escape, and the form says why (issue 11, item 10).
func TestInvisibleCharactersShowEscaped(t *testing.T) {
	h := newHarness(t, fixture())
	desc := "pay\u202eevil\u200b and\u2028more\u00ad"
	if _, err := h.store.Create(context.Background(), model.Secret{Name: "TROJAN", Description: desc}, "fake-trojan-value"); err != nil {
		t.Fatal(err)
	}
	h.keys("ctrl+r")
	h.selectName("TROJAN")
	check := func(where string) {
		t.Helper()
		scr := h.a.render()
		for _, r := range scr {
			if model.Invisible(r) {
				t.Fatalf("%s: the screen holds %U raw:\n%s", where, r, h.screen())
			}
		}
		if !strings.Contains(scr, `\u202e`) {
			t.Fatalf("%s: no \\u202e on the screen:\n%s", where, h.screen())
		}
	}
	check("list and detail")
	h.keys("e")
	if h.a.mode != modeForm {
		t.Fatal("e did not open the edit form")
	}
	check("edit form")
	if !strings.Contains(h.screen(), "it has invisible characters") {
		t.Errorf("the form does not say why:\n%s", h.screen())
	}
	// Typed into the form, and into metadata, where they are refused.
	h.keys("tab", "tab") // metadata
	h.typeText("env=pro\u200bd")
	check("metadata typed")
	h.keys("ctrl+s")
	if h.a.mode != modeForm || h.a.form.errs[fieldMetadata] == "" || !strings.Contains(h.a.form.errs[fieldMetadata], `invisible character \u200b`) {
		t.Errorf("metadata with a zero-width space was not refused:\n%s", h.screen())
	}
	h.keys("esc")
	// The filter bar too.
	h.keys("/")
	h.typeText("x\u202ey")
	check("filter bar")
}
