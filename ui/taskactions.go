package ui

// The task pane's actions: switching views, going to a secret, creating a
// missing one, importing a literal credential, the keys of the tasks view,
// and the task counts the confirmations show.

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// previewEnter acts on the span under the cursor: go to its secret, or
// offer to create a missing one.
func (a *Model) previewEnter() tea.Cmd {
	at := a.refUnderCursor()
	switch at.kind {
	case refSecret:
		return a.jumpTo(at.span.Name)
	case refMissing:
		return a.offerCreate(at.span.Name)
	}
	return nil
}

// jumpTo shows name in the secrets view, clearing a filter that hides it.
func (a *Model) jumpTo(name string) tea.Cmd {
	i, ok := a.list.byName[name]
	if !ok {
		return nil
	}
	before := a.list.selectedName()
	note := ""
	if !slices.Contains(a.list.vis, int32(i)) {
		a.filter.SetValue("")
		a.applyFilter()
		note = " (filter cleared)"
	}
	a.list.selectName(name)
	a.selectionChanged(before)
	a.back = a.focus
	a.focus = focusList
	a.layout()
	return a.setStatus(statusInfo, model.Printable(name)+note+" · t goes back to the tasks")
}

// offerCreate opens the new-secret form with name filled in and the value
// field focused.
func (a *Model) offerCreate(name string) tea.Cmd {
	if cmd := a.refuseWhileBusy(); cmd != nil {
		return cmd
	}
	a.form = newForm(formNew, model.Secret{}, a.formInputWidth())
	a.form.name.SetValue(name)
	a.form.focusField(1)
	a.form.validate(a.exists)
	delete(a.form.errs, fieldValue) // no complaint before the first key
	a.mode = modeForm
	return a.setStatus(statusInfo, model.Printable(name)+" is not in the store: enter its value to create it")
}

// startImport asks for a name for the literal under the cursor.
func (a *Model) startImport() tea.Cmd {
	at := a.refUnderCursor()
	f := a.tasks.selected()
	if at.kind != refHardcoded || f == nil {
		return nil
	}
	if cmd := a.refuseWhileBusy(); cmd != nil {
		return cmd
	}
	// The span shows the literal's mask; find its Hardcoded on the same
	// line, else anywhere in the document.
	var h *taskpreview.Hardcoded
	for pass := 0; pass < 2 && h == nil; pass++ {
		for i := range at.res.Hardcoded {
			if hc := &at.res.Hardcoded[i]; hc.Masked == at.text && (pass == 1 || hc.Line == at.line) {
				h = hc
				break
			}
		}
	}
	if h == nil {
		return a.setStatus(statusError, "this literal spans lines; move it into the store by hand")
	}
	a.tasks.importing = importReq{file: f.path, path: h.Path, masked: h.Masked}
	a.form = newForm(formImport, model.Secret{}, a.formInputWidth())
	a.form.source = f.path + " · " + h.Path + " · " + h.Masked
	a.form.name.SetValue(h.SuggestedName)
	a.form.desc.SetValue("imported from " + f.path)
	a.form.validate(a.exists)
	a.mode = modeForm
	return nil
}

func (a *Model) secretImported(msg secretImportedMsg) tea.Cmd {
	if msg.err != nil {
		return a.formFailed(msg.err)
	}
	a.busy = ""
	a.closeForm()
	req := a.tasks.importing
	name := model.Printable(msg.secret.Name)
	reload := a.reload(msg.secret.Name)
	if !a.tasks.writable {
		return tea.Batch(reload, a.setStatus(statusSuccess, "imported "+name+"; "+model.Printable(req.file)+
			" is read-only here, so it still holds the literal: write $ secrets."+name+" there yourself"))
	}
	file := model.Printable(req.file)
	a.confirm = confirmation{
		prompt: "Imported " + name + ". Rewrite " + file + " to use it? y/N · " + model.Printable(req.path) + ` becomes "$ secrets.` + name + `"`,
		yes:    rewriteTaskFile(a.tasks.dir, req, msg.secret.Name, a.tasks.opts),
		busy:   "rewriting " + file,
		no:     "left " + file + " as it was; it still holds the literal",
	}
	a.mode = modeConfirm
	return reload
}

func (a *Model) taskRewritten(msg taskRewrittenMsg) tea.Cmd {
	a.busy = ""
	file := model.Printable(msg.file)
	if msg.err != nil {
		return a.setStatus(statusError, "could not rewrite "+file+": "+describeTaskErr(msg.err)+"; the secret is stored, replace the literal by hand")
	}
	return tea.Batch(a.scanTasks(), a.setStatus(statusSuccess, file+" now reads $ secrets."+model.Printable(msg.name)))
}

// usedByCount is the number of task documents that reference name, or -1
// while the task files are being read.
func (a *Model) usedByCount(name string) int {
	if a.tasks.usedBy == nil {
		return -1
	}
	files := map[string]bool{}
	for _, u := range a.tasks.usedBy[name] {
		files[u.File] = true
	}
	return len(files)
}

// usedByText is the confirmation's note on the tasks a change affects.
func (a *Model) usedByText(name string) string {
	switch n := a.usedByCount(name); n {
	case -1:
		return "task use not known yet"
	case 0:
		return "used by no task"
	default:
		return "used by " + model.Count(n, "task")
	}
}

// toggleTasks switches between the secrets view and the tasks view. The
// first time the tasks view opens, the previews are redone against the
// store (reading each referenced value once, for its mask).
func (a *Model) toggleTasks() tea.Cmd {
	next := a.back
	if next.tasksView() == a.focus.tasksView() {
		next = focusTasks
		if a.focus.tasksView() {
			next = focusList
		}
	}
	a.focus, a.back = next, a.focus
	a.layout()
	if !a.focus.tasksView() || a.tasks.checked {
		return nil
	}
	a.tasks.checked = true
	if !a.loaded {
		return nil // indexLoaded checks them
	}
	return a.previewTasks(a.tasks.paths())
}

// reloadTasks looks for new and changed task files now. (With ctrl+r the
// index reload that comes with it previews every file again.)
func (a *Model) reloadTasks() tea.Cmd {
	if !a.tasks.checked || !a.loaded {
		a.tasks.known = map[string]fileStamp{} // no recheck is coming: preview all
	}
	return a.scanTasks()
}

// taskKey handles the keys of the tasks view's panes.
func (a *Model) taskKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &a.keys
	t := &a.tasks
	if a.focus == focusTasks {
		before := t.cursor
		switch {
		case key.Matches(msg, k.OpenTask):
			a.focus = focusPreview
			return nil
		case key.Matches(msg, k.Up):
			t.cursor--
		case key.Matches(msg, k.Down):
			t.cursor++
		case key.Matches(msg, k.Top):
			t.cursor = 0
		case key.Matches(msg, k.Bottom):
			t.cursor = len(t.files) - 1
		case key.Matches(msg, k.PageUp):
			t.cursor -= max(1, t.listH-1)
		case key.Matches(msg, k.PageDown):
			t.cursor += max(1, t.listH-1)
		}
		a.clampTaskList()
		if t.cursor != before {
			a.flatten(true)
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Jump):
		return a.previewEnter()
	case key.Matches(msg, k.Import):
		return a.startImport()
	case key.Matches(msg, k.Up), key.Matches(msg, k.Down):
		d := 1
		if key.Matches(msg, k.Up) {
			d = -1
		}
		if len(t.items) == 0 {
			t.top += d
			a.clampTop()
			return nil
		}
		t.item = max(0, min(t.item+d, len(t.items)-1))
		a.showItem()
	case key.Matches(msg, k.Top):
		t.item, t.top = min(0, len(t.items)-1), 0
	case key.Matches(msg, k.Bottom):
		t.item = len(t.items) - 1
		t.top = len(t.flat)
		a.clampTop()
	case key.Matches(msg, k.PageDown):
		t.top = max(a.lastVisible()+1, t.top+1)
		a.clampTop()
		a.cursorIntoView()
	case key.Matches(msg, k.PageUp):
		h, i := 0, t.top
		for i > 0 && h+a.plineHeight(i-1) <= t.prevH {
			h += a.plineHeight(i - 1)
			i--
		}
		t.top = min(i, max(0, t.top-1))
		a.cursorIntoView()
	}
	return nil
}

func (a *Model) taskWheel(msg tea.MouseWheelMsg) tea.Cmd {
	d := 0
	switch msg.Mouse().Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	default:
		return nil
	}
	t := &a.tasks
	if a.focus == focusTasks {
		before := t.cursor
		t.cursor += d
		a.clampTaskList()
		if t.cursor != before {
			a.flatten(true)
		}
		return nil
	}
	t.top += d
	a.clampTop()
	a.cursorIntoView()
	return nil
}
