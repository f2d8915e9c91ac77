package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/demo"
	"github.com/keyward/keyward/internal/testkit"
	"github.com/keyward/keyward/model"
)

// TestRunPtyNeedsATerminal: --pty without a terminal on stdout is a usage
// error, and the command never starts.
func TestRunPtyNeedsATerminal(t *testing.T) {
	for _, ft := range []*fakeTerminal{
		{},                // a pipe: refused before the store is read
		{stdoutTTY: true}, // says it is a terminal, but is no file
	} {
		a, m, out, errb := testApp(ft)
		m.Put(model.Secret{Name: "API_TOKEN", Version: 1}, "value-0123456789")
		marker := filepath.Join(t.TempDir(), "ran")
		code := a.run([]string{"run", "--pty", "--only", "API_TOKEN", "--", "touch", marker})
		if code != exitUsage {
			t.Errorf("stdout terminal %v: exit %d, want %d; stderr %q", ft.stdoutTTY, code, exitUsage, errb)
		}
		if !strings.Contains(errb.String(), "--pty needs a terminal on stdout") {
			t.Errorf("stdout terminal %v: stderr %q does not say --pty needs a terminal", ft.stdoutTTY, errb)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("stdout terminal %v: the command ran", ft.stdoutTTY)
		}
		if out.Len() != 0 {
			t.Errorf("stdout terminal %v: stdout %q, want nothing", ft.stdoutTTY, out)
		}
	}
}

// TestRunPtyInTmux builds keyward and runs 'keyward --demo run --pty' in a
// private tmux server.
func TestRunPtyInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: not under -short")
	}
	testkit.RequireTmux(t)
	value, err := demo.NewStore(time.Now).Value(context.Background(), "OPENAI_API_KEY")
	if err != nil {
		t.Fatal(err)
	}

	bin := testkit.Binary(t)
	srv := testkit.NewTmux(t, append(os.Environ(), "TERM=xterm-256color", "NO_COLOR=1"))
	// Each pane fails if a capture of its whole history shows the value.
	start := func(t *testing.T, child string) *testkit.Pane {
		// The pane's shell records its terminal settings, runs keyward, and
		// says how keyward ended and whether the settings are back.
		script := `before=$(stty -g); ` + shellQuote(bin) + ` --demo run --pty --only OPENAI_API_KEY -- sh -c ` + shellQuote(child) +
			`; echo keyward-exit=$?; if [ "$(stty -g)" = "$before" ]; then echo tty-restored; else echo tty-changed; fi; exec sleep 60`
		p := srv.Start(t, strings.ReplaceAll(t.Name(), "/", "-"), testkit.PaneOptions{Width: 80, Height: 24, Command: []string{"sh", "-c", script}})
		p.Scrollback = true
		p.Secrets = []string{value}
		return p
	}

	// The command's output to the terminal is masked, the keys typed reach
	// it (with their echo), a window resize reaches it, its exit status is
	// keyward's, and keyward's terminal is left as it was.
	t.Run("interactive", func(t *testing.T) {
		p := start(t, `printf "%s\n" "$OPENAI_API_KEY"; read x; echo got:$x; read y; echo size:$(stty size); exit 3`)
		// The command has printed the value and waits for a line: the
		// masker releases a finished match at once, so the name shows
		// before any key is typed.
		p.WaitFor("<keyward:OPENAI_API_KEY>")
		p.Text("hello pty")
		// The echo comes from the command's terminal, through the masker,
		// before the line is complete.
		scr := p.WaitFor("hello pty")
		if !strings.Contains(scr, "<keyward:OPENAI_API_KEY>\nhello pty") {
			t.Errorf("the screen does not show the name, then the echo:\n%s", scr)
		}
		p.Send("Enter")
		p.WaitFor("got:hello pty")

		p.Resize(100, 30)
		time.Sleep(200 * time.Millisecond) // let SIGWINCH reach keyward
		p.Send("Enter")
		p.WaitFor("size:30 100")

		scr = p.WaitFor("tty-")
		for _, want := range []string{"keyward-exit=3", "tty-restored"} {
			if !strings.Contains(scr, want) {
				t.Errorf("the screen does not show %q:\n%s", want, scr)
			}
		}
		// Once as typed (the command's echo), once in got:. keyward's own
		// terminal, in raw mode, echoes nothing itself.
		if n := strings.Count(scr, "hello pty"); n != 2 {
			t.Errorf("the screen shows %q %d times, want 2:\n%s", "hello pty", n, scr)
		}
		if n := strings.Count(scr, "<keyward:OPENAI_API_KEY>"); n != 1 {
			t.Errorf("the screen shows <keyward:OPENAI_API_KEY> %d times, want 1:\n%s", n, scr)
		}
	})

	// A full-screen command (the alternate screen, the cursor moved) works,
	// and what it draws is masked too.
	t.Run("full-screen", func(t *testing.T) {
		p := start(t, `printf '\033[?1049h\033[2J\033[5;10Hkey=%s (full-screen)' "$OPENAI_API_KEY"; read x; printf '\033[?1049l'; echo left-full-screen`)
		// capture-pane shows the alternate screen while it is in use.
		scr := p.WaitFor("(full-screen)")
		lines := strings.Split(scr, "\n")
		if len(lines) < 5 || lines[4] != "         key=<keyward:OPENAI_API_KEY> (full-screen)" {
			t.Errorf("row 5 of the alternate screen is not the masked line:\n%s", scr)
		}
		p.Send("Enter")
		scr = p.WaitFor("tty-")
		for _, want := range []string{"left-full-screen", "keyward-exit=0", "tty-restored"} {
			if !strings.Contains(scr, want) {
				t.Errorf("the screen does not show %q:\n%s", want, scr)
			}
		}
		if strings.Contains(scr, "(full-screen)") {
			t.Errorf("the alternate screen's text stayed on the main screen:\n%s", scr)
		}
	})

	// TERM sent to keyward reaches the command, keyward exits 128+15, its
	// terminal is restored, and nothing is left running.
	t.Run("TERM", func(t *testing.T) {
		marker := "29.71" // a sleep no one else runs
		p := start(t, `echo ready; kill -TERM $PPID; exec sleep `+marker)
		scr := p.WaitFor("tty-")
		for _, want := range []string{"ready", "keyward-exit=143", "tty-restored"} {
			if !strings.Contains(scr, want) {
				t.Errorf("the screen does not show %q:\n%s", want, scr)
			}
		}
		if out, err := exec.Command("pgrep", "-f", "sleep "+marker).Output(); err == nil {
			t.Errorf("the command outlived keyward: pids %s", out)
		}
	})
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
