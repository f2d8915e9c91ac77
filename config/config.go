// Package config reads keyward's config.toml, once, for every surface (the
// command line reads it and hands it to the terminal UI), and holds the one
// rule for which folder of Julep task files keyward reads.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// File is the name of the settings file, kept beside the index.
const File = "config.toml"

// Config is what a user can change in config.toml. Every field has a
// default, so a missing file or a bad setting never stops keyward.
type Config struct {
	RevealTimeout    time.Duration // how long a revealed value stays on screen
	ClipboardTimeout time.Duration // when a copied value is cleared from the clipboard
	StatusTimeout    time.Duration // how long a status message stays
	LockTimeout      time.Duration // how long a write waits for another process's lock on the index
	DefaultSort      model.SortKey
	TasksDir         string // tasks_dir, as written (see ResolveTasks)
	Backend          string // backend: "auto", "keyring" or "file"; "" when not set
	Colors           Colors
	Julep            Julep
	// Views are the TUI's saved filters, its tabs (1…9), in order.
	Views []View
	// UnlockCache is how long the file backend's unlocked identity stays
	// in the kernel session keyring (Linux); 0 is off.
	UnlockCache time.Duration
}

// View is one [[views]] entry: a named filter the TUI shows as a tab.
type View struct {
	Name   string
	Filter string // the filter language (model.ParseQuery); "" shows every secret
}

// MaxViews is how many views the TUI can switch to (keys 1…9).
const MaxViews = 9

// maxViewName keeps a tab short enough for the list pane's top border.
const maxViewName = 16

// DefaultViews are the views without [[views]] in config.toml: every
// secret, the ones due for rotation, the ones no task uses.
func DefaultViews() []View {
	return []View{{Name: "all"}, {Name: "due", Filter: "is:due"}, {Name: "unused", Filter: "is:unused"}}
}

// Colors are the [colors] a user set: "#rrggbb" or an ANSI colour number,
// empty for the default.
type Colors struct {
	Accent, Dim, Warning, Error, Success, Selected string
}

// Julep is the [julep] table: how keyward reaches a Julep account. Each
// field is empty when not set; flags and the environment come first (see
// the julep package).
type Julep struct {
	Platform     string // v1 or v3
	Environment  string // production, dev or a base URL
	BaseURL      string
	APIKeySecret string // the keyward secret holding the API key
}

// Default returns the settings used when config.toml does not say
// otherwise.
func Default() Config {
	return Config{
		RevealTimeout:    20 * time.Second,
		ClipboardTimeout: 30 * time.Second,
		StatusTimeout:    5 * time.Second,
		UnlockCache:      DefaultUnlockCache,
		LockTimeout:      keyring.DefaultLockWait,
		DefaultSort:      model.SortName,
		Views:            DefaultViews(),
	}
}

// DefaultUnlockCache is unlock_cache when config.toml does not set it.
const DefaultUnlockCache = 15 * time.Minute

// MaxUnlockCache bounds unlock_cache: past a working day, a passphrase
// typed once would guard nothing.
const MaxUnlockCache = 24 * time.Hour

// ParseUnlockCache reads unlock_cache (and KEYWARD_UNLOCK_CACHE): a
// duration from 1s to 24h such as "15m", or "off" or "0" for none.
func ParseUnlockCache(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err == nil && d == 0:
		return 0, nil
	case err != nil || d < time.Second || d > MaxUnlockCache:
		return 0, fmt.Errorf("want a duration from 1s to 24h such as \"15m\", or \"off\"")
	}
	return d, nil
}

// Path returns where config.toml lives for an index file: in the same
// folder.
func Path(indexPath string) string {
	if indexPath == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(indexPath), File)
}

var colorRe = regexp.MustCompile(`^(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}|[0-9]{1,3})$`)

// MaxSize bounds the config.toml keyward reads; a larger file gives a
// warning and all the defaults.
const MaxSize = 1 << 20

// Load reads config.toml at path. A missing file gives the defaults
// and no warnings. Each bad setting gives a warning naming the file and line,
// and its default is used; a file that is not valid TOML (or not a regular
// file, larger than MaxSize, or nested deeper than bounded.MaxNesting)
// gives one warning and all the defaults.
func Load(path string) (Config, []string) {
	cfg := Default()
	if path == "" {
		return cfg, nil
	}
	data, err := bounded.ReadFile(path, MaxSize)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the name is said once, first
		}
		return cfg, []string{fmt.Sprintf("%s: %v; using the defaults", filepath.Base(path), err)}
	}
	return Parse(filepath.Base(path), string(data))
}

// Parse is Load on the text of a file called name.
func Parse(name, text string) (Config, []string) {
	cfg := Default()
	if len(text) > MaxSize {
		return cfg, []string{fmt.Sprintf("%s: %s; using the defaults", name, &bounded.TooLargeError{Size: int64(len(text)), Limit: MaxSize})}
	}
	var td *bounded.TooDeepError
	if err := bounded.TOML([]byte(text), bounded.MaxNesting); errors.As(err, &td) {
		return cfg, []string{fmt.Sprintf("%s:%d: nested too deep (limit %d); using the defaults", name, td.Line, td.Limit)}
	}
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
	duration("lock_timeout", &cfg.LockTimeout, time.Second)
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
	if v, ok := raw["backend"]; ok {
		if s, isStr := v.(string); isStr && (s == "auto" || s == "keyring" || s == "file") {
			cfg.Backend = s
		} else {
			warn("", "backend", "want \"auto\", \"keyring\" or \"file\"; using auto")
		}
	}
	if v, ok := raw["unlock_cache"]; ok {
		s, isStr := v.(string)
		d, err := ParseUnlockCache(s)
		if !isStr {
			err = fmt.Errorf("want a duration in quotes such as \"15m\", or \"off\"")
		}
		if err != nil {
			warn("", "unlock_cache", "%v; using %s", err, cfg.UnlockCache)
		} else {
			cfg.UnlockCache = d
		}
	}
	if v, ok := raw["colors"]; ok {
		tbl, isTbl := v.(map[string]any)
		if !isTbl {
			warn("", "colors", "want a [colors] table; using the default colours")
		}
		slots := map[string]*string{
			"accent": &cfg.Colors.Accent, "dim": &cfg.Colors.Dim, "warning": &cfg.Colors.Warning,
			"error": &cfg.Colors.Error, "success": &cfg.Colors.Success, "selected": &cfg.Colors.Selected,
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
			*slot = s
		}
	}
	if v, ok := raw["julep"]; ok {
		tbl, isTbl := v.(map[string]any)
		if !isTbl {
			warn("", "julep", "want a [julep] table; ignored")
		}
		slots := map[string]*string{
			"platform": &cfg.Julep.Platform, "environment": &cfg.Julep.Environment,
			"base_url": &cfg.Julep.BaseURL, "api_key_secret": &cfg.Julep.APIKeySecret,
		}
		for _, k := range model.SortedKeys(stringKeys(tbl)) {
			slot, known := slots[k]
			s, isStr := tbl[k].(string)
			switch {
			case k == "api_key":
				warn("julep", k, "keyward never reads an API key from config.toml; store it as a secret and name it in api_key_secret")
			case !known:
				warn("julep", k, "unknown setting; use platform, environment, base_url or api_key_secret")
			case !isStr:
				warn("julep", k, "want a string in quotes; ignored")
			default:
				*slot = s
			}
		}
	}
	if v, ok := raw["views"]; ok {
		cfg.Views = parseViews(v, func(i int, key, format string, args ...any) {
			line := lineOfView(text, i, key)
			if line == 0 {
				line = lineOf(text, "", "views") // views = […] on one line
			}
			full := "views"
			if i >= 0 {
				full = fmt.Sprintf("views[%d]", i+1)
			}
			if key != "" {
				full += "." + key
			}
			found = append(found, lineWarning{line, fmt.Sprintf("%s:%d: %s: %s", name, line, model.Printable(full), fmt.Sprintf(format, args...))})
		})
	}
	known := map[string]bool{"reveal_timeout": true, "clipboard_timeout": true, "status_timeout": true, "lock_timeout": true,
		"default_sort": true, "tasks_dir": true, "backend": true, "unlock_cache": true, "colors": true, "julep": true, "views": true}
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

// parseViews reads the [[views]] array. A bad view is left out with a
// warning (warn's i is its place in the file, from 0; -1 for views as a
// whole); when none is left,
// the defaults are used.
func parseViews(v any, warn func(i int, key, format string, args ...any)) []View {
	list, ok := v.([]map[string]any)
	if arr, isArr := v.([]any); isArr {
		// views = [{ name = "due", filter = "is:due" }]: the same tables.
		ok = true
		for _, e := range arr {
			tbl, isTbl := e.(map[string]any)
			if !isTbl {
				ok = false
				break
			}
			list = append(list, tbl)
		}
	}
	if !ok {
		warn(-1, "", "want [[views]] tables, each with a name and a filter; using the default views")
		return DefaultViews()
	}
	var out []View
	seen := map[string]bool{}
	for i, tbl := range list {
		for _, k := range model.SortedKeys(stringKeys(tbl)) {
			if k != "name" && k != "filter" {
				warn(i, k, "unknown setting; a view has a name and a filter")
			}
		}
		name, isStr := tbl["name"].(string)
		name = strings.TrimSpace(name)
		switch {
		case !isStr || name == "":
			warn(i, "name", "want a short name in quotes such as \"due\"; view left out")
			continue
		case len([]rune(name)) > maxViewName || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
			warn(i, "name", "want a name of at most %d printable characters; view left out", maxViewName)
			continue
		case seen[name]:
			warn(i, "name", "a second view named %q; view left out", model.Printable(name))
			continue
		}
		filter := ""
		if f, present := tbl["filter"]; present {
			s, isStr := f.(string)
			if !isStr {
				warn(i, "filter", "want a filter in quotes such as \"is:due\"; view left out")
				continue
			}
			if _, err := model.ParseQuery(s); err != nil {
				warn(i, "filter", "%s; view left out", model.Printable(err.Error()))
				continue
			}
			filter = strings.TrimSpace(s)
		}
		if len(out) == MaxViews {
			warn(i, "", "more than %d views: keys 1…9 reach the first %d; view left out", MaxViews, MaxViews)
			continue
		}
		seen[name] = true
		out = append(out, View{Name: name, Filter: filter})
	}
	if len(out) == 0 {
		return DefaultViews()
	}
	return out
}

// lineOfView finds the 1-based line of key inside the i-th [[views]]
// table (from 0), or of its [[views]] line when key is "" or not set
// there; 0 means not found.
func lineOfView(text string, i int, key string) int {
	n, header := -1, 0
	for j, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "[") {
			if strings.TrimSpace(strings.Trim(l, "[]")) == "views" && strings.HasPrefix(l, "[[") {
				n++
				if n == i {
					header = j + 1
				}
			} else if n == i {
				break
			}
			if n > i {
				break
			}
			continue
		}
		if n != i || key == "" {
			continue
		}
		if k, _, ok := strings.Cut(l, "="); ok && strings.Trim(strings.TrimSpace(k), `"'`) == key {
			return j + 1
		}
	}
	return header
}

// stringKeys turns a decoded table into a map with the same keys, for
// model.SortedKeys.
func stringKeys(tbl map[string]any) map[string]string {
	out := make(map[string]string, len(tbl))
	for k := range tbl {
		out[k] = ""
	}
	return out
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
