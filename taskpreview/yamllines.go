package taskpreview

import (
	"strings"
	"unicode"
	"unicode/utf8"

	ytoken "github.com/goccy/go-yaml/token"
)

// lineDocuments builds, straight from the bytes and in one pass over the
// lines, the documents that goccyDocuments builds, for the narrowest shape
// of a task file: one document whose top is a block mapping at column 1;
// block mappings and sequences laid out by indentation, with compact
// mappings in sequence items ("- key: value") and sequences at their key's
// indentation; keys that are plain words; values that are one-line plain
// scalars, one-line quoted scalars without escapes, or block scalars; and
// comments and blank lines anywhere. Anything else (flow collections,
// empty values, multi-line plain or quoted scalars, anchors, aliases,
// tags, explicit keys, repeated keys, and whatever fastShape refuses)
// makes ok false, and the file goes to fastDocuments and then goccy as
// before: a file wrongly taken would be a defect, a file left only costs
// time. For a file it takes, the documents are goccy's, node for node
// (TestLineDocuments, FuzzLineDocuments, and every preview in this
// package's tests). The generated 5,000-step task has this shape, and so
// has fixture 04; reading it needs no YAML parser (no tokens, no tree to
// convert), and its scalars are cut from one string of the file instead of
// copied one by one: it takes a tenth of yaml.v3's time, a third of its
// memory and 88 allocations instead of 203,000 (BenchmarkParse5000Steps).
func lineDocuments(f *srcFile) (docs []document, ok bool) {
	if !fastShape(f.src) || !plainText(f.src) {
		return nil, false
	}
	r := &lineReader{src: f.src, text: string(f.src), lines: f.lines}
	// A task has about one node a line; more come from 512-node slabs.
	r.slab = make([]ynode, 0, len(f.lines)+8)
	if !r.skip() {
		return nil, false // comments only: goccy's to say there is no task
	}
	ind, p := r.indent()
	if ind != 0 {
		return nil, false
	}
	root := r.mapping(0, p)
	// The top mapping ends only at the end of the file (no line is indented
	// less than column 1) or on a line it cannot read.
	if root == nil || r.skip() {
		return nil, false
	}
	return []document{{root: root, firstLine: 1, endLine: len(f.lines), nodes: r.nextID}}, true
}

// plainText reports whether src is valid UTF-8 without control characters
// other than the line feed: goccy reads invalid bytes as U+FFFD, and
// bounded's pre-scan refuses control characters before any reader sees
// them, so neither is worth a rule here.
func plainText(src []byte) bool {
	// One table look-up and no branch a byte: a file is mostly plain
	// ASCII, and this is a pass over all of it.
	var seen byte
	for _, b := range src {
		seen |= textClass[b]
	}
	return seen&classControl == 0 && (seen&classHigh == 0 || utf8.Valid(src))
}

const (
	classControl = 1 << iota
	classHigh
)

// textClass classes the bytes plainText looks for.
var textClass = func() (t [256]byte) {
	for b := range t {
		switch {
		case b < 0x20 && b != '\n' || b == 0x7f:
			t[b] = classControl
		case b >= 0x80:
			t[b] = classHigh
		}
	}
	return t
}()

// maxLineDepth bounds the line reader's recursion: deeper files are
// goccy's (and bounded.MaxNesting's) to refuse or read.
const maxLineDepth = 100

// lineReader reads the lines of one file. Each method that reads a node
// leaves l at the first line it did not consume.
type lineReader struct {
	src   []byte
	text  string // src as one string, where keys and values are cut from
	lines []int  // the srcFile's line starts
	l     int    // the current line, 0-based

	nextID int
	depth  int
	slab   []ynode // where node takes its nodes from

	// A mapping's keys and values, and a sequence's items, wait on these
	// stacks while their children are read, then move to a slab of their
	// own size: nested collections share the stacks, each taking its
	// entries off the top.
	keyStack  []string
	valStack  []*ynode
	itemStack []*ynode
	keySlab   []string
	nodeSlab  []*ynode
}

// lineEnd is the offset of line l's line feed, or the end of the file.
func (r *lineReader) lineEnd(l int) int {
	if l+1 < len(r.lines) {
		return r.lines[l+1] - 1
	}
	return len(r.src)
}

// skip moves l past blank lines and comment lines, and reports whether a
// line is left. A comment line may have any indentation outside a block
// scalar, for goccy as for YAML.
func (r *lineReader) skip() bool {
	for ; r.l < len(r.lines); r.l++ {
		start, end := r.lines[r.l], r.lineEnd(r.l)
		i := start
		for i < end && r.src[i] == ' ' {
			i++
		}
		if i < end && r.src[i] != '#' {
			return true
		}
	}
	return false
}

// indent is the current line's indentation and the offset of its first
// character.
func (r *lineReader) indent() (int, int) {
	start := r.lines[r.l]
	i := start
	for r.src[i] == ' ' {
		i++
	}
	return i - start, i
}

// node is a new node holding n, cut from a slab: a generated task has tens
// of thousands, all kept as long as the document.
func (r *lineReader) node(n ynode) *ynode {
	if len(r.slab) == cap(r.slab) {
		r.slab = make([]ynode, 0, 512)
	}
	r.slab = append(r.slab, n)
	return &r.slab[len(r.slab)-1]
}

// keys moves the top n keys of the stack to a slice of their own, capped
// so that an append to it cannot reach its neighbours in the slab.
func (r *lineReader) keys(n int) []string {
	if cap(r.keySlab)-len(r.keySlab) < n {
		r.keySlab = make([]string, 0, max(n, 1024))
	}
	i := len(r.keySlab)
	r.keySlab = append(r.keySlab, r.keyStack[len(r.keyStack)-n:]...)
	r.keyStack = r.keyStack[:len(r.keyStack)-n]
	return r.keySlab[i : i+n : i+n]
}

// nodes moves the top n nodes of *stack to a slice of their own, as keys
// does.
func (r *lineReader) nodes(stack *[]*ynode, n int) []*ynode {
	if cap(r.nodeSlab)-len(r.nodeSlab) < n {
		r.nodeSlab = make([]*ynode, 0, max(n, 2048))
	}
	i := len(r.nodeSlab)
	s := *stack
	r.nodeSlab = append(r.nodeSlab, s[len(s)-n:]...)
	*stack = s[:len(s)-n]
	return r.nodeSlab[i : i+n : i+n]
}

// isKeyByte is a byte a key may hold after its first, a letter or '_':
// keys of other bytes (spaces, quotes, indicators, "<<", non-ASCII
// letters that move columns) are goccy's to read.
func isKeyByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-' || b == '.'
}

// keyAt is the key that starts at offset p, and the offset after its
// colon, when p starts "word:" followed by a space or the end of the line.
func (r *lineReader) keyAt(p, end int) (key string, after int, ok bool) {
	src := r.src
	if b := src[p]; !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_') {
		return "", 0, false
	}
	i := p + 1
	for i < end && isKeyByte(src[i]) {
		i++
	}
	if i == end || src[i] != ':' || i+1 < end && src[i+1] != ' ' {
		return "", 0, false
	}
	key = r.text[p:i]
	// A key that goccy types as a bool or null ("true", "Null") is keyed by
	// its token's text; leave such keys to it.
	if plainType(key) != ytoken.StringType {
		return "", 0, false
	}
	return key, i + 1, true
}

// mapping reads a block mapping whose keys are indented by indent, the
// first at offset p of the current line (after "- " in a sequence item).
func (r *lineReader) mapping(indent, p int) *ynode {
	if r.depth++; r.depth > maxLineDepth {
		return nil
	}
	defer func() { r.depth-- }()
	r.nextID++
	out := r.node(ynode{kind: mapNode, id: r.nextID, line: r.l + 1, col: p - r.lines[r.l] + 1})
	base := len(r.keyStack)
	for {
		end := r.lineEnd(r.l)
		key, after, ok := r.keyAt(p, end)
		if !ok {
			return nil
		}
		// A repeated key is goccy's to refuse.
		for _, k := range r.keyStack[base:] {
			if k == key {
				return nil
			}
		}
		var val *ynode
		if after == end {
			val = r.nested(indent)
		} else {
			for after < end && r.src[after] == ' ' {
				after++
			}
			val = r.scalar(after, end, indent)
		}
		if val == nil {
			return nil
		}
		r.keyStack = append(r.keyStack, key)
		r.valStack = append(r.valStack, val)
		if !r.skip() {
			break
		}
		ind, q := r.indent()
		if ind < indent {
			break
		}
		// A line indented more continues a plain scalar, or is a mistake:
		// goccy's to read either way.
		if ind > indent {
			return nil
		}
		p = q
	}
	n := len(r.keyStack) - base
	out.keys = r.keys(n)
	out.vals = r.nodes(&r.valStack, n)
	return out
}

// nested reads the value of a key that ends its line ("key:"): a
// mapping indented more, or a sequence indented as much or more. Anything
// else, an empty value included, is goccy's.
func (r *lineReader) nested(indent int) *ynode {
	r.l++
	if !r.skip() {
		return nil
	}
	ind, p := r.indent()
	if r.src[p] == '-' && (p+1 == r.lineEnd(r.l) || r.src[p+1] == ' ') {
		if ind < indent {
			return nil
		}
		return r.sequence(ind, p)
	}
	if ind <= indent {
		return nil
	}
	return r.mapping(ind, p)
}

// sequence reads a block sequence whose dashes are indented by indent,
// the first at offset p of the current line.
func (r *lineReader) sequence(indent, p int) *ynode {
	if r.depth++; r.depth > maxLineDepth {
		return nil
	}
	defer func() { r.depth-- }()
	r.nextID++
	out := r.node(ynode{kind: seqNode, id: r.nextID, line: r.l + 1, col: indent + 1})
	base := len(r.itemStack)
	for {
		end := r.lineEnd(r.l)
		// "-" alone on its line puts the item on the next lines: goccy's.
		q := p + 1
		if q == end || r.src[q] != ' ' {
			return nil
		}
		for q < end && r.src[q] == ' ' {
			q++
		}
		var item *ynode
		if _, _, ok := r.keyAt(q, end); ok {
			item = r.mapping(q-r.lines[r.l], q)
		} else {
			item = r.scalar(q, end, indent)
		}
		if item == nil {
			return nil
		}
		r.itemStack = append(r.itemStack, item)
		if !r.skip() {
			break
		}
		ind, q2 := r.indent()
		if ind < indent {
			break
		}
		if ind > indent {
			return nil
		}
		// At the sequence's indentation, a line that is no item ends it: a
		// sequence at its key's indentation, followed by the next key.
		if r.src[q2] != '-' || q2+1 < r.lineEnd(r.l) && r.src[q2+1] != ' ' {
			break
		}
		p = q2
	}
	out.items = r.nodes(&r.itemStack, len(r.itemStack)-base)
	return out
}

// scalar reads the scalar at offset p of the current line, which ends at
// end; parent is the indentation of the collection it is in (a block
// scalar's lines are indented more).
func (r *lineReader) scalar(p, end, parent int) *ynode {
	switch r.src[p] {
	case '|', '>':
		return r.block(p, end, parent)
	case '\'', '"':
		return r.quoted(p, end)
	// Indicators, flow collections, anchors, aliases, tags, directives and
	// reserved characters at a plain scalar's start are goccy's to read.
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '%', '@', '`':
		return nil
	}
	src := r.src
	// The value ends at a comment (a '#' after a space) or at the end of
	// the line; ": " in it, or a ':' at its end, would make it a key.
	q := p
	for ; q < end; q++ {
		if src[q] == '#' && src[q-1] == ' ' {
			break
		}
		if src[q] == ':' && (q+1 == end || src[q+1] == ' ') {
			return nil
		}
	}
	for src[q-1] == ' ' {
		q--
	}
	value := r.text[p:q]
	// goccy ends a scalar's range where strings.TrimSpace ends its text,
	// before a trailing Unicode space (U+00A0, U+2028, ...) that the value
	// keeps.
	if src[q-1] >= utf8.RuneSelf || src[p] >= utf8.RuneSelf {
		first, _ := utf8.DecodeRuneInString(value)
		last, _ := utf8.DecodeLastRuneInString(value)
		if unicode.IsSpace(first) || unicode.IsSpace(last) {
			return nil
		}
	}
	r.nextID++
	y := r.node(ynode{kind: scalarNode, id: r.nextID, line: r.l + 1, col: p - r.lines[r.l] + 1, start: p, end: q})
	switch plainType(value) {
	case ytoken.StringType:
		if strings.HasPrefix(value, "<<") {
			return nil
		}
		y.value, y.isStr = value, true
	case ytoken.NullType, ytoken.ImplicitNullType:
	case ytoken.MergeKeyType:
		return nil
	default:
		y.value = value
	}
	r.l++
	return y
}

// quoted reads a one-line quoted scalar at offset p without escapes
// (quotedEnd's rules), followed by nothing but spaces and a comment: a
// ':' after it would make it a key.
func (r *lineReader) quoted(p, end int) *ynode {
	src := r.src
	q := src[p]
	doubled := false
	i := p + 1
	for ; ; i++ {
		if i == end {
			return nil // the scalar goes on to the next line: goccy's
		}
		b := src[i]
		if b == '\\' && q == '"' {
			return nil // escapes are goccy's to decode
		}
		if b == q {
			if q == '\'' && i+1 < end && src[i+1] == '\'' {
				doubled = true
				i++
				continue
			}
			break
		}
	}
	close := i + 1
	j := close
	for j < end && src[j] == ' ' {
		j++
	}
	if j < end && (src[j] != '#' || j == close) {
		return nil
	}
	value := r.text[p+1 : i]
	if doubled {
		value = strings.ReplaceAll(value, "''", "'")
	}
	style := styleDouble
	if q == '\'' {
		style = styleSingle
	}
	r.nextID++
	y := r.node(ynode{kind: scalarNode, id: r.nextID, value: value, isStr: true, style: style, line: r.l + 1, col: p - r.lines[r.l] + 1, start: p, end: close})
	r.l++
	return y
}

// block reads a literal or folded scalar whose header is at offset p, as
// fastConverter.blockScalar takes them: a header without an indentation
// indicator or a comment, content lines indented more than parent (the
// first sets the indentation), and a block that ends at a line indented
// no more than parent, or at the end of the file after a line break. A
// leading blank line, a folded block's more-indented line, and a block
// ended by a line between the two indentations (goccy reads it as
// content, YAML as a comment or an error) are goccy's.
func (r *lineReader) block(p, end, parent int) *ynode {
	src := r.src
	head := src[p:end]
	if len(head) > 2 || len(head) == 2 && head[1] != '-' && head[1] != '+' {
		return nil
	}
	chomp := byte(0)
	if len(head) == 2 {
		chomp = head[1]
	}
	folded := head[0] == '>'
	headLine := r.l
	r.l++
	if r.l >= len(r.lines) || r.lines[r.l] == len(src) {
		return nil // an empty block: goccy's to read
	}
	indent := -1
	var b strings.Builder
	blanks := 0   // blank lines since the last content line
	lastEnd := -1 // the end of the last content line
	for ; r.l < len(r.lines); r.l++ {
		start, lend := r.lines[r.l], r.lineEnd(r.l)
		if start == lend {
			if indent < 0 {
				return nil // a leading blank line
			}
			if start < len(src) {
				blanks++
			}
			continue
		}
		i := start
		for i < lend && src[i] == ' ' {
			i++
		}
		ind := i - start
		if indent < 0 {
			if ind <= parent {
				return nil // no content: goccy's to read
			}
			indent = ind
		}
		if ind < indent {
			if ind > parent {
				return nil
			}
			break
		}
		if lastEnd >= 0 {
			switch {
			case blanks > 0:
				b.WriteString(strings.Repeat("\n", blanks))
				if !folded {
					b.WriteByte('\n')
				}
			case folded:
				b.WriteByte(' ')
			default:
				b.WriteByte('\n')
			}
		}
		if folded && ind > indent {
			return nil // kept apart from its neighbours: goccy's
		}
		b.WriteString(r.text[start+indent : lend])
		blanks = 0
		lastEnd = lend
	}
	if lastEnd == len(src) {
		return nil // goccy does not fold a block that ends the file without a line break
	}
	switch chomp {
	case 0:
		b.WriteByte('\n')
	case '+':
		b.WriteString(strings.Repeat("\n", blanks+1))
	}
	style := styleLiteral
	if folded {
		style = styleFolded
	}
	r.nextID++
	return r.node(ynode{kind: scalarNode, id: r.nextID, value: b.String(), isStr: true, style: style, line: headLine + 1, col: p - r.lines[headLine] + 1, start: p, end: lastEnd})
}
