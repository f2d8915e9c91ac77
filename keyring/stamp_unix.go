//go:build unix

package keyring

import (
	"time"

	"golang.org/x/sys/unix"
)

// stampFile stamps the file at path for fileIndex.Find: the same stamp
// means the same bytes, unless the file was changed in place within the
// file system's timestamp granularity (a clock tick, not a nanosecond), so
// a file changed less than stampSettle before it was stamped is never
// trusted (git's "racily clean" rule).
func stampFile(path string, now time.Time) fileStamp {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fileStamp{}
	}
	s := fileStamp{
		dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size,
		mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(),
	}
	s.ok = now.UnixNano()-max(s.mtime, s.ctime) >= int64(stampSettle)
	return s
}
