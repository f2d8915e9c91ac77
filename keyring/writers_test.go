package keyring

import (
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/keyward/keyward/keyring/keyringtest"
)

// TestConcurrentWriters starts 20 keyward processes at once on one store
// (the built binary, the real index lock): 5 rotate a secret each, 5 create
// a secret each, and 10 rotate the same secret. Each succeeds or fails
// cleanly; then the index parses, every value matches its record, and the
// rotations of the shared secret are in order: its version counts them, its
// value is the last one's and its previous value the one before's (each
// process says, in --json, which version it made).
func TestConcurrentWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built binary 20 times at once")
	}
	for _, backend := range []string{"keyring", "file"} {
		t.Run(backend, func(t *testing.T) {
			if backend == "keyring" {
				keyringtest.RequireSecretService(t)
			}
			w := newKillWorld(t, backend, false, rand.New(rand.NewPCG(1, 2)))
			own := w.names(false)
			shared := own[0]
			type result struct {
				name, value string
				code        int
				out         string
			}
			var jobs []result
			for i := range 5 {
				jobs = append(jobs, result{name: own[1+i%3], value: w.newValue()})
			}
			for range 5 {
				jobs = append(jobs, result{name: w.newName(), value: w.newValue()})
			}
			for range 10 {
				jobs = append(jobs, result{name: shared, value: w.newValue()})
			}
			var wg sync.WaitGroup
			for i := range jobs {
				args := []string{"secrets", "rotate", jobs[i].name, "--value-stdin", "--json"}
				if i >= 5 && i < 10 {
					args = []string{"secrets", "create", "--name", jobs[i].name, "--value-stdin", "--json"}
				}
				cmd, out := w.start(jobs[i].value, args...)
				wg.Go(func() {
					err := cmd.Wait()
					jobs[i].out = out.String()
					if ee, ok := err.(*exec.ExitError); ok {
						jobs[i].code = ee.ExitCode()
					} else if err != nil {
						jobs[i].code = -1
					}
				})
			}
			wg.Wait()
			// Versions each rotation of a name made, in order.
			made := map[string][]int{}
			byVersion := map[string]map[int]string{}
			ok := 0
			for _, j := range jobs {
				if j.code != 0 {
					// A clean failure: keyward's own error line, no panic.
					if j.code != 1 || !strings.HasPrefix(j.out, "keyward: ") || strings.Contains(j.out, "goroutine") {
						t.Errorf("writer of %s failed uncleanly (exit %d):\n%s", j.name, j.code, j.out)
					}
					continue
				}
				ok++
				var rec struct {
					Version int `json:"version"`
				}
				if err := json.Unmarshal([]byte(j.out), &rec); err != nil {
					t.Fatalf("writer of %s printed %q: %v", j.name, j.out, err)
				}
				made[j.name] = append(made[j.name], rec.Version)
				if byVersion[j.name] == nil {
					byVersion[j.name] = map[int]string{}
				}
				byVersion[j.name][rec.Version] = j.value
			}
			t.Logf("%d of %d writers succeeded", ok, len(jobs))
			list, err := w.st.List(t.Context())
			if err != nil {
				t.Fatalf("the index does not parse: %v", err)
			}
			for name, versions := range made {
				slices.Sort(versions)
				base := 0
				if s, ok := w.want[name]; ok {
					base = s.Version
				}
				for k, v := range versions {
					if v != base+k+1 {
						t.Errorf("%s: the writers made versions %v; want %d..%d, each once", name, versions, base+1, base+len(versions))
						break
					}
				}
				got := w.read(list, name)
				last := versions[len(versions)-1]
				if got.Version != last || got.Cur != byVersion[name][last] {
					t.Errorf("%s is version %d with value %q; want version %d with the value its writer gave", name, got.Version, got.Cur, last)
				}
				wantPrev := w.want[name].Cur // the value before the first rotation
				if len(versions) > 1 {
					wantPrev = byVersion[name][last-1] // the rotation before the last
				}
				if _, created := w.want[name]; !created && len(versions) == 1 {
					wantPrev = ""
				}
				if got.Prev != wantPrev {
					t.Errorf("%s keeps previous value %q; want %q, the value of the rotation before the last", name, got.Prev, wantPrev)
				}
			}
			if len(made[shared]) < 2 {
				t.Errorf("only %d rotations of %s succeeded; the order check needs two", len(made[shared]), shared)
			}
			if code, out := w.run("", "doctor"); code != 0 || strings.Contains(out, "PROBLEM") {
				t.Errorf("doctor after the writers = exit %d:\n%s", code, out)
			}
		})
	}
}
