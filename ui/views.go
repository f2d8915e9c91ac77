package ui

// Views: the saved filters of config.toml's [[views]], shown as tabs in
// the list pane's top border and switched with 1…9. A view is a filter
// under the one typed after /: the list shows what matches both. Each
// tab's count is kept by the list (countViews at a load, one record at a
// time after a write), so drawing it costs nothing per key.

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/model"
)

// viewQueries parses the views' filters. config.Parse has checked them;
// views built in code that do not parse show every secret.
func viewQueries(views []config.View) []model.Query {
	qs := make([]model.Query, len(views))
	for i, v := range views {
		if q, err := model.ParseQuery(v.Filter); err == nil {
			qs[i] = q
		}
	}
	return qs
}

// onView reports whether the active view narrows the list: then r with no
// marks rotates what it shows.
func (a *Model) onView() bool { return !a.list.inView.Empty() }

// viewName is the active view's name, made printable.
func (a *Model) viewName() string {
	if a.view < len(a.cfg.Views) {
		return model.Printable(a.cfg.Views[a.view].Name)
	}
	return ""
}

// switchView shows view i (from 0), keeping the typed filter and the marks.
func (a *Model) switchView(i int) tea.Cmd {
	if i >= len(a.cfg.Views) {
		return a.setStatus(statusInfo, "no view "+itoa(i+1)+": config.toml's [[views]] set "+model.Count(len(a.cfg.Views), "view"))
	}
	before := a.list.selectedName()
	a.view = i
	a.list.setView(a.list.views[i], a.env())
	a.selectionChanged(before)
	return nil
}

// viewKey is the view a digit key names, from 0, or -1.
func viewKey(msg tea.KeyPressMsg) int {
	s := msg.String()
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		return int(s[0] - '1')
	}
	return -1
}

// startViewSession is r on a view without marks: a rotation session over
// the secrets it shows, in list order. It walks them like marks, and what
// it rotates stays marked (batchDone), so R rolls it back.
func (a *Model) startViewSession() tea.Cmd {
	if cmd := a.refuseWhileBusy(); cmd != nil {
		return cmd
	}
	if len(a.list.vis) == 0 {
		return a.setStatus(statusInfo, "nothing to rotate: the view "+a.viewName()+" shows no secret")
	}
	names := make([]string, len(a.list.vis))
	for j, i := range a.list.vis {
		names[j] = a.list.all[i].sec.Name
	}
	a.session = &session{names: names}
	a.openSessionStep()
	return nil
}

// viewsShown reports whether the tabs are drawn: not for one view that
// shows every secret.
func (a *Model) viewsShown() bool {
	return len(a.cfg.Views) > 1 || (len(a.cfg.Views) == 1 && a.cfg.Views[0].Filter != "")
}

// tabLabel is view i's tab: its key, name and count ("?" for a view that
// needs the task files before they are read).
func (a *Model) tabLabel(i int, withName bool) string {
	label := itoa(i + 1)
	if withName {
		label += " " + model.Printable(a.cfg.Views[i].Name)
	}
	switch {
	case !a.loaded || i >= len(a.list.counts):
	case a.list.views[i].NeedsUsage() && a.tasks.UsedBy() == nil:
		label += " ?"
	default:
		label += " " + itoa(a.list.counts[i])
	}
	return label
}

// withTabs draws the views into the top border of boxed, a pane drawn
// by drawBox with style at width w: "╭─ 1 all 4 ─[2 due 1]─ 3 unused 2 ───╮".
// The active tab is bracketed (and bold), so it reads without colour.
// When the names do not fit, the other tabs show their key and count only.
func (a *Model) withTabs(boxed paneRows, style lipgloss.Style, w int) paneRows {
	if !a.viewsShown() {
		return boxed
	}
	b := style.GetBorderStyle()
	line := lipgloss.NewStyle().Foreground(style.GetBorderTopForeground())
	room := w - 2*ansi.StringWidth(b.TopLeft) - 2 // a border cell at each end
	var tabs string
	for _, names := range []bool{true, false} {
		var t strings.Builder
		for i := range a.cfg.Views {
			if i > 0 {
				t.WriteString(line.Render(b.Top))
			}
			if i == a.view {
				t.WriteString(a.st.title.Render("[" + a.tabLabel(i, true) + "]"))
			} else {
				t.WriteString(a.st.dim.Render(" " + a.tabLabel(i, names) + " "))
			}
		}
		tabs = t.String()
		if ansi.StringWidth(tabs) <= room {
			break
		}
	}
	tabs = ansi.Truncate(tabs, room, "…")
	fill := max(0, w-2*ansi.StringWidth(b.TopLeft)-1-ansi.StringWidth(tabs))
	boxed.rows[0] = line.Render(b.TopLeft+b.Top) + tabs + line.Render(strings.Repeat(b.Top, fill)+b.TopRight)
	if boxed.width >= 0 && ansi.StringWidth(boxed.rows[0]) != boxed.width {
		boxed.width = -1
	}
	return boxed
}

// viewsNeedUsage reports whether a view uses is:unused, whose count
// changes with the task files.
func (a *Model) viewsNeedUsage() bool {
	for _, q := range a.list.views {
		if q.NeedsUsage() {
			return true
		}
	}
	return false
}
