package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
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

// sizedTerminal is a fake terminal whose standard output is width columns
// wide.
type sizedTerminal struct {
	*fakeTerminal
	width int
}

func (s sizedTerminal) StdoutWidth() int { return s.width }

// On a terminal the text output has colour (unless NO_COLOR is set) and
// rows fitted to its width; piped, it is plain and rows are whole.
func TestPreviewTextOnATerminal(t *testing.T) {
	const task = "../taskpreview/testdata/04-expressions-and-templates.yaml"
	ansi := regexp.MustCompile("\x1b\\[[0-9;]*m")
	for _, c := range []struct {
		name    string
		tty     bool
		noColor string
		width   int
		color   bool
	}{
		{name: "piped", width: 80},
		{name: "terminal", tty: true, width: 80, color: true},
		{name: "NO_COLOR", tty: true, noColor: "1", width: 80},
		{name: "wide terminal", tty: true, width: 200, color: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ft := &fakeTerminal{stdoutTTY: c.tty}
			a, _, out, errb := testApp(ft)
			a.term = sizedTerminal{ft, c.width}
			a.getenv = func(k string) string {
				if k == "NO_COLOR" {
					return c.noColor
				}
				return ""
			}
			if code := a.run([]string{"preview", task}); code != exitFailed {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailed, errb)
			}
			if got := ansi.MatchString(out.String()); got != c.color {
				t.Errorf("colour = %v, want %v", got, c.color)
			}
			longest := 0
			for _, l := range strings.Split(ansi.ReplaceAllString(out.String(), ""), "\n") {
				longest = max(longest, utf8.RuneCountInString(l))
			}
			if fits := longest <= c.width; fits != (c.tty || c.width >= 200) {
				t.Errorf("longest line %d columns at width %d (terminal %v):\n%s", longest, c.width, c.tty, out)
			}
			if !strings.Contains(out.String(), "validator_undefined_name") || strings.Count(out.String(), "validator_undefined_name") != 1 {
				t.Errorf("validator_undefined_name is not shown exactly once:\n%s", out)
			}
		})
	}
}
