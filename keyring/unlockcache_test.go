//go:build linux

package keyring

import (
	"context"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"golang.org/x/sys/unix"

	"github.com/keyward/keyward/keyring/internal/keyctl"
	"github.com/keyward/keyward/keyring/keyringtest"
	"github.com/keyward/keyward/model"
)

// cachedStore sets up a file store with one secret in a new session keyring
// (keyringtest.KeySession: never the developer's own) and returns a function
// that opens it as a new command would, with the unlock cache set to ttl,
// and counts the passphrases that command asks for.
func cachedStore(t *testing.T, ttl time.Duration) (open func() (*FileStore, *int), desc string) {
	t.Helper()
	keyringtest.KeySession(t)
	s, _ := newFileStore(t, nil, testPassphrase)
	if _, err := s.Create(context.Background(), model.Secret{Name: "API_KEY"}, "sk-cached-value-123456"); err != nil {
		t.Fatal(err)
	}
	r, _, err := s.fv.meta()
	if err != nil {
		t.Fatal(err)
	}
	desc = cacheDescription(s.fv.dir, r)
	t.Cleanup(func() { notOutside(t, desc) })
	return func() (*FileStore, *int) {
		asked := new(int)
		st, err := NewFileStore(FileOptions{IndexPath: s.IndexPath(), UnlockCache: ttl, Passphrase: func() (string, error) {
			*asked++
			return testPassphrase, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		return st, asked
	}, desc
}

// readValue reads API_KEY through st and checks it.
func readValue(t *testing.T, st *FileStore) {
	t.Helper()
	v, err := st.Value(context.Background(), "API_KEY")
	if err != nil || v != "sk-cached-value-123456" {
		t.Fatalf("Value = %q, %v", v, err)
	}
}

// command opens the store as a new command would, reads API_KEY through
// it, and checks that it asked for the passphrase want times.
func command(t *testing.T, open func() (*FileStore, *int), want int, when string) *FileStore {
	t.Helper()
	st, asked := open()
	readValue(t, st)
	if *asked != want {
		t.Errorf("%s, a command asked for the passphrase %d times, want %d", when, *asked, want)
	}
	return st
}

// notOutside checks that the process's own session keyring (any other
// thread's) has no key named desc: the test's session was its own.
func notOutside(t *testing.T, desc string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, ok, _ := keyctl.Find(desc); ok {
			t.Errorf("%s reached the session keyring outside the test", desc)
		}
	}()
	<-done
}

func TestUnlockCacheHit(t *testing.T) {
	open, desc := cachedStore(t, time.Minute)
	command(t, open, 1, "first")
	k, ok, err := keyctl.Find(desc)
	if err != nil || !ok {
		t.Fatalf("no key %s after an unlock: %v", desc, err)
	}
	if k.Perm != keyctl.Perm {
		t.Errorf("the key's permission is %08x, want %08x (possessor only)", k.Perm, keyctl.Perm)
	}
	p, _, _ := keyctl.Read(k.ID, 1024)
	if !strings.HasPrefix(string(p), "AGE-SECRET-KEY-1") || strings.Contains(string(p), "sk-cached") {
		t.Errorf("the key holds %d bytes that are not the identity alone", len(p))
	}
	second := command(t, open, 0, "next in the session")
	state, err := second.UnlockState()
	if err != nil || !state.Available || !state.Cached || state.ExpiresIn == "" {
		t.Errorf("UnlockState = %+v, %v; want cached with a time left", state, err)
	}
}

func TestUnlockCacheOff(t *testing.T) {
	open, desc := cachedStore(t, 0)
	command(t, open, 1, "first")
	if _, ok, _ := keyctl.Find(desc); ok {
		t.Fatal("UnlockCache 0 left a key in the session keyring")
	}
	command(t, open, 1, "without the cache, next")
}

// TestUnlockCacheForeign: a key under the store's description that is not
// its identity (another store's, garbage, or readable by others) is dropped
// and the passphrase asked; it is never used.
func TestUnlockCacheForeign(t *testing.T) {
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		payload string
		perm    uint32
	}{
		{"another identity", other.String(), keyctl.Perm},
		{"not an identity", "AGE-SECRET-KEY-1NOTREALLY", keyctl.Perm},
		{"too long", strings.Repeat("A", 2000), keyctl.Perm},
		{"readable by the user's other sessions", "", keyctl.Perm | 0x3f0000},
	} {
		t.Run(c.name, func(t *testing.T) {
			open, desc := cachedStore(t, time.Minute)
			if c.payload == "" {
				// The store's own identity, with a wider permission.
				st, _ := open()
				if err := st.Unlock(); err != nil {
					t.Fatal(err)
				}
				k, _, _ := keyctl.Find(desc)
				setPerm(t, k.ID, c.perm)
			} else if err := keyctl.Put(desc, []byte(c.payload), time.Minute); err != nil {
				t.Fatal(err)
			}
			planted, ok, _ := keyctl.Find(desc)
			if !ok {
				t.Fatal("the planted key is not there")
			}
			command(t, open, 1, "with a foreign key cached")
			k, ok, _ := keyctl.Find(desc)
			if !ok || k.ID == planted.ID || k.Perm != keyctl.Perm {
				t.Errorf("after the unlock the key is %+v (found %v), want a new one replacing %d", k, ok, planted.ID)
			}
		})
	}
}

func TestUnlockCacheTwoStores(t *testing.T) {
	open, descA := cachedStore(t, time.Minute)
	command(t, open, 1, "first")
	b, asked := newFileStore(t, nil, testPassphrase)
	rb, _, err := b.fv.meta()
	if err != nil {
		t.Fatal(err)
	}
	descB := cacheDescription(b.fv.dir, rb)
	if descA == descB {
		t.Fatal("two stores share a cache description")
	}
	b.fv.cacheFor = time.Minute
	if _, err := b.Create(context.Background(), model.Secret{Name: "B_KEY"}, "b-value-123456"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Value(context.Background(), "B_KEY"); err != nil {
		t.Fatal(err)
	}
	if *asked != 1 {
		t.Error("the second store was unlocked by the first store's cache")
	}
}

func TestUnlockCacheExpires(t *testing.T) {
	open, desc := cachedStore(t, time.Second)
	// The kernel counts whole seconds of the wall clock: start just after
	// one begins, so the key lives close to a second.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
	command(t, open, 1, "first")
	if _, ok, _ := keyctl.Find(desc); !ok {
		t.Fatal("not cached after an unlock")
	}
	// The kernel counts whole seconds: a 1 s timeout ends within 2 s.
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(250 * time.Millisecond)
		st, _ := open()
		state, err := st.UnlockState()
		if err != nil {
			t.Fatal(err)
		}
		if !state.Cached {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cached unlock outlived its 1 s timeout by 10 s")
		}
	}
	command(t, open, 1, "after the timeout")
}

func TestLock(t *testing.T) {
	open, desc := cachedStore(t, time.Minute)
	st := command(t, open, 1, "first")
	dropped, err := st.Lock()
	if err != nil || !dropped {
		t.Fatalf("Lock = %v, %v; want true", dropped, err)
	}
	if _, ok, _ := keyctl.Find(desc); ok {
		t.Error("the key is still there after Lock")
	}
	if dropped, err := st.Lock(); err != nil || dropped {
		t.Errorf("a second Lock = %v, %v; want false (nothing cached)", dropped, err)
	}
	next, asked := open()
	readValue(t, next)
	if *asked != 1 {
		t.Errorf("after Lock the next command asked %d times, want 1", *asked)
	}
	// Lock forgets the process's own identity too.
	next.Lock()
	readValue(t, next)
	if *asked != 2 {
		t.Error("after Lock the same store read a value without asking")
	}
	state, err := next.UnlockState()
	if err != nil || !state.Cached {
		t.Errorf("UnlockState after a new unlock = %+v, %v", state, err)
	}
	next.Lock()
	if state, _ := next.UnlockState(); state.Cached {
		t.Errorf("UnlockState after Lock = %+v", state)
	}
}

// setPerm changes a key's permission, as another program could.
func setPerm(t *testing.T, id int, perm uint32) {
	t.Helper()
	if err := unix.KeyctlSetperm(id, perm); err != nil {
		t.Fatal(err)
	}
}
