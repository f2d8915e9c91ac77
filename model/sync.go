package model

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"time"
)

// SyncState is what keyward last pushed of one secret to one Julep account.
// It is kept in the index beside the record (never a value), so that a later
// status can tell who changed what since the push.
type SyncState struct {
	// Target names the account: the platform and its base URL, as
	// "v1 https://api.julep.ai/api" or "v3 http://localhost:8000".
	Target string
	// RemoteID is the id Julep v1 gave the secret; empty on Julep 3, where
	// the name is the key.
	RemoteID string
	// Version is the local Version whose value was pushed.
	Version int
	// Fingerprint is RecordFingerprint of the description and metadata that
	// were pushed; empty where the platform keeps no metadata (Julep 3).
	Fingerprint string
	// RemoteUpdatedAt is the account's updated_at after the push.
	RemoteUpdatedAt time.Time
	// Generation is Julep 3's generation after the push; zero on v1.
	Generation int64
	// PushedAt is when keyward pushed.
	PushedAt time.Time
}

// SyncFor returns the sync state of s for target, and false when s was never
// pushed there.
func (s Secret) SyncFor(target string) (SyncState, bool) {
	i := slices.IndexFunc(s.Sync, func(st SyncState) bool { return st.Target == target })
	if i < 0 {
		return SyncState{}, false
	}
	return s.Sync[i], true
}

// WithSync returns s with the sync state for st.Target replaced by st (or
// added), sharing no slice with s.
func (s Secret) WithSync(st SyncState) Secret {
	s = s.Clone()
	if i := slices.IndexFunc(s.Sync, func(x SyncState) bool { return x.Target == st.Target }); i >= 0 {
		s.Sync[i] = st
		return s
	}
	s.Sync = append(s.Sync, st)
	return s
}

// RecordFingerprint is a short, stable hash of a description and metadata:
// what a push records so that a later status can tell whether either changed
// locally since. It hashes no value.
func RecordFingerprint(description string, metadata map[string]string) string {
	h := sha256.New()
	h.Write([]byte(description))
	h.Write([]byte{0})
	for _, k := range SortedKeys(metadata) {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(metadata[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// SortedKeys returns the keys of m in byte order.
func SortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
