package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/clipboard"
	"github.com/keyward/keyward/model"
)

const copyValue = "sk-live-copy-0123456789"

// fakeSystemClipboard is a system clipboard in memory that says when it
// was written to.
type fakeSystemClipboard struct {
	mu      sync.Mutex
	text    string
	written chan string
}

func newFakeSystemClipboard() *fakeSystemClipboard {
	return &fakeSystemClipboard{written: make(chan string, 8)}
}

func (c *fakeSystemClipboard) WriteText(_ context.Context, s string) error {
	c.mu.Lock()
	c.text = s
	c.mu.Unlock()
	c.written <- s
	return nil
}

func (c *fakeSystemClipboard) ReadText(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text, nil
}

func (c *fakeSystemClipboard) get() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text
}

func (c *fakeSystemClipboard) set(s string) {
	c.mu.Lock()
	c.text = s
	c.mu.Unlock()
}

// fakeOSC52 is a terminal's clipboard; answers says whether it answers
// an OSC 52 read.
type fakeOSC52 struct {
	mu         sync.Mutex
	answers    bool
	keepsEmpty bool // ignores an empty set, as tmux does
	text       string
	sets       []string
	written    chan string
}

func (t *fakeOSC52) Set(s string) error {
	t.mu.Lock()
	if s != "" || !t.keepsEmpty {
		t.text = s
	}
	t.sets = append(t.sets, s)
	t.mu.Unlock()
	t.written <- s
	return nil
}

func (t *fakeOSC52) Read(time.Duration) (string, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.text, t.answers, nil
}

func (t *fakeOSC52) Close() error { return nil }

// copyRun runs copyAndClear in the background with a timer and signals the
// test fires, and returns them with its result.
type copyRun struct {
	timer  chan time.Time
	sigs   chan os.Signal
	stderr *syncBuffer
	done   chan error
	asked  chan time.Duration
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startCopy(system clipboard.Clipboard, tty osc52Terminal) *copyRun {
	r := &copyRun{timer: make(chan time.Time), sigs: make(chan os.Signal, 4), stderr: &syncBuffer{},
		done: make(chan error, 1), asked: make(chan time.Duration, 1)}
	env := copyEnv{
		system: system,
		osc52: func() (osc52Terminal, error) {
			if tty == nil {
				return nil, errors.New("open /dev/tty: no such device")
			}
			return tty, nil
		},
		sigs:   r.sigs,
		after:  func(d time.Duration) <-chan time.Time { r.asked <- d; return r.timer },
		stderr: r.stderr,
	}
	go func() { r.done <- copyAndClear(context.Background(), env, "API_KEY", copyValue, 30*time.Second) }()
	return r
}

func (r *copyRun) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		if strings.Contains(r.stderr.String(), copyValue) {
			t.Errorf("stderr holds the value: %q", r.stderr)
		}
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("copy never ended; stderr %q", r.stderr)
		return nil
	}
}

// running fails if copyAndClear has ended.
func (r *copyRun) running(t *testing.T) {
	t.Helper()
	select {
	case err := <-r.done:
		t.Fatalf("copy ended early (%v); stderr %q", err, r.stderr)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestCopyClearsAfterTheTimeout(t *testing.T) {
	clip := newFakeSystemClipboard()
	r := startCopy(clip, nil)
	if got := <-clip.written; got != copyValue {
		t.Fatalf("copied %q, want the value", got)
	}
	if d := <-r.asked; d != 30*time.Second {
		t.Errorf("waits %s, want 30s", d)
	}
	r.running(t)
	if !strings.Contains(r.stderr.String(), "copied API_KEY to the clipboard; keyward stays to clear it in 30s (ctrl-c twice clears it now)") {
		t.Errorf("stderr %q does not say that keyward stays until the clear", r.stderr)
	}
	r.timer <- time.Now()
	if err := r.wait(t); err != nil {
		t.Fatal(err)
	}
	if got := clip.get(); got != "" {
		t.Errorf("after the timeout the clipboard holds %q, want it cleared", got)
	}
	if !strings.HasSuffix(r.stderr.String(), "clipboard cleared\n") {
		t.Errorf("stderr %q does not end with 'clipboard cleared'", r.stderr)
	}
}

func TestCopyLeavesSomethingElseAlone(t *testing.T) {
	clip := newFakeSystemClipboard()
	r := startCopy(clip, nil)
	<-clip.written
	<-r.asked
	clip.set("copied by the user since")
	r.timer <- time.Now()
	if err := r.wait(t); err != nil {
		t.Fatal(err)
	}
	if got := clip.get(); got != "copied by the user since" {
		t.Errorf("the clipboard holds %q, want the user's copy kept", got)
	}
	if !strings.Contains(r.stderr.String(), "clipboard left alone: it holds something else now") {
		t.Errorf("stderr %q", r.stderr)
	}
}

func TestCopySecondInterruptClearsAtOnce(t *testing.T) {
	clip := newFakeSystemClipboard()
	r := startCopy(clip, nil)
	<-clip.written
	<-r.asked
	r.sigs <- syscall.SIGINT
	r.running(t) // the first ctrl-c does not end it: the value is still there
	if got := clip.get(); got != copyValue {
		t.Fatalf("after one ctrl-c the clipboard holds %q", got)
	}
	if !strings.Contains(r.stderr.String(), "keyward stays to clear the clipboard in ") ||
		!strings.Contains(r.stderr.String(), "ctrl-c again clears it now") {
		t.Errorf("after one ctrl-c stderr %q does not say keyward stays", r.stderr)
	}
	r.sigs <- syscall.SIGINT // no timer fires
	if err := r.wait(t); err != nil {
		t.Fatal(err)
	}
	if got := clip.get(); got != "" {
		t.Errorf("after two ctrl-c the clipboard holds %q, want it cleared", got)
	}
}

func TestCopyTermClearsAtOnce(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		clip := newFakeSystemClipboard()
		r := startCopy(clip, nil)
		<-clip.written
		<-r.asked
		r.sigs <- sig
		if err := r.wait(t); err != nil {
			t.Fatal(err)
		}
		if got := clip.get(); got != "" {
			t.Errorf("after %v the clipboard holds %q, want it cleared", sig, got)
		}
	}
}

func TestCopyThroughOSC52(t *testing.T) {
	t.Run("the terminal answers", func(t *testing.T) {
		tty := &fakeOSC52{answers: true, written: make(chan string, 4)}
		r := startCopy(nil, tty)
		if got := <-tty.written; got != copyValue {
			t.Fatalf("set %q through OSC 52, want the value", got)
		}
		<-r.asked
		if !strings.Contains(r.stderr.String(), "copied API_KEY to the terminal's clipboard (OSC 52)") {
			t.Errorf("stderr %q", r.stderr)
		}
		r.timer <- time.Now()
		if err := r.wait(t); err != nil {
			t.Fatal(err)
		}
		if len(tty.sets) != 2 || tty.sets[1] != "" {
			t.Errorf("OSC 52 sets: %d, last %q; want the value, then empty", len(tty.sets), tty.sets[len(tty.sets)-1])
		}
	})
	t.Run("the terminal does not answer", func(t *testing.T) {
		tty := &fakeOSC52{answers: false, written: make(chan string, 4)}
		r := startCopy(nil, tty)
		<-tty.written
		<-r.asked
		r.timer <- time.Now()
		err := r.wait(t)
		if err == nil || !strings.Contains(err.Error(), "the clipboard was not cleared: this terminal does not let keyward read the clipboard back") {
			t.Fatalf("err = %v, want: not cleared, cannot read back", err)
		}
		if len(tty.sets) != 1 {
			t.Errorf("OSC 52 sets: %d; want only the copy (nothing cleared unchecked)", len(tty.sets))
		}
	})
	t.Run("the terminal ignores the empty set", func(t *testing.T) {
		tty := &fakeOSC52{answers: true, keepsEmpty: true, written: make(chan string, 4)}
		r := startCopy(nil, tty)
		<-tty.written
		<-r.asked
		r.timer <- time.Now()
		err := r.wait(t)
		if err == nil || !strings.Contains(err.Error(), "the clipboard was not cleared: the terminal ignored") {
			t.Fatalf("err = %v, want: not cleared, the terminal ignored it", err)
		}
		if strings.Contains(r.stderr.String(), "clipboard cleared") {
			t.Errorf("stderr %q claims a clear", r.stderr)
		}
	})
	t.Run("no terminal and no system clipboard", func(t *testing.T) {
		r := startCopy(nil, nil)
		err := r.wait(t)
		if err == nil || !strings.Contains(err.Error(), "no clipboard") {
			t.Fatalf("err = %v, want: no clipboard", err)
		}
		if h := (&app{}).hintFor(err); !strings.Contains(h, "xclip") {
			t.Errorf("hint %q does not say what to install", h)
		}
	})
}

func TestRoundUp(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{30 * time.Second, "30s"}, {29*time.Second + time.Millisecond, "30s"}, {90 * time.Second, "1m30s"},
		{10 * time.Millisecond, "1s"}, {-time.Second, "1s"},
	} {
		if got := roundUp(tc.in); got != tc.want {
			t.Errorf("roundUp(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCopyCommand runs the command itself up to the clipboard: the checks
// that come before a value is read.
func TestCopyCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"secrets", "copy", "NOPE"}, exitFailed, "secret not found: NOPE"},
		{[]string{"secrets", "copy", "K", "--timeout", "0s"}, exitUsage, "--timeout must be more than 0"},
		{[]string{"secrets", "copy"}, exitUsage, "needs exactly one secret NAME"},
	} {
		a, m, out, errb := testApp(&fakeTerminal{})
		if _, err := m.Create(context.Background(), model.Secret{Name: "K"}, copyValue); err != nil {
			t.Fatal(err)
		}
		if code := a.run(tc.args); code != tc.code || !strings.Contains(errb.String(), tc.msg) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want %d and %q", tc.args, code, errb, out, tc.code, tc.msg)
		}
	}
}
