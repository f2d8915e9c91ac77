package safecmd

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestWrap(t *testing.T) {
	if got := Wrap(func() tea.Msg { panic("fake-secret-value") })(); got != (PanickedMsg{}) {
		t.Fatalf("a panicking Cmd returned %#v, want PanickedMsg{}", got)
	}
	if got := Wrap(func() tea.Msg { return 7 })(); got != 7 {
		t.Fatalf("Wrap changed a message: %#v, want 7", got)
	}
}
