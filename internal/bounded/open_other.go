//go:build !unix

package bounded

import "os"

// openNonblock opens path read-only; outside Unix there are no FIFOs in the
// file system to block on.
func openNonblock(path string) (*os.File, error) {
	return os.Open(path)
}
