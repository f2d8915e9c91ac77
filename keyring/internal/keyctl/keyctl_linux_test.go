//go:build linux

package keyctl

import (
	"errors"
	"runtime"
	"testing"
	"time"
)

// session gives the test's goroutine a new session keyring of its own: the
// thread is locked and never unlocked, so it ends with the test and no other
// goroutine ever runs with that session. It skips where keyctl is refused.
func session(t *testing.T) (outer, inner int) {
	t.Helper()
	runtime.LockOSThread()
	outer, err := SessionID()
	if err == nil {
		inner, err = JoinNewSession()
	}
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("no kernel keyring here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if inner == outer {
		t.Fatalf("JoinNewSession kept session %d", inner)
	}
	return outer, inner
}

// elsewhere runs f on another goroutine, which runs on another thread: one
// with the process's own session keyring.
func elsewhere(f func()) {
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	<-done
}

func TestPutFindReadDrop(t *testing.T) {
	_, inner := session(t)
	const desc = "keyward-test:put-find-read-drop"
	if err := Put(desc, []byte("payload-1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	k, ok, err := Find(desc)
	if err != nil || !ok {
		t.Fatalf("Find after Put: %v, %v", ok, err)
	}
	if k.Perm != Perm {
		t.Errorf("perm %08x, want %08x (possessor only)", k.Perm, Perm)
	}
	if got := Expiry(k.ID); got != "1m" && got != "59s" && got != "60s" {
		t.Errorf("Expiry = %q, want about a minute", got)
	}
	if p, ok, err := Read(k.ID, 64); string(p) != "payload-1" || !ok || err != nil {
		t.Errorf("Read = %q, %v, %v", p, ok, err)
	}
	if _, _, err := Read(k.ID, 4); err == nil {
		t.Error("Read of a payload larger than max: no error")
	}
	// A second Put replaces the first.
	if err := Put(desc, []byte("payload-2"), time.Minute); err != nil {
		t.Fatal(err)
	}
	k2, _, _ := Find(desc)
	if p, _, _ := Read(k2.ID, 64); string(p) != "payload-2" {
		t.Errorf("after a second Put, Read = %q", p)
	}
	// Neither the session keyring of the process nor the calling thread's
	// own keyring holds it: only the new session.
	elsewhere(func() {
		if id, _ := SessionID(); id == inner {
			t.Errorf("another thread shares the test's session keyring %d", id)
		}
		if _, ok, _ := Find(desc); ok {
			t.Error("the key is visible from the process's own session keyring")
		}
	})
	if err := Drop(k2.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := Find(desc); ok || err != nil {
		t.Errorf("Find after Drop: %v, %v", ok, err)
	}
	if err := Drop(k2.ID); err != nil {
		t.Errorf("Drop of a dropped key: %v", err)
	}
}

func TestExpires(t *testing.T) {
	session(t)
	const desc = "keyward-test:expires"
	// The kernel counts whole seconds of the wall clock: start just after
	// one begins, so the key lives close to a second.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
	if err := Put(desc, []byte("x"), time.Second); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := Find(desc); !ok {
		t.Fatal("not found right after Put")
	}
	// The kernel's timer has a granularity of a second: wait past it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(250 * time.Millisecond)
		_, ok, err := Find(desc)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the key outlived its 1 s timeout by 10 s")
		}
	}
}

func TestTTLSeconds(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2}, {15 * time.Minute, 900}, {1 << 62, 1<<31 - 1}} {
		if got := ttlSeconds(c.in); got != c.want {
			t.Errorf("ttlSeconds(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}
