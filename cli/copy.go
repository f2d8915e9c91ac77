package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/keyward/keyward/clipboard"
	"github.com/keyward/keyward/model"
)

// osc52ReadWait is how long to wait for the terminal to answer an OSC 52
// read before giving up on clearing its clipboard (the TUI's wait too).
const osc52ReadWait = 2 * time.Second

func (a *app) copyCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:         "copy NAME [--timeout 30s]",
		Annotations: map[string]string{warmsKeyring: "yes"},
		Short:       "Copy a secret's value to the clipboard, and clear it after a while",
		Long: `Copy a secret's value to the clipboard, then wait and clear it: the terminal
UI's c, from the command line. keyward stays running until the clear and says
so. The clipboard is cleared only if it still holds the value; something you
copied since is left alone.

The clipboard is the system's (wl-copy, xclip or xsel, pbcopy), or, when there
is none (SSH, a console), the terminal's, through OSC 52. Clearing the
terminal's needs a terminal that answers an OSC 52 read; keyward says when it
could not check, and leaves the clipboard as it is.

--timeout (default: clipboard_timeout in config.toml, 30s) is the wait. The
first ctrl-c says how long is left; a second one clears at once. TERM and HUP
clear at once too.`,
		Example: `  keyward secrets copy OPENAI_API_KEY
  keyward secrets copy STRIPE_KEY --timeout 10s`,
		Args:              oneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, ctx := args[0], cmd.Context()
			if !cmd.Flags().Changed("timeout") {
				timeout = a.cfg.ClipboardTimeout
			}
			if timeout <= 0 {
				return usagef("--timeout must be more than 0, such as 30s")
			}
			if _, err := a.st.Get(ctx, name); err != nil {
				return a.notFound(ctx, err, name)
			}
			value, err := a.st.Value(ctx, name)
			if err != nil {
				return err
			}
			if err := storedText(name, value); err != nil {
				return err
			}
			// Signals are caught before the value is copied, so none can
			// end keyward between the copy and the clear.
			sigs := make(chan os.Signal, 4)
			signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
			defer signal.Stop(sigs)
			env := copyEnv{
				system: clipboard.System(),
				osc52:  openOSC52,
				sigs:   sigs,
				after:  time.After,
				stderr: a.stderr,
			}
			return copyAndClear(ctx, env, name, value, timeout)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "clear the clipboard after `DUR`")
	return cmd
}

// copyEnv is what copyAndClear needs from the world; tests replace it.
type copyEnv struct {
	system clipboard.Clipboard           // nil: no system clipboard
	osc52  func() (osc52Terminal, error) // the terminal, when there is no system clipboard
	sigs   <-chan os.Signal              // INT, TERM, HUP
	after  func(time.Duration) <-chan time.Time
	stderr io.Writer
}

// osc52Terminal is the terminal's clipboard.
type osc52Terminal interface {
	Set(text string) error
	// Read asks the terminal for its clipboard; ok is false when it gave
	// no answer within wait.
	Read(wait time.Duration) (text string, ok bool, err error)
	Close() error
}

// copyAndClear copies value, waits for the timeout (or a second INT, or
// TERM/HUP), then clears the clipboard if it still holds value. The value
// is never printed; the clipboard keeps only its digest in mind.
func copyAndClear(ctx context.Context, env copyEnv, name, value string, timeout time.Duration) error {
	name = model.Printable(name)
	sum := clipboard.Digest(value)
	var tty osc52Terminal
	where := "the clipboard"
	if env.system != nil {
		if err := env.system.WriteText(ctx, value); err != nil {
			return fmt.Errorf("copy %s: %w", name, err)
		}
	} else {
		t, err := env.osc52()
		if err != nil {
			return withHint(fmt.Errorf("copy %s: no clipboard: no clipboard tool for this session and no terminal", name),
				"install wl-clipboard, xclip or xsel, or run keyward in a terminal (it then copies through OSC 52); 'keyward run' hands a value to a command without a clipboard")
		}
		defer t.Close()
		if err := t.Set(value); err != nil {
			return fmt.Errorf("copy %s: write to the terminal: %w", name, err)
		}
		tty, where = t, "the terminal's clipboard (OSC 52)"
	}
	deadline := time.Now().Add(timeout)
	fmt.Fprintf(env.stderr, "copied %s to %s; keyward stays to clear it in %s (ctrl-c twice clears it now)\n",
		name, where, roundUp(timeout))
	timer := env.after(timeout)
	interrupted := false
wait:
	for {
		select {
		case <-timer:
			break wait
		case sig := <-env.sigs:
			if sig == syscall.SIGINT && !interrupted {
				interrupted = true
				fmt.Fprintf(env.stderr, "\nkeyward stays to clear the clipboard in %s; ctrl-c again clears it now\n", roundUp(time.Until(deadline)))
				continue
			}
			break wait
		}
	}

	var cleared bool
	var err error
	if tty == nil {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		cleared, err = clipboard.ClearIfHolds(cctx, env.system, sum)
		cancel()
	} else {
		cleared, err = clearOSC52(tty, sum)
	}
	switch {
	case err != nil:
		return withHint(fmt.Errorf("the clipboard was not cleared: %w", err), "clear it yourself: copy something else")
	case !cleared:
		fmt.Fprintln(env.stderr, "clipboard left alone: it holds something else now")
	default:
		fmt.Fprintln(env.stderr, "clipboard cleared")
	}
	return nil
}

// roundUp says how long d is to the next whole second ("30s", "1m30s").
func roundUp(d time.Duration) string {
	return max((d + time.Second - 1).Truncate(time.Second), time.Second).String()
}

// errNoOSC52Read: the terminal did not answer an OSC 52 read, so keyward
// cannot tell whether the clipboard still holds the value.
var errNoOSC52Read = errors.New("this terminal does not let keyward read the clipboard back")

// clearOSC52 empties the terminal's clipboard if it still holds the value
// whose digest is sum: the rule of clipboard.ClearIfHolds, over OSC 52.
func clearOSC52(t osc52Terminal, sum [32]byte) (bool, error) {
	cur, ok, err := t.Read(osc52ReadWait)
	switch {
	case err != nil:
		return false, err
	case !ok:
		return false, errNoOSC52Read
	case !clipboard.Holds(cur, sum):
		return false, nil
	}
	if err := t.Set(""); err != nil {
		return false, err
	}
	// Some terminals ignore an empty set (tmux keeps its paste buffer), so
	// "cleared" is said only once a second read shows it.
	cur, ok, err = t.Read(osc52ReadWait)
	if err == nil && ok && clipboard.Holds(cur, sum) {
		return false, errOSC52Ignored
	}
	return true, nil
}

// errOSC52Ignored: the terminal took the value but ignored the empty set
// that should have cleared it.
var errOSC52Ignored = errors.New("the terminal ignored the request to empty it (tmux keeps its paste buffer: 'tmux delete-buffer' removes it)")

// ttyOSC52 is the controlling terminal's clipboard.
type ttyOSC52 struct{ f *os.File }

func openOSC52() (osc52Terminal, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return ttyOSC52{f}, nil
}

func (t ttyOSC52) Set(text string) error {
	_, err := io.WriteString(t.f, clipboard.OSC52Set(text))
	return err
}

func (t ttyOSC52) Close() error { return t.f.Close() }

// Read puts the terminal in raw mode (so the answer is neither echoed nor
// held for a newline), asks, and reads the answer until wait is over.
func (t ttyOSC52) Read(wait time.Duration) (string, bool, error) {
	rc, err := t.f.SyscallConn()
	if err != nil {
		return "", false, err
	}
	var st *term.State
	var rawErr error
	// Not f.Fd(), which would make the file blocking and ignore deadlines.
	if err := rc.Control(func(fd uintptr) { st, rawErr = term.MakeRaw(int(fd)) }); err != nil || rawErr != nil {
		return "", false, errors.Join(err, rawErr)
	}
	defer rc.Control(func(fd uintptr) { _ = term.Restore(int(fd), st) })
	if _, err := io.WriteString(t.f, clipboard.OSC52Query); err != nil {
		return "", false, err
	}
	if err := t.f.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return "", false, nil // a terminal we cannot wait on: treat as no answer
	}
	defer t.f.SetReadDeadline(time.Time{})
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := t.f.Read(buf)
		got = append(got, buf[:n]...)
		if text, done, perr := clipboard.ParseOSC52Reply(got); done {
			return text, perr == nil, perr
		}
		if err != nil {
			return "", false, nil // the deadline, or the terminal went away: no answer
		}
	}
}
