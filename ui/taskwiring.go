package ui

// The root's side of the tasks view (ui/tasks): building it with what it
// needs of the root, handing it its messages and keys, and carrying out
// the actions it returns. The tasks view decides nothing outside itself:
// going to a secret, the new-secret and import forms, the rewrite's y/N
// question and the status line are the root's.

import (
	"context"
	"slices"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/ui/tasks"
)

// newTasks builds the tasks view with the root's index, store, timer and
// styles.
func (a *Model) newTasks(opts Options) *tasks.Model {
	ctx, st := a.ctx, a.store
	return tasks.New(tasks.Options{
		Tasks: opts.Tasks, Demo: opts.Demo, Model: opts.Model, Mapping: opts.Mapping,
		Index: taskIndex{a},
		Value: func(name string) (string, error) {
			ctx, cancel := context.WithTimeout(ctx, opTimeout)
			defer cancel()
			return st.Value(ctx, name)
		},
		// a.after is read at each call: the tests swap it after newModel.
		After:  func(d time.Duration, msg tea.Msg) tea.Cmd { return a.after(d, msg) },
		Styles: &a.st.tasks,
	})
}

// taskIndex is the tasks view's window on the index (tasks.Index): the
// names in the list, once the index has been read.
type taskIndex struct{ a *Model }

func (x taskIndex) Loaded() bool         { return x.a.loaded }
func (x taskIndex) Has(name string) bool { return x.a.exists(name) }

func (x taskIndex) Names() []string {
	all := x.a.list.all
	names := make([]string, len(all))
	for i := range all {
		names[i] = all[i].sec.Name
	}
	return names
}

// taskPane is the pane of the tasks view that has focus.
func (a *Model) taskPane() tasks.Pane {
	switch a.focus {
	case focusTasks:
		return tasks.PaneList
	case focusPreview:
		return tasks.PanePreview
	}
	return tasks.PaneNone
}

// taskMsg hands the tasks view one of its own messages.
func (a *Model) taskMsg(msg tasks.Msg) tea.Cmd {
	cmd, act := a.tasks.Update(msg)
	return tea.Batch(cmd, a.taskAction(act))
}

// taskAction carries out what the tasks view asked for.
func (a *Model) taskAction(act tasks.Action) tea.Cmd {
	switch act := act.(type) {
	case tasks.OpenPreview:
		a.focus = focusPreview
	case tasks.OpenSecret:
		return a.jumpTo(act.Name)
	case tasks.CreateSecret:
		return a.offerCreate(act.Name)
	case tasks.ImportLiteral:
		return a.startImport(act)
	case tasks.Refused:
		return a.setStatus(statusError, act.Reason)
	case tasks.UsageChanged:
		if a.list.query.NeedsUsage() || a.viewsNeedUsage() {
			// The matches and the views' counts (an unused tab).
			before := a.list.selectedName()
			a.list.refilter(a.env())
			a.selectionChanged(before)
		}
	case tasks.Rewritten:
		a.busy = ""
		if act.Err != nil {
			return a.setStatus(statusError, act.Status())
		}
		return a.setStatus(statusSuccess, act.Status())
	}
	return nil
}

// tasksPanesView draws the tasks view: the task files above, the preview
// below, both full width.
func (a *Model) tasksPanesView() string {
	bodyH := a.bodyHeight()
	_, fh := a.st.focusedBorder.GetFrameSize()
	listH := a.tasks.ListHeight() + fh
	l := box(a.paneStyle(focusTasks), a.tasks.ListView(), a.width, listH)
	p := box(a.paneStyle(focusPreview), a.tasks.PreviewView(), a.width, bodyH-listH)
	return lipgloss.JoinVertical(lipgloss.Left, l, p)
}

// toggleTasks switches between the secrets view and the tasks view. The
// first time the tasks view opens, it checks the task files against the
// store (tasks.Model.Open).
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
	if !a.focus.tasksView() {
		return nil
	}
	return a.tasks.Open()
}

// jumpTo shows name in the secrets view, clearing a filter that hides it.
func (a *Model) jumpTo(name string) tea.Cmd {
	i, ok := a.list.indexOf(name)
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
	a.form.touched[fieldName] = true // filled in: a bad name shows at once
	a.form.validate(a.exists)
	a.mode = modeForm
	return a.setStatus(statusInfo, model.Printable(name)+" is not in the store: enter its value to create it")
}

// startImport asks for a name for the literal the tasks view pointed at.
func (a *Model) startImport(act tasks.ImportLiteral) tea.Cmd {
	if cmd := a.refuseWhileBusy(); cmd != nil {
		return cmd
	}
	lit := act.Literal
	a.form = newForm(formImport, model.Secret{}, a.formInputWidth())
	a.form.literal = lit
	a.form.source = lit.File + " · " + lit.Path + " · " + lit.Masked
	a.form.name.SetValue(act.SuggestedName)
	a.form.desc.SetValue("imported from " + lit.File)
	a.form.touched[fieldName] = true // suggested: a taken name shows at once
	a.form.validate(a.exists)
	a.mode = modeForm
	return nil
}

// importLiteral stores the literal as the value of s: read reads it from
// its task file again (tasks.Model.LiteralValue), here inside the Cmd, and
// the value goes no further than this closure.
// The index file (index, "" for none) is stamped around the write, as
// writeTo.run does.
func importLiteral(ctx context.Context, st Store, index string, read func() (string, error), lit tasks.Literal, s model.Secret) tea.Cmd {
	return safe(func() tea.Msg {
		v, err := read()
		if err != nil {
			return secretImportedMsg{name: s.Name, lit: lit, err: err}
		}
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		msg := secretImportedMsg{name: s.Name, lit: lit, before: statIndex(index)}
		msg.secret, msg.err = st.Create(ctx, s, v)
		msg.after = statIndex(index)
		return msg
	})
}

// secretImported puts the new secret into the list, as any create does
// (applyWrite: no read of the whole index), and offers to rewrite the task
// file to reference it, when it is writable.
func (a *Model) secretImported(msg secretImportedMsg) tea.Cmd {
	if msg.before == a.indexStamp {
		a.indexStamp = msg.after // the poll's change is this write's own
	}
	if msg.err != nil {
		return a.formFailed(msg.err)
	}
	a.busy = ""
	a.closeForm()
	lit := msg.lit
	name := model.Printable(msg.secret.Name)
	put := a.applyWrite(secretWrittenMsg{op: opCreate, name: msg.secret.Name, secret: msg.secret})
	if !lit.Writable {
		return tea.Batch(put, a.setStatus(statusSuccess, "imported "+name+"; "+model.Printable(lit.File)+
			" is read-only here, so it still holds the literal: write "+model.Printable(lit.Reference(msg.secret.Name))+" there yourself"))
	}
	file := model.Printable(lit.File)
	a.ask(confirmation{
		prompt: "Imported " + name + ". Rewrite " + file + " to use it? y/N · " + model.Printable(lit.Path) + " becomes " + strconv.Quote(lit.Reference(msg.secret.Name)),
		yes:    a.tasks.Rewrite(lit, msg.secret.Name),
		busy:   "rewriting " + file,
		no:     "left " + file + " as it was; it still holds the literal",
	})
	return put
}

// usedByCount is the number of task documents that reference name, or -1
// while the task files are being read.
func (a *Model) usedByCount(name string) int {
	used := a.tasks.UsedBy()
	if used == nil {
		return -1
	}
	files := map[string]bool{}
	for _, u := range used[name] {
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
