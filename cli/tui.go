package cli

import (
	"context"
	"os"

	"golang.org/x/term"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/ui"
)

// runTUI starts the terminal UI on the selected store: keyward with no
// subcommand. It needs a terminal on both ends; scripts use the subcommands.
func (a *app) runTUI(ctx context.Context) error {
	if !a.term.StdinIsTerminal() || !a.term.StdoutIsTerminal() {
		return withHint(usagef("the terminal UI needs a terminal on stdin and stdout"),
			"in scripts use the subcommands: 'keyward secrets list', see 'keyward --help'")
	}
	st := a.st
	// The file backend asks for its passphrase on the terminal, which the
	// UI is about to take over: ask now, once.
	if fs, ok := st.(*keyring.FileStore); ok {
		if err := fs.Unlock(); err != nil {
			return err
		}
	}
	m, err := a.mapping()
	if err != nil {
		return err
	}
	defer restoreTerminal()()
	return ui.Run(ctx, ui.Options{
		Store:          st,
		Now:            a.now,
		Demo:           a.demo,
		Config:         a.cfg,
		ConfigWarnings: a.cfgWarnings,
		Tasks:          a.tasks,
		Julep:          a.tuiJulep(),
		Model:          a.agentModel,
		Mapping:        m,
	})
}

// tuiJulep is how the terminal UI's P reaches the Julep account: the same
// settings as 'keyward julep' with its defaults. --demo pushes nowhere: its
// secrets are samples.
func (a *app) tuiJulep() ui.JulepConnect {
	if a.demo {
		return nil
	}
	return func(ctx context.Context) (julep.Remote, string, error) {
		_, r, warn, err := a.julepConnect(ctx, &julepFlags{timeout: julep.DefaultTimeout})
		return r, warn, err
	}
}

// restoreTerminal saves the terminal's mode before the UI puts it in raw
// mode and returns what puts it back: run on every way out of runTUI, an
// error or a panic (which the app's run turns into a one-line error) as
// much as a quit, so the shell is never left in raw mode. On a panic it
// also leaves the alternate screen and shows the cursor. Bubble Tea
// restores the terminal itself when it stops normally or on a panic it
// catches; this is the guard for everything else. What cannot be guarded
// from inside the process (the runtime running out of memory) is prevented
// instead by the bounds on what keyward reads (internal/bounded).
func restoreTerminal() func() {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return func() {}
	}
	st, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	return func() {
		if r := recover(); r != nil {
			if term.IsTerminal(int(os.Stdout.Fd())) {
				_, _ = os.Stdout.WriteString("\x1b[?1049l\x1b[?25h")
			}
			_ = term.Restore(fd, st)
			panic(r) // app.run reports it without its value
		}
		_ = term.Restore(fd, st)
	}
}
