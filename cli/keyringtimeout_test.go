package cli

import (
	"strings"
	"testing"
	"time"
)

func TestKeyringTimeout(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want time.Duration // 0: the store's default
		bad  bool
	}{
		{"", 0, false},
		{"30s", 30 * time.Second, false},
		{"100ms", 100 * time.Millisecond, false},
		{"10m", 10 * time.Minute, false},
		{"15", 0, true},
		{"50ms", 0, true},
		{"11m", 0, true},
		{"-1s", 0, true},
		{"soon", 0, true},
	} {
		a := &app{getenv: func(k string) string {
			if k == "KEYWARD_KEYRING_TIMEOUT" {
				return tc.env
			}
			return ""
		}}
		got, err := a.keyringTimeout()
		switch {
		case tc.bad && (err == nil || exitCode(err) != exitUsage || !strings.Contains(a.hintFor(err), "KEYWARD_KEYRING_TIMEOUT=30s")):
			t.Errorf("KEYWARD_KEYRING_TIMEOUT=%q: %v (hint %q); want a usage error with a hint", tc.env, err, a.hintFor(err))
		case !tc.bad && (err != nil || got != tc.want):
			t.Errorf("KEYWARD_KEYRING_TIMEOUT=%q: %s, %v; want %s", tc.env, got, err, tc.want)
		}
	}
}
