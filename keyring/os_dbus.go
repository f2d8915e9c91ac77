//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keyring

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	dbus "github.com/godbus/dbus/v5"
	gokeyring "github.com/zalando/go-keyring"
	ss "github.com/zalando/go-keyring/secret_service"

	"github.com/keyward/keyward/keyring/internal/sessionbus"
)

// busCheck refuses a keyring call when there is no session bus, before
// godbus would autolaunch one.
var busCheck = sessionbus.Check

// dbusErrorName is the D-Bus error name err carries (godbus returns the
// error by value or by pointer), or "".
func dbusErrorName(err error) string {
	var de dbus.Error
	var dep *dbus.Error
	switch {
	case errors.As(err, &de):
		return de.Name
	case errors.As(err, &dep):
		return dep.Name
	}
	return ""
}

// locked reports whether err means the collection is locked and was not
// unlocked: the Secret Service said so, or go-keyring's unlock came back
// without it (a prompt dismissed, or none could be shown).
func locked(err error) bool {
	name := dbusErrorName(err)
	return name == "org.freedesktop.Secret.Error.IsLocked" ||
		strings.HasPrefix(err.Error(), "failed to unlock correct collection")
}

// unavailable reports whether err means there is no Secret Service to talk
// to (no session bus, or nothing on it owning org.freedesktop.secrets), as
// opposed to a service that answered with an error.
func unavailable(err error) bool {
	if errors.Is(err, gokeyring.ErrUnsupportedPlatform) || errors.Is(err, dbus.ErrClosed) {
		return true
	}
	name := dbusErrorName(err)
	if name != "" {
		switch name {
		case "org.freedesktop.DBus.Error.ServiceUnknown",
			"org.freedesktop.DBus.Error.NameHasNoOwner",
			"org.freedesktop.DBus.Error.NoServer",
			"org.freedesktop.DBus.Error.NoReply",
			"org.freedesktop.DBus.Error.Disconnected":
			return true
		}
		return strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn.")
	}
	// Connecting to the session bus fails with plain errors: no address
	// (and no dbus-launch to make one), a socket that is gone, or a bus that
	// refused us.
	var execErr *exec.Error
	var exitErr *exec.ExitError
	var opErr *net.OpError
	return errors.As(err, &execErr) || errors.As(err, &exitErr) || errors.As(err, &opErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, os.ErrNotExist) ||
		strings.HasPrefix(err.Error(), "dbus: ")
}

// mayHaveLanded reports whether err, a keyring that stopped answering,
// leaves open whether the call reached it: no reply, or the connection lost
// mid-call. Any other error of no Secret Service means it never did.
func mayHaveLanded(err error) bool {
	name := dbusErrorName(err)
	return errors.Is(err, dbus.ErrClosed) ||
		name == "org.freedesktop.DBus.Error.NoReply" || name == "org.freedesktop.DBus.Error.Disconnected"
}

// The Secret Service as one process uses it. go-keyring makes 7 D-Bus
// calls to read a value (it looks the collection up and opens and closes a
// session every time, and unlocks the item after its collection) and 5 to
// write one. Here one plain session is opened at the first value read or
// written (or by OSStore.Warm) and left for the bus to close when the
// process ends; the collection is not looked up but taken to be the login
// collection, which go-keyring picks whenever it exists, until a call on it
// fails (onCollection); a read is a search and a GetSecret, a write one
// CreateItem, and the collection is unlocked only when it refuses a call
// for its lock (unlocking). Values, attributes and labels are go-keyring's,
// so either reads what the other wrote.
var ssState struct {
	mu   sync.Mutex // guards conn, coll and guessed
	conn *dbus.Conn
	coll dbus.ObjectPath
	// guessed says coll is the login collection's path, not yet confirmed
	// by go-keyring's lookup.
	guessed bool

	// The session has its own lock, so that a search need not wait for
	// OpenSession (a warm-up's) to come back.
	sessMu   sync.Mutex
	sessConn *dbus.Conn
	session  dbus.ObjectPath
}

// loginCollection is the path go-keyring writes to when the Secret Service
// has a collection of that name (GetLoginCollection), as gnome-keyring has.
const loginCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")

// openSS returns go-keyring's client over the shared session bus, the
// collection go-keyring writes to (see ssState for how it is known), and
// with withSession the process's session. The caller has checked the
// session bus (busCheck), so nothing autolaunches one.
func openSS(withSession bool) (svc *ss.SecretService, coll dbus.BusObject, session dbus.ObjectPath, err error) {
	svc, err = ss.NewSecretService()
	if err != nil {
		return nil, nil, "", err
	}
	ssState.mu.Lock()
	if ssState.conn != svc.Conn || ssState.coll == "" {
		ssState.conn, ssState.coll, ssState.guessed = svc.Conn, loginCollection, true
	}
	path := ssState.coll
	ssState.mu.Unlock()
	if withSession {
		ssState.sessMu.Lock()
		defer ssState.sessMu.Unlock()
		if ssState.sessConn != svc.Conn || ssState.session == "" {
			s, err := svc.OpenSession()
			if err != nil {
				return nil, nil, "", err
			}
			ssState.sessConn, ssState.session = svc.Conn, s.Path()
		}
		session = ssState.session
	}
	return svc, svc.Object("org.freedesktop.secrets", path), session, nil
}

// recheckCollection looks the collection up as go-keyring does, after a
// call on coll, a guessed path, failed: it reports whether the collection
// is another one (then that call reached no collection, so it changed
// nothing and can be made again on the one now in ssState).
func recheckCollection(svc *ss.SecretService, coll dbus.ObjectPath) bool {
	ssState.mu.Lock()
	defer ssState.mu.Unlock()
	if ssState.conn != svc.Conn || ssState.coll != coll || !ssState.guessed {
		return false
	}
	found := svc.GetLoginCollection().Path()
	ssState.coll, ssState.guessed = found, false
	return found != coll
}

// onCollection runs fn with the collection, and once more when it fails on
// a guessed path that turns out not to be the collection (a Secret Service
// without a login collection: go-keyring then uses the default alias).
func onCollection(withSession bool, fn func(svc *ss.SecretService, coll dbus.BusObject, session dbus.ObjectPath) error) error {
	svc, coll, session, err := openSS(withSession)
	if err != nil {
		return err
	}
	err = fn(svc, coll, session)
	if err == nil || !recheckCollection(svc, coll.Path()) {
		return err
	}
	if svc, coll, session, err = openSS(withSession); err != nil {
		return err
	}
	return fn(svc, coll, session)
}

// withSession runs fn with the collection and the process's session, and
// once more with a new session when the daemon no longer knows it (it was
// restarted since: a long-lived terminal UI outlives it). A call refused
// for its session changed nothing, so running it again cannot write twice.
func withSession(fn func(svc *ss.SecretService, coll dbus.BusObject, session dbus.ObjectPath) error) error {
	var used dbus.ObjectPath
	err := onCollection(true, func(svc *ss.SecretService, coll dbus.BusObject, session dbus.ObjectPath) error {
		used = session
		return fn(svc, coll, session)
	})
	if !staleSession(err) {
		return err
	}
	ssState.sessMu.Lock()
	if ssState.session == used {
		ssState.session = ""
	}
	ssState.sessMu.Unlock()
	return onCollection(true, fn)
}

// staleSession reports whether err is the daemon's refusal of a session it
// does not know.
func staleSession(err error) bool {
	switch dbusErrorName(err) {
	case "org.freedesktop.Secret.Error.NoSession", "org.freedesktop.DBus.Error.UnknownObject":
		return true
	}
	return false
}

// attrs are the attributes go-keyring gives user's item of service.
func attrs(service, user string) map[string]string {
	return map[string]string{"username": user, "service": service}
}

// findItems unlocks the collection (unless noUnlock) and returns the items
// of service and user in it.
func findItems(service, user string, noUnlock bool) (svc *ss.SecretService, coll dbus.BusObject, items []dbus.ObjectPath, err error) {
	err = onCollection(false, func(s *ss.SecretService, c dbus.BusObject, _ dbus.ObjectPath) error {
		svc, coll = s, c
		if !noUnlock {
			if err := svc.Unlock(coll.Path()); err != nil {
				return err
			}
		}
		var err error
		items, err = svc.SearchItems(coll, attrs(service, user))
		return err
	})
	return svc, coll, items, err
}

// unlocking runs fn, a call on the collection or one of its items, and
// when the Secret Service refuses it because the collection is locked,
// unlocks the collection (go-keyring's unlock: a prompt where one can be
// shown) and runs fn once more. A refusal for the lock changed nothing, so
// the second run cannot write twice. go-keyring unlocks before every call;
// a collection is nearly always unlocked, so this saves a round trip.
func unlocking(svc *ss.SecretService, coll dbus.BusObject, fn func() error) error {
	err := fn()
	if dbusErrorName(err) != "org.freedesktop.Secret.Error.IsLocked" {
		return err
	}
	if err := svc.Unlock(coll.Path()); err != nil {
		return err
	}
	return fn()
}

// warmKeyring connects and opens the session a value read or write needs
// (see OSStore.Warm); openSS keeps them for that call, which waits for the
// session under ssState's lock if OpenSession has not come back yet.
func warmKeyring() { _, _, _, _ = openSS(true) }

// keyringPing unlocks the collection go-keyring writes to: what a read
// would ask of a locked one.
func keyringPing(string) error {
	return onCollection(false, func(svc *ss.SecretService, coll dbus.BusObject, _ dbus.ObjectPath) error {
		return svc.Unlock(coll.Path())
	})
}

// keyringGet is go-keyring's Get in 2 calls (see ssState): a search, which
// a locked collection answers too, and GetSecret, which it refuses
// (unlocking).
func keyringGet(service, user string) (string, error) {
	svc, coll, items, err := findItems(service, user, true)
	if err != nil {
		return "", err
	}
	if len(items) == 0 {
		return "", gokeyring.ErrNotFound
	}
	var value string
	err = withSession(func(_ *ss.SecretService, _ dbus.BusObject, session dbus.ObjectPath) error {
		return unlocking(svc, coll, func() error {
			secret, err := svc.GetSecret(items[0], session)
			if err == nil {
				value = string(secret.Value)
			}
			return err
		})
	})
	return value, err
}

// keyringSet is go-keyring's Set in 2 calls, with its label.
func keyringSet(service, user, value string) error {
	return setItem(service, user, value, fmt.Sprintf("Password for '%s' on '%s'", user, service))
}

// keyringDelete is go-keyring's Delete in 2 calls: a search, and the
// item's Delete (unlocking).
func keyringDelete(service, user string) error {
	svc, coll, items, err := findItems(service, user, true)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return gokeyring.ErrNotFound
	}
	return unlocking(svc, coll, func() error { return svc.Delete(items[0]) })
}

// setItem writes user's value with label: one CreateItem that replaces the
// item of the same attributes, as go-keyring's Set (unlocking).
func setItem(service, user, value, label string) error {
	return withSession(func(svc *ss.SecretService, coll dbus.BusObject, session dbus.ObjectPath) error {
		return unlocking(svc, coll, func() error {
			return svc.CreateItem(coll, label, attrs(service, user), ss.NewSecret(session, value))
		})
	})
}

// listUsers returns the keyring user of every item of service in the
// collection go-keyring writes to (the login collection): one search by the
// service attribute, then each item's attributes.
func listUsers(service string) ([]string, error) {
	var svc *ss.SecretService
	var items []dbus.ObjectPath
	err := onCollection(false, func(s *ss.SecretService, coll dbus.BusObject, _ dbus.ObjectPath) error {
		svc = s
		if err := svc.Unlock(coll.Path()); err != nil {
			return err
		}
		var err error
		items, err = svc.SearchItems(coll, map[string]string{"service": service})
		return err
	})
	if err != nil {
		return nil, err
	}
	users := make([]string, 0, len(items))
	for _, item := range items {
		v, err := svc.Object("org.freedesktop.secrets", item).GetProperty("org.freedesktop.Secret.Item.Attributes")
		if err != nil {
			return nil, err
		}
		a, ok := v.Value().(map[string]string)
		if !ok {
			return nil, fmt.Errorf("item %s: attributes of an unexpected type %T", item, v.Value())
		}
		if a["service"] == service { // the search matched it; checked all the same
			users = append(users, a["username"])
		}
	}
	return users, nil
}

// hasItem reports whether the collection go-keyring writes to holds an
// item of service and user: one search, for `secrets get`'s has_previous
// (issue 14). It does not unlock: get reads the value first, which does.
func hasItem(service, user string) (bool, error) {
	_, _, items, err := findItems(service, user, true)
	return len(items) > 0, err
}

// canTag says the Secret Service items keyward writes can carry a rotation's
// tag in their label (see tagger).
const canTag = true

// tagLabel is the label of an item a rotation wrote with tag: go-keyring's
// own label, then the tag, which itemTag reads back.
func tagLabel(service, user, tag string) string {
	return fmt.Sprintf("Password for '%s' on '%s' (keyward rotation %s)", user, service, tag)
}

// setTagged writes user's value as keyringSet does, with tag in its label.
func setTagged(service, user, value, tag string) error {
	return setItem(service, user, value, tagLabel(service, user, tag))
}

// itemTag returns the tag in the label of user's item ("" when its label
// has none), or go-keyring's ErrNotFound when there is no such item. It
// reads the label only, never the value.
func itemTag(service, user string) (string, error) {
	svc, _, items, err := findItems(service, user, false)
	if err != nil {
		return "", err
	}
	if len(items) == 0 {
		return "", gokeyring.ErrNotFound
	}
	v, err := svc.Object("org.freedesktop.secrets", items[0]).GetProperty("org.freedesktop.Secret.Item.Label")
	if err != nil {
		return "", err
	}
	label, ok := v.Value().(string)
	if !ok {
		return "", fmt.Errorf("item %s: a label of an unexpected type %T", items[0], v.Value())
	}
	prefix := tagLabel(service, user, "")
	prefix = prefix[:len(prefix)-1] // without the closing parenthesis
	tag, ok := strings.CutPrefix(label, prefix)
	if !ok || !strings.HasSuffix(tag, ")") {
		return "", nil
	}
	return strings.TrimSuffix(tag, ")"), nil
}
