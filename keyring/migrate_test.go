package keyring

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/keyring/keyringtest"
	"github.com/keyward/keyward/model"
)

// Seal lets Migrate verify the bytes it writes through the crash loop's
// file backend; sealing touches no file, so it is no fault point.
func (v faultSealer) Seal(user, value string) (string, error) { return v.fv.Seal(user, value) }

// The values of the migration's world. C was cut short in a rollback (the
// copy under swapUser, the current value already replaced); D in a
// rotation (the old previous value kept under rotationUser, previous ==
// current), noted in the journal.
const (
	aCur, aPrev = "a-current", "a-previous"
	bCur        = "b-only-value"
	cCur, cPrev = "c-current", "c-previous"
	dCur, dPrev = "d-current", "d-kept-previous"
)

// migrateSeed is every keyring user of the world before the migration.
var migrateSeed = map[string]string{
	"A": aCur, PreviousUser("A"): aPrev,
	"B": bCur,
	// A rollback of C (current cCur, previous cPrev) cut short after it
	// wrote the current slot: finishSwap makes cPrev current, cCur
	// previous.
	swapUser("C"): cCur, "C": cPrev, PreviousUser("C"): cPrev,
	// A rotation of D (to dCur) cut short between its two writes:
	// Reconcile puts the kept previous value back.
	"D": dCur, PreviousUser("D"): dCur, rotationUser("D"): dPrev,
}

// migrateWant is what every backend must hold for the world once settled.
var migrateWant = map[string]string{
	"A": aCur, PreviousUser("A"): aPrev,
	"B": bCur,
	"C": cPrev, PreviousUser("C"): cCur,
	"D": dCur, PreviousUser("D"): dPrev,
}

func migrateRecords() []model.Secret {
	return []model.Secret{
		{Name: "A", Version: 3, CreatedAt: t0, UpdatedAt: t0},
		{Name: "B", Version: 1, CreatedAt: t0, UpdatedAt: t0},
		{Name: "C", Version: 2, CreatedAt: t0, UpdatedAt: t0},
		{Name: "D", Version: 4, CreatedAt: t0, UpdatedAt: t0},
		{Name: "PULLED", Version: 1, CreatedAt: t0, UpdatedAt: t0, NoValue: true},
		{Name: "LOST", Version: 1, CreatedAt: t0, UpdatedAt: t0},
	}
}

var migrateUsers = func() []string {
	var out []string
	for _, s := range migrateRecords() {
		out = append(out, s.Name, PreviousUser(s.Name), swapUser(s.Name), rotationUser(s.Name))
	}
	return out
}()

// migrateEnv is a memory backend ("keyring") and a real file backend over
// one index, with faults on both backends' calls.
type migrateEnv struct {
	mem, file *store
	fv        *fileValues
	mb        *memBackend
	index     string
}

func newMigrateEnv(t *testing.T, f *faults) *migrateEnv {
	t.Helper()
	fs, _ := newFileStore(t, nil, testPassphrase)
	index := fs.IndexPath()
	mb := &memBackend{vals: map[string]string{}}
	idx := &memBackend{list: migrateRecords()} // the shared index; its vals are unused
	jr := &memJournal{}
	now := func() time.Time { return t0.Add(time.Hour) }
	mem := &store{vals: faultValues{mb, f}, idx: idx, now: now, jr: jr, bk: &backendGuard{index: index, kind: "keyring"}}
	file := &store{vals: faultSealer{faultValues{fs.fv, f}, fs.fv}, idx: idx, now: now, jr: jr, bk: &backendGuard{index: index, kind: "file"}}
	return &migrateEnv{mem: mem, file: file, fv: fs.fv, mb: mb, index: index}
}

// seed puts the world's values into one backend and notes D's rotation.
func (e *migrateEnv) seed(t *testing.T, inFile bool) {
	t.Helper()
	ctx := context.Background()
	for u, v := range migrateSeed {
		if inFile {
			if err := e.fv.Set(ctx, u, v); err != nil {
				t.Fatal(err)
			}
		} else {
			e.mb.vals[u] = v
		}
	}
	if inFile {
		// A rotation on the file backend copies the current value to the
		// previous slot sealed: the same bytes, which is how
		// finishRotation tells it was cut short.
		sealed, err := e.fv.GetSealed(ctx, "D")
		if err == nil {
			err = e.fv.SetSealed(ctx, PreviousUser("D"), sealed)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := e.mem.jr.Note(pendingOp{Op: opRotateKept, Name: "D", Version: 4}); err != nil {
		t.Fatal(err)
	}
}

// contents returns every user the memory and the file backend hold.
func (e *migrateEnv) contents(t *testing.T) (mem, file map[string]string) {
	t.Helper()
	e.mb.mu.Lock()
	mem = maps.Clone(e.mb.vals)
	e.mb.mu.Unlock()
	file = map[string]string{}
	for _, u := range migrateUsers {
		v, err := e.fv.Get(context.Background(), u)
		if err == nil {
			file[u] = v
		} else if !errors.Is(err, ErrNoValue) {
			t.Fatalf("read %s from the file backend: %v", u, err)
		}
	}
	return mem, file
}

// checkMigrated checks that the destination holds exactly migrateWant, the
// source nothing, the progress file is gone and the mark names to.
func (e *migrateEnv) checkMigrated(t *testing.T, toFile bool) {
	t.Helper()
	mem, file := e.contents(t)
	dst, src := file, mem
	if !toFile {
		dst, src = mem, file
	}
	if !maps.Equal(dst, migrateWant) {
		t.Errorf("destination holds %v\nwant %v", dst, migrateWant)
	}
	if len(src) != 0 {
		t.Errorf("source still holds %v", src)
	}
	if _, err := os.Stat(migrationPath(e.index)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("progress file left behind: %v", err)
	}
	want := map[bool]string{true: "file", false: "keyring"}[toFile]
	if mark, err := readMark(e.index); err != nil || mark != want {
		t.Errorf("mark = %q, %v; want %q", mark, err, want)
	}
}

func (e *migrateEnv) pair(toFile bool) (from, to *store) {
	if toFile {
		return e.mem, e.file
	}
	return e.file, e.mem
}

func TestMigrateBothWays(t *testing.T) {
	ctx := context.Background()
	e := newMigrateEnv(t, &faults{at: -1})
	e.seed(t, false)
	var calls []int
	res, err := Migrate(ctx, e.mem, e.file, MigrateOptions{Progress: func(done, total int) {
		if total != 6 {
			t.Errorf("progress total %d, want 6", total)
		}
		calls = append(calls, done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("progress calls %v", calls)
	}
	want := MigrateResult{From: "keyring", To: "file", Total: 6, Moved: 4, Previous: 3, Missing: []string{"LOST"}}
	if fmt.Sprint(res) != fmt.Sprint(want) {
		t.Errorf("result %+v\nwant   %+v", res, want)
	}
	e.checkMigrated(t, true)
	if p, _ := e.mem.jr.Pending(); len(p) != 0 {
		t.Errorf("journal still holds %v", p)
	}

	// The old backend now refuses changes; the new one works.
	if _, err := e.mem.Rotate(ctx, "A", "x-value"); !errors.Is(err, ErrWrongBackend) {
		t.Errorf("Rotate on the old backend = %v, want ErrWrongBackend", err)
	}
	if err := CheckBackend(e.mem); !errors.Is(err, ErrWrongBackend) || !strings.Contains(err.Error(), "moved to the file backend") {
		t.Errorf("CheckBackend(old) = %v", err)
	}
	if err := CheckBackend(e.file); err != nil {
		t.Errorf("CheckBackend(new) = %v", err)
	}
	if v, err := e.file.Value(ctx, "C"); err != nil || v != cPrev {
		t.Errorf("Value(C) on the file backend = %q, %v", v, err)
	}

	// Again: nothing to do.
	if res, err := Migrate(ctx, e.mem, e.file, MigrateOptions{}); err != nil || !res.Finished || res.Moved != 0 {
		t.Errorf("second Migrate = %+v, %v; want Finished", res, err)
	}

	// And back.
	res, err = Migrate(ctx, e.file, e.mem, MigrateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 4 || res.Previous != 3 || res.From != "file" || res.To != "keyring" {
		t.Errorf("back: %+v", res)
	}
	e.checkMigrated(t, false)
	entries, _ := os.ReadDir(ValuesDir(e.index))
	for _, de := range entries {
		if strings.HasSuffix(de.Name(), ".age") && de.Name() != "identity.age" {
			t.Errorf("value file %s left in the file backend", de.Name())
		}
	}
	if _, err := e.file.Rotate(ctx, "A", "x-value"); !errors.Is(err, ErrWrongBackend) {
		t.Errorf("Rotate on the file backend after moving back = %v, want ErrWrongBackend", err)
	}
	if _, err := e.mem.Rotate(ctx, "A", "x-value"); err != nil {
		t.Errorf("Rotate on the keyring after moving back: %v", err)
	}
}

func TestMigrateDryRun(t *testing.T) {
	ctx := context.Background()
	e := newMigrateEnv(t, &faults{at: -1})
	e.seed(t, true)
	res, err := Migrate(ctx, e.file, e.mem, MigrateOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.fv.id != nil {
		t.Error("a dry run unlocked the file backend")
	}
	before, beforeFile := e.contents(t)
	if _, err := Migrate(ctx, e.file, e.mem, MigrateOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if res.Moved != 4 || res.Previous != 3 || !slices.Equal(res.Missing, []string{"LOST"}) {
		t.Errorf("dry run: %+v", res)
	}
	after, afterFile := e.contents(t)
	if !maps.Equal(before, after) || !maps.Equal(beforeFile, afterFile) {
		t.Error("a dry run changed the values")
	}
	if _, err := os.Stat(migrationPath(e.index)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a dry run started a migration")
	}
}

func TestMigrateRefusals(t *testing.T) {
	ctx := context.Background()
	e := newMigrateEnv(t, &faults{at: -1})
	e.seed(t, false)
	// Killed half way: after B is moved.
	e.mb.hook = func(op, user string) error {
		if op == "get" && user == "C" {
			panic(crash{user})
		}
		return nil
	}
	if _, crashed := runUntilCrash(func(*store) error {
		_, err := Migrate(ctx, e.mem, e.file, MigrateOptions{})
		return err
	}, nil); !crashed {
		t.Fatal("the migration did not reach C")
	}
	e.mb.hook = nil
	m, err := readMigration(e.index)
	if err != nil || m == nil || !m.done["A"] || !m.done["B"] || m.done["C"] {
		t.Fatalf("progress after the kill: %+v, %v", m, err)
	}
	data, _ := os.ReadFile(migrationPath(e.index))
	for _, v := range migrateSeed {
		if strings.Contains(string(data), v) {
			t.Errorf("the progress file holds a value: %q", data)
		}
	}
	// The other direction, and every change on either side, is refused.
	if _, err := Migrate(ctx, e.file, e.mem, MigrateOptions{}); !errors.Is(err, ErrMigrating) ||
		err.Error() != "a migration of the values from the keyring to the file backend is half done" {
		t.Errorf("reverse Migrate = %v", err)
	}
	for _, s := range []*store{e.mem, e.file} {
		if _, err := s.Rotate(ctx, "B", "x-value"); !errors.Is(err, ErrMigrating) {
			t.Errorf("Rotate during a migration = %v", err)
		}
		if err := s.Delete(ctx, "A"); !errors.Is(err, ErrMigrating) {
			t.Errorf("Delete during a migration = %v", err)
		}
	}
	res, err := Migrate(ctx, e.mem, e.file, MigrateOptions{})
	if err != nil || !res.Resumed || res.Moved != 4 {
		t.Errorf("resumed Migrate = %+v, %v", res, err)
	}
	e.checkMigrated(t, true)

	// A destination that is not set up is refused before anything moves.
	e2 := newMigrateEnv(t, &faults{at: -1})
	e2.seed(t, false)
	if err := os.Remove(filepath.Join(ValuesDir(e2.index), "store")); err != nil {
		t.Fatal(err)
	}
	e2.fv.recipient = nil
	if _, err := Migrate(ctx, e2.mem, e2.file, MigrateOptions{}); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("Migrate to a file backend not set up = %v", err)
	}
	if res, err := Migrate(ctx, e2.mem, e2.file, MigrateOptions{DryRun: true}); err != nil || !res.SetUp || res.Moved != 4 {
		t.Errorf("dry run to a file backend not set up = %+v, %v", res, err)
	}
	// A keyring that does not answer, likewise.
	e2.mb.hook = func(op, user string) error { return ErrUnavailable }
	if _, err := Migrate(ctx, e2.file, e2.mem, MigrateOptions{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Migrate to a keyring that does not answer = %v", err)
	}
}

func TestReadMigrationTornLine(t *testing.T) {
	index := filepath.Join(t.TempDir(), "index.toml")
	if err := os.WriteFile(migrationPath(index), []byte("keyward migrate 1 keyring file\nAPI_KEY\nOPENAI_AP"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := readMigration(index)
	if err != nil || !m.done["API_KEY"] || m.done["OPENAI_AP"] || len(m.done) != 1 {
		t.Errorf("readMigration = %+v, %v; want only API_KEY done", m, err)
	}
	if err := os.WriteFile(migrationPath(index), []byte("keyward migrate 1 keyring keyring\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readMigration(index); err == nil {
		t.Error("a progress file with one backend twice was accepted")
	}
	if err := os.WriteFile(markPath(index), []byte("vault\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if kind, err := readMark(index); err == nil {
		t.Errorf("a mark naming no backend was read as %q", kind)
	}
}

// TestMigrateCrash fails or crashes the migration at every call it makes
// to either backend, both ways. After each fault, every value is still in
// one backend or the other; running the migration again completes it, with
// every value and previous value in the destination and none left in the
// source.
func TestMigrateCrash(t *testing.T) {
	for _, toFile := range []bool{true, false} {
		t.Run(map[bool]string{true: "to file", false: "to keyring"}[toFile], func(t *testing.T) {
			f := &faults{at: -1}
			e := newMigrateEnv(t, f)
			e.seed(t, !toFile)
			from, to := e.pair(toFile)
			if _, err := Migrate(context.Background(), from, to, MigrateOptions{}); err != nil {
				t.Fatalf("without faults: %v", err)
			}
			e.checkMigrated(t, toFile)
			steps := slices.Clone(f.steps)
			if len(steps) < 40 {
				t.Fatalf("only %d steps: %v", len(steps), steps)
			}
			for at := range steps {
				for _, crashNow := range []bool{false, true} {
					mode := map[bool]string{false: "fail", true: "crash"}[crashNow]
					t.Run(fmt.Sprintf("%s at %d %s", mode, at, steps[at]), func(t *testing.T) {
						f := &faults{at: at, crash: crashNow}
						e := newMigrateEnv(t, f)
						e.seed(t, !toFile)
						from, to := e.pair(toFile)
						err, crashed := runUntilCrash(func(*store) error {
							_, err := Migrate(context.Background(), from, to, MigrateOptions{})
							return err
						}, nil)
						f.off()
						mem, file := e.contents(t)
						// Reconcile drops a kept copy after the settle and
						// does not report a failure to; Migrate then finds
						// the journal not empty and moves nothing.
						cleanup := strings.HasPrefix(steps[at], "delete ") && strings.Contains(steps[at], "@")
						switch dst := map[bool]map[string]string{true: file, false: mem}[toFile]; {
						case crashed, errors.Is(err, errInjected):
						case cleanup && errors.Is(err, errUnsettled):
							if len(dst) != 0 {
								t.Errorf("unsettled, yet the destination holds %v", dst)
							}
						default:
							t.Fatalf("error %v does not wrap the injected fault", err)
						}
						for u, v := range migrateWant {
							if !slices.Contains(slices.Collect(maps.Values(mem)), v) && !slices.Contains(slices.Collect(maps.Values(file)), v) {
								t.Errorf("after the fault %s's value %q is in neither backend", u, v)
							}
						}
						res, err := Migrate(context.Background(), from, to, MigrateOptions{})
						if err != nil {
							t.Fatalf("running again: %v", err)
						}
						if res.Moved+res.Already != 4 {
							t.Errorf("running again: %+v", res)
						}
						e.checkMigrated(t, toFile)
					})
				}
			}
		})
	}
}

// TestMigrateOSStore moves values between the real OS keyring and the file
// backend and back, checking the keyring entries themselves.
func TestMigrateOSStore(t *testing.T) {
	keyringtest.RequireSecretService(t)
	ctx := context.Background()
	service := keyringtest.Service(t)
	fs, _ := newFileStore(t, nil, testPassphrase)
	os1, err := NewOSStore(OSOptions{IndexPath: fs.IndexPath(), Service: service})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os1.Create(ctx, model.Secret{Name: "API_KEY"}, "v1-api-key"); err != nil {
		t.Fatal(err)
	}
	if _, err := os1.Rotate(ctx, "API_KEY", "v2-api-key"); err != nil {
		t.Fatal(err)
	}
	if _, err := os1.Create(ctx, model.Secret{Name: "TOKEN"}, "token-value"); err != nil {
		t.Fatal(err)
	}
	res, err := Migrate(ctx, os1, fs, MigrateOptions{})
	if err != nil || res.Moved != 2 || res.Previous != 1 {
		t.Fatalf("to file: %+v, %v", res, err)
	}
	for _, u := range []string{"API_KEY", PreviousUser("API_KEY"), "TOKEN"} {
		if v, ok := keyringtest.Lookup(t, service, u); ok {
			t.Errorf("%s still in the keyring after the migration: %q", u, v)
		}
	}
	if v, err := fs.Value(ctx, "API_KEY"); err != nil || v != "v2-api-key" {
		t.Errorf("file Value = %q, %v", v, err)
	}
	// The rotation left the current value under API_KEY@previous
	// (one keyring write), and the migration copies each user as it is.
	rec, err := fs.Get(ctx, "API_KEY")
	if err != nil || !rec.SlotsSwapped {
		t.Fatalf("API_KEY = %+v, %v; want its slots swapped by the rotation", rec, err)
	}
	if v, err := fs.fv.Get(ctx, "API_KEY"); err != nil || v != "v1-api-key" {
		t.Errorf("file previous = %q, %v", v, err)
	}
	res, err = Migrate(ctx, fs, os1, MigrateOptions{})
	if err != nil || res.Moved != 2 || res.Previous != 1 {
		t.Fatalf("to keyring: %+v, %v", res, err)
	}
	for u, want := range map[string]string{"API_KEY": "v1-api-key", PreviousUser("API_KEY"): "v2-api-key", "TOKEN": "token-value"} {
		if v, ok := keyringtest.Lookup(t, service, u); !ok || v != want {
			t.Errorf("keyring %s = %q, %v; want %q", u, v, ok, want)
		}
	}
	if err := os1.Delete(ctx, "API_KEY"); err != nil {
		t.Error(err)
	}
	if err := os1.Delete(ctx, "TOKEN"); err != nil {
		t.Error(err)
	}
}

// lossyValues stores every value of user cut short, as a keyring with a
// size limit that truncates silently would; lossySealer damages the bytes.
type lossyValues struct {
	values
	user string
}

func (v lossyValues) Set(ctx context.Context, user, value string) error {
	if user == v.user {
		value = value[:len(value)-1]
	}
	return v.values.Set(ctx, user, value)
}

type lossySealer struct {
	faultSealer
	user string
}

func (v lossySealer) SetSealed(ctx context.Context, user, sealed string) error {
	if user == v.user {
		sealed = sealed[:len(sealed)-1]
	}
	return v.faultSealer.SetSealed(ctx, user, sealed)
}

// TestMigrateVerifies: a value that does not read back as written stops
// the migration before the source loses it, both ways.
func TestMigrateVerifies(t *testing.T) {
	ctx := context.Background()
	for _, toFile := range []bool{true, false} {
		e := newMigrateEnv(t, &faults{at: -1})
		e.seed(t, !toFile)
		if toFile {
			e.file.vals = lossySealer{e.file.vals.(faultSealer), PreviousUser("A")}
		} else {
			e.mem.vals = lossyValues{e.mem.vals, PreviousUser("A")}
		}
		from, to := e.pair(toFile)
		_, err := Migrate(ctx, from, to, MigrateOptions{})
		if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "A@previous") {
			t.Errorf("toFile=%v: Migrate = %v, want ErrVerify naming A@previous", toFile, err)
		}
		if err != nil && strings.Contains(err.Error(), aPrev[:len(aPrev)-1]) {
			t.Errorf("the error shows the value: %v", err)
		}
		for _, u := range []string{"A", PreviousUser("A")} {
			var v string
			var err error
			if toFile {
				v, err = e.mb.Get(ctx, u)
			} else {
				v, err = e.fv.Get(ctx, u)
			}
			if err != nil || v != migrateSeed[u] {
				t.Errorf("toFile=%v: the source lost %s: %q, %v", toFile, u, v, err)
			}
		}
		if m, _ := readMigration(e.index); m == nil || m.done["A"] {
			t.Errorf("toFile=%v: progress %+v; want A not done", toFile, m)
		}
	}
}
