package tasks

// Drawing: the task files with their summaries, and the selected task's
// masked rendering with references highlighted by state and warnings under
// the lines they concern. The root draws the borders around both.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/keyward/keyward/ui/internal/cells"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// ListView draws the task files, one row each, inside the list's border.
func (m *Model) ListView() string {
	st := m.st
	switch {
	case m.scanErr != "":
		return st.Error.Render(ansi.Truncate(m.scanErr, m.listW, "…"))
	case !m.scanned:
		return st.Dim.Render("looking for task files in " + model.Printable(m.label) + "…")
	case len(m.files) == 0:
		return st.Dim.Render(ansi.Truncate("No task files (*.yaml, *.yml) in "+model.Printable(m.label)+
			". Start keyward with --tasks DIR, or set tasks_dir in config.toml.", m.listW, "…"))
	}
	nameW := min(m.pathW, max(8, m.listW/2))
	var rows []string
	end := min(len(m.files), m.offset+m.listH)
	for i := m.offset; i < end; i++ {
		f := &m.files[i]
		mark := "  "
		if i == m.cursor {
			mark = "> "
		}
		sum, dimmed := m.summary(f, false)
		line := mark + cells.Fit(model.Printable(f.Path), nameW) + "  " + sum
		if ansi.StringWidth(line) > m.listW {
			sum, _ = m.summary(f, true)
			line = mark + cells.Fit(model.Printable(f.Path), nameW) + "  " + sum
		}
		line = ansi.Truncate(line, m.listW, "…")
		switch {
		case i == m.cursor && m.focus == PaneList:
			line = st.Selected.Render(cells.Fit(ansi.Strip(line), m.listW))
		case i == m.cursor:
			line = st.SelectedBlur.Render(cells.Fit(ansi.Strip(line), m.listW))
		case dimmed:
			line = st.Dim.Render(ansi.Strip(line))
		}
		rows = append(rows, line)
	}
	return strings.Join(rows, "\n")
}

// Summary is the one-line summary of the task file at path, styled, as
// the list shows it; "" for a path that is not a task file found.
func (m *Model) Summary(path string) string {
	i, ok := m.byPath[path]
	if !ok {
		return ""
	}
	s, _ := m.summary(&m.files[i], false)
	return s
}

// summary is a file's one-line summary, styled, and whether the row is
// dimmed (not a task: kept in the list, so the user sees why it has no
// preview). compact is the short form for narrow terminals.
func (m *Model) summary(f *File, compact bool) (string, bool) {
	st := m.st
	var pe *taskpreview.Error
	switch {
	case !f.Done:
		return st.Dim.Render("reading…"), false
	case f.Skipped && errors.As(f.Err, &pe):
		return "not a task: " + notTaskReason(pe), true
	case errors.As(f.Err, &pe):
		return st.Missing.Render(model.Printable(pe.Error())), false
	case f.Err != nil:
		return st.Missing.Render("cannot read: " + describeErr(f.Err)), false
	}
	// The same counts as the command line's summary (taskpreview.Summary).
	var s taskpreview.Summary
	for _, r := range f.Results {
		s = s.Add(taskpreview.Summarize(r))
	}
	s.Warnings += len(m.findings[f.Path])
	text := model.Count(s.References, "ref")
	if !f.Checked {
		if m.checked {
			return text + st.Dim.Render(" · checking against the store…"), false
		}
		return text, false
	}
	parts := []string{text}
	for _, p := range s.Parts()[1:] {
		word := p.Text
		if compact {
			word = compactPart(p)
		}
		switch {
		case p.Count == taskpreview.CountRequiredMissing && p.N > 0:
			word = st.Missing.Render(word)
		case p.Count == "" && p.N > 0: // the warnings
			word = st.Warning.Render(word)
		}
		parts = append(parts, word)
	}
	return strings.Join(parts, " · "), false
}

// compactPart is a summary count in the short form for narrow terminals.
func compactPart(p taskpreview.SummaryPart) string {
	n := strconv.Itoa(p.N)
	switch p.Count {
	case taskpreview.CountResolved:
		return n + " ok"
	case taskpreview.CountOptionalMissing:
		return n + " opt"
	case taskpreview.CountGuardedMissing:
		return n + " guarded"
	case taskpreview.CountUnreadable:
		return n + " unread"
	case "":
		return n + " warn"
	}
	return p.Text
}

// notTaskReason is why a file is not a task, without the "not a Julep
// task:" that taskpreview's message starts with.
func notTaskReason(e *taskpreview.Error) string {
	return model.Printable(strings.TrimPrefix(e.Msg, "not a Julep task: "))
}

// PreviewView draws the selected task inside the preview's border: its
// title, the reference under the cursor, then the visible lines.
func (m *Model) PreviewView() string {
	st := m.st
	f := m.selected()
	if f == nil {
		return ""
	}
	title := st.Title.Render(model.Printable(f.Path))
	if len(f.Results) > 0 {
		r := f.Results[0]
		mo := "agent model unknown (--model)"
		if r.Model != "" {
			mo = "agent model " + model.Printable(r.Model)
		}
		title += st.Dim.Render(" · " + mo + " · mapping " + string(r.Mapping))
	}
	lines := []string{ansi.Truncate(title, m.prevW, "…")}
	var pe *taskpreview.Error
	switch {
	case !f.Done:
		return strings.Join(append(lines, st.Dim.Render("reading…")), "\n")
	case errors.Is(f.Err, taskpreview.ErrNotTask):
		msg := "keyward previews Julep task definitions: YAML mappings with a main workflow."
		if errors.As(f.Err, &pe) {
			msg = "Not a Julep task: " + notTaskReason(pe) + ". " + msg
		}
		return strings.Join(append(lines, st.Dim.Render(ansi.Wrap(msg, m.prevW, ""))), "\n")
	case f.Err != nil:
		msg := "cannot read: " + describeErr(f.Err)
		if errors.As(f.Err, &pe) {
			msg = model.Printable(pe.Error())
		}
		return strings.Join(append(lines, st.Error.Render(ansi.Wrap(msg, m.prevW, ""))), "\n")
	}
	lines = append(lines, ansi.Truncate(m.refInfo(), m.prevW, "…"))
	cur := refItem{flat: -1}
	if m.item >= 0 && m.item < len(m.items) {
		cur = m.items[m.item]
	}
	h := 0
	for i := m.top; i < len(m.flat) && h < m.prevH; i++ {
		span := noCursor
		if i == cur.flat {
			span = cur.span
		}
		for _, l := range m.renderPLine(f, m.flat[i], m.prevW, span) {
			if h == m.prevH {
				break
			}
			lines = append(lines, l)
			h++
		}
	}
	return strings.Join(lines, "\n")
}

// refInfo describes the span under the cursor and what enter or i does.
func (m *Model) refInfo() string {
	st := m.st
	if len(m.items) == 0 {
		return st.Dim.Render("no secret references in this task")
	}
	at := m.refUnderCursor()
	sp, r := at.span, at.res
	var parts []string
	switch {
	case at.kind == RefHardcoded:
		parts = []string{st.RefHardcoded.Render(at.text), "a credential written into the task"}
	case sp.Ref >= 0 && sp.Ref < len(r.References):
		ref := r.References[sp.Ref]
		status := string(ref.Status)
		if ref.Optional {
			status += ", optional"
		}
		if ref.Suggestion != "" {
			status += ", did you mean " + model.Printable(ref.Suggestion) + "?"
		}
		parts = []string{st.Title.Render(model.Printable(ref.Name)), m.spanStyle(sp.State).Render(status), string(ref.Kind),
			model.Printable(ref.Path) + fmt.Sprintf(" %d:%d", ref.Line, ref.Column)}
	case sp.State == taskpreview.SpanInert:
		parts = []string{st.Title.Render(model.Printable(sp.Name)), st.RefInert.Render("inert")}
		for _, in := range r.Inert {
			if in.Name == sp.Name && in.Line == at.line {
				parts = append(parts, string(in.Kind)+": "+model.Printable(in.Why))
				break
			}
		}
	default:
		parts = []string{st.RefDynamic.Render(at.text)}
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
	case RefSecret:
		act = "enter goes to it"
	case RefMissing:
		act = "enter creates it"
	case RefHardcoded:
		act = "i imports it into the store"
	}
	if act != "" && len(parts) > 1 {
		parts = append(parts[:2], append([]string{act}, parts[2:]...)...)
	}
	return st.CursorMark.Render("› ") + strings.Join(parts, st.Dim.Render(" · "))
}

func (m *Model) spanStyle(s taskpreview.SpanState) lipgloss.Style {
	switch s {
	case taskpreview.SpanResolved:
		return m.st.RefResolved
	case taskpreview.SpanMissing:
		return m.st.RefMissing
	case taskpreview.SpanOptional:
		return m.st.RefOptional
	case taskpreview.SpanInert:
		return m.st.RefInert
	case taskpreview.SpanDynamic:
		return m.st.RefDynamic
	case taskpreview.SpanHardcoded:
		return m.st.RefHardcoded
	}
	return m.st.RefUnchecked
}

// noCursor is renderPLine's cursor when the cursor is on another line; -1
// marks the line without a span.
const noCursor = -2

// renderPLine draws one flattened line at width w: gutter, text with spans
// styled (the span at cursor reversed), wrapped, then its warnings.
func (m *Model) renderPLine(f *File, pl pline, w, cursor int) []string {
	st := m.st
	if pl == manifestPLine {
		var out []string
		for _, wa := range m.findings[f.Path] {
			out = append(out, m.warningLines(wa, w)...)
		}
		return out
	}
	r := f.Results[pl.res]
	switch pl.line {
	case -1:
		return []string{st.Dim.Render(fmt.Sprintf("── document %d of %d ──", r.Document, r.Documents))}
	case -2:
		var out []string
		for _, wa := range r.Warnings {
			if wa.Line <= 0 {
				out = append(out, m.warningLines(wa, w)...)
			}
		}
		return out
	}
	l := r.Rendering.Lines[pl.line]
	mark := " "
	if cursor != noCursor {
		mark = st.CursorMark.Render("›")
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
		style := m.spanStyle(sp.State)
		if i == cursor {
			style = style.Inherit(st.RefCursor)
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
			out = append(out, mark+st.Gutter.Render(num)+" "+part)
		} else {
			out = append(out, strings.Repeat(" ", gutterW)+part)
		}
	}
	for _, wi := range l.Warnings {
		if wi >= 0 && wi < len(r.Warnings) {
			out = append(out, m.warningLines(r.Warnings[wi], w)...)
		}
	}
	return out
}

// warningLines draws a warning under its line, indented past the gutter.
func (m *Model) warningLines(wa taskpreview.Warning, w int) []string {
	text := "! " + wa.Code + ": " + model.Printable(wa.Message)
	wrapped := strings.Split(ansi.Wrap(text, max(10, w-gutterW-2), ""), "\n")
	out := make([]string, len(wrapped))
	for i, part := range wrapped {
		indent := gutterW
		if i > 0 {
			indent += 2
		}
		out[i] = strings.Repeat(" ", indent) + m.st.Warning.Render(part)
	}
	return out
}
