package ui

// Drawing the panes at 200 columns without measuring every row again.
// lipgloss measures each row's width (grapheme by grapheme) when it draws a
// border, and again when it joins two panes: at 200×60 that was most of a
// frame's 2.7 ms. A pane's rows are fitted to its width already
// (cells.FitWidth knows each one's width), so the border and the join are
// drawn here from pieces that lipgloss renders once per pane, and every
// row is the same bytes lipgloss would write (TestBoxMatchesLipgloss).
// Whatever the pieces cannot draw exactly goes through lipgloss as before.

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/ui/internal/cells"
)

// paneRows is a pane drawn in a border: its rows, and the width in cells
// of every one of them, or -1 when they were not all measured the same.
type paneRows struct {
	rows  []string
	width int
}

func (p paneRows) String() string { return strings.Join(p.rows, "\n") }

// box draws content inside a border at exactly w×h cells.
func box(style lipgloss.Style, content string, w, h int) string {
	return drawBox(style, content, w, h).String()
}

// drawBox is box's pane, by rows.
func drawBox(style lipgloss.Style, content string, w, h int) paneRows {
	fw, fh := style.GetFrameSize()
	iw, ih := max(1, w-fw), max(1, h-fh)
	lines := strings.Split(content, "\n")
	if len(lines) > ih {
		lines = lines[:ih]
	}
	exact := true
	for i, l := range lines {
		var lw int
		lines[i], lw = cells.FitWidth(l, iw)
		exact = exact && lw == iw
	}
	for len(lines) < ih {
		lines = append(lines, strings.Repeat(" ", iw))
	}
	// lipgloss turns tabs into spaces and "\r\n" into "\n"; a row narrower
	// than the others it pads, and when every row is narrower it draws a
	// narrower box. The pieces draw none of that.
	if exact && !strings.ContainsAny(content, "\t\r") {
		if f, ok := borderPieces(style, iw); ok {
			rows := make([]string, 0, len(lines)+2)
			rows = append(rows, f.top)
			for _, l := range lines {
				rows = append(rows, f.left+l+f.right)
			}
			rows = append(rows, f.bottom)
			return paneRows{rows: rows, width: f.width}
		}
	}
	return paneRows{rows: strings.Split(style.Render(strings.Join(lines, "\n")), "\n"), width: -1}
}

// pieces are a border as lipgloss draws it around rows iw cells wide: the
// top and bottom rows whole, and what comes before and after each row.
type pieces struct {
	top, bottom, left, right string
	width                    int // of every row of the box
}

// borderPieces asks lipgloss for style's border around two rows iw cells
// wide, "aa…" and "bb…", and takes what surrounds them. It reports false
// when the box is not four rows, or the two rows are not one left and one
// right piece around their text (a border that changes from row to row, a
// style that does something to the text itself), or the widths disagree.
func borderPieces(style lipgloss.Style, iw int) (pieces, bool) {
	if style.GetTransform() != nil || style.GetUnderline() || style.GetStrikethrough() ||
		style.GetWidth() != 0 || style.GetHeight() != 0 || style.GetMaxWidth() != 0 || style.GetMaxHeight() != 0 {
		return pieces{}, false
	}
	a, b := strings.Repeat("a", iw), strings.Repeat("b", iw)
	rows := strings.Split(style.Render(a+"\n"+b), "\n")
	if len(rows) != 4 {
		return pieces{}, false
	}
	n := 0
	for n < len(rows[1]) && n < len(rows[2]) && rows[1][n] == rows[2][n] {
		n++
	}
	m := 0
	for m < len(rows[1])-n && m < len(rows[2])-n && rows[1][len(rows[1])-1-m] == rows[2][len(rows[2])-1-m] {
		m++
	}
	f := pieces{top: rows[0], bottom: rows[3], left: rows[1][:n], right: rows[1][len(rows[1])-m:]}
	if rows[1] != f.left+a+f.right || rows[2] != f.left+b+f.right {
		return pieces{}, false
	}
	f.width = ansi.StringWidth(f.top)
	if ansi.StringWidth(f.bottom) != f.width || ansi.StringWidth(f.left)+iw+ansi.StringWidth(f.right) != f.width {
		return pieces{}, false
	}
	return f, true
}

// joinPanes puts two panes side by side (lipgloss.JoinHorizontal at Top)
// or one above the other (lipgloss.JoinVertical at Left).
func joinPanes(sideBySide bool, l, d paneRows) string {
	if l.width < 0 || d.width < 0 {
		if sideBySide {
			return lipgloss.JoinHorizontal(lipgloss.Top, l.String(), d.String())
		}
		return lipgloss.JoinVertical(lipgloss.Left, l.String(), d.String())
	}
	var b strings.Builder
	if !sideBySide {
		// Rows narrower than the wider pane are padded to it.
		wide := max(l.width, d.width)
		for i, p := range []paneRows{l, d} {
			pad := strings.Repeat(" ", wide-p.width)
			for j, r := range p.rows {
				if i > 0 || j > 0 {
					b.WriteByte('\n')
				}
				b.WriteString(r)
				b.WriteString(pad)
			}
		}
		return b.String()
	}
	// The shorter pane is continued by empty rows, padded to its width.
	for i := range max(len(l.rows), len(d.rows)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		for _, p := range []paneRows{l, d} {
			if i < len(p.rows) {
				b.WriteString(p.rows[i])
			} else {
				b.WriteString(strings.Repeat(" ", p.width))
			}
		}
	}
	return b.String()
}
