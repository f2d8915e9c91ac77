// Package keyctl keeps small payloads in the Linux kernel's session keyring
// (keyctl(2), through golang.org/x/sys/unix): "user" keys that only the
// session's processes can read, and that the kernel forgets after a
// timeout. The file backend keeps its unlocked identity here, so that one
// terminal session asks for the passphrase once.
//
// Elsewhere (other systems, or a kernel or container that refuses keyctl:
// ENOSYS, EPERM under Docker's seccomp profile) every call fails with
// ErrUnavailable, and the caller keeps the identity per process only.
package keyctl

import (
	"errors"
	"time"
)

// ErrUnavailable is returned when the kernel keyring cannot be used here.
var ErrUnavailable = errors.New("the kernel session keyring is not available")

// Perm is the only permission a cached key gets: view, read, write, search,
// link and setattr for its possessors (the processes of the session), and
// nothing for anyone else, its owner's other sessions included.
const Perm uint32 = 0x3f000000

// Key is a key found in the session keyring.
type Key struct {
	ID   int
	UID  int    // owner
	Perm uint32 // permission mask
}

// MaxTTL bounds a timeout: the kernel takes whole seconds as an unsigned
// int.
const MaxTTL = (1<<31 - 1) * time.Second

// ttlSeconds is ttl in whole seconds, at least 1.
func ttlSeconds(ttl time.Duration) int {
	if ttl >= MaxTTL {
		return int(MaxTTL / time.Second)
	}
	return max(int((ttl+time.Second-1)/time.Second), 1)
}
