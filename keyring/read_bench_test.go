package keyring

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
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

// BenchmarkReadIndex is List: what every `secrets list` pays first.
func BenchmarkReadIndex(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			s := &store{idx: &fileIndex{path: genIndex(b, n)}}
			for b.Loop() {
				list, err := s.List(context.Background())
				if err != nil || len(list) != n {
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
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			path := genIndex(b, n)
			name := genSecrets(n)[n/2].Name
			for b.Loop() {
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
