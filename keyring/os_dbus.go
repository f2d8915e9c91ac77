//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keyring

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
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

// listUsers returns the keyring user of every item of service in the
// collection go-keyring writes to (the login collection): one search by the
// service attribute, then each item's attributes. The caller has checked
// the session bus (busCheck), so nothing autolaunches one.
func listUsers(service string) ([]string, error) {
	svc, err := ss.NewSecretService()
	if err != nil {
		return nil, err
	}
	collection := svc.GetLoginCollection()
	if err := svc.Unlock(collection.Path()); err != nil {
		return nil, err
	}
	items, err := svc.SearchItems(collection, map[string]string{"service": service})
	if err != nil {
		return nil, err
	}
	users := make([]string, 0, len(items))
	for _, item := range items {
		v, err := svc.Object("org.freedesktop.secrets", item).GetProperty("org.freedesktop.Secret.Item.Attributes")
		if err != nil {
			return nil, err
		}
		attrs, ok := v.Value().(map[string]string)
		if !ok {
			return nil, fmt.Errorf("item %s: attributes of an unexpected type %T", item, v.Value())
		}
		if attrs["service"] == service { // the search matched it; checked all the same
			users = append(users, attrs["username"])
		}
	}
	return users, nil
}

// hasItem reports whether the collection go-keyring writes to holds an
// item of service and user: two calls (the collection's path, one search)
// where go-keyring's Get makes seven, for `secrets get`'s has_previous
// (issue 14). It does not unlock: get reads the value first, which does.
func hasItem(service, user string) (bool, error) {
	svc, err := ss.NewSecretService()
	if err != nil {
		return false, err
	}
	items, err := svc.SearchItems(svc.GetLoginCollection(), map[string]string{"username": user, "service": service})
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

// setTagged writes user's value as go-keyring's Set does (one CreateItem
// that replaces the item with the same attributes), with tag in its label.
func setTagged(service, user, value, tag string) error {
	svc, err := ss.NewSecretService()
	if err != nil {
		return err
	}
	session, err := svc.OpenSession()
	if err != nil {
		return err
	}
	defer svc.Close(session)
	collection := svc.GetLoginCollection()
	if err := svc.Unlock(collection.Path()); err != nil {
		return err
	}
	return svc.CreateItem(collection, tagLabel(service, user, tag),
		map[string]string{"username": user, "service": service}, ss.NewSecret(session.Path(), value))
}

// itemTag returns the tag in the label of user's item ("" when its label
// has none), or go-keyring's ErrNotFound when there is no such item. It
// reads the label only, never the value.
func itemTag(service, user string) (string, error) {
	svc, err := ss.NewSecretService()
	if err != nil {
		return "", err
	}
	collection := svc.GetLoginCollection()
	if err := svc.Unlock(collection.Path()); err != nil {
		return "", err
	}
	items, err := svc.SearchItems(collection, map[string]string{"username": user, "service": service})
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
