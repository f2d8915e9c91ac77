package keyring

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

const testPassphrase = "correct horse battery staple"

func init() {
	// Tests unlock often; the real factor is measured in BenchmarkFileUnlock.
	scryptWorkFactor = 10
}

// newFileStore sets up a file store in a temporary folder. asked counts the
// passphrase prompts.
func newFileStore(t testing.TB, c *clock, pass string) (*FileStore, *int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keyward", "index.toml")
	if err := InitFile(path, testPassphrase, 0); err != nil {
		t.Fatal(err)
	}
	asked := new(int)
	now := time.Now
	if c != nil {
		now = c.Now
	}
	s, err := NewFileStore(FileOptions{IndexPath: path, Now: now, Passphrase: func() (string, error) {
		*asked++
		return pass, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s, asked
}

func TestContractFileStore(t *testing.T) {
	runContract(t, func(t *testing.T, c *clock) contractEnv {
		s, _ := newFileStore(t, c, testPassphrase)
		raw := func(user string) (string, bool) {
			v, err := s.fv.Get(context.Background(), user)
			if errors.Is(err, ErrNoValue) {
				return "", false
			}
			if err != nil {
				t.Fatalf("read %s: %v", user, err)
			}
			return v, true
		}
		put := func(user, value string) {
			if err := s.fv.Set(context.Background(), user, value); err != nil {
				t.Fatal(err)
			}
		}
		reads := func() int {
			s.fv.mu.Lock()
			defer s.fv.mu.Unlock()
			return s.fv.reads
		}
		return contractEnv{store: s, clock: c, raw: raw, put: put, reads: reads, indexPath: s.IndexPath()}
	})
}

func TestFileStoreFiles(t *testing.T) {
	s, asked := newFileStore(t, nil, testPassphrase)
	ctx := context.Background()
	if _, err := s.Create(ctx, model.Secret{Name: "OPENAI_API_KEY"}, "sk-file-value-123456"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate(ctx, "OPENAI_API_KEY", "sk-file-value-789012"); err != nil {
		t.Fatal(err)
	}
	if *asked != 0 {
		t.Errorf("create and rotate asked for the passphrase %d times, want 0", *asked)
	}
	fi, err := os.Stat(s.ValuesDir())
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("values folder: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(s.ValuesDir())
	var values int
	for _, e := range entries {
		if strings.Contains(e.Name(), "OPENAI") {
			t.Errorf("file %s names the secret", e.Name())
		}
		fi, _ := e.Info()
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), fi.Mode().Perm())
		}
		b, _ := os.ReadFile(filepath.Join(s.ValuesDir(), e.Name()))
		if strings.Contains(string(b), "sk-file-value") || strings.Contains(string(b), testPassphrase) {
			t.Errorf("%s holds a value or the passphrase in the clear", e.Name())
		}
		if strings.HasSuffix(e.Name(), ".age") && e.Name() != "identity.age" {
			values++
		}
	}
	if values != 2 {
		t.Errorf("%d value files, want 2 (the value and the previous one)", values)
	}
	for range 3 {
		if v, err := s.Value(ctx, "OPENAI_API_KEY"); err != nil || v != "sk-file-value-789012" {
			t.Fatalf("Value = %q, %v", v, err)
		}
	}
	if *asked != 1 {
		t.Errorf("three reads asked for the passphrase %d times, want once per process", *asked)
	}
}

func TestFileStoreWrongPassphrase(t *testing.T) {
	s, asked := newFileStore(t, nil, "not the passphrase")
	ctx := context.Background()
	if _, err := s.Create(ctx, model.Secret{Name: "K"}, "k-value-123456"); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(s.IndexPath())
	for range 3 {
		_, err := s.Value(ctx, "K")
		if !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("Value with a wrong passphrase = %v, want ErrWrongPassphrase", err)
		}
		if strings.Contains(err.Error(), "not the passphrase") || strings.Contains(err.Error(), "k-value") {
			t.Errorf("error %q holds the passphrase or the value", err)
		}
	}
	if *asked != 1 {
		t.Errorf("asked %d times after a wrong passphrase, want 1 (no retry storm)", *asked)
	}
	if _, err := s.Rollback(ctx, "K"); err == nil {
		t.Error("Rollback succeeded without the passphrase")
	}
	after, _ := os.ReadFile(s.IndexPath())
	if string(before) != string(after) {
		t.Error("a wrong passphrase changed the index")
	}
	if Advice(ErrWrongPassphrase) == "" {
		t.Error("no advice for a wrong passphrase")
	}
}

func TestFileStoreDamagedValue(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, s *FileStore, file string)
	}{
		{"truncated", func(t *testing.T, s *FileStore, file string) {
			b, _ := os.ReadFile(file)
			os.WriteFile(file, b[:len(b)-10], 0o600)
		}},
		{"one bit flipped", func(t *testing.T, s *FileStore, file string) {
			b, _ := os.ReadFile(file)
			b[len(b)-5] ^= 1
			os.WriteFile(file, b, 0o600)
		}},
		{"another name's file copied over", func(t *testing.T, s *FileStore, file string) {
			other, _ := s.fv.path("OTHER")
			b, _ := os.ReadFile(other)
			os.WriteFile(file, b, 0o600)
		}},
		{"empty", func(t *testing.T, s *FileStore, file string) { os.WriteFile(file, nil, 0o600) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newFileStore(t, nil, testPassphrase)
			ctx := context.Background()
			for _, n := range []string{"K", "OTHER"} {
				if _, err := s.Create(ctx, model.Secret{Name: n}, n+"-value-123456"); err != nil {
					t.Fatal(err)
				}
			}
			file, _ := s.fv.path("K")
			tc.damage(t, s, file)
			v, err := s.Value(ctx, "K")
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "K") || v != "" {
				t.Errorf("Value of a damaged file = %q, %v; want ErrDamaged naming K and no value", v, err)
			}
			if v, err := s.Value(ctx, "OTHER"); err != nil || v != "OTHER-value-123456" {
				t.Errorf("OTHER = %q, %v; want it unharmed", v, err)
			}
		})
	}
}

func TestFileStoreNotInitialized(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.toml")
	s, err := NewFileStore(FileOptions{IndexPath: path})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Ping(ctx); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("Ping = %v, want ErrNotInitialized", err)
	}
	if _, err := s.Create(ctx, model.Secret{Name: "K"}, "v-123456"); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("Create = %v, want ErrNotInitialized", err)
	}
	if list, _ := s.List(ctx); len(list) != 0 {
		t.Errorf("a refused Create left %v", secretNames(list))
	}
	if !strings.Contains(Advice(ErrNotInitialized), "keyward init --backend file") {
		t.Errorf("advice %q does not say how to set it up", Advice(ErrNotInitialized))
	}
	if err := InitFile(path, testPassphrase, 0); err != nil {
		t.Fatal(err)
	}
	if err := InitFile(path, "another", 0); err == nil {
		t.Error("a second InitFile replaced the identity")
	}
}

// faultValues numbers the calls of a values backend for the crash loop.
type faultValues struct {
	values
	f *faults
}

func (v faultValues) Get(ctx context.Context, user string) (string, error) {
	if err := v.f.hit("get " + user); err != nil {
		return "", err
	}
	return v.values.Get(ctx, user)
}

func (v faultValues) Set(ctx context.Context, user, value string) error {
	if err := v.f.hit("set " + user); err != nil {
		return err
	}
	return v.values.Set(ctx, user, value)
}

func (v faultValues) Delete(ctx context.Context, user string) error {
	if err := v.f.hit("delete " + user); err != nil {
		return err
	}
	return v.values.Delete(ctx, user)
}

func (v faultValues) Ping(ctx context.Context) error {
	if err := v.f.hit("ping"); err != nil {
		return err
	}
	return v.values.Ping(ctx)
}

// faultSealer is faultValues over the file backend, which can also move a
// value sealed (rotate does).
type faultSealer struct {
	faultValues
	fv *fileValues
}

func (v faultSealer) GetSealed(ctx context.Context, user string) (string, error) {
	if err := v.f.hit("get sealed " + user); err != nil {
		return "", err
	}
	return v.fv.GetSealed(ctx, user)
}

func (v faultSealer) SetSealed(ctx context.Context, user, sealed string) error {
	if err := v.f.hit("set sealed " + user); err != nil {
		return err
	}
	return v.fv.SetSealed(ctx, user, sealed)
}

// TestCrashOrderingFileBackend is the crash loop over the real value files:
// a failure or a crash at every step of every operation loses no value.
func TestCrashOrderingFileBackend(t *testing.T) {
	runCrashOps(t, func(t *testing.T, f *faults) (*store, func() world) {
		fs, _ := newFileStore(t, nil, testPassphrase)
		fv := fs.fv
		ctx := context.Background()
		for user, v := range map[string]string{"A": aCurrent, PreviousUser("A"): aPrevious, "OTHER": otherVal, PreviousUser("NEW"): staleVal} {
			if err := fv.Set(ctx, user, v); err != nil {
				t.Fatal(err)
			}
		}
		b := &memBackend{vals: map[string]string{}}
		b.list = []model.Secret{
			{Name: "A", Version: 3, CreatedAt: t0, UpdatedAt: t0, RotatedAt: t0, Description: "a"},
			{Name: "OTHER", Version: 1, CreatedAt: t0, UpdatedAt: t0},
		}
		s := &store{vals: faultSealer{faultValues{fv, f}, fv}, idx: &faultIndex{b: b, f: f}, now: func() time.Time { return t0.Add(time.Hour) }, jr: &faultJournal{&memJournal{}, f}}
		snap := func() world {
			w := snapshot(b)
			for _, n := range []string{"A", "B", "NEW", "NEW2", "NEW3", "OTHER"} {
				for _, u := range []string{n, PreviousUser(n), swapUser(n), rotationUser(n)} {
					if v, err := fv.Get(ctx, u); err == nil {
						w.vals[u] = v
					} else if !errors.Is(err, ErrNoValue) {
						t.Fatalf("read %s: %v", u, err)
					}
				}
			}
			return w
		}
		return s, snap
	})
}

// TestFileOrphansUnreadableAndStale: a value file no passphrase opens is
// listed by its file and can be dropped; leftover temporary files of the
// index and of value files are listed and removed.
func TestFileOrphansUnreadableAndStale(t *testing.T) {
	ctx := context.Background()
	s, _ := newFileStore(t, nil, testPassphrase)
	if _, err := s.Create(ctx, model.Secret{Name: "A"}, "a-value-1"); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(s.fv.dir, strings.Repeat("ab", 16)+".age")
	if err := os.WriteFile(junk, []byte("not age"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := s.Orphans(ctx)
	if err != nil || len(got) != 1 || got[0].User != "" || got[0].File != junk || got[0].Adoptable() {
		t.Fatalf("Orphans = %+v, %v; want the unreadable file only", got, err)
	}
	if err := s.DropOrphan(ctx, Orphan{File: filepath.Join(s.fv.dir, "store")}); err == nil {
		t.Error("DropOrphan removed the store file")
	}
	if err := s.DropOrphan(ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(junk); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dropped file is still there: %v", err)
	}
	temps := []string{
		filepath.Join(filepath.Dir(s.indexPath), ".index.toml.tmp-123"),
		filepath.Join(filepath.Dir(s.indexPath), ".index.toml.pending.tmp-9"),
		filepath.Join(s.fv.dir, "."+strings.Repeat("cd", 16)+".age.tmp-77"),
	}
	other := filepath.Join(filepath.Dir(s.indexPath), ".notes.txt.tmp-1")
	for _, p := range append(temps, other) {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	stale, err := s.StaleFiles()
	slices.Sort(stale)
	slices.Sort(temps)
	if err != nil || !slices.Equal(stale, temps) {
		t.Fatalf("StaleFiles = %q, %v; want %q", stale, err, temps)
	}
	removed, err := s.RemoveStaleFiles(ctx)
	if err != nil || len(removed) != 3 {
		t.Fatalf("RemoveStaleFiles = %q, %v", removed, err)
	}
	if stale, _ := s.StaleFiles(); len(stale) != 0 {
		t.Errorf("still stale: %q", stale)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a temporary file keyward did not write was removed: %v", err)
	}
}
