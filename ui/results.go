package ui

// Handlers for the results of the Cmds in commands.go: writes, clipboard,
// generated values; and describeErr, which turns a store error into a line
// the user can act on.

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/clipboard"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

func (a *Model) valueGenerated(msg valueGeneratedMsg) tea.Cmd {
	if a.form == nil || msg.seq != a.form.genSeq {
		return nil
	}
	if msg.err != nil {
		return a.setStatus(statusError, "could not generate a value: "+msg.err.Error())
	}
	a.form.value.set(msg.value, true)
	a.form.value.spec = msg.spec
	a.form.validate(a.exists)
	what := fmt.Sprintf("generated a %d-character value", msg.spec.Length)
	if msg.spec.Symbols {
		what += " with symbols"
	}
	return a.setStatus(statusSuccess, what)
}

// formFailed keeps the form open with the store's refusal, so the user can
// fix it and try again: nothing was half-applied. An edit refused because
// the record changed elsewhere shows what changed; the form then stands on
// the record as it is now, so saving again puts the user's fields over it,
// knowingly.
func (a *Model) formFailed(err error) tea.Cmd {
	a.busy = ""
	var ce *model.ConflictError
	if errors.As(err, &ce) && a.form != nil && a.form.kind == formEdit && ce.Current.Name == a.form.orig.Name {
		a.form.orig = ce.Current.Clone()
		if a.loaded && !a.loading {
			before := a.list.selectedName()
			a.list.put(ce.Current.Name, ce.Current, a.env())
			a.list.selectName(before)
			a.listChanged(before)
		}
	}
	text := describeErr(err)
	if errors.Is(err, keyring.ErrUnchanged) {
		text += " — type another, or esc"
	}
	if a.form != nil {
		a.form.saving = false
		a.form.saveErr = text
	}
	return a.setStatus(statusError, text)
}

// writeOps is what differs between the writes; secretWritten does the rest
// the same way for all of them.
var writeOps = [...]struct {
	doing  string // the status while it runs: "deleting X…"
	verb   string // the status when it fails: "could not delete X"
	inForm bool   // it is made from a form, which stays open on a failure
	forget bool   // the value changed or left the store: drop its mask and reveal
	// reread: a failure may leave the index changed part-way (a delete
	// removes the record before the values), so read it again.
	reread bool
}{
	opCreate:   {doing: "saving", verb: "create", inForm: true},
	opUpdate:   {doing: "saving", verb: "save", inForm: true},
	opRotate:   {doing: "rotating", verb: "rotate", inForm: true, forget: true},
	opRollback: {doing: "rolling back", verb: "roll back", forget: true},
	opDelete:   {doing: "deleting", verb: "delete", forget: true, reread: true},
}

// doing is the status line while op runs on name.
func (op writeOp) doing(name string) string { return writeOps[op].doing + " " + model.Printable(name) }

// done is the status line after the write succeeded.
func (msg secretWrittenMsg) done() string {
	n, to := model.Printable(msg.name), model.Printable(msg.secret.Name)
	switch msg.op {
	case opCreate:
		return "created " + to
	case opUpdate:
		if msg.renamed() {
			return "renamed " + n + " to " + to
		}
		return "saved " + to
	case opRotate:
		if msg.secret.Version == 1 {
			// Only a record pulled from Julep (version 0) reaches version 1
			// by a rotation: there is nothing to roll back to.
			return "set the first value of " + n + " (version 1)"
		}
		return "rotated " + n + " to version " + itoa(msg.secret.Version) + "; R rolls back"
	case opRollback:
		return "rolled " + n + " back: version " + itoa(msg.secret.Version) + " holds the previous value"
	}
	return "deleted " + n
}

func (msg secretWrittenMsg) renamed() bool {
	return msg.op == opUpdate && msg.err == nil && msg.secret.Name != msg.name
}

// newWrite numbers a new write and copies out what its Cmd needs.
func (a *Model) newWrite() writeTo {
	a.writeSeq++
	return writeTo{ctx: a.ctx, st: a.store, index: a.indexPath, seq: a.writeSeq}
}

// secretWritten handles the answer to every store write.
func (a *Model) secretWritten(msg secretWrittenMsg) tea.Cmd {
	if msg.before == a.indexStamp {
		// Nobody else wrote the index since the list was read: the
		// change the poll will see is this write's own.
		a.indexStamp = msg.after
	}
	if msg.seq != a.writeSeq {
		// Not the write the UI waits for (one whose Cmd panicked was
		// given up): the store changed all the same, so read it again.
		return a.reload("")
	}
	if msg.of > 0 {
		return a.batchWritten(msg)
	}
	op := writeOps[msg.op]
	a.busy = ""
	if msg.err != nil {
		if op.inForm {
			return a.formFailed(msg.err)
		}
		status := a.setStatus(statusError, "could not "+op.verb+" "+model.Printable(msg.name)+": "+describeErr(msg.err))
		if op.reread {
			return tea.Batch(a.reload(""), status)
		}
		return status
	}
	if op.inForm {
		a.closeForm()
	}
	if msg.op == opCreate {
		if !a.focus.tasksView() {
			// Created from a missing reference, the user stays in the
			// tasks view and sees it resolve.
			a.focus = focusList
		}
		a.layout()
	}
	if op.forget || msg.renamed() {
		a.forgetValue(msg.name)
	}
	if a.marks[msg.name] && (msg.renamed() || msg.op == opDelete) {
		// A mark follows its secret's new name, and goes with it.
		delete(a.marks, msg.name)
		if msg.renamed() {
			a.marks[msg.secret.Name] = true
		}
	}
	return tea.Batch(a.applyWrite(msg), a.setStatus(statusSuccess, msg.done()))
}

// applyWrite puts the record a write returned into the list, in place of
// reading the whole index again (ctrl+r and a change of the index file on
// disk still do), and previews again the task files it may change. The
// record written is selected; after a delete the cursor stays on its row.
func (a *Model) applyWrite(msg secretWrittenMsg) tea.Cmd {
	if !a.loaded || a.loading {
		// There is no list to change, or a load on its way may have read
		// the index before this write: read it (again) instead.
		return a.reload(msg.secret.Name)
	}
	before := a.list.selectedName()
	keep := before
	if msg.op == opDelete {
		a.list.remove(msg.name, a.env())
	} else {
		a.list.put(msg.name, msg.secret, a.env())
		keep = msg.secret.Name
	}
	a.list.selectName(keep)
	a.listChanged(before)
	return a.recheckTasks(msg)
}

// recheckTasks previews again the task files a write may have changed,
// once the tasks view checks references against the store. A new value
// changes the masks in the files that use its name; a name that comes or
// goes can change any file's "did you mean" suggestion, so then every file
// is previewed again; a new description or policy changes none.
func (a *Model) recheckTasks(msg secretWrittenMsg) tea.Cmd {
	switch msg.op {
	case opUpdate:
		if !msg.renamed() {
			return nil
		}
	case opRotate, opRollback:
		return a.tasks.RecheckUsing(msg.name)
	}
	return a.tasks.Recheck()
}

func (a *Model) valueCopied(msg valueCopiedMsg) tea.Cmd {
	if msg.seq != a.clipSeq {
		return nil
	}
	if msg.err != nil {
		return a.setStatus(statusError, "could not copy "+model.Printable(msg.name)+": "+describeErr(msg.err))
	}
	if s, ok := a.list.selected(); ok && s.Name == msg.name {
		a.masks[msg.name] = maskEntry{version: s.Version, mask: msg.mask}
	}
	a.clipSt = clipState{active: true, name: msg.name, seq: msg.seq, sum: msg.sum, system: msg.system,
		deadline: a.now().Add(a.cfg.ClipboardTimeout)}
	text := "copied " + model.Printable(msg.name) + " to the clipboard"
	if !msg.system {
		text = "copied " + model.Printable(msg.name) + " through the terminal (OSC 52)"
	}
	return tea.Batch(a.after(a.clipTick(), clipboardTickMsg{seq: msg.seq}), a.setStatus(statusSuccess, text))
}

// clipTick is the countdown step: a second, or less for short timeouts.
func (a *Model) clipTick() time.Duration {
	return min(time.Second, a.cfg.ClipboardTimeout)
}

func (a *Model) clipboardTick(msg clipboardTickMsg) tea.Cmd {
	if !a.clipSt.active || msg.seq != a.clipSt.seq || a.clipSt.awaitingRead {
		return nil
	}
	if a.now().Before(a.clipSt.deadline) {
		return a.after(a.clipTick(), clipboardTickMsg{seq: msg.seq})
	}
	return a.startClipboardClear()
}

func (a *Model) startClipboardClear() tea.Cmd {
	c := &a.clipSt
	if !c.system || a.clip == nil {
		c.awaitingRead = true
	}
	return clearClipboard(a.ctx, a.clip, c.sum, c.system, c.seq, a.after)
}

func (a *Model) clipboardChecked(msg clipboardCheckedMsg) tea.Cmd {
	if msg.seq != a.clipSt.seq {
		return nil
	}
	a.clipSt = clipState{}
	var cmd tea.Cmd
	switch {
	case msg.err != nil:
		cmd = a.setStatus(statusError, "could not clear the clipboard: "+describeErr(msg.err))
	case msg.changed:
		cmd = a.setStatus(statusInfo, "clipboard left alone: it holds something else now")
	default:
		cmd = a.setStatus(statusSuccess, "clipboard cleared")
	}
	if a.quitting {
		return tea.Quit
	}
	return cmd
}

// clipboardReplied compares the terminal's OSC 52 answer with the digest of
// the copied value and clears the clipboard only if they match.
func (a *Model) clipboardReplied(msg tea.ClipboardMsg) tea.Cmd {
	if !a.clipSt.awaitingRead {
		return nil
	}
	ours := clipboard.Holds(msg.Content, a.clipSt.sum)
	a.clipSt = clipState{}
	if !ours {
		return a.setStatus(statusInfo, "clipboard left alone: it holds something else now")
	}
	return tea.Batch(tea.SetClipboard(""), a.setStatus(statusSuccess, "clipboard cleared"))
}

// quit leaves, first clearing the system clipboard if it still holds a value
// we copied. A second ctrl+c does not wait.
func (a *Model) quit() tea.Cmd {
	a.hideReveal()
	if a.form != nil {
		a.form.close()
	}
	if a.quitting || !a.clipSt.active || !a.clipSt.system || a.clip == nil {
		return tea.Quit
	}
	a.quitting = true
	a.status = statusLine{text: "clearing the clipboard…", seq: a.status.seq + 1}
	return clearClipboard(a.ctx, a.clip, a.clipSt.sum, true, a.clipSt.seq, a.after)
}

// describeErr turns a store error into a line that says what happened and
// what the user can do. Store errors never contain a value.
func describeErr(err error) string {
	msg := model.Printable(err.Error())
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve):
		return msg
	case errors.Is(err, keyring.ErrUnavailable):
		// The wrapped D-Bus detail would push the advice off the status line.
		return keyring.Advice(err)
	case errors.Is(err, keyring.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "the keyring did not answer in time — " + keyring.Advice(keyring.ErrTimeout)
	case keyring.Advice(err) != "":
		return msg + " — " + keyring.Advice(err)
	case errors.Is(err, keyring.ErrNotFound):
		return msg + " — another process may have removed it; ctrl+r reloads"
	case errors.Is(err, keyring.ErrExists):
		return msg + " — pick another name (ctrl+r shows secrets added elsewhere)"
	case errors.As(err, new(*model.ConflictError)):
		return msg + " — ctrl+s saves yours over it, esc keeps theirs"
	case errors.Is(err, keyring.ErrUnchanged):
		return "not rotated: the new value is the current one"
	case errors.Is(err, keyring.ErrNoPrevious):
		return msg + " — only a rotated secret can be rolled back"
	}
	return msg
}

// forgetValue drops what the UI knows of name's value (its mask, a reveal)
// once the value changed or left the store.
func (a *Model) forgetValue(name string) {
	delete(a.masks, name)
	if a.reveal.name == name {
		a.hideReveal()
	}
}
