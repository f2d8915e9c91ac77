package ui

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/keyring"
)

// TestProgramFlow runs the app in a real Bubble Tea program: filter, create
// a secret through the form, quit. The terminal output must never carry the
// typed value.
func TestProgramFlow(t *testing.T) {
	store := keyring.NewMemStore(func() time.Time { return t0 })
	for _, s := range fixture() {
		store.Put(s.s, s.value)
	}
	a := newModel(context.Background(), Options{Store: store, Now: func() time.Time { return t0 }, Clipboard: &fakeClipboard{}}, config.Default(), nil)
	tm := teatest.NewTestModel(t, a, teatest.WithInitialTermSize(100, 30))
	var out bytes.Buffer
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, io.TeeReader(tm.Output(), &out), func(b []byte) bool {
			return bytes.Contains(out.Bytes(), []byte(what))
		}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	wait("STRIPE_API_KEY")

	tm.Type("/owner=ml")
	tm.Send(tea.KeyPressMsg(tea.Key{Code: tea.KeyEnter}))
	wait("filter")

	const value = "fake-teatest-value-0007-TTST"
	tm.Type("n")
	wait("New secret")
	tm.Type("TEATEST_KEY")
	tm.Send(tea.KeyPressMsg(tea.Key{Code: tea.KeyTab}))
	tm.Send(tea.PasteMsg{Content: value})
	tm.Send(tea.KeyPressMsg(tea.Key{Code: 's', Mod: tea.ModCtrl}))
	wait("created TEATEST_KEY")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	final := tm.FinalModel(t).(*Model)
	if final.filter.Value() != "owner=ml" {
		t.Errorf("filter = %q, want owner=ml", final.filter.Value())
	}
	if store.Reads() != 0 {
		t.Fatalf("keyring reads = %d, want 0: nothing asked for a value", store.Reads())
	}
	got, err := store.Value(context.Background(), "TEATEST_KEY")
	if err != nil || got != value {
		t.Fatalf("stored value wrong (err %v)", err)
	}
	rest, _ := io.ReadAll(tm.FinalOutput(t))
	out.Write(rest)
	if bytes.Contains(out.Bytes(), []byte(value)) || bytes.Contains(out.Bytes(), []byte("fake-openai")) {
		t.Fatal("a value reached the terminal output")
	}
}
