package ui

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/julep/juleptest"
	"github.com/keyward/keyward/keyring/keyringtest"
)

// requireTmux skips when tmux is missing, or fails when
// KEYWARD_REQUIRE_TMUX=1 (as in CI), so the end-to-end test cannot silently
// stop running there.
func requireTmux(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tmux")
	if err == nil {
		return path
	}
	if os.Getenv("KEYWARD_REQUIRE_TMUX") == "1" {
		t.Fatal("KEYWARD_REQUIRE_TMUX=1, but tmux is not installed (apt-get install tmux)")
	}
	t.Skip("tmux is not installed; the end-to-end test drives the binary in tmux")
	return ""
}

// tmuxSession is the built keyward running in a private tmux server.
type tmuxSession struct {
	t    *testing.T
	tmux string
	sock string
	env  []string
}

func (s *tmuxSession) cmd(args ...string) string {
	s.t.Helper()
	c := exec.Command(s.tmux, append([]string{"-L", s.sock}, args...)...)
	c.Env = s.env
	out, err := c.CombinedOutput()
	if err != nil {
		// tmux output never holds a value: the test types them with send-keys,
		// whose argv is ours, and tmux does not echo it.
		s.t.Fatalf("tmux %s: %v: %s", args[0], err, out)
	}
	return string(out)
}

// send types keys; literal text goes with -l so tmux does not read key names
// in it.
func (s *tmuxSession) send(keys ...string) {
	s.cmd(append([]string{"send-keys", "-t", "kw"}, keys...)...)
}
func (s *tmuxSession) text(text string) { s.cmd("send-keys", "-t", "kw", "-l", text) }

func (s *tmuxSession) screen() string { return s.cmd("capture-pane", "-p", "-t", "kw") }

// waitFor polls the screen until it shows want, failing if it ever shows one
// of the secret values.
func (s *tmuxSession) waitFor(want string, secrets ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		scr := s.screen()
		for _, v := range secrets {
			if strings.Contains(scr, v) {
				s.t.Fatalf("the screen shows a secret value while waiting for %q", want)
			}
		}
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; last screen:\n%s", want, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEndToEndInTmux builds keyward, drives its TUI in tmux against the real
// Secret Service (create, filter, rotate, preview a task, quit), then checks with the CLI
// that the store holds what the screen said and that the scrollback holds no
// value.
func TestEndToEndInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: not under -short")
	}
	tmux := requireTmux(t)
	service := keyringtest.Service(t)

	dir := t.TempDir()
	bin := buildKeyward(t, dir)

	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	value1 := "e2e-first-value-" + hex.EncodeToString(rnd[:]) + "-ONE1"
	value2 := "e2e-rotated-value-" + hex.EncodeToString(rnd[:]) + "-TWO2"
	index := filepath.Join(dir, "index.toml")
	env := append(os.Environ(), "KEYWARD_SERVICE="+service, "KEYWARD_INDEX="+index, "TERM=xterm-256color", "NO_COLOR=1")

	// A task that uses the secret the test creates, and one that is missing.
	tasks := filepath.Join(dir, "tasks")
	if err := os.MkdirAll(tasks, 0o755); err != nil {
		t.Fatal(err)
	}
	task := "name: e2e\ntools:\n  - name: notify\n    type: api_call\n    api_call:\n      method: POST\n" +
		"      url: https://example.com/hook\n      headers:\n        Authorization: $ f'Bearer {secrets.E2E_TOKEN}'\n" +
		"main:\n  - tool: notify\n    arguments:\n      extra: $ secrets.E2E_MISSING_ONE\n"
	if err := os.WriteFile(filepath.Join(tasks, "e2e-task.yaml"), []byte(task), 0o644); err != nil {
		t.Fatal(err)
	}

	// P pushes to a stand-in for Julep's v1 secrets API on loopback.
	julepSrv := juleptest.NewV1(t)
	s := &tmuxSession{t: t, tmux: tmux, sock: "keyward-e2e-" + hex.EncodeToString(rnd[:]), env: env}
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", s.sock, "kill-server").Run() })
	// The shell line after keyward shows its exit status and keeps the pane
	// open, so the scrollback can be read after it quits.
	s.cmd("new-session", "-d", "-s", "kw", "-x", "100", "-y", "30",
		"-e", "KEYWARD_SERVICE="+service, "-e", "KEYWARD_INDEX="+index, "-e", "NO_COLOR=1",
		"-e", "JULEP_BASE_URL="+julepSrv.URL, "-e", "JULEP_API_KEY="+juleptest.DefaultKey,
		bin+" --tasks "+tasks+"; echo keyward-exited-$?; sleep 60")

	s.waitFor("0 of 0")

	// Create a secret through the keys.
	s.send("n")
	s.waitFor("New secret")
	s.text("E2E_TOKEN")
	s.send("Tab")
	s.text(value1)
	s.send("Tab")
	s.text("made by the e2e test")
	s.send("Tab")
	s.text("env=e2e")
	s.send("Tab")
	s.text("30d")
	s.send("C-s")
	s.waitFor("created E2E_TOKEN", value1)

	// Filter by its metadata.
	s.send("/")
	s.text("env=e2e")
	s.send("Enter")
	s.waitFor("1 of 1", value1)

	// Rotate it.
	s.send("r")
	s.waitFor("Rotate E2E_TOKEN", value1)
	s.text(value2)
	s.send("Enter")
	s.waitFor("y/N", value1, value2)
	s.send("y")
	scr := s.waitFor("rotated E2E_TOKEN to version 2", value1, value2)
	if !strings.Contains(scr, "version   2") {
		t.Fatalf("the detail pane does not say version 2:\n%s", scr)
	}

	// P pushes what the filter shows (E2E_TOKEN) to the Julep account,
	// after a y/N that names the plan; the list marks it as pushed.
	s.send("P")
	s.waitFor("Push to v1 "+julepSrv.URL+"? y/N", value1, value2)
	s.send("y")
	scr = s.waitFor("pushed 1 of 1 to v1", value1, value2)
	if !strings.Contains(scr, "✓ E2E_TOKEN") {
		t.Fatalf("the list does not mark E2E_TOKEN as pushed:\n%s", scr)
	}
	if got, ok := julepSrv.Value("E2E_TOKEN"); !ok || got != value2 {
		t.Fatal("the Julep account does not hold the rotated value")
	}
	// The task view resolves the task against the real keyring: the
	// rotated value's mask, and the missing secret flagged.
	s.send("t")
	s.waitFor("1 missing", value1, value2)
	s.send("Enter")
	scr = s.waitFor("Bearer ••••••••TWO2", value1, value2)
	if !strings.Contains(scr, "E2E_MISSING_ONE") {
		t.Fatalf("the preview does not flag the missing secret:\n%s", scr)
	}
	s.send("t")

	// A multi-line value pasted the way tmux pastes (every newline sent as
	// \r, inside a bracketed paste) is stored with its newlines.
	pemLine := hex.EncodeToString(rnd[:]) + "-PEM-LINE"
	pem := "-----BEGIN E2E KEY-----\n" + pemLine + "\n-----END E2E KEY-----\n"
	s.send("n")
	s.waitFor("New secret", value1, value2)
	s.text("E2E_PEM")
	s.send("Tab")
	s.cmd("set-buffer", "-b", "kwpem", "--", pem)
	s.cmd("paste-buffer", "-p", "-d", "-b", "kwpem", "-t", "kw")
	s.waitFor("entered · 3 lines", value1, value2, pemLine)
	s.send("C-s")
	s.waitFor("created E2E_PEM", value1, value2, pemLine)

	s.send("q")
	s.waitFor("keyward-exited-0", value1, value2)

	// The whole pane history, scrollback included, holds no value.
	history := s.cmd("capture-pane", "-p", "-S", "-", "-t", "kw")
	for _, v := range []string{value1, value2, "-PEM-LINE"} {
		if strings.Contains(history, v) {
			t.Fatal("the tmux scrollback holds a secret value")
		}
	}

	// The CLI sees what the screen said.
	get := exec.Command(bin, "secrets", "get", "E2E_TOKEN", "--reveal", "--json")
	get.Env = env
	var stdout, stderr bytes.Buffer
	get.Stdout, get.Stderr = &stdout, &stderr
	if err := get.Run(); err != nil {
		t.Fatalf("keyward secrets get: %v\n%s", err, stderr.String())
	}
	var got struct {
		Name        string            `json:"name"`
		Description string            `json:"description"`
		Metadata    map[string]string `json:"metadata"`
		Version     int               `json:"version"`
		RotateEvery *string           `json:"rotate_every"`
		HasPrevious bool              `json:"has_previous"`
		Value       *string           `json:"value"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("parse get --json: %v", err)
	}
	if got.Value == nil || *got.Value != value2 {
		t.Fatal("the keyring does not hold the rotated value")
	}
	if got.Version != 2 || !got.HasPrevious || got.Description != "made by the e2e test" ||
		got.Metadata["env"] != "e2e" || got.RotateEvery == nil || *got.RotateEvery != "30d" {
		t.Fatalf("record = name %s, version %d, previous %v, description %q, metadata %v",
			got.Name, got.Version, got.HasPrevious, got.Description, got.Metadata)
	}
	if prev, ok := keyringtest.Lookup(t, service, "E2E_TOKEN@previous"); !ok || prev != value1 {
		t.Fatal("the previous value was not kept for rollback")
	}
	get = exec.Command(bin, "secrets", "get", "E2E_PEM", "--reveal", "--json")
	get.Env = env
	stdout.Reset()
	stderr.Reset()
	get.Stdout, get.Stderr = &stdout, &stderr
	if err := get.Run(); err != nil {
		t.Fatalf("keyward secrets get E2E_PEM: %v\n%s", err, stderr.String())
	}
	got.Value = nil
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("parse get --json: %v", err)
	}
	if got.Value == nil || *got.Value != pem {
		t.Fatal("the pasted multi-line value was not stored exactly (line endings)")
	}
}

// buildKeyward builds the binary under test into dir.
func buildKeyward(t *testing.T, dir string) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "keyward")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cliValue reads name's record and value through the CLI.
func cliValue(t *testing.T, bin string, env []string, name string) (value string, version int) {
	t.Helper()
	get := exec.Command(bin, "secrets", "get", name, "--reveal", "--json")
	get.Env = env
	var stdout, stderr bytes.Buffer
	get.Stdout, get.Stderr = &stdout, &stderr
	if err := get.Run(); err != nil {
		t.Fatalf("keyward secrets get %s: %v\n%s", name, err, stderr.String())
	}
	var got struct {
		Version int     `json:"version"`
		Value   *string `json:"value"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got.Value == nil {
		t.Fatalf("parse get --json of %s: %v", name, err)
	}
	return *got.Value, got.Version
}

// TestEndToEndRotationSessionInTmux marks three secrets in the built
// binary's TUI against the real Secret Service, rotates them in one session
// (a typed value, a generated one, a pasted one), checks through the CLI
// that each holds its new value with the old one kept, then rolls the whole
// session back with R and checks again.
func TestEndToEndRotationSessionInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: not under -short")
	}
	tmux := requireTmux(t)
	service := keyringtest.Service(t)
	dir := t.TempDir()
	bin := buildKeyward(t, dir)
	index := filepath.Join(dir, "index.toml")
	env := append(os.Environ(), "KEYWARD_SERVICE="+service, "KEYWARD_INDEX="+index, "TERM=xterm-256color", "NO_COLOR=1")

	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	tag := hex.EncodeToString(rnd[:])
	names := []string{"E2E_SESSION_A", "E2E_SESSION_B", "E2E_SESSION_C"}
	old := map[string]string{}
	for _, n := range names {
		old[n] = "e2e-session-old-" + tag + "-" + n
		create := exec.Command(bin, "secrets", "create", "--name", n, "--value-stdin")
		create.Env = env
		create.Stdin = strings.NewReader(old[n])
		if out, err := create.CombinedOutput(); err != nil {
			t.Fatalf("keyward secrets create %s: %v\n%s", n, err, out)
		}
	}
	typed := "e2e-session-typed-" + tag + "-AAAA"
	pasted := "e2e-session-pasted-" + tag + "-CCCC"
	values := []string{typed, pasted, old[names[0]], old[names[1]], old[names[2]]}

	tasks := filepath.Join(dir, "tasks")
	if err := os.MkdirAll(tasks, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &tmuxSession{t: t, tmux: tmux, sock: "keyward-e2e-session-" + tag, env: env}
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", s.sock, "kill-server").Run() })
	s.cmd("new-session", "-d", "-s", "kw", "-x", "100", "-y", "30",
		"-e", "KEYWARD_SERVICE="+service, "-e", "KEYWARD_INDEX="+index, "-e", "NO_COLOR=1",
		bin+" --tasks "+tasks+"; echo keyward-exited-$?; sleep 60")
	s.waitFor("3 of 3", values...)

	// Mark all three: space marks and moves down.
	s.send("Space")
	s.waitFor("1 marked", values...)
	s.send("Space")
	s.waitFor("2 marked", values...)
	s.send("Space")
	s.waitFor("3 marked", values...)

	s.send("r")
	s.waitFor("Rotate E2E_SESSION_A · 1 of 3", values...)
	s.text(typed)
	s.waitFor("entered", values...)
	s.send("Enter")
	s.waitFor("Rotate E2E_SESSION_B · 2 of 3", values...)
	s.send("C-g")
	s.waitFor("generated", values...)
	s.send("Enter")
	s.waitFor("Rotate E2E_SESSION_C · 3 of 3", values...)
	s.cmd("set-buffer", "-b", "kwsession", "--", pasted)
	s.cmd("paste-buffer", "-p", "-d", "-b", "kwsession", "-t", "kw")
	s.waitFor("entered", values...)
	s.send("Enter")
	s.waitFor("Rotate 3 secrets: E2E_SESSION_A (entered), E2E_SESSION_B (generated),", values...)
	s.send("y")
	s.waitFor("rotated 3 of 3: E2E_SESSION_A v2, E2E_SESSION_B v2, E2E_SESSION_C v2", values...)

	// The CLI (another process, the same keyring) sees each new value, and
	// the old ones are kept for rollback.
	generated := ""
	for i, n := range names {
		v, version := cliValue(t, bin, env, n)
		if version != 2 {
			t.Errorf("%s is at version %d, want 2", n, version)
		}
		switch i {
		case 0:
			if v != typed {
				t.Errorf("%s does not hold the typed value", n)
			}
		case 1:
			if v == old[n] || len(v) != 32 {
				t.Errorf("%s does not hold a generated 32-character value", n)
			}
			generated = v
		case 2:
			if v != pasted {
				t.Errorf("%s does not hold the pasted value", n)
			}
		}
		if prev, ok := keyringtest.Lookup(t, service, n+"@previous"); !ok || prev != old[n] {
			t.Errorf("%s: the previous value was not kept for rollback", n)
		}
	}
	values = append(values, generated)

	// The rotated stay marked: R rolls the session back after one y/N.
	s.send("R")
	s.waitFor("Roll back 3 marked secrets: E2E_SESSION_A, E2E_SESSION_B, E2E_SESSION_C? y/N", values...)
	s.send("y")
	s.waitFor("rolled back 3 of 3", values...)
	for _, n := range names {
		if v, version := cliValue(t, bin, env, n); v != old[n] || version != 3 {
			t.Errorf("%s after R: version %d, old value back %v", n, version, v == old[n])
		}
	}

	s.send("q")
	s.waitFor("keyward-exited-0", values...)
	history := s.cmd("capture-pane", "-p", "-S", "-", "-t", "kw")
	for _, v := range values {
		if strings.Contains(history, v) {
			t.Fatal("the tmux scrollback holds a secret value")
		}
	}
}
