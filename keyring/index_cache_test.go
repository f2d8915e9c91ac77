package keyring

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/model"
)

// checkCacheRoundTrip fails t unless a cache of list decodes to list, every
// record is found by name, and a name not in list is not.
func checkCacheRoundTrip(t *testing.T, list []model.Secret) {
	t.Helper()
	data := encodeIndexCache(list, fileStamp{dev: 1, ino: 2, size: 3, mtime: 4, ctime: 5}, sha256.Sum256([]byte("x")), true, false)
	c, ok := parseIndexCache(data)
	if !ok {
		t.Fatalf("cache of %d records does not read back", len(list))
	}
	if c.stamp != (fileStamp{dev: 1, ino: 2, size: 3, mtime: 4, ctime: 5}) || !c.trusted || c.sum != sha256.Sum256([]byte("x")) {
		t.Fatalf("cache header read back as %+v", c)
	}
	got, ok := c.list(nil)
	if len(list) == 0 && len(got) == 0 {
		got = list // nil and empty alike
	}
	if !ok || !reflect.DeepEqual(got, list) {
		t.Fatalf("cache read back\n%#v\nwant\n%#v", got, list)
	}
	for i := range list {
		sec, found, ok := c.find(list[i].Name)
		if !ok || !found || !reflect.DeepEqual(sec, list[i]) {
			t.Fatalf("find(%q) = %#v, %v, %v; want %#v", list[i].Name, sec, found, ok, list[i])
		}
	}
	if _, found, ok := c.find("NOT_IN_THE_CACHE_" + strings.Repeat("Z", 3)); !ok || found {
		t.Fatalf("find of a missing name: found %v ok %v", found, ok)
	}
	// keep sees every record, in order, and what it keeps is whole.
	var seen []string
	odd, ok := c.list(func(s *model.Secret) bool {
		seen = append(seen, s.Name)
		return len(seen)%2 == 1
	})
	if !ok || len(seen) != len(list) {
		t.Fatalf("keep saw %d of %d records", len(seen), len(list))
	}
	for i, s := range odd {
		if !reflect.DeepEqual(s, list[2*i]) {
			t.Fatalf("kept record %d = %#v, want %#v", i, s, list[2*i])
		}
	}
}

// TestIndexCacheFields fails when a record gains a field the cache does
// not carry: add it to appendCacheRecord and cacheReader.record, and
// change indexCacheMagic's number.
func TestIndexCacheFields(t *testing.T) {
	for typ, n := range map[reflect.Type]int{
		reflect.TypeFor[model.Secret]():    12,
		reflect.TypeFor[model.SyncState](): 7,
		reflect.TypeFor[model.GenSpec]():   2,
	} {
		if typ.NumField() != n {
			t.Errorf("%s has %d fields; the index cache carries %d", typ, typ.NumField(), n)
		}
	}
}

func TestIndexCacheRoundTrip(t *testing.T) {
	var list []model.Secret
	for _, tc := range roundTripCases {
		list = append(list, tc.sec)
	}
	// roundTripCases hold records as parseIndex reads them; one index of
	// all of them (names made unique) is read and cached.
	for i := range list {
		list[i].Name = fmt.Sprintf("%.240s_%d", list[i].Name, i)
	}
	data, err := encodeIndex(list)
	if err != nil {
		t.Fatal(err)
	}
	read, err := parseIndex("f", data)
	if err != nil {
		t.Fatal(err)
	}
	checkCacheRoundTrip(t, read)
	checkCacheRoundTrip(t, genSecrets(1000))
	checkCacheRoundTrip(t, nil)

	// Find's reader of the file finds every record as the whole read does.
	for _, list := range [][]model.Secret{read, genSecrets(1000), nil} {
		path := filepath.Join(t.TempDir(), "index.toml")
		if err := os.WriteFile(cachePath(path), encodeIndexCache(list, fileStamp{}, [32]byte{}, true, false), 0o600); err != nil {
			t.Fatal(err)
		}
		tab, ok := readCacheTable(path)
		if !ok {
			t.Fatal("readCacheTable refused a whole cache")
		}
		defer tab.close()
		for i := range list {
			sec, found, ok := tab.find(list[i].Name)
			if !ok || !found || !reflect.DeepEqual(sec, list[i]) {
				t.Fatalf("table find(%q) = %#v, %v, %v; want %#v", list[i].Name, sec, found, ok, list[i])
			}
		}
		if _, found, ok := tab.find("ZZZZ_MISSING"); !ok || found {
			t.Fatalf("table find of a missing name: found %v ok %v", found, ok)
		}
		if _, found, ok := tab.find("0"); !ok || found {
			t.Fatalf("table find of a missing name: found %v ok %v", found, ok)
		}
	}
}

// TestIndexCacheSharesMetadata: List's records whose metadata is the same
// share one map (sharedMetadata), each reads back as it was written, and
// the records a write changes in place (records) share nothing.
func TestIndexCacheSharesMetadata(t *testing.T) {
	list := genSecrets(48) // 24 distinct sets of metadata, each twice
	list[5].Metadata = nil
	list[6].Metadata = map[string]string{"env": "prod", "owner": "x"}
	list[7].Metadata = map[string]string{"env": "prod", "owner": "x "}
	// More distinct sets than a reader remembers: still read right.
	for i := range maxSharedMetadata + 10 {
		list = append(list, model.Secret{Name: fmt.Sprintf("U_%05d", i), Metadata: map[string]string{"k": fmt.Sprint(i)}, Version: 1})
	}
	c, ok := parseIndexCache(encodeIndexCache(list, fileStamp{}, [32]byte{}, false, true))
	if !ok {
		t.Fatal("cache does not read back")
	}
	got, ok := c.list(nil)
	if !ok || !reflect.DeepEqual(got, list) {
		t.Fatal("a cache read with shared metadata is not the list written")
	}
	same := func(a, b map[string]string) bool { return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() }
	if !same(got[0].Metadata, got[24].Metadata) || !same(got[1].Metadata, got[25].Metadata) {
		t.Error("records with the same metadata have maps of their own")
	}
	if same(got[0].Metadata, got[1].Metadata) || same(got[6].Metadata, got[7].Metadata) || got[5].Metadata != nil {
		t.Error("records with different metadata share a map")
	}
	recs, _, ok := c.records()
	if !ok {
		t.Fatal("records refused a whole cache")
	}
	recs[0].Metadata["env"] = "changed"
	if recs[24].Metadata["env"] == "changed" {
		t.Error("records shares a map that a write changes in place")
	}
	// Distinct metadata past the table, then a repeat: read right too.
	distinct := slices.Clone(list[48:])
	distinct = append(distinct, model.Secret{Name: "V", Metadata: map[string]string{"k": "0"}, Version: 1})
	c, ok = parseIndexCache(encodeIndexCache(distinct, fileStamp{}, [32]byte{}, false, true))
	if got, listed := c.list(nil); !ok || !listed || !reflect.DeepEqual(got, distinct) {
		t.Fatal("a cache of distinct metadata is not the list written")
	}
}

// TestStreamListMatchesList: a streamed read of a cache file, in chunks of
// any size, gives what the read of the whole file gives, and nothing when
// a byte of the payload is wrong or the file is cut short.
func TestStreamListMatchesList(t *testing.T) {
	var read []model.Secret
	for i, tc := range roundTripCases {
		s := tc.sec
		s.Name = fmt.Sprintf("%.240s_%d", s.Name, i)
		read = append(read, s)
	}
	long := genSecrets(300)
	long[7].Description = strings.Repeat("long description ", 4000) // longer than a chunk
	long[9].Metadata = map[string]string{"big": strings.Repeat("v", stringArenaBlock)}
	for _, list := range [][]model.Secret{read, genSecrets(1000), long, nil} {
		data := encodeIndexCache(list, fileStamp{}, [32]byte{}, true, false)
		c, ok := parseIndexCache(data)
		if !ok {
			t.Fatal("cache does not read back")
		}
		want, ok := c.list(nil)
		if !ok {
			t.Fatal("list refused a whole cache")
		}
		var keep func(*model.Secret) bool
		stream := func(data []byte, chunk int) ([]model.Secret, bool) {
			path := filepath.Join(t.TempDir(), "index.toml.cache")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			file, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			_, head, ok := parseCacheHeader(data)
			if !ok {
				t.Fatal("header does not read back")
			}
			return streamList(file, head, chunk, keep)
		}
		for _, chunk := range []int{1, 7, 100, 4096, streamChunk} {
			keep = nil
			got, ok := stream(data, chunk)
			if !ok || !reflect.DeepEqual(got, want) {
				t.Fatalf("%d records in chunks of %d: streamed %d records (ok %v), not the list", len(list), chunk, len(got), ok)
			}
			// Filtered: the records keep accepts, each whole after the
			// chunks it was read from were read over.
			keep = func(s *model.Secret) bool { return len(s.Name)%2 == 0 }
			got, ok = stream(data, chunk)
			wantKept := slices.DeleteFunc(slices.Clone(want), func(s model.Secret) bool { return !keep(&s) })
			if !ok || !reflect.DeepEqual(got, wantKept) {
				t.Fatalf("%d records in chunks of %d, filtered: streamed %d records (ok %v), not the %d kept", len(list), chunk, len(got), ok, len(wantKept))
			}
		}
		keep = nil
		for _, at := range []int{cacheHeaderSize, cacheHeaderSize + len(data)/2, len(data) - 1} {
			if at >= len(data) {
				continue
			}
			bad := bytes.Clone(data)
			bad[at] ^= 0x40
			if got, ok := stream(bad, 100); ok {
				t.Fatalf("a cache with byte %d of %d changed streamed as %d records", at, len(data), len(got))
			}
		}
		if got, ok := stream(data[:len(data)-1], 100); ok {
			t.Fatalf("a cache cut short streamed as %d records", len(got))
		}
	}
}

// cachedIndex is an index file of list in a fresh directory.
func cachedIndex(t *testing.T, list []model.Secret) *fileIndex {
	t.Helper()
	path := filepath.Join(t.TempDir(), "index.toml")
	data, err := encodeIndex(list)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return &fileIndex{path: path}
}

func loadNames(t *testing.T, f *fileIndex) []string {
	t.Helper()
	list, err := f.Load(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name+"="+s.Description)
	}
	return names
}

func findDesc(t *testing.T, f *fileIndex, name string) string {
	t.Helper()
	f2 := &fileIndex{path: f.path} // a new process: no memo
	defer f2.table.close()
	sec, found, err := f2.Find(context.Background(), name)
	if err != nil || !found {
		t.Fatalf("Find(%q): %v %v", name, found, err)
	}
	return sec.Description
}

func readCacheFile(t *testing.T, f *fileIndex) indexCache {
	t.Helper()
	c, ok := readIndexCache(f.path)
	if !ok {
		t.Fatal("no whole cache beside the index")
	}
	return c
}

// settle waits until a file written now is past stampSettle, so that the
// next read makes a cache trusted on its stamp alone.
func settle() { time.Sleep(stampSettle + 100*time.Millisecond) }

func twoRecords(descA, descB string) []model.Secret {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return []model.Secret{
		{Name: "A", Description: descA, CreatedAt: at, UpdatedAt: at, Version: 1},
		{Name: "B", Description: descB, CreatedAt: at, UpdatedAt: at, Version: 1},
	}
}

// TestIndexCacheNeverStale changes the index behind the cache in the ways
// a stale or foreign cache could be served: each read must see the file.
func TestIndexCacheNeverStale(t *testing.T) {
	edit := func(t *testing.T, f *fileIndex, descA string, keepTimes bool) {
		t.Helper()
		fi, err := os.Stat(f.path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := encodeIndex(twoRecords(descA, "b"))
		if len(data) != int(fi.Size()) {
			t.Fatalf("test edit changes the size: %d to %d", fi.Size(), len(data))
		}
		// In place: the same inode, the same size.
		if err := os.WriteFile(f.path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if keepTimes {
			if err := os.Chtimes(f.path, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("hand edit in the same second, times put back", func(t *testing.T) {
		f := cachedIndex(t, twoRecords("one", "b"))
		if got := loadNames(t, f); !slices.Equal(got, []string{"A=one", "B=b"}) {
			t.Fatal(got)
		}
		if c := readCacheFile(t, f); c.trusted {
			t.Fatal("a cache of a file changed just now must not be trusted on its stamp")
		}
		edit(t, f, "two", true)
		if got := loadNames(t, f); !slices.Equal(got, []string{"A=two", "B=b"}) {
			t.Fatalf("read %v after the edit", got)
		}
		edit(t, f, "six", true)
		if got := findDesc(t, f, "A"); got != "six" {
			t.Fatalf("Find read %q after the edit", got)
		}
	})
	t.Run("hand edit after a trusted cache", func(t *testing.T) {
		f := cachedIndex(t, twoRecords("one", "b"))
		settle()
		loadNames(t, f)
		if c := readCacheFile(t, f); !c.trusted {
			t.Fatal("a cache of a settled file should be trusted on its stamp")
		}
		edit(t, f, "two", true)
		if got := loadNames(t, f); !slices.Equal(got, []string{"A=two", "B=b"}) {
			t.Fatalf("read %v after the edit", got)
		}
		settle()
		loadNames(t, f)
		edit(t, f, "six", false)
		if got := findDesc(t, f, "A"); got != "six" {
			t.Fatalf("Find read %q after the edit", got)
		}
	})
	t.Run("another index of the same size copied over it", func(t *testing.T) {
		f := cachedIndex(t, twoRecords("one", "b"))
		settle()
		loadNames(t, f)
		other := cachedIndex(t, twoRecords("two", "b"))
		data, _ := os.ReadFile(other.path)
		fi, _ := os.Stat(other.path)
		// cp -p: a new file with the other's bytes and times, renamed in.
		tmp := f.path + ".new"
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(tmp, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, f.path); err != nil {
			t.Fatal(err)
		}
		if got := loadNames(t, f); !slices.Equal(got, []string{"A=two", "B=b"}) {
			t.Fatalf("read %v after the copy", got)
		}
	})
	t.Run("a cache from another index", func(t *testing.T) {
		a := cachedIndex(t, twoRecords("one", "b"))
		b := cachedIndex(t, twoRecords("two", "b"))
		settle()
		loadNames(t, a)
		data, err := os.ReadFile(cachePath(a.path))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cachePath(b.path), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if got := loadNames(t, b); !slices.Equal(got, []string{"A=two", "B=b"}) {
			t.Fatalf("read %v through a foreign cache", got)
		}
		if got := findDesc(t, b, "A"); got != "two" {
			t.Fatalf("Find read %q through a foreign cache", got)
		}
	})
	t.Run("a truncated or garbled cache", func(t *testing.T) {
		f := cachedIndex(t, genSecrets(50))
		settle()
		want := loadNames(t, f)
		full, err := os.ReadFile(cachePath(f.path))
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range [][]byte{
			full[:len(full)/2],
			full[:cacheHeaderSize],
			full[:10],
			{},
			append(bytes.Clone(full[:len(full)-1]), full[len(full)-1]^1),
			append(bytes.Clone(full[:cacheHeaderSize+3]), append([]byte{full[cacheHeaderSize+3] ^ 0x40}, full[cacheHeaderSize+4:]...)...),
		} {
			if err := os.WriteFile(cachePath(f.path), bad, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, ok := readIndexCache(f.path); ok {
				t.Fatalf("a damaged cache (%d of %d bytes) was read as whole", len(bad), len(full))
			}
			if got := loadNames(t, f); !slices.Equal(got, want) {
				t.Fatalf("read %d records through a damaged cache, want %d", len(got), len(want))
			}
			if got := findDesc(t, f, want[7][:strings.IndexByte(want[7], '=')]); got != want[7][strings.IndexByte(want[7], '=')+1:] {
				t.Fatalf("Find read %q through a damaged cache", got)
			}
		}
		// The read after damage left a whole cache again.
		readCacheFile(t, f)
	})
}

// TestIndexCacheAnswers proves that a trusted cache is what answers (the
// index is not read): a cache doctored to say something else, with the
// index's stamp, is believed. It is the reason for the rules above.
func TestIndexCacheAnswers(t *testing.T) {
	f := cachedIndex(t, twoRecords("one", "b"))
	settle()
	loadNames(t, f)
	c := readCacheFile(t, f)
	doctored := encodeIndexCache(twoRecords("from the cache", "b"), c.stamp, c.sum, true, false)
	if err := os.WriteFile(cachePath(f.path), doctored, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := loadNames(t, f); !slices.Equal(got, []string{"A=from the cache", "B=b"}) {
		t.Fatalf("read %v; the trusted cache did not answer", got)
	}
	if got := findDesc(t, f, "A"); got != "from the cache" {
		t.Fatalf("Find read %q; the trusted cache did not answer", got)
	}
	// Untrusted, the same cache answers only for the bytes it was made from.
	doctored = encodeIndexCache(twoRecords("from the cache", "b"), c.stamp, c.sum, false, false)
	if err := os.WriteFile(cachePath(f.path), doctored, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := loadNames(t, f); !slices.Equal(got, []string{"A=from the cache", "B=b"}) {
		t.Fatalf("read %v; the cache with the index's hash did not answer", got)
	}
	doctored = encodeIndexCache(twoRecords("from the cache", "b"), c.stamp, sha256.Sum256(nil), false, false)
	if err := os.WriteFile(cachePath(f.path), doctored, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := loadNames(t, f); !slices.Equal(got, []string{"A=one", "B=b"}) {
		t.Fatalf("read %v through a cache of other bytes", got)
	}
}

// TestIndexCacheWrites: a write leaves a cache of what it wrote, checked
// by hash; a symlink where the cache goes is neither followed nor
// replaced; the cache is private.
func TestIndexCacheWrites(t *testing.T) {
	f := cachedIndex(t, twoRecords("one", "b"))
	err := f.Update(context.Background(), func(list []model.Secret) ([]model.Secret, error) {
		list[0].Description = "written"
		return list, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := readCacheFile(t, f)
	data, _ := os.ReadFile(f.path)
	if c.trusted || c.sum != sha256.Sum256(data) {
		t.Fatalf("the write's cache: trusted %v, hash of the index %v", c.trusted, c.sum == sha256.Sum256(data))
	}
	if got, _ := c.list(nil); len(got) != 2 || got[0].Description != "written" {
		t.Fatalf("the write's cache holds %#v", got)
	}
	if fi, err := os.Stat(cachePath(f.path)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	// Once the index settles, the first get stamps the cache, so the ones
	// after it need neither the index nor a hash; the payload is the same.
	settle()
	if got := findDesc(t, f, "A"); got != "written" {
		t.Fatalf("Find read %q", got)
	}
	if again := readCacheFile(t, f); !again.trusted || !bytes.Equal(again.payload, c.payload) || !again.canonical {
		t.Fatalf("after a settled get: trusted %v, same payload %v, canonical %v", again.trusted, bytes.Equal(again.payload, c.payload), again.canonical)
	}

	g := cachedIndex(t, twoRecords("one", "b"))
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, cachePath(g.path)); err != nil {
		t.Fatal(err)
	}
	settle()
	if got := loadNames(t, g); !slices.Equal(got, []string{"A=one", "B=b"}) {
		t.Fatal(got)
	}
	if err := g.Update(context.Background(), func(list []model.Secret) ([]model.Secret, error) { return list, nil }, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Fatalf("the file behind a symlinked cache was changed to %q", b)
	}
	if fi, err := os.Lstat(cachePath(g.path)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", fi.Mode(), err)
	}
}

func FuzzIndexCache(f *testing.F) {
	f.Add(encodeIndexCache(genSecrets(3), fileStamp{}, [32]byte{}, false, false))
	list := twoRecords("x", "y")
	list[0].Sync = []model.SyncState{{Target: "t", Version: 1, PushedAt: time.Unix(5, 6)}}
	list[1].Generated = &model.GenSpec{Length: 20, Symbols: true}
	list[1].Metadata = map[string]string{"k": "v"}
	f.Add(encodeIndexCache(list, fileStamp{}, [32]byte{}, true, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Any bytes: no panic, and what reads as whole decodes without one.
		if c, ok := parseIndexCache(data); ok {
			c.list(nil)
			c.list(func(*model.Secret) bool { return true })
			c.find("A")
			c.find("B")
		}
		// Find's reader of the file: no panic either.
		path := filepath.Join(t.TempDir(), "index.toml")
		if err := os.WriteFile(cachePath(path), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if tab, ok := readCacheTable(path); ok {
			tab.find("A")
			tab.find("B")
			tab.close()
		}
		// The streamed read answers only with what the whole read does.
		if _, head, ok := parseCacheHeader(data); ok {
			if file, err := os.Open(cachePath(path)); err == nil {
				got, ok := streamList(file, head, 64, nil)
				odd := func(s *model.Secret) bool { return len(s.Name)%2 == 1 }
				kept, keptOK := streamList(file, head, 64, odd)
				file.Close()
				c, whole := parseIndexCache(data)
				if ok {
					want, listed := c.list(nil)
					if !whole || !listed || !reflect.DeepEqual(got, want) {
						t.Fatalf("streamed %d records where the whole read gives %d (%v %v)", len(got), len(want), whole, listed)
					}
				}
				if keptOK {
					want, listed := c.list(odd)
					if !whole || !listed || !reflect.DeepEqual(kept, want) {
						t.Fatalf("streamed %d kept records where the whole read gives %d (%v %v)", len(kept), len(want), whole, listed)
					}
				}
			}
		}
		// A payload whose checksum is right but whose layout is not.
		if len(data) > 0 {
			c := indexCache{payload: data}
			c.list(nil)
			c.find("A")
		}
	})
}

// encodeReusing is what Update writes for next over data, the file
// encodeIndex wrote for old, whose cache says so. It fails unless the
// cache laid out with it is that of next.
func encodeReusing(old []model.Secret, data []byte, next []model.Secret) ([]byte, error) {
	c, ok := parseIndexCache(encodeIndexCache(old, fileStamp{}, [32]byte{}, false, true))
	if !ok {
		return nil, errors.New("no cache of old")
	}
	list, recs, ok := c.records()
	spans := recordSpans(len(old), data)
	if !ok || spans == nil {
		return nil, fmt.Errorf("records %v, spans %v", ok, spans)
	}
	base := &writeBase{data: data, spans: spans, recs: recs}
	for i := range list {
		base.names = append(base.names, list[i].Name)
	}
	b, cb, err := encodeIndexWrite(next, base, true)
	if err != nil {
		return nil, err
	}
	if got, want := cb.finish(fileStamp{}, [32]byte{}, false, true), encodeIndexCache(next, fileStamp{}, [32]byte{}, false, true); !bytes.Equal(got, want) {
		return nil, errors.New("the cache laid out by the write is not the cache of what it wrote")
	}
	return b, nil
}

// TestEncodeIndexReusing: every kind of change a write makes, through
// records changed in place, gives the bytes encodeIndex gives.
func TestEncodeIndexReusing(t *testing.T) {
	base := genSecrets(200)
	base[3].Sync = []model.SyncState{{Target: "v1 https://api.julep.ai/api", RemoteID: "r", Version: 1, PushedAt: time.Unix(100, 0).UTC()}}
	base[4].Generated = &model.GenSpec{Length: 30, Symbols: true}
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		change func([]model.Secret) []model.Secret
	}{
		{"nothing", func(l []model.Secret) []model.Secret { return l }},
		{"a field", func(l []model.Secret) []model.Secret { l[10].Description = "new"; return l }},
		{"metadata in place", func(l []model.Secret) []model.Secret { l[11].Metadata["env"] = "changed"; return l }},
		{"metadata key removed", func(l []model.Secret) []model.Secret {
			for k := range l[12].Metadata {
				delete(l[12].Metadata, k)
				break
			}
			return l
		}},
		{"sync in place", func(l []model.Secret) []model.Secret { l[3].Sync[0].Version = 2; return l }},
		{"generated in place", func(l []model.Secret) []model.Secret { l[4].Generated.Length = 31; return l }},
		{"generated dropped", func(l []model.Secret) []model.Secret { l[4].Generated = nil; return l }},
		{"times", func(l []model.Secret) []model.Secret {
			l[5].RotatedAt = at
			l[5].UpdatedAt = at
			l[5].Version++
			return l
		}},
		{"appended", func(l []model.Secret) []model.Secret {
			return append(l, model.Secret{Name: "ZZZ_NEW", CreatedAt: at, UpdatedAt: at, Version: 1})
		}},
		{"deleted", func(l []model.Secret) []model.Secret { return slices.Delete(l, 7, 8) }},
		{"renamed", func(l []model.Secret) []model.Secret { l[8].Name = "RENAMED"; return l }},
		{"reordered", func(l []model.Secret) []model.Secret { slices.Reverse(l); return l }},
		{"all deleted", func(l []model.Secret) []model.Secret { return l[:0] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := make([]model.Secret, len(base))
			for i := range base {
				old[i] = base[i].Clone()
			}
			data, err := encodeIndex(old)
			if err != nil {
				t.Fatal(err)
			}
			prev := make([]model.Secret, len(old))
			for i := range old {
				prev[i] = old[i].Clone()
			}
			next := tc.change(old)
			want, err := encodeIndex(next)
			if err != nil {
				t.Fatal(err)
			}
			got, err := encodeReusing(prev, data, next)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("encodeIndexWrite with a base differs from encodeIndex (%v)", err)
			}
		})
	}
	// A file not in encodeIndex's layout is never cut into records.
	data, _ := encodeIndex(base[:3])
	for _, bad := range [][]byte{
		bytes.Replace(data, []byte("\n[[secret]]\n"), []byte("\n[[secret]]  \n"), 1),
		append([]byte("# mine\n"), data...),
		data[:len(data)-len(base[2].Name)],
	} {
		if spans := recordSpans(3, bad); spans != nil && !bytes.Equal(bad, data) {
			// Only the truncated file keeps the layout; its records are
			// still cut where they begin.
			if !bytes.HasPrefix(data, bad) {
				t.Fatalf("recordSpans cut a hand-edited file: %v", spans)
			}
		}
	}
	if spans := recordSpans(2, data); spans != nil {
		t.Fatalf("recordSpans cut three records as two: %v", spans)
	}
}

// TestUpdateCopiesRecords: a write through Update, whose fn changes a
// record's metadata in place, writes what encodeIndex writes, and leaves a
// cache that says the file is encodeIndex's.
func TestUpdateCopiesRecords(t *testing.T) {
	list := genSecrets(100)
	f := cachedIndex(t, list)
	for round := range 3 {
		err := f.Update(context.Background(), func(l []model.Secret) ([]model.Secret, error) {
			l[round].Metadata["env"] = fmt.Sprint("round", round)
			list[round].Metadata["env"] = fmt.Sprint("round", round)
			return l, nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := encodeIndex(list)
		if got, _ := os.ReadFile(f.path); !bytes.Equal(got, want) {
			t.Fatalf("round %d: the index is not encodeIndex's", round)
		}
		if c := readCacheFile(t, f); !c.canonical {
			t.Fatalf("round %d: the write's cache does not say the file is encodeIndex's", round)
		}
	}
}

// TestEncodeIndexWriteTwice: a name written twice is refused, whether the
// second record is a copy of one the base holds, a record renamed to
// another's name, or among many changed records.
func TestEncodeIndexWriteTwice(t *testing.T) {
	base := genSecrets(40)
	data, err := encodeIndex(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func([]model.Secret) []model.Secret
	}{
		{"a copy appended", func(l []model.Secret) []model.Secret { return append(l, l[3]) }},
		{"renamed to another's name", func(l []model.Secret) []model.Secret { l[5].Name = l[6].Name; return l }},
		{"among many changed", func(l []model.Secret) []model.Secret {
			for i := range 30 {
				l[i].Version++
			}
			l[20].Name = l[35].Name
			return l
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := make([]model.Secret, len(base))
			for i := range base {
				old[i] = base[i].Clone()
			}
			next := tc.change(old)
			if _, err := encodeReusing(base, data, next); !errors.Is(err, ErrExists) {
				t.Fatalf("over a base: %v, want ErrExists", err)
			}
			if _, err := encodeIndex(next); !errors.Is(err, ErrExists) {
				t.Fatalf("without a base: %v, want ErrExists", err)
			}
		})
	}
}

// TestParseByRecord: one record hand-written outside keyward's layout is
// read through the TOML decoder alone, the rest through the fast path; an
// error is still reported at its line in the whole file.
func TestParseByRecord(t *testing.T) {
	list := genSecrets(30)
	data, err := encodeIndex(list)
	if err != nil {
		t.Fatal(err)
	}
	// Record 10's metadata as an inline table, with a comment: TOML the
	// fast path does not take.
	at := bytes.Index(data, []byte("name = \""+list[10].Name+"\""))
	meta := bytes.Index(data[at:], []byte("\n[secret.metadata]\n")) + at
	end := bytes.Index(data[meta+1:], []byte("\n[[secret]]\n")) + meta + 1
	var inline strings.Builder
	inline.WriteString("metadata = { ")
	for i, k := range model.SortedKeys(list[10].Metadata) {
		if i > 0 {
			inline.WriteString(", ")
		}
		fmt.Fprintf(&inline, "%s = %q", k, list[10].Metadata[k])
	}
	inline.WriteString(" } # by hand\n")
	edited := slices.Concat(data[:meta+1], []byte(inline.String()), data[end:])
	if _, ok := parseCanonical(edited); ok {
		t.Fatal("the edit is in the fast path's layout; the test needs one outside it")
	}
	got, ok := parseByRecord("f", edited)
	if !ok || !reflect.DeepEqual(got, list) {
		t.Fatalf("parseByRecord: ok %v, same records %v", ok, reflect.DeepEqual(got, list))
	}
	if got, err := parseIndex("f", edited); err != nil || !reflect.DeepEqual(got, list) {
		t.Fatalf("parseIndex: %v", err)
	}
	// A mistake in another record: the whole file's line of its table in
	// the message.
	bad := bytes.Replace(edited, []byte("version = "), []byte("version = -"), 1)
	_, err = parseIndex("f", bad)
	line := bytes.Count(bad[:bytes.Index(bad, []byte("[[secret]]"))], []byte("\n")) + 1
	if err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("f:%d:", line)) {
		t.Fatalf("error %v, want one at line %d", err, line)
	}
}

// TestCacheTableOneFile: the records get reads come from the file whose
// table it read, even when another keyward renames a new cache in
// meanwhile.
func TestCacheTableOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.toml")
	if err := atomicfile.Replace(cachePath(path), encodeIndexCache(twoRecords("first", "b"), fileStamp{}, [32]byte{}, true, true)); err != nil {
		t.Fatal(err)
	}
	tab, ok := readCacheTable(path)
	if !ok {
		t.Fatal("no table")
	}
	defer tab.close()
	if err := atomicfile.Replace(cachePath(path), encodeIndexCache(twoRecords("second, longer than the first", "b"), fileStamp{}, [32]byte{}, true, true)); err != nil {
		t.Fatal(err)
	}
	if sec, found, ok := tab.find("A"); !ok || !found || sec.Description != "first" {
		t.Fatalf("find read %q (found %v ok %v) from the table's file", sec.Description, found, ok)
	}
}

// TestFindJustWritten finds a record in an index written a moment ago (its
// stamp cannot vouch for it yet): the cache's table answers once the
// mapped index hashes to the cache's sum, without a read of the index into
// memory; an edit in place of the same size, in the same moment, is seen.
func TestFindJustWritten(t *testing.T) {
	list := genSecrets(500)
	_, f := twoIndexes(t, list) // written through Update: a cache by hash
	g := &fileIndex{path: f.path}
	settled := stampFile(f.path, time.Now()).ok // a slow machine took a second
	sec, found, err := g.Find(context.Background(), list[250].Name)
	if err != nil || !found || !sameSecret(sec, list[250]) {
		t.Fatalf("Find = %+v, %v, %v; want %+v", sec, found, err, list[250])
	}
	if g.reads != 0 && !settled {
		t.Errorf("the index was read %d times; the mapped hash should answer", g.reads)
	}
	// The same size, another description, at once.
	data, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	old := []byte(`description = "` + list[250].Description + `"`)
	edited := bytes.Replace(data, old, bytes.ReplaceAll(old, []byte("API"), []byte("XYZ")), 1)
	if bytes.Equal(edited, data) || len(edited) != len(data) {
		t.Fatal("the edit changed nothing, or the size")
	}
	if err := os.WriteFile(f.path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	sec, found, err = (&fileIndex{path: f.path}).Find(context.Background(), list[250].Name)
	if err != nil || !found || !strings.Contains(sec.Description, "XYZ") {
		t.Fatalf("Find after an edit in place = %q, %v, %v; want the edited description", sec.Description, found, err)
	}
}
