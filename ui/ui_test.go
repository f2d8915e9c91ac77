package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// noFixtureValue fails when any fixture value (current or previous) is on
// the screen.
func noFixtureValue(t *testing.T, screen string) {
	t.Helper()
	for _, s := range fixture() {
		for _, v := range []string{s.value, s.prev} {
			if v != "" && strings.Contains(screen, v) {
				t.Fatalf("the screen shows the value of %s:\n%s", s.s.Name, screen)
			}
		}
	}
}

func TestStartupReadsTheIndexOnly(t *testing.T) {
	h := newHarness(t, fixture())
	if got := h.store.Reads(); got != 0 {
		t.Fatalf("keyring reads after start-up = %d, want 0", got)
	}
	if got := len(h.a.list.all); got != 4 {
		t.Fatalf("secrets listed = %d, want 4", got)
	}
	if got := h.selected(); got != "GITHUB_TOKEN" {
		t.Fatalf("selected = %q, want GITHUB_TOKEN (first by name)", got)
	}
	scr := h.screen()
	if !strings.Contains(scr, "4 of 4") {
		t.Errorf("header lacks the count:\n%s", scr)
	}
	noFixtureValue(t, scr)
}

func TestMovingKeys(t *testing.T) {
	h := newHarness(t, fixture())
	// Sorted by name: GITHUB_TOKEN, OPENAI_API_KEY, SENTRY_DSN, STRIPE_API_KEY.
	steps := []struct {
		key  string
		want string
	}{
		{"j", "OPENAI_API_KEY"}, {"down", "SENTRY_DSN"}, {"k", "OPENAI_API_KEY"}, {"up", "GITHUB_TOKEN"},
		{"k", "GITHUB_TOKEN"}, {"G", "STRIPE_API_KEY"}, {"j", "STRIPE_API_KEY"}, {"g", "GITHUB_TOKEN"},
		{"pgdown", "STRIPE_API_KEY"}, {"pgup", "GITHUB_TOKEN"},
	}
	for _, s := range steps {
		h.keys(s.key)
		if got := h.selected(); got != s.want {
			t.Fatalf("after %q selected = %q, want %q", s.key, got, s.want)
		}
	}
	h.send(tea.MouseWheelMsg(tea.Mouse{Button: tea.MouseWheelDown}))
	if got := h.selected(); got != "STRIPE_API_KEY" {
		t.Fatalf("after wheel down selected = %q, want STRIPE_API_KEY", got)
	}
	h.send(tea.MouseWheelMsg(tea.Mouse{Button: tea.MouseWheelUp}))
	if got := h.selected(); got != "GITHUB_TOKEN" {
		t.Fatalf("after wheel up selected = %q, want GITHUB_TOKEN", got)
	}
}

func TestSortCycles(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("s")
	if h.a.list.sort != model.SortUpdated {
		t.Fatalf("sort = %s, want updated", h.a.list.sort)
	}
	h.keys("g")
	if got := h.selected(); got != "OPENAI_API_KEY" {
		t.Fatalf("first by updated = %q, want OPENAI_API_KEY (newest)", got)
	}
	h.keys("s", "g")
	if h.a.list.sort != model.SortDue {
		t.Fatalf("sort = %s, want due", h.a.list.sort)
	}
	if got := h.selected(); got != "STRIPE_API_KEY" {
		t.Fatalf("first by due = %q, want STRIPE_API_KEY (overdue)", got)
	}
	h.keys("s")
	if h.a.list.sort != model.SortName {
		t.Fatalf("sort = %s, want name again", h.a.list.sort)
	}
}

func TestFilterLiveAndEsc(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("/")
	if h.a.mode != modeFilter {
		t.Fatal("/ did not start the filter")
	}
	h.typeText("env=prod")
	if got := len(h.a.list.vis); got != 2 {
		t.Fatalf("env=prod matches %d, want 2", got)
	}
	h.typeText(" stripe")
	if got := len(h.a.list.vis); got != 1 || h.selected() != "STRIPE_API_KEY" {
		t.Fatalf("env=prod stripe matches %d (%s), want 1 STRIPE_API_KEY", got, h.selected())
	}
	if !strings.Contains(h.screen(), "1 of 4") {
		t.Errorf("header lacks 1 of 4:\n%s", h.screen())
	}
	// A bad query is reported and the last good results stay.
	h.typeText(` "x`)
	if h.a.filtErr == "" {
		t.Fatal(`an unterminated quote gave no error`)
	}
	if got := len(h.a.list.vis); got != 1 {
		t.Fatalf("after a bad query %d rows, want the last good 1", got)
	}
	if !strings.Contains(h.screen(), "unterminated quote") {
		t.Errorf("filter error not on screen:\n%s", h.screen())
	}
	for range len(` "x`) {
		h.keys("backspace")
	}
	// Letters go into the filter, never to commands.
	h.typeText("dq")
	if h.a.mode != modeFilter || h.quit {
		t.Fatalf("typing d and q in the filter left the filter (mode %d, quit %v)", h.a.mode, h.quit)
	}
	if got := h.a.filter.Value(); got != "env=prod stripedq" {
		t.Fatalf("filter = %q", got)
	}
	for range 2 {
		h.keys("backspace")
	}
	h.keys("esc")
	if h.a.mode != modeNormal || h.a.filter.Value() != "env=prod stripe" || len(h.a.list.vis) != 1 {
		t.Fatalf("first esc: mode %d, filter %q, %d rows; want normal, kept, 1", h.a.mode, h.a.filter.Value(), len(h.a.list.vis))
	}
	h.keys("esc")
	if h.a.filter.Value() != "" || len(h.a.list.vis) != 4 {
		t.Fatalf("second esc: filter %q, %d rows; want cleared, 4", h.a.filter.Value(), len(h.a.list.vis))
	}
}

func TestFilterRefineNarrowsAndWidens(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("/")
	h.typeText("o")
	n1 := len(h.a.list.vis)
	h.typeText("pen")
	if got := len(h.a.list.vis); got != 1 || h.selected() != "OPENAI_API_KEY" {
		t.Fatalf("'open' matches %d (%s), want 1 OPENAI_API_KEY", got, h.selected())
	}
	for range 3 {
		h.keys("backspace")
	}
	if got := len(h.a.list.vis); got != n1 {
		t.Fatalf("back to 'o' matches %d, want %d again", got, n1)
	}
}

func TestDetailEnterAddsPairToFilter(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("STRIPE_API_KEY")
	h.keys("tab")
	if h.a.focus != focusDetail {
		t.Fatal("tab did not focus the detail pane")
	}
	h.keys("j", "enter") // pairs in key order: env, owner, service
	if got := h.a.filter.Value(); got != "owner=payments" {
		t.Fatalf("filter = %q, want owner=payments", got)
	}
	if got := len(h.a.list.vis); got != 1 {
		t.Fatalf("rows = %d, want 1", got)
	}
	if h.a.focus != focusList {
		t.Fatal("focus did not return to the list")
	}
	h.keys("tab", "k", "enter")
	if got := h.a.filter.Value(); got != "owner=payments env=prod" {
		t.Fatalf("filter = %q, want owner=payments env=prod", got)
	}
}

func TestFilterFromPairWithSpaceInKey(t *testing.T) {
	h := newHarness(t, []seedSecret{
		{s: sec("A", "", map[string]string{"team lead": "ana"}, model.Day, 0, 1), value: "value-a-0001"},
		{s: sec("B", "", map[string]string{"team": "ana"}, model.Day, 0, 1), value: "value-b-0001"},
	})
	h.selectName("A")
	h.keys("tab", "enter")
	if got := h.a.filter.Value(); got != `"team lead"=ana` {
		t.Fatalf("filter = %q", got)
	}
	if got := len(h.a.list.vis); got != 1 || h.selected() != "A" {
		t.Fatalf("the filter from the pair shows %d rows (selected %q), want only A", got, h.selected())
	}
}

func TestRevealAndAutoHide(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("STRIPE_API_KEY")
	if strings.Contains(h.screen(), "fake-stripe-value") {
		t.Fatal("value shown before v")
	}
	h.keys("v")
	if h.store.Reads() != 1 {
		t.Fatalf("reads = %d, want 1", h.store.Reads())
	}
	if !strings.Contains(h.screen(), "fake-stripe-value-0001-WXYZ") {
		t.Fatalf("v did not reveal:\n%s", h.screen())
	}
	// The reveal timer hides it.
	if n := h.fire(revealExpiredMsg{}); n != 1 {
		t.Fatalf("reveal timers = %d, want 1", n)
	}
	scr := h.screen()
	if strings.Contains(scr, "fake-stripe-value") {
		t.Fatal("value still shown after the timeout")
	}
	if h.a.reveal.value != "" {
		t.Fatal("the model still holds the value")
	}
	if !strings.Contains(scr, "••••••••WXYZ") {
		t.Fatalf("mask with the last four missing after a read:\n%s", scr)
	}
	// v again hides.
	h.keys("v")
	h.keys("v")
	if strings.Contains(h.screen(), "fake-stripe-value") {
		t.Fatal("second v did not hide")
	}
	// Moving the selection hides.
	h.keys("v", "k")
	if h.a.reveal.revealed || strings.Contains(h.screen(), "fake-stripe-value") {
		t.Fatal("moving did not hide")
	}
}

func TestRevealDropsStaleReplies(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("GITHUB_TOKEN")
	// Press v but move before the reply lands: the reply must be dropped.
	_, cmd := h.a.Update(keyPress("v"))
	h.keys("j")
	h.run(cmd)
	if h.a.reveal.revealed || strings.Contains(h.screen(), "fake-github-value") {
		t.Fatal("a stale value read was shown")
	}
}

func TestCopyAndAutoClear(t *testing.T) {
	h := newHarness(t, fixture())
	h.selectName("OPENAI_API_KEY")
	h.keys("c")
	if got := h.clip.get(); got != "fake-openai-value-0003-OPAI" {
		t.Fatal("system clipboard does not hold the value")
	}
	if len(h.osc52) != 1 || h.osc52[0] != "fake-openai-value-0003-OPAI" {
		t.Fatalf("OSC 52 writes = %d, want the value once", len(h.osc52))
	}
	if !strings.Contains(h.screen(), "clipboard clears in 30s") {
		t.Fatalf("no countdown:\n%s", h.screen())
	}
	noFixtureValue(t, h.screen())
	h.clock = h.clock.Add(10 * time.Second)
	h.fire(clipboardTickMsg{})
	if !strings.Contains(h.screen(), "clipboard clears in 20s") {
		t.Fatalf("countdown did not advance:\n%s", h.screen())
	}
	h.clock = h.clock.Add(20 * time.Second)
	h.fire(clipboardTickMsg{})
	if got := h.clip.get(); got != "" {
		t.Fatal("clipboard not cleared after 30s")
	}
	if len(h.osc52) != 2 || h.osc52[1] != "" {
		t.Fatalf("OSC 52 not cleared: %d writes", len(h.osc52))
	}
	if h.a.status.text != "clipboard cleared" {
		t.Fatalf("status = %q", h.a.status.text)
	}
}

func TestCopyLeavesClipboardTheUserChanged(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("c")
	h.clip.set("something the user copied")
	h.clock = h.clock.Add(31 * time.Second)
	h.fire(clipboardTickMsg{})
	if got := h.clip.get(); got != "something the user copied" {
		t.Fatalf("clipboard = %q, want the user's text kept", got)
	}
	if len(h.osc52) != 1 {
		t.Fatalf("OSC 52 writes = %d, want only the copy", len(h.osc52))
	}
	if !strings.Contains(h.a.status.text, "left alone") {
		t.Fatalf("status = %q", h.a.status.text)
	}
}

func TestCopyOSC52OnlyChecksWithTheTerminal(t *testing.T) {
	h := newHarness(t, fixture())
	h.a.clip = nil // no system clipboard, as over SSH
	h.keys("c")
	h.clock = h.clock.Add(30 * time.Second)
	h.fire(clipboardTickMsg{})
	if h.reads != 1 {
		t.Fatalf("OSC 52 read requests = %d, want 1", h.reads)
	}
	h.send(tea.ClipboardMsg{Content: "fake-github-value-0002-GHTK"})
	if len(h.osc52) != 2 || h.osc52[1] != "" {
		t.Fatalf("OSC 52 writes = %v-long, want a clearing write", len(h.osc52))
	}
	// A terminal that never answers: nothing is cleared, the user is told.
	h.keys("c")
	h.clock = h.clock.Add(30 * time.Second)
	h.fire(clipboardTickMsg{})
	h.fire(clipboardReadTimedOutMsg{})
	if len(h.osc52) != 3 {
		t.Fatalf("OSC 52 writes = %d, want no clearing without an answer", len(h.osc52))
	}
	if !strings.Contains(h.a.status.text, "clipboard not cleared") {
		t.Fatalf("status = %q", h.a.status.text)
	}
}

func TestQuitClearsOurClipboard(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("c", "q")
	if !h.quit {
		t.Fatal("q did not quit")
	}
	if h.clip.get() != "" {
		t.Fatal("quitting left our value in the clipboard")
	}
}

func TestReloadShowsOtherProcessesChanges(t *testing.T) {
	h := newHarness(t, fixture())
	other := model.Secret{Name: "FROM_CLI", Description: "made elsewhere"}
	if _, err := h.store.Create(context.Background(), other, "fake-cli-value"); err != nil {
		t.Fatal(err)
	}
	if len(h.a.list.all) != 4 {
		t.Fatal("list changed without a reload")
	}
	h.keys("ctrl+r")
	if len(h.a.list.all) != 5 {
		t.Fatalf("after ctrl+r %d secrets, want 5", len(h.a.list.all))
	}
	if !strings.Contains(h.screen(), "FROM_CLI") || !strings.Contains(h.a.status.text, "reloaded: 5 secrets") {
		t.Fatalf("status %q; screen:\n%s", h.a.status.text, h.screen())
	}
	// A stale load (an older sequence number) is dropped.
	h.send(indexLoadedMsg{seq: h.a.indexSeq - 1, secrets: nil})
	if len(h.a.list.all) != 5 {
		t.Fatal("a stale index load replaced the list")
	}
}

func TestQuitKeys(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("q")
	if !h.quit {
		t.Fatal("q did not quit")
	}
	h = newHarness(t, fixture())
	h.keys("n")
	h.typeText("q")
	if h.quit {
		t.Fatal("q in a form quit")
	}
	h.keys("ctrl+c")
	if !h.quit {
		t.Fatal("ctrl+c in a form did not quit")
	}
}

func TestHelpListsBindings(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("tab", "?") // from the detail pane, where enter filters by a pair
	scr := h.screen()
	for _, want := range []string{"roll back", "reveal", "copy", "filter by pair", "generate value", "reload"} {
		if !strings.Contains(scr, want) {
			t.Errorf("help lacks %q:\n%s", want, scr)
		}
	}
	if !strings.Contains(scr, "tasks") {
		t.Error("help does not list t for the tasks view")
	}
	for _, not := range []string{"open task", "import literal"} {
		if strings.Contains(scr, not) {
			t.Errorf("the secrets view's help lists %q, a tasks-view key", not)
		}
	}
	h.keys("esc")
	if h.a.mode != modeNormal {
		t.Fatal("esc did not close help")
	}
}

func TestStatusClearsOnKeyAndTimer(t *testing.T) {
	h := newHarness(t, fixture())
	h.keys("s")
	if h.a.status.text == "" {
		t.Fatal("no status after s")
	}
	h.keys("j")
	if h.a.status.text != "" {
		t.Fatalf("status %q survived a key", h.a.status.text)
	}
	h.keys("s")
	h.fire(statusExpiredMsg{})
	if h.a.status.text != "" {
		t.Fatalf("status %q survived its timer", h.a.status.text)
	}
}

func TestIndexTextIsMadePrintable(t *testing.T) {
	evil := model.Secret{Name: "EVIL", Description: "hi\x1b[2J\x1b]52;c;Zm9v\x07there",
		Metadata: map[string]string{"k\x1b[31m": "v\u202e"}, CreatedAt: t0, UpdatedAt: t0, Version: 1}
	h := newHarness(t, []seedSecret{{s: evil, value: "fake-evil"}})
	out := h.a.render()
	if strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\x1b]52") || strings.Contains(out, "\u202e") {
		t.Fatalf("index text reached the terminal raw: %q", out)
	}
	if !strings.Contains(h.screen(), `hi\x1b[2J`) {
		t.Fatalf("escape not made visible:\n%s", h.screen())
	}
}

func TestSlowKeyringDoesNotBlockUpdate(t *testing.T) {
	h := newHarness(t, fixture())
	release := make(chan struct{})
	h.store.SetHook(func(op, user string) error {
		if op == "get" {
			<-release
		}
		return nil
	})
	start := time.Now()
	_, cmd := h.a.Update(keyPress("v"))
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("Update blocked for %s", d)
	}
	if !strings.Contains(h.screen(), "reading the keyring") {
		t.Fatalf("no waiting status:\n%s", h.screen())
	}
	close(release)
	h.run(cmd)
	if !h.a.reveal.revealed {
		t.Fatal("value not revealed once the keyring answered")
	}
}

func TestTooSmall(t *testing.T) {
	h := newHarness(t, fixture())
	h.send(tea.WindowSizeMsg{Width: 40, Height: 10})
	if !strings.Contains(h.screen(), "terminal too small") {
		t.Fatalf("no too-small notice:\n%s", h.screen())
	}
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if strings.Contains(h.screen(), "terminal too small") {
		t.Fatal("still too small at 80×24")
	}
}

// panicStore panics in Value with a message holding a (fake) value.
type panicStore struct{ *keyring.MemStore }

func (p panicStore) Value(ctx context.Context, name string) (string, error) {
	panic("fake-panic-value-0008")
}

func TestPanicsNeverReachTheTerminal(t *testing.T) {
	h := newHarness(t, fixture())
	h.a.store = panicStore{h.store}
	h.keys("v")
	if !strings.Contains(h.a.status.text, "internal error") || strings.Contains(h.a.status.text, "fake-panic") {
		t.Fatalf("status = %q", h.a.status.text)
	}
	if h.quit {
		t.Fatal("a panicking Cmd quit the app")
	}
	// A panic in Update quits cleanly and Run reports ErrInternal.
	h.a.list.vis = append(h.a.list.vis, 99) // a broken index: selecting it panics
	h.keys("G")
	if !h.quit || !h.a.crashed {
		t.Fatalf("quit %v, crashed %v after a panic in Update", h.quit, h.a.crashed)
	}
}

// failingList fails to read the index until fixed.
type failingList struct {
	*keyring.MemStore
	fail bool
}

func (f *failingList) List(ctx context.Context) ([]model.Secret, error) {
	if f.fail {
		return nil, errors.New("index.toml: line 3: expected '='")
	}
	return f.MemStore.List(ctx)
}

func TestIndexLoadErrorThenRetry(t *testing.T) {
	h := newHarness(t, fixture())
	st := &failingList{MemStore: h.store, fail: true}
	h.a.store = st
	h.a.loaded = false
	h.keys("ctrl+r")
	if scr := h.screen(); !strings.Contains(scr, "could not read the index") || !strings.Contains(scr, "ctrl+r tries again") {
		t.Fatalf("no load error on screen:\n%s", scr)
	}
	st.fail = false
	h.keys("ctrl+r")
	if !h.a.loaded || len(h.a.list.all) != 4 {
		t.Fatalf("retry: loaded %v, %d secrets", h.a.loaded, len(h.a.list.all))
	}
}
func TestConfigWarningShownAtStart(t *testing.T) {
	_, warns := config.Parse("config.toml", "reveal_timeout = \"x\"\n")
	h := newHarness(t, fixture())
	a := newModel(h.a.ctx, Options{Store: h.store}, config.Default(), warns)
	if !strings.Contains(a.status.text, "config.toml:1: reveal_timeout") {
		t.Fatalf("status = %q", a.status.text)
	}
}

func TestRevealTimeoutFromConfig(t *testing.T) {
	h := newHarness(t, fixture())
	h.a.cfg.RevealTimeout = 7 * time.Second
	h.keys("v")
	var got time.Duration
	for _, tm := range h.timers {
		if _, ok := tm.msg.(revealExpiredMsg); ok {
			got = tm.d
		}
	}
	if got != 7*time.Second {
		t.Fatalf("reveal timer = %s, want 7s from the config", got)
	}
}

func TestClickSelectsAndFocuses(t *testing.T) {
	h := newHarness(t, fixture())
	// 100×30 is side by side: the header is one line and the list's top
	// border another, so the third row of the list is at y = 1+1+2.
	click := func(x, y int) {
		h.send(tea.MouseClickMsg(tea.Mouse{X: x, Y: y, Button: tea.MouseLeft}))
	}
	click(10, 4)
	if h.selected() != h.a.list.all[h.a.list.vis[2]].sec.Name || h.a.focus != focusList {
		t.Fatalf("after a click on the third row: selected %q, focus %v", h.selected(), h.a.focus)
	}
	click(h.a.listW+5, 6)
	if h.a.focus != focusDetail {
		t.Fatalf("a click on the detail pane: focus %v", h.a.focus)
	}
	before := h.selected()
	click(10, 2+20) // below the last row: focus only
	if h.selected() != before || h.a.focus != focusList {
		t.Fatalf("a click below the rows: selected %q (was %q), focus %v", h.selected(), before, h.a.focus)
	}
	h.keys("/")
	click(10, 3)
	if h.selected() != before {
		t.Fatal("a click while the filter is open moved the selection")
	}
}
