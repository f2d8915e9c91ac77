//go:build unix

package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/keyward/keyward/keyring"
)

func TestPassphraseSources(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString("from-the-fd\nignored second line\n")
	w.Close()
	// passphrase closes the descriptor it reads: hand it a copy, so r's own
	// is closed once, by r.
	fd, err := syscall.Dup(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var stderr bytes.Buffer
	asked := 0
	env := map[string]string{"KEYWARD_PASSPHRASE_FD": strconv.Itoa(fd), "KEYWARD_PASSPHRASE": "from-env"}
	a := &app{stderr: &stderr, getenv: func(k string) string { return env[k] },
		readTTY: func(string) (string, error) { asked++; return "from-tty", nil }}
	if p, err := a.passphrase(); p != "from-the-fd" || err != nil {
		t.Errorf("with KEYWARD_PASSPHRASE_FD: %q, %v; want the fd's first line", p, err)
	}
	delete(env, "KEYWARD_PASSPHRASE_FD")
	if p, err := a.passphrase(); p != "from-env" || err != nil || !strings.Contains(stderr.String(), "warning: KEYWARD_PASSPHRASE") {
		t.Errorf("with KEYWARD_PASSPHRASE: %q, %v, stderr %q; want it, with a warning", p, err, stderr.String())
	}
	delete(env, "KEYWARD_PASSPHRASE")
	if p, err := a.passphrase(); p != "from-tty" || err != nil || asked != 1 {
		t.Errorf("from the terminal: %q, %v (asked %d)", p, err, asked)
	}
	a.readTTY = func(string) (string, error) { return "", errors.New("no terminal") }
	if _, err := a.passphrase(); !errors.Is(err, keyring.ErrNoPassphrase) {
		t.Errorf("without a terminal: %v, want ErrNoPassphrase", err)
	}
	env["KEYWARD_PASSPHRASE_FD"] = "x"
	if _, err := a.passphrase(); err == nil || exitCode(err) != exitUsage {
		t.Errorf("KEYWARD_PASSPHRASE_FD=x: %v, want a usage error", err)
	}
}

func TestNewPassphraseAsksTwice(t *testing.T) {
	for _, tc := range []struct {
		answers []string
		want    string
		ok      bool
	}{
		{[]string{"long-enough-1", "long-enough-1"}, "long-enough-1", true},
		{[]string{"long-enough-1", "long-enough-2"}, "", false},
		{[]string{"short"}, "", false},
	} {
		i := 0
		a := &app{getenv: func(string) string { return "" }, readTTY: func(string) (string, error) {
			i++
			return tc.answers[i-1], nil
		}}
		p, err := a.newPassphrase()
		if (err == nil) != tc.ok || p != tc.want {
			t.Errorf("answers %q: %q, %v", tc.answers, p, err)
		}
		if err != nil && strings.Contains(err.Error(), "long-enough") {
			t.Errorf("error %q holds the passphrase", err)
		}
	}
}

func TestSetConfigBackend(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	for _, tc := range []struct{ before, b, want string }{
		{"", "file", "backend = \"file\"\n"},
		{"reveal_timeout = \"5s\"\n[colors]\naccent = \"63\"\n", "file", "backend = \"file\"\nreveal_timeout = \"5s\"\n[colors]\naccent = \"63\"\n"},
		{"backend = \"keyring\"\ntasks_dir = \"x\"\n", "file", "backend = \"file\"\ntasks_dir = \"x\"\n"},
		{"[julep]\nbackend = \"x\"\n", "keyring", "backend = \"keyring\"\n[julep]\nbackend = \"x\"\n"},
	} {
		os.WriteFile(path, []byte(tc.before), 0o600)
		if err := setConfigBackend(path, tc.b); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if string(got) != tc.want {
			t.Errorf("setConfigBackend(%q, %s) wrote %q, want %q", tc.before, tc.b, got, tc.want)
		}
	}
}
