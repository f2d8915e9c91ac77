package bounded

import (
	"bytes"
	"fmt"
)

// YAML returns a *TooDeepError when data nests collections more than limit
// deep, and nil otherwise: block mappings and sequences (by indentation,
// and the compact "- - a" and "- key: v" forms on one line) plus flow
// brackets inside them. It reads the bytes once, in constant memory (the
// block levels kept are at most limit+1), skipping quoted scalars, block
// scalars (| and >) and comments; it does not check that data is YAML. It
// follows how github.com/goccy/go-yaml nests its tree, quirks included, as
// far as they are known; FuzzYAML checks that the parser never nests more
// than 2×limit+2 deep in a file it passes.
//
// A control character (other than tab, line feed and carriage return) is
// refused with a *ControlError: YAML does not allow them, and goccy/go-yaml
// reads them as separators in ways no pre-scan can follow.
func YAML(data []byte, limit int) error {
	if i := indexYAMLControl(data); i >= 0 {
		return &ControlError{Line: 1 + bytes.Count(data[:i], []byte{'\n'}), Char: rune(data[i])}
	}
	if d, line := yamlDepth(data, limit); d > limit {
		return &TooDeepError{Line: line, Limit: limit}
	}
	return nil
}

func isYAMLControl(r rune) bool {
	return r < ' ' && r != '\t' && r != '\n' && r != '\r' || r == 0x7f
}

// indexYAMLControl is bytes.IndexFunc(data, isYAMLControl) without decoding
// runes: every control character is one ASCII byte, and no byte of a
// multi-byte sequence (or of invalid UTF-8, decoded as U+FFFD) is below
// 0x80.
func indexYAMLControl(data []byte) int {
	for i, b := range data {
		if isYAMLControl(rune(b)) {
			return i
		}
	}
	return -1
}

// ControlError is a YAML file holding a control character.
type ControlError struct {
	Line int
	Char rune
}

func (e *ControlError) Error() string {
	return fmt.Sprintf("control character U+%04X at line %d (YAML does not allow it)", e.Char, e.Line)
}

// yamlLevel is one open block collection: the column it starts at and
// whether it is a sequence.
type yamlLevel struct {
	col int
	seq bool
	// empty is a sequence whose last entry ("-" alone) had nothing on its
	// line: goccy/go-yaml reads a key on the next line at the same column
	// as that entry's mapping, one level deeper ("a:\n-\nb:\n-\nc:"
	// nests on and on).
	empty bool
}

type yamlScan struct {
	stop   int
	levels []yamlLevel
	flow   int    // open flow brackets
	opens  []byte // their opening brackets, innermost last
	// pairs[d] is an implicit "key: value" pair open in the flow
	// collection d deep ("[a: [b]]": the value nests inside it); open
	// counts them.
	pairs      []bool
	open       int
	quote      byte // the quote of a quoted scalar that goes on past a line
	lastSig    byte // the last significant byte in flow context
	blockUntil int  // in a block scalar: its lines are indented more than this
	inBlock    bool
	// props is a line that ended with a tag or an anchor: goccy/go-yaml
	// then nests the next line's node inside, whatever its column.
	props    bool
	maxDepth int
	at       int
	line     int
}

// yamlDepth is the deepest nesting of data and its line; it stops at the
// first point deeper than stop.
func yamlDepth(data []byte, stop int) (int, int) {
	s := &yamlScan{stop: stop}
	for len(data) > 0 && s.maxDepth <= stop {
		s.line++
		// YAML breaks lines at \n, \r\n and a lone \r.
		line := data
		if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
			crlf := data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n'
			line, data = data[:i], data[i+1:]
			if crlf {
				data = data[1:]
			}
		} else {
			data = nil
		}
		s.scanLine(line)
	}
	return s.maxDepth, s.at
}

func (s *yamlScan) note() { s.noteExtra(0) }

func (s *yamlScan) noteExtra(extra int) {
	if d := len(s.levels) + s.flow + s.open + extra; d > s.maxDepth {
		s.maxDepth, s.at = d, s.line
	}
}

// push opens a block collection at col; first is whether it is the first
// node of its line (a later one, after "- ", is always inside the ones
// before it).
func (s *yamlScan) push(col int, seq, first bool) {
	if first {
		for len(s.levels) > 0 && s.levels[len(s.levels)-1].col > col {
			s.levels = s.levels[:len(s.levels)-1]
		}
		if n := len(s.levels); n > 0 && s.levels[n-1].col == col {
			top := s.levels[n-1]
			switch {
			case top.seq == seq:
				return // the next entry of the same collection
			case seq:
				// key:\n- a: a sequence may sit at its key's column.
			case top.empty:
				// The mapping of the entry above (see yamlLevel).
			default:
				// The sequence at a key's column ended; the key's
				// mapping goes on.
				s.levels = s.levels[:n-1]
				if n > 1 && s.levels[n-2].col == col && !s.levels[n-2].seq {
					return
				}
			}
		}
	}
	if len(s.levels) <= s.stop { // deeper ones are never needed
		s.levels = append(s.levels, yamlLevel{col: col, seq: seq})
	}
	s.note()
}

func indentOf(line []byte) int {
	i := 0
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

func isBlank(line []byte) bool {
	return len(bytes.Trim(line, " \t")) == 0
}

// sepAt reports whether line[i] ends a token: a space, a tab or the end
// (or a control character, which the parser takes as a separator too).
func sepAt(line []byte, i int) bool {
	return i >= len(line) || line[i] <= ' '
}

// skipSpace skips spaces and tabs (and, as sepAt, control characters).
func skipSpace(line []byte, i int) int {
	for i < len(line) && line[i] <= ' ' {
		i++
	}
	return i
}

func (s *yamlScan) scanLine(line []byte) {
	if s.inBlock {
		if isBlank(line) || indentOf(line) > s.blockUntil {
			return
		}
		s.inBlock = false
	}
	i := 0
	if s.quote != 0 {
		var ok bool
		if i, ok = skipQuoted(line, 0, s.quote); !ok {
			return
		}
		s.quote = 0
		if s.flow == 0 {
			return // the rest of a multi-line scalar's last line
		}
		s.lastSig = 'x'
	}
	if s.flow > 0 {
		s.scanFlow(line, i)
		return
	}
	i = indentOf(line)
	if i == len(line) || line[i] == '#' || line[i] == '\t' && isBlank(line) {
		return
	}
	if i == 0 && (bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("..."))) && sepAt(line, 3) {
		s.levels = s.levels[:0] // a new document
		i = skipSpace(line, 3)
		if i == len(line) || line[i] == '#' {
			return
		}
		s.node(line, i, -1, false)
		return
	}
	if i == 0 && line[0] == '%' {
		return // a directive
	}
	first := !s.props
	s.props = false
	s.node(line, i, i, first)
}

// node reads the node that starts at line[i]: parent is the column a
// block scalar's lines must be indented past; first is whether it is the
// first node of the line.
func (s *yamlScan) node(line []byte, i, parent int, first bool) {
	props := -1 // the column of the properties (tag, anchor) before a node
	for i < len(line) {
		col := i
		if props >= 0 {
			// A node with properties on its line starts where they do:
			// goccy/go-yaml takes "! k:\n -" at column 1 for k's value.
			col, props = props, -1
		}
		switch c := line[i]; {
		case (c == '-' || c == '?') && sepAt(line, i+1):
			s.push(col, c == '-', first)
			first, parent = false, col
			i = skipSpace(line, i+1)
			if n := len(s.levels); n > 0 && s.levels[n-1].col == col {
				s.levels[n-1].empty = i == len(line) || line[i] == '#'
			}
			continue
		case c == ':' && sepAt(line, i+1):
			// An explicit value ("? key" then ": value"), or the parser
			// reading the line above as a key.
			s.push(col, false, first)
			first, parent = false, col
			i = skipSpace(line, i+1)
			if i < len(line) && line[i] != '#' {
				// Its value may be made a key by a ":" line below.
				s.push(col, false, false)
			}
			continue
		case c == '&' || c == '!':
			if props < 0 {
				props = col
			}
			for i < len(line) && !sepAt(line, i) {
				i++
			}
			i = skipSpace(line, i)
			if i == len(line) || line[i] == '#' {
				s.props = true
				return
			}
			continue
		case c == '[' || c == '{':
			s.scanFlow(line, i)
			return
		case c == '"' || c == '\'':
			end, ok := skipQuoted(line, i+1, c)
			if !ok {
				s.quote = c
				return
			}
			// A key, or a scalar the parser may still take for one
			// (see below).
			j := skipSpace(line, end)
			isKey := j < len(line) && line[j] == ':' && sepAt(line, j+1)
			s.push(col, false, first)
			if isKey {
				s.value(line, skipSpace(line, j+1), col)
			}
			return
		case c == '|' || c == '>':
			if blockHeader(line, i+1) {
				s.inBlock, s.blockUntil = true, parent
			}
			return
		case c == '#':
			return
		}
		// A key (the first ": ", or ":" at the end, before a comment), or
		// a plain scalar, counted as a mapping too: goccy/go-yaml makes a
		// scalar a key when a line starting with ":" follows, one level
		// deeper than its column says. (The count is one too deep at the
		// tips of the tree, never more.)
		for j := i; j < len(line); j++ {
			if line[j] == ':' && sepAt(line, j+1) {
				s.push(col, false, first)
				s.value(line, skipSpace(line, j+1), col)
				return
			}
			if line[j] == '#' && j > i && (line[j-1] == ' ' || line[j-1] == '\t') {
				break
			}
		}
		s.push(col, false, first)
		return
	}
}

// value reads a mapping value that starts at line[i] on its key's line;
// key is the key's column.
func (s *yamlScan) value(line []byte, i, key int) {
	for i < len(line) && (line[i] == '&' || line[i] == '!') {
		for i < len(line) && !sepAt(line, i) {
			i++
		}
		i = skipSpace(line, i)
		if i == len(line) || line[i] == '#' {
			s.props = true
			return
		}
	}
	// Whatever follows is read as a node inside the key's (goccy/go-yaml
	// even takes "k: - a" for a sequence).
	s.node(line, i, key, false)
}

// blockHeader reports whether line[i:] is the rest of a block scalar's
// header: up to two indicators (1-9, + or -), then a space, a comment or
// the end.
func blockHeader(line []byte, i int) bool {
	for k := 0; k < 2 && i < len(line) && (line[i] >= '1' && line[i] <= '9' || line[i] == '+' || line[i] == '-'); k++ {
		i++
	}
	return sepAt(line, i)
}

// skipQuoted returns the index just past the quote that closes a scalar
// whose text starts at line[i], and false when it goes on past the line.
func skipQuoted(line []byte, i int, q byte) (int, bool) {
	for ; i < len(line); i++ {
		switch {
		case q == '"' && line[i] == '\\':
			i++
		case line[i] == q && q == '\'' && i+1 < len(line) && line[i+1] == '\'':
			i++
		case line[i] == q:
			return i + 1, true
		}
	}
	return i, false
}

// scanFlow reads flow context from line[i] to the end of the line or of
// the outermost flow collection.
// closePair ends the implicit pair open in the innermost flow collection.
func (s *yamlScan) closePair() {
	if s.flow < len(s.pairs) && s.pairs[s.flow] {
		s.pairs[s.flow] = false
		s.open--
	}
}

func (s *yamlScan) scanFlow(line []byte, i int) {
	if s.flow == 0 {
		s.lastSig = '['
	}
	for ; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '[' || c == '{':
			s.flow++
			s.opens = append(s.opens, c)
			s.note()
			if s.maxDepth > s.stop {
				return
			}
		case (c == ']' || c == '}') && s.flow > 0 && s.opens[s.flow-1] == c-2:
			// Only the closer of the innermost bracket closes it:
			// goccy/go-yaml reads "[[}, []]]" three deep.
			s.closePair()
			s.flow--
			s.opens = s.opens[:s.flow]
			if s.flow == 0 {
				return
			}
		case c == ',':
			s.closePair()
		case (c == '"' || c == '\'') && (s.lastSig == '[' || s.lastSig == '{' || s.lastSig == ',' || s.lastSig == ':'):
			end, ok := skipQuoted(line, i+1, c)
			if !ok {
				s.quote = c
				return
			}
			i = end - 1
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return
		case c == ':':
			// "[a: b]" holds a mapping of one pair: one level more, for
			// its value too, until the "," or bracket that ends it
			// (counted in "{a: b}" as well, where it is not).
			for len(s.pairs) <= s.flow {
				s.pairs = append(s.pairs, false)
			}
			if !s.pairs[s.flow] {
				s.pairs[s.flow] = true
				s.open++
			}
			s.note()
		case c == ' ' || c == '\t':
			continue
		}
		s.lastSig = c
	}
}
