//go:build linux

package keyringtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	dbus "github.com/godbus/dbus/v5"
)

// PrivateEnv is set (to 1) only by .ci/run's with_keyring, whose session bus
// and gnome-keyring exist for the tests alone. Tests that stop or lock the
// keyring daemon run only where it is set, so a developer's own daemon is
// never touched.
const PrivateEnv = "KEYWARD_PRIVATE_KEYRING"

// PasswordEnv holds the password of the private session's login keyring
// (with_keyring unlocks it with that password).
const PasswordEnv = "KEYWARD_PRIVATE_KEYRING_PASSWORD"

const (
	secretsName    = "org.freedesktop.secrets"
	secretsPath    = dbus.ObjectPath("/org/freedesktop/secrets")
	loginPath      = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	serviceIface   = "org.freedesktop.Secret.Service"
	internalIface  = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"
	collectionProp = "org.freedesktop.Secret.Collection.Locked"
)

// Daemon is the private session's Secret Service daemon (gnome-keyring),
// found through the bus: the process that owns org.freedesktop.secrets.
type Daemon struct {
	// Pid is the daemon's process id.
	Pid  int
	t    testing.TB
	conn *dbus.Conn // a connection of our own, not go-keyring's shared one
}

// PrivateDaemon skips t unless PrivateEnv is 1, requires a Secret Service
// (RequireSecretService), and returns its daemon. Every test of the session
// shares that daemon: run a test that freezes or locks it in a session of
// its own (.ci/run does, with go test -run). It refuses (fails t) a
// daemon that is not gnome-keyring or that does not share this process's
// XDG_DATA_HOME (with_keyring gives both a fresh one). When t ends the
// daemon is resumed (SIGCONT) and its login collection unlocked, whatever
// the test did.
func PrivateDaemon(t testing.TB) *Daemon {
	t.Helper()
	if os.Getenv(PrivateEnv) != "1" {
		t.Skipf("this test stops or locks the Secret Service daemon: it runs only in .ci/run's private session "+
			"(bash .ci/run with-keyring go test ...), which sets %s=1", PrivateEnv)
	}
	RequireSecretService(t)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("connect to the private session bus: %v", err)
	}
	var pid uint32
	err = conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, secretsName).Store(&pid)
	if err != nil {
		conn.Close()
		t.Fatalf("find the process that owns %s: %v", secretsName, err)
	}
	d := &Daemon{Pid: int(pid), t: t, conn: conn}
	if err := d.check(); err != nil {
		conn.Close()
		t.Fatalf("%s=1, but the Secret Service does not look like the private session's: %v; nothing was touched", PrivateEnv, err)
	}
	t.Cleanup(func() {
		defer conn.Close()
		d.Restore()
	})
	return d
}

// Restore resumes the daemon and unlocks its login collection if it is
// locked. PrivateDaemon's clean-up calls it; a test whose own clean-up needs
// the keyring (keyringtest.Service, registered after PrivateDaemon) calls it
// from a clean-up registered after that one, which runs first.
func (d *Daemon) Restore() {
	d.t.Helper()
	if err := syscall.Kill(d.Pid, syscall.SIGCONT); err != nil {
		d.t.Errorf("resume the keyring daemon (pid %d): %v", d.Pid, err)
		return
	}
	if locked, err := d.locked(); err != nil || locked {
		d.Unlock()
	}
}

// check makes sure pid is the private session's gnome-keyring.
func (d *Daemon) check() error {
	if d.Pid <= 1 || d.Pid == os.Getpid() {
		return fmt.Errorf("pid %d", d.Pid)
	}
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(d.Pid) + "/comm")
	if err != nil {
		return err
	}
	if got := string(bytes.TrimSpace(comm)); got != "gnome-keyring-d" {
		return fmt.Errorf("pid %d is %q, not gnome-keyring-daemon", d.Pid, got)
	}
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(d.Pid) + "/environ")
	if err != nil {
		return err
	}
	want := "XDG_DATA_HOME=" + os.Getenv("XDG_DATA_HOME")
	if os.Getenv("XDG_DATA_HOME") == "" || !slices.Contains(strings.Split(string(environ), "\x00"), want) {
		return fmt.Errorf("pid %d does not run with this test's XDG_DATA_HOME (%q)", d.Pid, os.Getenv("XDG_DATA_HOME"))
	}
	return nil
}

// Freeze stops the daemon (SIGSTOP): calls to it wait, and are answered,
// in order, once Thaw resumes it.
func (d *Daemon) Freeze() {
	d.t.Helper()
	if err := syscall.Kill(d.Pid, syscall.SIGSTOP); err != nil {
		d.t.Fatalf("stop the keyring daemon: %v", err)
	}
}

// FreezeAt stops the daemon as soon as it is sent the nth call of method
// (an interface and a member, such as
// "org.freedesktop.Secret.Collection.CreateItem"), seen through a bus
// monitor: the call is then in the daemon's hands, and it lands, or not,
// when the daemon resumes. The monitor's copy and the daemon's arrive
// together, so the daemon may have handled the call, or started to, before
// it stops. stop ends the monitor and reports whether it froze the daemon.
func (d *Daemon) FreezeAt(method string, nth int) (stop func() bool) {
	d.t.Helper()
	dot := strings.LastIndex(method, ".")
	if dot < 0 || nth < 1 {
		d.t.Fatalf("FreezeAt(%q, %d)", method, nth)
	}
	iface, member := method[:dot], method[dot+1:]
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		d.t.Fatalf("connect a bus monitor: %v", err)
	}
	rule := fmt.Sprintf("type='method_call',interface='%s',member='%s'", iface, member)
	if err := conn.BusObject().Call("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, []string{rule}, uint32(0)).Err; err != nil {
		conn.Close()
		d.t.Fatalf("become a bus monitor: %v", err)
	}
	// Only now: every message, replies included, goes to ch. Until then a
	// monitored call, addressed to the daemon, is ignored by godbus.
	ch := make(chan *dbus.Message, 64)
	conn.Eavesdrop(ch)
	froze, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		n := 0
		for msg := range ch {
			gotIface, _ := msg.Headers[dbus.FieldInterface].Value().(string)
			gotMember, _ := msg.Headers[dbus.FieldMember].Value().(string)
			if msg.Type != dbus.TypeMethodCall || gotIface != iface || gotMember != member {
				continue
			}
			if n++; n == nth {
				if syscall.Kill(d.Pid, syscall.SIGSTOP) == nil {
					close(froze)
				}
				break
			}
		}
		for range ch { // until stop closes the connection
		}
	}()
	return func() bool {
		conn.Close()
		<-done
		select {
		case <-froze:
			return true
		default:
			return false
		}
	}
}

// Thaw resumes the daemon (SIGCONT).
func (d *Daemon) Thaw() {
	d.t.Helper()
	if err := syscall.Kill(d.Pid, syscall.SIGCONT); err != nil {
		d.t.Fatalf("resume the keyring daemon: %v", err)
	}
}

// Lock locks the login collection, the one go-keyring uses, through the
// Secret Service's own Lock (no prompt).
//
// go-keyring answers a locked collection by asking the daemon for an unlock
// prompt, which the bus starts gcr-prompter to show. Lock first blanks
// DISPLAY and WAYLAND_DISPLAY for what the private bus starts, so that the
// prompt fails at once instead of showing on a developer's screen.
func (d *Daemon) Lock() {
	d.t.Helper()
	err := d.conn.BusObject().Call("org.freedesktop.DBus.UpdateActivationEnvironment", 0,
		map[string]string{"DISPLAY": "", "WAYLAND_DISPLAY": ""}).Err
	if err != nil {
		d.t.Fatalf("clear the display of the private bus's services: %v", err)
	}
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err = d.conn.Object(secretsName, secretsPath).Call(serviceIface+".Lock", 0, []dbus.ObjectPath{loginPath}).Store(&locked, &prompt)
	if err != nil {
		d.t.Fatalf("lock the login collection: %v", err)
	}
	if !slices.Contains(locked, loginPath) || prompt != "/" {
		d.t.Fatalf("lock the login collection: locked %v, prompt %s; want it locked without a prompt", locked, prompt)
	}
}

// Unlock unlocks the login collection without a prompt, with the password
// in PasswordEnv, through gnome-keyring's internal interface (the one its
// own tools use): a "plain" session carries the password.
func (d *Daemon) Unlock() {
	d.t.Helper()
	pw := os.Getenv(PasswordEnv)
	if pw == "" {
		d.t.Fatalf("%s is not set: cannot unlock the private keyring", PasswordEnv)
	}
	svc := d.conn.Object(secretsName, secretsPath)
	var out dbus.Variant
	var session dbus.ObjectPath
	if err := svc.Call(serviceIface+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
		d.t.Fatalf("open a Secret Service session: %v", err)
	}
	defer d.conn.Object(secretsName, session).Call("org.freedesktop.Secret.Session.Close", 0)
	master := struct {
		Session     dbus.ObjectPath
		Parameters  []byte
		Value       []byte
		ContentType string
	}{session, []byte{}, []byte(pw), "text/plain"}
	if err := svc.Call(internalIface+".UnlockWithMasterPassword", 0, loginPath, master).Err; err != nil {
		d.t.Fatalf("unlock the login collection: %v", err)
	}
	if locked, err := d.locked(); err != nil || locked {
		d.t.Fatalf("the login collection is still locked after the unlock (%v)", err)
	}
}

func (d *Daemon) locked() (bool, error) {
	v, err := d.conn.Object(secretsName, loginPath).GetProperty(collectionProp)
	if err != nil {
		return false, err
	}
	b, ok := v.Value().(bool)
	if !ok {
		return false, errors.New("the collection's Locked property is not a boolean")
	}
	return b, nil
}
