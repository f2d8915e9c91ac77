//go:build !unix

package cli

// startChildPty: pseudo-terminals are a Unix thing.
func (a *app) startChildPty(args, env []string, secrets []injected, noMask bool) error {
	return usagef("--pty needs a Unix pseudo-terminal, which this system does not have")
}

func errPtyNeedsTerminal() error {
	return usagef("--pty needs a terminal on stdout")
}
