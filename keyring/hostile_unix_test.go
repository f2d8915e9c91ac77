//go:build unix

package keyring

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
)

// A FIFO planted in place of a value file or of the journal is refused at
// once, never waited on (issue 11, item 8).
func TestFileStoreHostileFiles(t *testing.T) {
	s, _ := newFileStore(t, nil, testPassphrase)
	ctx := context.Background()
	if _, err := s.Create(ctx, model.Secret{Name: "A"}, "a-value"); err != nil {
		t.Fatal(err)
	}
	p, err := s.fv.path("A")
	if err != nil {
		t.Fatal(err)
	}
	replaceWithFIFO := func(p string) {
		t.Helper()
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	replaceWithFIFO(p)
	done := make(chan error, 1)
	go func() { _, err := s.Value(ctx, "A"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, bounded.ErrNotRegular) {
			t.Errorf("Value with a FIFO for its file = %v, want ErrNotRegular", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Value blocked on a FIFO")
	}
	replaceWithFIFO(s.IndexPath() + ".pending")
	go func() { _, err := s.jr.Pending(); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, bounded.ErrNotRegular) {
			t.Errorf("Pending with a FIFO for the journal = %v, want ErrNotRegular", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Pending blocked on a FIFO")
	}
	if err := os.Remove(s.IndexPath() + ".pending"); err != nil {
		t.Fatal(err)
	}
	// The migration's progress file and the backend mark, read by every
	// change's guard.
	for _, p := range []string{migrationPath(s.IndexPath()), markPath(s.IndexPath())} {
		replaceWithFIFO(p)
		go func() { done <- CheckBackend(s) }()
		select {
		case err := <-done:
			if !errors.Is(err, bounded.ErrNotRegular) {
				t.Errorf("CheckBackend with a FIFO for %s = %v, want ErrNotRegular", filepath.Base(p), err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("CheckBackend blocked on a FIFO for %s", filepath.Base(p))
		}
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
}

// Find reads the index once while its stamp holds, and sees every change:
// a hand edit of the same size within the same second, a copy of the same
// size put in its place, and a file changed just before it was stamped.
func TestFindStamp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.toml")
	write := func(desc string, mod time.Time) {
		t.Helper()
		data, err := encodeIndex([]model.Secret{{Name: "A", Description: desc, Version: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	write("one", old)
	f := &fileIndex{path: path}
	get := func() string {
		t.Helper()
		sec, ok, err := f.Find(context.Background(), "A")
		if err != nil || !ok {
			t.Fatalf("Find = %v, %v", ok, err)
		}
		return sec.Description
	}
	if got := get(); got != "one" {
		t.Fatalf("description %q, want one", got)
	}
	// The change time moves with any write, so an in-place edit that
	// puts the modification time back is seen too.
	write("two", old)
	if got := get(); got != "two" {
		t.Errorf("after an in-place edit of the same size, description %q, want two", got)
	}
	// A copy of the same size and times, put in place by rename.
	tmp := filepath.Join(dir, "copy")
	data, _ := encodeIndex([]model.Secret{{Name: "A", Description: "six", Version: 1}})
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != "six" {
		t.Errorf("after a same-size copy, description %q, want six", got)
	}
	// A settled file is read once while its stamp holds. The rename set
	// the change time to now, which no one can put back: the file settles
	// in stampSettle.
	time.Sleep(stampSettle + 100*time.Millisecond)
	get()
	reads := f.reads
	for range 3 {
		if got := get(); got != "six" {
			t.Fatalf("description %q, want six", got)
		}
	}
	if f.reads != reads {
		t.Errorf("a settled, unchanged index was read %d more times, want 0", f.reads-reads)
	}
	// A file changed just now is read every time.
	now := time.Now()
	write("ten", now)
	reads = f.reads
	get()
	get()
	if f.reads != reads+2 {
		t.Errorf("a file changed just now was read %d times by two Finds, want 2", f.reads-reads)
	}
}
