package taskpreview

import (
	"sort"
	"strings"

	"github.com/keyward/keyward/model"
)

// SpanState is how a rendered span should be highlighted.
type SpanState string

// Span states.
const (
	SpanResolved  SpanState = "resolved"  // a required reference that resolved
	SpanMissing   SpanState = "missing"   // a required reference that is missing
	SpanOptional  SpanState = "optional"  // an optional reference (.get(), in, LLM key)
	SpanInert     SpanState = "inert"     // reference-shaped text Julep never evaluates
	SpanDynamic   SpanState = "dynamic"   // a dynamic or whole-map access
	SpanHardcoded SpanState = "hardcoded" // a literal credential, shown masked
	SpanUnchecked SpanState = "unchecked" // no store was given
)

// Rendering is the task text with every evaluated string that reads a
// secret shown as the string Julep would build, values masked
// (`Bearer ••••••••abcd`) and missing ones marked (`⟨missing: NAME⟩`).
// Where the result depends on run-time data it keeps the expression and
// masks only the secrets in it.
type Rendering struct {
	Lines []Line
}

// Line is one rendered line.
type Line struct {
	// Source is the 1-based file line this line starts on, or 0 for a
	// continuation produced by a multi-line value.
	Source int
	Text   string
	Spans  []Span
	// Warnings are indices into Result.Warnings about this line.
	Warnings []int
}

// Span marks a reference in Line.Text by byte offsets.
type Span struct {
	Start, End int
	State      SpanState
	Name       string
	Ref        int // index into Result.References, or -1
}

// String returns the rendering as plain text.
func (r Rendering) String() string {
	var b strings.Builder
	for _, l := range r.Lines {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

type seg struct {
	text  string
	state SpanState // "" for plain text
	name  string
	ref   int
}

type replacement struct {
	start, end int // byte range in the file
	segs       []seg
	indent     string // for continuation lines of a multi-line value
}

func (w *walker) render(d document) Rendering {
	f := w.f
	docStart := f.offset(d.firstLine, 1)
	docEnd := len(f.src)
	if d.endLine < len(f.lines) {
		docEnd = f.lines[d.endLine]
	}
	reps := make([]replacement, 0, len(w.order))
	for _, id := range w.order {
		si := w.scalars[id]
		n := si.node
		if n.start < docStart || n.end > docEnd || n.end <= n.start {
			continue
		}
		switch {
		case si.a != nil && (n.style == styleLiteral || n.style == styleFolded) && n.line < len(f.lines) && f.lines[n.line] < n.end:
			// Keep the |- or >- header and render the value as the block's
			// content, so rendered lines stay beside their source lines.
			indent := w.indentOf(n)
			reps = append(reps, replacement{f.lines[n.line], n.end, append([]seg{{text: indent}}, w.buildValue(si)...), indent})
		case si.a != nil:
			reps = append(reps, replacement{n.start, n.end, w.buildValue(si), w.indentOf(n)})
		case si.hardcoded != nil:
			v := n.value
			tok := strings.TrimSpace(v)
			if i := strings.LastIndexByte(tok, ' '); i >= 0 {
				tok = tok[i+1:]
			}
			pre := strings.TrimSpace(v)[:len(strings.TrimSpace(v))-len(tok)]
			reps = append(reps, replacement{n.start, n.end, []seg{{text: pre}, {text: si.hardcoded.Masked, state: SpanHardcoded, ref: -1}}, ""})
		default:
			for _, h := range si.inert {
				line, col := w.hitPos(n, n.value, h.off)
				s := f.offset(line, col)
				e := min(s+h.end-h.off, docEnd)
				if nl := strings.IndexByte(string(f.src[s:e]), '\n'); nl >= 0 {
					e = s + nl
				}
				reps = append(reps, replacement{s, e, []seg{{text: string(f.src[s:e]), state: SpanInert, name: h.name, ref: -1}}, ""})
			}
		}
	}
	sort.SliceStable(reps, func(i, j int) bool { return reps[i].start < reps[j].start })
	lb := &lineBuilder{lines: make([]Line, 0, d.endLine-d.firstLine+16)}
	lb.newLine(d.firstLine)
	srcLine, pos := d.firstLine, docStart
	src := string(f.src[docStart:docEnd]) // one copy: source lines are cut from it
	emitSource := func(end int) {
		text := src[pos-docStart : end-docStart]
		if strings.IndexByte(text, '\r') >= 0 {
			text = strings.ReplaceAll(text, "\r\n", "\n")
		}
		for first := true; ; first = false {
			if !first {
				srcLine++
				lb.newLine(srcLine)
			}
			nl := strings.IndexByte(text, '\n')
			if nl < 0 {
				lb.add(seg{text: text})
				break
			}
			lb.add(seg{text: text[:nl]})
			text = text[nl+1:]
		}
		pos = end
	}
	for _, r := range reps {
		if r.start < pos {
			continue // overlaps a previous replacement
		}
		emitSource(r.start)
		endLine, _ := f.position(r.end)
		first, k := srcLine, 0
		for _, s := range r.segs {
			for i, p := range strings.Split(s.text, "\n") {
				if i > 0 {
					k++
					cont := 0
					if first+k <= endLine {
						cont = first + k
					}
					lb.newLine(cont)
					lb.add(seg{text: r.indent})
				}
				s2 := s
				s2.text = p
				lb.add(s2)
			}
		}
		srcLine, pos = endLine, r.end
	}
	emitSource(docEnd)
	lb.flush()
	lines := lb.lines
	if n := len(lines); n > 1 && lines[n-1].Text == "" && len(lines[n-1].Spans) == 0 {
		lines = lines[:n-1]
	}
	w.placeWarnings(lines)
	return Rendering{Lines: lines}
}

// indentOf is the indentation continuation lines of n's value get: a block
// scalar's content indentation, else the scalar's column.
func (w *walker) indentOf(n *ynode) string {
	if (n.style == styleLiteral || n.style == styleFolded) && n.line < len(w.f.lines) {
		text := w.f.lineText(n.line + 1)
		return text[:len(text)-len(strings.TrimLeft(text, " "))]
	}
	return strings.Repeat(" ", max(0, n.col-1))
}

type lineBuilder struct {
	lines []Line
	// The text of the last line, not yet stored: its one piece as is, so
	// that an unchanged source line is not copied again, or the pieces
	// joined in text once there is a second.
	pieces int
	one    string
	text   strings.Builder
}

func (lb *lineBuilder) newLine(src int) {
	lb.flush()
	lb.lines = append(lb.lines, Line{Source: src})
}

func (lb *lineBuilder) flush() {
	if len(lb.lines) > 0 {
		if lb.pieces > 1 {
			lb.one = lb.text.String()
			lb.text.Reset()
		}
		lb.lines[len(lb.lines)-1].Text = lb.one
		lb.pieces, lb.one = 0, ""
	}
}

func (lb *lineBuilder) add(s seg) {
	cur := &lb.lines[len(lb.lines)-1]
	text := model.Printable(s.text)
	at := len(lb.one)
	if lb.pieces > 1 {
		at = lb.text.Len()
	}
	if s.state != "" {
		cur.Spans = append(cur.Spans, Span{Start: at, End: at + len(text), State: s.state, Name: s.name, Ref: s.ref})
	}
	switch lb.pieces {
	case 0:
		lb.one = text
	case 1:
		lb.text.WriteString(lb.one)
		lb.text.WriteString(text)
	default:
		lb.text.WriteString(text)
	}
	lb.pieces++
}

// placeWarnings attaches each warning to the line it concerns, or to the
// nearest line before it when a multi-line value replaced that line.
func (w *walker) placeWarnings(lines []Line) {
	// Non-zero sources increase down the rendering, so a binary search finds
	// the last line starting at or before the warning's line.
	var idx []int
	for j, l := range lines {
		if l.Source > 0 {
			idx = append(idx, j)
		}
	}
	for i, wa := range w.res.Warnings {
		if wa.Line <= 0 {
			continue
		}
		k := sort.Search(len(idx), func(k int) bool { return lines[idx[k]].Source > wa.Line })
		if k > 0 {
			j := idx[k-1]
			lines[j].Warnings = append(lines[j].Warnings, i)
		}
	}
}

// buildValue renders one evaluated string.
func (w *walker) buildValue(si *scalarInfo) []seg {
	a := si.a
	if a.mode == modeTemplate || a.mode == modeImplicit {
		return w.renderParts(si, a.parts)
	}
	toks := a.toks
	if a.err == nil {
		if segs, ok := w.renderOperands(si, toks); ok {
			return segs
		}
	}
	return append([]seg{{text: "$ "}}, w.renderSource(si, a.exprOff, a.exprEnd)...)
}

// renderOperands renders an expression made of string literals, f-strings
// and secret accesses joined by +, or a set display around one access.
func (w *walker) renderOperands(si *scalarInfo, toks []token) ([]seg, bool) {
	if len(toks) >= 3 && isOp(toks, 0, "{") && matching(toks, 0) == len(toks)-1 {
		if s, ok := w.accessSeg(si, toks[1].start, toks[len(toks)-2].end); ok {
			return []seg{{text: "{'"}, s, {text: "'}"}}, true
		}
	}
	var out []seg
	from := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && !isOp(toks, i, "+") {
			if toks[i].kind == tOp && strings.Contains("([{", toks[i].text) {
				i = matching(toks, i)
			}
			continue
		}
		op := toks[from:i]
		switch {
		case len(op) == 0:
			return nil, false
		case len(op) == 1 && op[0].kind == tString && !op[0].bytes:
			out = append(out, seg{text: op[0].str})
		case len(op) == 1 && op[0].kind == tFString:
			out = append(out, w.renderParts(si, op[0].parts)...)
		default:
			s, ok := w.accessSeg(si, op[0].start, op[len(op)-1].end)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		from = i + 1
	}
	return out, true
}

// accessSeg returns the masked value when [start,end) is exactly one
// named secret access.
func (w *walker) accessSeg(si *scalarInfo, start, end int) (seg, bool) {
	for i, h := range si.a.hits {
		if h.off == start && h.end == end && h.readsName() && h.kind != KindPresenceCheck {
			return w.valueSeg(si, i), true
		}
	}
	return seg{}, false
}

func (w *walker) valueSeg(si *scalarInfo, i int) seg {
	h := si.a.hits[i]
	ri := si.refs[i]
	if ri < 0 {
		return seg{text: si.node.value[h.off:h.end], state: SpanInert, name: h.name, ref: -1}
	}
	ref := w.res.References[ri]
	s := seg{name: ref.Name, ref: ri, state: ref.SpanState()}
	switch ref.Status {
	case StatusResolved:
		s.text = ref.Masked
		if s.text == "" { // names only: no value was read
			s.text = "⟨" + ref.Name + "⟩"
		}
	case StatusMissing:
		s.text = "⟨missing: " + ref.Name + "⟩"
	case StatusUnreadable:
		s.text = "⟨unreadable: " + ref.Name + "⟩"
	default:
		s.text = "⟨" + ref.Name + "⟩"
	}
	return s
}

// SpanState is the highlight of the reference, the one rule for the
// rendering's spans and for any other place that shows a reference.
func (ref Reference) SpanState() SpanState {
	switch {
	case ref.Status == StatusUnchecked:
		return SpanUnchecked
	case ref.Optional:
		return SpanOptional
	case ref.Status == StatusResolved:
		return SpanResolved
	}
	return SpanMissing
}

// renderParts renders f-string parts: literal text, and each field as the
// masked value when it is exactly one secret access, else as {expr} with
// the secrets inside masked.
func (w *walker) renderParts(si *scalarInfo, parts []fpart) []seg {
	var out []seg
	for _, p := range parts {
		f := p.field
		if f == nil {
			out = append(out, seg{text: p.lit})
			continue
		}
		if len(f.expr) > 0 && literalSpec(f.spec) {
			if s, ok := w.accessSeg(si, f.expr[0].start, f.expr[len(f.expr)-1].end); ok {
				// A format spec would pad or cut the real value; the mask is
				// shown as is.
				if f.conv == 'r' || f.conv == 'a' {
					out = append(out, seg{text: "'"}, s, seg{text: "'"})
				} else {
					out = append(out, s)
				}
				continue
			}
		}
		out = append(out, seg{text: "{"})
		out = append(out, w.renderSource(si, f.exprStart, f.exprEnd)...)
		out = append(out, seg{text: "}"})
	}
	return out
}

// renderSource copies value[from:to] with each secret access in it
// replaced by its masked value (dynamic and whole-map accesses are kept
// and highlighted).
func (w *walker) renderSource(si *scalarInfo, from, to int) []seg {
	v := si.node.value
	var out []seg
	pos := from
	for i, h := range si.a.hits {
		if h.off < pos || h.end > to {
			continue
		}
		out = append(out, seg{text: v[pos:h.off]})
		switch {
		case !h.readsName() || h.kind == KindPresenceCheck:
			state, name := SpanDynamic, ""
			ref := -1
			if h.kind == KindPresenceCheck && si.refs[i] >= 0 {
				ref = si.refs[i]
				state, name = w.res.References[ref].SpanState(), h.name
			}
			out = append(out, seg{text: v[h.off:h.end], state: state, name: name, ref: ref})
		default:
			out = append(out, w.valueSeg(si, i))
		}
		pos = h.end
	}
	return append(out, seg{text: v[pos:to]})
}

// literalSpec reports whether a format spec has no nested fields.
func literalSpec(spec []fpart) bool {
	for _, p := range spec {
		if p.field != nil {
			return false
		}
	}
	return true
}
