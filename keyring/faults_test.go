package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"github.com/keyward/keyward/keyring/internal/sessionbus"
	"github.com/keyward/keyward/model"
)

// These tests pin down what keyward says and leaves when the keyring is
// locked, frozen mid-command, or absent (issue 10, part 1).

const faultTimeout = 200 * time.Millisecond

// frozenStore returns a store over a fake keyring holding A at version 2,
// with a previous value; freezeWhen then freezes the calls it picks.
func frozenStore(t *testing.T) (*OSStore, *fakeKeyring) {
	t.Helper()
	kr := &fakeKeyring{vals: map[string]string{}}
	s := newFakeOSStore(t, kr, faultTimeout)
	ctx := context.Background()
	if _, err := s.Create(ctx, model.Secret{Name: "A"}, "a-value-one"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate(ctx, "A", "a-value-two"); err != nil {
		t.Fatal(err)
	}
	return s, kr
}

func (f *fakeKeyring) freezeWhen(fn func(op, user string) bool) (thaw func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	f.freeze, f.thaw = fn, ch
	return func() {
		f.mu.Lock()
		f.freeze = nil
		f.mu.Unlock()
		close(ch)
	}
}

func (f *fakeKeyring) raw(user string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.vals["svc/"+user]
	return v, ok
}

// waitIdle waits until the call that timed out has returned, as a later
// keyward process would find the daemon awake again.
func waitIdle(t *testing.T, s *OSStore) {
	t.Helper()
	v := s.vals.(*osValues)
	v.mu.Lock()
	p := v.pending
	v.mu.Unlock()
	if p == nil {
		return
	}
	select {
	case <-p:
	case <-time.After(5 * time.Second):
		t.Fatal("the frozen call never returned")
	}
}

func pending(t *testing.T, s *OSStore) []pendingOp {
	t.Helper()
	ops, err := s.jr.Pending()
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

func TestRotateFrozenMidCommand(t *testing.T) {
	s, kr := frozenStore(t)
	ctx := context.Background()
	// The daemon freezes on the write of the new value: the call lands
	// when it wakes.
	thaw := kr.freezeWhen(func(op, user string) bool { return op == "set" && user == "A" })
	start := time.Now()
	_, err := s.Rotate(ctx, "A", "a-value-three")
	elapsed := time.Since(start)
	if elapsed > faultTimeout*3/2 {
		t.Errorf("Rotate on a daemon frozen mid-command took %s; want one deadline (%s), not one per call", elapsed, faultTimeout)
	}
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "outcome unknown") {
		t.Errorf("Rotate = %v; want ErrTimeout saying the outcome is unknown", err)
	}
	if err != nil && strings.Contains(err.Error(), "a-value") {
		t.Errorf("error %q contains a value", err)
	}
	if got := pending(t, s); len(got) != 1 || got[0] != (pendingOp{Op: opFlipKept, Name: "A", Version: 2}) {
		t.Errorf("journal = %+v; want the rotation of A at version 2", got)
	}
	// Every later call of this command fails at once while the frozen one
	// is out.
	start = time.Now()
	if _, err := s.Value(ctx, "A"); !errors.Is(err, ErrTimeout) || time.Since(start) > faultTimeout/2 {
		t.Errorf("Value while a call is out = %v after %s; want ErrTimeout at once", err, time.Since(start))
	}
	thaw()
	waitIdle(t, s)
	if v, _ := kr.raw("A"); v != "a-value-three" {
		t.Fatalf("the late write did not land (A = %q); the test's fake is wrong", v)
	}
	if rec, _ := s.Get(ctx, "A"); rec.Version != 2 {
		t.Fatalf("version %d before reconciling, want 2", rec.Version)
	}
	did, err := s.Reconcile(ctx)
	if err != nil || len(did) != 1 || !strings.Contains(did[0], "landed after all; recorded as version 3") {
		t.Errorf("Reconcile = %q, %v; want the late rotation recorded as version 3", did, err)
	}
	if rec, _ := s.Get(ctx, "A"); rec.Version != 3 {
		t.Errorf("version %d after reconciling, want 3", rec.Version)
	}
	if got := pending(t, s); len(got) != 0 {
		t.Errorf("journal after Reconcile = %+v, want empty", got)
	}
	if _, err := os.Stat(s.jr.(fileJournal).path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the journal file is still there: %v", err)
	}
}

func TestRotateTimedOutNotLanded(t *testing.T) {
	s, kr := frozenStore(t)
	ctx := context.Background()
	kr.err = nil
	thaw := kr.freezeWhen(func(op, user string) bool { return op == "set" && user == "A" })
	if _, err := s.Rotate(ctx, "A", "a-value-three"); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Rotate = %v, want ErrTimeout", err)
	}
	// The daemon wakes and refuses the write after all.
	kr.mu.Lock()
	kr.err = errors.New("refused")
	kr.mu.Unlock()
	thaw()
	waitIdle(t, s)
	kr.mu.Lock()
	kr.err = nil
	kr.mu.Unlock()
	did, err := s.Reconcile(ctx)
	if err != nil || len(did) != 1 || !strings.Contains(did[0], "did not land") {
		t.Errorf("Reconcile = %q, %v; want 'did not land'", did, err)
	}
	rec, _ := s.Get(ctx, "A")
	if rec.Version != 2 {
		t.Errorf("version %d, want 2 (nothing landed)", rec.Version)
	}
	if v, _ := s.Value(ctx, "A"); v != "a-value-two" {
		t.Errorf("value %q, want a-value-two", v)
	}
	// The rotation's one write, over the previous value, was refused: the
	// older value is still the previous one (issue 11, item 1).
	if _, prev := valueUsers(&rec); prev != "A" {
		t.Errorf("the previous value is under %s; the first rotation should have put it under A", prev)
	} else if v, _ := kr.raw(prev); v != "a-value-one" {
		t.Errorf("previous value %q after Reconcile, want a-value-one", v)
	}
	if v, ok := kr.raw(rotationUser("A")); ok {
		t.Errorf("the copy a rotation keeps is still there: %q", v)
	}
}

func TestCreateFrozenLeavesNoHiddenValue(t *testing.T) {
	s, kr := frozenStore(t)
	ctx := context.Background()
	thaw := kr.freezeWhen(func(op, user string) bool { return op == "set" && user == "NEW" })
	_, err := s.Create(ctx, model.Secret{Name: "NEW"}, "new-value-123")
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "outcome unknown") {
		t.Errorf("Create = %v, want ErrTimeout with an unknown outcome", err)
	}
	if _, err := s.Get(ctx, "NEW"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(NEW) after a timed-out create = %v, want ErrNotFound", err)
	}
	thaw()
	waitIdle(t, s)
	if _, ok := kr.raw("NEW"); !ok {
		t.Fatal("the late create did not land; the test's fake is wrong")
	}
	did, err := s.Reconcile(ctx)
	if err != nil || len(did) != 1 || !strings.Contains(did[0], "create of NEW") {
		t.Errorf("Reconcile = %q, %v", did, err)
	}
	if v, ok := kr.raw("NEW"); ok {
		t.Errorf("NEW = %q is still in the keyring with no record", v)
	}
}

// TestCreateRefusedNotesNothing: a create the keyring refused (locked, or
// no Secret Service) wrote nothing and leaves nothing to settle; one whose
// call may have reached the keyring (no reply) stays in the journal, and
// doctor then says whether a value had landed.
func TestCreateRefusedNotesNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		want  error
		noted bool
	}{
		{"locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked, false},
		{"no secret service", fmt.Errorf("dbus: %w", os.ErrNotExist), ErrUnavailable, false},
		{"no reply", dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply"}, ErrUnavailable, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, kr := frozenStore(t)
			ctx := context.Background()
			kr.err = tc.err
			if _, err := s.Create(ctx, model.Secret{Name: "NEW"}, "new-value-123"); !errors.Is(err, tc.want) {
				t.Fatalf("Create = %v, want %v", err, tc.want)
			}
			got := pending(t, s)
			if noted := len(got) == 1 && got[0].Op == opCreate; noted != tc.noted || len(got) > 1 {
				t.Fatalf("journal = %+v; want the create noted: %v", got, tc.noted)
			}
			kr.err = nil
			did, err := s.Reconcile(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tc.noted && (len(did) != 1 || !strings.Contains(did[0], "had not written its value; nothing to remove")) {
				t.Errorf("Reconcile = %q; want it to say no value had landed", did)
			}
			if _, ok := kr.raw("NEW"); ok {
				t.Error("NEW has a value")
			}
		})
	}
}

func TestDeleteLockedKeepsRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked},
		{"no secret service", fmt.Errorf("dbus: %w", os.ErrNotExist), ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, kr := frozenStore(t)
			ctx := context.Background()
			kr.err = tc.err
			err := s.Delete(ctx, "A")
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "nothing deleted") {
				t.Errorf("Delete = %v; want %v and 'nothing deleted'", err, tc.want)
			}
			kr.err = nil
			if rec, err := s.Get(ctx, "A"); err != nil || rec.Version != 2 {
				t.Errorf("after a refused delete Get(A) = %+v, %v; want the record kept", rec, err)
			}
			if v, _ := s.Value(ctx, "A"); v != "a-value-two" {
				t.Errorf("value %q, want it kept", v)
			}
			if got := pending(t, s); len(got) != 0 {
				t.Errorf("journal = %+v, want empty", got)
			}
		})
	}
}

func TestDeleteFrozenFinishedByReconcile(t *testing.T) {
	s, kr := frozenStore(t)
	ctx := context.Background()
	thaw := kr.freezeWhen(func(op, user string) bool { return op == "delete" && user == "A" })
	err := s.Delete(ctx, "A")
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "keyward doctor") || !strings.Contains(err.Error(), "its values may still be in the keyring") {
		t.Errorf("Delete = %v; want ErrTimeout saying the values may still be there, pointing at keyward doctor", err)
	}
	if got := pending(t, s); len(got) != 1 || got[0].Op != "delete" || got[0].Name != "A" {
		t.Errorf("journal = %+v, want the delete of A", got)
	}
	thaw()
	waitIdle(t, s)
	did, err := s.Reconcile(ctx)
	if err != nil || len(did) != 1 || !strings.Contains(did[0], "finished deleting A") {
		t.Errorf("Reconcile = %q, %v", did, err)
	}
	for _, u := range []string{"A", PreviousUser("A")} {
		if v, ok := kr.raw(u); ok {
			t.Errorf("%s = %q is still in the keyring after the delete was finished", u, v)
		}
	}
}

// TestNoAutolaunch runs the real go-keyring with no session bus address and
// a dbus-launch on PATH that only leaves a mark: keyward must say no keyring
// is available at once, and never run it. (In a child process: godbus keeps
// one session bus connection per process.)
func TestNoAutolaunch(t *testing.T) {
	if os.Getenv("KEYWARD_HELPER_NOAUTOLAUNCH") != "" {
		if sessionbus.Check() == nil {
			fmt.Println("skip: this machine has a session bus at /run/user/UID")
			return
		}
		s, err := NewOSStore(OSOptions{IndexPath: filepath.Join(t.TempDir(), "index.toml"), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err = s.Ping(context.Background())
		fmt.Printf("unavailable=%v\nelapsed=%s\nerr=%v\n", errors.Is(err, ErrUnavailable), time.Since(start), err)
		if time.Since(start) > 500*time.Millisecond {
			fmt.Println("slow")
		}
		return
	}
	dir := t.TempDir()
	mark := filepath.Join(dir, "dbus-launch-ran")
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n: > " + mark + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoAutolaunch$", "-test.count=1", "-test.v")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "KEYWARD_HELPER_NOAUTOLAUNCH=1", "PATH="+bin, "HOME="+dir, "XDG_RUNTIME_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "skip:") {
		t.Skip(string(out))
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("keyward ran dbus-launch (it would have autolaunched a session bus)")
	}
	if !strings.Contains(string(out), "unavailable=true") || strings.Contains(string(out), "\nslow\n") {
		t.Errorf("with no session bus, Ping did not report ErrUnavailable at once:\n%s", out)
	}
}
