package tasks

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/ui/internal/safecmd"
)

// t0 is the fixed clock of every test.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// heldMsg is a timer the harness holds until the test fires it.
type heldMsg struct{ msg tea.Msg }

// storeIndex is the store's names as the root's list would have them.
type storeIndex struct {
	st     *keyring.MemStore
	loaded bool
}

func (x *storeIndex) Loaded() bool { return x.loaded }

func (x *storeIndex) Names() []string {
	if !x.loaded {
		return nil
	}
	list, err := x.st.List(context.Background())
	if err != nil {
		panic(err)
	}
	names := make([]string, len(list))
	for i := range list {
		names[i] = list[i].Name
	}
	return names
}

func (x *storeIndex) Has(name string) bool { return slices.Contains(x.Names(), name) }

// harness drives the view alone, as the root would: every Cmd runs at once
// and its Msg goes back into Update; timers wait for fire; actions are
// recorded for the test to look at.
type harness struct {
	t      *testing.T
	m      *Model
	store  *keyring.MemStore
	index  *storeIndex
	timers []tea.Msg
	acts   []Action
}

// fixture seeds four secrets with fake, recognisable values.
func fixture(st *keyring.MemStore, now time.Time) {
	for name, v := range map[string]string{"STRIPE_API_KEY": "fake-stripe-value-0001-WXYZ", "GITHUB_TOKEN": "fake-github-value-0002-GHTK",
		"OPENAI_API_KEY": "fake-openai-value-0003-OPAI", "SENTRY_DSN": "fake-sentry-0004"} {
		st.Put(model.Secret{Name: name, CreatedAt: now, UpdatedAt: now, RotatedAt: now, Version: 1}, v)
	}
}

// newHarness is the view over a store seeded by seed (nil for none) whose
// index is loaded, on the task files of opts (an empty folder unless it
// says otherwise), sized as the root sizes it at 100×30.
func newHarness(t *testing.T, seed func(*keyring.MemStore, time.Time), opts func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, store: keyring.NewMemStore(func() time.Time { return t0 })}
	if seed != nil {
		seed(h.store, t0)
	}
	h.index = &storeIndex{st: h.store, loaded: true}
	o := Options{Tasks: config.Tasks{FS: fstest.MapFS{}}, Index: h.index,
		Value: func(name string) (string, error) { return h.store.Value(context.Background(), name) },
		After: func(_ time.Duration, msg tea.Msg) tea.Cmd { return func() tea.Msg { return heldMsg{msg} } }}
	if opts != nil {
		opts(&o)
	}
	h.m = New(o)
	h.m.SetSize(96, 23)
	h.run(h.m.Init())
	return h
}

// run executes cmd and feeds what it returns back into Update.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case heldMsg:
		h.timers = append(h.timers, msg.msg)
	case Msg:
		h.send(msg)
	case safecmd.PanickedMsg:
		h.t.Fatal("a Cmd panicked")
	default:
		h.t.Fatalf("unexpected message %T", msg)
	}
}

func (h *harness) send(msg Msg) {
	h.t.Helper()
	cmd, act := h.m.Update(msg)
	h.act(act)
	h.run(cmd)
}

func (h *harness) act(a Action) {
	if a != nil {
		h.acts = append(h.acts, a)
	}
}

// last is the last action recorded, or nil.
func (h *harness) last() Action {
	if len(h.acts) == 0 {
		return nil
	}
	return h.acts[len(h.acts)-1]
}

// lastOf is the last action of type T recorded.
func lastOf[T Action](h *harness) (T, bool) {
	for i := len(h.acts) - 1; i >= 0; i-- {
		if a, ok := h.acts[i].(T); ok {
			return a, true
		}
	}
	var zero T
	return zero, false
}

// fire delivers the held timers whose message has the type of example.
func (h *harness) fire(example tea.Msg) int {
	h.t.Helper()
	want := reflect.TypeOf(example)
	var keep, due []tea.Msg
	for _, msg := range h.timers {
		if reflect.TypeOf(msg) == want {
			due = append(due, msg)
		} else {
			keep = append(keep, msg)
		}
	}
	h.timers = keep
	for _, msg := range due {
		h.send(msg.(Msg))
	}
	return len(due)
}

func keyPress(s string) tea.KeyPressMsg {
	special := map[string]tea.Key{
		"enter": {Code: tea.KeyEnter}, "up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown},
		"pgdown": {Code: tea.KeyPgDown}, "pgup": {Code: tea.KeyPgUp},
	}
	if k, ok := special[s]; ok {
		return tea.KeyPressMsg(k)
	}
	return tea.KeyPressMsg(tea.Key{Code: []rune(s)[0], Text: s})
}

// keys presses each key in turn in the focused pane.
func (h *harness) keys(ks ...string) {
	h.t.Helper()
	for _, k := range ks {
		h.act(h.m.HandleKey(keyPress(k)))
	}
}

// open shows the view, as t does: the first time it checks the task files
// against the store.
func (h *harness) open() {
	h.t.Helper()
	if h.m.focus == PaneNone {
		h.m.SetFocus(PaneList)
		h.run(h.m.Open())
	}
}

// openTask opens the view and selects the file at path.
func (h *harness) openTask(path string) {
	h.t.Helper()
	h.open()
	h.m.SetFocus(PaneList)
	h.keys("g")
	for range len(h.m.files) {
		if h.m.Selected() == path {
			return
		}
		h.keys("j")
	}
	h.t.Fatalf("could not select task %s", path)
}

// toRef moves the preview's cursor to the first stop naming name.
func (h *harness) toRef(name string) Ref {
	h.t.Helper()
	h.m.SetFocus(PanePreview)
	h.keys("g")
	for range h.m.Ref().Count {
		if r := h.m.Ref(); r.Name == name {
			return r
		}
		h.keys("j")
	}
	h.t.Fatalf("no reference to %s in %s", name, h.m.Selected())
	return Ref{}
}

// screen is the plain text of both panes, the list above the preview.
func (h *harness) screen() string {
	return ansi.Strip(h.m.ListView() + "\n" + h.m.PreviewView())
}

func summaryOf(h *harness, path string) string {
	h.t.Helper()
	if _, ok := h.m.byPath[path]; !ok {
		h.t.Fatalf("no task file %s", path)
	}
	return ansi.Strip(h.m.Summary(path))
}

// Tasks in a MapFS for the tests. GITHUB_TOKEN and STRIPE_API_KEY are
// fixture secrets; NOT_STORED is not.
const (
	taskGitHub = "name: release\nmain:\n  - evaluate:\n      token: $ secrets.GITHUB_TOKEN\n"
	taskBoth   = "name: pay\nmain:\n  - evaluate:\n      a: $ secrets.GITHUB_TOKEN\n      b: $ secrets.NOT_STORED\n"
	taskStripe = "name: stripe\nmain:\n  - evaluate:\n      key: $ secrets.STRIPE_API_KEY\n"
)

func mapTasks(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for p, text := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(text), ModTime: t0}
	}
	return fsys
}

// noValue fails when a screen shows a value of the store.
func noValue(t *testing.T, h *harness, screens ...string) {
	t.Helper()
	list, err := h.store.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		v, err := h.store.Value(context.Background(), s.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, scr := range screens {
			if strings.Contains(scr, v) {
				t.Fatalf("a screen shows the value of %s:\n%s", s.Name, scr)
			}
		}
	}
}
