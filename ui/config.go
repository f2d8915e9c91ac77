package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/keyward/keyward/model"
)

// ConfigFile is the name of the settings file, kept beside the index.
const ConfigFile = "config.toml"

// Config is what a user can change in config.toml. Every field has a
// default, so a missing file or a bad setting never stops keyward.
type Config struct {
	RevealTimeout    time.Duration // how long a revealed value stays on screen
	ClipboardTimeout time.Duration // when a copied value is cleared from the clipboard
	StatusTimeout    time.Duration // how long a status message stays
	DefaultSort      model.SortKey
	TasksDir         string
	palette          palette
}

// DefaultConfig returns the settings used when config.toml does not say
// otherwise.
func DefaultConfig() Config {
	return Config{
		RevealTimeout:    20 * time.Second,
		ClipboardTimeout: 30 * time.Second,
		StatusTimeout:    5 * time.Second,
		DefaultSort:      model.SortName,
		palette:          defaultPalette,
	}
}

// ConfigPath returns where config.toml lives for an index file: in the same
// folder.
func ConfigPath(indexPath string) string {
	if indexPath == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(indexPath), ConfigFile)
}

var colorRe = regexp.MustCompile(`^(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}|[0-9]{1,3})$`)

// LoadConfig reads config.toml at path. A missing file gives the defaults
// and no warnings. Each bad setting gives a warning naming the file and line,
// and its default is used; a file that is not valid TOML gives one warning
// and all the defaults.
func LoadConfig(path string) (Config, []string) {
	cfg := DefaultConfig()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, []string{fmt.Sprintf("%s: %v; using the defaults", filepath.Base(path), err)}
	}
	return ParseConfig(filepath.Base(path), string(data))
}

// ParseConfig is LoadConfig on the text of a file called name.
func ParseConfig(name, text string) (Config, []string) {
	cfg := DefaultConfig()
	var raw map[string]any
	if _, err := toml.Decode(text, &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return cfg, []string{fmt.Sprintf("%s:%d: %s; using the defaults", name, pe.Position.Line, model.Printable(pe.Message))}
		}
		return cfg, []string{fmt.Sprintf("%s: %s; using the defaults", name, model.Printable(err.Error()))}
	}
	type lineWarning struct {
		line int
		text string
	}
	var found []lineWarning
	warn := func(table, key, format string, args ...any) {
		full := key
		if table != "" {
			full = table + "." + key
		}
		line := lineOf(text, table, key)
		found = append(found, lineWarning{line, fmt.Sprintf("%s:%d: %s: %s", name, line, model.Printable(full), fmt.Sprintf(format, args...))})
	}
	duration := func(key string, dst *time.Duration, minimum time.Duration) {
		v, ok := raw[key]
		if !ok {
			return
		}
		s, isStr := v.(string)
		d, err := time.ParseDuration(s)
		if !isStr || err != nil || d < minimum {
			warn("", key, "want a duration of at least %s such as %q; using %s", minimum, dst.String(), dst.String())
			return
		}
		*dst = d
	}
	duration("reveal_timeout", &cfg.RevealTimeout, time.Second)
	duration("clipboard_timeout", &cfg.ClipboardTimeout, time.Second)
	duration("status_timeout", &cfg.StatusTimeout, time.Second)
	if v, ok := raw["default_sort"]; ok {
		s, _ := v.(string)
		k, err := model.ParseSortKey(s)
		if err != nil {
			warn("", "default_sort", "want one of name, updated, due, created, rotated; using %s", cfg.DefaultSort)
		} else {
			cfg.DefaultSort = k
		}
	}
	if v, ok := raw["tasks_dir"]; ok {
		if s, isStr := v.(string); isStr {
			cfg.TasksDir = s
		} else {
			warn("", "tasks_dir", "want a folder path in quotes; using the current folder")
		}
	}
	if v, ok := raw["colors"]; ok {
		tbl, isTbl := v.(map[string]any)
		if !isTbl {
			warn("", "colors", "want a [colors] table; using the default colours")
		}
		slots := map[string]*[2]string{
			"accent": &cfg.palette.Accent, "dim": &cfg.palette.Dim, "warning": &cfg.palette.Warning,
			"error": &cfg.palette.Error, "success": &cfg.palette.Success, "selected": &cfg.palette.Select,
		}
		keys := make([]string, 0, len(tbl))
		for k := range tbl {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			slot, known := slots[k]
			if !known {
				warn("colors", k, "unknown colour; use accent, dim, warning, error, success or selected")
				continue
			}
			s, isStr := tbl[k].(string)
			if !isStr || !colorRe.MatchString(s) {
				warn("colors", k, "want \"#rrggbb\" or an ANSI colour number such as \"63\"; using the default")
				continue
			}
			*slot = [2]string{s, s}
		}
	}
	known := map[string]bool{"reveal_timeout": true, "clipboard_timeout": true, "status_timeout": true,
		"default_sort": true, "tasks_dir": true, "colors": true}
	var unknown []string
	for k := range raw {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		warn("", k, "unknown setting; ignored")
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].line < found[j].line })
	var warns []string
	for _, w := range found {
		warns = append(warns, w.text)
	}
	return cfg, warns
}

// lineOf finds the 1-based line where key is set, inside [table] when table
// is not empty. BurntSushi/toml reports no positions for decoded keys, so the
// file is scanned; 0 means not found.
func lineOf(text, table, key string) int {
	current := ""
	for i, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "[") {
			current = strings.TrimSpace(strings.Trim(l, "[]"))
			continue
		}
		k, _, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		k = strings.Trim(strings.TrimSpace(k), `"'`)
		if current == table && k == key {
			return i + 1
		}
		if table != "" && current == "" && k == table+"."+key {
			return i + 1
		}
	}
	return 0
}
