package keyringtest

import (
	"runtime"
	"testing"

	"github.com/keyward/keyward/keyring/internal/keyctl"
)

// KeySession gives the calling goroutine a new, empty session keyring of the
// Linux kernel, so that the file backend's unlock cache lives there and
// never in the session of the developer running the tests. It skips t where
// there is no kernel keyring (other systems, containers that refuse keyctl).
//
// The session keyring belongs to a thread, not a process: KeySession locks
// the goroutine to its thread and never unlocks it, so the thread ends with
// the goroutine and no other goroutine runs with the session. Call it from
// the test function itself, and make the keyring calls from that goroutine;
// programs it starts (os/exec) inherit the session.
func KeySession(t testing.TB) {
	t.Helper()
	if err := JoinKeySession(); err != nil {
		t.Skipf("no kernel session keyring here: %v", err)
	}
}

// JoinKeySession is KeySession for callers without a testing.TB (a
// testscript Setup): it returns the error where there is no kernel keyring.
func JoinKeySession() error {
	runtime.LockOSThread()
	outer, err := keyctl.SessionID()
	if err != nil {
		return err
	}
	inner, err := keyctl.JoinNewSession()
	if err != nil {
		return err
	}
	if inner == outer {
		panic("keyctl: joining a new session keyring kept the old one")
	}
	return nil
}

// InKeySession reports whether the calling goroutine runs in a session
// keyring of its own (JoinKeySession), which the process's other threads do
// not share.
func InKeySession() bool {
	mine, err := keyctl.SessionID()
	if err != nil || mine == 0 {
		return false
	}
	// A new goroutine never runs on a locked thread: it sees the process's
	// session.
	other := make(chan int)
	go func() {
		id, _ := keyctl.SessionID()
		other <- id
	}()
	return <-other != mine
}
