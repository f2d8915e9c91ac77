package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

func TestParse(t *testing.T) {
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
	cfg, warns := Parse("config.toml", text)
	if cfg.RevealTimeout != 45*time.Second || cfg.ClipboardTimeout != 10*time.Second {
		t.Errorf("timeouts = %s, %s; want 45s, 10s", cfg.RevealTimeout, cfg.ClipboardTimeout)
	}
	if cfg.DefaultSort != model.SortDue || cfg.TasksDir != "~/tasks" {
		t.Errorf("sort %q, tasks %q", cfg.DefaultSort, cfg.TasksDir)
	}
	if cfg.Colors.Accent != "#ff8800" || cfg.Colors.Warning != "203" {
		t.Errorf("colors = %+v", cfg.Colors)
	}
	if len(warns) != 1 || warns[0] != `config.toml:9: colors.due: unknown colour; use accent, dim, warning, error, success or selected` {
		t.Errorf("warnings = %q", warns)
	}
}

func TestParseConfigBadSettingsKeepDefaults(t *testing.T) {
	text := "reveal_timeout = \"soon\"\nclipboard_timeout = 30\ndefault_sort = \"size\"\nstatus_timeout = \"3s\"\nfoo = 1\n[colors]\naccent = \"purple\"\n"
	cfg, warns := Parse("config.toml", text)
	def := Default()
	if cfg.RevealTimeout != def.RevealTimeout || cfg.ClipboardTimeout != def.ClipboardTimeout || cfg.DefaultSort != def.DefaultSort {
		t.Errorf("bad settings changed the config: %+v", cfg)
	}
	if cfg.StatusTimeout != 3*time.Second {
		t.Errorf("a good setting beside bad ones was dropped: %s", cfg.StatusTimeout)
	}
	if cfg.Colors.Accent != "" {
		t.Errorf("bad colour used: %v", cfg.Colors.Accent)
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
	cfg, warns := Parse("config.toml", "reveal_timeout = \"20s\"\nclipboard_timeout = = 3\n")
	if len(warns) != 1 || !strings.HasPrefix(warns[0], "config.toml:2: ") || !strings.HasSuffix(warns[0], "using the defaults") {
		t.Fatalf("warnings = %q", warns)
	}
	if cfg.RevealTimeout != Default().RevealTimeout {
		t.Fatal("a broken file did not give the defaults")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if cfg, warns := Load(filepath.Join(dir, "config.toml")); len(warns) != 0 || cfg.RevealTimeout != 20*time.Second {
		t.Fatalf("missing file: %v %v", cfg, warns)
	}
	path := Path(filepath.Join(dir, "index.toml"))
	if path != filepath.Join(dir, "config.toml") {
		t.Fatalf("ConfigPath = %q", path)
	}
	if err := os.WriteFile(path, []byte("reveal_timeout = \"5s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, warns := Load(path); len(warns) != 0 || cfg.RevealTimeout != 5*time.Second {
		t.Fatalf("LoadConfig = %v %v", cfg.RevealTimeout, warns)
	}
}

func TestResolveTasks(t *testing.T) {
	cfg := Default()
	cfg.TasksDir = "from-config"
	for _, c := range []struct {
		flag, env string
		cfg       Config
		want      string
	}{
		{"from-flag", "from-env", cfg, "from-flag"},
		{"", "from-env", cfg, "from-env"},
		{"", "", cfg, "from-config"},
		{"", "", Default(), "."},
	} {
		got := ResolveTasks(c.flag, c.env, c.cfg, false)
		if got.Dir != c.want || !got.Writable || got.FS == nil || got.Demo {
			t.Errorf("ResolveTasks(%q, %q, tasks_dir %q) = %+v, want dir %q writable", c.flag, c.env, c.cfg.TasksDir, got, c.want)
		}
	}
	d := ResolveTasks("", "", cfg, true)
	if !d.Demo || d.Writable || d.Dir != "" || d.Label != "demo tasks (read-only)" {
		t.Errorf("demo: %+v", d)
	}
	if entries, err := fs.ReadDir(d.FS, "."); err != nil || len(entries) != 3 {
		t.Errorf("demo tasks: %d entries, %v; want the 3 samples", len(entries), err)
	}
	if got := ResolveTasks("mine", "", cfg, true); got.Demo || got.Dir != "mine" {
		t.Errorf("--demo --tasks mine: %+v, want the folder", got)
	}
	home, err := os.UserHomeDir()
	if err == nil {
		if got := ResolveTasks("~/t", "", cfg, false); got.Dir != filepath.Join(home, "t") {
			t.Errorf("~/t = %q", got.Dir)
		}
	}
}

func TestParseJulepTable(t *testing.T) {
	cfg, warns := Parse("config.toml", "[julep]\nplatform = \"v3\"\nenvironment = \"dev\"\napi_key_secret = \"JK\"\napi_key = \"sk-nope\"\nbogus = 1\n")
	if cfg.Julep != (Julep{Platform: "v3", Environment: "dev", APIKeySecret: "JK"}) {
		t.Errorf("julep = %+v", cfg.Julep)
	}
	if len(warns) != 2 || !strings.Contains(warns[0], "config.toml:5: julep.api_key") || !strings.Contains(warns[1], "julep.bogus") {
		t.Errorf("warnings = %q", warns)
	}
	for _, w := range warns {
		if strings.Contains(w, "sk-nope") {
			t.Errorf("a warning shows the key: %q", w)
		}
	}
}

func TestBackend(t *testing.T) {
	for _, c := range []struct {
		text, want, warn string
	}{
		{"", "", ""},
		{"backend = \"file\"\n", "file", ""},
		{"backend = \"keyring\"\n", "keyring", ""},
		{"backend = \"auto\"\n", "auto", ""},
		{"# x\nbackend = \"files\"\n", "", "config.toml:2: backend: want \"auto\", \"keyring\" or \"file\"; using auto"},
		{"backend = 1\n", "", "config.toml:1: backend:"},
	} {
		cfg, warns := Parse("config.toml", c.text)
		if cfg.Backend != c.want {
			t.Errorf("Parse(%q).Backend = %q, want %q", c.text, cfg.Backend, c.want)
		}
		if c.warn == "" && len(warns) != 0 || c.warn != "" && (len(warns) != 1 || !strings.HasPrefix(warns[0], c.warn)) {
			t.Errorf("Parse(%q) warnings = %q, want %q", c.text, warns, c.warn)
		}
	}
}

func TestUnlockCache(t *testing.T) {
	for _, c := range []struct {
		text string
		want time.Duration
		warn string
	}{
		{"", 15 * time.Minute, ""},
		{"unlock_cache = \"5m\"\n", 5 * time.Minute, ""},
		{"unlock_cache = \"1s\"\n", time.Second, ""},
		{"unlock_cache = \"24h\"\n", 24 * time.Hour, ""},
		{"unlock_cache = \"off\"\n", 0, ""},
		{"unlock_cache = \"OFF\"\n", 0, ""},
		{"unlock_cache = \"0\"\n", 0, ""},
		{"unlock_cache = \"0s\"\n", 0, ""},
		{"# x\nunlock_cache = \"15\"\n", 15 * time.Minute, `config.toml:2: unlock_cache: want a duration from 1s to 24h such as "15m", or "off"; using 15m0s`},
		{"unlock_cache = \"500ms\"\n", 15 * time.Minute, "config.toml:1: unlock_cache: want a duration from 1s to 24h"},
		{"unlock_cache = \"25h\"\n", 15 * time.Minute, "config.toml:1: unlock_cache: want a duration from 1s to 24h"},
		{"unlock_cache = \"-5m\"\n", 15 * time.Minute, "config.toml:1: unlock_cache: want a duration from 1s to 24h"},
		{"unlock_cache = 900\n", 15 * time.Minute, `config.toml:1: unlock_cache: want a duration in quotes such as "15m", or "off"; using 15m0s`},
	} {
		cfg, warns := Parse("config.toml", c.text)
		if cfg.UnlockCache != c.want {
			t.Errorf("Parse(%q).UnlockCache = %v, want %v", c.text, cfg.UnlockCache, c.want)
		}
		if c.warn == "" && len(warns) != 0 || c.warn != "" && (len(warns) != 1 || !strings.HasPrefix(warns[0], c.warn)) {
			t.Errorf("Parse(%q) warnings = %q, want %q", c.text, warns, c.warn)
		}
	}
}

func TestParseViews(t *testing.T) {
	if got := Default().Views; len(got) != 3 || got[0] != (View{Name: "all"}) || got[1] != (View{"due", "is:due"}) || got[2] != (View{"unused", "is:unused"}) {
		t.Errorf("default views = %+v, want all, due, unused", got)
	}
	text := `reveal_timeout = "30s"

[[views]]
name = "all"

[[views]]
name = "prod due"
filter = "env=prod is:due"

[[views]]
name = "broken"
filter = "age>soon"

[[views]]
filter = "is:due"

[[views]]
name = "prod due"
filter = "env=prod"
colour = "red"

[colors]
accent = "63"
`
	cfg, warns := Parse("config.toml", text)
	want := []View{{Name: "all"}, {Name: "prod due", Filter: "env=prod is:due"}}
	if len(cfg.Views) != len(want) || cfg.Views[0] != want[0] || cfg.Views[1] != want[1] {
		t.Errorf("views = %+v, want %+v", cfg.Views, want)
	}
	if cfg.RevealTimeout != 30*time.Second || cfg.Colors.Accent != "63" {
		t.Errorf("the settings around [[views]] were lost: %s %q", cfg.RevealTimeout, cfg.Colors.Accent)
	}
	wantWarns := []string{
		"config.toml:12: views[3].filter: ",
		"config.toml:14: views[4].name: want a short name",
		"config.toml:18: views[5].name: a second view named \"prod due\"",
		"config.toml:20: views[5].colour: unknown setting",
	}
	if len(warns) != len(wantWarns) {
		t.Fatalf("warnings = %q, want %d", warns, len(wantWarns))
	}
	// Sorted by line, as every warning is.
	for _, w := range wantWarns {
		found := false
		for _, got := range warns {
			found = found || strings.HasPrefix(got, w)
		}
		if !found {
			t.Errorf("no warning starts %q in %q", w, warns)
		}
	}
	if !strings.Contains(warns[0], "age>soon") && !strings.Contains(warns[0], "soon") {
		t.Errorf("the filter warning %q does not say what is wrong", warns[0])
	}

	// Ten views: the tenth is left out; none valid gives the defaults.
	var many strings.Builder
	for i := range 10 {
		many.WriteString("[[views]]\nname = \"v" + string(rune('0'+i)) + "\"\n")
	}
	cfg, warns = Parse("config.toml", many.String())
	if len(cfg.Views) != MaxViews || len(warns) != 1 || !strings.HasPrefix(warns[0], "config.toml:19: views[10]: more than 9 views") {
		t.Errorf("ten views: %d kept, warnings %q", len(cfg.Views), warns)
	}
	cfg, warns = Parse("config.toml", "views = \"due\"\n")
	if len(cfg.Views) != 3 || len(warns) != 1 || !strings.HasPrefix(warns[0], "config.toml:1: views: ") || !strings.Contains(warns[0], "using the default views") {
		t.Errorf("views = \"due\": %+v, %q", cfg.Views, warns)
	}
	cfg, warns = Parse("config.toml", "views = [{ name = \"mine\", filter = \"owner=me\" }]\n")
	if len(cfg.Views) != 1 || cfg.Views[0] != (View{"mine", "owner=me"}) || len(warns) != 0 {
		t.Errorf("inline views: %+v, %q", cfg.Views, warns)
	}
}
