package taskpreview

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextOptions lay WriteText's output out for where it goes. The zero value
// is plain text with rows as long as they need to be (a pipe, a file, a
// test); the command line sets Color and Width for a terminal. taskpreview
// does no terminal I/O: the caller says what the terminal is.
type TextOptions struct {
	// Color marks counts, statuses and warning codes with ANSI colours.
	Color bool
	// Width fits rows to this many columns: long paths are shortened in
	// the middle, notes, messages and explanations wrap. 0 is no limit.
	Width int
}

// WriteText writes results for people, plainly (TextOptions{}.Write).
func WriteText(w io.Writer, results []*Result) error {
	return TextOptions{}.Write(w, results)
}

// Write writes results for people: per file a summary line, each reference
// with its path, line:col, kind, status and mask, the dynamic and inert
// accesses, then the warnings, each code once with its message, the places
// it applies to, and why it matters.
func (o TextOptions) Write(w io.Writer, results []*Result) error {
	tw := &textWriter{errWriter: newErrWriter(w), o: o}
	for i, r := range results {
		if i > 0 {
			tw.printf("\n")
		}
		tw.result(r)
	}
	return tw.finish()
}

// ANSI styles, by meaning.
const (
	sBold    = "1"
	sDim     = "2"
	sRed     = "1;31"
	sGreen   = "32"
	sYellow  = "33"
	sCyan    = "36"
	sMagenta = "35"
)

type textWriter struct {
	errWriter
	o TextOptions
}

// style wraps s in the ANSI style when colour is on.
func (t *textWriter) style(s, code string) string {
	if !t.o.Color || code == "" || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// width is how many columns s takes: its runes, less ANSI styles.
func width(s string) int {
	// Most cells are plain ASCII (names, paths, kinds), one column a byte;
	// the table measures each cell twice, for thousands of references.
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && s[i] != '\x1b' {
		i++
	}
	if i == len(s) {
		return len(s)
	}
	n := 0
	for i := 0; i < len(s); {
		if s[i] == '\x1b' {
			if j := strings.IndexByte(s[i:], 'm'); j >= 0 {
				i += j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// wrapWords joins words with sep into lines that fit the width, breaking
// only between words: the first line starts after first columns (already
// printed), the others after indent. With no width, or a width too narrow
// to be useful, they stay on one line.
func (t *textWriter) wrapWords(words []string, sep string, first int, indent string) []string {
	text := strings.Join(words, sep)
	avail := t.o.Width - first
	if t.o.Width <= 0 || avail < 20 || width(text) <= avail {
		return []string{text}
	}
	sepEnd := strings.TrimRight(sep, " ") // ends a line broken after a word: "," of ", "
	var lines []string
	line := ""
	for i, word := range words {
		end := sepEnd
		if i == len(words)-1 {
			end = ""
		}
		switch {
		case line == "":
			line = word
		case width(line)+width(sep)+width(word)+width(end) <= avail:
			line += sep + word
		default:
			lines = append(lines, line+sepEnd)
			line = word
			avail = t.o.Width - width(indent)
		}
	}
	return append(lines, line)
}

// para prints text after prefix, wrapped at its spaces, continuation lines
// at indent; code styles the text.
func (t *textWriter) para(prefix, text, indent, code string) {
	if t.o.Width <= 0 {
		// Nothing wraps: the text as it is, without splitting it into words
		// and joining them again (once a reference, thousands of times).
		t.write(prefix, t.style(text, code), "\n")
		return
	}
	t.paraWords(prefix, strings.Split(text, " "), " ", indent, code)
}

// paraWords is para for words joined by sep, broken only between them.
// When the prefix leaves too little room, the words start on the next
// line.
func (t *textWriter) paraWords(prefix string, words []string, sep, indent, code string) {
	if text := strings.Join(words, sep); t.o.Width > 0 && t.o.Width-width(prefix) < 20 && width(prefix)+width(text) > t.o.Width {
		t.printf("%s\n", strings.TrimRight(prefix, " "))
		prefix = indent
	}
	for i, l := range t.wrapWords(words, sep, width(prefix), indent) {
		if i == 0 {
			t.printf("%s%s\n", prefix, t.style(l, code))
		} else {
			t.printf("%s%s\n", indent, t.style(l, code))
		}
	}
}

// elide shortens s to n columns, keeping its start and its (more telling)
// end: main[3].then…evaluate.url.
func elide(s string, n int) string {
	if len(s) <= n {
		return s // no more runes than bytes: it fits, and needs no copy
	}
	r := []rune(s)
	if len(r) <= n || n < 5 {
		return s
	}
	head := (n - 1) / 3
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}

func (t *textWriter) result(r *Result) {
	modelText := "unknown (pass --model for prompt steps without settings.model)"
	if r.Model != "" {
		modelText = p(r.Model)
	}
	names := ""
	if r.NamesOnly {
		names = " · names only (no value read)"
	}
	t.printf("%s\n", t.style(p(r.File), sBold))
	t.para("  ", t.summary(Summarize(r)), "    ", "")
	if r.Julep3 {
		t.para("  ", "Julep 3 project: secret:// references in MCP server headers"+names, "    ", "")
	} else {
		t.para("  ", "agent model: "+modelText+" · mapping: "+string(r.Mapping)+names, "    ", "")
	}
	if len(r.References) > 0 {
		t.printf("\n  %s\n", t.style("references:", sBold))
		t.references(r.References)
	}
	if len(r.Dynamic) > 0 {
		t.printf("\n  %s\n", t.style("read at run time (name not known statically):", sBold))
		for _, d := range r.Dynamic {
			t.para("    ", string(d.Kind)+"  "+p(d.Path)+"  "+p(d.Expr), "      ", sCyan)
		}
	}
	if len(r.Inert) > 0 {
		t.printf("\n  %s\n", t.style("never evaluated:", sBold))
		for _, in := range r.Inert {
			t.para("    ", p(in.Name)+"  "+string(in.Kind)+"  "+p(in.Path)+": "+p(in.Why), "      ", sDim)
		}
	}
	if len(r.Warnings) > 0 {
		t.printf("\n  %s\n", t.style("warnings:", sBold))
		t.warnings(r.Warnings)
	}
}

// summary is the summary line, each count coloured by what it means: the
// first part is the references total, the last the warnings total.
func (t *textWriter) summary(s Summary) string {
	parts := s.Parts()
	words := make([]string, len(parts))
	for i, part := range parts {
		code := ""
		switch {
		case part.N == 0 || i == 0:
		case part.Count == CountResolved:
			code = sGreen
		case part.Count == CountRequiredMissing:
			code = sRed
		case part.Count == CountUnchecked:
			code = sDim
		default:
			code = sYellow
		}
		words[i] = t.style(part.Text, code)
	}
	return strings.Join(words, " · ")
}

// statusStyle is the colour of a reference's status.
func statusStyle(ref Reference) string {
	switch ref.Counted() {
	case CountResolved:
		return sGreen
	case CountRequiredMissing:
		return sRed
	case CountUnchecked:
		return sDim
	}
	return sYellow
}

// references writes the reference table: columns padded to the widest
// cell, two spaces apart. With a width, the path column gives way first
// (shortened in the middle), then the notes wrap under themselves or move
// to the next line; on a terminal too narrow for the columns at all, each
// reference takes two lines: name, kind, status and note, then path and
// position.
func (t *textWriter) references(refs []Reference) {
	const indent, gap, minNote, minPath = 4, 2, 20, 16
	rows := make([][6]string, len(refs))
	var wd [6]int
	for i, ref := range refs {
		rows[i] = [6]string{p(ref.Name), p(ref.Path), strconv.Itoa(ref.Line) + ":" + strconv.Itoa(ref.Column), string(ref.Kind), statusText(ref), refNote(ref)}
		for c, cell := range rows[i] {
			wd[c] = max(wd[c], width(cell))
		}
	}
	noteOnNext := false
	if w := t.o.Width; w > 0 {
		avail := w - (indent + wd[0] + wd[2] + wd[3] + wd[4] + 4*gap) // for the path, a gap and the notes
		switch {
		case wd[1]+gap+wd[5] <= avail:
		case wd[5] > 0 && avail-gap-minNote >= minPath:
			wd[1] = min(wd[1], avail-gap-minNote)
		case avail >= minPath:
			wd[1] = min(wd[1], avail)
			noteOnNext = wd[5] > 0 && wd[1]+gap+minNote > avail
		default:
			t.stackedReferences(refs, rows, wd)
			return
		}
	}
	noteCol := indent + wd[0] + wd[1] + wd[2] + wd[3] + wd[4] + 5*gap
	noteIndent := strings.Repeat(" ", noteCol)
	// One builder for all rows: a row's text is written out (or copied
	// by para) before the next row resets it.
	var b strings.Builder
	for i, row := range rows {
		b.Reset()
		spaces(&b, indent)
		last := 4
		if row[5] == "" || noteOnNext {
			last = 3 // no padding after the status
		}
		for c := range 5 {
			cell := row[c]
			if c == 1 {
				cell = elide(cell, wd[1])
			}
			b.WriteString(t.style(cell, t.cellStyle(c, refs[i])))
			if c <= last {
				spaces(&b, wd[c]-width(cell)+gap)
			}
		}
		note := row[5]
		switch {
		case note == "":
			t.write(b.String(), "\n")
		case noteOnNext:
			t.write(b.String(), "\n")
			t.para("      ", note, "      ", "")
		default:
			t.para(b.String(), note, noteIndent, "")
		}
	}
}

// spaces writes n spaces to b (none when n is not positive, as
// strings.Repeat would panic).
func spaces(b *strings.Builder, n int) {
	const blank = "                                                                "
	for n > len(blank) {
		b.WriteString(blank)
		n -= len(blank)
	}
	if n > 0 {
		b.WriteString(blank[:n])
	}
}

// stackedReferences is the two-line layout of a narrow terminal.
func (t *textWriter) stackedReferences(refs []Reference, rows [][6]string, wd [6]int) {
	for i, row := range rows {
		head := "    " + t.style(row[0], sBold) + strings.Repeat(" ", wd[0]-width(row[0])+2) +
			row[3] + strings.Repeat(" ", wd[3]-width(row[3])+2) + t.style(row[4], t.cellStyle(4, refs[i]))
		if row[5] == "" {
			t.printf("%s\n", head)
		} else {
			t.para(head+"  ", row[5], "      ", "")
		}
		at := "  " + row[2]
		t.printf("      %s%s\n", elide(row[1], max(t.o.Width-6-width(at), 12)), at)
	}
}

// cellStyle is the colour of column c of ref's row.
func (t *textWriter) cellStyle(c int, ref Reference) string {
	switch c {
	case 0:
		return sBold
	case 4:
		return statusStyle(ref)
	}
	return ""
}

// warnGroup is one warning code and the places it applies to, by message.
type warnGroup struct {
	code   string
	places int
	msgs   []*warnMessage
}

type warnMessage struct {
	text string
	at   []string
}

// groupWarnings gathers warnings by code, then by message, in order of
// first appearance: one task can raise the same warning on dozens of lines.
func groupWarnings(ws []Warning) []*warnGroup {
	var out []*warnGroup
	byCode := map[string]*warnGroup{}
	for _, wa := range ws {
		g := byCode[wa.Code]
		if g == nil {
			g = &warnGroup{code: wa.Code}
			byCode[wa.Code] = g
			out = append(out, g)
		}
		g.places++
		msg := p(wa.Message)
		var m *warnMessage
		for _, x := range g.msgs {
			if x.text == msg {
				m = x
			}
		}
		if m == nil {
			m = &warnMessage{text: msg}
			g.msgs = append(g.msgs, m)
		}
		m.at = append(m.at, place(wa))
	}
	return out
}

// place is where a warning applies: its path and line.
func place(wa Warning) string {
	at := p(wa.Path)
	if wa.Line > 0 {
		at += " (line " + strconv.Itoa(wa.Line) + ")"
	}
	return strings.TrimSpace(at)
}

// warnings writes each warning code once: with one place, the code, the
// place and the message; with several, the code and how many places, then
// each distinct message with the places it applies to. The explanation
// follows once.
func (t *textWriter) warnings(ws []Warning) {
	for _, g := range groupWarnings(ws) {
		code := t.style(g.code, sYellow)
		if g.places == 1 {
			t.printf("    %s  %s\n", code, g.msgs[0].at[0])
			t.para("      ", g.msgs[0].text, "      ", "")
		} else {
			t.printf("    %s  (%d places)\n", code, g.places)
			for _, m := range g.msgs {
				t.para("      ", m.text, "      ", "")
				t.paraWords("        at ", m.at, ", ", "           ", sMagenta)
			}
		}
		if why := Explain(g.code); why != "" {
			t.para("      ", "why: "+why, "           ", sDim)
		}
	}
}
func statusText(ref Reference) string {
	s := string(ref.Status)
	if ref.InvalidName {
		s += " (invalid name)"
	}
	switch {
	case ref.Optional:
		s += " (optional)"
	case ref.Guard != "":
		s += " (guarded)"
	}
	return s
}

func refNote(ref Reference) string {
	var notes []string
	if ref.Masked != "" {
		notes = append(notes, ref.Masked)
	}
	if ref.Model != "" {
		notes = append(notes, "model "+p(ref.Model))
	}
	if ref.Status == StatusMissing {
		switch ref.OnMissing {
		case OnMissingJulepProxy:
			notes = append(notes, "Julep uses its own proxy and billing")
		case OnMissingGuarded:
			notes = append(notes, "only reached when "+p(ref.Guard)+" holds")
		case OnMissingDefault:
			notes = append(notes, ".get() falls back to its default")
		case OnMissingNone:
			notes = append(notes, "gives None/False")
		}
		if ref.Suggestion != "" {
			notes = append(notes, "did you mean "+p(ref.Suggestion)+"?")
		}
	}
	if ref.OverriddenBy != "" {
		notes = append(notes, "overridden by "+p(ref.OverriddenBy))
	}
	return strings.Join(notes, " · ")
}
