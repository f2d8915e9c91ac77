package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/ui/tasks"
)

// Results of the Cmds in commands.go. Each carries err and the name or the
// sequence number of the request, so Update can drop replies that arrive
// after the user has moved on.

// indexLoadedMsg carries the records read from the index (never a value).
// stamp is the index file as it was just before the read.
type indexLoadedMsg struct {
	seq     int
	secrets []model.Secret
	stamp   indexStamp
	err     error
}

// sortAheadMsg asks for the list of generation gen to be sorted in
// advance (Model.sortAhead); sortedAheadMsg carries the orders, as name
// ranks by key.
type sortAheadMsg struct{ gen uint64 }

type sortedAheadMsg struct {
	gen    uint64
	orders map[model.SortKey][]int32
}

// indexCheckedMsg carries the index file's stamp, polled.
type indexCheckedMsg struct {
	seq   int
	stamp indexStamp
}

// valueReadMsg carries a value read from the keyring for revealing.
type valueReadMsg struct {
	name    string
	version int
	seq     int
	value   string
	err     error
}

// valueCopiedMsg reports a copy to the clipboard. It carries a digest of the
// value, never the value, so the clipboard can later be checked.
type valueCopiedMsg struct {
	name   string
	seq    int
	mask   string
	sum    [32]byte
	system bool // the system clipboard took the value too
	err    error
}

// clipboardCheckedMsg reports the auto-clear: cleared when the clipboard
// still held our value and was emptied, changed when it held something else.
type clipboardCheckedMsg struct {
	seq     int
	cleared bool
	changed bool
	err     error
}

// valueGeneratedMsg carries a generated value into the form that asked.
type valueGeneratedMsg struct {
	seq   int
	value string
	spec  model.GenSpec
	err   error
}

// writeOp is a kind of store write; writeOps (results.go) says what each
// shows and does afterwards.
type writeOp int

const (
	opCreate writeOp = iota
	opUpdate         // description, metadata, policy or name
	opRotate
	opRollback
	opDelete
)

// secretWrittenMsg reports a store write. name is the name the write was
// addressed to (the old name of a rename); secret is the record the store
// returned (zero for a delete); seq is the write's sequence number; before
// and after are the index file's stamps around the write. A write of a
// batch (the marked secrets) is step of of, and next is the Cmd of the
// batch's next write (nil after the last); the batch goes on only when
// Update runs next.
type secretWrittenMsg struct {
	op            writeOp
	name          string
	secret        model.Secret
	seq           int
	err           error
	before, after indexStamp
	step, of      int
	next          tea.Cmd
}

// secretImportedMsg reports the import of a literal credential from a task
// file into the store. It never carries the literal.
type secretImportedMsg struct {
	name          string
	lit           tasks.Literal // where the literal was, for the rewrite
	secret        model.Secret
	err           error
	before, after indexStamp // the index file around the write
}

// Timers. Each carries the sequence number of what it times, so a timer that
// outlived its subject does nothing.
type (
	statusExpiredMsg         struct{ seq int }
	revealExpiredMsg         struct{ seq int }
	clipboardTickMsg         struct{ seq int }
	clipboardReadTimedOutMsg struct{ seq int }
	indexPollMsg             struct{ seq int } // time to look at the index file
)
