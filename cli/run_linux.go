package cli

import (
	"os/exec"
	"runtime"
	"syscall"
)

// killWithParent makes the kernel kill the command if keyward dies (even
// by SIGKILL), so it is never left running alone. The signal follows the
// thread that started the command, so that thread stays locked to this
// goroutine until the command has been waited for; call the returned
// function then.
func killWithParent(c *exec.Cmd) (unlock func()) {
	runtime.LockOSThread()
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return runtime.UnlockOSThread
}
