//go:build unix

package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLockTimeout(t *testing.T) {
	if cfg, w := Parse("config.toml", `lock_timeout = "30s"`); cfg.LockTimeout != 30*time.Second || len(w) != 0 {
		t.Errorf("lock_timeout = 30s: %s, %q", cfg.LockTimeout, w)
	}
	cfg, w := Parse("config.toml", `lock_timeout = "soon"`)
	if cfg.LockTimeout != 10*time.Second || len(w) != 1 || !strings.HasPrefix(w[0], "config.toml:1: lock_timeout: want a duration") {
		t.Errorf("lock_timeout = soon: %s, %q; want the default and one warning", cfg.LockTimeout, w)
	}
}

// Every bad setting is reported, not only the first (doctor lists them).
func TestParseReportsEveryBadSetting(t *testing.T) {
	_, w := Parse("config.toml", "reveal_timeout = 1\nbackend = \"cloud\"\ndefault_sort = \"size\"\nbogus = true\n[colors]\naccent = \"pink\"\n")
	if len(w) != 5 {
		t.Fatalf("Parse = %d warnings, want 5: %q", len(w), w)
	}
	for i, want := range []string{"config.toml:1: reveal_timeout", "config.toml:2: backend", "config.toml:3: default_sort", "config.toml:4: bogus", "config.toml:6: colors.accent"} {
		if !strings.HasPrefix(w[i], want) {
			t.Errorf("warning %d = %q, want it to start %q", i, w[i], want)
		}
	}
}

func TestLoadHostile(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "deep.toml")
	os.WriteFile(deep, []byte("reveal_timeout = \"30s\"\nx = "+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+"\n"), 0o600)
	big := filepath.Join(dir, "big.toml")
	os.WriteFile(big, nil, 0o600)
	os.Truncate(big, MaxSize+1)
	cases := []struct{ path, want string }{
		{deep, "deep.toml:2: nested too deep (limit 64); using the defaults"},
		{big, "big.toml: too large (1048577 bytes, limit 1 MiB); using the defaults"},
		{dir, filepath.Base(dir) + ": not a regular file (a folder); using the defaults"},
	}
	{
		fifo := filepath.Join(dir, "fifo.toml")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct{ path, want string }{fifo, "fifo.toml: not a regular file (a FIFO); using the defaults"})
	}
	for _, tt := range cases {
		cfg, w := Load(tt.path)
		if len(w) != 1 || w[0] != tt.want || cfg.RevealTimeout != Default().RevealTimeout {
			t.Errorf("Load(%s) = %s, %q; want the defaults and %q", tt.path, cfg.RevealTimeout, w, tt.want)
		}
	}
}
