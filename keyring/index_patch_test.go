package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
)

// twoIndexes writes list to two indexes and leaves each its cache (a first
// Update), for comparing a change made through Update with the same change
// made through UpdateRecord.
func twoIndexes(t *testing.T, list []model.Secret) (whole, patched *fileIndex) {
	t.Helper()
	dir := t.TempDir()
	var out [2]*fileIndex
	for k, name := range []string{"whole.toml", "patched.toml"} {
		data, err := encodeIndex(list)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		f := &fileIndex{path: path}
		if err := f.Update(context.Background(), func(l []model.Secret) ([]model.Secret, error) { return l, nil }, nil); err != nil {
			t.Fatal(err)
		}
		out[k] = f
	}
	return out[0], out[1]
}

// cachePayload is the payload of the cache of the index at path.
func cachePayload(t *testing.T, path string) []byte {
	t.Helper()
	c, ok := readIndexCache(path)
	if !ok {
		t.Fatalf("no whole cache beside %s", path)
	}
	return c.payload
}

// sameAsUpdate fails unless the two indexes and their caches' payloads are
// the same bytes; it returns the index's.
func sameAsUpdate(t *testing.T, whole, patched *fileIndex, what string) []byte {
	t.Helper()
	a, _ := os.ReadFile(whole.path)
	b, _ := os.ReadFile(patched.path)
	if !bytes.Equal(a, b) {
		t.Fatalf("%s: the patched index differs from Update's", what)
	}
	if !bytes.Equal(cachePayload(t, whole.path), cachePayload(t, patched.path)) {
		t.Fatalf("%s: the patched cache differs from Update's", what)
	}
	return a
}

// TestUpdateRecordAsUpdate: a change of one record through UpdateRecord
// leaves the index and its cache byte for byte as the same change through
// Update does, whether the record grows, shrinks or keeps its length, at
// the start, middle or end of the file; the next reads see the change.
func TestUpdateRecordAsUpdate(t *testing.T) {
	when := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	changes := map[string]func(*model.Secret){
		"version": func(s *model.Secret) { s.Version++ },
		"rotated": func(s *model.Secret) {
			s.Version++
			s.RotatedAt, s.UpdatedAt = when, when
			s.Generated = &model.GenSpec{Length: 48, Symbols: true}
		},
		"longer": func(s *model.Secret) {
			s.Description = strings.Repeat("a much longer description, with \"quotes\" ", 20)
			s.Metadata = map[string]string{"env": "prod", "owner": "ops", "zone": "eu-west-1", "a": "b"}
			s.Sync = []model.SyncState{{Target: "v1:acct", RemoteID: "r-1", Version: 3, PushedAt: when}}
		},
		"shorter": func(s *model.Secret) {
			s.Description = ""
			s.Metadata = nil
			s.RotateEvery = 0
		},
		"no value": func(s *model.Secret) { s.NoValue = true },
		"swapped":  func(s *model.Secret) { s.SlotsSwapped = !s.SlotsSwapped },
	}
	list := genSecrets(300)
	for what, change := range changes {
		for _, at := range []int{0, 150, 299} {
			name := list[at].Name
			whole, patched := twoIndexes(t, list)
			err := whole.Update(context.Background(), func(l []model.Secret) ([]model.Secret, error) {
				change(&l[find(l, name)])
				return l, nil
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			count := -1
			err = patched.UpdateRecord(context.Background(), name, func(n int, rec *model.Secret, found bool) error {
				count = n
				change(rec)
				return nil
			}, nil)
			if err != nil {
				t.Fatalf("%s of record %d: %v", what, at, err)
			}
			if count != len(list) {
				t.Errorf("%s: UpdateRecord told fn of %d records, want %d", what, count, len(list))
			}
			a := sameAsUpdate(t, whole, patched, fmt.Sprintf("%s of record %d", what, at))
			want, err := parseIndex("want", a)
			if err != nil {
				t.Fatal(err)
			}
			got, err := patched.Load(context.Background(), nil)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s of record %d: the read after the patch differs (%v)", what, at, err)
			}
			if sec, ok, err := patched.Find(context.Background(), name); err != nil || !ok || !reflect.DeepEqual(sec, want[at]) {
				t.Fatalf("%s of record %d: Find after the patch = %v, %v, %v", what, at, sec, ok, err)
			}
			// And a second patch of the patched files.
			if err := patched.UpdateRecord(context.Background(), name, func(_ int, rec *model.Secret, _ bool) error {
				rec.Version++
				return nil
			}, nil); err != nil {
				t.Fatalf("%s of record %d, patched again: %v", what, at, err)
			}
		}
	}
}

// TestUpdateRecordAdds: a record UpdateRecord adds leaves the index and its
// cache as Update's append does, wherever its name sorts, and when the
// count of records takes another byte in the cache (127 to 128).
func TestUpdateRecordAdds(t *testing.T) {
	for _, n := range []int{1, 50, 127, 128} {
		list := genSecrets(n)
		for _, name := range []string{"AAA_FIRST", list[n/2].Name + "_X", "ZZZ_LAST"} {
			add := model.Secret{Name: name, Description: "added", Version: 1,
				CreatedAt: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), Metadata: map[string]string{"env": "prod"}}
			whole, patched := twoIndexes(t, list)
			if err := whole.Update(context.Background(), func(l []model.Secret) ([]model.Secret, error) {
				return append(l, add), nil
			}, nil); err != nil {
				t.Fatal(err)
			}
			err := patched.UpdateRecord(context.Background(), name, func(count int, rec *model.Secret, found bool) error {
				if found || count != n || !reflect.DeepEqual(*rec, model.Secret{}) {
					t.Errorf("adding %s to %d: fn got found %v, count %d, record %v", name, n, found, count, rec)
				}
				*rec = add
				return nil
			}, nil)
			if err != nil {
				t.Fatalf("adding %s to %d: %v", name, n, err)
			}
			sameAsUpdate(t, whole, patched, fmt.Sprintf("adding %s to %d", name, n))
			if sec, ok, err := patched.Find(context.Background(), name); err != nil || !ok || sec.Description != "added" {
				t.Fatalf("adding %s to %d: Find after the patch = %v, %v, %v", name, n, sec, ok, err)
			}
			got, err := patched.Load(context.Background(), nil)
			if err != nil || len(got) != n+1 || got[n].Name != name {
				t.Fatalf("adding %s to %d: the read after the patch has %d records (%v)", name, n, len(got), err)
			}
		}
	}
}

// TestUpdateRecordFallsBack: whatever UpdateRecord cannot prove sends the
// caller to Update, with fn not run and nothing written.
func TestUpdateRecordFallsBack(t *testing.T) {
	list := genSecrets(50)
	name := list[20].Name
	for _, tt := range []struct {
		why   string
		setUp func(t *testing.T, path string)
		name  string
	}{
		{"no cache", func(t *testing.T, path string) {
			if err := os.Remove(cachePath(path)); err != nil {
				t.Fatal(err)
			}
		}, name},
		{"a hand edit the cache has not seen", func(t *testing.T, path string) {
			data, _ := os.ReadFile(path)
			fi, _ := os.Stat(path)
			data = bytes.Replace(data, []byte("version = 1\n"), []byte("version = 7\n"), 1)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			_ = os.Chtimes(path, fi.ModTime(), fi.ModTime())
		}, name},
		{"a layout not keyward's", func(t *testing.T, path string) {
			data, _ := os.ReadFile(path)
			data = bytes.Replace(data, []byte("\nversion = "), []byte("\nversion   = "), -1)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			// Read once, so that the cache is of this file (and says it
			// is not encodeIndex's).
			if _, err := (&fileIndex{path: path}).Load(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
		}, name},
		{"no index", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, name},
	} {
		t.Run(tt.why, func(t *testing.T) {
			_, f := twoIndexes(t, list)
			if tt.setUp != nil {
				tt.setUp(t, f.path)
			}
			before, _ := os.ReadFile(f.path)
			ran := false
			err := f.UpdateRecord(context.Background(), tt.name, func(_ int, rec *model.Secret, _ bool) error {
				ran = true
				return nil
			}, nil)
			if !errors.Is(err, errNoPatch) || ran {
				t.Fatalf("UpdateRecord = %v (fn ran: %v), want errNoPatch without running fn", err, ran)
			}
			if after, _ := os.ReadFile(f.path); !bytes.Equal(before, after) {
				t.Error("UpdateRecord changed the index although it fell back")
			}
		})
	}
}

// TestUpdateRecordRefuses: an error of fn, a record fn made unwritable and
// a rename leave the index as it was.
func TestUpdateRecordRefuses(t *testing.T) {
	list := genSecrets(20)
	name := list[5].Name
	bad := errors.New("refused")
	for why, fn := range map[string]func(*model.Secret) error{
		"fn failed":   func(*model.Secret) error { return bad },
		"renamed":     func(s *model.Secret) error { s.Name = "OTHER"; return nil },
		"not written": func(s *model.Secret) error { s.Description = "\xff"; return nil },
	} {
		_, f := twoIndexes(t, list)
		before, _ := os.ReadFile(f.path)
		cache, _ := os.ReadFile(cachePath(f.path))
		err := f.UpdateRecord(context.Background(), name, func(_ int, rec *model.Secret, _ bool) error { return fn(rec) }, nil)
		if err == nil || errors.Is(err, errNoPatch) {
			t.Errorf("%s: UpdateRecord = %v, want the change's error", why, err)
		}
		if after, _ := os.ReadFile(f.path); !bytes.Equal(before, after) {
			t.Errorf("%s: the index changed", why)
		}
		if after, _ := os.ReadFile(cachePath(f.path)); !bytes.Equal(cache, after) {
			t.Errorf("%s: the cache changed", why)
		}
	}
}

// TestRotatePatchesAndSettles: a rotation with the journal clear patches
// the one record; with an unfinished change in the journal it goes through
// the whole write, which settles it first.
func TestRotatePatchesAndSettles(t *testing.T) {
	list := genSecrets(30)
	name, other := list[3].Name, list[9].Name
	_, f := twoIndexes(t, list)
	vals := &memBackend{vals: map[string]string{name: "v1", other: "o1"}}
	s := &store{vals: vals, idx: f, now: time.Now, jr: journalFor(f.path)}
	ctx := context.Background()
	rec, err := s.Rotate(ctx, name, "v2")
	if err != nil || rec.Version != list[3].Version+1 {
		t.Fatalf("Rotate = %v, %v", rec.Version, err)
	}
	if got, _ := s.Value(ctx, name); got != "v2" {
		t.Fatalf("value after the rotation: got another one")
	}
	if ops, _ := s.jr.Pending(); len(ops) != 0 {
		t.Fatalf("journal after the rotation: %v", ops)
	}
	// An unfinished rotation of another name, as a killed keyward leaves
	// it: noted, the old previous value not yet copied.
	if err := s.note(pendingOp{Op: opRotateFirst, Name: other, Version: list[9].Version}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate(ctx, name, "v3"); err != nil {
		t.Fatal(err)
	}
	if ops, _ := s.jr.Pending(); len(ops) != 0 {
		t.Errorf("the unfinished change of %s was not settled: %v", other, ops)
	}
	got, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := got[find(got, name)]; r.Version != list[3].Version+2 {
		t.Errorf("version after two rotations = %d, want %d", r.Version, list[3].Version+2)
	}
}

// FuzzUpdateRecord: a change of one record, or an added one, leaves the
// index and its cache byte for byte as the same change through Update, or
// is refused by both with nothing written.
func FuzzUpdateRecord(f *testing.F) {
	f.Add(uint8(10), uint8(3), false, "a description", "env", "prod", int32(2))
	f.Add(uint8(127), uint8(0), true, "", "k", "", int32(1))
	f.Add(uint8(1), uint8(0), false, "line\nbreak \"q\" \x00", "a b", "\u202e", int32(-1))
	f.Fuzz(func(t *testing.T, n, at uint8, add bool, desc, key, val string, version int32) {
		list := genSecrets(int(n)%130 + 1)
		name := list[int(at)%len(list)].Name
		if add {
			name = "ADDED_" + strconv.Itoa(int(at))
		}
		change := func(rec *model.Secret) {
			if add {
				*rec = model.Secret{Name: name, Version: 1}
			}
			rec.Description = desc
			rec.Version = int(version)
			if key != "" {
				rec.Metadata = map[string]string{key: val}
			} else {
				rec.Metadata = nil
			}
		}
		whole, patched := twoIndexes(t, list)
		errWhole := whole.Update(context.Background(), func(l []model.Secret) ([]model.Secret, error) {
			if add {
				var rec model.Secret
				change(&rec)
				return append(l, rec), nil
			}
			change(&l[find(l, name)])
			return l, nil
		}, nil)
		before, _ := os.ReadFile(patched.path)
		errPatch := patched.UpdateRecord(context.Background(), name, func(_ int, rec *model.Secret, found bool) error {
			if found == add {
				t.Fatalf("found = %v for %s", found, name)
			}
			change(rec)
			return nil
		}, nil)
		if (errWhole == nil) != (errPatch == nil) || errors.Is(errPatch, errNoPatch) {
			t.Fatalf("Update: %v; UpdateRecord: %v", errWhole, errPatch)
		}
		if errPatch != nil {
			if b, _ := os.ReadFile(patched.path); !bytes.Equal(before, b) {
				t.Fatal("a refused UpdateRecord changed the index")
			}
			return
		}
		sameAsUpdate(t, whole, patched, "the change")
	})
}

// TestUpdateRecordIndexShrunkMeanwhile truncates the index in place (as an
// editor that rewrites a file in place would) while UpdateRecord holds it
// mapped: the write fails with an error, never a crash, and leaves no
// cache that claims the shrunk file.
func TestUpdateRecordIndexShrunkMeanwhile(t *testing.T) {
	list := genSecrets(3000)
	_, f := twoIndexes(t, list)
	name := list[1500].Name
	err := f.UpdateRecord(context.Background(), name, func(_ int, rec *model.Secret, found bool) error {
		if !found {
			t.Fatal("the record is not there")
		}
		rec.Description = "changed"
		return os.Truncate(f.path, 100)
	}, nil)
	if err == nil {
		t.Fatal("UpdateRecord over an index truncated meanwhile succeeded")
	}
	t.Logf("error: %v", err)
	// Whatever is on disk now reads as what it is: the truncated file is
	// not valid TOML, or the old index came back whole; never a mix that
	// a stale cache vouches for.
	if !errors.Is(err, bounded.ErrShrunk) {
		t.Errorf("error %v; want bounded.ErrShrunk", err)
	}
	data, rerr := os.ReadFile(f.path)
	if rerr != nil {
		t.Fatal(rerr)
	}
	want, werr := parseIndex(f.path, data)
	got, lerr := f.Load(context.Background(), nil)
	if (werr == nil) != (lerr == nil) || len(got) != len(want) {
		t.Errorf("Load after the failed write: %d records, %v; the file holds %d, %v", len(got), lerr, len(want), werr)
	}
}

// TestUpdateRecordCacheShrunkMeanwhile truncates the cache in place while
// UpdateRecord holds it mapped: the index is written all the same (the
// fault in the mapped cache is caught), and the next read answers from the
// index.
func TestUpdateRecordCacheShrunkMeanwhile(t *testing.T) {
	list := genSecrets(3000)
	_, f := twoIndexes(t, list)
	name := list[10].Name
	err := f.UpdateRecord(context.Background(), name, func(_ int, rec *model.Secret, _ bool) error {
		rec.Description = "changed"
		return os.Truncate(cachePath(f.path), 64)
	}, nil)
	if err != nil {
		t.Fatalf("UpdateRecord = %v; the index itself was whole", err)
	}
	got, err := f.Load(context.Background(), nil)
	if err != nil || len(got) != len(list) || got[10].Description != "changed" {
		t.Fatalf("Load = %d records, %v; want %d with the change", len(got), err, len(list))
	}
}
