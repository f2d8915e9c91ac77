package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
	gokeyring "github.com/zalando/go-keyring"

	"github.com/keyward/keyward/model"
)

func TestWithDeadline(t *testing.T) {
	block := make(chan struct{})
	defer close(block)

	start := time.Now()
	err := withDeadline(context.Background(), 50*time.Millisecond, func() error { <-block; return nil })
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("a blocked call returned after %s, want about 50ms", elapsed)
	}
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "waited 50ms") {
		t.Errorf("blocked call = %v, want ErrTimeout saying how long it waited", err)
	}

	boom := errors.New("boom")
	if err := withDeadline(context.Background(), time.Second, func() error { return boom }); err != boom {
		t.Errorf("failing call = %v, want its own error", err)
	}
	if err := withDeadline(context.Background(), time.Second, func() error { return nil }); err != nil {
		t.Errorf("quick call = %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err = withDeadline(ctx, time.Minute, func() error { <-block; return nil })
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Errorf("cancelled call = %v, want context.Canceled and not a timeout", err)
	}

	ctx, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	err = withDeadline(ctx, time.Minute, func() error { <-block; return nil })
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("call past the context's deadline = %v, want ErrTimeout and DeadlineExceeded", err)
	}

	called := false
	if err := withDeadline(ctx, time.Minute, func() error { called = true; return nil }); err == nil || called {
		t.Errorf("call with a finished context = %v (ran: %v), want an error without running", err, called)
	}
}

// fakeKeyring is a keyringAPI whose calls can block or fail.
type fakeKeyring struct {
	mu    sync.Mutex
	vals  map[string]string
	err   error         // returned by every call when set
	block chan struct{} // every call waits on it when set
	// freeze, when set, makes the calls it reports true for wait on thaw:
	// a daemon that stops answering mid-command.
	freeze func(op, user string) bool
	thaw   chan struct{}
}

func (f *fakeKeyring) wait() error {
	if f.block != nil {
		<-f.block
	}
	return f.err
}

func (f *fakeKeyring) waitOp(op, user string) error {
	f.mu.Lock()
	freeze, thaw := f.freeze, f.thaw
	f.mu.Unlock()
	if freeze != nil && freeze(op, user) {
		<-thaw
	}
	return f.wait()
}

func (f *fakeKeyring) Get(service, user string) (string, error) {
	if err := f.waitOp("get", user); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.vals[service+"/"+user]
	if !ok {
		return "", gokeyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(service, user, value string) error {
	if err := f.waitOp("set", user); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vals[service+"/"+user] = value
	return nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	if err := f.waitOp("delete", user); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.vals[service+"/"+user]; !ok {
		return gokeyring.ErrNotFound
	}
	delete(f.vals, service+"/"+user)
	return nil
}

func newFakeOSStore(t *testing.T, kr *fakeKeyring, timeout time.Duration) *OSStore {
	t.Helper()
	s, err := NewOSStore(OSOptions{IndexPath: filepath.Join(t.TempDir(), "index.toml"), Service: "svc", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	s.vals.(*osValues).kr = kr
	s.vals.(*osValues).bus = nil // the fake needs no session bus
	return s
}

func TestOSStoreTimeout(t *testing.T) {
	kr := &fakeKeyring{vals: map[string]string{}}
	s := newFakeOSStore(t, kr, 100*time.Millisecond)
	ctx := context.Background()
	if _, err := s.Create(ctx, model.Secret{Name: "SLOW"}, "slow-secret-value-1234"); err != nil {
		t.Fatal(err)
	}
	kr.block = make(chan struct{})
	defer close(kr.block)

	start := time.Now()
	_, err := s.Value(ctx, "SLOW")
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Value on a frozen keyring returned after %s, want about 100ms", elapsed)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("Value on a frozen keyring = %v, want ErrTimeout", err)
	}
	if err != nil && !strings.Contains(err.Error(), "SLOW") {
		t.Errorf("timeout error %q does not name the secret", err)
	}

	_, err = s.Rotate(ctx, "SLOW", "new-secret-value-5678")
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("Rotate on a frozen keyring = %v, want ErrTimeout", err)
	}
	if err != nil && strings.Contains(err.Error(), "secret-value") {
		t.Errorf("error %q contains a value", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, ErrTimeout) {
		t.Errorf("Ping on a frozen keyring = %v, want ErrTimeout", err)
	}
	// The index is not the keyring: listing still works.
	if list, err := s.List(ctx); err != nil || len(list) != 1 || list[0].Version != 1 {
		t.Errorf("List with a frozen keyring = %v, %v; want the one record, unchanged", list, err)
	}
}

func TestOSValuesErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		err     error
		want    error // nil: no sentinel
		wantMsg string
	}{
		// The one mapping that does not wrap: "secret not found in keyring"
		// would only repeat the message.
		{"not found", gokeyring.ErrNotFound, ErrNoValue, "value missing from the keyring: K"},
		{"too big", gokeyring.ErrSetDataTooBig, ErrTooLarge, "too large"},
		{"no secret service on the bus", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, ErrUnavailable, "org.freedesktop.secrets"},
		{"pointer dbus error", &dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited"}, ErrUnavailable, "no keyring is available"},
		{"no session bus", errors.New("dbus: couldn't determine address of session bus"), ErrUnavailable, "no keyring is available"},
		{"no dbus-launch", &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, ErrUnavailable, "dbus-launch"},
		{"socket gone", fmt.Errorf("dial: %w", os.ErrNotExist), ErrUnavailable, "no keyring is available"},
		{"unsupported platform", gokeyring.ErrUnsupportedPlatform, ErrUnavailable, "no keyring is available"},
		{"locked collection", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked", Body: []any{"Cannot unlock"}}, ErrLocked, "the keyring is locked: Cannot unlock"},
		{"unlock refused", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked, "the keyring is locked: failed to unlock"},
		{"other", errors.New("org.freedesktop.DBus.Error.AccessDenied"), nil, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kr := &fakeKeyring{vals: map[string]string{}, err: tc.err}
			v := &osValues{service: "svc", timeout: time.Second, kr: kr}
			_, err := v.Get(ctx, "K")
			serr := v.Set(ctx, "K", "hunter2-secret-value")
			for op, err := range map[string]error{"Get": err, "Set": serr} {
				if err == nil {
					t.Fatalf("%s = nil, want an error", op)
				}
				if !wraps(err, tc.err) && tc.want != ErrNoValue {
					t.Errorf("%s = %v, does not wrap the keyring's error", op, err)
				}
				for _, s := range []error{ErrNoValue, ErrTooLarge, ErrUnavailable, ErrTimeout, ErrLocked} {
					if errors.Is(err, s) != (s == tc.want) {
						t.Errorf("%s = %v; errors.Is(err, %q) = %v, want %v", op, err, s, errors.Is(err, s), s == tc.want)
					}
				}
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Errorf("%s error %q does not contain %q", op, err, tc.wantMsg)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("%s error %q contains the value", op, err)
				}
			}
		})
	}
}

// wraps reports whether err wraps target, also for D-Bus errors, which
// errors.Is cannot compare.
func wraps(err, target error) bool {
	if de, ok := target.(dbus.Error); ok {
		var got dbus.Error
		return errors.As(err, &got) && got.Name == de.Name
	}
	return errors.Is(err, target)
}

func TestOSValuesAbsentIsFine(t *testing.T) {
	v := &osValues{service: "svc", timeout: time.Second, kr: &fakeKeyring{vals: map[string]string{}}}
	if err := v.Delete(context.Background(), "NOPE"); err != nil {
		t.Errorf("Delete of an absent user = %v, want nil", err)
	}
	if err := v.Ping(context.Background()); err != nil {
		t.Errorf("Ping with no sentinel item = %v, want nil", err)
	}
}

func TestNewOSStoreDefaults(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	s, err := NewOSStore(OSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := DefaultIndexPath()
	if s.IndexPath() != want || s.Service() != DefaultService {
		t.Errorf("defaults: index %q, service %q; want %q, %q", s.IndexPath(), s.Service(), want, DefaultService)
	}
	if v := s.vals.(*osValues); v.timeout != DefaultTimeout {
		t.Errorf("default timeout %s, want %s", v.timeout, DefaultTimeout)
	}
	if _, err := os.Stat(filepath.Dir(want)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("NewOSStore created %s before any write", filepath.Dir(want))
	}
}

// TestOSStoreNoSecretService runs the real go-keyring against a session bus
// address where nothing listens, in a child process (the D-Bus connection is
// shared per process), and checks the error says no keyring is available.
func TestOSStoreNoSecretService(t *testing.T) {
	if os.Getenv("KEYWARD_HELPER_NOBUS") != "" {
		s, err := NewOSStore(OSOptions{IndexPath: filepath.Join(t.TempDir(), "index.toml"), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Ping(context.Background())
		fmt.Printf("unavailable=%v\nerr=%v\n", errors.Is(err, ErrUnavailable), err)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOSStoreNoSecretService$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(),
		"KEYWARD_HELPER_NOBUS=1",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(dir, "no-bus-here"),
		"XDG_RUNTIME_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "unavailable=true") {
		t.Errorf("Ping without a Secret Service did not report ErrUnavailable:\n%s", out)
	}
}
