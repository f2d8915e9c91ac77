package cli

import (
	"context"

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
