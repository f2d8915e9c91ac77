package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keyward/keyward/julep/juleptest"
	"github.com/keyward/keyward/model"
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

// TestPreCommitHook runs the repository's .pre-commit-hooks.yaml with the
// real pre-commit (Debian's package will do) on a temporary git repository:
// the hook builds keyward from this working tree (language: golang, from
// the local module cache, no network) and fails while a staged task
// references a secret the index does not name, then passes. Skipped when
// pre-commit, git or go is not installed, and with -short.
func TestPreCommitHook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds keyward through pre-commit")
	}
	for _, tool := range []string{"pre-commit", "git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	run := func(dir string, env []string, name string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(dir string, name string, args ...string) string {
		t.Helper()
		out, err := run(dir, nil, name, args...)
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return out
	}
	git := func(dir string, args ...string) string {
		return must(dir, "git", append([]string{"-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...)
	}

	// The hook repository: this working tree as it is, committed.
	hooks := filepath.Join(tmp, "hooks")
	files := strings.Fields(must(root, "git", "ls-files", "-co", "--exclude-standard"))
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the working tree
		}
		writeTree(t, hooks, map[string]string{filepath.ToSlash(f): string(data)})
	}
	git(hooks, "init", "-q")
	git(hooks, "add", "-A")
	git(hooks, "commit", "-q", "-m", "hooks")
	rev := strings.TrimSpace(git(hooks, "rev-parse", "HEAD"))

	// A project that uses it: a task, a file that is not a task, an index.
	proj := filepath.Join(tmp, "proj")
	writeTree(t, proj, map[string]string{
		".pre-commit-config.yaml": "repos:\n  - repo: " + hooks + "\n    rev: " + rev + "\n    hooks:\n      - id: keyward-preview\n",
		"tasks/digest.yaml":       "name: digest\nmain:\n  - log: $ secrets.SLACK_BOT_TOKEN\n  - log: $ secrets.BRAVE_KEY\n  - log: $ secrets.get('OPTIONAL_KEY')\n",
		"docker-compose.yml":      "services:\n  web:\n    image: nginx\n",
	})
	git(proj, "init", "-q")
	git(proj, "add", "-A")
	index := filepath.Join(tmp, "index.toml")
	entry := func(name string) string {
		return "\n[[secret]]\nname = \"" + name + "\"\ncreated_at = 2026-01-01T00:00:00Z\nupdated_at = 2026-01-01T00:00:00Z\nversion = 1\n"
	}
	if err := os.WriteFile(index, []byte("format = 1\n"+entry("SLACK_BOT_TOKEN")), 0o600); err != nil {
		t.Fatal(err)
	}
	gocache := strings.TrimSpace(must(root, "go", "env", "GOCACHE"))
	modcache := strings.TrimSpace(must(root, "go", "env", "GOMODCACHE"))
	env := []string{"PRE_COMMIT_HOME=" + filepath.Join(tmp, "pre-commit"), "KEYWARD_INDEX=" + index,
		"GOCACHE=" + gocache, "GOMODCACHE=" + modcache, "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local",
		"NO_COLOR=1", "DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(tmp, "no-bus")}

	out, err := run(proj, env, "pre-commit", "run", "--all-files")
	if err == nil {
		t.Fatalf("the hook passed with BRAVE_KEY missing from the index:\n%s", out)
	}
	for _, want := range []string{
		"keyward preview (Julep task secrets)", "- hook id: keyward-preview", "- exit code: 1",
		"names only (no value read)", "keyward: 1 required secret is missing: BRAVE_KEY",
		"docker-compose.yml:1:1: not a Julep task",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("pre-commit output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "OPTIONAL_KEY is not") || strings.Contains(out, "create --name OPTIONAL_KEY") {
		t.Errorf("an optional reference failed the hook:\n%s", out)
	}

	f, err := os.OpenFile(index, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(entry("BRAVE_KEY")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out, err := run(proj, env, "pre-commit", "run", "--all-files"); err != nil || !strings.Contains(out, "keyward preview (Julep task secrets)") || !strings.Contains(out, "Passed") {
		t.Fatalf("the hook with every required secret in the index: %v\n%s", err, out)
	}
}

// envOf is a getenv for testApp.
func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// --against julep checks names on the account (a stand-in v1 server), not
// in the index: the account's names resolve, a secret keyward has but the
// account lacks is pushed, one neither has is created and pushed, and the
// account's secrets keyward lacks get the pull hint. No value is shown.
func TestPreviewAgainstJulepV1(t *testing.T) {
	srv := juleptest.NewV1(t)
	srv.Seed("ON_ACCOUNT", "account-value-do-not-show", "", nil)
	srv.Seed("BOTH", "account-both-do-not-show", "", nil)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"task.yaml": "name: t\nmain:\n  - evaluate:\n      a: $ secrets.ON_ACCOUNT\n      b: $ secrets.LOCAL_ONLY\n      c: $ secrets.NOWHERE\n      d: $ secrets.BOTH\n"})
	t.Chdir(dir)

	a, m, out, errb := testApp(&fakeTerminal{})
	m.Put(model.Secret{Name: "LOCAL_ONLY", Version: 1}, "local-value-do-not-show")
	m.Put(model.Secret{Name: "BOTH", Version: 1}, "local-both-do-not-show")
	a.getenv = envOf(map[string]string{"JULEP_BASE_URL": srv.URL, "JULEP_API_KEY": juleptest.DefaultKey})

	// Against the index, the account is never contacted.
	if code := a.run([]string{"preview", "task.yaml"}); code != exitFailed {
		t.Fatalf("preview against the index: exit %d, want %d\n%s", code, exitFailed, errb)
	}
	if n := srv.Count("GET", "/"); n != 0 {
		t.Errorf("a preview against the index made %d requests to the account", n)
	}
	if !strings.Contains(errb.String(), "2 required secrets are missing: ON_ACCOUNT, NOWHERE") ||
		!strings.Contains(errb.String(), "'keyward julep pull' tracks them here") {
		t.Errorf("index preview: stderr lacks the missing names or the pull line:\n%s", errb)
	}

	out.Reset()
	errb.Reset()
	reads := m.Reads()
	if code := a.run([]string{"preview", "--against", "julep", "task.yaml"}); code != exitFailed {
		t.Fatalf("preview --against julep: exit %d, want %d\n%s", code, exitFailed, errb)
	}
	if n := srv.Count("GET", "/"); n == 0 {
		t.Error("--against julep did not list the account")
	}
	stdout, stderr := out.String(), errb.String()
	for _, re := range []string{`(?m)^    ON_ACCOUNT +main\[0\]\.evaluate\.a +\S+ +expr_attr +resolved$`, `(?m)^    BOTH +main\[0\]\.evaluate\.d +\S+ +expr_attr +resolved$`,
		`(?m)^    LOCAL_ONLY +main\[0\]\.evaluate\.b +\S+ +expr_attr +missing$`, `names only \(no value read\)`,
		`LOCAL_ONLY is not on v1 http://\S+, so this step fails`} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("stdout does not match %s:\n%s", re, stdout)
		}
	}
	for _, want := range []string{
		"note: names checked against v1 " + srv.URL + " (2 secrets; no value read)",
		"to send the missing required secrets to v1 " + srv.URL + ":\n  keyward secrets create --name NOWHERE\n  keyward julep push\n",
		"keyward: 2 required secrets are missing on v1 " + srv.URL + ": LOCAL_ONLY, NOWHERE",
		"note: 1 referenced secret is on v1 " + srv.URL + " but not in keyward: ON_ACCOUNT\nhint: 'keyward julep pull' tracks it here",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stdout+stderr, "do-not-show") || strings.Contains(stdout+stderr, juleptest.DefaultKey) {
		t.Errorf("a value or the API key reached the output:\n%s\n%s", stdout, stderr)
	}
	if n := m.Reads() - reads; n != 0 {
		t.Errorf("the preview against the account read %d values from the store", n)
	}

	// Once the account has them all, the same preview passes.
	srv.Seed("LOCAL_ONLY", "x-do-not-show", "", nil)
	srv.Seed("NOWHERE", "y-do-not-show", "", nil)
	errb.Reset()
	if code := a.run([]string{"preview", "--against", "julep", "task.yaml"}); code != exitOK {
		t.Errorf("with every name on the account: exit %d, want 0\n%s", code, errb)
	}
}

// A Julep 3 project's secret:// references checked against a Julep 3
// account (--platform v3): names are lower-case there.
func TestPreviewAgainstJulepV3Project(t *testing.T) {
	srv := juleptest.NewV3(t)
	srv.Seed("tracker-token", "v3-value-do-not-show")
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"pyproject.toml": "[tool.julep.mcp.servers.tracker]\nurl = \"https://t.example/mcp\"\nheaders = { Authorization = \"secret://tracker-token\", X-Key = \"secret://search-key\" }\n",
	})
	t.Chdir(dir)
	a, _, out, errb := testApp(&fakeTerminal{})
	a.getenv = envOf(map[string]string{"JULEP_API_URL": srv.URL, "JULEP_API_KEY": juleptest.DefaultKey})
	if code := a.run([]string{"preview", "--against", "julep", "--platform", "v3", "."}); code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailed, errb)
	}
	for _, re := range []string{`(?m)^    tracker-token +tool\.julep\.mcp\.servers\.tracker\.headers\.Authorization +3:\d+ +secret_uri +resolved$`,
		`(?m)^    search-key +tool\.julep\.mcp\.servers\.tracker\.headers\.X-Key +3:\d+ +secret_uri +missing$`} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("stdout does not match %s:\n%s", re, out)
		}
	}
	if !strings.Contains(errb.String(), "1 required secret is missing on v3 "+srv.URL+": search-key") {
		t.Errorf("stderr:\n%s", errb)
	}
	if strings.Contains(out.String()+errb.String(), "do-not-show") {
		t.Error("a value reached the output")
	}
}

func TestPreviewAgainstUsage(t *testing.T) {
	a, _, _, errb := testApp(&fakeTerminal{})
	if code := a.run([]string{"preview", "--against", "cloud", "x.yaml"}); code != exitUsage {
		t.Errorf("--against cloud: exit %d, want %d (%s)", code, exitUsage, errb)
	}
}
