package ui

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/ui/tasks"
)

// t0 is the fixed clock of every test.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// timerMsg is a timer the harness holds until the test fires it.
type timerMsg struct {
	d   time.Duration
	msg tea.Msg
}

// fakeClipboard is a system clipboard in memory.
type fakeClipboard struct {
	mu     sync.Mutex
	text   string
	writes int
	fail   error
}

func (c *fakeClipboard) WriteText(_ context.Context, s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	c.text = s
	c.writes++
	return nil
}

func (c *fakeClipboard) ReadText(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text, nil
}

func (c *fakeClipboard) get() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text
}

func (c *fakeClipboard) set(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text = s
}

// harness drives the app like the Bubble Tea runtime does, but
// synchronously: every Cmd runs at once and its message goes back into
// Update; timers wait for fire.
type harness struct {
	t      *testing.T
	a      *Model
	store  *keyring.MemStore
	clock  time.Time
	clip   *fakeClipboard
	timers []timerMsg
	osc52  []string // what tea.SetClipboard was asked to write
	reads  int      // OSC 52 read requests
	quit   bool
}

type seedSecret struct {
	s     model.Secret
	value string
	prev  string
}

func sec(name, desc string, md map[string]string, age time.Duration, every time.Duration, version int) model.Secret {
	created := t0.Add(-age)
	return model.Secret{Name: name, Description: desc, Metadata: md, CreatedAt: created.Add(-time.Hour),
		UpdatedAt: created, RotatedAt: created, Version: version, RotateEvery: model.Duration(every)}
}

// fixture is a small store with metadata, one due secret and one with a
// previous value. Values are fake and recognisable.
func fixture() []seedSecret {
	return []seedSecret{
		{s: sec("STRIPE_API_KEY", "Stripe live key for the payments API", map[string]string{"env": "prod", "owner": "payments", "service": "stripe"}, 120*model.Day, 90*model.Day, 3),
			value: "fake-stripe-value-0001-WXYZ", prev: "fake-stripe-previous-0000-PREV"},
		{s: sec("GITHUB_TOKEN", "CI token for releases", map[string]string{"env": "prod", "owner": "platform"}, 20*model.Day, 90*model.Day, 1),
			value: "fake-github-value-0002-GHTK"},
		{s: sec("OPENAI_API_KEY", "Support agent model access", map[string]string{"env": "staging", "owner": "ml"}, 10*model.Day, 0, 2),
			value: "fake-openai-value-0003-OPAI"},
		{s: sec("SENTRY_DSN", "", nil, 400*model.Day, 0, 1),
			value: "fake-sentry-0004"},
	}
}

func newHarness(t *testing.T, seeds []seedSecret) *harness {
	t.Helper()
	return newHarnessWith(t, seeds, nil, nil)
}

// newHarnessWith is newHarness with a seeding function (nil for none) and
// a change to the options. The task files are an empty folder unless opts
// says otherwise.
func newHarnessWith(t *testing.T, seeds []seedSecret, seed func(*keyring.MemStore, time.Time), opts func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, clock: t0, clip: &fakeClipboard{}}
	h.store = keyring.NewMemStore(func() time.Time { return h.clock })
	for _, s := range seeds {
		h.store.Put(s.s, s.value)
		if s.prev != "" {
			h.store.PutPrevious(s.s.Name, s.prev)
		}
	}
	if seed != nil {
		seed(h.store, h.clock)
	}
	o := Options{Store: h.store, Now: func() time.Time { return h.clock }, Clipboard: h.clip, Tasks: config.Tasks{FS: fstest.MapFS{}},
		Config: config.Default()}
	if opts != nil {
		opts(&o)
	}
	h.a = newModel(context.Background(), o, o.Config, nil)
	h.a.noColor = true
	h.a.st = newStyles(true, true, h.a.palette)
	h.a.after = func(d time.Duration, msg tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{d, msg} }
	}
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.run(h.a.Init())
	return h
}

// run executes cmd and feeds what it returns back into Update.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(5 * time.Second):
		h.t.Fatal("a Cmd did not return within 5s")
	}
	switch m := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			h.run(c)
		}
	case timerMsg:
		h.timers = append(h.timers, m)
	case tea.QuitMsg:
		h.quit = true
	default:
		switch fmt.Sprintf("%T", msg) {
		case "tea.setClipboardMsg":
			h.osc52 = append(h.osc52, reflect.ValueOf(msg).String())
		case "tea.readClipboardMsg":
			h.reads++
		case "tea.backgroundColorMsg", "tea.requestBackgroundColorMsg":
		default:
			h.send(msg)
		}
	}
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.a.Update(msg)
	h.run(cmd)
}

// fire delivers the held timers whose message has the type of example.
func (h *harness) fire(example tea.Msg) int {
	h.t.Helper()
	want := reflect.TypeOf(example)
	var keep, due []timerMsg
	for _, tm := range h.timers {
		if reflect.TypeOf(tm.msg) == want {
			due = append(due, tm)
		} else {
			keep = append(keep, tm)
		}
	}
	h.timers = keep
	for _, tm := range due {
		h.send(tm.msg)
	}
	return len(due)
}

// fireTasks delivers the held timers of the tasks view (its poll).
func (h *harness) fireTasks() int {
	h.t.Helper()
	var keep, due []timerMsg
	for _, tm := range h.timers {
		if _, ok := tm.msg.(tasks.Msg); ok {
			due = append(due, tm)
		} else {
			keep = append(keep, tm)
		}
	}
	h.timers = keep
	for _, tm := range due {
		h.send(tm.msg)
	}
	return len(due)
}

func keyPress(s string) tea.KeyPressMsg {
	special := map[string]tea.Key{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift}, "backspace": {Code: tea.KeyBackspace},
		"up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown}, "pgdown": {Code: tea.KeyPgDown},
		"pgup": {Code: tea.KeyPgUp}, "space": {Code: tea.KeySpace, Text: " "},
	}
	if k, ok := special[s]; ok {
		return tea.KeyPressMsg(k)
	}
	if rest, ok := strings.CutPrefix(s, "ctrl+"); ok {
		return tea.KeyPressMsg(tea.Key{Code: rune(rest[0]), Mod: tea.ModCtrl})
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg(tea.Key{Code: r, Text: s})
}

// keys presses each key in turn.
func (h *harness) keys(ks ...string) {
	h.t.Helper()
	for _, k := range ks {
		h.send(keyPress(k))
	}
}

// typeText types s one character at a time.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		if r == ' ' {
			h.send(keyPress("space"))
			continue
		}
		h.send(tea.KeyPressMsg(tea.Key{Code: r, Text: string(r)}))
	}
}

// screen is the plain text of the current frame.
func (h *harness) screen() string { return ansi.Strip(h.a.render()) }

func (h *harness) selected() string { return h.a.list.selectedName() }

func (h *harness) value(name string) string {
	h.t.Helper()
	v, err := h.store.Value(context.Background(), name)
	if err != nil {
		h.t.Fatalf("Value(%q): %v", name, err)
	}
	return v
}

func (h *harness) get(name string) model.Secret {
	h.t.Helper()
	s, err := h.store.Get(context.Background(), name)
	if err != nil {
		h.t.Fatalf("Get(%q): %v", name, err)
	}
	return s
}

func (h *harness) selectName(name string) {
	h.t.Helper()
	h.keys("g")
	for range len(h.a.list.vis) + 1 {
		if h.selected() == name {
			return
		}
		h.keys("j")
	}
	h.t.Fatalf("could not select %s; selected %s", name, h.selected())
}
