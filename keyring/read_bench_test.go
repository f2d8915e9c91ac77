package keyring

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

// The read path at 1k, 10k and 100k generated secrets (genSecrets):
//
//	go test ./keyring/ -run '^$' -bench 'ReadIndex|GetRecord' -benchmem

// genIndex writes genSecrets(n) to a temporary index and returns its path.
func genIndex(b *testing.B, n int) string {
	b.Helper()
	data, err := encodeIndex(genSecrets(n))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "index.toml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	return path
}

// cacheStates are the three ways a read finds the index cache
// (index_cache.go): none (the read parses the index and writes the cache),
// checked by the index's hash (a file changed within stampSettle: its
// time is set in the future here, so it never settles), and trusted on the
// index's stamp (a settled file: the index is not read at all).
var cacheStates = []struct {
	name  string
	setUp func(b *testing.B, path string)
	each  func(b *testing.B, path string)
}{
	{"miss", nil, func(b *testing.B, path string) {
		if err := os.Remove(cachePath(path)); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}},
	{"hashed", func(b *testing.B, path string) {
		future := time.Now().Add(time.Hour)
		if err := os.Chtimes(path, future, future); err != nil {
			b.Fatal(err)
		}
	}, nil},
	{"stamped", func(b *testing.B, path string) {
		time.Sleep(stampSettle + 100*time.Millisecond)
	}, nil},
}

// BenchmarkReadIndex is List: what every `secrets list` pays first.
func BenchmarkReadIndex(b *testing.B) {
	for _, c := range cacheStates {
		for _, n := range []int{1_000, 10_000, 100_000} {
			b.Run(c.name+"/"+strconv.Itoa(n), func(b *testing.B) {
				path := genIndex(b, n)
				s := &store{idx: &fileIndex{path: path}}
				if c.setUp != nil {
					c.setUp(b, path)
				}
				if _, err := s.List(context.Background()); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if c.each != nil {
						c.each(b, path)
					}
					list, err := s.List(context.Background())
					if err != nil || len(list) != n {
						b.Fatal(len(list), err)
					}
				}
			})
		}
	}
}

// BenchmarkListMatching is `secrets list --filter billing`'s read: only the
// records that match are built.
func BenchmarkListMatching(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			path := genIndex(b, n)
			s := &store{idx: &fileIndex{path: path}}
			cacheStates[2].setUp(b, path)
			if _, err := s.List(context.Background()); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				list, err := s.ListMatching(context.Background(), func(s *model.Secret) bool {
					return strings.Contains(s.Name, "BILLING")
				})
				if err != nil || len(list) == 0 {
					b.Fatal(len(list), err)
				}
			}
		})
	}
}

// BenchmarkGetRecord is what `secrets get NAME --reveal` asks of the index
// in one process: the record three times (Get, then Value and HasPrevious),
// from a store opened for the purpose.
func BenchmarkGetRecord(b *testing.B) {
	for _, c := range cacheStates {
		for _, n := range []int{1_000, 10_000, 100_000} {
			b.Run(c.name+"/"+strconv.Itoa(n), func(b *testing.B) {
				path := genIndex(b, n)
				name := genSecrets(n)[n/2].Name
				if c.setUp != nil {
					c.setUp(b, path)
				}
				if _, err := (&fileIndex{path: path}).Load(context.Background(), nil); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if c.each != nil {
						c.each(b, path)
					}
					s := &store{idx: &fileIndex{path: path}}
					for range 3 {
						if sec, err := s.Get(context.Background(), name); err != nil || sec.Name != name {
							b.Fatal(sec.Name, err)
						}
					}
				}
			})
		}
	}
}
