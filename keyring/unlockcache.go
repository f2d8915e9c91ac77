package keyring

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"

	"filippo.io/age"

	"github.com/keyward/keyward/keyring/internal/keyctl"
)

// The file backend's unlock cache. On Linux the unwrapped identity of a store
// is kept in the kernel's session keyring (package keyctl) for
// FileOptions.UnlockCache, so the commands of one terminal session ask for
// the passphrase once: a "user" key that only the session's processes may
// read (possessor-only permission), which the kernel forgets on its timeout
// or when the session ends, and `keyward lock` (FileStore.Lock) drops. The
// key holds the identity, never a value. Where keyctl is missing or refused
// (other systems, containers whose seccomp profile blocks it), the identity
// stays in the process, as before.
//
// A key is never trusted for its name alone: it must belong to this user
// with exactly the permission keyward gives, parse as an age X25519
// identity, and have the store's recipient as its public key. Anything else
// (another store's, a stale or planted key) is dropped and the passphrase
// asked.

// maxCachedIdentity bounds what is read from a key: an age X25519 identity
// is 74 characters.
const maxCachedIdentity = 256

// cacheDescription names a store's key in the session keyring: a hash of
// the store's absolute folder and its recipient, so two stores never share a
// key and the description says nothing about either.
func cacheDescription(dir string, r *age.X25519Recipient) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	h := sha256.Sum256([]byte("keyward unlock cache 1\n" + dir + "\n" + r.String()))
	return "keyward:unlock:" + hex.EncodeToString(h[:16])
}

// cachedIdentity returns the identity the session keyring holds under desc
// once it has passed every check, and the key it came from; nil when there
// is none (or keyctl is unavailable). A key that fails a check is dropped.
func cachedIdentity(desc string, r *age.X25519Recipient) (*age.X25519Identity, keyctl.Key) {
	k, ok, err := keyctl.Find(desc)
	if err != nil || !ok {
		return nil, keyctl.Key{}
	}
	if k.UID != os.Getuid() || k.Perm != keyctl.Perm {
		_ = keyctl.Drop(k.ID)
		return nil, keyctl.Key{}
	}
	p, ok, err := keyctl.Read(k.ID, maxCachedIdentity)
	if err != nil || !ok {
		if err != nil {
			_ = keyctl.Drop(k.ID)
		}
		return nil, keyctl.Key{}
	}
	defer clear(p)
	id, err := age.ParseX25519Identity(string(p))
	if err != nil || id.Recipient().String() != r.String() {
		_ = keyctl.Drop(k.ID)
		return nil, keyctl.Key{}
	}
	return id, k
}

// UnlockState is whether a file store's identity is cached in the session
// keyring.
type UnlockState struct {
	// Available is false where there is no kernel session keyring (other
	// systems, a container that refuses keyctl): each process asks.
	Available bool
	// Cached: a command in this session reads values without the
	// passphrase.
	Cached bool
	// ExpiresIn is the time left as the kernel shows it ("14m", "59s");
	// "" when unknown.
	ExpiresIn string
}

// UnlockState says whether this store's identity is cached in the session
// keyring, and for how long. It never asks for the passphrase.
func (s *FileStore) UnlockState() (UnlockState, error) {
	r, _, err := s.fv.meta()
	if err != nil {
		return UnlockState{}, err
	}
	if _, err := keyctl.SessionID(); err != nil {
		return UnlockState{}, nil
	}
	id, k := cachedIdentity(cacheDescription(s.fv.dir, r), r)
	if id == nil {
		return UnlockState{Available: true}, nil
	}
	return UnlockState{Available: true, Cached: true, ExpiresIn: keyctl.Expiry(k.ID)}, nil
}

// Lock drops this store's identity from the session keyring (whatever the
// key holds) and from this process, and reports whether the session had
// one. The next read of a value asks for the passphrase again.
func (s *FileStore) Lock() (bool, error) {
	r, _, err := s.fv.meta()
	if err != nil {
		return false, err
	}
	s.fv.mu.Lock()
	s.fv.id, s.fv.idErr = nil, nil
	s.fv.mu.Unlock()
	k, ok, err := keyctl.Find(cacheDescription(s.fv.dir, r))
	if err != nil || !ok {
		return false, nil
	}
	if err := keyctl.Drop(k.ID); err != nil {
		return false, err
	}
	return true, nil
}
