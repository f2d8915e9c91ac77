package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/keyward/keyward/model"
)

const plainValue = "line one\nline two  \x00\x7f é"

// TestPlainRefusesATerminal: get --plain and export print values only to
// a pipe or file, or to a terminal with --reveal.
func TestPlainRefusesATerminal(t *testing.T) {
	for _, tc := range []struct {
		args []string
		tty  bool
		code int
	}{
		{[]string{"secrets", "get", "K", "--plain"}, true, exitUsage},
		{[]string{"secrets", "get", "K", "--plain", "--reveal"}, true, exitOK},
		{[]string{"secrets", "get", "K", "--plain"}, false, exitOK},
		{[]string{"secrets", "export"}, true, exitUsage},
		{[]string{"secrets", "export", "--reveal"}, true, exitOK},
		{[]string{"secrets", "export", "K"}, false, exitOK},
	} {
		a, m, out, errb := testApp(&fakeTerminal{stdoutTTY: tc.tty})
		if _, err := m.Create(context.Background(), model.Secret{Name: "K"}, plainValue); err != nil {
			t.Fatal(err)
		}
		code := a.run(tc.args)
		if code != tc.code {
			t.Errorf("%v (terminal %v): exit %d, want %d; stderr %q", tc.args, tc.tty, code, tc.code, errb)
		}
		if code != exitOK {
			if out.Len() != 0 || strings.Contains(errb.String(), "line one") {
				t.Errorf("%v (terminal %v) refused but printed the value: stdout %q stderr %q", tc.args, tc.tty, out, errb)
			}
			if !strings.Contains(errb.String(), "hint:") {
				t.Errorf("%v (terminal %v): no hint in %q", tc.args, tc.tty, errb)
			}
			continue
		}
		if tc.args[1] == "get" && out.String() != plainValue {
			t.Errorf("%v = %q, want the value byte for byte", tc.args, out)
		}
	}
}

func TestPlainAndJSON(t *testing.T) {
	a, m, out, errb := testApp(&fakeTerminal{})
	if _, err := m.Create(context.Background(), model.Secret{Name: "K"}, plainValue); err != nil {
		t.Fatal(err)
	}
	if code := a.run([]string{"secrets", "get", "K", "--plain", "--json"}); code != exitUsage || out.Len() != 0 {
		t.Errorf("--plain --json: exit %d, stdout %q, stderr %q; want 2 and nothing printed", code, out, errb)
	}
}
