package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/ui/internal/cells"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/model"
)

// Below this size the app draws "terminal too small" instead of a broken
// layout.
const (
	minWidth  = 60
	minHeight = 14
	// sideBySideWidth is where the detail pane moves beside the list.
	sideBySideWidth = 100
	// chromeHeight is the header, status and hint lines, with a status
	// of one line; a long status takes up to maxStatusRows, a question
	// or an error (a summary of many writes) up to maxAskRows.
	chromeHeight  = 3
	maxStatusRows = 3
	maxAskRows    = 5
	// Forms are at most this wide: a label column and a field wide
	// enough for a description; wider terminals show the list around them.
	maxFormWidth = 80
	// Side by side, the detail pane is two fifths of the width within these
	// bounds: wide enough for its dates, no wider than its content needs,
	// so the list's columns get the rest.
	minDetailWidth = 44
	maxDetailWidth = 64
)

// bodyHeight is the rows between the header and the status area.
func (a *Model) bodyHeight() int {
	return max(0, a.height-chromeHeight-(max(1, a.statusH)-1))
}

// layout sizes the panes for the window, using the border styles' frame
// sizes rather than bare constants.
func (a *Model) layout() {
	a.tooSmall = a.width < minWidth || a.height < minHeight
	bodyH := a.bodyHeight()
	a.sideBySide = a.width >= sideBySideWidth
	if a.sideBySide {
		a.detW = min(max(a.width*2/5, minDetailWidth), maxDetailWidth)
		a.listW = a.width - a.detW
		a.listH, a.detH = bodyH, bodyH
	} else {
		// Stacked: the focused pane gets the larger share, so the detail
		// pane shows every field once tab moves there.
		a.listW, a.detW = a.width, a.width
		a.listH = bodyH / 2
		if a.focus == focusDetail {
			a.listH = max(5, bodyH/3)
		}
		a.detH = bodyH - a.listH
	}
	fw, fh := a.st.focusedBorder.GetFrameSize()
	a.list.setSize(max(1, a.listW-fw), max(1, a.listH-fh))
	a.detail.width, a.detail.height = max(1, a.detW-fw), max(1, a.detH-fh)
	a.sizeFilter()
	a.help.SetWidth(a.width)
	if a.form != nil {
		a.form.setWidth(a.formInputWidth())
	}
	a.tasks.SetSize(a.width-fw, bodyH-2*fh)
}

func (a *Model) formInputWidth() int {
	fw, _ := a.st.formBox.GetFrameSize()
	// The label column is 14 cells; textinput draws its cursor one past its width.
	return max(10, min(a.width, maxFormWidth)-fw-14-1)
}

// View draws the screen. It reads the model only.
func (a *Model) View() tea.View {
	var content string
	func() {
		defer func() {
			if recover() != nil {
				a.crashed = true
				content = "keyward: internal error; press q to quit"
			}
		}()
		content = a.render()
	}()
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "keyward"
	return v
}

func (a *Model) render() string {
	if a.width == 0 || a.height == 0 {
		return ""
	}
	if a.tooSmall {
		msg := fmt.Sprintf("terminal too small\nkeyward needs at least %d×%d; this one is %d×%d", minWidth, minHeight, a.width, a.height)
		return lipgloss.Place(a.width, a.height, lipgloss.Center, lipgloss.Center, ansi.Wordwrap(msg, a.width, ""))
	}
	bodyH := a.bodyHeight()
	var body string
	switch {
	case a.mode == modeHelp:
		body = a.helpView(bodyH)
	case a.form != nil && (a.mode == modeForm || a.mode == modeRotate || a.mode == modeConfirm):
		// The form is drawn over the panes, as tall as its fields.
		form := a.formView(bodyH)
		x := (a.width - lipgloss.Width(form)) / 2
		body = overlay(a.panesView(), form, x, 0)
	default:
		body = a.panesView()
	}
	return strings.Join([]string{a.headerView(), body, a.statusView(), a.hintView()}, "\n")
}

func (a *Model) paneStyle(f focus) lipgloss.Style {
	if a.focus == f && a.mode == modeNormal {
		return a.st.focusedBorder
	}
	return a.st.blurredBorder
}

func (a *Model) panesView() string {
	if a.focus.tasksView() {
		return a.tasksPanesView()
	}
	now := a.now()
	var listContent, detailContent string
	switch {
	case !a.loaded && a.loadErr != "":
		listContent = a.st.statusError.Render(ansi.Wordwrap(a.loadErr, a.list.width, " ")) + "\n\n" + a.st.dim.Render("ctrl+r tries again")
	case !a.loaded:
		listContent = a.st.dim.Render("reading the index…")
	default:
		listContent = a.list.view(&a.st, a.focus == focusList, a.mode == modeFilter, a.marks, now)
	}
	if s, ok := a.list.selected(); ok {
		detailContent = a.detail.view(&a.st, s, a.currentValueView(s), a.usage(s.Name), a.focus == focusDetail, now)
	} else if a.loaded {
		detailContent = a.st.dim.Render("No secret selected.")
	}
	l := a.withTabs(drawBox(a.paneStyle(focusList), listContent, a.listW, a.listH), a.paneStyle(focusList), a.listW)
	d := drawBox(a.paneStyle(focusDetail), detailContent, a.detW, a.detH)
	return joinPanes(a.sideBySide, l, d)
}

// headerLeft is the title and, unless a filter needs the room below
// 120 columns, the demo note.
func (a *Model) headerLeft() string {
	left := a.st.title.Render("keyward")
	switch b, hasBackend := a.store.(interface{ Backend() string }); {
	case !a.demo && hasBackend:
		left += a.st.dim.Render(" · " + b.Backend()) // keyring or file: where the values live
	case !a.demo:
	case a.width < 120 && !a.focus.tasksView() && (a.mode == modeFilter || a.filter.Value() != ""):
		left += a.st.dim.Render(" demo")
	default:
		left += a.st.dim.Render(" demo · nothing is saved")
	}
	if a.focus.tasksView() {
		left += a.st.dim.Render(" · tasks")
	}
	return left
}

// countText is the header's count and sort; countWidth the widest it gets
// for the secrets loaded, so the filter box beside it keeps its width.
func (a *Model) countText() string {
	return a.marksText(len(a.marks)) + fmt.Sprintf("%d of %d · sort: %s", len(a.list.vis), len(a.list.all), a.list.sort)
}

// marksText is the header's count of marks, "" without any.
func (a *Model) marksText(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d marked · ", n)
}

func (a *Model) countWidth() int {
	n := len(a.list.all)
	w := len(fmt.Sprintf("%d of %d · sort: %s", n, n, model.SortUpdated))
	if len(a.marks) > 0 {
		w += len(a.marksText(n))
	}
	return w
}

// sizeFilter gives the filter box the header's room: what the title and
// the count leave, less the gaps and the prompt.
func (a *Model) sizeFilter() {
	room := a.width - ansi.StringWidth(a.headerLeft()) - a.countWidth() - 2 - 2 - 1
	a.filter.SetWidth(max(10, room-1)) // textinput draws its cursor one past its width
}

func (a *Model) headerView() string {
	left := a.headerLeft()
	var right string
	switch {
	case a.focus.tasksView():
		right = a.tasks.Header()
	case a.loaded:
		right = a.countText()
	}
	room := a.width - ansi.StringWidth(left) - ansi.StringWidth(right) - 4
	switch {
	case a.focus.tasksView():
	case a.mode == modeFilter:
		// The box is sized to the room (sizeFilter); the padding it draws
		// after the text is cut silently, never with an ellipsis.
		left += "  " + ansi.Truncate(model.Visible(a.filter.View()), max(1, room), "")
	case a.filter.Value() != "":
		left += "  " + a.st.label.Render("filter ") + ansi.Truncate(model.Printable(a.filter.Value()), max(1, room-7), "…")
	}
	gap := a.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 && a.loaded && !a.focus.tasksView() && a.mode != modeFilter && a.filter.Value() == "" {
		// Narrow: the count of marks and matches matters more than the
		// sort and the demo note's second half.
		right = strings.TrimSuffix(right, " · sort: "+string(a.list.sort))
		if gap = a.width - ansi.StringWidth(left) - ansi.StringWidth(right); gap < 1 && a.demo {
			left = a.st.title.Render("keyward") + a.st.dim.Render(" demo")
		}
		gap = a.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	}
	if gap < 1 {
		return cells.Fit(left, a.width)
	}
	return left + strings.Repeat(" ", gap) + a.st.dim.Render(right)
}

// clipReserve is the room kept at the right of the status area while the
// clipboard countdown shows, at its widest, so the text wraps the same
// way from one second to the next.
const clipReserve = len(" · clipboard clears in 999s")

// statusText is the status area's message and its style: the open
// question, a filter error, the status line, or a note.
func (a *Model) statusText() (string, lipgloss.Style) {
	switch {
	case a.mode == modeConfirm:
		return a.confirmPrompt(), a.st.confirm
	case a.status.text != "":
		switch a.status.kind {
		case statusError:
			return a.status.text, a.st.statusError
		case statusSuccess:
			return a.status.text, a.st.statusSuccess
		}
		return a.status.text, a.st.statusInfo
	case a.mode == modeFilter && a.filtErr != "":
		return model.Printable(a.filtErr) + " · showing the last good results", a.st.statusError
	case (a.list.query.NeedsUsage() || a.list.inView.NeedsUsage()) && a.tasks.UsedBy() == nil && !a.focus.tasksView():
		return "is:unused matches nothing until the task files are read", a.st.dim
	}
	return "", a.st.statusInfo
}

// statusLines wraps the status text at word boundaries: a question or an
// error is never cut mid-word. Past maxStatusRows (maxAskRows) the last
// row ends in an ellipsis.
func (a *Model) statusLines() []string {
	text, _ := a.statusText()
	w := a.width
	if a.clipSt.active && !a.clipSt.awaitingRead {
		w -= clipReserve
	}
	w = max(10, w)
	lines := strings.Split(ansi.Hardwrap(ansi.Wordwrap(text, w, " "), w, true), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	rows := maxStatusRows
	if a.mode == modeConfirm || (a.status.text != "" && a.status.kind == statusError) {
		rows = maxAskRows
	}
	if len(lines) > rows {
		lines = lines[:rows]
		lines[rows-1] = ansi.Truncate(lines[rows-1], w-1, "") + "…"
	}
	return lines
}

// fitStatus gives the status area the rows its text needs, taking them
// from the panes.
func (a *Model) fitStatus() {
	if a.width == 0 {
		return
	}
	if n := len(a.statusLines()); n != max(1, a.statusH) {
		a.statusH = n
		a.layout()
	}
}

func (a *Model) statusView() string {
	var right string
	if a.clipSt.active && !a.clipSt.awaitingRead {
		left := a.clipSt.deadline.Sub(a.now())
		right = " · " + fmt.Sprintf("clipboard clears in %ds", int((left+time.Second-1)/time.Second))
	}
	_, style := a.statusText()
	lines := a.statusLines()
	// The rows laid out for it: the text wrapped when the last Update ran.
	rows := max(1, a.statusH)
	for len(lines) < rows {
		lines = append(lines, "")
	}
	lines = lines[:rows]
	for i, l := range lines {
		r := ""
		if i == 0 {
			r = right
		}
		l = ansi.Truncate(l, max(1, a.width-ansi.StringWidth(r)), "…")
		gap := a.width - ansi.StringWidth(l) - ansi.StringWidth(r)
		if l != "" {
			l = style.Render(l)
		}
		lines[i] = l + strings.Repeat(" ", max(0, gap)) + a.st.dim.Render(r)
	}
	return strings.Join(lines, "\n")
}

// hintView is the one-line key hint. The bindings come in order of
// importance; the least important go first when the line is too narrow,
// but help, quit and a form's or question's way out always stay.
func (a *Model) hintView() string {
	h := a.help
	h.Styles = a.st.help
	h.SetWidth(0) // measured here, never cut by help
	k := a.keys
	keep := []key.Binding{k.Help, k.Quit, k.Cancel, k.CloseHelp, k.Yes, k.No, k.FilterDone, k.FilterLeave}
	pinned := func(b key.Binding) bool {
		for _, p := range keep {
			if p.Enabled() && p.Help() == b.Help() {
				return true
			}
		}
		return false
	}
	bs := slices.Clone(k.shortHelp(a.keyState()))
	for {
		line := h.ShortHelpView(bs)
		if ansi.StringWidth(line) <= a.width {
			return line
		}
		i := len(bs) - 1
		for i >= 0 && (!bs[i].Enabled() || pinned(bs[i])) {
			i--
		}
		if i < 0 {
			return ansi.Truncate(line, a.width, "…")
		}
		bs = slices.Delete(bs, i, i+1)
	}
}

// formWidth is the form box's width: up to maxFormWidth, never wider than
// the terminal.
func (a *Model) formWidth() int { return min(a.width, maxFormWidth) }

// formView draws the form in a box as tall as its content (up to h). A
// form taller than that (errors under every field at 60×14) keeps its
// title and scrolls to the focused field, and says that more is hidden.
func (a *Model) formView(h int) string {
	w := a.formWidth()
	fw, fh := a.st.formBox.GetFrameSize()
	rows, from, to := a.form.rows(&a.st, w-fw)
	rows = fitRows(rows, from, to, max(1, h-fh), a.st.dim)
	return box(a.st.formBox, strings.Join(rows, "\n"), w, min(h, len(rows)+fh))
}

// fitRows fits a form's rows (title first, then a blank row) into ih rows:
// the blank row goes first, then rows away from the focused ones
// [from, to), with a note on the title row of what is hidden.
func fitRows(rows []string, from, to, ih int, dim lipgloss.Style) []string {
	if len(rows) <= ih {
		return rows
	}
	if len(rows) > 1 && strings.TrimSpace(ansi.Strip(rows[1])) == "" {
		rows = slices.Delete(slices.Clone(rows), 1, 2)
		from, to = from-1, to-1
		if len(rows) <= ih {
			return rows
		}
	}
	room := max(1, ih-1) // below the title
	body := rows[1:]
	from, to = max(0, from-1), max(0, to-1)
	off := 0
	if to > off+room {
		off = to - room
	}
	if from < off {
		off = from
	}
	end := min(len(body), off+room)
	var note []string
	if off > 0 {
		note = append(note, "↑ more")
	}
	if end < len(body) {
		note = append(note, "↓ more")
	}
	title := rows[0]
	if len(note) > 0 {
		title += dim.Render("  (" + strings.Join(note, ", ") + ": tab)")
	}
	return append([]string{title}, body[off:end]...)
}

// overlay draws fg over bg with its top-left corner at column x, row y.
// Rows of fg past bg's end are dropped.
func overlay(bg, fg string, x, y int) string {
	rows := strings.Split(bg, "\n")
	for i, l := range strings.Split(fg, "\n") {
		r := y + i
		if r < 0 || r >= len(rows) {
			continue
		}
		w := ansi.StringWidth(l)
		row := rows[r]
		left := ansi.Truncate(row, x, "")
		if pad := x - ansi.StringWidth(left); pad > 0 {
			left += strings.Repeat(" ", pad)
		}
		rows[r] = left + l + ansi.TruncateLeft(row, x+w, "")
	}
	return strings.Join(rows, "\n")
}
