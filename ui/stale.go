package ui

// Decisions the list's copy of a record could get wrong: the list is read
// at start, after ctrl+r and when the index file changes, so another
// process may have changed a record a moment ago (issue 11, item 15). A
// rollback is refused up front only after the record was read again; the
// store itself checks again, under its lock, when it rolls back. Edits are
// compared by the store with the record the form was opened on
// (model.Patch.Base; the refusal is shown by formFailed).

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/model"
)

// recheckedMsg carries records read again from the index (never the
// keyring) before a rollback: of the selected secret (name), or of the
// marked ones (marked).
type recheckedMsg struct {
	seq    int
	name   string
	marked bool
	recs   []model.Secret
	err    error
}

// recheck reads the records of names again, in a Cmd.
func (a *Model) recheck(names []string, marked bool) tea.Cmd {
	a.recheckSeq++
	ctx, st, seq := a.ctx, a.store, a.recheckSeq
	name := ""
	if !marked {
		name = names[0]
	}
	return safe(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		msg := recheckedMsg{seq: seq, name: name, marked: marked}
		for _, n := range names {
			rec, err := st.Get(ctx, n)
			if err != nil {
				msg.err = err
				return msg
			}
			msg.recs = append(msg.recs, rec)
		}
		return msg
	})
}

// rechecked puts the records read again into the list and takes the
// rollback decision again, on them.
func (a *Model) rechecked(msg recheckedMsg) tea.Cmd {
	if msg.seq != a.recheckSeq || a.mode != modeNormal {
		return nil // the user moved on
	}
	if msg.err != nil {
		return tea.Batch(a.reload(""), a.setStatus(statusError, "could not roll back: "+describeErr(msg.err)))
	}
	before := a.list.selectedName()
	for _, r := range msg.recs {
		a.list.put(r.Name, r, a.env())
	}
	a.list.selectName(before)
	a.listChanged(before)
	if msg.marked {
		return a.rollbackMarkedFrom(true)
	}
	if sel, ok := a.list.selected(); ok && sel.Name == msg.name {
		return a.rollbackSelected(*sel, true)
	}
	return nil
}

// rollbackSelected asks to roll sel back. A version-1 record has no
// previous value (only a value change keeps one, and create clears any),
// which is said before asking anything, but only of a record just read
// again (fresh): the list's copy may predate a rotation elsewhere.
func (a *Model) rollbackSelected(sel model.Secret, fresh bool) tea.Cmd {
	name := sel.Name
	if sel.Version <= 1 {
		if !fresh {
			return a.recheck([]string{name}, false)
		}
		return a.setStatus(statusError, model.Printable(name)+" has no previous value: only a rotated secret can be rolled back")
	}
	n := model.Printable(name)
	a.ask(confirmation{
		prompt: "Roll " + n + " back to its previous value? y/N · " + a.usedByText(name) + " · the current value becomes the previous one",
		yes:    rollbackSecret(a.newWrite(), name),
		busy:   opRollback.doing(name),
		no:     "kept " + n + " as it was",
	})
	return nil
}
