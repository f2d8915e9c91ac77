package sessionbus

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		files []string
		ok    bool
	}{
		{"", nil, false},
		{"autolaunch:", nil, false},
		{"unix:path=/tmp/x;autolaunch:", nil, false},
		{"unix:path=/run/user/7/bus", nil, true},
		{"", []string{"/run/user/7/bus"}, true},
		{"", []string{"/run/user/7/dbus-session"}, true},
		{"", []string{"/run/user/8/bus"}, false},
		{"autolaunch:", []string{"/run/user/7/bus"}, true},
	} {
		getenv := func(k string) string {
			if k == "DBUS_SESSION_BUS_ADDRESS" {
				return tc.addr
			}
			return ""
		}
		has := func(p string) bool {
			for _, f := range tc.files {
				if f == p {
					return true
				}
			}
			return false
		}
		err := check(getenv, 7, has)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrNoBus)) {
			t.Errorf("check(%q, files %v) = %v, want ok %v", tc.addr, tc.files, err, tc.ok)
		}
	}
}
