package ui

// Marks, and the writes that act on every marked secret at once: a
// rotation session (session.go), a roll-back and a delete, each one y/N,
// each secret written by the store on its own and reported by
// secretWritten, then one summary that names every secret's outcome.

import (
	"context"
	"errors"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// maxNamed is how many names a question or summary spells out before
// "and N more".
const maxNamed = 4

// toggleMark marks or unmarks the selected secret and moves down, so space
// space space marks three in a row.
func (a *Model) toggleMark() tea.Cmd {
	name := a.list.selectedName()
	if name == "" {
		return nil
	}
	if a.marks[name] {
		delete(a.marks, name)
	} else {
		a.marks[name] = true
	}
	before := name
	a.list.move(1)
	a.selectionChanged(before)
	a.sizeFilter() // the header's count grew or shrank
	return nil
}

// markShown marks every secret the filter shows.
func (a *Model) markShown() tea.Cmd {
	if len(a.list.vis) == 0 {
		return a.setStatus(statusInfo, "nothing shown to mark")
	}
	for _, i := range a.list.vis {
		a.marks[a.list.all[i].sec.Name] = true
	}
	a.sizeFilter()
	return a.setStatus(statusInfo, "marked "+model.Count(len(a.list.vis), "secret")+" shown · "+itoa(len(a.marks))+" marked in all · esc clears")
}

func (a *Model) clearMarks() tea.Cmd {
	n := len(a.marks)
	clear(a.marks)
	a.sizeFilter()
	return a.setStatus(statusInfo, "cleared "+model.Count(n, "mark"))
}

// pruneMarks drops the marks of secrets that are no longer in the list.
func (a *Model) pruneMarks() {
	for name := range a.marks {
		if !a.exists(name) {
			delete(a.marks, name)
		}
	}
}

// markedNames are the marked secrets in list order.
func (a *Model) markedNames() []string {
	idx := make([]int, 0, len(a.marks))
	for name := range a.marks {
		if i, ok := a.list.indexOf(name); ok {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	out := make([]string, len(idx))
	for j, i := range idx {
		out[j] = a.list.all[i].sec.Name
	}
	return out
}

// hiddenNote says how many of names the filter hides, or "".
func (a *Model) hiddenNote(names []string) string {
	hidden := 0
	for _, name := range names {
		i, ok := a.list.indexOf(name)
		if _, shown := slices.BinarySearch(a.list.vis, int32(i)); !ok || !shown {
			hidden++
		}
	}
	if hidden == 0 {
		return ""
	}
	by := "the filter"
	switch {
	case a.onView() && a.filter.Value() == "":
		by = "the view " + a.viewName()
	case a.onView():
		by = "the view and filter"
	}
	return " (" + itoa(hidden) + " not shown by " + by + ")"
}

// namesText spells out the first maxNamed names, then "and N more".
func namesText(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i == maxNamed {
			b.WriteString(" and " + itoa(len(names)-maxNamed) + " more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(model.Printable(n))
	}
	return b.String()
}

// usedByAllText is usedByText for several secrets: the task files that
// use any of them, named (the first maxNamed, in path order), so a bulk
// question says which tasks it breaks.
func (a *Model) usedByAllText(names []string) string {
	used := a.tasks.UsedBy()
	if used == nil {
		return "task use not known yet"
	}
	files := map[string]string{}
	for _, name := range names {
		for _, u := range used[name] {
			files[u.File] = ""
		}
	}
	if len(files) == 0 {
		return "used by no task"
	}
	return "used by " + model.Count(len(files), "task") + ": " + namesText(model.SortedKeys(files))
}

// deleteMarked asks once before deleting every marked secret.
func (a *Model) deleteMarked() tea.Cmd {
	if cmd := a.refuseWhileBusy(); cmd != nil {
		return cmd
	}
	names := a.markedNames()
	steps := make([]batchStep, len(names))
	for i, n := range names {
		steps[i] = batchStep{op: opDelete, name: n}
	}
	a.batch = batchRun{op: opDelete}
	a.ask(confirmation{
		prompt: "Delete " + model.Count(len(names), "marked secret") + ": " + namesText(names) + a.hiddenNote(names) +
			"? y/N · " + a.usedByAllText(names) + " · their values and previous values are gone for good",
		yes:  writeBatch(a.newWrite(), steps, 0),
		busy: "deleting " + model.Count(len(names), "secret"),
		no:   "kept all " + model.Count(len(names), "marked secret"),
	})
	return nil
}

// rollbackMarked asks once before rolling back every marked secret that
// has a previous value; the others are named and left alone.
func (a *Model) rollbackMarked() tea.Cmd {
	if cmd := a.refuseWhileBusy(); cmd != nil {
		return cmd
	}
	return a.rollbackMarkedFrom(false)
}

// rollbackMarkedFrom asks to roll the marked secrets back, skipping those
// at version 1 (no previous value), but only once their records were read
// again (fresh, stale.go): the list's copy may predate a rotation elsewhere.
func (a *Model) rollbackMarkedFrom(fresh bool) tea.Cmd {
	var names, none []string
	for _, n := range a.markedNames() {
		if it, _ := a.list.find(n); it.sec.Version <= 1 { // markedNames lists only names in the list
			none = append(none, n)
			continue
		}
		names = append(names, n)
	}
	if len(none) > 0 && !fresh {
		return a.recheck(none, true)
	}
	if len(names) == 0 {
		return a.setStatus(statusError, "no marked secret has a previous value: only a rotated secret can be rolled back")
	}
	steps := make([]batchStep, len(names))
	for i, n := range names {
		steps[i] = batchStep{op: opRollback, name: n}
	}
	prompt := "Roll back " + model.Count(len(names), "marked secret") + ": " + namesText(names) + a.hiddenNote(names) + "? y/N"
	if len(none) > 0 {
		prompt += " · skips " + namesText(none) + " (no previous value)"
	}
	a.batch = batchRun{op: opRollback, skipped: none}
	a.ask(confirmation{
		prompt: prompt + " · " + a.usedByAllText(names) + " · each current value becomes the previous one",
		yes:    writeBatch(a.newWrite(), steps, 0),
		busy:   "rolling back " + model.Count(len(names), "secret"),
		no:     "rolled nothing back",
	})
	return nil
}

// batchRun is the batch of writes in flight, and what each write did.
type batchRun struct {
	op      writeOp
	done    []secretWrittenMsg // in order, failures included
	skipped []string           // named in the summary, never written
}

// batchWritten follows one write of a batch: the list and marks as for a
// single write, then the next write, or the summary after the last.
func (a *Model) batchWritten(msg secretWrittenMsg) tea.Cmd {
	b := &a.batch
	b.done = append(b.done, msg)
	var cmds []tea.Cmd
	if msg.err == nil {
		if writeOps[msg.op].forget {
			a.forgetValue(msg.name)
		}
		if msg.op == opDelete {
			delete(a.marks, msg.name)
		}
		cmds = append(cmds, a.applyWrite(msg))
	}
	if msg.next != nil {
		a.status = statusLine{text: writeOps[msg.op].doing + " " + itoa(msg.step+1) + " of " + itoa(msg.of) + "…",
			kind: statusInfo, seq: a.status.seq + 1}
		return tea.Batch(append(cmds, msg.next)...)
	}
	a.busy = ""
	return tea.Batch(append(cmds, a.batchDone())...)
}

// batchDone reports the batch: every secret by name, what happened to
// it, and a failure's reason. The secrets a rotation changed stay marked,
// so R rolls the whole session back and P pushes it.
func (a *Model) batchDone() tea.Cmd {
	b := a.batch
	a.batch = batchRun{}
	var ok []string // raw names: namesText makes them printable
	var okNames []string
	failed := map[string][]string{} // reason → names
	var reasons []string
	var unchanged []string // already held the value given: nothing written
	for _, m := range b.done {
		if errors.Is(m.err, keyring.ErrUnchanged) {
			unchanged = append(unchanged, m.name)
			continue
		}
		if m.err != nil {
			r := describeErr(m.err)
			if _, seen := failed[r]; !seen {
				reasons = append(reasons, r)
			}
			failed[r] = append(failed[r], model.Printable(m.name))
			continue
		}
		okNames = append(okNames, m.name)
		switch m.op {
		case opDelete:
			ok = append(ok, m.name)
		default:
			ok = append(ok, m.name+" v"+itoa(m.secret.Version))
		}
	}
	verb := map[writeOp]string{opRotate: "rotated", opRollback: "rolled back", opDelete: "deleted"}[b.op]
	text := verb + " " + itoa(len(ok)) + " of " + itoa(len(b.done))
	if len(ok) > 0 {
		// Every failure is named below; the successes up to maxNamed (the
		// rotated stay marked, so the list shows the rest).
		text += ": " + namesText(ok)
	}
	for _, r := range reasons {
		text += " · failed " + strings.Join(failed[r], ", ") + ": " + r
	}
	if len(unchanged) > 0 {
		text += " · unchanged " + namesText(unchanged) + " (the value given is the current one)"
	}
	if len(b.skipped) > 0 {
		text += " · skipped " + namesText(b.skipped)
	}
	kind := statusSuccess
	if len(reasons) > 0 {
		kind = statusError
	}
	if b.op != opRotate || len(okNames) == 0 {
		return a.setStatus(kind, text)
	}
	// What the session rotated is what R rolls back and P pushes.
	clear(a.marks)
	for _, n := range okNames {
		a.marks[n] = true
	}
	a.sizeFilter()
	if len(okNames) == 1 {
		text += " · it stays marked: R rolls it back"
	} else {
		text += " · the " + itoa(len(okNames)) + " rotated stay marked: R rolls them back"
	}
	status := a.setStatus(kind, text)
	if a.julep == nil {
		return status
	}
	// Offer the push only when a Julep account is configured, which
	// takes resolving its settings (a Cmd).
	a.syncSeq++
	return tea.Batch(status, checkJulep(a.ctx, a.julep, offerPushMsg{seq: a.syncSeq, statusSeq: a.status.seq, summary: text, names: okNames}))
}

// offerPushMsg says, after a rotation session, whether a Julep account is
// configured (err nil), with the session's summary and rotated names.
type offerPushMsg struct {
	seq, statusSeq int
	summary        string
	names          []string
	err            error
}

// checkJulep resolves the Julep settings (no request is sent) and reports
// in msg whether an account is configured.
func checkJulep(ctx context.Context, connect JulepConnect, msg offerPushMsg) tea.Cmd {
	return safe(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		_, _, msg.err = connect(ctx)
		return msg
	})
}

// offerPush asks whether to push what the session rotated, if the summary
// is still what the user is looking at.
func (a *Model) offerPush(msg offerPushMsg) tea.Cmd {
	if msg.err != nil || msg.seq != a.syncSeq || msg.statusSeq != a.status.seq || a.mode != modeNormal || a.busy != "" {
		return nil // no account, or the user has moved on: P still pushes the marked
	}
	names := map[string]bool{}
	for _, n := range msg.names {
		names[n] = true
	}
	a.syncSeq++
	a.ask(confirmation{
		prompt: msg.summary + " · Push them to Julep? y/N (the plan is shown first)",
		yes:    planJulepPush(a.ctx, a.julep, a.store, names, model.Count(len(msg.names), "rotated secret"), a.syncSeq),
		busy:   "listing the Julep account",
		no:     msg.summary + " · not pushed: P pushes the marked",
	})
	return nil
}
