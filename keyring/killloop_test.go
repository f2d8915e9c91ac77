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

// The kill loop (issue 11's crash suite): the built keyward binary is
// SIGKILLed at random points of create, rotate, rollback, rename, delete and
// import, against the real Secret Service and the file backend, on a small
// store and on a 10,000-secret index. After every kill:
//
//   - the index parses and every secret the kill did not touch is exactly
//     as it was;
//   - every indexed secret the kill touched still has a value, and a
//     rotation's previous == current is only left while the journal holds
//     the rotation (doctor finishes it);
//   - `doctor --repair --yes` then settles the store to the state before
//     the command or the state after it, version, value and previous value
//     included (never a value without its record, never a changed value
//     without its version), and a plain `doctor` then reports nothing.
//
// KEYWARD_KILL_SEED replays a run (the seed is printed on failure);
// KEYWARD_KILLS scales the number of kills (default 1.0). -short skips it.

// killPlan is how many kills each world gets.
var killPlan = []struct {
	backend string
	big     bool
	kills   int
}{
	{"keyring", false, 90},
	{"file", false, 90},
	{"keyring", true, 12},
	{"file", true, 12},
}

// bigIndexN is the size of the big index: records pulled from Julep (no
// value in the keyring, so doctor does not count them missing) around the
// few real secrets the loop works on. The index write is what grows with it.
const bigIndexN = 10_000

// slot is one secret as the loop knows it.
type slot struct {
	Exists    bool
	Version   int
	Cur, Prev string
	HasPrev   bool
}

// killWorld is a store the binary and the test share.
type killWorld struct {
	t       *testing.T
	bin     string
	env     []string
	index   string
	backend string
	st      *store // the test's own view, to read values
	rng     *rand.Rand
	n       int // names made so far
	want    map[string]slot
	extra   int // records of the big index
}

func newKillWorld(t *testing.T, backend string, big bool, rng *rand.Rand) *killWorld {
	bin := testkit.Binary(t)
	dir := t.TempDir()
	index := filepath.Join(dir, "keyward", "index.toml")
	if err := os.MkdirAll(filepath.Dir(index), 0o700); err != nil {
		t.Fatal(err)
	}
	w := &killWorld{t: t, bin: bin, index: index, backend: backend, rng: rng, want: map[string]slot{}}
	w.env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"KEYWARD_INDEX=" + index, "KEYWARD_BACKEND=" + backend, "NO_COLOR=1",
	}
	switch backend {
	case "keyring":
		service := keyringtest.Service(t)
		for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
			w.env = append(w.env, k+"="+os.Getenv(k))
		}
		w.env = append(w.env, "KEYWARD_SERVICE="+service)
		s, err := NewOSStore(OSOptions{IndexPath: index, Service: service})
		if err != nil {
			t.Fatal(err)
		}
		w.st = &s.store
	case "file":
		if err := InitFile(index, testPassphrase, 0); err != nil {
			t.Fatal(err)
		}
		w.env = append(w.env, "KEYWARD_PASSPHRASE="+testPassphrase)
		s, err := NewFileStore(FileOptions{IndexPath: index, Passphrase: func() (string, error) { return testPassphrase, nil }})
		if err != nil {
			t.Fatal(err)
		}
		w.st = &s.store
	}
	if big {
		list := genSecrets(bigIndexN)
		for i := range list {
			list[i].NoValue, list[i].Version, list[i].RotatedAt = true, 0, time.Time{}
		}
		data, err := encodeIndex(list)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(index, data, 0o600); err != nil {
			t.Fatal(err)
		}
		w.extra = bigIndexN
	}
	// Four secrets with a previous value each, written through the store.
	ctx := context.Background()
	for range 4 {
		name, v1, v2 := w.newName(), w.newValue(), w.newValue()
		if _, err := w.st.Create(ctx, model.Secret{Name: name}, v1); err != nil {
			t.Fatal(err)
		}
		if _, err := w.st.Rotate(ctx, name, v2); err != nil {
			t.Fatal(err)
		}
		w.want[name] = slot{Exists: true, Version: 2, Cur: v2, Prev: v1, HasPrev: true}
	}
	return w
}

func (w *killWorld) newName() string {
	w.n++
	return fmt.Sprintf("KILL_%04d", w.n)
}

func (w *killWorld) newValue() string {
	return fmt.Sprintf("kill-value-%016x", w.rng.Uint64())
}

// names returns the existing names, sorted, for a reproducible pick.
func (w *killWorld) names(withPrev bool) []string {
	var out []string
	for n, s := range w.want {
		if s.Exists && (!withPrev || s.HasPrev) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// killOp is one command the loop runs, with the states each name it
// touches may settle at: before it ran, or after it finished.
type killOp struct {
	kind   string
	args   []string
	stdin  string
	before map[string]slot
	after  map[string]slot
	// joint says the names settle together (a rename): all before or all
	// after. Otherwise each settles on its own (an import).
	joint bool
}

func (w *killWorld) pickOp(kind string) killOp {
	pick := func(withPrev bool) string {
		ns := w.names(withPrev)
		return ns[w.rng.IntN(len(ns))]
	}
	switch kind {
	case "create":
		name, v := w.newName(), w.newValue()
		return killOp{kind: kind, args: []string{"secrets", "create", "--name", name, "--value-stdin"}, stdin: v,
			before: map[string]slot{name: {}}, after: map[string]slot{name: {Exists: true, Version: 1, Cur: v}}}
	case "rotate":
		name, v := pick(false), w.newValue()
		b := w.want[name]
		return killOp{kind: kind, args: []string{"secrets", "rotate", name, "--value-stdin"}, stdin: v,
			before: map[string]slot{name: b}, after: map[string]slot{name: {Exists: true, Version: b.Version + 1, Cur: v, Prev: b.Cur, HasPrev: true}}}
	case "rollback":
		name := pick(true)
		b := w.want[name]
		return killOp{kind: kind, args: []string{"secrets", "rollback", name},
			before: map[string]slot{name: b}, after: map[string]slot{name: {Exists: true, Version: b.Version + 1, Cur: b.Prev, Prev: b.Cur, HasPrev: true}}}
	case "rename":
		name, to := pick(false), w.newName()
		b := w.want[name]
		return killOp{kind: kind, args: []string{"secrets", "update", name, "--rename", to}, joint: true,
			before: map[string]slot{name: b, to: {}}, after: map[string]slot{name: {}, to: b}}
	case "delete":
		name := pick(false)
		return killOp{kind: kind, args: []string{"secrets", "delete", name, "--yes"},
			before: map[string]slot{name: w.want[name]}, after: map[string]slot{name: {}}}
	case "import":
		old, name := pick(false), w.newName()
		vOld, vNew := w.newValue(), w.newValue()
		b := w.want[old]
		file := filepath.Join(w.t.TempDir(), "import.env")
		if err := os.WriteFile(file, []byte(old+"="+vOld+"\n"+name+"="+vNew+"\n"), 0o600); err != nil {
			w.t.Fatal(err)
		}
		return killOp{kind: kind, args: []string{"secrets", "import", file, "--overwrite"},
			before: map[string]slot{old: b, name: {}},
			after:  map[string]slot{old: {Exists: true, Version: b.Version + 1, Cur: vOld, Prev: b.Cur, HasPrev: true}, name: {Exists: true, Version: 1, Cur: vNew}}}
	}
	panic("unknown op " + kind)
}

var killKinds = []string{"create", "rotate", "rollback", "rename", "delete", "import"}

// start runs keyward with args; the caller waits.
func (w *killWorld) start(stdin string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(w.bin, args...)
	cmd.Env = w.env
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	return cmd, &out
}

// run runs keyward to the end and returns its exit code and output.
func (w *killWorld) run(stdin string, args ...string) (int, string) {
	cmd, out := w.start(stdin, args...)
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String()
	}
	w.t.Fatalf("keyward %s: %v", strings.Join(args, " "), err)
	return 0, ""
}

// read returns what the store holds for name, from the index and the
// keyring directly.
func (w *killWorld) read(list []model.Secret, name string) slot {
	ctx := context.Background()
	i := find(list, name)
	if i < 0 {
		return slot{}
	}
	s := slot{Exists: true, Version: list[i].Version}
	var err error
	curUser, prevUser := valueUsers(&list[i])
	if s.Cur, err = w.st.vals.Get(ctx, curUser); err != nil && !errors.Is(err, ErrNoValue) {
		w.t.Fatalf("read %s: %v", name, err)
	}
	s.Prev, err = w.st.vals.Get(ctx, prevUser)
	s.HasPrev = err == nil
	if err != nil && !errors.Is(err, ErrNoValue) {
		w.t.Fatalf("read the previous value of %s: %v", name, err)
	}
	return s
}

// pendingNames are the names the journal holds.
func (w *killWorld) pendingNames() map[string]bool {
	ops, err := journalFor(w.index).Pending()
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, op := range ops {
		out[op.Name] = true
	}
	return out
}

// killStats counts, per op, the kills (the process died of the signal)
// and the runs that finished before it.
type killStats struct {
	killed, finished map[string]int
}

func (w *killWorld) loop(t *testing.T, kills int, stats killStats) {
	ctx := context.Background()
	// How long each op takes unkilled, to spread the kills over it.
	took := map[string]time.Duration{}
	for _, k := range killKinds {
		op := w.pickOp(k)
		start := time.Now()
		if code, out := w.run(op.stdin, op.args...); code != 0 {
			t.Fatalf("keyward %s (unkilled) = exit %d:\n%s", strings.Join(op.args, " "), code, out)
		}
		took[k] = time.Since(start)
		w.apply(op.after)
		w.check(t, op, "after an unkilled run")
	}
	t.Logf("unkilled durations: %v", took)
	for n := 0; n < kills; {
		kind := killKinds[w.rng.IntN(len(killKinds))]
		switch {
		case len(w.names(false)) < 3 && kind != "import":
			kind = "create" // deletes and renames must keep something to work on
		case kind == "rollback" && len(w.names(true)) == 0:
			kind = "rotate"
		}
		op := w.pickOp(kind)
		delay := time.Duration(w.rng.Int64N(int64(took[kind])*13/10 + 1))
		cmd, out := w.start(op.stdin, op.args...)
		time.Sleep(delay)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		what := fmt.Sprintf("%s %q killed after %s", kind, op.args, delay)
		if ws.Signaled() {
			n++
			stats.killed[w.backend+" "+kind]++
		} else {
			stats.finished[w.backend+" "+kind]++
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				t.Fatalf("%s: finished with exit %d before the kill:\n%s", what, code, out)
			}
		}
		// Before doctor: the index parses, nothing else moved, every
		// indexed name has a value, and previous == current only while
		// the journal holds the name.
		list, err := w.st.List(ctx)
		if err != nil {
			t.Fatalf("%s: the index does not parse: %v", what, err)
		}
		pending := w.pendingNames()
		for name := range op.before {
			got := w.read(list, name)
			if got.Exists && got.Cur == "" && !pending[name] {
				t.Fatalf("%s: %s is indexed with no value, and nothing is pending", what, name)
			}
			if got.Exists && got.HasPrev && got.Cur == got.Prev && !pending[name] {
				t.Fatalf("%s: %s has previous == current, and nothing is pending to settle it", what, name)
			}
		}
		code, rout := w.run("", "doctor", "--repair", "--yes")
		if code != 0 {
			t.Fatalf("%s: doctor --repair --yes = exit %d:\n%s", what, code, rout)
		}
		// The journal settles a kill; an orphan value (which --repair
		// would adopt or could not) means a write it did not cover.
		if strings.Contains(rout, "orphan") && !strings.Contains(rout, "no orphan values") || strings.Contains(rout, "adopt") {
			t.Fatalf("%s: the kill left an orphan value the journal did not cover:\n%s", what, rout)
		}
		if code, out := w.run("", "doctor"); code != 0 || strings.Contains(out, "PROBLEM") || strings.Contains(out, "fixed") {
			t.Fatalf("%s: doctor after --repair = exit %d:\n%s", what, code, out)
		}
		w.settleCheck(t, op, what)
	}
}

// apply records states as the model's.
func (w *killWorld) apply(states map[string]slot) {
	for n, s := range states {
		if s.Exists {
			w.want[n] = s
		} else {
			delete(w.want, n)
		}
	}
}

// check compares the whole store with the model.
func (w *killWorld) check(t *testing.T, op killOp, what string) {
	t.Helper()
	list, err := w.st.List(context.Background())
	if err != nil {
		t.Fatalf("%s: the index does not parse: %v", what, err)
	}
	if len(list) != len(w.want)+w.extra {
		t.Fatalf("%s: %d records, want %d", what, len(list), len(w.want)+w.extra)
	}
	for name, want := range w.want {
		if got := w.read(list, name); got != want {
			t.Fatalf("%s: %s is %+v, want %+v", what, name, got, want)
		}
	}
	if ops := w.pendingNames(); len(ops) > 0 {
		t.Fatalf("%s: still pending: %v", what, ops)
	}
}

// settleCheck checks, once doctor has run, that each name op touched is in
// its before or its after state (all together for a rename), and the rest
// as it was; then the model takes what it found.
func (w *killWorld) settleCheck(t *testing.T, op killOp, what string) {
	t.Helper()
	list, err := w.st.List(context.Background())
	if err != nil {
		t.Fatalf("%s: the index does not parse after doctor: %v", what, err)
	}
	got := map[string]slot{}
	for name := range op.before {
		got[name] = w.read(list, name)
	}
	matches := func(states map[string]slot, name string) bool { return got[name] == states[name] }
	if op.joint {
		all := func(states map[string]slot) bool {
			for name := range op.before {
				if !matches(states, name) {
					return false
				}
			}
			return true
		}
		if !all(op.before) && !all(op.after) {
			t.Fatalf("%s: settled at %+v; want all of %+v or all of %+v", what, got, op.before, op.after)
		}
	} else {
		for name := range op.before {
			if !matches(op.before, name) && !matches(op.after, name) {
				t.Fatalf("%s: %s settled at %+v; want %+v (before) or %+v (after)", what, name, got[name], op.before[name], op.after[name])
			}
		}
	}
	w.apply(got)
	w.check(t, op, what+", settled")
}

func TestKillLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("the kill loop runs the built binary a few hundred times")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("KEYWARD_KILL_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("KEYWARD_KILL_SEED=%q: %v", s, err)
		}
	}
	scale := 1.0
	if s := os.Getenv("KEYWARD_KILLS"); s != "" {
		var err error
		if scale, err = strconv.ParseFloat(s, 64); err != nil || scale <= 0 {
			t.Fatalf("KEYWARD_KILLS=%q: want a positive factor", s)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with KEYWARD_KILL_SEED=%d", seed)
		}
	})
	testkit.Binary(t)
	for i, p := range killPlan {
		size := "small"
		if p.big {
			size = fmt.Sprintf("%d", bigIndexN)
		}
		t.Run(p.backend+"/"+size, func(t *testing.T) {
			if p.backend == "keyring" {
				keyringtest.RequireSecretService(t)
			}
			stats := killStats{killed: map[string]int{}, finished: map[string]int{}}
			start := time.Now()
			w := newKillWorld(t, p.backend, p.big, rand.New(rand.NewPCG(seed, uint64(i))))
			kills := max(1, int(float64(p.kills)*scale))
			w.loop(t, kills, stats)
			t.Logf("%d kills survived in %s (seed %d); killed per op %v; finished before the kill %v",
				kills, time.Since(start).Round(time.Millisecond), seed, stats.killed, stats.finished)
		})
	}
}
