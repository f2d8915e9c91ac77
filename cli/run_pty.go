//go:build unix

package cli

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/keyward/keyward/outmask"
)

// ptyDrain is how long keyward keeps reading the pseudo-terminal after the
// command has exited, for output a process it left behind still writes;
// the kernel hangs up the command's session when its leader exits, so this
// is only ever reached by a process that ignores the hang-up.
const ptyDrain = 2 * time.Second

// startChildPty runs args with env on a pseudo-terminal of its own, with
// keyward's terminal in raw mode, and copies the keys typed to it and its
// output back through one masker, so echo, prompts and full-screen programs
// work and values are masked all the same. It returns the command's exit
// status.
func (a *app) startChildPty(args, env []string, secrets []injected, noMask bool) error {
	out, ok := a.stdout.(*os.File)
	if !ok || !a.term.StdoutIsTerminal() {
		return errPtyNeedsTerminal()
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return cannotStart(args[0], err)
	}
	c := exec.Command(path, args[1:]...)
	c.Args[0] = args[0]
	c.Env = env

	var w io.Writer = out
	var mw *outmask.Writer
	if noMask {
		fmt.Fprintln(a.stderr, "keyward: --no-mask: the command's output is not masked")
	} else if m := a.masker(secrets); m != nil {
		mw = m.Writer(out)
		w = mw
	}

	// Signals are caught before the command starts, so none is lost. The
	// command has a terminal of its own, which keyward's terminal (in raw
	// mode) sends no signal to: ctrl-c reaches it as a key, and INT and
	// QUIT sent to keyward are passed on like TERM and HUP.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGWINCH)
	defer signal.Stop(sigs)

	unlock := killWithParent(c)
	defer unlock()
	attrs := c.SysProcAttr
	if attrs == nil {
		attrs = &syscall.SysProcAttr{}
	}
	attrs.Setsid, attrs.Setctty = true, true
	size, err := pty.GetsizeFull(out)
	if err != nil {
		size = nil // the pseudo-terminal's default size
	}
	ptmx, err := pty.StartWithAttrs(c, size, attrs)
	if err != nil {
		return cannotStart(args[0], err)
	}
	defer ptmx.Close()

	// Raw mode after the start, so an error above leaves the terminal as it
	// was; restored on every return below (signals end the command, and so
	// reach this return too).
	in, inIsFile := a.stdin.(*os.File)
	inIsTerminal := inIsFile && term.IsTerminal(int(in.Fd()))
	if inIsTerminal {
		if st, err := term.MakeRaw(int(in.Fd())); err == nil {
			defer func() { _ = term.Restore(int(in.Fd()), st) }()
		}
	}

	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGWINCH {
					_ = pty.InheritSize(out, ptmx)
					continue
				}
				_ = c.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	// The keys typed go to the command as they are. This goroutine stays
	// blocked on stdin after the command exits; keyward exits right after.
	go func() {
		_, _ = io.Copy(ptmx, a.stdin)
		if !inIsTerminal {
			// Input from a pipe or file has ended: tell the command, as
			// ctrl-d at the start of a line would.
			_, _ = ptmx.Write([]byte{4})
		}
	}()
	copied := make(chan struct{})
	g := &gate{w: w}
	go func() {
		// Reading ends (EIO on Linux) once no process has the terminal open.
		_, _ = io.Copy(g, ptmx)
		close(copied)
	}()

	waitErr := c.Wait()
	close(done)
	select {
	case <-copied:
	case <-time.After(ptyDrain):
		// A read of the pseudo-terminal cannot be interrupted (setting
		// its size made it blocking), so the copy is cut off instead.
		g.shut()
	}
	if mw != nil {
		_ = mw.Close()
	}
	return childExit(c, waitErr)
}

// gate passes writes on until it is shut, and drops them after.
type gate struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (g *gate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gate) shut() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

func errPtyNeedsTerminal() error {
	return withHint(usagef("--pty needs a terminal on stdout"),
		"leave out --pty: output to a pipe or a file is masked without it")
}
