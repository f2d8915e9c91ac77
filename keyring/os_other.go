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
