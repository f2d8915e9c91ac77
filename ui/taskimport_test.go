package ui

// Task files that are not plain tasks: literal credentials to import,
// syntax errors, YAML that is not a task, and where the folder comes from.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/ui/tasks"
)

const hardcodedKey = "sk-proj-" + "Zx81kQ2m9LpR4tVw7Yb3Nc6D"

const taskHardcoded = "name: h\ntools:\n  - name: spider\n    type: integration\n    integration:\n      provider: spider\n      setup:\n" +
	"        spider_api_key: " + hardcodedKey + "\nmain:\n  - tool: spider\n    arguments: {}\n"

// toLiteral opens h.yaml's preview and moves to its literal credential.
func toLiteral(h *harness) {
	h.openTask("h.yaml")
	h.keys("tab")
	for range h.a.tasks.Ref().Count {
		if h.a.tasks.Ref().Kind == tasks.RefHardcoded {
			break
		}
		h.keys("j")
	}
}

func TestImportReadOnlyTask(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"h.yaml": taskHardcoded})}
	})
	toLiteral(h)
	if h.a.tasks.Ref().Kind != tasks.RefHardcoded || !h.a.tasks.Keys().Import.Enabled() {
		t.Fatalf("no hardcoded literal under the cursor:\n%s", h.screen())
	}
	scr := h.screen()
	if !strings.Contains(scr, "••••••••Nc6D") || !strings.Contains(scr, "i import literal") {
		t.Fatalf("the literal is not shown masked with an import offer:\n%s", scr)
	}
	h.keys("i")
	if h.a.mode != modeForm || h.a.form.kind != formImport || h.a.form.name.Value() != "SPIDER_API_KEY" {
		t.Fatalf("i: mode %d, form %+v", h.a.mode, h.a.form)
	}
	scr = h.screen()
	h.keys("ctrl+s")
	if got := h.value("SPIDER_API_KEY"); got != hardcodedKey {
		t.Fatal("the stored value is not the literal")
	}
	if h.a.mode != modeNormal || !strings.Contains(h.a.status.text, "h.yaml is read-only here") {
		t.Fatalf("mode %d, status %q; want no rewrite offer for a read-only file", h.a.mode, h.a.status.text)
	}
	for _, s := range []string{scr, h.screen(), h.a.status.text} {
		if strings.Contains(s, hardcodedKey) {
			t.Fatal("the literal is on screen")
		}
	}
}

func TestImportRewritesTaskFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "h.yaml")
	if err := os.WriteFile(file, []byte(taskHardcoded), 0o640); err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, fixture(), nil, func(o *Options) { o.Tasks = config.ResolveTasks(dir, "", config.Default(), false) })
	toLiteral(h)
	h.keys("i")
	for range len("SPIDER_API_KEY") {
		h.keys("backspace")
	}
	h.typeText("SPIDER_KEY")
	h.keys("ctrl+s")
	if h.a.mode != modeConfirm || !strings.Contains(h.a.confirmPrompt(), `Rewrite h.yaml to use it? y/N · tools[0].integration.setup.spider_api_key becomes "$ secrets.SPIDER_KEY"`) {
		t.Fatalf("mode %d, prompt %q", h.a.mode, h.a.confirmPrompt())
	}
	h.keys("y")
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got), hardcodedKey) || !strings.Contains(string(got), `spider_api_key: "$ secrets.SPIDER_KEY"`) {
		t.Fatalf("rewritten file:\n%s", got)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode after the rewrite: %v %v", fi.Mode(), err)
	}
	if h.value("SPIDER_KEY") != hardcodedKey {
		t.Fatal("the stored value is not the literal")
	}
	// The rescan sees the reference.
	if uses := h.a.tasks.UsedBy()["SPIDER_KEY"]; len(uses) != 1 {
		t.Fatalf("used by SPIDER_KEY = %+v after the rewrite", uses)
	}
}

// TestImportPutsTheOneRecord: an imported literal joins the list as the
// store's record, like any create, without a read of the whole index; nor
// does the poll after it read one, the index file having changed by this
// write only.
func TestImportPutsTheOneRecord(t *testing.T) {
	h, ws := newWatchedHarness(t, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"h.yaml": taskHardcoded})}
	})
	toLiteral(h)
	h.keys("i", "ctrl+s")
	h.fire(indexPollMsg{})
	if got := ws.lists.Load(); got != 1 {
		t.Errorf("List calls = %d after the import, want the 1 at start", got)
	}
	want, err := h.store.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	model.Sort(want, h.a.list.sort, t0)
	var got []string
	for _, it := range h.a.list.all {
		got = append(got, it.sec.Name)
	}
	var names []string
	for _, s := range want {
		names = append(names, s.Name)
	}
	if !slices.Equal(got, names) || h.selected() != "SPIDER_API_KEY" {
		t.Fatalf("list %v selecting %q, want the store's %v selecting SPIDER_API_KEY", got, h.selected(), names)
	}
}
