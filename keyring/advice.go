package keyring

import (
	"errors"
	"fmt"
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
	var me *MigrationError
	switch {
	case errors.As(err, &me) && me.Pending:
		return fmt.Sprintf("run 'keyward migrate --to %s' to finish it: it continues where it stopped and loses nothing; "+
			"until then no other command changes anything", me.To)
	case errors.As(err, &me):
		return fmt.Sprintf("use %s (--backend %s, KEYWARD_BACKEND, or backend in config.toml), or move the values back with 'keyward migrate --to %s'",
			BackendName(me.To), me.To, me.From)
	case errors.Is(err, ErrUnavailable):
		switch goos {
		case "linux", "freebsd", "openbsd", "netbsd":
			return "no Secret Service answers on a D-Bus session bus (usual over SSH, in containers and CI): " +
				"keep secrets in an encrypted file instead with 'keyward init --backend file', " +
				"or log in to a desktop session with gnome-keyring or KWallet; or try 'keyward --demo'"
		case "darwin":
			return "the login Keychain is not reachable; unlock it in Keychain Access, or use 'keyward init --backend file'"
		case "windows":
			return "Windows Credential Manager is not reachable; or use 'keyward init --backend file'"
		}
		return "this system has no supported keyring; use 'keyward init --backend file', or try 'keyward --demo'"
	case errors.Is(err, ErrLocked):
		return "unlock your keyring (log in to the desktop, or 'gnome-keyring-daemon --unlock' over SSH) and try again, " +
			"or use the file backend: 'keyward init --backend file'"
	case errors.Is(err, ErrTimeout):
		return "the keyring did not answer (waiting for an unlock prompt on your desktop, or a stuck daemon); " +
			"a change it was asked for may still land: once it answers, run 'keyward doctor', which finishes or reports it"
	case errors.Is(err, ErrTooLarge):
		switch goos {
		case "windows":
			return "Windows Credential Manager takes values of at most 2,560 bytes; store a smaller value"
		case "darwin":
			return "the macOS Keychain takes values of about 3 KB at most; store a smaller value"
		}
		return "this keyring limits the size of a value; store a smaller value"
	case errors.Is(err, ErrIndexBusy):
		return "another keyward (or a process holding its lock) is changing the index: wait for it to finish, or stop it, " +
			"and try again; lock_timeout in config.toml sets how long a write waits (default 10s)"
	case errors.Is(err, ErrLockLink):
		return "keyward never follows a link for its lock file: remove it (the INDEX.lock file named above) and keyward creates a plain one; " +
			"if you did not make that link, someone else may be able to write to the index folder"
	case errors.Is(err, ErrNotInitialized):
		return "set it up with 'keyward init --backend file' (it asks for a passphrase)"
	case errors.Is(err, ErrWrongPassphrase):
		return "nothing was changed; run the command again and type the passphrase given to 'keyward init' " +
			"(or fix KEYWARD_PASSPHRASE_FD / KEYWARD_PASSPHRASE)"
	case errors.Is(err, ErrNoPassphrase):
		return "reading a value needs the file store's passphrase: run keyward in a terminal, or pass it on a file descriptor named by KEYWARD_PASSPHRASE_FD"
	case errors.Is(err, ErrDamaged):
		return "the file cannot be read back; restore it from a backup, or set a new value with 'keyward secrets rotate NAME'"
	case errors.Is(err, ErrNotSet):
		return "set its first value with 'keyward secrets rotate NAME' (r in the terminal UI)"
	case errors.Is(err, ErrWrongService):
		return "nothing was read or changed; use the index's service (--service or KEYWARD_SERVICE), " +
			"or give another service an index of its own with --index or KEYWARD_INDEX"
	case errors.Is(err, ErrNoValue):
		return "set a new value with 'keyward secrets rotate NAME' (r in the terminal UI): the record keeps its " +
			"description, metadata and policy; 'keyward doctor' lists every secret whose value is missing"
	}
	return ""
}
