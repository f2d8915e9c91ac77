//go:build unix && !linux

package keyring

// fineTimeFS is false where keyward does not tell file systems apart:
// every stamp keeps stampSettle.
func fineTimeFS(string) bool { return false }
