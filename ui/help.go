package ui

// The ? screen: every binding that applies, in the keymap's groups, laid
// out as columns that wrap onto more bands when the width runs out (a
// group is never cut at the right), and scrolled with the moving keys when
// it is taller than the screen (60×14 shows a third of it).

import (
	"strings"

	"github.com/keyward/keyward/ui/internal/cells"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// helpGap is the space between two columns of the help screen.
const helpGap = 3

// helpLines is the help screen's content below its title, at width w.
func (a *Model) helpLines(w int) []string {
	kk := a.keys
	st := a.keyState()
	st.mode = modeNormal
	kk.update(st)
	var lines []string
	lines = append(lines, a.helpBands(kk.fullHelp(st), w)...)
	// The keys of the filter, forms and confirmations, always listed.
	modeKeys := [][]key.Binding{
		{kk.FilterDone, kk.FilterLeave},
		{kk.Save, kk.NextField, kk.PrevField, kk.Generate, kk.ClearField, kk.Skip, kk.Cancel},
		{kk.Yes, kk.No},
	}
	for _, g := range modeKeys {
		for i := range g {
			g[i].SetEnabled(true)
		}
	}
	lines = append(lines, "", a.st.label.Render("In the filter, forms and confirmations"), "")
	lines = append(lines, a.helpBands(modeKeys, w)...)
	note := "Filter: words, key=value, key!=value, key=*, key!=*, is:due, is:unused, age>90d, age<7d"
	if st.inTasks {
		note = a.tasks.HelpNote()
	}
	lines = append(lines, "")
	for _, l := range strings.Split(ansi.Wrap(note, max(10, w), ""), "\n") {
		lines = append(lines, a.st.dim.Render(l))
	}
	return lines
}

// helpBands lays the groups out side by side, starting a new band below
// when the next group does not fit in w.
func (a *Model) helpBands(groups [][]key.Binding, w int) []string {
	var cols [][]string
	for _, g := range groups {
		if c := a.helpColumn(g, w); len(c) > 0 {
			cols = append(cols, c)
		}
	}
	var out []string
	for len(cols) > 0 {
		n, width := 0, 0
		for n < len(cols) {
			cw := ansi.StringWidth(cols[n][0])
			if n > 0 && width+helpGap+cw > w {
				break
			}
			width += cw
			if n > 0 {
				width += helpGap
			}
			n++
		}
		rows := 0
		for _, c := range cols[:n] {
			rows = max(rows, len(c))
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		for r := range rows {
			var b strings.Builder
			for j, c := range cols[:n] {
				if j > 0 {
					b.WriteString(strings.Repeat(" ", helpGap))
				}
				cell := strings.Repeat(" ", ansi.StringWidth(c[0]))
				if r < len(c) {
					cell = c[r]
				}
				b.WriteString(cell)
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
		cols = cols[n:]
	}
	return out
}

// helpColumn is one group's enabled bindings, keys aligned, every row
// padded to the column's width (at most w).
func (a *Model) helpColumn(g []key.Binding, w int) []string {
	keyW, descW := 0, 0
	var bs []key.Binding
	for _, b := range g {
		if !b.Enabled() {
			continue
		}
		bs = append(bs, b)
		keyW = max(keyW, ansi.StringWidth(b.Help().Key))
		descW = max(descW, ansi.StringWidth(b.Help().Desc))
	}
	descW = max(1, min(descW, w-keyW-1))
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = a.st.help.FullKey.Render(cells.Fit(b.Help().Key, keyW)) + " " + a.st.help.FullDesc.Render(cells.Fit(b.Help().Desc, descW))
	}
	return out
}

// helpRoom is the rows of help content below the title: the body less the
// border and the title row.
func (a *Model) helpRoom(h int) int {
	_, fh := a.st.focusedBorder.GetFrameSize()
	return max(1, h-fh-1)
}

// helpWidth is the room for the help's columns inside its border.
func (a *Model) helpWidth() int {
	fw, _ := a.st.focusedBorder.GetFrameSize()
	return max(10, a.width-fw)
}

// scrollHelp moves the help screen by delta rows, within its content.
func (a *Model) scrollHelp(delta int) {
	n := len(a.helpLines(a.helpWidth()))
	a.helpOff = max(0, min(a.helpOff+delta, n-a.helpRoom(a.bodyHeight())))
}

func (a *Model) helpView(h int) string {
	lines := a.helpLines(a.helpWidth())
	room := a.helpRoom(h)
	off := max(0, min(a.helpOff, len(lines)-room))
	end := min(len(lines), off+room)
	title := a.st.title.Render("Keys")
	var more []string
	if off > 0 {
		more = append(more, "↑ more")
	}
	if end < len(lines) {
		more = append(more, "↓ more")
	}
	if len(more) > 0 {
		title += a.st.dim.Render("  (" + strings.Join(more, ", ") + ": j/k, pgup/pgdn)")
	}
	return box(a.st.focusedBorder, title+"\n"+strings.Join(lines[off:end], "\n"), a.width, h)
}
