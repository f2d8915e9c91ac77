package tasks

// Sizes and scrolling. The preview scrolls by flattened line; a line's
// height is what renderPLine draws for it.

import (
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/model"
)

// previewChrome is the preview's fixed lines above the scrolling area: the
// file's title and the reference under the cursor.
const previewChrome = 2

// gutterW is the mark, the 4-digit line number and a space.
const gutterW = 6

// SetSize sizes the view: width is the inside of both panes' borders (they
// are full width: rendered task lines need it), height the rows inside
// both borders together. The list takes up to a third; ListHeight says how
// much.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.layout()
}

// ListHeight is the rows inside the task list's border; the preview's
// border holds the rest.
func (m *Model) ListHeight() int { return m.listH }

// layout splits the size SetSize gave for the files found.
func (m *Model) layout() {
	rows := min(max(1, len(m.files)), max(1, m.height/3))
	m.listW, m.listH = max(1, m.width), rows
	m.prevW = max(1, m.width)
	m.prevH = max(1, m.height-rows-previewChrome)
	m.pathW = 0
	for i := range m.files {
		m.pathW = max(m.pathW, ansi.StringWidth(model.Printable(m.files[i].Path)))
	}
	m.clampList()
	m.clampTop()
}

func (m *Model) plineHeight(i int) int {
	f := m.selected()
	if f == nil {
		return 1
	}
	return max(1, len(m.renderPLine(f, m.flat[i], m.prevW, noCursor)))
}

// clampTop keeps the preview from scrolling past its last page.
func (m *Model) clampTop() {
	maxTop, h := 0, 0
	for i := len(m.flat) - 1; i >= 0; i-- {
		h += m.plineHeight(i)
		if h > m.prevH {
			maxTop = i + 1
			break
		}
	}
	m.top = max(0, min(m.top, maxTop))
}

// lastVisible is the last flattened line shown whole from top.
func (m *Model) lastVisible() int {
	h, i := 0, m.top
	for ; i < len(m.flat); i++ {
		h += m.plineHeight(i)
		if h > m.prevH {
			break
		}
	}
	return max(m.top, i-1)
}

// previewContext is how many rows the preview keeps above and below the
// cursor's line when it scrolls, so a reference is read in its context
// rather than pinned to an edge (fewer when the pane is short).
func (m *Model) previewContext(target int) int {
	return max(0, min(3, (m.prevH-m.plineHeight(target))/3))
}

// rowsBack is the first flattened line from which the lines before target
// take at most rows rows.
func (m *Model) rowsBack(target, rows int) int {
	h, i := 0, target
	for i > 0 && h+m.plineHeight(i-1) <= rows {
		h += m.plineHeight(i - 1)
		i--
	}
	return i
}

// showItem scrolls the preview just enough to show the cursor's line with
// a few rows of context either side.
func (m *Model) showItem() {
	if m.item < 0 || m.item >= len(m.items) {
		return
	}
	target := m.items[m.item].flat
	ctx := m.previewContext(target)
	if back := m.rowsBack(target, ctx); back < m.top {
		m.top = back
		return
	}
	// The rows after the target that should show too.
	below := 0
	for i := target + 1; i < len(m.flat) && below < ctx; i++ {
		below += m.plineHeight(i)
	}
	below = min(below, ctx)
	m.top = max(m.top, target-m.prevH) // every line is at least one row
	h := 0
	for i := m.top; i <= target; i++ {
		h += m.plineHeight(i)
	}
	for h+below > m.prevH && m.top < target {
		h -= m.plineHeight(m.top)
		m.top++
	}
}

// openAtItem scrolls a newly opened preview so the cursor's line sits a
// third of the way down, the lines before it above.
func (m *Model) openAtItem() {
	if m.item < 0 || m.item >= len(m.items) {
		return
	}
	target := m.items[m.item].flat
	m.top = m.rowsBack(target, max(m.previewContext(target), (m.prevH-m.plineHeight(target))/3))
	m.clampTop()
}

// cursorIntoView puts the cursor on the first reference shown when the
// preview scrolled it away.
func (m *Model) cursorIntoView() {
	if m.item >= 0 && m.item < len(m.items) {
		if f := m.items[m.item].flat; f >= m.top && f <= m.lastVisible() {
			return
		}
	}
	for i, it := range m.items {
		if it.flat >= m.top {
			m.item = i
			return
		}
	}
}

func (m *Model) clampList() {
	m.cursor = max(0, min(m.cursor, len(m.files)-1))
	h := max(1, m.listH)
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, len(m.files)-h))
}
