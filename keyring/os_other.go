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

// mayHaveLanded is false: an unsupported platform reaches no keyring.
func mayHaveLanded(error) bool { return false }

// busCheck is nil: only D-Bus systems need a session bus.
var busCheck func() error

// locked reports whether err means the keyring is locked. go-keyring's
// Keychain and Credential Manager errors do not say so in a form we can
// match, so nothing is.
func locked(error) bool { return false }

// listUsers cannot list the Keychain or the Credential Manager through
// go-keyring: doctor says it did not look for orphan values.
func listUsers(string) ([]string, error) { return nil, errors.ErrUnsupported }

// hasItem is left to a read of the value where go-keyring is all there is.
func hasItem(string, string) (bool, error) { return false, errors.ErrUnsupported }

// keyringGet, keyringSet and keyringDelete are go-keyring's.
var (
	keyringGet    = gokeyring.Get
	keyringSet    = gokeyring.Set
	keyringDelete = gokeyring.Delete
)

// warmKeyring does nothing: go-keyring opens nothing that lasts.
func warmKeyring() {}

// keyringPing reads a user no secret has: go-keyring says no more than
// whether the keyring answered.
func keyringPing(service string) error {
	_, err := gokeyring.Get(service, pingUser)
	return err
}

// canTag is false: go-keyring gives no way to label a Keychain or Credential
// Manager item, so a rotation there keeps a copy instead (rotation.go).
const canTag = false

func setTagged(string, string, string, string) error { return errors.ErrUnsupported }

func itemTag(string, string) (string, error) { return "", errors.ErrUnsupported }
