package leakscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/importfile"
	"github.com/keyward/keyward/internal/testkit"
	"github.com/keyward/keyward/julep/juleptest"
	"github.com/keyward/keyward/keyring/keyringtest"
)

// TestLeakScan drives the built keyward through a command-line session and
// a terminal UI session, against the real keyring (skipped without a Secret
// Service unless KEYWARD_REQUIRE_KEYRING=1) and against the encrypted file
// backend, and then searches everything keyward wrote or showed for every
// value: see session.scan.
func TestLeakScan(t *testing.T) {
	bin := testkit.Binary(t)
	t.Run("keyring", func(t *testing.T) {
		service := keyringtest.Service(t)
		s := newSession(t, bin, "keyring")
		s.env = append(s.env, "KEYWARD_SERVICE="+service, "DBUS_SESSION_BUS_ADDRESS="+os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
		s.runAll()
	})
	t.Run("file", func(t *testing.T) {
		s := newSession(t, bin, "file")
		// A container or SSH session: no bus, values in index.values/.
		s.passphrase = newValue(t)
		if err := os.WriteFile(s.passFile, []byte(s.passphrase+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		s.env = append(s.env, "KEYWARD_PASSPHRASE_FD=3")
		s.kw(ok, "", "init", "--backend", "file")
		s.runAll()
	})
}

// A session is one backend's run of keyward in a fresh HOME, XDG folders
// and TMPDIR, with a stand-in clipboard tool and a stand-in Julep account.
type session struct {
	t                 *testing.T
	bin, backend      string
	root              string   // everything of this session
	written           []string // the folders keyward may write to: all searched
	outside           string   // files where values are meant to be (exports, the clipboard)
	work, tasks       string
	procs             string // what each clipboard helper keyward started saw
	passFile          string
	passphrase        string
	env               []string
	julep             *juleptest.V1
	julepKey          string // its API key: a keyward secret, so a value to look for
	secrets           int    // how many secrets the store holds after the command-line session
	sc                *scanner
	values            map[string]string // name → the value it holds now
	commands, reveals int
}

func newSession(t *testing.T, bin, backend string) *session {
	root := t.TempDir()
	s := &session{t: t, bin: bin, backend: backend, root: root, sc: newScanner(), values: map[string]string{}}
	dir := func(parts ...string) string {
		d := filepath.Join(append([]string{root}, parts...)...)
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		return d
	}
	home, config, data, cache, state, tmp := dir("home"), dir("config"), dir("data"), dir("cache"), dir("state"), dir("tmp")
	s.work, s.tasks = dir("work"), dir("work", "tasks")
	s.written = []string{home, config, data, cache, state, tmp, s.work}
	s.outside, s.procs = dir("outside"), dir("procs")
	s.passFile = filepath.Join(s.outside, "passphrase")
	fakebin := dir("fakebin")

	// The clipboard: xclip (chosen when DISPLAY is set) is a script that
	// keeps the clipboard in a file outside the searched folders, where a
	// copied value is meant to be, and records the command line and the
	// environment keyward gave it, which are searched.
	clip := filepath.Join(s.outside, "clipboard")
	script := fmt.Sprintf(`#!/bin/sh
n=$$
cat /proc/$$/cmdline > %[1]s/xclip-$n.cmdline
cat /proc/$$/environ > %[1]s/xclip-$n.environ
case " $* " in
*" -in "*) cat > %[2]s ;;
*) cat %[2]s 2>/dev/null ;;
esac
`, s.procs, clip)
	if err := os.WriteFile(filepath.Join(fakebin, "xclip"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	s.julep = juleptest.NewV1(t)
	s.julepKey = newValue(t)
	s.julep.SetKey(s.julepKey)
	s.env = []string{
		"PATH=" + fakebin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + home, "XDG_CONFIG_HOME=" + config, "XDG_DATA_HOME=" + data,
		"XDG_CACHE_HOME=" + cache, "XDG_STATE_HOME=" + state, "TMPDIR=" + tmp,
		"DISPLAY=:leakscan", "TERM=xterm-256color", "NO_COLOR=1", "LANG=C.UTF-8",
		"JULEP_BASE_URL=" + s.julep.URL,
		// A file store that unlocks in milliseconds (each read unlocks).
		"KEYWARD_SCRYPT_WORK_FACTOR=10",
	}

	task := "name: leak\ntools:\n  - name: notify\n    type: api_call\n    api_call:\n      method: POST\n" +
		"      url: https://example.com/hook\n      headers:\n        Authorization: $ f'Bearer {secrets.LEAK_ALPHA}'\n" +
		"main:\n  - tool: notify\n    arguments:\n      other: $ secrets.LEAK_BRAVO2\n      pem: $ secrets.LEAK_PEM\n"
	if err := os.WriteFile(filepath.Join(s.tasks, "leak.yaml"), []byte(task), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// How a command's outcome is checked.
type want int

const (
	ok     want = iota // exit 0
	anyRC              // any exit status (a report that may find something)
	reveal             // exit 0, and the output is the value asked for: not searched
)

// kw runs keyward with args and stdin. Its stdout and stderr are places to
// search unless w is reveal. On the file backend the passphrase is on FD 3
// for every command.
func (s *session) kw(w want, stdin string, args ...string) string {
	s.t.Helper()
	c := exec.Command(s.bin, args...)
	c.Dir = s.work
	c.Env = s.env
	c.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if s.passphrase != "" {
		f, err := os.Open(s.passFile)
		if err != nil {
			s.t.Fatal(err)
		}
		defer f.Close()
		c.ExtraFiles = []*os.File{f}
	}
	err := c.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		s.t.Fatalf("keyward %s: %v", strings.Join(args, " "), err)
	}
	line := "keyward " + strings.Join(args, " ")
	if w == reveal {
		s.reveals++
	} else {
		s.commands++
		s.sc.addPlace(line+" (stdout)", stdout.Bytes())
		s.sc.addPlace(line+" (stderr)", stderr.Bytes())
	}
	if err != nil && w != anyRC {
		// Only an output that is searched afterwards is shown here; a
		// revealing command's stderr holds no value either.
		s.t.Fatalf("%s: %v\n%s", line, err, stderr.String())
	}
	return stdout.String()
}

// value adds a value to look for under name, and remembers it as name's.
func (s *session) value(name, label, v string) {
	s.values[name] = v
	s.sc.addValue(name+" "+label, v)
}

// exported reads every secret's value through export to a file (where
// values are meant to be), so that generated values are looked for too.
func (s *session) exported(file string) map[string]string {
	s.t.Helper()
	path := filepath.Join(s.outside, file)
	s.kw(ok, "", "secrets", "export", "--format", "json", "--output", path, "--force")
	data, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	entries, err := importfile.ParseJSON(data)
	if err != nil {
		s.t.Fatalf("parse the export: %v", err)
	}
	out := map[string]string{}
	for _, e := range entries {
		out[e.Name] = e.Value
	}
	return out
}

func (s *session) runAll() {
	t := s.t
	s.sc.addValue("the Julep API key", s.julepKey)
	if s.passphrase != "" {
		s.sc.addValue("the file backend's passphrase", s.passphrase)
	}
	s.cli()
	s.tui()
	s.scan()
	t.Logf("%s backend: %d commands searched, %d revealing commands not searched", s.backend, s.commands, s.reveals)
}

// cli is the scripted command-line session.
func (s *session) cli() {
	t := s.t
	alpha1, alpha2, bravo := newValue(t), newValue(t), newValue(t)
	pem := "-----BEGIN LEAK KEY-----\n" + newValue(t) + "\n" + newValue(t) + "\n-----END LEAK KEY-----\n"
	imp1, imp2, imp3 := newValue(t), newValue(t), newValue(t)
	s.value("LEAK_ALPHA", "v1", alpha1)
	s.value("LEAK_ALPHA", "v2", alpha2)
	s.value("LEAK_BRAVO", "v1", bravo)
	s.value("LEAK_PEM", "v1", pem)
	s.value("LEAK_IMP1", "v1", imp1)
	s.value("LEAK_IMP2", "v1", imp2)
	s.value("LEAK_IMP3", "v1", imp3)

	// Create: a pipe, --value-stdin, a file on stdin, a generated value,
	// and the Julep API key as a keyward secret (how push finds it).
	s.kw(ok, alpha1, "secrets", "create", "--name", "LEAK_ALPHA", "--description", "leak scan alpha", "--metadata", "env=leak", "--rotate-every", "30d")
	s.kw(ok, bravo+"\n", "secrets", "create", "--name", "LEAK_BRAVO", "--value-stdin", "--metadata", "env=leak")
	s.kw(ok, pem, "secrets", "create", "--name", "LEAK_PEM", "--value-stdin", "--metadata", "env=leak", "--json")
	s.kw(ok, "", "secrets", "create", "--name", "LEAK_GEN", "--generate", "--symbols", "--length", "40", "--metadata", "env=leak")
	s.kw(ok, s.julepKey, "secrets", "create", "--name", "JULEP_API_KEY", "--description", "the stand-in account's key")
	for name, v := range s.exported("export-1.json") {
		s.value(name, "as created", v)
	}

	// Read without revealing.
	s.kw(ok, "", "secrets", "list")
	s.kw(ok, "", "secrets", "list", "--json")
	s.kw(ok, "", "secrets", "list", "--filter", "env=leak alpha")
	s.kw(ok, "", "secrets", "get", "LEAK_ALPHA")
	s.kw(ok, "", "secrets", "get", "LEAK_PEM", "--json")
	s.kw(anyRC, "", "secrets", "get", "LEAK_ALPH") // did you mean

	// Change values: rotate (given, generated), rollback, rotate again.
	s.kw(ok, alpha2, "secrets", "rotate", "LEAK_ALPHA")
	s.kw(ok, "", "secrets", "rotate", "LEAK_GEN", "--generate", "--json")
	s.kw(ok, "", "secrets", "rollback", "LEAK_ALPHA")
	s.kw(ok, "", "secrets", "rollback", "LEAK_ALPHA", "--json")
	s.kw(ok, "", "secrets", "rollback", "LEAK_ALPHA")      // back to v1, v2 kept as previous
	s.kw(anyRC, alpha1, "secrets", "rotate", "LEAK_ALPHA") // unchanged
	s.kw(ok, "", "secrets", "update", "LEAK_BRAVO", "--rename", "LEAK_BRAVO2")
	s.kw(ok, "", "secrets", "update", "LEAK_BRAVO2", "--description", "renamed", "--metadata", "owner=leak")
	now := s.exported("export-2.json")
	for name, v := range now {
		s.value(name, "after rotations", v)
	}
	if now["LEAK_ALPHA"] != alpha1 || now["LEAK_BRAVO2"] != bravo || now["LEAK_PEM"] != pem {
		t.Fatal("the store does not hold the values the session gave it")
	}
	if _, has := now["LEAK_BRAVO"]; has {
		t.Fatal("the rename left LEAK_BRAVO behind")
	}

	// Export (a file, where values are meant to be) and import: a file,
	// stdin, and the export again with --overwrite (all unchanged).
	envFile := filepath.Join(s.outside, "export.env")
	s.kw(ok, "", "secrets", "export", "--filter", "env=leak", "--output", envFile)
	data, err := os.ReadFile(envFile)
	if err != nil || !bytes.Contains(data, []byte(alpha1)) {
		t.Fatalf("the export file does not hold LEAK_ALPHA's value (%v)", err)
	}
	imports := filepath.Join(s.outside, "import.env")
	if err := os.WriteFile(imports, importfile.FormatDotenv([]importfile.Entry{
		{Name: "LEAK_IMP1", Value: imp1}, {Name: "LEAK_IMP2", Value: imp2},
	}), 0o600); err != nil {
		t.Fatal(err)
	}
	s.kw(ok, "", "secrets", "import", imports, "--metadata", "env=leak")
	stdinJSON, err := importfile.FormatJSON([]importfile.Entry{{Name: "LEAK_IMP3", Value: imp3, Metadata: map[string]string{"env": "leak"}}})
	if err != nil {
		t.Fatal(err)
	}
	s.kw(ok, string(stdinJSON), "secrets", "import", "-", "--format", "json", "--json")
	s.kw(ok, "", "secrets", "import", envFile, "--overwrite")

	// run: the child prints its values plainly and encoded; run's output
	// is a pipe, so masked.
	out := s.kw(ok, "", "run", "--only", "LEAK_ALPHA,LEAK_BRAVO2,LEAK_PEM,LEAK_IMP1", "--", "sh", "-c",
		`printf '%s\n' "$LEAK_ALPHA"; printf %s "$LEAK_BRAVO2" | base64 -w0; echo; `+
			`printf %s "$LEAK_IMP1" | od -An -tx1 | tr -d ' \n'; echo; printf %s "$LEAK_PEM"; echo "$LEAK_ALPHA" >&2`)
	for _, n := range []string{"LEAK_ALPHA", "LEAK_BRAVO2", "LEAK_IMP1", "LEAK_PEM"} {
		if !strings.Contains(out, "<keyward:"+n+">") {
			t.Errorf("run's output does not show %s masked: the child did not print it", n)
		}
	}

	// The task preview resolves the references and shows masks.
	out = s.kw(ok, "", "--tasks", s.tasks, "preview")
	if !strings.Contains(out, "LEAK_ALPHA") || !strings.Contains(out, "••••") {
		t.Errorf("the preview does not show LEAK_ALPHA masked:\n%s", out)
	}
	s.kw(anyRC, "", "doctor")

	// Julep: the stand-in account gets the values, nothing else does.
	s.kw(anyRC, "", "julep", "status")
	s.kw(ok, "", "julep", "push", "--filter", "env=leak", "--yes")
	s.kw(ok, "", "julep", "push", "--filter", "env=leak", "--yes", "--json")
	if got, has := s.julep.Value("LEAK_ALPHA"); !has || got != alpha1 {
		t.Error("the Julep stand-in does not hold LEAK_ALPHA's value")
	}

	// The clipboard through the stand-in xclip, cleared after the timeout.
	s.kw(ok, "", "secrets", "copy", "LEAK_BRAVO2", "--timeout", "300ms")
	if clip, err := os.ReadFile(filepath.Join(s.outside, "clipboard")); err != nil || len(clip) != 0 {
		t.Errorf("the clipboard was not cleared (%v, %d bytes)", err, len(clip))
	}

	// Revealing, deliberately (not searched): the value is the one given.
	if got := s.kw(reveal, "", "secrets", "get", "LEAK_PEM", "--plain"); got != pem {
		t.Error("get --plain does not give LEAK_PEM's value")
	}
	var rec struct{ Value string }
	if err := json.Unmarshal([]byte(s.kw(reveal, "", "secrets", "get", "LEAK_IMP3", "--reveal", "--json")), &rec); err != nil || rec.Value != imp3 {
		t.Errorf("get --reveal --json does not give LEAK_IMP3's value (%v)", err)
	}

	// A delete: the value must not linger anywhere.
	s.kw(ok, "", "secrets", "delete", "LEAK_IMP2", "--yes")
	now = s.exported("export-3.json")
	if _, has := now["LEAK_IMP2"]; has || len(now) != 7 {
		t.Fatalf("the store holds %d secrets after the session (LEAK_IMP2 deleted: %v), want 7", len(now), !has)
	}
	s.secrets = len(now)
}

// scan searches everything and fails on any finding.
func (s *session) scan() {
	t := s.t
	s.sc.addFiles(t, s.root, s.written...)
	entries, err := os.ReadDir(s.procs)
	if err != nil {
		t.Fatal(err)
	}
	helpers := 0
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(s.procs, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		kind := strings.TrimPrefix(filepath.Ext(e.Name()), ".")
		s.sc.addPlace("the "+kind+" of clipboard helper "+strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())), data)
		if kind == "environ" {
			helpers++
		}
	}
	// copy writes, reads back and clears (at least three runs); the TUI's
	// c more when tmux runs.
	if helpers < 3 {
		t.Errorf("keyward started %d clipboard helpers, want at least 3: the clipboard part did not run", helpers)
	}
	s.sc.check(t)
}

// tui is the terminal UI session in tmux: navigate, filter, reveal one
// value on purpose, copy, rotate, quit; then the scrollback is searched.
func (s *session) tui() {
	t := s.t
	if testing.Short() {
		t.Log("the terminal UI part is skipped under -short")
		return
	}
	if !testkit.HaveTmux(t) {
		t.Log("tmux is not installed: the terminal UI part is skipped")
		return
	}
	cmdline := s.bin + " --tasks " + s.tasks
	if s.passphrase != "" {
		cmdline += " 3<" + s.passFile
	}
	tm := &tmuxSession{t: t, sc: s.sc, Pane: testkit.NewTmux(t, s.env).Start(t, "kw", testkit.PaneOptions{
		Width: 120, Height: 32, Dir: s.work, Command: []string{cmdline + "; echo keyward-exited-$?; sleep 60"}})}

	secrets := s.secrets
	tm.waitFor(fmt.Sprintf("%d of %d", secrets, secrets))
	tm.Send("j")
	tm.Send("j")
	tm.Send("k")
	tm.Send("G")
	tm.Send("g")
	tm.Send("/")
	tm.Text("alpha")
	tm.Send("Enter")
	tm.waitFor("1 of " + fmt.Sprint(secrets))

	// Reveal once, deliberately: the screen shows the value (so a screen
	// is a place that could hold one), then v hides it.
	alpha := s.values["LEAK_ALPHA"]
	tm.Send("v")
	tm.waitForReveal(alpha)
	tm.Send("v")
	tm.waitFor("v reveal")

	tm.Send("c")
	tm.waitFor("copied")

	rotated := newValue(t)
	s.value("LEAK_ALPHA", "rotated in the UI", rotated)
	tm.Send("r")
	tm.waitFor("Rotate LEAK_ALPHA")
	tm.Text(rotated)
	tm.Send("Enter")
	tm.waitFor("y/N")
	tm.Send("y")
	tm.waitFor("rotated LEAK_ALPHA to version")
	tm.Send("q")
	tm.waitFor("keyward-exited-0")

	s.sc.addPlace("the tmux scrollback after keyward exited", []byte(tm.History()))
	var rec struct{ Value string }
	if err := json.Unmarshal([]byte(s.kw(reveal, "", "secrets", "get", "LEAK_ALPHA", "--reveal", "--json")), &rec); err != nil || rec.Value != rotated {
		t.Errorf("LEAK_ALPHA does not hold the value the UI rotated to (%v)", err)
	}
}

// tmuxSession is keyward's TUI in a private tmux server, whose screens are
// places to search.
type tmuxSession struct {
	*testkit.Pane
	t       *testing.T
	sc      *scanner
	screens int
}

// waitFor polls the screen until it shows want; that screen is searched.
func (s *tmuxSession) waitFor(want string) {
	s.t.Helper()
	scr, ok := s.Poll(func(scr string) bool { return strings.Contains(scr, want) })
	if !ok {
		// The screen is not shown: it may hold a value.
		s.t.Fatalf("the screen never showed %q", want)
	}
	s.screens++
	s.sc.addPlace(fmt.Sprintf("the screen showing %q", want), []byte(scr))
}

// waitForReveal waits for the screen to show value, asked for with v (the
// pane wraps it, so its first 12 characters are looked for); that screen is
// not searched.
func (s *tmuxSession) waitForReveal(value string) {
	s.t.Helper()
	if _, ok := s.Poll(func(scr string) bool { return strings.Contains(scr, value[:12]) }); !ok {
		s.t.Fatal("v never showed the value")
	}
}
