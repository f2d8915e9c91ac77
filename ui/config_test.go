package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

func TestParseConfig(t *testing.T) {
	text := `# keyward settings
reveal_timeout = "45s"
clipboard_timeout = "10s"
default_sort = "due"
tasks_dir = "~/tasks"

[colors]
accent = "#ff8800"
due = "red"
warning = "203"
`
	cfg, warns := ParseConfig("config.toml", text)
	if cfg.RevealTimeout != 45*time.Second || cfg.ClipboardTimeout != 10*time.Second {
		t.Errorf("timeouts = %s, %s; want 45s, 10s", cfg.RevealTimeout, cfg.ClipboardTimeout)
	}
	if cfg.DefaultSort != model.SortDue || cfg.TasksDir != "~/tasks" {
		t.Errorf("sort %q, tasks %q", cfg.DefaultSort, cfg.TasksDir)
	}
	if cfg.palette.Accent != [2]string{"#ff8800", "#ff8800"} || cfg.palette.Warning != [2]string{"203", "203"} {
		t.Errorf("palette = %+v", cfg.palette)
	}
	if len(warns) != 1 || warns[0] != `config.toml:9: colors.due: unknown colour; use accent, dim, warning, error, success or selected` {
		t.Errorf("warnings = %q", warns)
	}
}

func TestParseConfigBadSettingsKeepDefaults(t *testing.T) {
	text := "reveal_timeout = \"soon\"\nclipboard_timeout = 30\ndefault_sort = \"size\"\nstatus_timeout = \"3s\"\nfoo = 1\n[colors]\naccent = \"purple\"\n"
	cfg, warns := ParseConfig("config.toml", text)
	def := DefaultConfig()
	if cfg.RevealTimeout != def.RevealTimeout || cfg.ClipboardTimeout != def.ClipboardTimeout || cfg.DefaultSort != def.DefaultSort {
		t.Errorf("bad settings changed the config: %+v", cfg)
	}
	if cfg.StatusTimeout != 3*time.Second {
		t.Errorf("a good setting beside bad ones was dropped: %s", cfg.StatusTimeout)
	}
	if cfg.palette.Accent != def.palette.Accent {
		t.Errorf("bad colour used: %v", cfg.palette.Accent)
	}
	want := []string{"config.toml:1: reveal_timeout:", "config.toml:2: clipboard_timeout:", "config.toml:3: default_sort:", "config.toml:5: foo: unknown setting", "config.toml:7: colors.accent:"}
	if len(warns) != len(want) {
		t.Fatalf("warnings = %q, want %d", warns, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(warns[i], w) {
			t.Errorf("warning %d = %q, want prefix %q", i, warns[i], w)
		}
	}
}

func TestParseConfigSyntaxError(t *testing.T) {
	cfg, warns := ParseConfig("config.toml", "reveal_timeout = \"20s\"\nclipboard_timeout = = 3\n")
	if len(warns) != 1 || !strings.HasPrefix(warns[0], "config.toml:2: ") || !strings.HasSuffix(warns[0], "using the defaults") {
		t.Fatalf("warnings = %q", warns)
	}
	if cfg.RevealTimeout != DefaultConfig().RevealTimeout {
		t.Fatal("a broken file did not give the defaults")
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	if cfg, warns := LoadConfig(filepath.Join(dir, "config.toml")); len(warns) != 0 || cfg.RevealTimeout != 20*time.Second {
		t.Fatalf("missing file: %v %v", cfg, warns)
	}
	path := ConfigPath(filepath.Join(dir, "index.toml"))
	if path != filepath.Join(dir, "config.toml") {
		t.Fatalf("ConfigPath = %q", path)
	}
	if err := os.WriteFile(path, []byte("reveal_timeout = \"5s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, warns := LoadConfig(path); len(warns) != 0 || cfg.RevealTimeout != 5*time.Second {
		t.Fatalf("LoadConfig = %v %v", cfg.RevealTimeout, warns)
	}
}

func TestConfigWarningShownAtStart(t *testing.T) {
	_, warns := ParseConfig("config.toml", "reveal_timeout = \"x\"\n")
	h := newHarness(t, fixture())
	a := newApp(h.a.ctx, Options{Store: h.store}, DefaultConfig(), warns)
	if !strings.Contains(a.status.text, "config.toml:1: reveal_timeout") {
		t.Fatalf("status = %q", a.status.text)
	}
}

func TestRevealTimeoutFromConfig(t *testing.T) {
	h := newHarness(t, fixture())
	h.a.cfg.RevealTimeout = 7 * time.Second
	h.keys("v")
	var got time.Duration
	for _, tm := range h.timers {
		if _, ok := tm.msg.(revealExpiredMsg); ok {
			got = tm.d
		}
	}
	if got != 7*time.Second {
		t.Fatalf("reveal timer = %s, want 7s from the config", got)
	}
}
