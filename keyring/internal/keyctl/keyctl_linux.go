//go:build linux

package keyctl

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

const keyType = "user"

// unavailable maps the errors of a kernel or sandbox that refuses keyctl to
// ErrUnavailable.
func unavailable(err error) error {
	switch {
	case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES),
		errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOTSUP):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// missing reports the errors that mean "no such key" (or one the kernel
// already let go).
func missing(err error) bool {
	return errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) || errors.Is(err, unix.EKEYREVOKED)
}

// Put stores payload as the key desc in the session keyring, readable by the
// session's processes only (Perm), forgotten by the kernel after ttl. It
// replaces a key of the same description.
//
// The key is made in the calling thread's own keyring, given its permission
// and timeout, and only then linked into the session keyring: a process
// killed half-way leaves nothing in the session, and no other process ever
// sees the key without its timeout.
func Put(desc string, payload []byte, ttl time.Duration) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	id, err := unix.AddKey(keyType, desc, payload, unix.KEY_SPEC_THREAD_KEYRING)
	if err != nil {
		return unavailable(err)
	}
	defer func() { _, _ = unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_THREAD_KEYRING, 0, 0) }()
	if err := unix.KeyctlSetperm(id, Perm); err != nil {
		return unavailable(err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, ttlSeconds(ttl), 0, 0); err != nil {
		return unavailable(err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_LINK, id, unix.KEY_SPEC_SESSION_KEYRING, 0, 0); err != nil {
		return unavailable(err)
	}
	return nil
}

// Find looks desc up in the session keyring: ok is false when there is none
// (or it expired).
func Find(desc string) (k Key, ok bool, err error) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_SESSION_KEYRING, keyType, desc, 0)
	if missing(err) {
		return Key{}, false, nil
	}
	if err != nil {
		return Key{}, false, unavailable(err)
	}
	// "type;uid;gid;perm;description"
	d, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
	if missing(err) {
		return Key{}, false, nil
	}
	if err != nil {
		return Key{}, false, unavailable(err)
	}
	f := strings.SplitN(d, ";", 5)
	if len(f) != 5 || f[0] != keyType || f[4] != desc {
		return Key{}, false, fmt.Errorf("key %d: unexpected description %q", id, d)
	}
	uid, err1 := strconv.Atoi(f[1])
	perm, err2 := strconv.ParseUint(f[3], 16, 32)
	if err1 != nil || err2 != nil {
		return Key{}, false, fmt.Errorf("key %d: unexpected description %q", id, d)
	}
	return Key{ID: id, UID: uid, Perm: uint32(perm)}, true, nil
}

// Read returns the payload of key id, at most max bytes; ok is false when
// the key went away meanwhile.
func Read(id, maxLen int) (payload []byte, ok bool, err error) {
	buf := make([]byte, maxLen+1)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
	if missing(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, unavailable(err)
	}
	if n > maxLen {
		clear(buf)
		return nil, false, fmt.Errorf("key %d: payload larger than %d bytes", id, maxLen)
	}
	return buf[:n], true, nil
}

// Drop makes the kernel forget key id at once, wherever it is linked
// (KEYCTL_INVALIDATE); on a kernel without it (before 3.5) it revokes the
// key and unlinks it from the session keyring. A key already gone is not
// an error.
func Drop(id int) error {
	_, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
	if err == nil || missing(err) {
		return nil
	}
	if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EINVAL) {
		return unavailable(err)
	}
	_, rerr := unix.KeyctlInt(unix.KEYCTL_REVOKE, id, 0, 0, 0)
	_, uerr := unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_SESSION_KEYRING, 0, 0)
	if rerr != nil && !missing(rerr) {
		return unavailable(rerr)
	}
	if uerr != nil && !missing(uerr) {
		return unavailable(uerr)
	}
	return nil
}

// Expiry returns the time left before the kernel forgets key id, as
// /proc/keys shows it ("14m", "59s", "2h"); "" when it cannot be read.
func Expiry(id int) string {
	f, err := os.Open("/proc/keys")
	if err != nil {
		return ""
	}
	defer f.Close()
	prefix := fmt.Sprintf("%08x ", id)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		// id flags usage timeout perm uid gid type description
		fields := strings.Fields(line)
		if len(fields) < 4 || fields[3] == "perm" || fields[3] == "expd" {
			return ""
		}
		return fields[3]
	}
	return ""
}

// JoinNewSession gives the calling thread a new, empty, anonymous session
// keyring (KEYCTL_JOIN_SESSION_KEYRING with no name) and returns its id.
// The session keyring is per thread: the caller must hold the thread with
// runtime.LockOSThread and, for a test, never unlock it, so the thread ends
// with the goroutine and no other goroutine inherits the session. Processes
// started from that thread inherit it.
func JoinNewSession() (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_KEYCTL, unix.KEYCTL_JOIN_SESSION_KEYRING, 0, 0)
	if errno != 0 {
		return 0, unavailable(errno)
	}
	return int(r), nil
}

// SessionID returns the id of the calling thread's session keyring, without
// creating one; 0 when it has none.
func SessionID() (int, error) {
	id, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false)
	if missing(err) {
		return 0, nil
	}
	if err != nil {
		return 0, unavailable(err)
	}
	return id, nil
}
