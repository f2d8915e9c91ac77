// Package sessionbus decides, without starting anything, whether a D-Bus
// session bus can be reached. godbus (under go-keyring) falls back to running
// dbus-launch when it finds no address, which waits for a bus that nothing
// will ever answer on and leaves a dbus-daemon behind every time. keyward and
// its tests call Check before any go-keyring call, so that fallback never
// runs.
package sessionbus

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrNoBus is Check's error: no session bus address is set and none can be
// found where godbus looks for one.
var ErrNoBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")

// Check returns nil when godbus will connect to an existing session bus
// without autolaunching one: DBUS_SESSION_BUS_ADDRESS is set (and is not
// "autolaunch:"), or one of the two files godbus itself discovers exists
// (/run/user/UID/bus or /run/user/UID/dbus-session). A set address whose
// bus is gone is not checked here: dialling it fails at once.
func Check() error {
	return check(os.Getenv, os.Getuid(), exists)
}

func check(getenv func(string) string, uid int, exists func(string) bool) error {
	addr := strings.TrimSpace(getenv("DBUS_SESSION_BUS_ADDRESS"))
	if addr != "" && addr != "autolaunch:" {
		if strings.Contains(addr, "autolaunch:") {
			// godbus dials each address in turn; an autolaunch: entry
			// would run dbus-launch.
			return fmt.Errorf("%w: DBUS_SESSION_BUS_ADDRESS asks for autolaunch, which keyward never does", ErrNoBus)
		}
		return nil
	}
	dir := fmt.Sprintf("/run/user/%d", uid)
	if exists(dir+"/bus") || exists(dir+"/dbus-session") {
		return nil
	}
	return ErrNoBus
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
