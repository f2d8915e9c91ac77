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

	"github.com/keyward/keyward/internal/testkit"
	"github.com/keyward/keyward/julep/juleptest"
	"github.com/keyward/keyward/keyring/keyringtest"
)

// TestEndToEndInTmux builds keyward, drives its TUI in tmux against the real
// Secret Service (create, filter, rotate, preview a task, quit), then checks with the CLI
// that the store holds what the screen said and that the scrollback holds no
// value.
func TestEndToEndInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: not under -short")
	}
	testkit.RequireTmux(t)
	service := keyringtest.Service(t)

	dir := t.TempDir()
	bin := testkit.Binary(t)

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
	// The shell line after keyward shows its exit status and keeps the pane
	// open, so the scrollback can be read after it quits.
	s := testkit.NewTmux(t, env).Start(t, "kw", testkit.PaneOptions{Width: 100, Height: 30,
		Env: []string{"KEYWARD_SERVICE=" + service, "KEYWARD_INDEX=" + index, "NO_COLOR=1",
			"JULEP_BASE_URL=" + julepSrv.URL, "JULEP_API_KEY=" + juleptest.DefaultKey},
		Command: []string{bin + " --tasks " + tasks + "; echo keyward-exited-$?; sleep 60"}})

	s.WaitFor("0 of 0")

	// Create a secret through the keys.
	s.Send("n")
	s.WaitFor("New secret")
	s.Text("E2E_TOKEN")
	s.Send("Tab")
	s.Text(value1)
	s.Send("Tab")
	s.Text("made by the e2e test")
	s.Send("Tab")
	s.Text("env=e2e")
	s.Send("Tab")
	s.Text("30d")
	s.Send("C-s")
	s.WaitFor("created E2E_TOKEN", value1)

	// Filter by its metadata.
	s.Send("/")
	s.Text("env=e2e")
	s.Send("Enter")
	s.WaitFor("1 of 1", value1)

	// Rotate it.
	s.Send("r")
	s.WaitFor("Rotate E2E_TOKEN", value1)
	s.Text(value2)
	s.Send("Enter")
	s.WaitFor("y/N", value1, value2)
	s.Send("y")
	scr := s.WaitFor("rotated E2E_TOKEN to version 2", value1, value2)
	if !strings.Contains(scr, "version   2") {
		t.Fatalf("the detail pane does not say version 2:\n%s", scr)
	}

	// P pushes what the filter shows (E2E_TOKEN) to the Julep account,
	// after a y/N that names the plan; the list marks it as pushed.
	s.Send("P")
	s.WaitFor("Push to v1 "+julepSrv.URL+"? y/N", value1, value2)
	s.Send("y")
	scr = s.WaitFor("pushed 1 of 1 to v1", value1, value2)
	if !strings.Contains(scr, "✓ E2E_TOKEN") {
		t.Fatalf("the list does not mark E2E_TOKEN as pushed:\n%s", scr)
	}
	if got, ok := julepSrv.Value("E2E_TOKEN"); !ok || got != value2 {
		t.Fatal("the Julep account does not hold the rotated value")
	}
	// The task view resolves the task against the real keyring: the
	// rotated value's mask, and the missing secret flagged.
	s.Send("t")
	s.WaitFor("1 missing", value1, value2)
	s.Send("Enter")
	scr = s.WaitFor("Bearer ••••••••TWO2", value1, value2)
	if !strings.Contains(scr, "E2E_MISSING_ONE") {
		t.Fatalf("the preview does not flag the missing secret:\n%s", scr)
	}
	s.Send("t")

	// A multi-line value pasted the way tmux pastes (every newline sent as
	// \r, inside a bracketed paste) is stored with its newlines.
	pemLine := hex.EncodeToString(rnd[:]) + "-PEM-LINE"
	pem := "-----BEGIN E2E KEY-----\n" + pemLine + "\n-----END E2E KEY-----\n"
	s.Send("n")
	s.WaitFor("New secret", value1, value2)
	s.Text("E2E_PEM")
	s.Send("Tab")
	s.Paste(pem)
	s.WaitFor("entered · 3 lines", value1, value2, pemLine)
	s.Send("C-s")
	s.WaitFor("created E2E_PEM", value1, value2, pemLine)

	s.Send("q")
	s.WaitFor("keyward-exited-0", value1, value2)

	// The whole pane history, scrollback included, holds no value.
	history := s.History()
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
	// One keyring write: the new value went over the previous slot, so
	// the first value is under the name now (keyring.valueUsers).
	if prev, ok := keyringtest.Lookup(t, service, "E2E_TOKEN"); !ok || prev != value1 {
		t.Fatal("the previous value was not kept for rollback")
	}
	if cur, ok := keyringtest.Lookup(t, service, "E2E_TOKEN@previous"); !ok || cur != value2 {
		t.Fatal("the rotated value is not where the index says")
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
	testkit.RequireTmux(t)
	service := keyringtest.Service(t)
	dir := t.TempDir()
	bin := testkit.Binary(t)
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
	s := testkit.NewTmux(t, env).Start(t, "kw", testkit.PaneOptions{Width: 100, Height: 30,
		Env:     []string{"KEYWARD_SERVICE=" + service, "KEYWARD_INDEX=" + index, "NO_COLOR=1"},
		Command: []string{bin + " --tasks " + tasks + "; echo keyward-exited-$?; sleep 60"}})
	s.WaitFor("3 of 3", values...)

	// Mark all three: space marks and moves down.
	s.Send("Space")
	s.WaitFor("1 marked", values...)
	s.Send("Space")
	s.WaitFor("2 marked", values...)
	s.Send("Space")
	s.WaitFor("3 marked", values...)

	s.Send("r")
	s.WaitFor("Rotate E2E_SESSION_A · 1 of 3", values...)
	s.Text(typed)
	s.WaitFor("entered", values...)
	s.Send("Enter")
	s.WaitFor("Rotate E2E_SESSION_B · 2 of 3", values...)
	s.Send("C-g")
	s.WaitFor("generated", values...)
	s.Send("Enter")
	s.WaitFor("Rotate E2E_SESSION_C · 3 of 3", values...)
	s.Paste(pasted)
	s.WaitFor("entered", values...)
	s.Send("Enter")
	s.WaitFor("Rotate 3 secrets: E2E_SESSION_A (entered), E2E_SESSION_B (generated),", values...)
	s.Send("y")
	s.WaitFor("rotated 3 of 3: E2E_SESSION_A v2, E2E_SESSION_B v2, E2E_SESSION_C v2", values...)

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
		// One rotation each: the old value stays under the name, the
		// new one went over the previous slot.
		if prev, ok := keyringtest.Lookup(t, service, n); !ok || prev != old[n] {
			t.Errorf("%s: the previous value was not kept for rollback", n)
		}
	}
	values = append(values, generated)

	// The rotated stay marked: R rolls the session back after one y/N.
	s.Send("R")
	s.WaitFor("Roll back 3 marked secrets: E2E_SESSION_A, E2E_SESSION_B, E2E_SESSION_C? y/N", values...)
	s.Send("y")
	s.WaitFor("rolled back 3 of 3", values...)
	for _, n := range names {
		if v, version := cliValue(t, bin, env, n); v != old[n] || version != 3 {
			t.Errorf("%s after R: version %d, old value back %v", n, version, v == old[n])
		}
	}

	s.Send("q")
	s.WaitFor("keyward-exited-0", values...)
	history := s.History()
	for _, v := range values {
		if strings.Contains(history, v) {
			t.Fatal("the tmux scrollback holds a secret value")
		}
	}
}
