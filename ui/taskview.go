package ui

// Drawing and moving in the tasks view: the task files with their
// summaries, and the selected task's masked rendering with references
// highlighted by state and warnings under the lines they concern.

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// previewChrome is the preview's fixed lines above the scrolling area: the
// file's title and the reference under the cursor.
const previewChrome = 2

// gutterW is the mark, the 4-digit line number and a space.
const gutterW = 6

// layoutTasks sizes the tasks view: the task files above, the preview
// below, both full width (rendered task lines need it).
func (a *Model) layoutTasks(bodyH int) {
	t := &a.tasks
	fw, fh := a.st.focusedBorder.GetFrameSize()
	rows := min(max(1, len(t.files)), max(1, (bodyH-2*fh)/3))
	t.listW, t.listH = max(1, a.width-fw), rows
	t.listBoxH = rows + fh
	t.prevW = max(1, a.width-fw)
	t.prevH = max(1, bodyH-t.listBoxH-fh-previewChrome)
	t.pathW = 0
	for i := range t.files {
		t.pathW = max(t.pathW, ansi.StringWidth(model.Printable(t.files[i].path)))
	}
	a.clampTaskList()
	a.clampTop()
}

func (a *Model) tasksPanesView() string {
	t := &a.tasks
	bodyH := a.height - chromeHeight
	l := box(a.paneStyle(focusTasks), a.taskListView(), a.width, t.listBoxH)
	p := box(a.paneStyle(focusPreview), a.previewView(), a.width, bodyH-t.listBoxH)
	return lipgloss.JoinVertical(lipgloss.Left, l, p)
}

func (a *Model) taskListView() string {
	t := &a.tasks
	st := &a.st
	switch {
	case t.scanErr != "":
		return st.statusError.Render(ansi.Truncate(t.scanErr, t.listW, "…"))
	case !t.scanned:
		return st.dim.Render("looking for task files in " + model.Printable(t.label) + "…")
	case len(t.files) == 0:
		return st.dim.Render(ansi.Truncate("No task files (*.yaml, *.yml) in "+model.Printable(t.label)+
			". Start keyward with --tasks DIR, or set tasks_dir in config.toml.", t.listW, "…"))
	}
	nameW := min(t.pathW, max(8, t.listW/2))
	var rows []string
	end := min(len(t.files), t.offset+t.listH)
	for i := t.offset; i < end; i++ {
		f := &t.files[i]
		mark := "  "
		if i == t.cursor {
			mark = "> "
		}
		sum, dimmed := a.taskSummary(f, false)
		line := mark + fitWidth(model.Printable(f.path), nameW) + "  " + sum
		if ansi.StringWidth(line) > t.listW {
			sum, _ = a.taskSummary(f, true)
			line = mark + fitWidth(model.Printable(f.path), nameW) + "  " + sum
		}
		line = ansi.Truncate(line, t.listW, "…")
		switch {
		case i == t.cursor && a.focus == focusTasks:
			line = st.selected.Render(fitWidth(ansi.Strip(line), t.listW))
		case i == t.cursor:
			line = st.selectedBlur.Render(fitWidth(ansi.Strip(line), t.listW))
		case dimmed:
			line = st.dim.Render(ansi.Strip(line))
		}
		rows = append(rows, line)
	}
	return strings.Join(rows, "\n")
}

// taskSummary is a file's one-line summary, styled, and whether the row is
// dimmed (not a task: kept in the list, so the user sees why it has no
// preview). compact is the short form for narrow terminals.
func (a *Model) taskSummary(f *taskFile, compact bool) (string, bool) {
	st := &a.st
	var pe *taskpreview.Error
	switch {
	case !f.done:
		return st.dim.Render("reading…"), false
	case errors.Is(f.err, taskpreview.ErrNotTask) && errors.As(f.err, &pe):
		return "not a task: " + notTaskReason(pe), true
	case errors.As(f.err, &pe):
		return st.missing.Render(model.Printable(pe.Error())), false
	case f.err != nil:
		return st.missing.Render("cannot read: " + describeTaskErr(f.err)), false
	}
	var s taskpreview.Summary
	for _, r := range f.results {
		x := taskpreview.Summarize(r)
		s.References += x.References
		s.Resolved += x.Resolved
		s.Missing += x.Missing
		s.Warnings += x.Warnings
	}
	s.Warnings += len(a.tasks.findings[f.path])
	text := model.Count(s.References, "ref")
	if !f.checked {
		if a.tasks.checked {
			return text + st.dim.Render(" · checking against the store…"), false
		}
		return text, false
	}
	resolved, missing, warns := itoa(s.Resolved)+" resolved", itoa(s.Missing)+" missing", model.Count(s.Warnings, "warning")
	if compact {
		resolved, warns = itoa(s.Resolved)+" ok", itoa(s.Warnings)+" warn"
	}
	if s.Missing > 0 {
		missing = st.missing.Render(missing)
	}
	if s.Warnings > 0 {
		warns = st.warning.Render(warns)
	}
	return text + " · " + resolved + " · " + missing + " · " + warns, false
}

// notTaskReason is why a file is not a task, without the "not a Julep
// task:" that taskpreview's message starts with.
func notTaskReason(e *taskpreview.Error) string {
	return model.Printable(strings.TrimPrefix(e.Msg, "not a Julep task: "))
}

func (a *Model) previewView() string {
	t := &a.tasks
	st := &a.st
	f := t.selected()
	if f == nil {
		return ""
	}
	title := st.title.Render(model.Printable(f.path))
	if len(f.results) > 0 {
		r := f.results[0]
		m := "agent model unknown (--model)"
		if r.Model != "" {
			m = "agent model " + model.Printable(r.Model)
		}
		title += st.dim.Render(" · " + m + " · mapping " + string(r.Mapping))
	}
	lines := []string{ansi.Truncate(title, t.prevW, "…")}
	var pe *taskpreview.Error
	switch {
	case !f.done:
		return strings.Join(append(lines, st.dim.Render("reading…")), "\n")
	case errors.Is(f.err, taskpreview.ErrNotTask):
		msg := "keyward previews Julep task definitions: YAML mappings with a main workflow."
		if errors.As(f.err, &pe) {
			msg = "Not a Julep task: " + notTaskReason(pe) + ". " + msg
		}
		return strings.Join(append(lines, st.dim.Render(ansi.Wrap(msg, t.prevW, ""))), "\n")
	case f.err != nil:
		msg := "cannot read: " + describeTaskErr(f.err)
		if errors.As(f.err, &pe) {
			msg = model.Printable(pe.Error())
		}
		return strings.Join(append(lines, st.statusError.Render(ansi.Wrap(msg, t.prevW, ""))), "\n")
	}
	lines = append(lines, ansi.Truncate(a.refInfo(), t.prevW, "…"))
	cur := refItem{flat: -1}
	if t.item >= 0 && t.item < len(t.items) {
		cur = t.items[t.item]
	}
	h := 0
	for i := t.top; i < len(t.flat) && h < t.prevH; i++ {
		span := noCursor
		if i == cur.flat {
			span = cur.span
		}
		for _, l := range a.renderPLine(f, t.flat[i], t.prevW, span) {
			if h == t.prevH {
				break
			}
			lines = append(lines, l)
			h++
		}
	}
	return strings.Join(lines, "\n")
}

// refInfo describes the span under the cursor and what enter or i does.
func (a *Model) refInfo() string {
	st := &a.st
	if len(a.tasks.items) == 0 {
		return st.dim.Render("no secret references in this task")
	}
	at := a.refUnderCursor()
	sp, r := at.span, at.res
	var parts []string
	switch {
	case at.kind == refHardcoded:
		parts = []string{st.refHardcoded.Render(at.text), "a credential written into the task"}
	case sp.Ref >= 0 && sp.Ref < len(r.References):
		ref := r.References[sp.Ref]
		status := string(ref.Status)
		if ref.Optional {
			status += ", optional"
		}
		if ref.Suggestion != "" {
			status += ", did you mean " + model.Printable(ref.Suggestion) + "?"
		}
		parts = []string{st.title.Render(model.Printable(ref.Name)), a.spanStyle(sp.State).Render(status), string(ref.Kind),
			model.Printable(ref.Path) + fmt.Sprintf(" %d:%d", ref.Line, ref.Column)}
	case sp.State == taskpreview.SpanInert:
		parts = []string{st.title.Render(model.Printable(sp.Name)), st.refInert.Render("inert")}
		for _, in := range r.Inert {
			if in.Name == sp.Name && in.Line == at.line {
				parts = append(parts, string(in.Kind)+": "+model.Printable(in.Why))
				break
			}
		}
	default:
		parts = []string{st.refDynamic.Render(at.text)}
		for _, d := range r.Dynamic {
			if d.Line == at.line {
				parts = append(parts, string(d.Kind), model.Printable(d.Path))
				break
			}
		}
		parts = append(parts, "the name is decided at run time")
	}
	// What enter or i does comes second, before the details that may be
	// cut off.
	act := ""
	switch at.kind {
	case refSecret:
		act = "enter goes to it"
	case refMissing:
		act = "enter creates it"
	case refHardcoded:
		act = "i imports it into the store"
	}
	if act != "" && len(parts) > 1 {
		parts = append(parts[:2], append([]string{act}, parts[2:]...)...)
	}
	return st.cursorMark.Render("› ") + strings.Join(parts, st.dim.Render(" · "))
}

func (a *Model) spanStyle(s taskpreview.SpanState) lipgloss.Style {
	switch s {
	case taskpreview.SpanResolved:
		return a.st.refResolved
	case taskpreview.SpanMissing:
		return a.st.refMissing
	case taskpreview.SpanOptional:
		return a.st.refOptional
	case taskpreview.SpanInert:
		return a.st.refInert
	case taskpreview.SpanDynamic:
		return a.st.refDynamic
	case taskpreview.SpanHardcoded:
		return a.st.refHardcoded
	}
	return a.st.refUnchecked
}

// noCursor is renderPLine's cursor when the cursor is on another line; -1
// marks the line without a span.
const noCursor = -2

// renderPLine draws one flattened line at width w: gutter, text with spans
// styled (the span at cursor reversed), wrapped, then its warnings.
func (a *Model) renderPLine(f *taskFile, pl pline, w, cursor int) []string {
	st := &a.st
	if pl == manifestPLine {
		var out []string
		for _, wa := range a.tasks.findings[f.path] {
			out = append(out, a.warningLines(wa, w)...)
		}
		return out
	}
	r := f.results[pl.res]
	switch pl.line {
	case -1:
		return []string{st.dim.Render(fmt.Sprintf("── document %d of %d ──", r.Document, r.Documents))}
	case -2:
		var out []string
		for _, wa := range r.Warnings {
			if wa.Line <= 0 {
				out = append(out, a.warningLines(wa, w)...)
			}
		}
		return out
	}
	l := r.Rendering.Lines[pl.line]
	mark := " "
	if cursor != noCursor {
		mark = st.cursorMark.Render("›")
	}
	num := "    "
	if l.Source > 0 {
		num = fmt.Sprintf("%4d", l.Source)
	}
	var b strings.Builder
	pos := 0
	for i, sp := range l.Spans {
		if sp.Start < pos || sp.End > len(l.Text) || sp.Start > sp.End {
			continue
		}
		b.WriteString(l.Text[pos:sp.Start])
		style := a.spanStyle(sp.State)
		if i == cursor {
			style = style.Inherit(st.refCursor)
		}
		b.WriteString(style.Render(l.Text[sp.Start:sp.End]))
		pos = sp.End
	}
	b.WriteString(l.Text[pos:])
	textW := max(1, w-gutterW)
	wrapped := strings.Split(ansi.Wrap(b.String(), textW, ""), "\n")
	out := make([]string, 0, len(wrapped)+len(l.Warnings))
	for i, part := range wrapped {
		if i == 0 {
			out = append(out, mark+st.gutter.Render(num)+" "+part)
		} else {
			out = append(out, strings.Repeat(" ", gutterW)+part)
		}
	}
	for _, wi := range l.Warnings {
		if wi >= 0 && wi < len(r.Warnings) {
			out = append(out, a.warningLines(r.Warnings[wi], w)...)
		}
	}
	return out
}

// warningLines draws a warning under its line, indented past the gutter.
func (a *Model) warningLines(wa taskpreview.Warning, w int) []string {
	text := "! " + wa.Code + ": " + model.Printable(wa.Message)
	wrapped := strings.Split(ansi.Wrap(text, max(10, w-gutterW-2), ""), "\n")
	out := make([]string, len(wrapped))
	for i, part := range wrapped {
		indent := gutterW
		if i > 0 {
			indent += 2
		}
		out[i] = strings.Repeat(" ", indent) + a.st.warning.Render(part)
	}
	return out
}

// Moving. The preview scrolls by flattened line; a line's height is what
// renderPLine draws for it.

func (a *Model) plineHeight(i int) int {
	f := a.tasks.selected()
	if f == nil {
		return 1
	}
	return max(1, len(a.renderPLine(f, a.tasks.flat[i], a.tasks.prevW, noCursor)))
}

// clampTop keeps the preview from scrolling past its last page.
func (a *Model) clampTop() {
	t := &a.tasks
	maxTop, h := 0, 0
	for i := len(t.flat) - 1; i >= 0; i-- {
		h += a.plineHeight(i)
		if h > t.prevH {
			maxTop = i + 1
			break
		}
	}
	t.top = max(0, min(t.top, maxTop))
}

// lastVisible is the last flattened line shown whole from top.
func (a *Model) lastVisible() int {
	t := &a.tasks
	h, i := 0, t.top
	for ; i < len(t.flat); i++ {
		h += a.plineHeight(i)
		if h > t.prevH {
			break
		}
	}
	return max(t.top, i-1)
}

// showItem scrolls the preview just enough to show the cursor's line.
func (a *Model) showItem() {
	t := &a.tasks
	if t.item < 0 || t.item >= len(t.items) {
		return
	}
	target := t.items[t.item].flat
	if target < t.top {
		t.top = target
		return
	}
	t.top = max(t.top, target-t.prevH) // every line is at least one row
	h := 0
	for i := t.top; i <= target; i++ {
		h += a.plineHeight(i)
	}
	for h > t.prevH && t.top < target {
		h -= a.plineHeight(t.top)
		t.top++
	}
}

// cursorIntoView puts the cursor on the first reference shown when the
// preview scrolled it away.
func (a *Model) cursorIntoView() {
	t := &a.tasks
	if t.item >= 0 && t.item < len(t.items) {
		if f := t.items[t.item].flat; f >= t.top && f <= a.lastVisible() {
			return
		}
	}
	for i, it := range t.items {
		if it.flat >= t.top {
			t.item = i
			return
		}
	}
}

func (a *Model) clampTaskList() {
	t := &a.tasks
	t.cursor = max(0, min(t.cursor, len(t.files)-1))
	h := max(1, t.listH)
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(0, min(t.offset, len(t.files)-h))
}
