package ui

import (
	"fmt"
	"strings"
	"time"

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
	// chromeHeight is the header, status and hint lines.
	chromeHeight = 3
	maxFormWidth = 96
)

// layout sizes the panes for the window, using the border styles' frame
// sizes rather than bare constants.
func (a *Model) layout() {
	a.tooSmall = a.width < minWidth || a.height < minHeight
	bodyH := max(0, a.height-chromeHeight)
	a.sideBySide = a.width >= sideBySideWidth
	if a.sideBySide {
		a.listW = a.width * 11 / 20
		a.detW = a.width - a.listW
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
	a.filter.SetWidth(max(10, a.width/2))
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
	bodyH := a.height - chromeHeight
	var body string
	switch {
	case a.mode == modeHelp:
		body = a.helpView(bodyH)
	case a.form != nil && (a.mode == modeForm || a.mode == modeRotate || a.mode == modeConfirm):
		body = a.formView(bodyH)
	default:
		body = a.panesView()
	}
	return strings.Join([]string{a.headerView(), body, a.statusView(), a.hintView()}, "\n")
}

// box draws content inside a border at exactly w×h cells.
func box(style lipgloss.Style, content string, w, h int) string {
	fw, fh := style.GetFrameSize()
	iw, ih := max(1, w-fw), max(1, h-fh)
	lines := strings.Split(content, "\n")
	if len(lines) > ih {
		lines = lines[:ih]
	}
	for i, l := range lines {
		lines[i] = fitWidth(l, iw)
	}
	for len(lines) < ih {
		lines = append(lines, strings.Repeat(" ", iw))
	}
	return style.Render(strings.Join(lines, "\n"))
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
		listContent = a.list.view(&a.st, a.focus == focusList, now)
	}
	if s, ok := a.list.selected(); ok {
		detailContent = a.detail.view(&a.st, s, a.currentValueView(s), a.usage(s.Name), a.focus == focusDetail, now)
	} else if a.loaded {
		detailContent = a.st.dim.Render("No secret selected.")
	}
	l := box(a.paneStyle(focusList), listContent, a.listW, a.listH)
	d := box(a.paneStyle(focusDetail), detailContent, a.detW, a.detH)
	if a.sideBySide {
		return lipgloss.JoinHorizontal(lipgloss.Top, l, d)
	}
	return lipgloss.JoinVertical(lipgloss.Left, l, d)
}

func (a *Model) headerView() string {
	left := a.st.title.Render("keyward")
	if a.demo {
		left += a.st.dim.Render(" demo · nothing is saved")
	} else if b, ok := a.store.(interface{ Backend() string }); ok {
		left += a.st.dim.Render(" · " + b.Backend()) // keyring or file: where the values live
	}
	var right string
	switch {
	case a.focus.tasksView():
		left += a.st.dim.Render(" · tasks")
		right = a.tasks.Header()
	case a.loaded:
		right = fmt.Sprintf("%d of %d · sort: %s", len(a.list.vis), len(a.list.all), a.list.sort)
	}
	room := a.width - ansi.StringWidth(left) - ansi.StringWidth(right) - 4
	switch {
	case a.focus.tasksView():
	case a.mode == modeFilter:
		left += "  " + ansi.Truncate(a.filter.View(), max(1, room), "…")
	case a.filter.Value() != "":
		left += "  " + a.st.label.Render("filter ") + ansi.Truncate(model.Printable(a.filter.Value()), max(1, room-7), "…")
	}
	gap := a.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return fitWidth(left, a.width)
	}
	return left + strings.Repeat(" ", gap) + a.st.dim.Render(right)
}

func (a *Model) statusView() string {
	var right string
	if a.clipSt.active && !a.clipSt.awaitingRead {
		left := a.clipSt.deadline.Sub(a.now())
		right = fmt.Sprintf("clipboard clears in %ds", int((left+time.Second-1)/time.Second))
	}
	var text string
	switch {
	case a.mode == modeConfirm:
		text = a.st.confirm.Render(a.confirmPrompt())
	case a.mode == modeFilter && a.filtErr != "":
		text = a.st.statusError.Render(model.Printable(a.filtErr)) + a.st.dim.Render(" · showing the last good results")
	case a.status.text != "":
		style := a.st.statusInfo
		switch a.status.kind {
		case statusError:
			style = a.st.statusError
		case statusSuccess:
			style = a.st.statusSuccess
		}
		text = style.Render(a.status.text)
	case a.list.query.NeedsUsage() && a.tasks.UsedBy() == nil && !a.focus.tasksView():
		text = a.st.dim.Render("is:unused matches nothing until the task files are read")
	}
	if right != "" {
		right = " · " + right
	}
	room := a.width - ansi.StringWidth(right)
	text = ansi.Truncate(text, max(1, room), "…")
	gap := a.width - ansi.StringWidth(text) - ansi.StringWidth(right)
	return text + strings.Repeat(" ", max(0, gap)) + a.st.dim.Render(right)
}

func (a *Model) hintView() string {
	h := a.help
	h.Styles = a.st.help
	return ansi.Truncate(h.ShortHelpView(a.keys.shortHelp(a.keyState())), a.width, "…")
}

func (a *Model) formView(h int) string {
	w := min(a.width, maxFormWidth)
	fw, _ := a.st.formBox.GetFrameSize()
	content := a.form.view(&a.st, w-fw)
	return box(a.st.formBox, content, w, h)
}

func (a *Model) helpView(h int) string {
	kk := a.keys
	st := a.keyState()
	st.mode = modeNormal
	kk.update(st)
	hm := a.help
	hm.Styles = a.st.help
	var b strings.Builder
	b.WriteString(a.st.title.Render("Keys") + "\n\n")
	b.WriteString(hm.FullHelpView(kk.fullHelp(st)))
	// The keys of the filter, forms and confirmations, always listed.
	modeKeys := [][]key.Binding{
		{kk.FilterDone, kk.FilterLeave},
		{kk.Save, kk.NextField, kk.PrevField, kk.Generate, kk.ClearField, kk.Cancel},
		{kk.Yes, kk.No},
	}
	for _, g := range modeKeys {
		for i := range g {
			g[i].SetEnabled(true)
		}
	}
	b.WriteString("\n\n" + a.st.label.Render("In the filter, forms and confirmations") + "\n\n")
	b.WriteString(hm.FullHelpView(modeKeys))
	if st.inTasks {
		fw, _ := a.st.focusedBorder.GetFrameSize()
		note := a.tasks.HelpNote()
		b.WriteString("\n\n" + a.st.dim.Render(ansi.Wrap(note, max(10, a.width-fw), "")))
	} else {
		b.WriteString("\n\n" + a.st.dim.Render("Filter: words, key=value, key!=value, key=*, key!=*, is:due, is:unused, age>90d, age<7d"))
	}
	return box(a.st.focusedBorder, b.String(), a.width, h)
}
