// Package safecmd keeps a panic inside a tea.Cmd from reaching Bubble Tea,
// which would print the panic's value and a stack trace: a value read from
// the keyring could be in either. The root model and the tasks view wrap
// every Cmd of theirs with Wrap, and the root reports PanickedMsg.
package safecmd

import tea "charm.land/bubbletea/v2"

// PanickedMsg replaces the message of a Cmd that panicked. It carries
// nothing from the panic, whose value could hold a secret.
type PanickedMsg struct{}

// Wrap runs cmd, turning a panic into PanickedMsg.
func Wrap(cmd func() tea.Msg) tea.Cmd {
	return func() (msg tea.Msg) {
		defer func() {
			if recover() != nil {
				msg = PanickedMsg{}
			}
		}()
		return cmd()
	}
}
