package keyring

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultLockWait is how long a write waits for another process's lock
// on the index before it gives up with ErrIndexBusy.
const DefaultLockWait = 10 * time.Second

var (
	// ErrIndexBusy is a write that gave up waiting for the index lock,
	// which another process held for the whole wait (a *BusyError says
	// which, when it is known). Nothing was changed.
	ErrIndexBusy = errors.New("the index is in use by another process")
	// ErrLockLink is an index lock file that is a symbolic link (or
	// anything but a regular file): keyward never follows it, nor creates
	// a file through it.
	ErrLockLink = errors.New("the index lock file is not a regular file")
)

// BusyError is ErrIndexBusy with the process that holds the lock, when
// known.
type BusyError struct {
	Path    string // the lock file
	PID     int    // 0 when unknown
	Command string // the holder's program name, when known
	Waited  time.Duration
}

func (e *BusyError) Error() string {
	who := "another process"
	switch {
	case e.PID > 0 && e.Command != "":
		who = fmt.Sprintf("process %d (%s)", e.PID, e.Command)
	case e.PID > 0:
		who = fmt.Sprintf("process %d", e.PID)
	}
	return fmt.Sprintf("the index is in use by %s: its lock %s was held for the whole %s keyward waits; nothing was changed",
		who, e.Path, e.Waited.Round(time.Millisecond))
}

func (e *BusyError) Unwrap() error { return ErrIndexBusy }

// lockFilePID reads the pid a holder wrote into the lock file, or 0.
func lockFilePID(data []byte) int {
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// PermissionWarnings says, one line each, when the index or its folder can
// be written by other users (group or world), who could then change the
// records or replace the file. It reads nothing but the modes; a missing
// index or folder gives no warning.
func PermissionWarnings(indexPath string) []string {
	var out []string
	check := func(p, what string) {
		fi, err := os.Stat(p)
		if err != nil {
			return
		}
		m := fi.Mode().Perm()
		switch {
		case m&0o002 != 0:
			out = append(out, fmt.Sprintf("%s %s is writable by every user (mode %04o); run: chmod go-w %s", what, p, m, p))
		case m&0o020 != 0:
			out = append(out, fmt.Sprintf("%s %s is writable by its group (mode %04o); run: chmod go-w %s", what, p, m, p))
		}
	}
	check(filepath.Dir(indexPath), "the index folder")
	check(indexPath, "the index") // the file a symlink points to
	return out
}
