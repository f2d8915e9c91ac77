package tasks

// The view's keys and help (soft-serve's components are each their own
// help.KeyMap), and what a key or the mouse wheel does in each pane.

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is the tasks view's own keys. Keys disables those that do not
// apply to the focused pane or the place under the cursor, so key.Matches
// ignores them and help leaves them out. tab, t, ctrl+r, ? and q are the
// root's.
type KeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding

	Open   key.Binding // enter on a task file: to its preview
	Jump   key.Binding // enter on a reference: go to the secret, or create it
	Import key.Binding // i on a literal credential: into the store
}

// DefaultKeyMap is the view's keys, all enabled.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),

		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open task")),
		Jump:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go to secret")),
		Import: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "import literal")),
	}
}

// All lists every binding, for the README's key table.
func (k KeyMap) All() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.Open, k.Jump, k.Import}
}

// Keys returns the bindings as they apply now: moving in the focused pane,
// and in the preview the arrows walk the highlighted references and enter
// or i act on the one under the cursor.
func (m *Model) Keys() KeyMap {
	k := m.keyMap
	list, preview := m.focus == PaneList, m.focus == PanePreview
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Top, &k.Bottom, &k.PageUp, &k.PageDown} {
		b.SetEnabled(list || preview)
	}
	if preview {
		k.Up.SetHelp("↑/k", "previous ref")
		k.Down.SetHelp("↓/j", "next ref")
	}
	ref := RefNone
	if preview {
		ref = m.refUnderCursor().kind
	}
	k.Open.SetEnabled(list && len(m.files) > 0)
	k.Jump.SetEnabled(preview && (ref == RefSecret || ref == RefMissing))
	if ref == RefMissing {
		k.Jump.SetHelp("enter", "create secret")
	}
	k.Import.SetEnabled(preview && ref == RefHardcoded)
	return k
}

// ShortHelp is the hint line's part for the focused pane (help.KeyMap).
func (m *Model) ShortHelp() []key.Binding {
	k := m.Keys()
	switch m.focus {
	case PaneList:
		return []key.Binding{k.Open, k.Down}
	case PanePreview:
		return []key.Binding{k.Jump, k.Import, k.Down}
	}
	return nil
}

// FullHelp is the view's part of the ? screen (help.KeyMap): two groups,
// moving, then acting. The acting keys are listed whatever is under the
// cursor now.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.Keys()
	for _, b := range []*key.Binding{&k.Open, &k.Jump, &k.Import} {
		b.SetEnabled(true)
	}
	k.Jump.SetHelp("enter", "go to the secret, or create a missing one")
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Open, k.Jump, k.Import},
	}
}

// HelpNote is the ? screen's note on what the preview shows.
func (m *Model) HelpNote() string {
	return "Tasks: references show as resolved (masked), missing, optional, inert (never evaluated), dynamic (name decided at run time) or hardcoded (a literal credential); warnings sit under their lines."
}

// HandleKey handles a key for the focused pane: moving, and in the preview
// enter and i, whose work the returned Action asks of the root.
func (m *Model) HandleKey(msg tea.KeyPressMsg) Action {
	k := m.Keys()
	switch m.focus {
	case PaneList:
		before := m.cursor
		switch {
		case key.Matches(msg, k.Open):
			return OpenPreview{}
		case key.Matches(msg, k.Up):
			m.cursor--
		case key.Matches(msg, k.Down):
			m.cursor++
		case key.Matches(msg, k.Top):
			m.cursor = 0
		case key.Matches(msg, k.Bottom):
			m.cursor = len(m.files) - 1
		case key.Matches(msg, k.PageUp):
			m.cursor -= max(1, m.listH-1)
		case key.Matches(msg, k.PageDown):
			m.cursor += max(1, m.listH-1)
		}
		m.clampList()
		if m.cursor != before {
			m.flatten(true)
		}
	case PanePreview:
		switch {
		case key.Matches(msg, k.Jump):
			return m.enter()
		case key.Matches(msg, k.Import):
			return m.startImport()
		case key.Matches(msg, k.Up), key.Matches(msg, k.Down):
			d := 1
			if key.Matches(msg, k.Up) {
				d = -1
			}
			if len(m.items) == 0 {
				m.top += d
				m.clampTop()
				return nil
			}
			m.item = max(0, min(m.item+d, len(m.items)-1))
			m.showItem()
		case key.Matches(msg, k.Top):
			m.item, m.top = min(0, len(m.items)-1), 0
		case key.Matches(msg, k.Bottom):
			m.item = len(m.items) - 1
			m.top = len(m.flat)
			m.clampTop()
		case key.Matches(msg, k.PageDown):
			m.top = max(m.lastVisible()+1, m.top+1)
			m.clampTop()
			m.cursorIntoView()
		case key.Matches(msg, k.PageUp):
			h, i := 0, m.top
			for i > 0 && h+m.plineHeight(i-1) <= m.prevH {
				h += m.plineHeight(i - 1)
				i--
			}
			m.top = min(i, max(0, m.top-1))
			m.cursorIntoView()
		}
	}
	return nil
}

// Wheel scrolls the focused pane by three rows.
func (m *Model) Wheel(msg tea.MouseWheelMsg) {
	d := 0
	switch msg.Mouse().Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	default:
		return
	}
	switch m.focus {
	case PaneList:
		before := m.cursor
		m.cursor += d
		m.clampList()
		if m.cursor != before {
			m.flatten(true)
		}
	case PanePreview:
		m.top += d
		m.clampTop()
		m.cursorIntoView()
	}
}
