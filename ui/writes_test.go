package ui

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/ui/tasks"
)

// watchedStore is the in-memory store with an index file, as the UI sees
// keyring.OSStore: it names a file the UI polls (IndexPath), its writes
// change that file, and it counts the reads of the whole index.
type watchedStore struct {
	*keyring.MemStore
	path  string
	lists atomic.Int32
}

func (s *watchedStore) IndexPath() string { return s.path }

func (s *watchedStore) List(ctx context.Context) ([]model.Secret, error) {
	s.lists.Add(1)
	return s.MemStore.List(ctx)
}

// touch changes the index file as a write does: one byte more, so the size
// tells even where the clock is coarse.
func (s *watchedStore) touch() {
	f, err := os.OpenFile(s.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		panic(err) // a test helper on a temporary file
	}
	_, _ = f.Write([]byte{'\n'})
	_ = f.Close()
}

func (s *watchedStore) Create(ctx context.Context, sec model.Secret, value string) (model.Secret, error) {
	defer s.touch()
	return s.MemStore.Create(ctx, sec, value)
}

func (s *watchedStore) Update(ctx context.Context, name string, p model.Patch) (model.Secret, error) {
	defer s.touch()
	return s.MemStore.Update(ctx, name, p)
}

func (s *watchedStore) Rotate(ctx context.Context, name, value string) (model.Secret, error) {
	defer s.touch()
	return s.MemStore.Rotate(ctx, name, value)
}

func (s *watchedStore) RotateGenerated(ctx context.Context, name, value string, gen *model.GenSpec) (model.Secret, error) {
	defer s.touch()
	return s.MemStore.RotateGenerated(ctx, name, value, gen)
}

func (s *watchedStore) Rollback(ctx context.Context, name string) (model.Secret, error) {
	defer s.touch()
	return s.MemStore.Rollback(ctx, name)
}

func (s *watchedStore) Delete(ctx context.Context, name string) error {
	defer s.touch()
	return s.MemStore.Delete(ctx, name)
}

// newWatchedHarness is newHarness over a watchedStore whose index file is
// a temporary one.
func newWatchedHarness(t *testing.T, opts ...func(*Options)) (*harness, *watchedStore) {
	t.Helper()
	var ws *watchedStore
	path := filepath.Join(t.TempDir(), "index.toml")
	if err := os.WriteFile(path, []byte("# index\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		ws = &watchedStore{MemStore: o.Store.(*keyring.MemStore), path: path}
		o.Store = ws
		for _, opt := range opts {
			opt(o)
		}
	})
	if got := ws.lists.Load(); got != 1 {
		t.Fatalf("List calls at start = %d, want 1", got)
	}
	return h, ws
}

// TestEachWriteHasItsOwnStatusAndSteps drives every store write through its
// keys and checks what the one handler does for each: the status line, the
// selection, what is forgotten of the old value, and that the list took
// the store's record without reading the index again.
func TestEachWriteHasItsOwnStatusAndSteps(t *testing.T) {
	for _, tt := range []struct {
		name     string
		do       func(h *harness)
		status   string
		selected string
		forgot   string // the name whose mask and reveal are dropped
		gone     string // the name no longer in the list
	}{
		{name: "create", do: func(h *harness) {
			h.keys("n")
			h.typeText("NEW_TOKEN")
			h.keys("tab")
			h.typeText("fake-new-value-0005-NEWV")
			h.keys("enter")
		}, status: "created NEW_TOKEN", selected: "NEW_TOKEN"},
		{name: "save", do: func(h *harness) {
			h.selectName("GITHUB_TOKEN")
			h.keys("v", "e", "tab", "ctrl+u")
			h.typeText("Release token")
			h.keys("ctrl+s")
		}, status: "saved GITHUB_TOKEN", selected: "GITHUB_TOKEN"},
		{name: "rename", do: func(h *harness) {
			h.selectName("SENTRY_DSN")
			h.keys("v", "e", "ctrl+u")
			h.typeText("SENTRY_URL")
			h.keys("enter")
		}, status: "renamed SENTRY_DSN to SENTRY_URL", selected: "SENTRY_URL", forgot: "SENTRY_DSN", gone: "SENTRY_DSN"},
		{name: "rotate", do: func(h *harness) {
			h.selectName("GITHUB_TOKEN")
			h.keys("v", "r")
			h.typeText("fake-rotated-0006-ROTD")
			h.keys("enter", "y")
		}, status: "rotated GITHUB_TOKEN to version 2; R rolls back", selected: "GITHUB_TOKEN", forgot: "GITHUB_TOKEN"},
		{name: "rollback", do: func(h *harness) {
			h.selectName("STRIPE_API_KEY")
			h.keys("v", "R", "y")
		}, status: "rolled STRIPE_API_KEY back: version 4 holds the previous value", selected: "STRIPE_API_KEY", forgot: "STRIPE_API_KEY"},
		{name: "delete", do: func(h *harness) {
			h.selectName("OPENAI_API_KEY")
			h.keys("v", "d", "y")
		}, status: "deleted OPENAI_API_KEY", selected: "SENTRY_DSN", forgot: "OPENAI_API_KEY", gone: "OPENAI_API_KEY"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, ws := newWatchedHarness(t)
			tt.do(h)
			if h.a.status.text != tt.status {
				t.Errorf("status = %q, want %q", h.a.status.text, tt.status)
			}
			if h.a.mode != modeNormal || h.a.form != nil || h.a.busy != "" {
				t.Errorf("after the write: mode %d, form open %t, busy %q", h.a.mode, h.a.form != nil, h.a.busy)
			}
			if h.selected() != tt.selected {
				t.Errorf("selected %q, want %q", h.selected(), tt.selected)
			}
			if tt.forgot != "" {
				if _, ok := h.a.masks[tt.forgot]; ok || h.a.reveal.revealed {
					t.Errorf("the old value of %s is still known: mask kept %t, revealed %t", tt.forgot, ok, h.a.reveal.revealed)
				}
			} else if _, ok := h.a.masks[tt.selected]; tt.name == "save" && !ok {
				t.Error("saving a description dropped the mask of a value that did not change")
			}
			if _, ok := h.a.list.find(tt.gone); tt.gone != "" && ok {
				t.Errorf("%s is still in the list", tt.gone)
			}
			// The list holds exactly the store's records, in order.
			want, err := h.store.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			model.Sort(want, h.a.list.sort, t0)
			if len(want) != len(h.a.list.all) {
				t.Fatalf("list has %d secrets, the store %d", len(h.a.list.all), len(want))
			}
			for i := range want {
				g := h.a.list.all[i].sec
				if g.Name != want[i].Name || g.Version != want[i].Version || g.Description != want[i].Description {
					t.Errorf("row %d = %s v%d %q, store %s v%d %q", i, g.Name, g.Version, g.Description, want[i].Name, want[i].Version, want[i].Description)
				}
			}
			// Neither the write nor the poll after it read the index again:
			// the file changed by this write only.
			h.fire(indexPollMsg{})
			if got := ws.lists.Load(); got != 1 {
				t.Errorf("List calls = %d after the write, want the 1 at start", got)
			}
		})
	}
}

// TestRotateDoesNotReadTheIndexAgain is the case the change was for: a
// rotation in a large store used to read every record again.
func TestRotateDoesNotReadTheIndexAgain(t *testing.T) {
	h, ws := newWatchedHarness(t)
	h.selectName("GITHUB_TOKEN")
	h.keys("r")
	h.typeText("fake-rotated-0006-ROTD")
	h.keys("enter", "y")
	if got := h.get("GITHUB_TOKEN").Version; got != 2 {
		t.Fatalf("store version = %d, want 2", got)
	}
	if s, _ := h.a.list.selected(); s.Version != 2 || !s.RotatedAt.Equal(h.clock) {
		t.Fatalf("list record = v%d rotated %v, want the store's v2 rotated now", s.Version, s.RotatedAt)
	}
	for range 3 {
		h.fire(indexPollMsg{})
	}
	if got := ws.lists.Load(); got != 1 {
		t.Fatalf("List calls = %d, want 1 (the start)", got)
	}
	// ctrl+r still reads it all.
	h.keys("ctrl+r")
	if got := ws.lists.Load(); got != 2 {
		t.Fatalf("List calls after ctrl+r = %d, want 2", got)
	}
}

func TestIndexChangedOnDiskIsRead(t *testing.T) {
	h, ws := newWatchedHarness(t)
	// Nothing changed: the poll only looks.
	if h.fire(indexPollMsg{}) != 1 || ws.lists.Load() != 1 {
		t.Fatalf("List calls = %d after an idle poll, want 1", ws.lists.Load())
	}
	// Another keyward process adds a secret: its index file changes.
	if _, err := h.store.Create(context.Background(), model.Secret{Name: "FROM_CLI"}, "fake-cli-value"); err != nil {
		t.Fatal(err)
	}
	ws.touch()
	if h.fire(indexPollMsg{}) != 1 {
		t.Fatal("the poll did not go on")
	}
	if got := ws.lists.Load(); got != 2 {
		t.Fatalf("List calls = %d after the index changed, want 2", got)
	}
	if _, ok := h.a.list.find("FROM_CLI"); !ok {
		t.Fatalf("the other process's secret is not listed:\n%s", h.screen())
	}
	if want := "the index changed on disk; reloaded: 5 secrets"; h.a.status.text != want {
		t.Fatalf("status = %q, want %q", h.a.status.text, want)
	}
	// Once read, the same file is not read again.
	h.fire(indexPollMsg{})
	if got := ws.lists.Load(); got != 2 {
		t.Fatalf("List calls = %d after a second poll, want still 2", got)
	}
}

// TestWriteAfterAnotherProcessRereads: when the index changed under the
// list before our write, our write's stamp is not taken for the file's, so
// the next poll reads the other process's change too.
func TestWriteAfterAnotherProcessRereads(t *testing.T) {
	h, ws := newWatchedHarness(t)
	if _, err := h.store.Create(context.Background(), model.Secret{Name: "FROM_CLI"}, "fake-cli-value"); err != nil {
		t.Fatal(err)
	}
	ws.touch()
	h.selectName("STRIPE_API_KEY")
	h.keys("R", "y")
	if ws.lists.Load() != 1 {
		t.Fatal("the write read the index")
	}
	h.fire(indexPollMsg{})
	if _, ok := h.a.list.find("FROM_CLI"); !ok || ws.lists.Load() != 2 {
		t.Fatalf("the other process's write was missed (List calls %d)", ws.lists.Load())
	}
}

// TestWriteDuringALoadReadsAgain: a load on its way may have read the index
// before the write; its answer must not bring the old record back.
func TestWriteDuringALoadReadsAgain(t *testing.T) {
	h, ws := newWatchedHarness(t)
	stale := h.a.reload("") // a load that read the index before the rotation
	oldList := stale()
	h.selectName("GITHUB_TOKEN")
	h.keys("r")
	h.typeText("fake-rotated-0006-ROTD")
	h.keys("enter", "y")
	if got := ws.lists.Load(); got != 3 {
		t.Fatalf("List calls = %d, want 3: start, the stale load, one after the write", got)
	}
	h.send(oldList)
	if s, _ := h.a.list.selected(); s.Name != "GITHUB_TOKEN" || s.Version != 2 {
		t.Fatalf("selected %s v%d, want GITHUB_TOKEN v2", s.Name, s.Version)
	}
}

func TestConfirmRunsExactlyItsAction(t *testing.T) {
	h := newHarness(t, fixture())
	var ran []string
	action := func(name string) tea.Cmd {
		return func() tea.Msg { ran = append(ran, name); return nil }
	}
	h.a.ask(confirmation{prompt: "Frob X? y/N", yes: action("frob"), busy: "frobbing X", no: "kept X"})
	h.a.syncKeys() // as Update does after asking
	if h.a.mode != modeConfirm || !strings.Contains(h.screen(), "Frob X? y/N") {
		t.Fatalf("mode %d; screen:\n%s", h.a.mode, h.screen())
	}
	h.keys("y")
	if len(ran) != 1 || ran[0] != "frob" {
		t.Fatalf("y ran %v, want [frob]", ran)
	}
	if h.a.mode != modeNormal || h.a.busy != "frobbing X" || h.a.confirm.yes != nil {
		t.Fatalf("after y: mode %d, busy %q, question kept %t", h.a.mode, h.a.busy, h.a.confirm.yes != nil)
	}
	h.a.busy = ""
	for _, no := range []string{"n", "esc", "enter", "x"} {
		ran = nil
		h.a.ask(confirmation{prompt: "Frob Y? y/N", yes: action("frob"), no: "kept Y"})
		h.a.syncKeys()
		h.keys(no)
		if len(ran) != 0 {
			t.Fatalf("%s ran %v", no, ran)
		}
		if h.a.mode != modeNormal || h.a.status.text != "kept Y" || h.a.busy != "" {
			t.Fatalf("after %s: mode %d, status %q, busy %q", no, h.a.mode, h.a.status.text, h.a.busy)
		}
	}
	// A question asked from a form goes back to it either way.
	h.selectName("GITHUB_TOKEN")
	h.keys("r")
	h.typeText("fake-rotated-0006-ROTD")
	h.keys("enter", "n")
	if h.a.mode != modeRotate || h.a.form == nil || h.a.form.saving {
		t.Fatalf("n from the rotate form: mode %d", h.a.mode)
	}
	if h.get("GITHUB_TOKEN").Version != 1 {
		t.Fatal("n rotated")
	}
}

// readCountFS counts the reads of each file: a preview reads its file.
type readCountFS struct {
	fs.FS
	mu    sync.Mutex
	reads map[string]int
}

func (c *readCountFS) ReadFile(name string) ([]byte, error) {
	c.mu.Lock()
	c.reads[name]++
	c.mu.Unlock()
	return fs.ReadFile(c.FS, name)
}

func (c *readCountFS) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.reads
	c.reads = map[string]int{}
	return r
}

// TestRotateRechecksOnlyTheTasksThatUseIt: a new value changes the masks of
// the files that reference the name, and only those are previewed again.
// The second file holds two documents: its uses are named "m.yaml#1".
func TestRotateRechecksOnlyTheTasksThatUseIt(t *testing.T) {
	files := &readCountFS{FS: mapTasks(map[string]string{
		"a.yaml": taskGitHub,
		"m.yaml": taskStripe + "---\n" + taskStripe,
	}), reads: map[string]int{}}
	h := newHarnessWith(t, fixture(), nil, func(o *Options) { o.Tasks = config.Tasks{FS: files} })
	h.keys("t", "t")
	if got := files.take(); got["a.yaml"] != 2 || got["m.yaml"] != 2 {
		t.Fatalf("previews before the rotation: %v, want each file read twice (names only, then checked)", got)
	}
	h.selectName("STRIPE_API_KEY")
	h.keys("r")
	h.typeText("fake-stripe-rotated-NEWS")
	h.keys("enter", "y")
	if got := files.take(); got["a.yaml"] != 0 || got["m.yaml"] != 1 {
		t.Fatalf("previews after rotating STRIPE_API_KEY: %v, want m.yaml only", got)
	}
	var f tasks.File
	for _, g := range h.a.tasks.Files() {
		if g.Path == "m.yaml" {
			f = g
		}
	}
	if len(f.Results) != 2 {
		t.Fatalf("m.yaml: %d documents, err %v", len(f.Results), f.Err)
	}
	for _, r := range f.Results {
		if ref := r.References[0]; !strings.HasSuffix(ref.Masked, "NEWS") {
			t.Fatalf("%s: %s masked %q, want the new value's mask", r.File, ref.Name, ref.Masked)
		}
	}
	// A new description changes no preview.
	h.keys("e", "tab")
	h.typeText(" (live)")
	h.keys("enter")
	if got := files.take(); len(got) != 0 {
		t.Fatalf("previews after a new description: %v, want none", got)
	}
	// A new name can change any file's suggestions: every file again.
	h.keys("n")
	h.typeText("ANOTHER")
	h.keys("tab")
	h.typeText("fake-another-value")
	h.keys("enter")
	if got := files.take(); got["a.yaml"] != 1 || got["m.yaml"] != 1 {
		t.Fatalf("previews after a create: %v, want both files once", got)
	}
}
