package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// lastLines is the last n lines of the screen.
func (h *harness) lastLines(n int) string {
	lines := strings.Split(h.screen(), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// The hint drops the least important keys first: ? and q (esc in a form)
// stay at every width.
func TestHintKeepsHelpQuitAndCancel(t *testing.T) {
	for _, w := range []int{60, 80, 100, 200} {
		h := newHarness(t, fixture())
		h.send(tea.WindowSizeMsg{Width: w, Height: 24})
		hint := ansi.Strip(h.a.hintView())
		for _, want := range []string{"? help", "q quit", "/ filter"} {
			if !strings.Contains(hint, want) {
				t.Errorf("at %d columns the hint %q lacks %q", w, hint, want)
			}
		}
		if ansi.StringWidth(hint) > w {
			t.Errorf("at %d columns the hint is %d wide", w, ansi.StringWidth(hint))
		}
		h.keys("n")
		if hint := ansi.Strip(h.a.hintView()); !strings.Contains(hint, "esc cancel") || ansi.StringWidth(hint) > w {
			t.Errorf("at %d columns the form's hint is %q", w, hint)
		}
	}
}

// A long question wraps onto more lines rather than losing its end.
func TestLongConfirmationWraps(t *testing.T) {
	h := newHarness(t, fixture())
	h.send(tea.WindowSizeMsg{Width: 60, Height: 14})
	h.selectName("GITHUB_TOKEN")
	h.keys("r")
	h.typeText("fake-rotated-value")
	h.keys("enter")
	if h.a.mode != modeConfirm {
		t.Fatalf("mode %v, want the confirmation", h.a.mode)
	}
	bottom := strings.Join(strings.Fields(h.lastLines(4)), " ")
	if !strings.Contains(bottom, "Rotate GITHUB_TOKEN to the new value? y/N · used by no task · the current value is kept for rollback") {
		t.Errorf("the question is cut:\n%s", h.screen())
	}
	checkSize(t, h.screen(), 60, 14)
	h.keys("n")
	if h.a.statusH > 1 {
		// "not rotated yet: enter saves, esc cancels" fits one line.
		t.Errorf("status area still %d rows after the question", h.a.statusH)
	}
	checkSize(t, h.screen(), 60, 14)
}

// Wide terminals show metadata in full and a description column; narrow
// ones leave the description to the detail pane.
func TestListColumnsUseWidth(t *testing.T) {
	h := newHarness(t, fixture())
	h.send(tea.WindowSizeMsg{Width: 200, Height: 60})
	row := lineWith(h.screen(), "STRIPE_API_KEY")
	for _, want := range []string{"env=prod owner=payments service=stripe", "Stripe live key for the payments API", "due!"} {
		if !strings.Contains(row, want) {
			t.Errorf("at 200 columns the row %q lacks %q", row, want)
		}
	}
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	row = lineWith(h.screen(), "STRIPE_API_KEY")
	if strings.Contains(row, "Stripe live") || !strings.Contains(row, "env=prod owner=payments service=stripe") {
		t.Errorf("at 80 columns the row is %q", row)
	}
}

func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// A form is as tall as its fields and is drawn over the list, which stays
// in view around it.
func TestFormIsAnOverlaySizedToContent(t *testing.T) {
	h := newHarness(t, fixture())
	h.send(tea.WindowSizeMsg{Width: 200, Height: 60})
	h.keys("n")
	screen := h.screen()
	if !strings.Contains(screen, "New secret") || !strings.Contains(screen, "SENTRY_DSN") {
		t.Fatalf("the form or the list around it is missing:\n%s", screen)
	}
	if row := lineWith(screen, "New secret"); !strings.Contains(row, "GITHUB_TOKEN") {
		t.Errorf("the list does not show beside the form: %q", row)
	}
	box := strings.Count(screen, "╰")
	if box < 2 { // the form's bottom and the panes' (detail)
		t.Errorf("the form box has no bottom above the panes':\n%s", screen)
	}
	checkSize(t, screen, 200, 60)
}

// Without colour the focused pane has a heavy border.
func TestNoColorMarksTheFocusedPane(t *testing.T) {
	h := newHarness(t, fixture())
	first := func() string { return strings.Split(h.screen(), "\n")[1] }
	if l := first(); !strings.HasPrefix(l, "┏") || !strings.Contains(l, "╭") {
		t.Errorf("list focused, the border row is %q", l)
	}
	h.keys("tab")
	if l := first(); !strings.HasPrefix(l, "╭") || !strings.Contains(l, "┏") {
		t.Errorf("detail focused, the border row is %q", l)
	}
}

// The filter box takes the header's room and never shows a stale "…".
func TestFilterBoxWidth(t *testing.T) {
	h := newHarness(t, fixture())
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.keys("/")
	if w := h.a.filter.Width(); w < 30 {
		t.Errorf("filter box %d wide at 80 columns", w)
	}
	h.typeText("env=prod owner=payments")
	header := strings.Split(h.screen(), "\n")[0]
	if !strings.Contains(header, "/env=prod owner=payments") || strings.Contains(header, "…") {
		t.Errorf("header %q", header)
	}
}

// enter on a malformed filter stays and says why; esc keeps the last good
// filter and says so.
func TestFilterEnterOnMalformedSaysWhy(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("/")
	h.typeText("env=prod")
	h.typeText(` owner="pay`)
	h.keys("enter")
	if h.a.mode != modeFilter {
		t.Fatalf("enter left the filter with a malformed query")
	}
	if st := h.a.status.text; !strings.Contains(st, "not applied") || !strings.Contains(st, "quote") {
		t.Errorf("status %q does not say why", st)
	}
	h.keys("esc")
	// The last good query is the one typed before the quote.
	if h.a.mode != modeNormal || h.a.filter.Value() != "env=prod owner=" {
		t.Errorf("after esc: mode %v, filter %q", h.a.mode, h.a.filter.Value())
	}
	if st := h.a.status.text; !strings.Contains(st, "kept the last good filter") {
		t.Errorf("status %q", st)
	}
}

// "esc clears it" only where esc clears the filter.
func TestNothingMatchesWording(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("/")
	h.typeText("zzzz")
	if s := h.screen(); strings.Contains(s, "esc clears it") || !strings.Contains(s, "Nothing matches") {
		t.Errorf("while filtering:\n%s", s)
	}
	h.keys("enter")
	if s := h.screen(); !strings.Contains(s, "esc clears it") {
		t.Errorf("after enter:\n%s", s)
	}
	h.keys("esc")
	if h.a.filter.Value() != "" || len(h.a.list.vis) != 4 {
		t.Errorf("esc did not clear the filter: %q", h.a.filter.Value())
	}
}

// The hint says v hides a revealed value.
func TestRevealHintSaysHide(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("v")
	if hint := ansi.Strip(h.a.hintView()); !strings.Contains(hint, "v hide") {
		t.Errorf("revealed, hint %q", hint)
	}
	h.keys("v")
	if hint := ansi.Strip(h.a.hintView()); !strings.Contains(hint, "v reveal") {
		t.Errorf("hidden, hint %q", hint)
	}
}

// The focused value field draws a cursor; the others' do not.
func TestValueFieldCursor(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("n")
	valueLine := func() string { return lineWith(h.a.form.view(&h.a.st, 70), "Value") }
	if strings.Contains(valueLine(), "\x1b[7m") {
		t.Errorf("the unfocused value field has a cursor: %q", valueLine())
	}
	h.keys("tab")
	if !strings.Contains(valueLine(), "\x1b[7m") {
		t.Errorf("the focused value field has no cursor: %q", valueLine())
	}
	h.typeText("fake-typed-value")
	if l := valueLine(); !strings.Contains(l, "\x1b[7m") || strings.Contains(l, "fake") {
		t.Errorf("value line %q", l)
	}
}

// A field's error shows once it was typed into, or after a save was
// tried: none when the form opens.
func TestNoValidationErrorsBeforeTyping(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("n")
	if s := h.screen(); strings.Contains(s, "type or paste one") || strings.Contains(s, "name:") {
		t.Errorf("errors before typing:\n%s", s)
	}
	h.typeText("1BAD")
	s := h.screen()
	if !strings.Contains(s, "must start with a letter") {
		t.Errorf("no name error after typing:\n%s", s)
	}
	if strings.Contains(s, "type or paste one") {
		t.Errorf("the untouched value field complains:\n%s", s)
	}
	h.keys("ctrl+s")
	if s := h.screen(); !strings.Contains(s, "type or paste one") {
		t.Errorf("no value error after a save was tried:\n%s", s)
	}
	// Editing: nothing before the first key either.
	h.keys("esc", "e")
	if s := h.screen(); strings.Contains(s, "must") {
		t.Errorf("the edit form opens with an error:\n%s", s)
	}
}

// A multi-line paste is stored with \n line endings, whatever the
// terminal sent; the form shows its line count.
func TestPasteNormalisesLineEndings(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("n")
	h.typeText("PEM_KEY")
	h.keys("tab")
	h.send(tea.PasteMsg{Content: "-----BEGIN-----\rline-two\r\nline-three\n-----END-----\r"})
	if s := h.screen(); !strings.Contains(s, "4 lines") {
		t.Errorf("the form does not show the line count:\n%s", s)
	}
	h.keys("ctrl+s")
	if got, want := h.value("PEM_KEY"), "-----BEGIN-----\nline-two\nline-three\n-----END-----\n"; got != want {
		t.Errorf("stored %q, want %q", got, want)
	}
}

func TestAppendNormalised(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a\r\nb", "a\nb"}, {"a\rb", "a\nb"}, {"a\nb", "a\nb"}, {"a\r\r\nb", "a\n\nb"},
		{"\r", "\n"}, {"", ""}, {"a\r", "a\n"}, {"x\n\ry", "x\n\ny"},
	} {
		if got := string(appendNormalised(nil, c.in)); got != c.want {
			t.Errorf("appendNormalised(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The edit form's metadata field starts on a fresh line, so typing adds a
// pair; a value holding "=" is warned about.
func TestEditMetadataStartsOnAFreshLine(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("STRIPE_API_KEY")
	h.keys("e", "tab", "tab")
	if h.a.form.current() != fieldMetadata {
		t.Fatalf("focus on %v", h.a.form.current())
	}
	h.typeText("extra=1")
	h.keys("ctrl+s")
	md := h.get("STRIPE_API_KEY").Metadata
	if md["extra"] != "1" || md["service"] != "stripe" || md["owner"] != "payments" {
		t.Errorf("metadata %v", md)
	}
	h.keys("e", "tab", "tab")
	h.typeText("team=ux lead=a")
	if s := h.screen(); !strings.Contains(s, `holds "="`) {
		t.Errorf("no warning for a value with =:\n%s", s)
	}
}

// ctrl+g works in the value field only, and asks before replacing a typed
// value.
func TestGenerateOnlyInValueFieldAndAsks(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("n")
	h.typeText("NEW_ONE")
	h.keys("ctrl+g")
	if len(h.a.form.value.buf) != 0 {
		t.Fatalf("ctrl+g in the name field generated a value")
	}
	h.keys("tab")
	h.typeText("fake-typed-value")
	h.keys("ctrl+g")
	if h.a.mode != modeConfirm || !strings.Contains(h.a.confirm.prompt, "Replace the value you entered") {
		t.Fatalf("no question before replacing: mode %v %q", h.a.mode, h.a.confirm.prompt)
	}
	h.keys("n")
	if h.a.mode != modeForm || h.a.form.value.value() != "fake-typed-value" {
		t.Fatalf("n did not keep the typed value (mode %v)", h.a.mode)
	}
	h.keys("ctrl+g", "y")
	if h.a.mode != modeForm || !h.a.form.value.generated || h.a.form.saving || h.a.busy != "" {
		t.Fatalf("y did not generate: mode %v generated %v saving %v busy %q", h.a.mode, h.a.form.value.generated, h.a.form.saving, h.a.busy)
	}
	// A generated value is replaced without asking.
	before := h.a.form.value.value()
	h.keys("ctrl+g")
	if h.a.mode != modeForm || h.a.form.value.value() == before {
		t.Errorf("a second ctrl+g asked or kept the value")
	}
}

// The preview opens with the selected reference in view and lines of
// context above it, at 80×24.
func TestPreviewOpensAtReferenceWithContext(t *testing.T) {
	h := newDemoHarness(t)
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.openTask("billing-report.yaml")
	lines := strings.Split(h.screen(), "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "│ › ") && strings.Contains(l, "Authorization") {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("the selected reference is not on screen:\n%s", h.screen())
	}
	if !strings.Contains(lines[at-1], "headers:") || strings.Contains(lines[at+1], "╰") {
		t.Errorf("no context around the reference:\n%s", h.screen())
	}
}
