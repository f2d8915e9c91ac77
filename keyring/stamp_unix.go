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
// trusted (git's "racily clean" rule); on a file system known to keep
// times to the kernel's tick (tickTimes), tickSettle is enough.
func stampFile(path string, now time.Time) fileStamp {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fileStamp{}
	}
	s := fileStamp{
		dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size,
		mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(),
	}
	age := now.UnixNano() - max(s.mtime, s.ctime)
	s.ok = age >= int64(stampSettle) || age >= int64(tickSettle) && tickTimes(path, s)
	return s
}

// tickSettle is how long a file must have been left alone before its stamp
// is trusted on a file system that keeps times to the kernel's tick: a
// change in place after that moves the times on, as long as a tick is
// shorter (Linux ticks at least 100 times a second: 10 ms, half of this),
// and keyward's own writes are new files (a rename), which the stamp's
// inode tells apart at once. It lets a command right after a write (a
// rotation back to back, a get after a create, the terminal UI after an
// edit) trust the cache the write left, where stampSettle would have it
// hash the whole index for a second.
const tickSettle = 20 * time.Millisecond

// tickTimes reports whether s, the stamp of the file at path, is of a file
// system that keeps times to the kernel's tick: a local one known to
// (fineTimeFS), and one that has, here, times with a fraction of a second
// (an ext4 of small inodes keeps whole seconds; one time of a whole second
// is taken as one, which errs on the safe side).
func tickTimes(path string, s fileStamp) bool {
	return s.mtime%int64(time.Second) != 0 && s.ctime%int64(time.Second) != 0 && fineTimeFS(path)
}
