//go:build linux

package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testkit"
	"github.com/keyward/keyward/keyring/keyringtest"
	"github.com/keyward/keyward/model"
)

// The keyring faults of issue 10 against the real daemon: the built keyward
// against the gnome-keyring of .ci/run's private session, frozen with
// SIGSTOP before or in the middle of a command, with its collection locked,
// and with no Secret Service at all. faults_test.go pins the same rules on a
// fake keyring; these check that the real one behaves as the fake does.
// Freezing and locking run only in the private session
// (keyringtest.PrivateDaemon). All are skipped by -short (they build the
// binary).

// frozenDeadline is the keyring deadline (KEYWARD_KEYRING_TIMEOUT) of the
// commands that meet a frozen daemon: short, to keep the test short.
const frozenDeadline = time.Second

// oneDeadline bounds how long a command that meets a frozen daemon may
// take: one deadline and the program's start, well short of two deadlines
// (what a command paid before the whole command had one budget).
const oneDeadline = frozenDeadline * 9 / 5

// faulted is one command run against a faulty keyring.
type faulted struct {
	code int
	out  string
	took time.Duration
	// hit says the fault came while the command ran (a freeze or a lock
	// once its intent was noted); false when it had finished first.
	hit bool
}

// runFaulted runs args with stdin and the extra environment; when fault is
// set, it calls it once the journal holds the line want ("OP NAME
// VERSION" or a prefix of one) — the command has noted its intent and is
// about to write the keyring — unless the command ends first.
func (w *killWorld) runFaulted(t *testing.T, env []string, stdin, want string, fault func(*exec.Cmd), args ...string) faulted {
	t.Helper()
	cmd := exec.Command(w.bin, args...)
	cmd.Env = append(slices.Clone(w.env), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var err error
	ended := false
	hit := fault == nil
	if fault != nil {
		journal := journalFor(w.index).path
		for !ended && !hit {
			if data, rerr := os.ReadFile(journal); rerr == nil && strings.Contains("\n"+string(data), "\n"+want) {
				fault(cmd)
				hit = true
				break
			}
			select {
			case err = <-exited:
				ended = true
			default:
				time.Sleep(50 * time.Microsecond)
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("keyward %s: never noted %q", strings.Join(args, " "), want)
			}
		}
	}
	if !ended {
		select {
		case err = <-exited:
		case <-time.After(10 * frozenDeadline):
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("keyward %s did not end within %s:\n%s", strings.Join(args, " "), 10*frozenDeadline, out.String())
		}
	}
	f := faulted{out: out.String(), took: time.Since(start), hit: hit}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		f.code = ee.ExitCode()
	default:
		t.Fatalf("keyward %s: %v", strings.Join(args, " "), err)
	}
	return f
}

// journalLine is the start of the journal line of a change of name.
func journalLine(kind, name string) string {
	switch kind {
	case "rotate":
		return "rotate-" // rotate-kept or rotate-first
	case "delete":
		return opDelete + " " + name + " "
	}
	return kind + " " + name + " "
}

// firstLine is the "keyward: ..." line of a command's output.
func firstLine(out string) string {
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "keyward: ") {
			return strings.TrimSpace(line)
		}
	}
	return strings.TrimSpace(out)
}

// auditClean checks what doctor must leave: no journal, no orphan value.
func (w *killWorld) auditClean(t *testing.T, what string) {
	t.Helper()
	if _, err := os.Stat(journalFor(w.index).path); !errors.Is(err, os.ErrNotExist) {
		data, _ := os.ReadFile(journalFor(w.index).path)
		t.Fatalf("%s: the journal is still there (%v):\n%s", what, err, data)
	}
	orphans, err := w.st.Orphans(context.Background())
	if err != nil {
		t.Fatalf("%s: orphan audit: %v", what, err)
	}
	if len(orphans) > 0 {
		t.Fatalf("%s: values keyward cannot see: %+v", what, orphans)
	}
}

// TestFrozenDaemon stops the real keyring daemon (SIGSTOP) in three places
// of create, rotate and delete: before the command starts; once it has
// noted its intent, a moment before its first keyring write; and as soon as
// the daemon is sent the call that writes the value (or deletes it), which
// then lands when the daemon resumes, after keyward gave up on it. Each
// command must end within about one deadline, saying the keyring did not
// answer (not that the change failed) with the doctor hint; once the daemon
// is resumed and the calls it had queued have landed, `keyward doctor` must
// leave every value visible to keyward, every record matching its value at
// the state before or after the command, and no journal.
func TestFrozenDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built binary against a frozen keyring daemon")
	}
	d := keyringtest.PrivateDaemon(t)
	seed := uint64(time.Now().UnixNano())
	w := newKillWorld(t, "keyring", false, rand.New(rand.NewPCG(seed, 1)))
	t.Cleanup(d.Restore) // before the world's keyring clean-up
	short := []string{"KEYWARD_KEYRING_TIMEOUT=" + frozenDeadline.String()}
	for _, kind := range []string{"create", "rotate", "delete"} {
		for _, when := range []string{"before it started", "once its intent was noted", "on its write call"} {
			op := w.pickOp(kind)
			var name string
			for n := range op.before {
				name = n
			}
			what := fmt.Sprintf("%s, frozen %s", kind, when)
			var fault func(*exec.Cmd)
			var stop func() bool
			switch when {
			case "before it started":
				d.Freeze()
			case "once its intent was noted":
				fault = func(*exec.Cmd) { d.Freeze() }
			default:
				// The call that writes the value: a create's only one, a
				// rotation's last (after the copies of the old values).
				method, nth := "org.freedesktop.Secret.Collection.CreateItem", 1
				switch {
				case kind == "delete":
					method = "org.freedesktop.Secret.Item.Delete"
				case kind == "rotate" && op.before[name].HasPrev:
					nth = 3
				case kind == "rotate":
					nth = 2
				}
				stop = d.FreezeAt(method, nth)
			}
			f := w.runFaulted(t, short, op.stdin, journalLine(kind, name), fault, op.args...)
			if stop != nil {
				f.hit = stop()
			}
			d.Thaw()
			switch {
			case f.code == 0 && when == "before it started":
				t.Fatalf("%s: exit 0 with the daemon stopped:\n%s", what, f.out)
			case f.code == 0:
				// It finished before the freeze reached it: it must have
				// done all it said.
			case f.code != 1:
				t.Fatalf("%s: exit %d:\n%s", what, f.code, f.out)
			case !strings.Contains(f.out, ErrTimeout.Error()) || !strings.Contains(f.out, "hint: "+Advice(ErrTimeout)):
				t.Fatalf("%s: the output does not say the keyring did not answer, with the doctor hint:\n%s", what, f.out)
			case strings.Contains(strings.ToLower(f.out), "failed"):
				t.Fatalf("%s: says something failed, though its outcome is unknown:\n%s", what, f.out)
			case (kind == "create" || when != "before it started") && !strings.Contains(f.out, "outcome unknown"):
				// A rotation or a delete stopped before it starts meets
				// the frozen daemon at a read; a create at its write.
				t.Fatalf("%s: a write that timed out is not reported as an unknown outcome:\n%s", what, f.out)
			case f.took > oneDeadline:
				t.Fatalf("%s: took %s; one deadline is %s (a frozen daemon may cost one deadline, not one per call)", what, f.took, frozenDeadline)
			}
			// What the daemon did with the calls it had queued, before
			// doctor looks: for the log.
			landed := "-"
			if kind != "delete" {
				if v, ok := keyringtest.Lookup(t, w.st.vals.(*osValues).service, name); ok && v == op.after[name].Cur {
					landed = "the new value is in the keyring"
				} else {
					landed = "the new value is not in the keyring"
				}
			} else if _, ok := keyringtest.Lookup(t, w.st.vals.(*osValues).service, name); !ok {
				landed = "the value is gone from the keyring"
			} else {
				landed = "the value is still in the keyring"
			}
			code, dout := w.run("", "doctor")
			if code != 0 || !strings.Contains(dout, "no orphan values in the keyring") {
				t.Fatalf("%s: doctor after the daemon woke = exit %d:\n%s\n(the command said: %s)", what, code, dout, f.out)
			}
			w.auditClean(t, what)
			if f.code == 0 {
				list := mustList(t, w)
				for n, want := range op.after {
					if got := w.read(list, n); got != want {
						t.Fatalf("%s: exit 0, but %s is %+v, want %+v", what, n, got, want)
					}
				}
			}
			w.settleCheck(t, op, what)
			settled := "before"
			if w.read(mustList(t, w), name) == op.after[name] {
				settled = "after"
			}
			var fixed []string
			for line := range strings.Lines(dout) {
				if strings.HasPrefix(line, "fixed") {
					fixed = append(fixed, strings.TrimSpace(strings.TrimPrefix(line, "fixed")))
				}
			}
			t.Logf("%s: exit %d after %s (froze while it ran: %v): %s\n\tonce resumed, %s; doctor fixed %q; settled at the state %s it",
				what, f.code, f.took.Round(time.Millisecond), f.hit, firstLine(f.out), landed, fixed, settled)
		}
	}
}

func mustList(t *testing.T, w *killWorld) []model.Secret {
	t.Helper()
	list, err := w.st.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestLockedCollection locks the real keyring's collection: delete must keep
// the record, create must leave no value, get --reveal and doctor must say
// "locked" with keyring.Advice's hint. Then a delete whose collection is
// locked once the record is gone (keyward is stopped at that point, the
// collection locked, keyward resumed) must leave a pending delete that the
// next command, once the collection is unlocked again (without a prompt,
// through gnome-keyring's internal interface), finishes.
func TestLockedCollection(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built binary against a locked keyring")
	}
	d := keyringtest.PrivateDaemon(t)
	w := newKillWorld(t, "keyring", false, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2)))
	t.Cleanup(d.Restore)
	names := w.names(false)
	hint := "hint: " + Advice(ErrLocked)
	locked := func(what string, code int, out string) {
		t.Helper()
		if code != 1 || !strings.Contains(out, ErrLocked.Error()) || !strings.Contains(out, hint) {
			t.Fatalf("%s with the collection locked = exit %d; want 1, %q and %q:\n%s", what, code, ErrLocked, hint, out)
		}
	}

	d.Lock()
	start := time.Now()
	code, out := w.run("", "secrets", "delete", names[0], "--yes")
	t.Logf("delete, locked: exit %d after %s: %s", code, time.Since(start).Round(time.Millisecond), firstLine(out))
	locked("delete", code, out)
	if !strings.Contains(out, "nothing deleted") {
		t.Fatalf("delete with the collection locked does not say nothing was deleted:\n%s", out)
	}
	newName := w.newName()
	start = time.Now()
	code, out = w.run(w.newValue(), "secrets", "create", "--name", newName, "--value-stdin")
	t.Logf("create, locked: exit %d after %s: %s", code, time.Since(start).Round(time.Millisecond), firstLine(out))
	locked("create", code, out)
	code, out = w.run("", "secrets", "get", names[1], "--reveal")
	t.Logf("get --reveal, locked: exit %d: %s", code, firstLine(out))
	locked("get --reveal", code, out)
	code, out = w.run("", "doctor")
	locked("doctor", code, out)
	if list := mustList(t, w); len(list) != len(w.want) || find(list, names[0]) < 0 || find(list, newName) >= 0 {
		t.Fatalf("the index changed while the collection was locked: %d records", len(list))
	}
	d.Unlock()
	// Nothing pending: the refused create noted nothing that could land.
	w.check(t, killOp{}, "after unlocking")
	w.auditClean(t, "after unlocking")

	// The collection locks while a delete runs, once the record is gone.
	var op killOp
	var f faulted
	for try := 0; ; try++ {
		op = w.pickOp("delete")
		var name string
		for n := range op.before {
			name = n
		}
		f = w.runFaulted(t, nil, "", journalLine("delete", name), func(cmd *exec.Cmd) {
			_ = cmd.Process.Signal(syscall.SIGSTOP)
			d.Lock()
			_ = cmd.Process.Signal(syscall.SIGCONT)
		}, op.args...)
		if f.code != 0 || try == 2 {
			break
		}
		// The delete was done before the lock came: try another.
		d.Unlock()
		w.apply(op.after)
	}
	t.Logf("delete, locked mid-command: exit %d after %s: %s", f.code, f.took.Round(time.Millisecond), firstLine(f.out))
	if f.code != 1 || !strings.Contains(f.out, ErrLocked.Error()) || !strings.Contains(f.out, "its values are still in the keyring") || !strings.Contains(f.out, "keyward doctor") {
		t.Fatalf("a delete that met a locked collection once its record was gone = exit %d; want 1, locked, and doctor named:\n%s", f.code, f.out)
	}
	pending := w.pendingNames()
	var name string
	for n := range op.before {
		name = n
	}
	if !pending[name] || find(mustList(t, w), name) >= 0 {
		t.Fatalf("after a delete cut short by the lock: pending %v, want %s pending and its record gone", pending, name)
	}
	d.Unlock()
	// The next command finishes the pending delete.
	next := w.pickOp("create")
	if code, out := w.run(next.stdin, next.args...); code != 0 {
		t.Fatalf("the next command after unlocking = exit %d:\n%s", code, out)
	}
	w.apply(op.after)
	w.apply(next.after)
	for _, u := range []string{name, PreviousUser(name)} {
		if v, ok := keyringtest.Lookup(t, w.st.vals.(*osValues).service, u); ok {
			t.Fatalf("%s is still in the keyring after the next command (%d bytes)", u, len(v))
		}
	}
	w.check(t, next, "after the next command")
	w.auditClean(t, "after the next command")
	if code, out := w.run("", "doctor"); code != 0 {
		t.Fatalf("doctor at the end = exit %d:\n%s", code, out)
	}
}

// TestNoSecretServiceBinary runs the built keyward with a session bus
// address where nothing listens, and with none at all: every command must
// say "no keyring is available" with its hint at once, change nothing, and
// start no dbus-daemon. It needs no keyring, and touches none.
func TestNoSecretServiceBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built binary")
	}
	bin := testkit.Binary(t)
	dir := t.TempDir()
	index := filepath.Join(dir, "keyward", "index.toml")
	if err := os.MkdirAll(filepath.Dir(index), 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := encodeIndex([]model.Secret{{Name: "A", Version: 1, CreatedAt: time.Unix(1e9, 0).UTC(), UpdatedAt: time.Unix(1e9, 0).UTC()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(index, data, 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"KEYWARD_INDEX=" + index, "KEYWARD_BACKEND=keyring", "NO_COLOR=1",
	}
	buses := []struct{ name, env string }{
		{"a bus address where nothing listens", "DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(dir, "no-bus-here")},
		{"no bus address", ""},
	}
	uid := strconv.Itoa(os.Getuid())
	for _, f := range []string{"/run/user/" + uid + "/bus", "/run/user/" + uid + "/dbus-session"} {
		if _, err := os.Stat(f); err == nil {
			t.Logf("no bus address: skipped, this machine has a session bus at %s", f)
			buses = buses[:1]
		}
	}
	before := busDaemons(t, index)
	hint := "hint: " + Advice(ErrUnavailable)
	for _, bus := range buses {
		for _, args := range [][]string{
			{"secrets", "create", "--name", "B", "--value-stdin"},
			{"secrets", "rotate", "A", "--value-stdin"},
			{"secrets", "delete", "A", "--yes"},
			{"secrets", "get", "A", "--reveal"},
			{"doctor"},
		} {
			cmd := exec.Command(bin, args...)
			cmd.Env = base
			if bus.env != "" {
				cmd.Env = append(slices.Clone(base), bus.env)
			}
			cmd.Stdin = strings.NewReader("no-keyring-value-123")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			took := time.Since(start)
			what := fmt.Sprintf("%s with %s", strings.Join(args[:min(2, len(args))], " "), bus.name)
			t.Logf("%s: %s: %s", what, took.Round(time.Millisecond), firstLine(string(out)))
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), ErrUnavailable.Error()) || !strings.Contains(string(out), hint) {
				t.Errorf("%s = %v; want exit 1 saying %q with %q:\n%s", what, err, ErrUnavailable, hint, out)
			}
			if got, _ := os.ReadFile(index); !bytes.Equal(got, data) {
				t.Fatalf("%s changed the index:\n%s", what, got)
			}
			if _, err := os.Stat(journalFor(index).path); !errors.Is(err, os.ErrNotExist) {
				got, _ := os.ReadFile(journalFor(index).path)
				t.Errorf("%s left a journal, though nothing reached a keyring:\n%s", what, got)
				_ = os.Remove(journalFor(index).path)
			}
		}
	}
	if after := busDaemons(t, index); after != before {
		t.Errorf("dbus-daemon processes started by keyward: %d before, %d after", before, after)
	}
}

// busDaemons counts the dbus-daemon and dbus-launch processes whose
// environment names index: ones these commands would have autolaunched.
// (Other processes, such as other tests' private sessions, do not count.)
func busDaemons(t *testing.T, index string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		if c := strings.TrimSpace(string(comm)); c != "dbus-daemon" && c != "dbus-launch" {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(env, []byte("KEYWARD_INDEX="+index+"\x00")) {
			n++
		}
	}
	return n
}
