package ui

import (
	"strings"
	"testing"
)

// With NO_COLOR the styles carry meaning by reverse, bold and underline
// only; with colours they use both backgrounds' palettes.
func TestStylesNoColor(t *testing.T) {
	plain := newStyles(true, true, defaultPalette)
	for name, out := range map[string]string{
		"selected": plain.selected.Render("x"), "due": plain.due.Render("x"),
		"statusError": plain.statusError.Render("x"), "border": plain.focusedBorder.Render("x"),
	} {
		if strings.Contains(out, "38;") || strings.Contains(out, "48;") {
			t.Errorf("NO_COLOR %s has a colour: %q", name, out)
		}
	}
	if out := plain.selected.Render("x"); !strings.Contains(out, "7") {
		t.Errorf("NO_COLOR selected row is not reversed: %q", out)
	}
	dark := newStyles(true, false, defaultPalette).due.Render("x")
	light := newStyles(false, false, defaultPalette).due.Render("x")
	if !strings.Contains(dark, "38;") || dark == light {
		t.Errorf("dark %q and light %q due styles should differ and have colour", dark, light)
	}
}
