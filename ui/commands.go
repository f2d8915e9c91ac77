package ui

import (
	"context"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/clipboard"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/ui/internal/safecmd"
)

// opTimeout bounds every store call, so a hung keyring ends in an error the
// user can act on rather than a Cmd that never returns.
const opTimeout = 30 * time.Second

// clipboardReadWait is how long to wait for the terminal to answer an OSC 52
// read before giving up on clearing the clipboard.
const clipboardReadWait = 2 * time.Second

// The Cmds below copy what they need into locals; the closures return a
// message and never touch the model.

// indexPollInterval is how often the index file is looked at for changes
// made by another keyward process.
const indexPollInterval = 2 * time.Second

// sortAheadDelay is how long after a load the list is sorted in advance
// (Model.sortAhead): after the first frame, which it would slow.
const sortAheadDelay = 200 * time.Millisecond

// sortInAdvance orders byRank, the list's records in name order, by each
// of keys: each order as name ranks, what listPane.orderOf keeps.
func sortInAdvance(gen uint64, byRank []*model.Secret, keys []model.SortKey) tea.Cmd {
	return safe(func() tea.Msg {
		orders := make(map[model.SortKey][]int32, len(keys))
		for _, k := range keys {
			orders[k] = sortOrder(len(byRank), func(i int) (*model.Secret, int32) { return byRank[i], int32(i) }, k)
		}
		return sortedAheadMsg{gen: gen, orders: orders}
	})
}

// loadIndex reads every record. The index file (path, "" for none) is
// stamped first: a change made while the records are read is then seen by
// the next poll, not missed.
func loadIndex(ctx context.Context, st Store, path string, seq int) tea.Cmd {
	return safe(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		stamp := statIndex(path)
		list, err := st.List(ctx)
		return indexLoadedMsg{seq: seq, secrets: list, stamp: stamp, err: err}
	})
}

// indexStamp tells a changed index file: its modification time and size
// (the zero value when it does not exist, or there is none).
type indexStamp struct {
	mod  time.Time
	size int64
	ok   bool
}

// statIndex stamps the index file. It only stats it: reading the file
// stays keyring's job.
func statIndex(path string) indexStamp {
	if path == "" {
		return indexStamp{}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return indexStamp{}
	}
	// The wall clock only: == then compares what the file system said.
	return indexStamp{mod: fi.ModTime().Round(0).UTC(), size: fi.Size(), ok: true}
}

// checkIndex stamps the index file for the poll.
func checkIndex(path string, seq int) tea.Cmd {
	return safe(func() tea.Msg { return indexCheckedMsg{seq: seq, stamp: statIndex(path)} })
}

func readValue(ctx context.Context, st Store, name string, version, seq int) tea.Cmd {
	return safe(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		v, err := st.Value(ctx, name)
		return valueReadMsg{name: name, version: version, seq: seq, value: v, err: err}
	})
}

// copyValue reads the value and hands it to the system clipboard (when there
// is one) and to the terminal through OSC 52. The value leaves this closure
// only inside tea.SetClipboard's message; the model gets a digest.
func copyValue(ctx context.Context, st Store, clip Clipboard, name string, seq int) tea.Cmd {
	return safe(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		v, err := st.Value(ctx, name)
		if err != nil {
			return valueCopiedMsg{name: name, seq: seq, err: err}
		}
		done := valueCopiedMsg{name: name, seq: seq, sum: clipboard.Digest(v), mask: model.Mask(v)}
		if clip != nil {
			done.system = clip.WriteText(ctx, v) == nil
		}
		return tea.BatchMsg{tea.SetClipboard(v), func() tea.Msg { return done }}
	})
}

// clearClipboard empties the clipboard if it still holds the value whose
// digest is sum. With a system clipboard it reads that back; without one it
// asks the terminal (OSC 52 read) and Update compares the reply.
func clearClipboard(ctx context.Context, clip Clipboard, sum [32]byte, system bool, seq int, after timerFunc) tea.Cmd {
	if !system || clip == nil {
		return tea.Batch(tea.ReadClipboard, after(clipboardReadWait, clipboardReadTimedOutMsg{seq: seq}))
	}
	return safe(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		cleared, err := clipboard.ClearIfHolds(ctx, clip, sum)
		if err != nil {
			return clipboardCheckedMsg{seq: seq, err: err}
		}
		if !cleared {
			return clipboardCheckedMsg{seq: seq, changed: true}
		}
		return tea.BatchMsg{tea.SetClipboard(""), func() tea.Msg { return clipboardCheckedMsg{seq: seq, cleared: true} }}
	})
}

func generateValue(seq int, spec model.GenSpec) tea.Cmd {
	return safe(func() tea.Msg {
		v, err := spec.Generate()
		return valueGeneratedMsg{seq: seq, value: v, spec: spec, err: err}
	})
}

// writeTo is what a write Cmd needs from the model, copied out of it, and
// the write's sequence number (Model.newWrite).
type writeTo struct {
	ctx   context.Context
	st    Store
	index string // the index file to stamp around the write; "" for none
	seq   int
}

// run makes the Cmd of one store write; every write reports the same way,
// as a secretWrittenMsg.
func (w writeTo) run(op writeOp, name string, do func(context.Context) (model.Secret, error)) tea.Cmd {
	return safe(func() tea.Msg {
		ctx, cancel := context.WithTimeout(w.ctx, opTimeout)
		defer cancel()
		msg := secretWrittenMsg{op: op, name: name, seq: w.seq, before: statIndex(w.index)}
		msg.secret, msg.err = do(ctx)
		msg.after = statIndex(w.index)
		return msg
	})
}

// batchStep is one write of a batch: a rotation (with its new value), a
// roll-back or a delete of one marked secret.
type batchStep struct {
	op    writeOp
	name  string
	value string         // opRotate only
	gen   *model.GenSpec // opRotate: how value was generated; nil when typed
}

// writeBatch makes the Cmd of steps[i:], one write at a time: each write's
// message carries the Cmd of the next, so every one is handled by
// secretWritten as it lands, and the batch stops if the UI drops it.
// Nothing is written until the Cmd runs.
func writeBatch(w writeTo, steps []batchStep, i int) tea.Cmd {
	if i >= len(steps) {
		return nil
	}
	s := steps[i]
	var do func(context.Context) (model.Secret, error)
	switch s.op {
	case opRotate:
		do = func(ctx context.Context) (model.Secret, error) {
			return w.st.RotateGenerated(ctx, s.name, s.value, s.gen)
		}
	case opRollback:
		do = func(ctx context.Context) (model.Secret, error) { return w.st.Rollback(ctx, s.name) }
	case opDelete:
		do = func(ctx context.Context) (model.Secret, error) { return model.Secret{}, w.st.Delete(ctx, s.name) }
	default:
		panic("ui: writeBatch: not a batch write")
	}
	run := w.run(s.op, s.name, do)
	return func() tea.Msg {
		m := run()
		msg, ok := m.(secretWrittenMsg)
		if !ok {
			return m // the write panicked: the batch ends here
		}
		msg.step, msg.of = i+1, len(steps)
		msg.next = writeBatch(w, steps, i+1)
		return msg
	}
}

func createSecret(w writeTo, s model.Secret, value string) tea.Cmd {
	return w.run(opCreate, s.Name, func(ctx context.Context) (model.Secret, error) { return w.st.Create(ctx, s, value) })
}

func updateSecret(w writeTo, name string, p model.Patch) tea.Cmd {
	return w.run(opUpdate, name, func(ctx context.Context) (model.Secret, error) { return w.st.Update(ctx, name, p) })
}

func rotateSecret(w writeTo, name, value string, gen *model.GenSpec) tea.Cmd {
	return w.run(opRotate, name, func(ctx context.Context) (model.Secret, error) {
		return w.st.RotateGenerated(ctx, name, value, gen)
	})
}

func rollbackSecret(w writeTo, name string) tea.Cmd {
	return w.run(opRollback, name, func(ctx context.Context) (model.Secret, error) { return w.st.Rollback(ctx, name) })
}

func deleteSecret(w writeTo, name string) tea.Cmd {
	return w.run(opDelete, name, func(ctx context.Context) (model.Secret, error) { return model.Secret{}, w.st.Delete(ctx, name) })
}

// timerFunc makes a Cmd that delivers msg after d. The app uses tea.Tick;
// tests swap in one that holds timers until the test fires them.
type timerFunc func(d time.Duration, msg tea.Msg) tea.Cmd

func realTimer(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// cmdPanickedMsg replaces the message of a Cmd that panicked, the root's
// or the tasks view's. It carries nothing from the panic, whose value could
// hold a secret.
type cmdPanickedMsg = safecmd.PanickedMsg

// safe runs cmd, turning a panic into cmdPanickedMsg instead of Bubble Tea's
// report, which prints the panic value and a stack trace.
func safe(cmd func() tea.Msg) tea.Cmd { return safecmd.Wrap(cmd) }
