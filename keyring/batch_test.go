package keyring

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

// countingIndex counts the index writes (the saves of Update) of another
// index.
type countingIndex struct {
	index
	saves atomic.Int64
}

func (c *countingIndex) Update(ctx context.Context, fn func([]model.Secret) ([]model.Secret, error), after func()) error {
	return c.index.Update(ctx, fn, func() {
		c.saves.Add(1)
		if after != nil {
			after()
		}
	})
}

// countingJournal counts the journal writes.
type countingJournal struct {
	journal
	writes atomic.Int64
}

func (c *countingJournal) Note(ops ...pendingOp) error {
	c.writes.Add(1)
	return c.journal.Note(ops...)
}

func genNew(n int) []NewSecret {
	secs := make([]NewSecret, n)
	for i, r := range genSecrets(n) {
		secs[i] = NewSecret{model.Secret{Name: r.Name, Description: r.Description, Metadata: r.Metadata}, fmt.Sprintf("value-%06d", i)}
	}
	return secs
}

// TestCreateAllWritesOncePerBatch: an import of 1,200 secrets writes the
// index (and notes the journal) three times, not 1,200; a Create each
// writes it once per secret. Over the real index file.
func TestCreateAllWritesOncePerBatch(t *testing.T) {
	defer func(d time.Duration) { batchTime = d }(batchTime)
	batchTime = time.Hour // batches by count only, however slow the machine
	ctx := context.Background()
	vals := &memBackend{vals: map[string]string{}}
	path := filepath.Join(t.TempDir(), "index.toml")
	idx := &countingIndex{index: &fileIndex{path: path}}
	jr := &countingJournal{journal: journalFor(path)}
	s := &store{vals: vals, idx: idx, now: time.Now, jr: jr}
	in := genNew(1200)
	got, err := s.CreateAll(ctx, in, nil)
	if err != nil || len(got) != len(in) {
		t.Fatalf("CreateAll = %d records, %v", len(got), err)
	}
	if n, j := idx.saves.Load(), jr.writes.Load(); n != 3 || j != 3 {
		t.Errorf("CreateAll of 1,200 wrote the index %d times and the journal %d times; want 3 each (batches of %d)", n, j, batchMax)
	}
	if ops, err := jr.Pending(); err != nil || len(ops) != 0 {
		t.Errorf("pending after CreateAll: %v, %v", ops, err)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != len(in) {
		t.Fatalf("List = %d records, %v", len(list), err)
	}
	for i := range list {
		if list[i].Name != in[i].Secret.Name || vals.vals[list[i].Name] != in[i].Value {
			t.Fatalf("record %d is %s, value %q; want %s", i, list[i].Name, vals.vals[list[i].Name], in[i].Secret.Name)
		}
	}

	// One Create each, for comparison.
	idx.saves.Store(0)
	for _, n := range genNew(1300)[1200:] {
		if _, err := s.Create(ctx, n.Secret, n.Value); err != nil {
			t.Fatal(err)
		}
	}
	if n := idx.saves.Load(); n != 100 {
		t.Errorf("100 Creates wrote the index %d times; want 100", n)
	}
}

// TestCreateAllBatchTime: a batch also ends when it has held the index lock
// for batchTime, so that another keyward waiting for it is not starved.
func TestCreateAllBatchTime(t *testing.T) {
	defer func(d time.Duration) { batchTime = d }(batchTime)
	batchTime = 20 * time.Millisecond
	m := NewMemStore(nil)
	idx := &countingIndex{index: m.idx}
	m.idx = idx
	m.SetHook(func(op, user string) error {
		if op == "set" {
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	})
	got, err := m.CreateAll(context.Background(), genNew(20), nil)
	if err != nil || len(got) != 20 {
		t.Fatalf("CreateAll = %d records, %v", len(got), err)
	}
	// 5 ms a secret, 20 ms a batch: about 4 a batch; at most 20 batches.
	if n := idx.saves.Load(); n < 2 || n > 20 {
		t.Errorf("20 secrets at 5 ms each in batches of 20 ms took %d index writes; want 2 to 20", n)
	}
}

// TestCreateAllKeyringFailure: a keyring failure mid-batch keeps the secrets
// written before it (saved, their intents cleared), undoes the value of the
// one that failed, and leaves nothing pending or orphaned; the error names
// the secret.
func TestCreateAllKeyringFailure(t *testing.T) {
	for _, tc := range []struct {
		what string
		op   string // the keyring operation that fails for the 8th secret
		err  error
	}{
		{"set refused", "set", unsent{ErrLocked}},
		{"set timed out", "set", ErrTimeout},
		{"stale previous not removed", "delete", ErrTimeout},
	} {
		t.Run(tc.what, func(t *testing.T) {
			defer func(n int) { batchMax = n }(batchMax)
			batchMax = 5 // the failure is in the second batch
			ctx := context.Background()
			m := NewMemStore(nil)
			in := genNew(12)
			bad := in[7].Secret.Name
			m.SetHook(func(op, user string) error {
				if op == tc.op && (user == bad || user == PreviousUser(bad)) {
					return tc.err
				}
				return nil
			})
			got, err := m.CreateAll(ctx, in, nil)
			if !errors.Is(err, tc.err) || len(got) != 7 {
				t.Fatalf("CreateAll = %d records, %v; want 7 and %v", len(got), err, tc.err)
			}
			if want := "store " + bad; tc.op == "set" && !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, bad)
			}
			m.SetHook(nil)
			if tc.op == "delete" {
				// The undo failed the same way: the intent stays for the
				// next write or doctor.
				if ops, _ := m.jr.Pending(); len(ops) != 1 || ops[0].Name != bad {
					t.Errorf("pending after a failed undo: %v; want the create of %s", ops, bad)
				}
				if _, err := m.Reconcile(ctx); err != nil {
					t.Fatal(err)
				}
			}
			list, _ := m.List(ctx)
			if len(list) != 7 {
				t.Errorf("index holds %d records, want 7", len(list))
			}
			if ops, _ := m.jr.Pending(); len(ops) != 0 {
				t.Errorf("still pending: %v", ops)
			}
			for i, n := range in {
				v, ok := m.mem.vals[n.Secret.Name]
				if i < 7 && v != n.Value {
					t.Errorf("%s: value %q, want %q", n.Secret.Name, v, n.Value)
				}
				if i >= 7 && ok {
					t.Errorf("%s, not created, has a value in the keyring", n.Secret.Name)
				}
			}
		})
	}
}

// BenchmarkCreateAllIndex10k is the index side of importing 10,000 secrets
// into an index of 10,000 (values in memory): one write per batch. Compare
// BenchmarkCreateEachIndex, one write per secret.
func BenchmarkCreateAllIndex10k(b *testing.B) {
	in := genNew(10_000)
	for b.Loop() {
		b.StopTimer()
		path := benchIndex(b, 10_000)
		s := &store{vals: &memBackend{vals: map[string]string{}}, idx: &fileIndex{path: path}, now: time.Now, jr: journalFor(path)}
		b.StartTimer()
		if _, err := s.CreateAll(context.Background(), in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateEachIndex is the index side of importing 100 secrets into
// an index of 10,000 with one Create each (what import did before
// CreateAll); per 100 secrets, so multiply by 100 for 10,000.
func BenchmarkCreateEachIndex(b *testing.B) {
	in := genNew(100)
	for b.Loop() {
		b.StopTimer()
		path := benchIndex(b, 10_000)
		s := &store{vals: &memBackend{vals: map[string]string{}}, idx: &fileIndex{path: path}, now: time.Now, jr: journalFor(path)}
		b.StartTimer()
		for _, n := range in {
			if _, err := s.Create(context.Background(), n.Secret, n.Value); err != nil {
				b.Fatal(err)
			}
		}
	}
}
