package keyring

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// TestFindTrustsWrittenCache finds a record a tick after a write: the
// write's own cache (not trusted on its stamp when written) answers once
// the mapped index hashes to its sum, without a read of the index, and is
// marked trusted in place, so the next Find needs no hash; a hand edit in
// place after that, times put back, is still seen.
func TestFindTrustsWrittenCache(t *testing.T) {
	list := genSecrets(300)
	_, f := twoIndexes(t, list) // written through Update: a cache by hash
	if c := readCacheFile(t, f); c.trusted {
		t.Fatal("a write's own cache is trusted on its stamp")
	}
	if !tickTimes(f.path, stampFile(f.path, time.Now())) {
		t.Skipf("%s is not on a file system known to keep times to the tick", f.path)
	}
	time.Sleep(tickSettle + 10*time.Millisecond)
	g := &fileIndex{path: f.path}
	defer g.table.close()
	sec, found, err := g.Find(context.Background(), list[150].Name)
	if err != nil || !found || !sameSecret(sec, list[150]) {
		t.Fatalf("Find = %+v, %v, %v; want %+v", sec, found, err, list[150])
	}
	if g.reads != 0 {
		t.Errorf("the index was read %d times; the mapped hash should answer", g.reads)
	}
	c := readCacheFile(t, f)
	if !c.trusted || !c.canonical {
		t.Fatalf("after the Find the cache is trusted %v, canonical %v; want both", c.trusted, c.canonical)
	}
	if _, ok := readIndexCache(f.path); !ok {
		t.Fatal("the cache marked in place no longer reads whole")
	}
	fi, err := os.Stat(f.path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	old := []byte(`description = "` + list[150].Description + `"`)
	edited := bytes.Replace(data, old, bytes.ReplaceAll(old, []byte("API"), []byte("XYZ")), 1)
	if bytes.Equal(edited, data) || len(edited) != len(data) {
		t.Fatal("the edit changed nothing, or the size")
	}
	if err := os.WriteFile(f.path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(f.path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	sec, found, err = (&fileIndex{path: f.path}).Find(context.Background(), list[150].Name)
	if err != nil || !found || !strings.Contains(sec.Description, "XYZ") {
		t.Fatalf("Find after an edit in place = %q, %v, %v; want the edited description", sec.Description, found, err)
	}
}
