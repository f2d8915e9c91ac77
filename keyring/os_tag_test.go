//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keyring

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
	gokeyring "github.com/zalando/go-keyring"

	"github.com/keyward/keyward/keyring/keyringtest"
	"github.com/keyward/keyward/model"
)

// TestRotationTagRealKeyring runs a rotation's one write against the real
// Secret Service: the write replaces the item (no second item of the same
// user), carries its tag in the label, and a settle tells a write that
// landed from one that did not by that tag alone.
func TestRotationTagRealKeyring(t *testing.T) {
	keyringtest.RequireSecretService(t)
	ctx := context.Background()
	service := keyringtest.Service(t)
	s, err := NewOSStore(OSOptions{IndexPath: filepath.Join(t.TempDir(), "index.toml"), Service: service})
	if err != nil {
		t.Fatal(err)
	}
	v := s.vals.(*osValues)
	if !v.tags() {
		t.Fatal("the Secret Service backend does not tag")
	}
	if _, err := s.Create(ctx, model.Secret{Name: "TAGGED"}, "tag-value-one"); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Rotate(ctx, "TAGGED", "tag-value-two")
	if err != nil || !rec.SlotsSwapped || rec.Version != 2 {
		t.Fatalf("Rotate = %+v, %v; want version 2, slots swapped", rec, err)
	}
	users, err := listUsers(service)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(users)
	if want := []string{"TAGGED", PreviousUser("TAGGED")}; !slices.Equal(users, want) {
		t.Fatalf("keyring users %q, want %q (one item each)", users, want)
	}
	if got, _ := keyringtest.Lookup(t, service, PreviousUser("TAGGED")); got != "tag-value-two" {
		t.Fatalf("the new value is not under %s", PreviousUser("TAGGED"))
	}
	tag, err := v.Tag(ctx, PreviousUser("TAGGED"))
	if err != nil || !strings.HasPrefix(tag, "v2-") {
		t.Fatalf("Tag = %q, %v; want the rotation's, v2-…", tag, err)
	}
	if tag, err := v.Tag(ctx, "TAGGED"); err != nil || tag != "" {
		t.Errorf("Tag of the item create wrote = %q, %v; want none", tag, err)
	}
	if _, err := v.Tag(ctx, "NOWHERE"); !errors.Is(err, ErrNoValue) {
		t.Errorf("Tag of no item = %v, want ErrNoValue", err)
	}

	// A process killed after its write landed: the journal holds the
	// rotation, the index does not. Settling records it.
	landed := pendingOp{Op: opFlipTag, Name: "TAGGED", Version: 2, Tag: "v3-0123456789ab"}
	if err := s.note(landed); err != nil {
		t.Fatal(err)
	}
	if err := v.SetTagged(ctx, "TAGGED", "tag-value-three", landed.Tag); err != nil {
		t.Fatal(err)
	}
	did, err := s.Reconcile(ctx)
	if err != nil || len(did) != 1 || !strings.Contains(did[0], "landed after all") {
		t.Fatalf("Reconcile = %q, %v; want the rotation recorded", did, err)
	}
	if got, err := s.Value(ctx, "TAGGED"); err != nil || got != "tag-value-three" {
		t.Errorf("Value after the settle = %q, %v", clip(got), err)
	}
	if ok, err := s.HasPrevious(ctx, "TAGGED"); !ok || err != nil {
		t.Errorf("HasPrevious = %v, %v", ok, err)
	}

	// Killed before its write landed: the previous slot has another tag.
	lost := pendingOp{Op: opFlipTag, Name: "TAGGED", Version: 3, Tag: "v4-ba9876543210"}
	if err := s.note(lost); err != nil {
		t.Fatal(err)
	}
	did, err = s.Reconcile(ctx)
	if err != nil || len(did) != 1 || !strings.Contains(did[0], "did not land") {
		t.Fatalf("Reconcile = %q, %v; want 'did not land'", did, err)
	}
	if rec, _ := s.Get(ctx, "TAGGED"); rec.Version != 3 {
		t.Errorf("version %d after a rotation that did not land, want 3", rec.Version)
	}
	if got, _ := s.Value(ctx, "TAGGED"); got != "tag-value-three" {
		t.Errorf("Value changed by a rotation that did not land")
	}
	if _, err := s.Rollback(ctx, "TAGGED"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Value(ctx, "TAGGED"); got != "tag-value-two" {
		t.Errorf("Value after the rollback = %q, want the value before", clip(got))
	}
	if err := s.Delete(ctx, "TAGGED"); err != nil {
		t.Fatal(err)
	}
	if users, err := listUsers(service); err != nil || len(users) != 0 {
		t.Errorf("after Delete the keyring holds %q, %v", users, err)
	}
}

// TestSecretServiceSessionRestarted reads and writes values through a
// session the daemon does not know (as after a restart of the daemon while
// a terminal UI runs): the call is made again with a new session.
func TestSecretServiceSessionRestarted(t *testing.T) {
	keyringtest.RequireSecretService(t)
	service := keyringtest.Service(t)
	if err := keyringSet(service, "SESSION_KEY", "session-value-1"); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		what string
		run  func() error
	}{
		{"read", func() error {
			v, err := keyringGet(service, "SESSION_KEY")
			if err == nil && v != "session-value-1" && v != "session-value-2" {
				t.Errorf("read %q", clip(v))
			}
			return err
		}},
		{"write", func() error { return keyringSet(service, "SESSION_KEY", "session-value-2") }},
	} {
		ssState.sessMu.Lock()
		ssState.session = "/org/freedesktop/secrets/session/gone"
		ssState.sessMu.Unlock()
		if err := step.run(); err != nil {
			t.Fatalf("%s through a stale session: %v (D-Bus error %q)", step.what, err, dbusErrorName(err))
		}
	}
	if v, err := keyringGet(service, "SESSION_KEY"); err != nil || v != "session-value-2" {
		t.Errorf("value %q, %v after the write", clip(v), err)
	}
	if err := keyringDelete(service, "SESSION_KEY"); err != nil {
		t.Error(err)
	}
	if _, err := keyringGet(service, "SESSION_KEY"); !errors.Is(err, gokeyring.ErrNotFound) {
		t.Errorf("read after delete: %v, want go-keyring's ErrNotFound", err)
	}
}

// TestSecretServiceCalls counts the calls each value operation makes to
// the real Secret Service, through a monitor on the private session bus,
// once the process's connection is warm (OSStore.Warm): a read is a search
// and GetSecret, a write one CreateItem, a delete a search and the item's
// Delete, a ping one Unlock. go-keyring unlocks before each of them; an
// unlocked collection needs no such call (unlocking), and TestLockedCollection
// shows a locked one still says so.
func TestSecretServiceCalls(t *testing.T) {
	keyringtest.RequireSecretService(t)
	service := keyringtest.Service(t)
	mon, err := dbus.SessionBusPrivate()
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	if err := mon.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := mon.Hello(); err != nil {
		t.Fatal(err)
	}
	rules := []string{"type='method_call',destination='org.freedesktop.secrets'"}
	if err := mon.BusObject().Call("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, rules, uint32(0)).Err; err != nil {
		t.Skipf("this bus refuses a monitor: %v", err)
	}
	seen := make(chan *dbus.Message, 64)
	mon.Eavesdrop(seen)
	// The process's connection (go-keyring's client uses the shared one):
	// other tests' processes call the same daemon meanwhile, so only this
	// sender's calls count.
	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatal(err)
	}
	self := conn.Names()[0]
	// calls runs op and returns the members it called, up to the Peer.Ping
	// sent after it on the same connection, which the bus routes after them.
	calls := func(what string, op func() error) []string {
		t.Helper()
		if err := op(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").Call("org.freedesktop.DBus.Peer.Ping", 0).Err; err != nil {
			t.Fatal(err)
		}
		var members []string
		for {
			select {
			case m := <-seen:
				if sender, _ := m.Headers[dbus.FieldSender].Value().(string); m.Type != dbus.TypeMethodCall || sender != self {
					continue // the NameLost a monitor is sent, another process's call
				}
				member, _ := m.Headers[dbus.FieldMember].Value().(string)
				if member == "Ping" {
					return members
				}
				members = append(members, member)
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: the monitor never saw the Ping after it (saw %q)", what, members)
			}
		}
	}
	// A new connection: nothing is known of the collection or a session.
	ssState.mu.Lock()
	ssState.coll = ""
	ssState.mu.Unlock()
	ssState.sessMu.Lock()
	ssState.session = ""
	ssState.sessMu.Unlock()
	for _, c := range []struct {
		what string
		op   func() error
		want []string
	}{
		{"warm", func() error { warmKeyring(); return nil }, []string{"OpenSession"}},
		{"write", func() error { return keyringSet(service, "CALLS_KEY", "calls-value-1") }, []string{"CreateItem"}},
		{"read", func() error {
			v, err := keyringGet(service, "CALLS_KEY")
			if err == nil && v != "calls-value-1" {
				t.Errorf("read %q", clip(v))
			}
			return err
		}, []string{"SearchItems", "GetSecret"}},
		{"ping", func() error { return keyringPing(service) }, []string{"Unlock"}},
		{"delete", func() error { return keyringDelete(service, "CALLS_KEY") }, []string{"SearchItems", "Delete"}},
	} {
		if got := calls(c.what, c.op); !slices.Equal(got, c.want) {
			t.Errorf("%s called %q, want %q", c.what, got, c.want)
		}
	}
}

// TestSecretServiceNoLoginCollection runs reads and writes as if the
// Secret Service had no login collection: the guessed path is one where no
// collection is, and every call must find the collection go-keyring would
// (its lookup, after the first call on the guess fails) and work.
func TestSecretServiceNoLoginCollection(t *testing.T) {
	keyringtest.RequireSecretService(t)
	service := keyringtest.Service(t)
	svc, _, _, err := openSS(false)
	if err != nil {
		t.Fatal(err)
	}
	want := svc.GetLoginCollection().Path()
	guess := func() {
		ssState.mu.Lock()
		ssState.coll, ssState.guessed = "/org/freedesktop/secrets/collection/keyward_nowhere", true
		ssState.mu.Unlock()
	}
	t.Cleanup(func() {
		ssState.mu.Lock()
		ssState.coll = ""
		ssState.mu.Unlock()
	})
	for _, step := range []struct {
		what string
		run  func() error
	}{
		{"write", func() error { return keyringSet(service, "NOLOGIN_KEY", "nologin-value") }},
		{"read", func() error {
			v, err := keyringGet(service, "NOLOGIN_KEY")
			if err == nil && v != "nologin-value" {
				t.Errorf("read %q", clip(v))
			}
			return err
		}},
		{"has", func() error {
			has, err := hasItem(service, "NOLOGIN_KEY")
			if err == nil && !has {
				t.Error("hasItem found nothing")
			}
			return err
		}},
		{"list", func() error {
			users, err := listUsers(service)
			if err == nil && !slices.Equal(users, []string{"NOLOGIN_KEY"}) {
				t.Errorf("listUsers = %q", users)
			}
			return err
		}},
		{"ping", func() error { return keyringPing(service) }},
		{"delete", func() error { return keyringDelete(service, "NOLOGIN_KEY") }},
	} {
		guess()
		if err := step.run(); err != nil {
			t.Fatalf("%s with a wrong guess of the collection: %v (D-Bus error %q)", step.what, err, dbusErrorName(err))
		}
		ssState.mu.Lock()
		got, guessed := ssState.coll, ssState.guessed
		ssState.mu.Unlock()
		if got != want || guessed {
			t.Errorf("after the %s: collection %s (guessed %v), want %s looked up", step.what, got, guessed, want)
		}
	}
	if _, err := keyringGet(service, "NOLOGIN_KEY"); !errors.Is(err, gokeyring.ErrNotFound) {
		t.Errorf("read after delete: %v, want go-keyring's ErrNotFound", err)
	}
}
