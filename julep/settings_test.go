package julep_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/julep"
)

// jwt builds an unsigned token with the given claims JSON.
func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2lnbmF0dXJl"
}

func TestKeyExpiry(t *testing.T) {
	tests := []struct {
		key  string
		want time.Time
		ok   bool
	}{
		{jwt(`{"sub":"dev","exp":1798848000}`), time.Unix(1798848000, 0).UTC(), true},
		{jwt(`{"exp":1798848000.5}`), time.Unix(1798848000, 5e8).UTC(), true},
		{jwt(`{"sub":"dev"}`), time.Time{}, false},
		{jwt(`{"exp":"soon"}`), time.Time{}, false},
		{jwt(`{"exp":-5}`), time.Time{}, false},
		{jwt(`not json`), time.Time{}, false},
		{"sk-julep-plainkey", time.Time{}, false},
		{"a.b", time.Time{}, false},
		{"a.!!!.c", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := julep.KeyExpiry(tt.key)
		if !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("KeyExpiry(%q) = %v, %v, want %v, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestKeyExpiryWarning(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	exp := func(d time.Duration) string { return jwt(fmt.Sprintf(`{"exp":%d}`, now.Add(d).Unix())) }
	tests := []struct {
		key  string
		want string // "" means no warning
	}{
		{exp(-time.Hour), "the API key expired on 2026-12-01"},
		{exp(3 * time.Hour), "the API key expires within a day (2026-12-01)"},
		{exp(30 * time.Hour), "the API key expires in 1 day (2026-12-02)"},
		{exp(6*24*time.Hour + time.Hour), "the API key expires in 6 days (2026-12-07)"},
		{exp(8 * 24 * time.Hour), ""},
		{"plain-key", ""},
	}
	for _, tt := range tests {
		got, warn := julep.KeyExpiryWarning(tt.key, now)
		if warn != (tt.want != "") || !strings.HasPrefix(got, tt.want) {
			t.Errorf("KeyExpiryWarning(%q) = %q, %v, want %q", tt.key, got, warn, tt.want)
		}
	}
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestResolve(t *testing.T) {
	const cliYAML = "api_key: key-from-cli-file\nenvironment: dev\n"
	store := func(name string) (string, error) {
		if name == "JULEP_KEY" {
			return "key-from-store", nil
		}
		return "", errors.New("no such secret")
	}
	tests := []struct {
		name                 string
		in                   julep.Inputs
		platform, url, key   string
		platSrc, urlSrc, src string
	}{
		{"defaults", julep.Inputs{},
			"v1", julep.ProductionURL, "",
			"default", "default", ""},
		{"julep CLI file only", julep.Inputs{CLIConfig: []byte(cliYAML)},
			"v1", julep.DevURL, "key-from-cli-file",
			"default", "~/.config/julep/config.yml", "~/.config/julep/config.yml"},
		{"config.toml beats the julep CLI file", julep.Inputs{CLIConfig: []byte(cliYAML),
			TOML: julep.TOMLSettings{Environment: "production", APIKeySecret: "JULEP_KEY"}, StoreSecret: store},
			"v1", julep.ProductionURL, "key-from-store",
			"default", "config.toml [julep] environment", "keyward secret JULEP_KEY (config.toml [julep] api_key_secret)"},
		{"base_url beats environment in config.toml", julep.Inputs{TOML: julep.TOMLSettings{Environment: "dev", BaseURL: "http://127.0.0.1:8080/"}},
			"v1", "http://127.0.0.1:8080", "",
			"default", "config.toml [julep] base_url", ""},
		{"env beats config.toml", julep.Inputs{
			LookupEnv:   env(map[string]string{"JULEP_ENVIRONMENT": "dev", "JULEP_API_KEY": "key-from-env"}),
			TOML:        julep.TOMLSettings{BaseURL: "http://127.0.0.1:8080", APIKeySecret: "JULEP_KEY"},
			StoreSecret: store},
			"v1", julep.DevURL, "key-from-env",
			"default", "env JULEP_ENVIRONMENT", "env JULEP_API_KEY"},
		{"JULEP_BASE_URL beats JULEP_ENVIRONMENT", julep.Inputs{
			LookupEnv: env(map[string]string{"JULEP_ENVIRONMENT": "dev", "JULEP_BASE_URL": "https://self.example/api"})},
			"v1", "https://self.example/api", "",
			"default", "env JULEP_BASE_URL", ""},
		{"flags beat env", julep.Inputs{
			Flags:     julep.Flags{Environment: "dev"},
			LookupEnv: env(map[string]string{"JULEP_BASE_URL": "https://self.example/api"})},
			"v1", julep.DevURL, "",
			"default", "flag --environment", ""},
		{"v3 from config.toml, JULEP_API_URL", julep.Inputs{
			TOML:      julep.TOMLSettings{Platform: "v3"},
			LookupEnv: env(map[string]string{"JULEP_API_URL": "http://localhost:8000", "JULEP_BASE_URL": "https://ignored.example"}),
			CLIConfig: []byte(cliYAML)},
			"v3", "http://localhost:8000", "",
			"config.toml [julep] platform", "env JULEP_API_URL", ""},
		{"v3 from the flag with a URL", julep.Inputs{Flags: julep.Flags{Platform: "v3", Environment: "http://127.0.0.1:9000"}},
			"v3", "http://127.0.0.1:9000", "",
			"flag --platform", "flag --environment", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := julep.Resolve(tt.in)
			if err != nil {
				t.Fatalf("Resolve = %v", err)
			}
			if s.Platform != (julep.Setting{Value: tt.platform, Source: tt.platSrc}) {
				t.Errorf("platform = %v, want %s (from %s)", s.Platform, tt.platform, tt.platSrc)
			}
			if s.BaseURL != (julep.Setting{Value: tt.url, Source: tt.urlSrc}) {
				t.Errorf("base URL = %v, want %s (from %s)", s.BaseURL, tt.url, tt.urlSrc)
			}
			if s.APIKey.Reveal() != tt.key || s.APIKey.Source != tt.src {
				t.Errorf("key = %q from %q, want %q from %q", s.APIKey.Reveal(), s.APIKey.Source, tt.key, tt.src)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name string
		in   julep.Inputs
		want string
	}{
		{"bad platform", julep.Inputs{Flags: julep.Flags{Platform: "v2"}}, `julep platform (from flag --platform) must be v1 or v3, not "v2"`},
		{"bad environment", julep.Inputs{Flags: julep.Flags{Environment: "staging"}}, `must be production, dev or an http(s) URL, not "staging"`},
		{"bad base URL", julep.Inputs{LookupEnv: env(map[string]string{"JULEP_BASE_URL": "ftp://x"})}, `julep base URL (from env JULEP_BASE_URL) must be an http(s) URL`},
		{"password in URL hidden", julep.Inputs{LookupEnv: env(map[string]string{"JULEP_BASE_URL": "ftp://u:hunter2@x"})}, `ftp://u:xxxxx@x`},
		{"v3 without a URL", julep.Inputs{Flags: julep.Flags{Platform: "v3"}}, "Julep 3 has no hosted default"},
		{"v3 with a v1 environment", julep.Inputs{Flags: julep.Flags{Platform: "v3", Environment: "production"}}, "Julep 3 needs its server's URL"},
		{"store secret missing", julep.Inputs{TOML: julep.TOMLSettings{APIKeySecret: "NOPE"},
			StoreSecret: func(string) (string, error) { return "", errors.New("no such secret") }}, "cannot be read: no such secret"},
		{"broken julep CLI file", julep.Inputs{CLIConfig: []byte("api_key: [sk-broken-key-123\n")}, "is not a YAML mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := julep.Resolve(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve = %v, want an error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "sk-broken-key") {
				t.Errorf("Resolve = %q, which shows a secret", err)
			}
		})
	}
}

func TestSettingsNeverPrintTheKey(t *testing.T) {
	key := jwt(`{"exp":1798848000}`)
	s, err := julep.Resolve(julep.Inputs{LookupEnv: env(map[string]string{"JULEP_API_KEY": key})})
	if err != nil {
		t.Fatal(err)
	}
	want := "platform  v1 (from default)\nbase URL  https://api.julep.ai/api (from default)\nAPI key   set (from env JULEP_API_KEY), expires 2027-01-02"
	if got := s.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		if got := fmt.Sprintf(verb, s); strings.Contains(got, key) || strings.Contains(got, key[:20]) {
			t.Errorf("Sprintf(%q, settings) = %q, which shows the key", verb, got)
		}
		if got := fmt.Sprintf(verb, s.APIKey); strings.Contains(got, key[:20]) {
			t.Errorf("Sprintf(%q, key) = %q, which shows the key", verb, got)
		}
	}
	if r, err := s.Remote(julep.Options{}); err != nil || r.Target() != "v1 https://api.julep.ai/api" || s.Target() != r.Target() {
		t.Errorf("Remote = %v, %v; want a v1 client for the production target", r, err)
	}
	if _, err := (julep.Settings{Platform: s.Platform, BaseURL: s.BaseURL}).Remote(julep.Options{}); err == nil {
		t.Errorf("Remote without a key = nil error, want one")
	}
}

func TestResolveKeyFromStoreSecrets(t *testing.T) {
	store := map[string]string{"JULEP_API_KEY": "from-default-secret", "TEAM_KEY": "from-team-secret", "TOML_KEY": "from-toml-secret"}
	read := func(name string) (string, error) { return store[name], nil }
	has := func(name string) bool { _, ok := store[name]; return ok }
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	for _, c := range []struct {
		name      string
		in        julep.Inputs
		key, from string
	}{
		{"flag beats env", julep.Inputs{Flags: julep.Flags{APIKeySecret: "TEAM_KEY"}, LookupEnv: env(map[string]string{"JULEP_API_KEY": "from-env"}), StoreSecret: read, HasSecret: has},
			"from-team-secret", "keyward secret TEAM_KEY (flag --api-key-secret)"},
		{"env beats config and default", julep.Inputs{LookupEnv: env(map[string]string{"JULEP_API_KEY": "from-env"}), TOML: julep.TOMLSettings{APIKeySecret: "TOML_KEY"}, StoreSecret: read, HasSecret: has},
			"from-env", "env JULEP_API_KEY"},
		{"config beats default", julep.Inputs{TOML: julep.TOMLSettings{APIKeySecret: "TOML_KEY"}, StoreSecret: read, HasSecret: has},
			"from-toml-secret", "keyward secret TOML_KEY (config.toml [julep] api_key_secret)"},
		{"default secret beats the julep CLI file", julep.Inputs{StoreSecret: read, HasSecret: has, CLIConfig: []byte("api_key: from-cli-file\n")},
			"from-default-secret", "keyward secret JULEP_API_KEY"},
		{"julep CLI file last", julep.Inputs{StoreSecret: read, HasSecret: func(string) bool { return false }, CLIConfig: []byte("api_key: from-cli-file\n")},
			"from-cli-file", julep.SourceJulepCLIFile},
	} {
		s, err := julep.Resolve(c.in)
		if err != nil {
			t.Errorf("%s: Resolve: %v", c.name, err)
			continue
		}
		if s.APIKey.Reveal() != c.key || s.APIKey.Source != c.from {
			t.Errorf("%s: key %q from %q, want %q from %q", c.name, s.APIKey.Reveal(), s.APIKey.Source, c.key, c.from)
		}
	}
}
