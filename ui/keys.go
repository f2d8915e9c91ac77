package ui

import (
	"slices"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"github.com/keyward/keyward/ui/tasks"
)

// keyMap is every key binding of the root. Bindings that do not apply in the
// current mode and focus are disabled by update, so key.Matches ignores them
// and help leaves them out. The tasks view has its own (tasks.KeyMap).
type keyMap struct {
	// Moving
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding
	Focus                                   key.Binding
	Tasks                                   key.Binding // switch between the secrets and the tasks view

	// Filtering and sorting
	Filter, ClearFilter, AddToFilter, Sort key.Binding
	FilterDone, FilterLeave                key.Binding
	View                                   key.Binding // 1…9: the views of config.toml

	// Acting on the selected secret
	New, Edit, Rotate, Rollback, Delete, Reveal, Copy key.Binding
	Push                                              key.Binding // to the Julep account
	Reload                                            key.Binding

	// Marks: r, R, d and P act on the marked secrets when there are any
	Mark, MarkAll, ClearMarks key.Binding

	// Forms
	NextField, PrevField, Save, Cancel, Generate key.Binding
	DeleteBack, ClearField                       key.Binding // in the value field
	Skip                                         key.Binding // a rotation session's form: leave this one as it is

	// Confirmations
	Yes, No key.Binding

	Help, CloseHelp, Quit, ForceQuit key.Binding
}

func newKeyMap() keyMap {
	// The moving keys are the tasks view's: one definition for both views.
	mv := tasks.DefaultKeyMap()
	return keyMap{
		Up:       mv.Up,
		Down:     mv.Down,
		Top:      mv.Top,
		Bottom:   mv.Bottom,
		PageUp:   mv.PageUp,
		PageDown: mv.PageDown,
		Focus:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "switch pane")),
		Tasks:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "tasks")),

		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		AddToFilter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "filter by pair")),
		Sort:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		View:        key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1…9", "view")),
		FilterDone:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "done")),
		FilterLeave: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "leave filter")),

		New:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new")),
		Edit:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Rotate:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rotate")),
		Rollback: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "roll back")),
		Delete:   key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		Reveal:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "reveal")),
		Copy:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy")),
		Push:     key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "push to Julep")),
		Reload:   key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload")),

		Mark:       key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark")),
		MarkAll:    key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "mark all shown")),
		ClearMarks: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "unmark all")),

		NextField:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		PrevField:  key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Save:       key.NewBinding(key.WithKeys("enter", "ctrl+s"), key.WithHelp("enter/ctrl+s", "save")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Generate:   key.NewBinding(key.WithKeys("ctrl+g"), key.WithHelp("ctrl+g", "generate value")),
		DeleteBack: key.NewBinding(key.WithKeys("backspace"), key.WithHelp("backspace", "delete a character")),
		ClearField: key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear the value")),
		Skip:       key.NewBinding(key.WithKeys("ctrl+x"), key.WithHelp("ctrl+x", "skip")),

		Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:  key.NewBinding(key.WithKeys("n", "N", "esc", "enter"), key.WithHelp("n/esc", "no")),

		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		CloseHelp: key.NewBinding(key.WithKeys("esc", "?", "q"), key.WithHelp("esc/?", "close help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// keyState is what decides which bindings apply.
type keyState struct {
	mode         mode
	focus        focus
	hasSelection bool
	filterActive bool
	onPair       bool        // the detail cursor is on a metadata pair
	multiline    bool        // the focused form field takes enter as a newline
	hasValue     bool        // the focused form has a value field
	inValue      bool        // the form's value field has focus
	revealed     bool        // the selected value is on screen
	inTasks      bool        // the tasks view is showing
	marked       int         // secrets marked
	onView       bool        // the active view narrows the list: r rotates what it shows
	views        int         // how many views config.toml sets
	helpScrolls  bool        // the help screen is taller than the screen
	inSession    bool        // the form is a step of a rotation session
	tasks        help.KeyMap // its own keys, for the hint and ?
}

// update enables exactly the bindings that apply in st.
func (k *keyMap) update(st keyState) {
	normal := st.mode == modeNormal
	secrets := normal && !st.inTasks
	for _, b := range []*key.Binding{&k.Focus, &k.Tasks, &k.Reload, &k.Help, &k.Quit} {
		b.SetEnabled(normal)
	}
	// The moving keys scroll the help screen too.
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Top, &k.Bottom, &k.PageUp, &k.PageDown} {
		b.SetEnabled(normal || (st.mode == modeHelp && st.helpScrolls))
	}
	for _, b := range []*key.Binding{&k.Filter, &k.Sort, &k.New} {
		b.SetEnabled(secrets)
	}
	for _, b := range []*key.Binding{&k.Edit, &k.Rotate, &k.Rollback, &k.Delete, &k.Reveal, &k.Copy, &k.Push, &k.Mark} {
		b.SetEnabled(secrets && st.hasSelection)
	}
	k.MarkAll.SetEnabled(secrets)
	k.View.SetEnabled(secrets && st.views > 1)
	// esc clears the marks first, the filter once there are none.
	k.ClearMarks.SetEnabled(secrets && st.marked > 0)
	if st.marked > 0 {
		// r, R, d and P act on every marked secret; the hint says so.
		// (The header says how many.)
		k.Rotate.SetHelp("r", "rotate marked")
		k.Rollback.SetHelp("R", "roll back marked")
		k.Delete.SetHelp("d", "delete marked")
		k.Push.SetHelp("P", "push marked to Julep")
		for _, b := range []*key.Binding{&k.Rotate, &k.Rollback, &k.Delete, &k.Push} {
			b.SetEnabled(secrets)
		}
	} else {
		k.Rotate.SetHelp("r", "rotate")
		if st.onView {
			// A view's secrets are walked like marks (session.go).
			k.Rotate.SetHelp("r", "rotate view")
		}
		k.Rollback.SetHelp("R", "roll back")
		k.Delete.SetHelp("d", "delete")
	}
	if st.revealed {
		k.Reveal.SetHelp("v", "hide")
	} else {
		k.Reveal.SetHelp("v", "reveal")
	}
	switch {
	case st.marked > 0:
	case st.filterActive:
		k.Push.SetHelp("P", "push matching to Julep")
	default:
		k.Push.SetHelp("P", "push to Julep")
	}
	k.ClearFilter.SetEnabled(secrets && st.filterActive && st.marked == 0)
	k.AddToFilter.SetEnabled(secrets && st.focus == focusDetail && st.onPair)

	// t names the view it goes to.
	if st.inTasks {
		k.Tasks.SetHelp("t", "secrets")
	} else {
		k.Tasks.SetHelp("t", "tasks")
	}

	k.FilterDone.SetEnabled(st.mode == modeFilter)
	k.FilterLeave.SetEnabled(st.mode == modeFilter)

	inForm := st.mode == modeForm || st.mode == modeRotate
	k.NextField.SetEnabled(st.mode == modeForm)
	k.PrevField.SetEnabled(st.mode == modeForm)
	k.Save.SetEnabled(inForm)
	if st.multiline {
		k.Save.SetKeys("ctrl+s")
		k.Save.SetHelp("ctrl+s", "save")
	} else {
		k.Save.SetKeys("enter", "ctrl+s")
		k.Save.SetHelp("enter/ctrl+s", "save")
	}
	k.Cancel.SetEnabled(inForm)
	// ctrl+g, backspace and ctrl+u as listed here act on the value field
	// only (elsewhere the field's own editing keys apply).
	k.Generate.SetEnabled(inForm && st.hasValue && st.inValue)
	k.DeleteBack.SetEnabled(inForm && st.inValue)
	k.ClearField.SetEnabled(inForm && st.inValue)
	k.Skip.SetEnabled(inForm && st.inSession)
	if st.inSession {
		k.Save.SetHelp(k.Save.Help().Key, "next")
		k.Cancel.SetHelp("esc", "end session")
	} else {
		k.Cancel.SetHelp("esc", "cancel")
	}

	k.Yes.SetEnabled(st.mode == modeConfirm)
	k.No.SetEnabled(st.mode == modeConfirm)
	k.CloseHelp.SetEnabled(st.mode == modeHelp)
	k.ForceQuit.SetEnabled(true)
}

// shortHelp is the one-line hint for the current state; in the tasks view
// the view's own keys come first.
func (k keyMap) shortHelp(st keyState) []key.Binding {
	switch st.mode {
	case modeFilter:
		return []key.Binding{k.FilterDone, k.FilterLeave, k.ForceQuit}
	case modeForm, modeRotate:
		return []key.Binding{k.Save, k.NextField, k.Generate, k.Skip, k.Cancel}
	case modeConfirm:
		return []key.Binding{k.Yes, k.No}
	case modeHelp:
		return []key.Binding{k.CloseHelp, k.Down, k.PageDown}
	}
	switch st.focus {
	case focusDetail:
		return []key.Binding{k.AddToFilter, k.Reveal, k.Copy, k.Rotate, k.Focus, k.Tasks, k.Help, k.Quit}
	case focusTasks:
		return append(st.tasks.ShortHelp(), k.Focus, k.Tasks, k.Reload, k.Help, k.Quit)
	case focusPreview:
		return append(st.tasks.ShortHelp(), k.Focus, k.Tasks, k.Help, k.Quit)
	}
	// s sort and e edit are left to ? so that t tasks fits in 100 columns.
	if st.marked > 0 {
		// With marks, what acts on them comes first.
		return []key.Binding{k.Rotate, k.ClearMarks, k.Delete, k.Mark, k.Rollback, k.Push, k.Filter, k.Tasks, k.Help, k.Quit}
	}
	return []key.Binding{k.Filter, k.ClearFilter, k.New, k.Reveal, k.Copy, k.Rotate, k.Delete, k.Mark, k.Tasks, k.Help, k.Quit}
}

// fullHelp is the `?` screen: every binding that applies, in groups. In
// the tasks view they are the view's own two groups, moving and acting,
// with the root's keys that belong to each added (tab and t move, ctrl+r
// acts), so they stay in the first columns on a narrow screen.
func (k keyMap) fullHelp(st keyState) [][]key.Binding {
	if st.inTasks {
		g := st.tasks.FullHelp()
		return [][]key.Binding{
			append(slices.Clip(g[0]), k.Focus, k.Tasks),
			append(slices.Clip(g[1]), k.Reload),
			{k.Help, k.Quit, k.ForceQuit},
		}
	}
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.Focus, k.Tasks},
		{k.View, k.Filter, k.ClearFilter, k.AddToFilter, k.Sort, k.Reload},
		{k.New, k.Edit, k.Rotate, k.Rollback, k.Delete, k.Reveal, k.Copy, k.Push},
		{k.Mark, k.MarkAll, k.ClearMarks, k.Help, k.Quit, k.ForceQuit},
	}
}

// allBindings lists every binding of the root, for the README key table
// test.
func (k keyMap) allBindings() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.Focus, k.Tasks,
		k.View, k.Filter, k.ClearFilter, k.AddToFilter, k.Sort, k.FilterDone, k.FilterLeave,
		k.New, k.Edit, k.Rotate, k.Rollback, k.Delete, k.Reveal, k.Copy, k.Push, k.Reload,
		k.Mark, k.MarkAll, k.ClearMarks,
		k.NextField, k.PrevField, k.Save, k.Cancel, k.Generate, k.DeleteBack, k.ClearField, k.Skip, k.Yes, k.No,
		k.Help, k.CloseHelp, k.Quit, k.ForceQuit}
}
