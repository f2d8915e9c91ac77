package keyring

import (
	"errors"
	"runtime"
)

// Advice says what a user can do about a keyring fault in err, for this
// operating system: the one text that the command line prints as its hint
// and the terminal UI shows on its status line. It is "" when err is not a
// keyring fault (a missing name, a bad input), which each surface words in
// its own terms.
func Advice(err error) string {
	return adviceFor(err, runtime.GOOS)
}

func adviceFor(err error, goos string) string {
	switch {
	case errors.Is(err, ErrUnavailable):
		switch goos {
		case "linux", "freebsd", "openbsd", "netbsd":
			return "no Secret Service answers on the D-Bus session bus: log in to a desktop session with gnome-keyring or KWallet, " +
				"or on a headless box run keyward inside 'dbus-run-session' with 'gnome-keyring-daemon --unlock' (see the README); " +
				"or try 'keyward --demo'"
		case "darwin":
			return "the login Keychain is not reachable; unlock it in Keychain Access, or try 'keyward --demo'"
		case "windows":
			return "Windows Credential Manager is not reachable; or try 'keyward --demo'"
		}
		return "this system has no supported keyring; try 'keyward --demo'"
	case errors.Is(err, ErrTimeout):
		return "the keyring may be waiting for you to unlock it (look for a prompt on your desktop), or its daemon is stuck; unlock or restart it and try again"
	case errors.Is(err, ErrTooLarge):
		switch goos {
		case "windows":
			return "Windows Credential Manager takes values of at most 2,560 bytes; store a smaller value"
		case "darwin":
			return "the macOS Keychain takes values of about 3 KB at most; store a smaller value"
		}
		return "this keyring limits the size of a value; store a smaller value"
	case errors.Is(err, ErrNotSet):
		return "set its first value with 'keyward secrets rotate NAME' (r in the terminal UI)"
	case errors.Is(err, ErrNoValue):
		return "run 'keyward doctor' to list every secret whose value is missing"
	}
	return ""
}
