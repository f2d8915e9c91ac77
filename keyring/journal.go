package keyring

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/bounded"
)

// pendingOp is the intent of a change that writes the keyring, noted before
// its first keyring write and cleared once the index is saved: while it is
// in the journal, the change may be half done (the process was killed, or a
// call timed out and may still land). It holds a name and an operation,
// never a value. settle and Reconcile finish or undo it (pending.go).
type pendingOp struct {
	Op      string // one of the op* constants (pending.go), or a legacy "rotate"
	Name    string
	Version int    // the record's version when the op started
	Tag     string // a rotation's tag (opFlipTag); "" for every other op
}

// journal keeps pendingOps across processes. Every method runs under the
// index lock. Note adds ops in one write: a batch of creates (CreateAll)
// notes its intents together before its first keyring write.
type journal interface {
	Pending() ([]pendingOp, error)
	Note(ops ...pendingOp) error
	Done(names ...string) error
}

// fileJournal keeps pendingOps in a small text file beside the index, one
// "OP NAME VERSION" line each, "OP NAME VERSION TAG" for an op with a tag
// (names and tags never hold spaces). The file exists
// only while something is pending.
type fileJournal struct{ path string }

func (j fileJournal) Pending() ([]pendingOp, error) {
	data, err := bounded.ReadFile(j.path, MaxIndexSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the pending changes: %w", err)
	}
	var out []pendingOp
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) != 3 && len(f) != 4 {
			continue // a torn or hand-edited line: nothing to finish
		}
		v, _ := strconv.Atoi(f[2])
		op := pendingOp{Op: f[0], Name: f[1], Version: v}
		if len(f) == 4 {
			op.Tag = f[3]
		}
		out = append(out, op)
	}
	return out, nil
}

func (j fileJournal) write(ops []pendingOp) error {
	if len(ops) == 0 {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clear the pending changes: %w", err)
		}
		return nil
	}
	var b strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&b, "%s %s %d", op.Op, op.Name, op.Version)
		if op.Tag != "" {
			b.WriteString(" " + op.Tag)
		}
		b.WriteByte('\n')
	}
	if err := atomicfile.WriteFile(j.path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("note a pending change: %w", err)
	}
	return nil
}

func (j fileJournal) Note(ops ...pendingOp) error {
	held, err := j.Pending()
	if err != nil {
		return err
	}
	return j.write(append(held, ops...))
}

func (j fileJournal) Done(names ...string) error {
	if _, err := os.Stat(j.path); errors.Is(err, fs.ErrNotExist) {
		return nil // the usual case: one stat, no read
	}
	ops, err := j.Pending()
	if err != nil {
		return err
	}
	kept := slices.DeleteFunc(slices.Clone(ops), func(op pendingOp) bool { return slices.Contains(names, op.Name) })
	if len(kept) == len(ops) {
		return nil
	}
	return j.write(kept)
}

// journalFor returns the journal of the index at indexPath: a file beside
// it, named after it.
func journalFor(indexPath string) fileJournal { return fileJournal{path: indexPath + ".pending"} }

// memJournal is the journal of the in-memory stores.
type memJournal struct {
	mu  sync.Mutex
	ops []pendingOp
}

func (j *memJournal) Pending() ([]pendingOp, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.ops), nil
}

func (j *memJournal) Note(ops ...pendingOp) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ops = append(j.ops, ops...)
	return nil
}

func (j *memJournal) Done(names ...string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ops = slices.DeleteFunc(j.ops, func(op pendingOp) bool { return slices.Contains(names, op.Name) })
	return nil
}
