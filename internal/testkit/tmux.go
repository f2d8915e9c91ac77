package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// HaveTmux reports whether tmux is installed. Without it, it fails the test
// when KEYWARD_REQUIRE_TMUX=1 (as in CI), so a test that needs tmux cannot
// silently stop running there.
func HaveTmux(t testing.TB) bool {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err == nil {
		return true
	}
	if os.Getenv("KEYWARD_REQUIRE_TMUX") == "1" {
		t.Fatal("KEYWARD_REQUIRE_TMUX=1, but tmux is not installed (apt-get install tmux)")
	}
	return false
}

// RequireTmux skips the test when tmux is not installed (and fails it when
// KEYWARD_REQUIRE_TMUX=1).
func RequireTmux(t testing.TB) {
	t.Helper()
	if !HaveTmux(t) {
		t.Skip("tmux is not installed; this test drives the built keyward in tmux")
	}
}

// Tmux is a private tmux server: its own socket (-S, in a temporary
// folder), no configuration file, and the environment it was made with.
// The test's cleanup kills it, and with it every program its panes run.
type Tmux struct {
	t    testing.TB
	path string
	sock string
	env  []string
}

// NewTmux makes a private server whose panes get env (nil: this process's
// environment); the first Start starts it. It skips the test without tmux,
// as RequireTmux does.
func NewTmux(t testing.TB, env []string) *Tmux {
	t.Helper()
	RequireTmux(t)
	path, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatal(err)
	}
	// The socket lives in a folder of its own (-S), removed with it.
	dir, err := os.MkdirTemp("", "keyward-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Tmux{t: t, path: path, sock: filepath.Join(dir, "socket"), env: env}
	t.Cleanup(func() {
		c := exec.Command(s.path, s.args("kill-server")...)
		c.Env = s.env
		_ = c.Run()
		_ = os.RemoveAll(dir)
	})
	return s
}

func (s *Tmux) args(args ...string) []string {
	return append([]string{"-S", s.sock, "-f", "/dev/null"}, args...)
}

// Cmd runs a tmux command against the server and returns its output.
func (s *Tmux) Cmd(args ...string) string { return s.cmd(s.t, args...) }

func (s *Tmux) cmd(t testing.TB, args ...string) string {
	t.Helper()
	c := exec.Command(s.path, s.args(args...)...)
	c.Env = s.env
	out, err := c.CombinedOutput()
	if err != nil {
		// tmux output never holds a value: the tests type them with
		// send-keys or paste them from a buffer, and tmux does not echo them.
		t.Fatalf("tmux %s: %v: %s", args[0], err, out)
	}
	return string(out)
}

// PaneOptions are how Start starts a session.
type PaneOptions struct {
	Width, Height int
	Dir           string   // the pane's working folder (-c); "" is tmux's default
	Env           []string // KEY=value set for the pane only (-e)
	// Command is the pane's program: one string runs in the shell, more
	// are an argument list.
	Command []string
}

// Start starts a detached session named name running o.Command; t is the
// test its Pane fails.
func (s *Tmux) Start(t testing.TB, name string, o PaneOptions) *Pane {
	t.Helper()
	args := []string{"new-session", "-d", "-s", name, "-x", strconv.Itoa(o.Width), "-y", strconv.Itoa(o.Height)}
	if o.Dir != "" {
		args = append(args, "-c", o.Dir)
	}
	for _, e := range o.Env {
		args = append(args, "-e", e)
	}
	s.cmd(t, append(args, o.Command...)...)
	return &Pane{t: t, srv: s, name: name}
}

// A Pane is one session's pane.
type Pane struct {
	t    testing.TB
	srv  *Tmux
	name string
	// Scrollback makes WaitFor look at the whole history, not only the
	// visible screen.
	Scrollback bool
	// Secrets are values WaitFor fails on, in every call.
	Secrets []string
}

// Cmd runs a tmux command (the caller names the target).
func (p *Pane) Cmd(args ...string) string { return p.srv.cmd(p.t, args...) }

// Send types keys by tmux's key names ("Enter", "C-s", "Space").
func (p *Pane) Send(keys ...string) {
	p.Cmd(append([]string{"send-keys", "-t", p.name}, keys...)...)
}

// Text types literal text (-l: tmux reads no key names in it).
func (p *Pane) Text(text string) { p.Cmd("send-keys", "-t", p.name, "-l", text) }

// Paste pastes text the way tmux pastes a buffer: bracketed (-p), with every
// newline sent as \r.
func (p *Pane) Paste(text string) {
	p.Cmd("set-buffer", "-b", "testkit-paste", "--", text)
	p.Cmd("paste-buffer", "-p", "-d", "-b", "testkit-paste", "-t", p.name)
}

// Resize sets the window's size.
func (p *Pane) Resize(width, height int) {
	p.Cmd("resize-window", "-t", p.name, "-x", strconv.Itoa(width), "-y", strconv.Itoa(height))
}

// Screen is the visible screen.
func (p *Pane) Screen() string { return p.Cmd("capture-pane", "-p", "-t", p.name) }

// History is the whole pane: the scrollback and the screen.
func (p *Pane) History() string { return p.Cmd("capture-pane", "-p", "-S", "-", "-t", p.name) }

// Timeout is how long Poll and WaitFor wait.
const Timeout = 15 * time.Second

// Poll captures the screen (the history with Scrollback) until done says
// so, for at most Timeout; it returns the last capture and whether done
// said so.
func (p *Pane) Poll(done func(screen string) bool) (string, bool) {
	p.t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		scr := p.Screen
		if p.Scrollback {
			scr = p.History
		}
		s := scr()
		if done(s) {
			return s, true
		}
		if time.Now().After(deadline) {
			return s, false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitFor polls until the screen shows want and returns that screen. It
// fails as soon as a screen shows one of secrets or p.Secrets, and with the
// last screen when want never shows.
func (p *Pane) WaitFor(want string, secrets ...string) string {
	p.t.Helper()
	scr, ok := p.Poll(func(scr string) bool {
		p.t.Helper()
		for _, v := range slices.Concat(secrets, p.Secrets) {
			if strings.Contains(scr, v) {
				p.t.Fatalf("the screen shows a secret value while waiting for %q", want)
			}
		}
		return strings.Contains(scr, want)
	})
	if !ok {
		p.t.Fatalf("the screen never showed %q; last screen:\n%s", want, scr)
	}
	return scr
}
