package tasks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"charm.land/bubbles/v2/help"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/taskpreview"
)

func TestTasksReloadOnChange(t *testing.T) {
	fsys := mapTasks(map[string]string{"a.yaml": taskGitHub})
	h := newHarness(t, fixture, func(o *Options) { o.Tasks = config.Tasks{FS: fsys} })
	used := func(name string) bool { _, ok := h.m.usedBy[name]; return ok }
	if !used("GITHUB_TOKEN") || used("STRIPE_API_KEY") {
		t.Fatalf("used by = %v", h.m.usedBy)
	}
	// Nothing changed: the poll previews nothing.
	seq := h.m.prevSeq
	if n := h.fire(pollMsg{}); n != 1 {
		t.Fatalf("poll timers = %d, want 1", n)
	}
	if h.m.prevSeq != seq {
		t.Fatal("an unchanged file was previewed again")
	}
	// The file changes on disk.
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte(taskStripe), ModTime: t0.Add(time.Second)}
	h.fire(pollMsg{})
	if used("GITHUB_TOKEN") || !used("STRIPE_API_KEY") {
		t.Fatalf("after the change used by = %v", h.m.usedBy)
	}
	// A new file appears, then goes.
	fsys["b.yaml"] = &fstest.MapFile{Data: []byte(taskGitHub), ModTime: t0}
	h.fire(pollMsg{})
	if len(h.m.files) != 2 || !used("GITHUB_TOKEN") {
		t.Fatalf("after adding b.yaml: %d files, used by %v", len(h.m.files), h.m.usedBy)
	}
	delete(fsys, "b.yaml")
	h.fire(pollMsg{})
	if len(h.m.files) != 1 || used("GITHUB_TOKEN") {
		t.Fatalf("after removing b.yaml: %d files, used by %v", len(h.m.files), h.m.usedBy)
	}
	// A stale preview (an older request) is dropped.
	h.send(previewedMsg{seq: h.m.prevSeq - 1, files: []taskpreview.FilePreview{{Path: "a.yaml", Err: errors.New("stale")}}})
	if f := h.m.files[0]; f.Err != nil || len(f.Results) != 1 {
		t.Fatal("a stale preview replaced the current one")
	}
	// So is a stale poll timer.
	scan := h.m.scanSeq
	h.send(pollMsg{seq: h.m.pollSeq - 1})
	if h.m.scanSeq != scan {
		t.Fatal("a stale poll started a scan")
	}
}

func TestTaskFilesThatAreNotTasks(t *testing.T) {
	h := newHarness(t, fixture, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"bad.yaml": "name: x\nmain:\n  - evaluate: {a: [1, 2\n", "notes.yml": "just: notes\n",
			".hidden.yaml": taskGitHub, "vendor/v.yaml": taskGitHub, "ok.yaml": taskGitHub})}
	})
	if got := h.m.paths(); strings.Join(got, " ") != "bad.yaml notes.yml ok.yaml" {
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
	ts := New(Options{Tasks: config.ResolveTasks(dir, "", config.Default(), false)})
	if ts.dir != dir || !ts.writable || ts.label != dir {
		t.Errorf("folder: dir %q writable %v label %q, want %q writable", ts.dir, ts.writable, ts.label, dir)
	}
	for _, o := range []Options{{Tasks: config.ResolveTasks("", "", config.Default(), true), Demo: true}, {Demo: true}} {
		ts := New(o)
		if ts.writable || ts.label != "demo tasks (read-only)" || !ts.demo {
			t.Errorf("demo tasks (%+v): writable %v, label %q", o, ts.writable, ts.label)
		}
		if paths, _, err := ts.proj.Tasks(".", 0); err != nil || len(paths) != 3 {
			t.Errorf("demo finds %v (%v), want the 3 demo tasks", paths, err)
		}
	}
}

// TestEnterActions: enter asks the root to open the preview, to go to a
// secret the store holds, or to create a missing one; it does nothing on a
// name the index has not been read for.
func TestEnterActions(t *testing.T) {
	h := newHarness(t, fixture, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"pay.yaml": taskBoth})}
	})
	h.openTask("pay.yaml")
	h.keys("enter")
	if _, ok := h.last().(OpenPreview); !ok {
		t.Fatalf("enter on a task file: action %#v, want OpenPreview", h.last())
	}
	if r := h.toRef("GITHUB_TOKEN"); r.Kind != RefSecret || r.Count != 2 {
		t.Fatalf("GITHUB_TOKEN: %+v, want a secret, one of 2 stops", r)
	}
	h.keys("enter")
	if got, want := h.last(), (OpenSecret{Name: "GITHUB_TOKEN"}); got != want {
		t.Fatalf("enter on GITHUB_TOKEN: %#v, want %#v", got, want)
	}
	if r := h.toRef("NOT_STORED"); r.Kind != RefMissing || r.Index != 1 {
		t.Fatalf("NOT_STORED: %+v, want missing, the second stop", r)
	}
	h.keys("enter")
	if got, want := h.last(), (CreateSecret{Name: "NOT_STORED"}); got != want {
		t.Fatalf("enter on NOT_STORED: %#v, want %#v", got, want)
	}
	// Until the index is read no name is missing, and enter offers nothing.
	h.index.loaded = false
	n := len(h.acts)
	if r := h.toRef("NOT_STORED"); r.Kind != RefOther || h.m.Keys().Jump.Enabled() {
		t.Fatalf("NOT_STORED before the index is read: %+v, enter enabled %v", r, h.m.Keys().Jump.Enabled())
	}
	h.keys("enter")
	if len(h.acts) != n {
		t.Fatalf("enter with the index unread asked %#v", h.last())
	}
}

// TestKeysAndHelp: the view's keys follow its focus and the reference
// under the cursor; the ? screen lists them all.
func TestKeysAndHelp(t *testing.T) {
	h := newHarness(t, fixture, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"pay.yaml": taskBoth})}
	})
	short := func() string { return ansi.Strip(help.New().ShortHelpView(h.m.ShortHelp())) }
	if s := short(); s != "" {
		t.Fatalf("hint with the secrets view showing = %q, want none", s)
	}
	n := len(h.acts)
	h.keys("j", "enter")
	if h.m.cursor != 0 || len(h.acts) != n {
		t.Fatalf("keys with no pane focused moved the cursor (%d) or asked %v", h.m.cursor, h.acts)
	}
	h.openTask("pay.yaml")
	if s := short(); s != "enter open task • ↓/j down" {
		t.Fatalf("list hint = %q", s)
	}
	h.toRef("NOT_STORED")
	if s := short(); s != "enter create secret • ↓/j next ref" {
		t.Fatalf("preview hint on a missing name = %q", s)
	}
	h.toRef("GITHUB_TOKEN")
	if s := short(); s != "enter go to secret • ↓/j next ref" {
		t.Fatalf("preview hint on a stored name = %q", s)
	}
	if n := len(h.m.FullHelp()); n != 2 {
		t.Fatalf("FullHelp has %d groups, want 2 (moving, acting): the root adds its keys to each", n)
	}
	var all []string
	for _, g := range h.m.FullHelp() {
		for _, b := range g {
			if !b.Enabled() {
				t.Errorf("? lists %q disabled", b.Help().Desc)
			}
			all = append(all, b.Help().Key+" "+b.Help().Desc)
		}
	}
	for _, want := range []string{"↑/k previous ref", "pgdn page down", "enter open task", "enter go to the secret, or create a missing one", "i import literal"} {
		if !strings.Contains(strings.Join(all, "\n"), want) {
			t.Errorf("? lacks %q: %q", want, all)
		}
	}
	for _, b := range DefaultKeyMap().All() {
		if b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("binding %v has no help", b.Keys())
		}
	}
	var _ help.KeyMap = h.m // the root's help can draw the view's keys
}

const hardcodedKey = "sk-proj-" + "Zx81kQ2m9LpR4tVw7Yb3Nc6D"

const taskHardcoded = "name: h\ntools:\n  - name: spider\n    type: integration\n    integration:\n      provider: spider\n      setup:\n" +
	"        spider_api_key: " + hardcodedKey + "\nmain:\n  - tool: spider\n    arguments: {}\n"

// toLiteral moves the preview's cursor to the first literal credential.
func (h *harness) toLiteral() {
	h.t.Helper()
	h.m.SetFocus(PanePreview)
	h.keys("g")
	for range h.m.Ref().Count {
		if h.m.Ref().Kind == RefHardcoded {
			return
		}
		h.keys("j")
	}
	h.t.Fatalf("no literal in %s:\n%s", h.m.Selected(), h.screen())
}

// TestImportAndRewrite: i asks the root to import the literal; its value
// is read again from the file only when the root's Cmd asks; the rewrite
// replaces it by a reference, keeps the file's mode, and scans again.
func TestImportAndRewrite(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "h.yaml")
	if err := os.WriteFile(file, []byte(taskHardcoded), 0o640); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, fixture, func(o *Options) { o.Tasks = config.ResolveTasks(dir, "", config.Default(), false) })
	h.openTask("h.yaml")
	h.toLiteral()
	if !h.m.Keys().Import.Enabled() || !strings.Contains(h.screen(), "••••••••Nc6D") {
		t.Fatalf("the literal is not offered for import, masked:\n%s", h.screen())
	}
	h.keys("i")
	act, ok := h.last().(ImportLiteral)
	want := Literal{File: "h.yaml", Path: "tools[0].integration.setup.spider_api_key", Masked: "••••••••Nc6D", Writable: true}
	if !ok || act.Literal != want || act.SuggestedName != "SPIDER_API_KEY" {
		t.Fatalf("i: %#v, want ImportLiteral of %#v named SPIDER_API_KEY", h.last(), want)
	}
	if v, err := h.m.LiteralValue(act.Literal)(); err != nil || v != hardcodedKey {
		t.Fatalf("LiteralValue: err %v, value matches %v", err, v == hardcodedKey)
	}
	h.run(h.m.Rewrite(act.Literal, "SPIDER_KEY"))
	done, _ := lastOf[Rewritten](h)
	if want := (Rewritten{File: "h.yaml", Name: "SPIDER_KEY", Written: "$ secrets.SPIDER_KEY"}); done != want {
		t.Fatalf("after the rewrite: %#v, want %#v", done, want)
	}
	if s := done.Status(); s != "h.yaml now reads $ secrets.SPIDER_KEY" {
		t.Fatalf("status = %q", s)
	}
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
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".h.yaml*")); len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
	if uses := h.m.UsedBy()["SPIDER_KEY"]; len(uses) != 1 {
		t.Fatalf("used by SPIDER_KEY = %+v after the rewrite's scan", uses)
	}
	// The file no longer holds the literal: neither reads it.
	if _, err := h.m.LiteralValue(act.Literal)(); err == nil || !strings.Contains(err.Error(), "the literal is no longer at") {
		t.Fatalf("LiteralValue of a changed file: %v", err)
	}
	h.run(h.m.Rewrite(act.Literal, "SPIDER_KEY"))
	if r, _ := lastOf[Rewritten](h); r.Err == nil || !strings.Contains(r.Status(), "could not rewrite h.yaml") {
		t.Fatalf("a second rewrite: %#v", r)
	}
}

// TestImportBearerKeepsScheme: a literal "Bearer sk-…" is rewritten to an
// expression that keeps "Bearer ", and the status line and the Literal's
// Reference (for the root's prompt) say exactly the text written
// (taskpreview's Hardcoded.Reference, the one rule the CLI's advice uses).
func TestImportBearerKeepsScheme(t *testing.T) {
	const task = "name: h\nmain:\n  - tool: notify\n    arguments:\n      headers:\n" +
		"        Authorization: \"Bearer " + hardcodedKey + "\"\n"
	const want = "$ 'Bearer ' + secrets.NOTIFY_TOKEN"
	dir := t.TempDir()
	file := filepath.Join(dir, "h.yaml")
	if err := os.WriteFile(file, []byte(task), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, fixture, func(o *Options) { o.Tasks = config.ResolveTasks(dir, "", config.Default(), false) })
	h.openTask("h.yaml")
	h.toLiteral()
	h.keys("i")
	act, ok := h.last().(ImportLiteral)
	if !ok || act.Literal.Scheme != "Bearer " {
		t.Fatalf("i: %#v, want an ImportLiteral with the scheme \"Bearer \"", h.last())
	}
	if got := act.Literal.Reference("NOTIFY_TOKEN"); got != want {
		t.Errorf("Literal.Reference = %q, want %q", got, want)
	}
	if v, err := h.m.LiteralValue(act.Literal)(); err != nil || v != hardcodedKey {
		t.Fatalf("LiteralValue: err %v, value is the credential without its scheme: %v", err, v == hardcodedKey)
	}
	h.run(h.m.Rewrite(act.Literal, "NOTIFY_TOKEN"))
	done, _ := lastOf[Rewritten](h)
	if done.Err != nil || done.Written != want {
		t.Fatalf("after the rewrite: %#v, want Written %q", done, want)
	}
	if s := done.Status(); s != "h.yaml now reads "+want {
		t.Errorf("status = %q, want the text written: %q", s, "h.yaml now reads "+want)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if line := `Authorization: "` + want + `"`; strings.Contains(string(got), hardcodedKey) || !strings.Contains(string(got), line) {
		t.Fatalf("rewritten file lacks %s:\n%s", line, got)
	}
}

// TestImportReadOnly: literals in an fs.FS (the demo's, or a test's) are
// imported but never rewritten.
func TestImportReadOnly(t *testing.T) {
	h := newHarness(t, fixture, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"h.yaml": taskHardcoded})}
	})
	h.openTask("h.yaml")
	h.toLiteral()
	h.keys("i")
	act, ok := h.last().(ImportLiteral)
	if !ok || act.Literal.Writable {
		t.Fatalf("i: %#v, want an ImportLiteral that is not writable", h.last())
	}
	if h.m.Rewrite(act.Literal, "SPIDER_KEY") != nil {
		t.Fatal("Rewrite offered for a read-only file")
	}
}

func TestLiteralToken(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want string
		ok   bool
	}{
		{"sk-abc", "sk-abc", true},
		{"  Bearer sk-abc  ", "sk-abc", true},
		{"Bearer\tsk-abc", "sk-abc", true},
		{"", "", false},
		{"   ", "", false},
		{`sk-\u0041bc`, "", false},
		{`'sk-abc'`, "", false},
		{`"sk-abc"`, "", false},
	} {
		got, ok := literalToken([]byte(c.raw))
		if got != c.want || ok != c.ok {
			t.Errorf("literalToken(%q) = %q, %v, want %q, %v", c.raw, got, ok, c.want, c.ok)
		}
	}
}

// TestTasksNeverShowValuesAlone walks every stop of every task and checks
// no screen of the view holds a value.
func TestTasksNeverShowValuesAlone(t *testing.T) {
	h := newHarness(t, fixture, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"a.yaml": taskGitHub, "b.yaml": taskBoth, "c.yaml": taskStripe})}
	})
	var screens []string
	for _, f := range []string{"a.yaml", "b.yaml", "c.yaml"} {
		h.openTask(f)
		h.m.SetFocus(PanePreview)
		for range h.m.Ref().Count + 1 {
			screens = append(screens, h.screen())
			h.keys("j")
		}
	}
	if !strings.Contains(strings.Join(screens, "\n"), "••••••••GHTK") {
		t.Fatal("no mask on any screen: the test saw nothing")
	}
	noValue(t, h, screens...)
}
