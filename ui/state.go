package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// The small state types of the root model: focus, mode, confirmations, the
// status line, and what is revealed or copied.

// focus is the pane that gets keys. t switches between the secrets view
// (list and detail) and the tasks view (task files and the selected task's
// preview); tab switches between the two panes of a view.
type focus int

const (
	focusList focus = iota
	focusDetail
	focusTasks   // the task files
	focusPreview // the selected task's masked rendering
)

// tasksView reports whether f is a pane of the tasks view.
func (f focus) tasksView() bool { return f == focusTasks || f == focusPreview }

// mode says who takes the keys: anything but normal takes every key except
// ctrl+c, so letters typed into a field never fire a command.
type mode int

const (
	modeNormal mode = iota
	modeFilter
	modeForm   // new or edit
	modeRotate // the rotate form
	modeConfirm
	modeHelp
)

// confirmation is a y/N question that carries its own action (pug's
// YesNoPrompt): y runs yes, anything else cancels. Whatever yes needs was
// copied into it when the question was built, so answering it reads no
// other state, and there is no switch over kinds of question.
type confirmation struct {
	prompt string  // names the thing and says what y does
	yes    tea.Cmd // the action
	busy   string  // what the status line says while yes runs: "deleting X"
	no     string  // what the status line says when the answer is no
	back   mode    // the mode either answer returns to: an open form's, or normal
	// noWrite is an action that writes nothing (generating a value): the
	// form does not wait for it and nothing is busy.
	noWrite bool
}

type statusKind int

const (
	statusInfo statusKind = iota
	statusSuccess
	statusError
)

type statusLine struct {
	text string
	kind statusKind
	seq  int
}

// revealState is the value being shown. value is set only while revealed.
type revealState struct {
	name     string
	seq      int
	loading  bool
	revealed bool
	value    string
	err      string
}

// clipState tracks a copied value until the clipboard is cleared. It holds a
// digest of the value, never the value.
type clipState struct {
	active       bool
	name         string
	seq          int
	sum          [32]byte
	system       bool
	deadline     time.Time
	awaitingRead bool // waiting for the terminal's OSC 52 reply
}

type maskEntry struct {
	version int
	mask    string
}
