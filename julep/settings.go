package julep

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// The hosted v1 environments (python-sdk _client.py ENVIRONMENTS).
const (
	ProductionURL = "https://api.julep.ai/api"
	DevURL        = "https://dev.julep.ai/api"
)

// Sources, as status and --dry-run print them.
const (
	SourceDefault      = "default"
	SourceTOML         = "config.toml [julep]"
	SourceJulepCLIFile = "~/.config/julep/config.yml"
)

// Setting is one resolved value and where it came from.
type Setting struct {
	Value  string
	Source string
}

func (s Setting) String() string { return s.Value + " (from " + s.Source + ")" }

// APIKey is the resolved key. Nothing prints it: String, GoString and
// Format all describe it instead. Reveal is the one way to read it.
type APIKey struct {
	value  string
	Source string // "" when no key was found
}

// Reveal returns the key, for the Authorization header only.
func (k APIKey) Reveal() string { return k.value }

// IsSet reports whether a key was found.
func (k APIKey) IsSet() bool { return k.value != "" }

// String describes the key without showing it: "not set", or
// "set (from env JULEP_API_KEY), expires 2027-01-02".
func (k APIKey) String() string {
	if !k.IsSet() {
		return "not set"
	}
	s := "set (from " + k.Source + ")"
	if exp, ok := KeyExpiry(k.value); ok {
		s += ", expires " + exp.Format(time.DateOnly)
	}
	return s
}

// GoString is String, so that %#v cannot print the key either.
func (k APIKey) GoString() string { return k.String() }

// Format prints String for every verb, so that no fmt verb (%d, %x...)
// reaches the key through reflection.
func (k APIKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// ExpiryWarning is KeyExpiryWarning for this key.
func (k APIKey) ExpiryWarning(now time.Time) (string, bool) { return KeyExpiryWarning(k.value, now) }

// Flags are the command-line flags; "" means not given. The key is never a
// flag: it would end up in shell history and in ps.
type Flags struct {
	Platform    string // --platform v1|v3
	Environment string // --environment production|dev|URL
	// APIKeySecret is --api-key-secret NAME: a secret in keyward's own
	// store that holds the key. The key itself is never a flag.
	APIKeySecret string
}

// TOMLSettings is keyward's config.toml [julep] table, which the caller
// reads.
type TOMLSettings struct {
	Platform    string // platform
	Environment string // environment: production, dev or a URL
	BaseURL     string // base_url
	// APIKeySecret names a secret in keyward's own store that holds the
	// key (api_key_secret).
	APIKeySecret string
}

// CLIConfig is the julep CLI's ~/.config/julep/config.yml
// (src/cli/src/julep_cli/utils.py).
type CLIConfig struct {
	APIKey      string `yaml:"api_key"`
	Environment string `yaml:"environment"`
}

// ParseCLIConfig reads the julep CLI's config file. Its error never quotes
// the file, which holds the key.
func ParseCLIConfig(data []byte) (CLIConfig, error) {
	var c CLIConfig
	if len(strings.TrimSpace(string(data))) == 0 {
		return c, nil
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return CLIConfig{}, &SettingError{Setting: "julep CLI config", Source: SourceJulepCLIFile,
			Msg: "is not a YAML mapping with api_key and environment"}
	}
	return c, nil
}

// Inputs is everything Resolve looks at, gathered by the caller.
type Inputs struct {
	Flags Flags
	// LookupEnv reads the environment (os.LookupEnv); nil means none.
	LookupEnv func(string) (string, bool)
	// TOML is the [julep] table of keyward's config.toml.
	TOML TOMLSettings
	// CLIConfig is the content of ~/.config/julep/config.yml; nil when
	// there is none.
	CLIConfig []byte
	// StoreSecret reads a value from keyward's own store, for
	// TOMLSettings.APIKeySecret; nil means it is not available.
	StoreSecret func(name string) (string, error)
	// HasSecret reports whether keyward's store has a secret of that name
	// (without reading its value): the secret DefaultKeySecret is used
	// when nothing else names a key. Nil means none.
	HasSecret func(name string) bool
}

// DefaultKeySecret is the keyward secret that holds the API key when
// nothing else says where it is.
const DefaultKeySecret = "JULEP_API_KEY"

// Settings says which account to talk to and how, and where each piece
// came from.
type Settings struct {
	Platform Setting
	BaseURL  Setting
	APIKey   APIKey
}

// Target is the account's sync target, as model.SyncState records it.
func (s Settings) Target() string { return TargetOf(Platform(s.Platform.Value), s.BaseURL.Value) }

// String describes the settings for status and --dry-run; never the key.
func (s Settings) String() string {
	return fmt.Sprintf("platform  %s\nbase URL  %s\nAPI key   %s", s.Platform, s.BaseURL, s.APIKey)
}

// Remote returns the client these settings describe.
func (s Settings) Remote(opt Options) (Remote, error) {
	if !s.APIKey.IsSet() {
		return nil, &SettingError{Setting: "API key", Msg: "is not set: set JULEP_API_KEY, or api_key_secret under [julep] in config.toml"}
	}
	switch Platform(s.Platform.Value) {
	case V1:
		return NewV1(s.BaseURL.Value, s.APIKey.value, opt), nil
	case V3:
		return NewV3(s.BaseURL.Value, s.APIKey.value, opt), nil
	}
	return nil, &SettingError{Setting: "platform", Source: s.Platform.Source, Msg: "must be v1 or v3"}
}

// SettingError is a setting that cannot be used, and where it came from.
type SettingError struct {
	Setting string
	Source  string
	Msg     string
	Err     error
}

func (e *SettingError) Error() string {
	s := "julep " + e.Setting
	if e.Source != "" {
		s += " (from " + e.Source + ")"
	}
	s += " " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *SettingError) Unwrap() error { return e.Err }

// Resolve works out the settings; the first place that has one wins:
//
//	platform: --platform, config.toml platform, v1
//	base URL (v1): --environment, JULEP_BASE_URL, JULEP_ENVIRONMENT,
//	  config.toml base_url, config.toml environment,
//	  ~/.config/julep/config.yml environment, production
//	base URL (v3): --environment URL, JULEP_API_URL, config.toml base_url,
//	  config.toml environment; Julep 3 has no hosted default
//	API key: the store secret named by --api-key-secret, JULEP_API_KEY,
//	  the store secret named by config.toml api_key_secret, the store
//	  secret JULEP_API_KEY when it exists, ~/.config/julep/config.yml
//	  api_key (v1 only)
//
// A missing key is not an error here (status shows "not set");
// Settings.Remote refuses it.
func Resolve(in Inputs) (Settings, error) {
	env := func(name string) (Setting, bool) {
		if in.LookupEnv == nil {
			return Setting{}, false
		}
		v, ok := in.LookupEnv(name)
		v = strings.TrimSpace(v)
		return Setting{Value: v, Source: "env " + name}, ok && v != ""
	}
	var cli *CLIConfig
	cliConfig := func() (CLIConfig, error) {
		if cli == nil {
			c, err := ParseCLIConfig(in.CLIConfig)
			if err != nil {
				return c, err
			}
			cli = &c
		}
		return *cli, nil
	}

	var s Settings
	switch {
	case in.Flags.Platform != "":
		s.Platform = Setting{in.Flags.Platform, "flag --platform"}
	case in.TOML.Platform != "":
		s.Platform = Setting{in.TOML.Platform, SourceTOML + " platform"}
	default:
		s.Platform = Setting{string(V1), SourceDefault}
	}
	p, err := ParsePlatform(s.Platform.Value)
	if err != nil {
		return s, &SettingError{Setting: "platform", Source: s.Platform.Source, Msg: "must be v1 or v3, not " + quote(s.Platform.Value)}
	}

	// Base URL candidates, in order; environments are names or URLs.
	type cand struct {
		Setting
		env bool // production|dev|URL rather than a URL
	}
	var cands []cand
	if in.Flags.Environment != "" {
		cands = append(cands, cand{Setting{in.Flags.Environment, "flag --environment"}, true})
	}
	if p == V1 {
		if e, ok := env("JULEP_BASE_URL"); ok {
			cands = append(cands, cand{e, false})
		}
		if e, ok := env("JULEP_ENVIRONMENT"); ok {
			cands = append(cands, cand{e, true})
		}
	} else if e, ok := env("JULEP_API_URL"); ok {
		cands = append(cands, cand{e, false})
	}
	if in.TOML.BaseURL != "" {
		cands = append(cands, cand{Setting{in.TOML.BaseURL, SourceTOML + " base_url"}, false})
	}
	if in.TOML.Environment != "" {
		cands = append(cands, cand{Setting{in.TOML.Environment, SourceTOML + " environment"}, true})
	}
	if len(cands) == 0 && p == V1 {
		c, err := cliConfig()
		if err != nil {
			return s, err
		}
		if c.Environment != "" {
			cands = append(cands, cand{Setting{c.Environment, SourceJulepCLIFile}, true})
		} else {
			cands = append(cands, cand{Setting{"production", SourceDefault}, true})
		}
	}
	if len(cands) == 0 {
		return s, &SettingError{Setting: "base URL", Msg: "is not set: Julep 3 has no hosted default; pass --environment URL, set JULEP_API_URL, or base_url under [julep] in config.toml"}
	}
	c := cands[0]
	u, err := baseURLOf(p, c.Value, c.env)
	if err != nil {
		return s, &SettingError{Setting: "base URL", Source: c.Source, Msg: err.Error()}
	}
	s.BaseURL = Setting{u, c.Source}

	fromStore := func(name, src string) (Settings, error) {
		if in.StoreSecret == nil {
			return s, &SettingError{Setting: "API key", Source: src, Msg: "cannot be read: the store is not open"}
		}
		v, err := in.StoreSecret(name)
		if err != nil {
			return s, &SettingError{Setting: "API key", Source: src, Msg: "cannot be read", Err: err}
		}
		if v = strings.TrimSpace(v); v == "" {
			return s, &SettingError{Setting: "API key", Source: src, Msg: "is empty"}
		}
		s.APIKey = APIKey{value: v, Source: src}
		return s, nil
	}
	if name := in.Flags.APIKeySecret; name != "" {
		return fromStore(name, "keyward secret "+name+" (flag --api-key-secret)")
	}
	if e, ok := env("JULEP_API_KEY"); ok {
		s.APIKey = APIKey{value: e.Value, Source: e.Source}
		return s, nil
	}
	if name := in.TOML.APIKeySecret; name != "" {
		return fromStore(name, "keyward secret "+name+" ("+SourceTOML+" api_key_secret)")
	}
	if in.HasSecret != nil && in.HasSecret(DefaultKeySecret) {
		return fromStore(DefaultKeySecret, "keyward secret "+DefaultKeySecret)
	}
	if p == V1 {
		c, err := cliConfig()
		if err != nil {
			return s, err
		}
		if k := strings.TrimSpace(c.APIKey); k != "" {
			s.APIKey = APIKey{value: k, Source: SourceJulepCLIFile}
		}
	}
	return s, nil
}

// baseURLOf turns an environment name or a URL into a base URL.
func baseURLOf(p Platform, v string, envName bool) (string, error) {
	v = strings.TrimSpace(v)
	if envName {
		switch v {
		case "production", "dev":
			if p == V3 {
				return "", errors.New(quote(v) + " is a Julep v1 environment; Julep 3 needs its server's URL")
			}
			if v == "dev" {
				return DevURL, nil
			}
			return ProductionURL, nil
		}
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		if envName {
			return "", errors.New("must be production, dev or an http(s) URL, not " + quote(redactURL(v)))
		}
		return "", errors.New("must be an http(s) URL, not " + quote(redactURL(v)))
	}
	return strings.TrimRight(v, "/"), nil
}
