//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package keyring

import (
	"errors"

	gokeyring "github.com/zalando/go-keyring"
)

// unavailable reports whether err means there is no keyring to talk to.
func unavailable(err error) bool {
	return errors.Is(err, gokeyring.ErrUnsupportedPlatform)
}

// busCheck is nil: only D-Bus systems need a session bus.
var busCheck func() error

// locked reports whether err means the keyring is locked. go-keyring's
// Keychain and Credential Manager errors do not say so in a form we can
// match, so nothing is.
func locked(error) bool { return false }

// listUsers cannot list the Keychain or the Credential Manager through
// go-keyring: doctor says it did not look for orphan values.
func listUsers(string) ([]string, error) { return nil, errors.ErrUnsupported }
