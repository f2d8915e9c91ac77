package keyring

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestAdvice(t *testing.T) {
	wrapped := func(e error) error { return fmt.Errorf("read X: %w", e) }
	for _, c := range []struct {
		err        error
		goos, want string
	}{
		{wrapped(ErrUnavailable), "linux", "keyward init --backend file"},
		{wrapped(ErrLocked), "linux", "unlock your keyring"},
		{wrapped(ErrLocked), "darwin", "--backend file"},
		{wrapped(ErrUnavailable), "darwin", "Keychain Access"},
		{wrapped(ErrUnavailable), "windows", "Credential Manager"},
		{wrapped(ErrTimeout), "linux", "keyward doctor"},
		{wrapped(ErrTooLarge), "windows", "2,560 bytes"},
		{wrapped(ErrNoValue), "linux", "keyward doctor"},
		{wrapped(ErrNotFound), "linux", ""},
		{errors.New("other"), "linux", ""},
	} {
		got := adviceFor(c.err, c.goos)
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("adviceFor(%v, %s) = %q, want it to contain %q", c.err, c.goos, got, c.want)
		}
	}
	if got := adviceFor(ErrUnavailable, "darwin"); strings.Contains(got, "gnome") {
		t.Errorf("macOS advice names gnome-keyring: %q", got)
	}
}
