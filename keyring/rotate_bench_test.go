package keyring

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkRotate is what `secrets rotate NAME` asks of the store in one
// process, against an in-memory keyring: the record looked up first (the
// CLI's Get), then the rotation. "hashed": back to back, so the index has
// always just been written; "settled": a second or more after the last
// write (each iteration waits, untimed).
//
//	go test ./keyring/ -run '^$' -bench Rotate -benchmem
func BenchmarkRotate(b *testing.B) {
	for _, settled := range []bool{false, true} {
		for _, n := range []int{1_000, 10_000, 100_000} {
			name := "hashed/" + strconv.Itoa(n)
			if settled {
				name = "settled/" + strconv.Itoa(n)
			}
			b.Run(name, func(b *testing.B) {
				if settled && testing.Short() {
					b.Skip("waits a second per iteration")
				}
				path := genIndex(b, n)
				secret := genSecrets(n)[n/2].Name
				vals := &memBackend{vals: map[string]string{secret: "v0"}}
				ctx := context.Background()
				i := 0
				for b.Loop() {
					if settled {
						b.StopTimer()
						time.Sleep(stampSettle + 50*time.Millisecond)
						if _, err := (&fileIndex{path: path}).Load(ctx, nil); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
					s := &store{vals: vals, idx: &fileIndex{path: path}, now: time.Now, jr: journalFor(path)}
					if _, err := s.Get(ctx, secret); err != nil {
						b.Fatal(err)
					}
					i++
					if _, err := s.Rotate(ctx, secret, "v"+strconv.Itoa(i)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
