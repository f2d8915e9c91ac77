package tasks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/demo"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// A Julep project: its julep.yaml declares SLACK_BOT_TOKEN (a demo
// secret) and NEVER_USED; its task uses SLACK_BOT_TOKEN and the
// undeclared OTHER_KEY. loose.yaml belongs to no project.
const (
	manifestTask = "name: notify\nmain:\n  - evaluate:\n      a: $ secrets.SLACK_BOT_TOKEN\n      b: $ secrets.OTHER_KEY\n"
	manifestV1   = "name: proj\nsecrets:\n  - name: SLACK_BOT_TOKEN\n    link: https://api.slack.com/apps\n  - name: NEVER_USED\n"
	manifestV2   = "name: proj\nsecrets:\n  - name: SLACK_BOT_TOKEN\n  - name: OTHER_KEY\n"
	taskLoose    = "name: loose\nmain:\n  - evaluate:\n      b: $ secrets.OTHER_KEY\n"
)

const (
	undeclaredOther = "manifest_undeclared: OTHER_KEY is referenced but not declared"
	unusedNever     = "manifest_unused: NEVER_USED is declared in proj/julep.yaml"
)

func codes(ws []taskpreview.Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Code)
	}
	return out
}

func TestTasksShowManifestFindings(t *testing.T) {
	fsys := fstest.MapFS{
		"proj/julep.yaml":       {Data: []byte(manifestV1), ModTime: t0},
		"proj/src/tasks/t.yaml": {Data: []byte(manifestTask), ModTime: t0},
		"proj/src/tasks/z.yaml": {Data: []byte("name: z\nmain:\n  - evaluate:\n      a: '1'\n"), ModTime: t0},
		"loose.yaml":            {Data: []byte(taskLoose), ModTime: t0},
	}
	h := newHarness(t, demo.Seed, func(o *Options) { o.Tasks = config.Tasks{FS: fsys} })
	if got := h.store.Reads(); got != 0 {
		t.Fatalf("keyring reads after start-up = %d, want 0", got)
	}
	const task = "proj/src/tasks/t.yaml"
	if got := codes(h.m.findings[task]); strings.Join(got, " ") != "manifest_undeclared manifest_unused" {
		t.Fatalf("findings of %s at start-up = %v, want undeclared and unused", task, got)
	}
	// manifest_unused goes on the project's first file only.
	if got := h.m.findings["proj/src/tasks/z.yaml"]; len(got) != 0 {
		t.Fatalf("findings of z.yaml = %v, want none", codes(got))
	}

	h.openTask(task)
	// The task's own warnings, which the count adds the two findings to.
	own := 0
	for _, r := range h.m.selected().Results {
		own += taskpreview.Summarize(r).Warnings
	}
	want := "2 refs · 1 resolved · 1 missing · " + model.Count(own+2, "warning")
	if got := summaryOf(h, task); got != want {
		t.Fatalf("summary = %q, want %q", got, want)
	}
	h.m.SetFocus(PanePreview)
	scr := h.screen()
	for _, s := range []string{undeclaredOther, unusedNever} {
		if !strings.Contains(scr, s) {
			t.Errorf("the preview lacks %q:\n%s", s, scr)
		}
	}
	if strings.Contains(scr, "SLACK_BOT_TOKEN is referenced but not declared") {
		t.Errorf("a declared name is reported undeclared:\n%s", scr)
	}
	// At the top: right under the title and the reference line, before
	// the task's first line.
	lines := strings.Split(scr, "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, task) && strings.Contains(l, "agent model") {
			at = i
			break
		}
	}
	if at < 0 || at+2 >= len(lines) || !strings.Contains(lines[at+2], "! manifest_undeclared") {
		t.Errorf("the findings are not under the title lines:\n%s", scr)
	}
	if strings.Index(scr, "manifest_unused") > strings.Index(scr, "name: notify") {
		t.Errorf("the findings come after the task's lines:\n%s", scr)
	}

	// Polls recompute the findings; the previews' own warnings never
	// take them in, so nothing adds up.
	for range 3 {
		h.fire(pollMsg{})
	}
	for _, r := range h.m.selected().Results {
		for _, w := range r.Warnings {
			if strings.HasPrefix(w.Code, "manifest_") {
				t.Fatalf("a preview's own warnings hold %s", w.Code)
			}
		}
	}
	if got := summaryOf(h, task); got != want {
		t.Fatalf("summary after polls = %q, want %q", got, want)
	}
	if got := strings.Count(h.screen(), "! manifest_"); got != 2 {
		t.Fatalf("findings on screen after polls = %d, want 2", got)
	}

	// julep.yaml is edited: the next poll reads it again.
	fsys["proj/julep.yaml"] = &fstest.MapFile{Data: []byte(manifestV2), ModTime: t0.Add(time.Second)}
	h.fire(pollMsg{})
	if got := h.m.findings[task]; len(got) != 0 {
		t.Fatalf("findings after declaring OTHER_KEY = %v, want none", codes(got))
	}
	if scr := h.screen(); strings.Contains(scr, "manifest_") {
		t.Fatalf("the preview still shows a finding:\n%s", scr)
	}
	if got, want := summaryOf(h, task), "2 refs · 1 resolved · 1 missing · "+model.Count(own, "warning"); got != want {
		t.Fatalf("summary after the edit = %q, want %q", got, want)
	}

	// A julep.yaml too large to read is reported as such, not as if it
	// declared nothing.
	fsys["proj/julep.yaml"] = &fstest.MapFile{Data: []byte(strings.Repeat("#", taskpreview.MaxManifestSize+1)), ModTime: t0.Add(2 * time.Second)}
	h.fire(pollMsg{})
	if got := codes(h.m.findings[task]); strings.Join(got, " ") != "manifest_invalid" {
		t.Fatalf("findings with an unreadable julep.yaml = %v, want manifest_invalid alone", got)
	}
	if scr := h.screen(); !strings.Contains(scr, "manifest_invalid: cannot read proj/julep.yaml: too large (1048577 bytes, limit 1 MiB)") {
		t.Fatalf("the preview lacks the unreadable julep.yaml:\n%s", scr)
	}

	// A task outside any project has no findings, though it uses a name
	// the project does not declare.
	if got := h.m.findings["loose.yaml"]; len(got) != 0 {
		t.Fatalf("findings of loose.yaml = %v, want none", codes(got))
	}
	h.openTask("loose.yaml")
	h.m.SetFocus(PanePreview)
	if scr := h.screen(); strings.Contains(scr, "manifest_") {
		t.Fatalf("loose.yaml shows a finding:\n%s", scr)
	}
}

// writeTree writes files (slash paths → content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The julep.yaml above the tasks folder applies to its tasks, as in
// `keyward --tasks proj/tasks preview` (cli TestPreviewManifestAboveTheTasksFolder).
func TestTasksManifestAboveTheTasksFolder(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"proj/julep.yaml": manifestV1, "proj/tasks/t.yaml": manifestTask})
	tasks := config.ResolveTasks(filepath.Join(dir, "proj", "tasks"), "", config.Default(), false)
	h := newHarness(t, demo.Seed, func(o *Options) { o.Tasks = tasks })
	if got := codes(h.m.findings["t.yaml"]); strings.Join(got, " ") != "manifest_undeclared manifest_unused" {
		t.Fatalf("findings of t.yaml = %v, want undeclared and unused from ../julep.yaml", got)
	}
	h.openTask("t.yaml")
	h.m.SetFocus(PanePreview)
	scr := h.screen()
	for _, s := range []string{undeclaredOther, "manifest_unused: NEVER_USED is declared in ../julep.yaml"} {
		if !strings.Contains(scr, s) {
			t.Errorf("the preview lacks %q:\n%s", s, scr)
		}
	}
}

// --demo reads only its own sample tasks: a julep.yaml in the folder
// keyward runs in is not theirs.
func TestDemoTasksIgnoreJulepYAMLAround(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"julep.yaml": "secrets:\n  - name: SLACK_BOT_TOKEN\n  - name: NOT_A_DEMO_SECRET\n"})
	t.Chdir(dir)
	h := newHarness(t, demo.Seed, func(o *Options) {
		o.Demo = true
		o.Tasks = config.ResolveTasks("", "", config.Default(), true)
	})
	if len(h.m.files) != 3 {
		t.Fatalf("%d demo task files, want 3", len(h.m.files))
	}
	if len(h.m.manifests) != 0 || len(h.m.findings) != 0 {
		t.Fatalf("manifests %v, findings %v; want none", h.m.manifests, h.m.findings)
	}
	for _, f := range h.m.paths() {
		h.openTask(f)
		if scr := h.screen(); strings.Contains(scr, "manifest_") {
			t.Fatalf("%s shows a finding:\n%s", f, scr)
		}
	}
}
