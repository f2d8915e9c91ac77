//go:build unix

package taskpreview

import (
	"io/fs"
	"syscall"
)

// deviceOf is the file system fi is on, when the fs.FS says (a folder on
// disk does).
func deviceOf(fi fs.FileInfo) (uint64, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), true //nolint:unconvert // Dev is int32 on some systems
	}
	return 0, false
}
