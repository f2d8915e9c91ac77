package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/keyward/keyward/model"
)

func itoa(n int) string { return strconv.Itoa(n) }

// handleKey routes a key press: ctrl+c always quits; a non-normal mode takes
// every other key; then global bindings; then the focused pane.
func (a *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, a.keys.ForceQuit) {
		return a.quit()
	}
	// A status message lasts until the next key.
	if a.status.text != "" && a.busy == "" {
		a.status = statusLine{seq: a.status.seq + 1}
	}
	switch a.mode {
	case modeHelp:
		return a.helpKey(msg)
	case modeConfirm:
		return a.confirmKey(msg)
	case modeFilter:
		return a.filterKey(msg)
	case modeForm, modeRotate:
		return a.formKey(msg)
	}
	return a.normalKey(msg)
}

func (a *Model) normalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &a.keys
	sel, hasSel := a.list.selected()
	switch {
	case key.Matches(msg, k.Quit):
		return a.quit()
	case key.Matches(msg, k.Help):
		a.mode = modeHelp
		a.helpOff = 0
		return nil
	case key.Matches(msg, k.Tasks):
		return a.toggleTasks()
	case key.Matches(msg, k.Focus):
		switch a.focus {
		case focusList:
			a.focus = focusDetail
		case focusDetail:
			a.focus = focusList
		case focusTasks:
			a.focus = focusPreview
		case focusPreview:
			a.focus = focusTasks
		}
		a.layout()
		return nil
	case key.Matches(msg, k.Filter):
		a.mode = modeFilter
		a.sizeFilter() // the header drops the demo note for it
		a.filter.CursorEnd()
		return a.filter.Focus()
	case key.Matches(msg, k.ClearFilter):
		a.filter.SetValue("")
		a.applyFilter()
		return a.setStatus(statusInfo, "filter cleared")
	case key.Matches(msg, k.Sort):
		return a.cycleSort()
	case key.Matches(msg, k.Reload):
		a.reloading = "reloaded"
		if a.focus.tasksView() {
			return tea.Batch(a.reload(""), a.tasks.Reload(), a.setStatus(statusInfo, "reloading the index and the task files…"))
		}
		return tea.Batch(a.reload(""), a.setStatus(statusInfo, "reloading the index…"))
	case key.Matches(msg, k.New):
		if cmd := a.refuseWhileBusy(); cmd != nil {
			return cmd
		}
		a.form = newForm(formNew, model.Secret{}, a.formInputWidth())
		a.form.validate(a.exists) // shown field by field, once typed into
		a.mode = modeForm
		return nil
	case key.Matches(msg, k.Mark):
		return a.toggleMark()
	case key.Matches(msg, k.MarkAll):
		return a.markShown()
	case key.Matches(msg, k.ClearMarks):
		return a.clearMarks()
	case key.Matches(msg, k.View):
		return a.switchView(viewKey(msg))
	}
	if len(a.marks) == 0 && a.onView() && key.Matches(msg, k.Rotate) {
		return a.startViewSession()
	}
	if len(a.marks) > 0 {
		// With marks, these act on every marked secret.
		switch {
		case key.Matches(msg, k.Rotate):
			return a.startSession()
		case key.Matches(msg, k.Rollback):
			return a.rollbackMarked()
		case key.Matches(msg, k.Delete):
			return a.deleteMarked()
		case key.Matches(msg, k.Push):
			return a.pushKey()
		}
	}
	if hasSel {
		name := sel.Name
		switch {
		case key.Matches(msg, k.Edit):
			if cmd := a.refuseWhileBusy(); cmd != nil {
				return cmd
			}
			a.form = newForm(formEdit, *sel, a.formInputWidth())
			a.form.validate(a.exists) // its notes show at once; errors once touched
			a.mode = modeForm
			return nil
		case key.Matches(msg, k.Rotate):
			if cmd := a.refuseWhileBusy(); cmd != nil {
				return cmd
			}
			a.form = newForm(formRotate, *sel, a.formInputWidth())
			a.mode = modeRotate
			return nil
		case key.Matches(msg, k.Rollback):
			if cmd := a.refuseWhileBusy(); cmd != nil {
				return cmd
			}
			return a.rollbackSelected(*sel, false) // stale.go
		case key.Matches(msg, k.Delete):
			if cmd := a.refuseWhileBusy(); cmd != nil {
				return cmd
			}
			n := model.Printable(name)
			a.ask(confirmation{
				prompt: "Delete " + n + "? y/N · " + a.usedByText(name) + " · its value and previous value are gone for good",
				yes:    deleteSecret(a.newWrite(), name),
				busy:   opDelete.doing(name),
				no:     "kept " + n + " as it was",
			})
			return nil
		case key.Matches(msg, k.Reveal):
			if a.reveal.name == name && (a.reveal.revealed || a.reveal.loading) {
				a.hideReveal()
				return a.setStatus(statusInfo, "value hidden")
			}
			a.hideReveal()
			a.reveal = revealState{name: name, seq: a.valueSeq, loading: true}
			return readValue(a.ctx, a.store, name, sel.Version, a.valueSeq)
		case key.Matches(msg, k.Push):
			return a.pushKey()
		case key.Matches(msg, k.Copy):
			a.clipSeq++
			a.clipSt = clipState{}
			return tea.Batch(copyValue(a.ctx, a.store, a.clip, name, a.clipSeq),
				a.setStatus(statusInfo, "copying "+model.Printable(name)+"…"))
		}
	}
	switch a.focus {
	case focusDetail:
		return a.detailKey(msg)
	case focusTasks, focusPreview:
		return a.taskAction(a.tasks.HandleKey(msg))
	}
	return a.listKey(msg)
}

// helpKey closes or scrolls the help screen.
func (a *Model) helpKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &a.keys
	switch {
	case key.Matches(msg, k.CloseHelp):
		a.mode = modeNormal
	case key.Matches(msg, k.Up):
		a.scrollHelp(-1)
	case key.Matches(msg, k.Down):
		a.scrollHelp(1)
	case key.Matches(msg, k.PageUp):
		a.scrollHelp(-a.helpRoom(a.bodyHeight()))
	case key.Matches(msg, k.PageDown):
		a.scrollHelp(a.helpRoom(a.bodyHeight()))
	case key.Matches(msg, k.Top):
		a.helpOff = 0
	case key.Matches(msg, k.Bottom):
		a.scrollHelp(1 << 20)
	}
	return nil
}

func (a *Model) listKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &a.keys
	before := a.list.selectedName()
	switch {
	case key.Matches(msg, k.Up):
		a.list.move(-1)
	case key.Matches(msg, k.Down):
		a.list.move(1)
	case key.Matches(msg, k.Top):
		a.list.top()
	case key.Matches(msg, k.Bottom):
		a.list.bottom()
	case key.Matches(msg, k.PageUp):
		a.list.move(-a.list.page())
	case key.Matches(msg, k.PageDown):
		a.list.move(a.list.page())
	default:
		return nil
	}
	a.selectionChanged(before)
	return nil
}

func (a *Model) detailKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &a.keys
	s, ok := a.list.selected()
	if !ok {
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		a.detail.move(s, -1)
	case key.Matches(msg, k.Down):
		a.detail.move(s, 1)
	case key.Matches(msg, k.Top):
		a.detail.cursor = 0
	case key.Matches(msg, k.Bottom):
		a.detail.move(s, len(s.Metadata))
	case key.Matches(msg, k.AddToFilter):
		term, ok := a.detail.filterTerm(s)
		if !ok {
			return nil
		}
		cur := strings.TrimSpace(a.filter.Value())
		if !containsTerm(cur, term) {
			cur = strings.TrimSpace(cur + " " + term)
		}
		a.filter.SetValue(cur)
		before := a.list.selectedName()
		a.applyFilter()
		a.selectionChanged(before)
		a.focus = focusList
		a.layout()
		return a.setStatus(statusInfo, "filter: "+model.Printable(cur))
	}
	return nil
}

func containsTerm(query, term string) bool {
	for _, t := range strings.Fields(query) {
		if t == term {
			return true
		}
	}
	return false
}

// applyFilter parses the filter text. A bad query is reported and the last
// good results stay on screen.
func (a *Model) applyFilter() {
	q, err := model.ParseQuery(a.filter.Value())
	if err != nil {
		a.filtErr = err.Error()
		return
	}
	a.filtErr = ""
	before := a.list.selectedName()
	if q.NeedsUsage() && a.tasks.UsedBy() == nil {
		// is:unused matches nothing until the task files are read; do not
		// narrow from that empty result later.
		a.list.query = model.Query{}
	}
	a.list.setQuery(q, a.env())
	a.selectionChanged(before)
}

func (a *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, a.keys.FilterDone) && a.filtErr != "":
		// enter keeps a filter, and this one cannot be kept: say why and
		// stay, rather than quietly going back to the last good one.
		return a.setStatus(statusError, "not applied: "+model.Printable(a.filtErr)+" · fix it, or esc keeps the last good filter")
	case key.Matches(msg, a.keys.FilterLeave), key.Matches(msg, a.keys.FilterDone):
		a.mode = modeNormal
		a.filter.Blur()
		a.sizeFilter()
		if a.filtErr != "" {
			// Leaving with a bad query: show the query that is in force.
			bad := a.filtErr
			a.filter.SetValue(a.list.query.String())
			a.filtErr = ""
			return a.setStatus(statusInfo, "kept the last good filter ("+model.Printable(bad)+")")
		}
		return nil
	}
	var cmd tea.Cmd
	old := a.filter.Value()
	a.filter, cmd = a.filter.Update(msg)
	if a.filter.Value() != old {
		a.applyFilter()
	}
	return cmd
}

// sortCycle is the order s goes through the sort keys.
var sortCycle = []model.SortKey{model.SortName, model.SortUpdated, model.SortDue}

func (a *Model) cycleSort() tea.Cmd {
	next := sortCycle[0]
	for i, k := range sortCycle {
		if k == a.list.sort {
			next = sortCycle[(i+1)%len(sortCycle)]
		}
	}
	before := a.list.selectedName()
	a.list.resort(next)
	if a.list.grew > 0 && a.keptMore != nil {
		a.keptMore(a.list.grew)
	}
	a.list.grew = 0
	a.selectionChanged(before)
	return a.setStatus(statusInfo, "sorted by "+string(next))
}

func (a *Model) exists(name string) bool {
	_, ok := a.list.indexOf(name)
	return ok
}

func (a *Model) refuseWhileBusy() tea.Cmd {
	if a.busy == "" {
		return nil
	}
	return a.setStatus(statusError, "still waiting for the keyring ("+a.busy+"); try again when it answers")
}

func (a *Model) formKey(msg tea.KeyPressMsg) tea.Cmd {
	f := a.form
	k := &a.keys
	if f == nil {
		a.mode = modeNormal
		return nil
	}
	if f.saving {
		return nil // the store has it; wait for the answer
	}
	switch {
	case key.Matches(msg, k.Cancel):
		what := "nothing was saved"
		if f.kind == formRotate {
			what = "not rotated"
		}
		if a.session != nil {
			what = "rotation session ended: nothing was rotated"
			a.endSession()
		}
		a.closeForm()
		return a.setStatus(statusInfo, what)
	case key.Matches(msg, k.Skip) && a.session != nil:
		return a.sessionNext(true)
	case key.Matches(msg, k.Save) && a.session != nil:
		return a.sessionNext(false)
	case key.Matches(msg, k.NextField):
		f.focusField(f.focus + 1)
		return nil
	case key.Matches(msg, k.PrevField):
		f.focusField(f.focus - 1)
		return nil
	case key.Matches(msg, k.Generate):
		a.genSeq++
		f.genSeq = a.genSeq
		if len(f.value.buf) > 0 && !f.value.generated {
			// A typed or pasted value is not thrown away unasked.
			a.ask(confirmation{
				prompt:  "Replace the value you entered with a generated one? y/N",
				yes:     generateValue(a.genSeq, f.genSettings()),
				no:      "kept the value you entered",
				back:    a.mode,
				noWrite: true,
			})
			return nil
		}
		return generateValue(a.genSeq, f.genSettings())
	case key.Matches(msg, k.Save):
		return a.submitForm()
	}
	cmd := f.update(msg, k)
	f.validate(a.exists)
	return cmd
}

func (a *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	switch a.mode {
	case modeFilter:
		var cmd tea.Cmd
		a.filter, cmd = a.filter.Update(msg)
		a.applyFilter()
		return cmd
	case modeForm, modeRotate:
		if a.form != nil && !a.form.saving {
			cmd := a.form.update(msg, &a.keys)
			a.form.validate(a.exists)
			return cmd
		}
	}
	return nil
}

func (a *Model) handleWheel(msg tea.MouseWheelMsg) tea.Cmd {
	if a.mode != modeNormal {
		return nil
	}
	if a.focus.tasksView() {
		a.tasks.Wheel(msg)
		return nil
	}
	before := a.list.selectedName()
	switch msg.Mouse().Button {
	case tea.MouseWheelUp:
		a.list.move(-3)
	case tea.MouseWheelDown:
		a.list.move(3)
	default:
		return nil
	}
	a.selectionChanged(before)
	return nil
}

// handleClick is a left click in the secrets view: on a row of the list it
// selects that row and focuses the list; on the detail pane it focuses the
// detail pane. Other clicks, and clicks while a form, the filter or a
// question is open, do nothing.
func (a *Model) handleClick(msg tea.MouseClickMsg) tea.Cmd {
	m := msg.Mouse()
	if a.mode != modeNormal || m.Button != tea.MouseLeft || a.focus.tasksView() || a.tooSmall {
		return nil
	}
	y := m.Y - lipgloss.Height(a.headerView())
	inList := y >= 0 && y < a.listH && m.X < a.listW
	inDetail := y >= 0 && y < a.detH && m.X >= a.listW
	if !a.sideBySide {
		inList = y >= 0 && y < a.listH
		inDetail = y >= a.listH && y < a.listH+a.detH
	}
	switch {
	case inList:
		row := y - a.st.focusedBorder.GetBorderTopSize()
		if idx := a.list.offset + row; row >= 0 && row < a.list.height && idx < len(a.list.vis) {
			before := a.list.selectedName()
			a.list.cursor = idx
			a.list.clamp()
			a.selectionChanged(before)
		}
		a.focus = focusList
	case inDetail:
		a.focus = focusDetail
	default:
		return nil
	}
	a.layout()
	return nil
}

func (a *Model) closeForm() {
	if a.form != nil {
		a.form.close()
	}
	a.form = nil
	a.mode = modeNormal
}

func (a *Model) submitForm() tea.Cmd {
	f := a.form
	f.validate(a.exists)
	f.submitted = true
	if !f.valid() {
		return a.setStatus(statusError, "fix the marked fields first")
	}
	switch f.kind {
	case formNew:
		s := f.secret()
		s.Generated = f.value.genSpec()
		f.saving = true
		a.busy = opCreate.doing(s.Name)
		return tea.Batch(createSecret(a.newWrite(), s, f.value.value()), a.setStatus(statusInfo, a.busy+"…"))
	case formEdit:
		p := f.patch()
		if p.Empty() {
			a.closeForm()
			return a.setStatus(statusInfo, "nothing changed")
		}
		if p.Rename != "" && a.usedByCount(f.orig.Name) > 0 {
			// Tasks name secrets: a rename breaks them. Say so first.
			n := model.Printable(f.orig.Name)
			a.ask(confirmation{
				prompt: "Rename " + n + " to " + model.Printable(f.name.Value()) + "? y/N · " + a.usedByText(f.orig.Name) + ", which will still name " + n,
				yes:    updateSecret(a.newWrite(), f.orig.Name, p),
				busy:   opUpdate.doing(f.orig.Name),
				no:     "not renamed yet: enter saves, esc cancels",
				back:   modeForm,
			})
			return nil
		}
		return a.saveEdit()
	case formRotate:
		n := model.Printable(f.orig.Name)
		a.ask(confirmation{
			prompt: "Rotate " + n + " to the new value? y/N · " + a.usedByText(f.orig.Name) + " · the current value is kept for rollback",
			yes:    rotateSecret(a.newWrite(), f.orig.Name, f.value.value(), f.value.genSpec()),
			busy:   opRotate.doing(f.orig.Name),
			no:     "not rotated yet: enter saves, esc cancels",
			back:   modeRotate,
		})
	case formImport:
		s := f.secret()
		f.saving = true
		a.busy = "importing the literal as " + model.Printable(s.Name)
		return tea.Batch(importLiteral(a.ctx, a.store, a.indexPath, a.tasks.LiteralValue(f.literal), f.literal, s), a.setStatus(statusInfo, a.busy+"…"))
	}
	return nil
}

// saveEdit stores the edit form's changes.
func (a *Model) saveEdit() tea.Cmd {
	f := a.form
	p := f.patch()
	f.saving = true
	a.busy = opUpdate.doing(f.orig.Name)
	return tea.Batch(updateSecret(a.newWrite(), f.orig.Name, p), a.setStatus(statusInfo, a.busy+"…"))
}

// ask puts a question to the user; confirmKey answers it.
func (a *Model) ask(c confirmation) {
	a.confirm = c
	a.mode = modeConfirm
}

// confirmPrompt is the open question, for the status line.
func (a *Model) confirmPrompt() string { return a.confirm.prompt }

// confirmKey answers the open question: y runs its action, anything else is
// no. Either way the question, and any value its action holds, is dropped.
func (a *Model) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	c := a.confirm
	a.confirm = confirmation{}
	a.mode = c.back
	if !key.Matches(msg, a.keys.Yes) {
		return a.setStatus(statusInfo, c.no)
	}
	if c.noWrite {
		return c.yes
	}
	if c.back != modeNormal && a.form != nil {
		a.form.saving = true // the form waits for the store's answer
	}
	a.busy = c.busy
	return tea.Batch(c.yes, a.setStatus(statusInfo, c.busy+"…"))
}
