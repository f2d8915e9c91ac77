//go:build !unix

package cli

// foregroundOfTerminal: without Unix process groups, INT and QUIT are
// passed on.
func foregroundOfTerminal() bool { return false }
