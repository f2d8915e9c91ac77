//go:build unix

package bounded

import (
	"os"
	"syscall"
)

// openNonblock opens path read-only without blocking on a FIFO that has no
// writer. O_NONBLOCK changes nothing for a regular file.
func openNonblock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
