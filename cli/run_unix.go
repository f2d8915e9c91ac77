//go:build unix

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// foregroundOfTerminal reports whether keyward runs in the foreground
// process group of its controlling terminal: then ctrl-c and ctrl-\ reach
// the command (in the same group) from the terminal itself, and passing
// them on would deliver them twice.
func foregroundOfTerminal() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false // no controlling terminal
	}
	defer tty.Close()
	pgrp, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}
