package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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

const (
	// declares A (used) and NEVER_USED; the task also uses the undeclared B.
	manifestAB = "secrets:\n  - name: A\n  - name: NEVER_USED\n"
	taskAB     = "name: t\nmain:\n  - evaluate:\n      a: $ secrets.A\n      b: $ secrets.B\n"
)

// The julep.yaml above the tasks folder applies to its tasks: the same
// findings the terminal UI shows (ui TestTasksManifestAboveTheTasksFolder).
func TestPreviewManifestAboveTheTasksFolder(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"proj/julep.yaml": manifestAB, "proj/tasks/t.yaml": taskAB})
	t.Chdir(dir)
	a, _, out, errb := testApp(&fakeTerminal{})
	if code := a.run([]string{"--tasks", "proj/tasks", "preview"}); code != exitFailed {
		t.Fatalf("exit %d, want %d (A and B are missing); stderr:\n%s", code, exitFailed, errb)
	}
	for _, want := range []string{
		"manifest_undeclared  proj/julep.yaml",
		"B is referenced but not declared in the secrets: list of proj/julep.yaml",
		"NEVER_USED is declared in proj/julep.yaml but no task of the project references it",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("preview lacks %q:\n%s", want, out)
		}
	}
	if got := strings.Count(out.String(), "manifest_"); got != 2 {
		t.Errorf("%d manifest findings, want 2:\n%s", got, out)
	}
}

// --demo reads only its own sample tasks: a julep.yaml around the current
// folder is not theirs.
func TestDemoPreviewIgnoresJulepYAMLAround(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"julep.yaml": "secrets:\n  - name: SLACK_BOT_TOKEN\n  - name: NOT_A_DEMO_SECRET\n"})
	t.Chdir(dir)
	a, _, out, errb := testApp(&fakeTerminal{})
	a.run([]string{"--demo", "preview"})
	if !strings.Contains(out.String(), "web-crawler.yaml") {
		t.Fatalf("the demo's tasks were not previewed:\n%s\nstderr:\n%s", out, errb)
	}
	if strings.Contains(out.String(), "manifest_") || strings.Contains(out.String(), "julep.yaml") {
		t.Errorf("the demo preview reports the julep.yaml of the folder it runs in:\n%s", out)
	}
}
