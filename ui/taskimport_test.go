package ui

// Task files that are not plain tasks: literal credentials to import,
// syntax errors, YAML that is not a task, and where the folder comes from.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/config"
)

const hardcodedKey = "sk-proj-" + "Zx81kQ2m9LpR4tVw7Yb3Nc6D"

const taskHardcoded = "name: h\ntools:\n  - name: spider\n    type: integration\n    integration:\n      provider: spider\n      setup:\n" +
	"        spider_api_key: " + hardcodedKey + "\nmain:\n  - tool: spider\n    arguments: {}\n"

func TestImportReadOnlyTask(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"h.yaml": taskHardcoded})}
	})
	h.openTask("h.yaml")
	h.keys("tab")
	for range len(h.a.tasks.items) {
		if h.a.refUnderCursor().kind == refHardcoded {
			break
		}
		h.keys("j")
	}
	if h.a.refUnderCursor().kind != refHardcoded || !h.a.keys.Import.Enabled() {
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
	h.openTask("h.yaml")
	h.keys("tab")
	for range len(h.a.tasks.items) {
		if h.a.refUnderCursor().kind == refHardcoded {
			break
		}
		h.keys("j")
	}
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
	if uses := h.a.tasks.usedBy["SPIDER_KEY"]; len(uses) != 1 {
		t.Fatalf("used by SPIDER_KEY = %+v after the rewrite", uses)
	}
}

func TestTaskFilesThatAreNotTasks(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"bad.yaml": "name: x\nmain:\n  - evaluate: {a: [1, 2\n", "notes.yml": "just: notes\n",
			".hidden.yaml": taskGitHub, "vendor/v.yaml": taskGitHub, "ok.yaml": taskGitHub})}
	})
	if got := h.a.tasks.paths(); strings.Join(got, " ") != "bad.yaml notes.yml ok.yaml" {
		t.Fatalf("task files = %v", got)
	}
	if s := summaryOf(h, "bad.yaml"); !strings.HasPrefix(s, "bad.yaml:3:") {
		t.Errorf("syntax error summary = %q, want file:line:col", s)
	}
	if s := summaryOf(h, "notes.yml"); s != "not a task: it has no main workflow" {
		t.Errorf("not-a-task summary = %q", s)
	}
	h.openTask("bad.yaml")
	if !strings.Contains(h.screen(), "bad.yaml:3:") {
		t.Errorf("the preview does not show where the error is:\n%s", h.screen())
	}
}

func TestTaskStateFromResolvedTasks(t *testing.T) {
	dir := t.TempDir()
	ts := newTaskState(Options{Tasks: config.ResolveTasks(dir, "", config.Default(), false)})
	if ts.dir != dir || !ts.writable || ts.label != dir {
		t.Errorf("folder: dir %q writable %v label %q, want %q writable", ts.dir, ts.writable, ts.label, dir)
	}
	for _, o := range []Options{{Tasks: config.ResolveTasks("", "", config.Default(), true), Demo: true}, {Demo: true}} {
		ts := newTaskState(o)
		if ts.writable || ts.label != "demo tasks (read-only)" || !ts.demo {
			t.Errorf("demo tasks (%+v): writable %v, label %q", o, ts.writable, ts.label)
		}
		if paths, _, err := ts.proj.Tasks(".", 0); err != nil || len(paths) != 3 {
			t.Errorf("demo finds %v (%v), want the 3 demo tasks", paths, err)
		}
	}
}
