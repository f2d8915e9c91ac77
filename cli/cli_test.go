package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// fakeTerminal answers the prompts that only appear on a terminal.
type fakeTerminal struct {
	stdinTTY, stdoutTTY, stderrTTY bool
	hidden                         []string // answers to ReadHidden, in order
	lines                          []string // answers to ReadLine, in order
}

func (f *fakeTerminal) StdinIsTerminal() bool  { return f.stdinTTY }
func (f *fakeTerminal) StdoutIsTerminal() bool { return f.stdoutTTY }
func (f *fakeTerminal) StderrIsTerminal() bool { return f.stderrTTY }

func (f *fakeTerminal) ReadHidden() (string, error) {
	if len(f.hidden) == 0 {
		return "", errors.New("no more input")
	}
	s := f.hidden[0]
	f.hidden = f.hidden[1:]
	return s, nil
}

func (f *fakeTerminal) ReadLine() (string, error) {
	if len(f.lines) == 0 {
		return "", errors.New("no more input")
	}
	s := f.lines[0]
	f.lines = f.lines[1:]
	return s, nil
}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testApp returns an app on an empty in-memory store with a fake terminal.
func testApp(ft *fakeTerminal) (*app, *keyring.MemStore, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	m := keyring.NewMemStore(func() time.Time { return testNow })
	a := &app{
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(string) string { return "" },
		now:    func() time.Time { return testNow },
		term:   ft,
		st:     m,
	}
	return a, m, &out, &errb
}

func TestCreatePromptsTwiceOnATerminal(t *testing.T) {
	const v = "correct horse battery staple"
	a, m, out, errb := testApp(&fakeTerminal{stdinTTY: true, hidden: []string{v, v}})
	if code := a.run([]string{"secrets", "create", "--name", "API_KEY"}); code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errb)
	}
	got, err := m.Value(context.Background(), "API_KEY")
	if err != nil || got != v {
		t.Fatalf("stored value = %q, %v; want the typed value", got, err)
	}
	if n := strings.Count(errb.String(), "API_KEY"); n != 2 {
		t.Errorf("want two prompts naming the secret on stderr, got %q", errb)
	}
	if strings.Contains(out.String()+errb.String(), v) {
		t.Errorf("the value was echoed: stdout %q stderr %q", out, errb)
	}
}

func TestCreatePromptMismatch(t *testing.T) {
	a, m, _, errb := testApp(&fakeTerminal{stdinTTY: true, hidden: []string{"first-value", "second-value"}})
	if code := a.run([]string{"secrets", "create", "--name", "API_KEY"}); code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitUsage, errb)
	}
	if !strings.Contains(errb.String(), "differ") {
		t.Errorf("stderr %q does not say the entries differ", errb)
	}
	if list, _ := m.List(context.Background()); len(list) != 0 {
		t.Errorf("a secret was created after a mismatch: %v", list)
	}
	if strings.Contains(errb.String(), "first-value") || strings.Contains(errb.String(), "second-value") {
		t.Errorf("stderr holds a value: %q", errb)
	}
}

func TestRotatePromptOnATerminal(t *testing.T) {
	a, m, _, errb := testApp(&fakeTerminal{stdinTTY: true, hidden: []string{"new-value", "new-value"}})
	m.Put(model.Secret{Name: "DB_PASSWORD", Version: 1, CreatedAt: testNow}, "old-value")
	if code := a.run([]string{"secrets", "rotate", "DB_PASSWORD"}); code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errb)
	}
	ctx := context.Background()
	if v, _ := m.Value(ctx, "DB_PASSWORD"); v != "new-value" {
		t.Errorf("value after rotate = %q, want new-value", v)
	}
	if s, _ := m.Get(ctx, "DB_PASSWORD"); s.Version != 2 || !s.RotatedAt.Equal(testNow) {
		t.Errorf("record after rotate = version %d rotated %v, want 2 and %v", s.Version, s.RotatedAt, testNow)
	}
}

func TestDeleteConfirmation(t *testing.T) {
	for _, tc := range []struct {
		answer  string
		code    int
		deleted bool
	}{
		{"y", exitOK, true},
		{"YES", exitOK, true},
		{"n", exitFailed, false},
		{"", exitFailed, false},
	} {
		t.Run(fmt.Sprintf("%q", tc.answer), func(t *testing.T) {
			a, m, _, errb := testApp(&fakeTerminal{stdinTTY: true, lines: []string{tc.answer}})
			m.Put(model.Secret{Name: "OLD_TOKEN", Version: 1}, "v")
			code := a.run([]string{"secrets", "delete", "OLD_TOKEN"})
			if code != tc.code {
				t.Fatalf("delete with answer %q: exit %d, want %d; stderr %q", tc.answer, code, tc.code, errb)
			}
			if !strings.Contains(errb.String(), "Delete secret OLD_TOKEN") {
				t.Errorf("the prompt does not name the secret: %q", errb)
			}
			_, err := m.Get(context.Background(), "OLD_TOKEN")
			if deleted := errors.Is(err, keyring.ErrNotFound); deleted != tc.deleted {
				t.Errorf("answer %q: deleted = %v, want %v", tc.answer, deleted, tc.deleted)
			}
		})
	}
}

func TestDeleteWithoutTerminalRefuses(t *testing.T) {
	a, m, _, errb := testApp(&fakeTerminal{})
	m.Put(model.Secret{Name: "OLD_TOKEN", Version: 1}, "v")
	if code := a.run([]string{"secrets", "delete", "OLD_TOKEN"}); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errb.String(), "hint: add --yes") {
		t.Errorf("no --yes hint in %q", errb)
	}
	if _, err := m.Get(context.Background(), "OLD_TOKEN"); err != nil {
		t.Errorf("the secret was deleted without confirmation: %v", err)
	}
}

// A panic must not reach the user with its value: it could be a secret.
func TestPanicIsRecoveredWithoutItsValue(t *testing.T) {
	a, _, _, errb := testApp(&fakeTerminal{stdinTTY: true})
	a.term = panicTerminal{&fakeTerminal{}}
	code := a.run([]string{"secrets", "create", "--name", "API_KEY"})
	if code != exitFailed {
		t.Fatalf("exit %d, want %d", code, exitFailed)
	}
	if strings.Contains(errb.String(), "s3cr3t") || strings.Contains(errb.String(), "goroutine") {
		t.Errorf("stderr leaks the panic: %q", errb)
	}
	if !strings.HasPrefix(errb.String(), "Value for API_KEY") || !strings.Contains(errb.String(), "keyward: internal error") {
		t.Errorf("stderr = %q, want the generic internal error", errb)
	}
}

type panicTerminal struct{ *fakeTerminal }

func (panicTerminal) StdinIsTerminal() bool       { return true }
func (panicTerminal) ReadHidden() (string, error) { panic("value s3cr3t") }

func TestDoctorProgressOnlyOnATerminal(t *testing.T) {
	for _, tty := range []bool{false, true} {
		a, m, out, errb := testApp(&fakeTerminal{stderrTTY: tty})
		for i := range progressMin {
			m.Put(model.Secret{Name: fmt.Sprintf("S%03d", i), Version: 1}, "v")
		}
		m.Put(model.Secret{Name: "LOST", Version: 1}, "v")
		m.SetHook(func(op, user string) error {
			if op == "get" && user == "LOST" {
				return fmt.Errorf("%w: LOST", keyring.ErrNoValue)
			}
			return nil
		})
		code := a.run([]string{"doctor"})
		if code != exitFailed {
			t.Fatalf("tty=%v: exit %d, want %d", tty, code, exitFailed)
		}
		if !strings.Contains(out.String(), "PROBLEM  LOST: value missing") {
			t.Errorf("tty=%v: stdout does not list LOST: %q", tty, out)
		}
		if got := strings.Contains(errb.String(), "checking values"); got != tty {
			t.Errorf("tty=%v: progress shown = %v", tty, got)
		}
	}
}

func TestTrimSingleLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc\n", "abc"},
		{"abc\r\n", "abc"},
		{"abc", "abc"},
		{"abc\n\n", "abc\n\n"},
		{"a\nb\n", "a\nb\n"},
		{"a\nb", "a\nb"},
		{"\n", ""},
		{" spaced \n", " spaced "},
	} {
		if got := trimSingleLine([]byte(tc.in)); got != tc.want {
			t.Errorf("trimSingleLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{usagef("bad"), exitUsage},
		{fmt.Errorf("wrapped: %w", &model.ValidationError{Field: "name", Msg: "x"}), exitUsage},
		{withHint(&model.QueryError{Msg: "x"}, "h"), exitUsage},
		{fmt.Errorf("get: %w", keyring.ErrNotFound), exitFailed},
		{keyring.ErrTimeout, exitFailed},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// Keyring failures are exit 1 with a hint the user can act on.
func TestKeyringErrorHints(t *testing.T) {
	for _, tc := range []struct {
		err  error
		hint string
	}{
		{keyring.ErrTimeout, "hint: the keyring did not answer (waiting for an unlock prompt on your desktop, or a stuck daemon); a change it was asked for may still land"},
		{keyring.ErrUnavailable, "hint: "},
		// Without --reveal a lost value shows the record (issue 11, item 3);
		// asked for, it fails with the hint every surface gives.
		{keyring.ErrNoValue, "hint: set a new value with 'keyward secrets rotate NAME'"},
	} {
		a, m, out, errb := testApp(&fakeTerminal{})
		m.Put(model.Secret{Name: "API_KEY", Version: 1}, "the-value")
		m.SetHook(func(op, user string) error {
			return tc.err
		})
		args := []string{"secrets", "get", "API_KEY"}
		if errors.Is(tc.err, keyring.ErrNoValue) {
			args = append(args, "--reveal")
		}
		if code := a.run(args); code != exitFailed {
			t.Errorf("%v: exit %d, want %d", tc.err, code, exitFailed)
		}
		lines := strings.Split(strings.TrimSuffix(errb.String(), "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "keyward: get API_KEY: ") || !strings.HasPrefix(lines[1], tc.hint) {
			t.Errorf("%v: stderr = %q, want an error line and %q", tc.err, errb, tc.hint)
		}
		if strings.Contains(out.String()+errb.String(), "the-value") {
			t.Errorf("%v: the value leaked", tc.err)
		}
	}
}
