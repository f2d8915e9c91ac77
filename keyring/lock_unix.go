//go:build unix

package keyring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"
)

// lockIndex takes the exclusive lock on path's lock file (path + ".lock"),
// waiting at most wait for a process that holds it. The lock file is
// opened without following a symbolic link (a link, dangling or not, is
// refused with ErrLockLink, and nothing is created through it), and the
// holder writes its pid into it, so that a writer that gives up can say
// who holds it.
func lockIndex(ctx context.Context, path string, wait time.Duration) (unlock func(), err error) {
	lockPath := path + ".lock"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
			return nil, fmt.Errorf("%w: %s is a symbolic link", ErrLockLink, lockPath)
		}
		return nil, fmt.Errorf("lock the index: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("lock the index: %w", err)
		}
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrLockLink, lockPath)
	}
	fd := int(f.Fd())
	deadline := time.Now().Add(wait)
	step := 2 * time.Millisecond
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock the index: %w", err)
		}
		if !time.Now().Before(deadline) {
			pid, cmd := lockHolder(f)
			f.Close()
			return nil, &BusyError{Path: lockPath, PID: pid, Command: cmd, Waited: wait}
		}
		t := time.NewTimer(min(step, max(time.Until(deadline), 0)))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("lock the index: %w", context.Cause(ctx))
		case <-t.C:
		}
		step = min(2*step, 100*time.Millisecond)
	}
	// Who holds the lock, for a writer that gives up waiting; failing to
	// say it is not this write's failure.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil // closing unlocks
}

// lockHolder is the pid (and program name) of the process that holds the
// lock on f: from the kernel where it says (/proc/locks on Linux), else
// the pid the holder wrote into the file; 0 when unknown.
func lockHolder(f *os.File) (int, string) {
	pid := kernelLockHolder(f)
	if pid == 0 {
		data, _ := io.ReadAll(io.NewSectionReader(f, 0, 32))
		pid = lockFilePID(data)
	}
	if pid == 0 {
		return 0, ""
	}
	return pid, processName(pid)
}
