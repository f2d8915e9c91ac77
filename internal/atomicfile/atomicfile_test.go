package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// umask returns the process's umask, found by creating a file with mode
// 0777: reading it with syscall.Umask would have to set it too.
func umask(t *testing.T) fs.FileMode {
	t.Helper()
	p := filepath.Join(t.TempDir(), "probe")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o777)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return 0o777 &^ fi.Mode().Perm()
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes and symlinks differ on Windows")
	}
	mask := umask(t)
	for _, tc := range []struct {
		name string
		// setup prepares dir and returns the path to write to.
		setup    func(t *testing.T, dir string) string
		perm     fs.FileMode
		file     string      // where the data must end up, relative to dir
		wantMode fs.FileMode // of file
		wantDir  []string    // the names in dir afterwards
		link     string      // a symlink that must still be one afterwards
	}{
		{
			name:     "new file gets perm less the umask",
			setup:    func(t *testing.T, dir string) string { return filepath.Join(dir, "f") },
			perm:     0o640,
			file:     "f",
			wantMode: 0o640 &^ mask,
			wantDir:  []string{"f"},
		},
		{
			name:     "existing file keeps its mode",
			setup:    func(t *testing.T, dir string) string { return write(t, filepath.Join(dir, "f"), "old", 0o755) },
			perm:     0o600,
			file:     "f",
			wantMode: 0o755,
			wantDir:  []string{"f"},
		},
		{
			name:     "existing private file stays private",
			setup:    func(t *testing.T, dir string) string { return write(t, filepath.Join(dir, "f"), "old", 0o600) },
			perm:     0o644,
			file:     "f",
			wantMode: 0o600,
			wantDir:  []string{"f"},
		},
		{
			name: "symlink is kept and its target replaced",
			setup: func(t *testing.T, dir string) string {
				write(t, filepath.Join(dir, "real"), "old", 0o604)
				return symlink(t, "real", filepath.Join(dir, "link"))
			},
			perm:     0o600,
			file:     "real",
			wantMode: 0o604,
			wantDir:  []string{"link", "real"},
			link:     "link",
		},
		{
			name: "chain of symlinks into another directory",
			setup: func(t *testing.T, dir string) string {
				if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(dir, "sub", "real"), "old", 0o600)
				symlink(t, "sub/real", filepath.Join(dir, "mid"))
				return symlink(t, filepath.Join(dir, "mid"), filepath.Join(dir, "link"))
			},
			perm:     0o644,
			file:     "sub/real",
			wantMode: 0o600,
			wantDir:  []string{"link", "mid", "sub"},
			link:     "link",
		},
		{
			name:     "dangling symlink creates its target",
			setup:    func(t *testing.T, dir string) string { return symlink(t, "new", filepath.Join(dir, "link")) },
			perm:     0o600,
			file:     "new",
			wantMode: 0o600,
			wantDir:  []string{"link", "new"},
			link:     "link",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.setup(t, dir)
			data := []byte("new contents\n")
			if err := WriteFile(path, data, tc.perm); err != nil {
				t.Fatalf("WriteFile(%q) = %v", path, err)
			}
			file := filepath.Join(dir, tc.file)
			if got, err := os.ReadFile(file); err != nil || string(got) != string(data) {
				t.Errorf("%s holds %q, %v; want %q", tc.file, got, err, data)
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != tc.wantMode {
				t.Errorf("mode of %s = %v (%v), want %v", tc.file, fi.Mode().Perm(), err, tc.wantMode)
			}
			if got := dirNames(t, dir); !slices.Equal(got, tc.wantDir) {
				t.Errorf("directory holds %q, want %q (no temporary file left)", got, tc.wantDir)
			}
			if tc.link != "" {
				if fi, err := os.Lstat(filepath.Join(dir, tc.link)); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
					t.Errorf("%s is no longer a symlink (%v)", tc.link, err)
				}
			}
		})
	}
}

func TestWriteFileFailureLeavesNoTemp(t *testing.T) {
	t.Run("target is a directory", func(t *testing.T) {
		// The rename fails after the temporary file was written.
		dir := t.TempDir()
		target := filepath.Join(dir, "f")
		if err := os.Mkdir(target, 0o700); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(target, "inside"), "x", 0o600)
		if err := WriteFile(target, []byte("data"), 0o600); err == nil {
			t.Fatal("WriteFile over a non-empty directory succeeded")
		}
		if got := dirNames(t, dir); !slices.Equal(got, []string{"f"}) {
			t.Errorf("directory holds %q after a failed write, want only %q", got, "f")
		}
	})
	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes into read-only directories")
		}
		dir := t.TempDir()
		target := write(t, filepath.Join(dir, "f"), "old", 0o600)
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
		if err := WriteFile(target, []byte("new"), 0o600); err == nil {
			t.Fatal("WriteFile into a read-only directory succeeded")
		}
		if got := dirNames(t, dir); !slices.Equal(got, []string{"f"}) {
			t.Errorf("directory holds %q after a failed write, want only %q", got, "f")
		}
		if got, _ := os.ReadFile(target); string(got) != "old" {
			t.Errorf("failed write changed the file to %q", got)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := WriteFile(filepath.Join(dir, "no", "f"), []byte("x"), 0o600); err == nil {
			t.Fatal("WriteFile into a missing directory succeeded")
		}
		if got := dirNames(t, dir); len(got) != 0 {
			t.Errorf("directory holds %q, want nothing", got)
		}
	})
}

func TestCleanStale(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name  string
		files map[string]time.Time // name -> modification time (zero: now)
		path  string               // relative to the directory; "" for "index.toml"
		want  []string             // what is left
	}{
		{
			name: "old leftovers go, young ones and other files stay",
			files: map[string]time.Time{
				"index.toml":                  old,
				"index.toml.lock":             old,
				".index.toml.tmp-123":         old,
				".index.toml.tmp-4567890":     old,
				".index.toml.tmp-999":         {},
				".index.toml.tmp-":            old,
				".index.toml.tmp-12a":         old,
				".other.toml.tmp-123":         old,
				".index.toml.keyward-123":     old,
				"index.toml.tmp-123":          old,
				".index.toml.tmp-123.partial": old,
			},
			want: []string{
				".index.toml.keyward-123", ".index.toml.tmp-", ".index.toml.tmp-123.partial",
				".index.toml.tmp-12a", ".index.toml.tmp-999", ".other.toml.tmp-123",
				"index.toml", "index.toml.lock", "index.toml.tmp-123",
			},
		},
		{
			name:  "nothing to clean",
			files: map[string]time.Time{"index.toml": old},
			want:  []string{"index.toml"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, mtime := range tc.files {
				p := write(t, filepath.Join(dir, name), "x", 0o600)
				if !mtime.IsZero() {
					if err := os.Chtimes(p, mtime, mtime); err != nil {
						t.Fatal(err)
					}
				}
			}
			removed, err := CleanStale(filepath.Join(dir, "index.toml"), time.Minute)
			if err != nil {
				t.Fatalf("CleanStale: %v", err)
			}
			if wantRemoved := len(tc.files) - len(tc.want); removed != wantRemoved {
				t.Errorf("CleanStale removed %d files, want %d", removed, wantRemoved)
			}
			if got := dirNames(t, dir); !slices.Equal(got, tc.want) {
				t.Errorf("directory holds\n %q\nwant\n %q", got, tc.want)
			}
		})
	}
	t.Run("beside the symlink's target", func(t *testing.T) {
		dir := t.TempDir()
		sub := filepath.Join(dir, "dotfiles")
		if err := os.Mkdir(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		stale := write(t, filepath.Join(sub, ".keyward.toml.tmp-42"), "x", 0o600)
		if err := os.Chtimes(stale, old, old); err != nil {
			t.Fatal(err)
		}
		link := symlink(t, "dotfiles/keyward.toml", filepath.Join(dir, "index.toml"))
		removed, err := CleanStale(link, time.Minute)
		if err != nil || removed != 1 {
			t.Errorf("CleanStale(link) = %d, %v; want 1, nil", removed, err)
		}
		if _, err := os.Stat(stale); !os.IsNotExist(err) {
			t.Errorf("the stale file beside the target is still there (%v)", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		removed, err := CleanStale(filepath.Join(t.TempDir(), "no", "index.toml"), time.Minute)
		if removed != 0 || err != nil {
			t.Errorf("CleanStale in a missing directory = %d, %v; want 0, nil", removed, err)
		}
	})
	t.Run("leftover of a failed WriteFile is recognised", func(t *testing.T) {
		// What a killed writer leaves is what createTemp names.
		dir := t.TempDir()
		f, err := createTemp(dir, "index.toml", 0o600)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if !strings.HasPrefix(filepath.Base(f.Name()), ".index.toml.tmp-") {
			t.Errorf("temporary file %q does not start with .index.toml.tmp-", f.Name())
		}
		if err := os.Chtimes(f.Name(), old, old); err != nil {
			t.Fatal(err)
		}
		if removed, err := CleanStale(filepath.Join(dir, "index.toml"), time.Minute); removed != 1 || err != nil {
			t.Errorf("CleanStale = %d, %v; want 1, nil", removed, err)
		}
	})
}

func write(t *testing.T, path, data string, mode fs.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	// os.WriteFile applies the umask; the tests want the exact mode.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func symlink(t *testing.T, dest, link string) string {
	t.Helper()
	if err := os.Symlink(dest, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	return link
}

func TestStaleLists(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".x.tmp-123", ".x.tmp-12a", ".x.tmp-", "x.tmp-1", ".xy.tmp-7", ".ab.age.tmp-5", ".ab.age.tmp-6", "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Stale(filepath.Join(dir, "x"), 0)
	if err != nil || len(got) != 1 || filepath.Base(got[0]) != ".x.tmp-123" {
		t.Errorf("Stale(x, 0) = %q, %v; want only .x.tmp-123", got, err)
	}
	got, err = StaleIn(dir, 0, func(base string) bool { return strings.HasSuffix(base, ".age") })
	if err != nil || len(got) != 2 {
		t.Errorf("StaleIn(*.age) = %q, %v; want the two .ab.age temporary files", got, err)
	}
	// Files just written may belong to a write under way.
	if got, err := Stale(filepath.Join(dir, "x"), time.Hour); err != nil || len(got) != 0 {
		t.Errorf("Stale(x, 1h) = %q, %v; want none", got, err)
	}
	if got, err := Stale(filepath.Join(dir, "missing", "x"), 0); err != nil || len(got) != 0 {
		t.Errorf("Stale in a missing folder = %q, %v", got, err)
	}
}

func TestReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cache")
	if err := Replace(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Replace(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "two" {
		t.Fatalf("read %q, %v", b, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600 whatever the old file's", fi.Mode().Perm())
	}
	// A symlink at path is replaced, never followed.
	victim := filepath.Join(t.TempDir(), "victim")
	write(t, victim, "keep", 0o600)
	link := filepath.Join(dir, "link")
	symlink(t, victim, link)
	if err := Replace(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Fatalf("the symlink's target became %q", b)
	}
	if fi, err := os.Lstat(link); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("link not replaced by a file: %v %v", fi.Mode(), err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"cache", "link"}) {
		t.Fatalf("directory holds %v", names)
	}
	// A failed write leaves nothing behind.
	if err := Replace(filepath.Join(dir, "missing", "x"), []byte("x")); err == nil {
		t.Fatal("Replace into a missing directory succeeded")
	}
}

// TestWriteParts: the parts are written in order as one file, and a check
// that fails before the rename leaves the old file and no temporary one.
func TestWriteParts(t *testing.T) {
	dir := t.TempDir()
	target := write(t, filepath.Join(dir, "f"), "old", 0o600)
	checked := false
	if err := WriteParts(target, 0o600, func() error { checked = true; return nil }, []byte("a"), nil, []byte("bc")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "abc" || !checked {
		t.Errorf("WriteParts wrote %q (check ran: %v), want %q", got, checked, "abc")
	}
	refused := errors.New("refused")
	if err := WriteParts(target, 0o600, func() error { return refused }, []byte("new")); !errors.Is(err, refused) {
		t.Fatalf("WriteParts with a failing check = %v, want %v", err, refused)
	}
	if got, _ := os.ReadFile(target); string(got) != "abc" {
		t.Errorf("a failed check changed the file to %q", got)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"f"}) {
		t.Errorf("directory holds %q after a failed check, want only %q", got, "f")
	}
}
