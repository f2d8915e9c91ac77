package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(M{M: m}.Run()) }

func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program: not under -short")
	}
	bin := Binary(t)
	if again := Binary(t); again != bin {
		t.Fatalf("Binary built twice: %s, then %s", bin, again)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "keyward ") {
		t.Fatalf("%s --version = %q, %v", bin, out, err)
	}
}

// fatalT records the first Fatal and ends its goroutine, as testing.T does.
type fatalT struct {
	testing.TB
	msg string
}

func (f *fatalT) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *fatalT) Fatalf(format string, args ...any) {
	f.Fatal(fmt.Sprintf(format, args...))
}

// fails runs do with a fatalT and returns what it failed with ("" if it
// did not).
func fails(t *testing.T, do func(ft *fatalT)) string {
	ft := &fatalT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		do(ft)
	}()
	<-done
	return ft.msg
}

func TestTmux(t *testing.T) {
	var sock, pid string
	t.Run("session", func(t *testing.T) {
		srv := NewTmux(t, append(os.Environ(), "TESTKIT_FROM_ENV=from-env"))
		sock = srv.sock
		p := srv.Start(t, "one", PaneOptions{Width: 60, Height: 10, Dir: t.TempDir(), Env: []string{"TESTKIT_PANE=pane-only"},
			Command: []string{`echo "$TESTKIT_FROM_ENV $TESTKIT_PANE $(basename "$PWD")"; cat`}})
		pid = strings.TrimSpace(srv.Cmd("display-message", "-p", "#{pid}"))
		scr := p.WaitFor("from-env pane-only 001")
		if !strings.Contains(scr, "from-env pane-only") {
			t.Fatalf("WaitFor returned a screen without what it waited for:\n%s", scr)
		}
		p.Text("Enter C-c")
		p.Send("Enter")
		p.WaitFor("Enter C-c\nEnter C-c") // typed, then cat's copy: -l sent no key names
		p.Paste("pasted-1\npasted-2\n")
		if scr, ok := p.Poll(func(scr string) bool { return strings.Count(scr, "pasted-2") == 2 }); !ok {
			t.Fatalf("the pasted lines were not echoed and copied:\n%s", scr)
		}

		// A screen that shows a secret fails at once; a screen that never
		// shows what is waited for fails with the last screen.
		p.Secrets = []string{"pasted-1"}
		if msg := fails(t, func(ft *fatalT) { p.t = ft; p.WaitFor("never") }); !strings.Contains(msg, `the screen shows a secret value while waiting for "never"`) {
			t.Errorf("WaitFor with a secret on the screen failed with %q", msg)
		}
		p.t, p.Secrets = t, nil
		if msg := fails(t, func(ft *fatalT) { p.t = ft; p.WaitFor("pasted-3", "from-env") }); !strings.Contains(msg, "shows a secret value") {
			t.Errorf("WaitFor with a secret argument on the screen failed with %q", msg)
		}
		p.t = t

		// More lines than the window: the first is only in the history.
		p.Text(strings.Repeat("line\n", 12))
		p.WaitFor("line\nline\nline")
		if scr := p.Screen(); strings.Contains(scr, "from-env") {
			t.Errorf("the screen still shows the first line:\n%s", scr)
		}
		if h := p.History(); !strings.Contains(h, "from-env pane-only") {
			t.Errorf("the history lost the first line:\n%s", h)
		}
		p.Scrollback = true
		p.WaitFor("from-env pane-only")
	})
	if sock == "" {
		return // skipped: no tmux
	}
	// The cleanup killed the server (gone, or a zombie not yet reaped) and
	// removed its socket.
	deadline := time.Now().Add(5 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the tmux server (pid %s) outlived the test: %s", pid, stat)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Dir(sock)); !os.IsNotExist(err) {
		t.Errorf("the socket's folder is still there (%v)", err)
	}
}
