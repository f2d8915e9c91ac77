package cli

import (
	"context"

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
		Model:          a.agentModel,
		Mapping:        m,
	})
}
