package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestMigrateProgress: a count line that rewrites itself, on a terminal
// only, for many secrets only, and cleared at the end.
func TestMigrateProgress(t *testing.T) {
	for _, tc := range []struct {
		tty   bool
		total int
		want  int // count lines written
	}{
		{true, 1000, 100},
		{true, progressMin - 1, 0},
		{false, 1000, 0},
	} {
		var errb bytes.Buffer
		a := &app{stderr: &errb, term: &fakeTerminal{stderrTTY: tc.tty}}
		if p := a.migrateProgress(); p != nil {
			for i := 1; i <= tc.total; i++ {
				p(i, tc.total)
			}
		}
		got := strings.Count(errb.String(), "\rmigrating values ")
		if got != tc.want {
			t.Errorf("tty=%v total=%d: %d count lines, want %d: %q", tc.tty, tc.total, got, tc.want, errb.String())
		}
		if tc.want > 0 && !strings.HasSuffix(errb.String(), "migrating values 1000/1000\r\x1b[K") {
			t.Errorf("the line is not finished and cleared: %q", errb.String()[max(0, errb.Len()-60):])
		}
	}
}
