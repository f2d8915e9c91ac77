package keyring

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

// TestNames: Names is List's names in name order, read from a trusted
// cache without its records, and from the index itself whenever the cache
// cannot answer (none, not yet trusted, stale, or not in name order).
func TestNames(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := func(name string) model.Secret {
		return model.Secret{Name: name, CreatedAt: at, UpdatedAt: at, Version: 1}
	}
	list := []model.Secret{rec("ZED"), rec("ALPHA"), rec("MIKE")}
	f := cachedIndex(t, list)
	st := &store{idx: f, vals: &memBackend{vals: map[string]string{}}}
	names := func() []string {
		t.Helper()
		got, err := st.Names(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := []string{"ALPHA", "MIKE", "ZED"}
	if got := names(); !slices.Equal(got, want) {
		t.Fatalf("Names with no cache = %v, want %v", got, want)
	}
	settle()
	loadNames(t, f) // a trusted cache now
	c := readCacheFile(t, f)
	if !c.trusted {
		t.Fatal("the cache of a settled index should be trusted")
	}
	// A doctored trusted cache answers: Names read it.
	doctored := encodeIndexCache([]model.Secret{rec("FROM_CACHE"), rec("B")}, c.stamp, c.sum, true, false)
	if err := os.WriteFile(cachePath(f.path), doctored, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"B", "FROM_CACHE"}) {
		t.Fatalf("Names = %v; the trusted cache did not answer", got)
	}
	// Untrusted, it does not answer without the index's hash.
	doctored = encodeIndexCache([]model.Secret{rec("FROM_CACHE")}, c.stamp, [32]byte{}, false, false)
	if err := os.WriteFile(cachePath(f.path), doctored, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, want) {
		t.Fatalf("Names through a cache of other bytes = %v, want %v", got, want)
	}
	// A hand edit in the same second, times put back: the index is read.
	data, err := encodeIndex([]model.Secret{rec("ZED"), rec("ALPHB"), rec("MIKE")})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(f.path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"ALPHB", "MIKE", "ZED"}) {
		t.Fatalf("Names after a hand edit = %v", got)
	}
}

// TestCacheNamesOrder: a table of offsets not in name order (or naming a
// record twice) is not whole, and Names reads the index instead.
func TestCacheNamesOrder(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	list := []model.Secret{{Name: "B", CreatedAt: at, Version: 1}, {Name: "A", CreatedAt: at, Version: 1}}
	data := encodeIndexCache(list, fileStamp{}, [32]byte{}, true, false)
	c, ok := parseIndexCache(data)
	if !ok {
		t.Fatal("cache does not parse")
	}
	if got, ok := c.names(); !ok || !slices.Equal(got, []string{"A", "B"}) {
		t.Fatalf("names() = %v, %v; want [A B]", got, ok)
	}
	// Swap the two offsets: B before A.
	p := c.payload
	end := len(p) - 8
	a, b := slices.Clone(p[end:end+4]), slices.Clone(p[end+4:])
	copy(p[end:], b)
	copy(p[end+4:], a)
	if got, ok := c.names(); ok {
		t.Fatalf("names() of a table out of order = %v, true; want false", got)
	}
	copy(p[end:], a) // A twice
	if got, ok := c.names(); ok {
		t.Fatalf("names() of a table naming A twice = %v, true; want false", got)
	}
}

// TestNamesMem: the in-memory store's names, sorted.
func TestNamesMem(t *testing.T) {
	ctx := context.Background()
	m := NewMemStore(nil)
	for _, n := range []string{"ZED", "ALPHA"} {
		if _, err := m.Create(ctx, model.Secret{Name: n}, "v-"+n); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := m.Names(ctx); err != nil || !slices.Equal(got, []string{"ALPHA", "ZED"}) {
		t.Fatalf("Names = %v, %v; want [ALPHA ZED]", got, err)
	}
}
