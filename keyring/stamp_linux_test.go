package keyring

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestStampTickSettle checks when a stamp is trusted: a file changed just
// now never; one left alone for tickSettle only where the file system keeps
// times to the tick (tickTimes), else after stampSettle; and a cache made
// trusted a tick after a write still never serves a hand edit in place of
// the same size with its times put back.
func TestStampTickSettle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := stampFile(path, time.Now())
	if s.ok {
		t.Fatal("a file written just now is trusted")
	}
	written := time.Unix(0, max(s.mtime, s.ctime))
	fine := tickTimes(path, s)
	t.Logf("file system of %s keeps times to the tick: %v", dir, fine)
	if got := stampFile(path, written.Add(tickSettle-time.Millisecond)).ok; got {
		t.Error("trusted before tickSettle")
	}
	if got := stampFile(path, written.Add(tickSettle)).ok; got != fine {
		t.Errorf("after tickSettle ok = %v, want %v (tickTimes)", got, fine)
	}
	if !stampFile(path, written.Add(stampSettle)).ok {
		t.Error("not trusted after stampSettle")
	}
	// Whole seconds: a file system that keeps no fraction.
	whole := s
	whole.mtime -= whole.mtime % int64(time.Second)
	if tickTimes(path, whole) {
		t.Error("a stamp of whole seconds is taken as one of the tick")
	}
	if fineTimeFS(filepath.Join(dir, "missing")) {
		t.Error("a path that cannot be asked is taken as a tick file system")
	}

	if !fine {
		t.Skipf("%s is not on a file system known to keep times to the tick", dir)
	}
	f := cachedIndex(t, twoRecords("one", "b"))
	time.Sleep(tickSettle + 10*time.Millisecond)
	loadNames(t, f)
	if c := readCacheFile(t, f); !c.trusted {
		t.Fatal("a cache of a file left alone for tickSettle is not trusted")
	}
	fi, err := os.Stat(f.path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := encodeIndex(twoRecords("two", "b"))
	if err := os.WriteFile(f.path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(f.path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got := loadNames(t, f); !slices.Equal(got, []string{"A=two", "B=b"}) {
		t.Fatalf("read %v after a hand edit in place a tick after the cache was trusted", got)
	}
	if got := findDesc(t, f, "A"); got != "two" {
		t.Fatalf("Find read %q after the edit", got)
	}
}
