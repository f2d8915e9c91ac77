//go:build unix

package keyring

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

func TestLockRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	idx := filepath.Join(dir, "index.toml")
	target := filepath.Join(dir, "elsewhere")
	for _, tt := range []struct {
		name   string
		exists bool
	}{{"dangling link", false}, {"link to a file", true}} {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(idx + ".lock")
			os.Remove(target)
			if tt.exists {
				if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(target, idx+".lock"); err != nil {
				t.Fatal(err)
			}
			f := &fileIndex{path: idx}
			err := f.Update(context.Background(), func(l []model.Secret) ([]model.Secret, error) { return l, nil }, nil)
			if !errors.Is(err, ErrLockLink) || !strings.Contains(err.Error(), "is a symbolic link") {
				t.Fatalf("Update with a symlinked lock = %v, want ErrLockLink", err)
			}
			data, rerr := os.ReadFile(target)
			switch {
			case !tt.exists && !errors.Is(rerr, os.ErrNotExist):
				t.Errorf("the dangling link's target was created")
			case tt.exists && string(data) != "keep":
				t.Errorf("the link's target changed to %q", data)
			}
			if _, err := os.Stat(idx); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the index was written: %v", err)
			}
		})
	}
}

func TestLockBusySaysWho(t *testing.T) {
	idx := filepath.Join(t.TempDir(), "index.toml")
	unlock, err := lockIndex(context.Background(), idx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	data, err := os.ReadFile(idx + ".lock")
	if err != nil || strings.TrimSpace(string(data)) != itoa(os.Getpid()) {
		t.Errorf("lock file holds %q, %v; want this pid", data, err)
	}
	// Another open file description conflicts, even in this process.
	f := &fileIndex{path: idx, lockWait: 30 * time.Millisecond}
	err = f.Update(context.Background(), func(l []model.Secret) ([]model.Secret, error) { return l, nil }, nil)
	var be *BusyError
	if !errors.As(err, &be) || !errors.Is(err, ErrIndexBusy) {
		t.Fatalf("Update under another lock = %v, want a BusyError", err)
	}
	if be.PID != os.Getpid() {
		t.Errorf("BusyError.PID = %d, want %d", be.PID, os.Getpid())
	}
	if want := "the index is in use by process " + itoa(os.Getpid()); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want it to start %q", err, want)
	}
	if runtime.GOOS == "linux" && be.Command == "" {
		t.Errorf("BusyError.Command is empty on Linux")
	}
	if Advice(err) == "" {
		t.Errorf("no advice for a busy index")
	}
}

func TestLockHolderFromFile(t *testing.T) {
	// Where the kernel does not say, the pid the holder wrote is used.
	if got := lockFilePID([]byte("4242\n")); got != 4242 {
		t.Errorf("lockFilePID = %d, want 4242", got)
	}
	for _, s := range []string{"", "x", "-3", "0"} {
		if got := lockFilePID([]byte(s)); got != 0 {
			t.Errorf("lockFilePID(%q) = %d, want 0", s, got)
		}
	}
}

func TestIndexHostileFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(dir, "deep.toml")
	if err := os.WriteFile(deep, []byte("format = 1\nx = "+strings.Repeat("{a=", 5000)+"1"+strings.Repeat("}", 5000)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxIndexSize+1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{fifo, fifo + ": not a regular file (a FIFO); the index must be a file"},
		{dir, dir + ": not a regular file (a folder); the index must be a file"},
		{"/dev/zero", "/dev/zero: not a regular file (a device); the index must be a file"},
		{deep, deep + ":2:1: nested too deep (limit 64); the index holds [[secret]] tables, each at most 3 deep"},
		{big, big + ": too large (67108865 bytes, limit 64 MiB)"},
	} {
		_, err := (&fileIndex{path: tt.path}).Load(context.Background(), nil)
		var ie *IndexError
		if !errors.As(err, &ie) || err.Error() != tt.want {
			t.Errorf("Load(%s) = %v, want IndexError %q", tt.path, err, tt.want)
		}
	}
}

func TestPermissionWarnings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kw")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	idx := filepath.Join(dir, "index.toml")
	if err := os.WriteFile(idx, []byte("format = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if w := PermissionWarnings(idx); len(w) != 0 {
		t.Errorf("private paths: %q, want none", w)
	}
	os.Chmod(dir, 0o777)
	os.Chmod(idx, 0o660)
	w := PermissionWarnings(idx)
	if len(w) != 2 || !strings.Contains(w[0], "the index folder "+dir+" is writable by every user (mode 0777)") ||
		!strings.Contains(w[1], "the index "+idx+" is writable by its group (mode 0660)") {
		t.Errorf("PermissionWarnings = %q", w)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
