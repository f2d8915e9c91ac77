// Package keyringtest helps tests use the real OS keyring: it finds out
// whether one answers (skipping or failing the test when none does) and gives
// each test a keyring service name of its own, emptied when the test ends.
//
// On Linux the keyring is a Secret Service such as gnome-keyring. To run the
// real-keyring tests on a machine without one, start a private one:
//
//	make test-keyring
//
// or, by hand:
//
//	d=$(mktemp -d); mkdir -p $d/data $d/run $d/home; chmod 700 $d/run
//	XDG_DATA_HOME=$d/data XDG_RUNTIME_DIR=$d/run HOME=$d/home dbus-run-session -- \
//	  bash -c 'echo -n pw | gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null; go test ./...'
package keyringtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/keyward/keyward/keyring/internal/sessionbus"
)

// RequireEnv is the environment variable that turns a missing keyring from a
// skip into a failure. CI sets it to 1, so the real-keyring tests cannot
// silently stop running there.
const RequireEnv = "KEYWARD_REQUIRE_KEYRING"

// probeTimeout bounds the probe: a keyring stuck on an unlock prompt counts
// as no keyring.
const probeTimeout = 5 * time.Second

var probe struct {
	once sync.Once
	err  error
}

// Available reports whether the OS keyring answers, and why not when it does
// not. The answer is found once per process.
func Available() error {
	probe.once.Do(func() {
		// Without a session bus, go-keyring would autolaunch one (and leave
		// a dbus-daemon behind): tests never start a bus themselves.
		if err := sessionbus.Check(); err != nil {
			probe.err = err
			return
		}
		probe.err = call(func() error {
			_, err := gokeyring.Get("keyward-probe", "@probe")
			if errors.Is(err, gokeyring.ErrNotFound) {
				return nil
			}
			return err
		})
	})
	return probe.err
}

// RequireSecretService skips t when no OS keyring (Secret Service) answers,
// with a message saying how to run the test, or fails it loudly when
// KEYWARD_REQUIRE_KEYRING=1, as in CI.
func RequireSecretService(t testing.TB) {
	t.Helper()
	err := Available()
	if err == nil {
		return
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s=1, but no Secret Service answers: %v\n"+
			"start one: dbus-run-session + gnome-keyring-daemon --unlock (see .ci/run)", RequireEnv, err)
	}
	t.Skipf("no Secret Service answers (%v); run the real-keyring tests with `make test-keyring` "+
		"(a private dbus-run-session with an unlocked gnome-keyring; see package keyringtest)", err)
}

// Service requires a keyring (see RequireSecretService) and returns a service
// name no other test uses, "keyward-test-" and random hex. Everything stored
// under it is deleted when t ends.
func Service(t testing.TB) string {
	t.Helper()
	RequireSecretService(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	service := "keyward-test-" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		if err := call(func() error { return gokeyring.DeleteAll(service) }); err != nil {
			t.Errorf("clean up keyring service %s: %v", service, err)
		}
	})
	return service
}

// Lookup reads user's value under service straight from the OS keyring, so
// a test can check what a store really wrote. ok is false when there is
// none.
func Lookup(t testing.TB, service, user string) (value string, ok bool) {
	t.Helper()
	var v string // read only once call returns without a timeout
	err := call(func() error {
		var err error
		v, err = gokeyring.Get(service, user)
		return err
	})
	if errors.Is(err, gokeyring.ErrNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatalf("read %s from keyring service %s: %v", user, service, err)
	}
	return v, true
}

// call runs fn with the probe's deadline; go-keyring calls cannot be
// cancelled, so a hung one is left behind.
func call(fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(probeTimeout):
		return fmt.Errorf("the keyring did not answer within %s", probeTimeout)
	}
}
