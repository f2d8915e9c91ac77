// Package outmask replaces secret values in a stream of program output with
// <keyward:NAME>, together with the encoded forms a program is likely to
// print a value in:
//
//   - the value itself;
//   - standard and URL-safe base64, padded and unpadded, and the part that
//     does not depend on the neighbouring bytes when the value sits inside a
//     longer encoded text (at any of the three offsets in a 3-byte group);
//   - percent-encoding with upper- or lower-case hex, in the flavours of
//     common encoders: RFC 3986 unreserved kept, form encoding (space as
//     '+'), Go's PathEscape, JavaScript's encodeURIComponent, Python's
//     quote, and every byte encoded;
//   - hex, lower- and upper-case.
//
// Line breaks are skipped while matching, so base64 and hex wrapped across
// lines (base64(1) at 76 columns, xxd -p at 60) and multi-line values
// printed with other line ends are caught too.
//
// It is accident-proofing, not a security boundary: a program that wants to
// leak a value can always print it in a form not listed here.
//
// A Masker is compiled once from the values; each output stream gets its own
// Writer. A Writer holds back only the bytes that could still be the start
// of a match, never on a timer, and releases them at Close. It is pure: no
// I/O but the writes to the io.Writer it was given.
package outmask

import (
	"encoding/base64"
	"encoding/hex"
	"io"
	"slices"
	"strings"
)

// MinLen is the shortest value that is masked. Shorter values ("test",
// "3") would mask common text everywhere.
const MinLen = 6

// Secret is one value to mask and the name its replacement shows.
type Secret struct {
	Name  string
	Value string
}

// Masker is the compiled set of patterns: an Aho-Corasick automaton whose
// shallow states (where the search spends nearly all its time) are a dense
// table over byte classes, and whose deep states keep only their trie
// edges and failure link, so memory stays proportional to the patterns'
// total length (a few dozen bytes per pattern byte). It is safe for
// concurrent use by many Writers.
type Masker struct {
	class  [256]int32 // byte → class; bytes in no pattern share class 0
	nclass int32
	nl     int32 // the class of '\n' and '\r', which leave the state as it is
	ndense int32 // states below ndense have rows in delta
	// delta[state*nclass+class] is the next state's row (state*nclass),
	// or ^state when that state is deep or ends a pattern, so the search
	// loop tests one sign.
	delta []int32
	// Deep states: edges[edge[s]:edge[s+1]] are (class, child) pairs.
	edge  []int32
	edges []int32
	fail  []int32
	// hold[s] is how many of the last bytes read in state s a later match
	// can still take in: the length of the pattern prefix the deepest
	// state on s's failure chain (s itself first) with a child stands
	// for. It is below s's own prefix length only when s ends a pattern
	// that nothing extends, so a finished match is written at once
	// instead of at the next byte.
	hold   []int32
	outLen []int32 // the longest pattern that ends in this state (0: none)
	outTag []int32 // its name's index in tags
	tags   [][]byte
	short  []string
}

// denseDepth is the depth up to which states get a row of the table.
const denseDepth = 12

// New compiles the values of secrets (and their encoded forms) into a
// Masker. Values shorter than MinLen are left out; Short lists their names.
// When two secrets share a value, the first one's name is shown.
func New(secrets []Secret) *Masker {
	m := &Masker{}
	seen := map[string]bool{}
	type pattern struct {
		text string
		tag  int32
	}
	var pats []pattern
	for _, s := range secrets {
		if len(s.Value) < MinLen {
			m.short = append(m.short, s.Name)
			continue
		}
		tag := int32(len(m.tags))
		m.tags = append(m.tags, []byte("<keyward:"+s.Name+">"))
		for _, f := range Forms([]byte(s.Value)) {
			// Line breaks are not matched, and skipped in the stream:
			// base64 and hex are often wrapped (base64 at 76 columns,
			// xxd -p at 60), and a multi-line value may be printed
			// with other line ends.
			f = strings.NewReplacer("\n", "", "\r", "").Replace(f)
			if len(f) >= MinLen && !seen[f] {
				seen[f] = true
				pats = append(pats, pattern{f, tag})
			}
		}
	}

	// Byte classes: each byte used by some pattern gets a class of its
	// own; all others share class 0, which keeps the table small.
	m.nclass = 1
	for _, p := range pats {
		for i := 0; i < len(p.text); i++ {
			if m.class[p.text[i]] == 0 {
				m.class[p.text[i]] = m.nclass
				m.nclass++
			}
		}
	}
	m.nl = m.nclass
	m.class['\n'], m.class['\r'] = m.nl, m.nl
	m.nclass++

	// The trie, with each state's children as a linked list.
	first, sibling, label := []int32{-1}, []int32{-1}, []int32{0}
	term, termTag := []int32{0}, []int32{0}
	child := func(s, c int32) int32 {
		for t := first[s]; t >= 0; t = sibling[t] {
			if label[t] == c {
				return t
			}
		}
		return -1
	}
	for _, p := range pats {
		s := int32(0)
		for i := 0; i < len(p.text); i++ {
			c := m.class[p.text[i]]
			t := child(s, c)
			if t < 0 {
				t = int32(len(first))
				first, sibling, label = append(first, -1), append(sibling, first[s]), append(label, c)
				term, termTag = append(term, 0), append(termTag, 0)
				first[s] = t
			}
			s = t
		}
		term[s], termTag[s] = int32(len(p.text)), p.tag
	}

	// Breadth-first order numbers the states, shallow ones first, and
	// gives the failure links (in the trie's numbering first).
	n := len(first)
	order := make([]int32, 1, n) // new → old
	id := make([]int32, n)       // old → new
	fail := make([]int32, n)
	depth := make([]int32, n)
	for i := 0; i < len(order); i++ {
		s := order[i]
		for t := first[s]; t >= 0; t = sibling[t] {
			id[t] = int32(len(order))
			order = append(order, t)
			depth[t] = depth[s] + 1
			for f := fail[s]; s != 0; f = fail[f] {
				if g := child(f, label[t]); g >= 0 {
					fail[t] = g
					break
				}
				if f == 0 {
					break
				}
			}
		}
	}
	// A state's output is its own pattern, else its failure state's
	// (shallower, so numbered and done before it): the longest pattern
	// that ends here.
	m.fail, m.hold = make([]int32, n), make([]int32, n)
	m.outLen, m.outTag = make([]int32, n), make([]int32, n)
	for i, old := range order {
		m.fail[i] = id[fail[old]]
		if first[old] >= 0 || i == 0 {
			m.hold[i] = depth[old]
		} else {
			m.hold[i] = m.hold[m.fail[i]] // shallower, so done before it
		}
		if term[old] != 0 {
			m.outLen[i], m.outTag[i] = term[old], termTag[old]
		} else {
			m.outLen[i], m.outTag[i] = m.outLen[m.fail[i]], m.outTag[m.fail[i]]
		}
		if depth[old] <= denseDepth {
			m.ndense = int32(i + 1)
		}
	}
	nc := m.nclass
	m.delta = make([]int32, int(m.ndense)*int(nc))
	for i := range m.ndense {
		old := order[i]
		for c := range nc {
			if t := child(old, c); t >= 0 {
				m.delta[i*nc+c] = id[t]
			} else if i > 0 {
				m.delta[i*nc+c] = m.delta[m.fail[i]*nc+c] // flags come later
			}
		}
	}
	for i, t := range m.delta {
		switch {
		case int32(i)%nc == m.nl:
			m.delta[i] = ^int32(i / int(nc)) // stay, and note where the break was
		case t >= m.ndense || m.outLen[t] != 0:
			m.delta[i] = ^t
		default:
			m.delta[i] = t * nc // the row, which saves the search a multiply
		}
	}
	m.edge = make([]int32, 0, n-int(m.ndense)+1)
	for _, old := range order[m.ndense:] {
		m.edge = append(m.edge, int32(len(m.edges)))
		for t := first[old]; t >= 0; t = sibling[t] {
			m.edges = append(m.edges, label[t], id[t])
		}
	}
	m.edge = append(m.edge, int32(len(m.edges)))
	return m
}

// deepStep is the transition from a state without a row in the table:
// its child for c, else its failure state's, until a state with a row.
func (m *Masker) deepStep(s, c int32) int32 {
	for s >= m.ndense {
		k := s - m.ndense
		for e := m.edge[k]; e < m.edge[k+1]; e += 2 {
			if m.edges[e] == c {
				return m.edges[e+1]
			}
		}
		s = m.fail[s]
	}
	if t := m.delta[s*m.nclass+c]; t < 0 {
		return ^t
	} else {
		return t / m.nclass
	}
}

// Short returns the names of the secrets whose values are shorter than
// MinLen and so are not masked.
func (m *Masker) Short() []string { return slices.Clone(m.short) }

// Len returns the number of secrets that are masked.
func (m *Masker) Len() int { return len(m.tags) }

// Forms returns the forms of value that are masked: the value itself, its
// base64 and percent-encoded forms and its hex. Duplicates are possible.
func Forms(value []byte) []string {
	out := []string{string(value)}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		raw := enc.WithPadding(base64.NoPadding)
		out = append(out, enc.EncodeToString(value), raw.EncodeToString(value))
		// Inside a longer encoded text the value starts 0, 1 or 2 bytes
		// into a 3-byte group; the characters that hold only the value's
		// bits are the same whatever surrounds it.
		for shift := range 3 {
			e := raw.EncodeToString(append(make([]byte, shift), value...))
			if start, end := (8*shift+5)/6, 8*(shift+len(value))/6; start < end {
				out = append(out, e[start:end])
			}
		}
	}
	for _, digits := range []string{"0123456789ABCDEF", "0123456789abcdef"} {
		for _, keep := range percentFlavours {
			out = append(out, percent(value, digits, keep))
		}
	}
	h := hex.EncodeToString(value)
	return append(out, h, strings.ToUpper(h))
}

// percentFlavours are the sets of bytes that common percent-encoders keep
// as they are. percent writes a kept space as '+' (form encoding).
var percentFlavours = []func(c byte) bool{
	// RFC 3986 unreserved: Python's quote(safe=""), most libraries.
	unreserved,
	// Forms: Go's url.QueryEscape, Python's urlencode and quote_plus.
	func(c byte) bool { return unreserved(c) || c == ' ' },
	// Path segments: Go's url.PathEscape.
	func(c byte) bool { return unreserved(c) || strings.IndexByte("$&+,:;=@", c) >= 0 },
	// JavaScript's encodeURIComponent.
	func(c byte) bool { return unreserved(c) || strings.IndexByte("!*'()", c) >= 0 },
	// Python's quote() with its default safe="/".
	func(c byte) bool { return unreserved(c) || c == '/' },
	// Every byte.
	func(byte) bool { return false },
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// percent escapes the bytes that keep does not keep as %XX with digits.
func percent(value []byte, digits string, keep func(byte) bool) string {
	var b strings.Builder
	for _, c := range value {
		switch {
		case c == ' ' && keep(' '):
			b.WriteByte('+')
		case keep(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(digits[c>>4])
			b.WriteByte(digits[c&15])
		}
	}
	return b.String()
}

// Writer masks one stream. It is not safe for concurrent use; give each
// stream its own Writer.
type Writer struct {
	m     *Masker
	w     io.Writer
	state int32
	pos   int64  // bytes consumed so far
	base  int64  // the offset of buf[0]
	buf   []byte // consumed but not yet written
	out   []byte // what one Write passes on
	spans []span // matches not yet written, in order, not overlapping
	// breaks are the offsets of the line breaks skipped inside a match
	// that may still be under way.
	breaks []int64
	err    error
}

// span is a stretch of input covered by matches that overlap one another;
// tags are the names shown for it, in order.
type span struct {
	start, end int64
	parts      []part
}

type part struct {
	start, end int64
	tag        int32
}

// Writer returns a Writer that masks what is written to it and passes the
// rest on to w. A match that nothing can extend or overlap is written as
// soon as its last byte is. Close it to write the bytes it holds back.
func (m *Masker) Writer(w io.Writer) *Writer {
	return &Writer{m: m, w: w}
}

// Write masks p. It writes everything that can no longer be part of a
// match and holds back the rest (at most the longest pattern's length,
// unless matches overlap). It always consumes all of p.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	m := w.m
	if len(m.tags) == 0 {
		return w.pass(p)
	}
	s, nc, nd := w.state, m.nclass, m.ndense
	delta, outLen, class := m.delta, m.outLen, &m.class
	row := int32(-1) // s's row while s is an ordinary dense state
	if s < nd && outLen[s] == 0 {
		row = s * nc
	}
	for i := 0; i < len(p); i++ {
		c := class[p[i]]
		if row >= 0 {
			t := delta[row+c]
			if t >= 0 {
				row = t
				continue
			}
			s = ^t
		} else if c != m.nl {
			s = m.deepStep(s, c)
		}
		if c == m.nl {
			if s != 0 { // a match may span it
				w.breaks = append(w.breaks, w.pos+int64(i))
			}
			continue
		}
		if outLen[s] != 0 {
			end := w.pos + int64(i) + 1
			w.add(w.back(end, outLen[s]), end, m.outTag[s])
		}
		row = -1
		if s < nd {
			row = s * nc
		}
	}
	if row >= 0 {
		s = row / nc
	}
	w.state = s
	start := w.pos
	w.pos += int64(len(p))
	// A later match starts no earlier than hold[s] bytes back, so what
	// lies before that, finished matches included, is final.
	safe := w.back(w.pos, m.hold[s])
	if len(w.breaks) > 0 {
		i := 0
		for i < len(w.breaks) && w.breaks[i] < safe {
			i++
		}
		w.breaks = w.breaks[:copy(w.breaks, w.breaks[i:])]
	}
	if len(w.buf) == 0 && len(w.spans) == 0 && safe >= start {
		// The common case: nothing held, no match; write straight from p.
		n := safe - start
		w.buf = append(w.buf, p[n:]...)
		w.base = safe
		if n == 0 {
			return len(p), nil
		}
		if _, err := w.w.Write(p[:n]); err != nil {
			w.err = err
			return len(p), err
		}
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	return len(p), w.release(safe)
}

// back returns the offset n matched bytes before end, counting back over
// the line breaks that matching skipped.
func (w *Writer) back(end int64, n int32) int64 {
	r := end - int64(n)
	for i := len(w.breaks) - 1; i >= 0 && w.breaks[i] >= r; i-- {
		r--
	}
	return r
}

// pass is Write for a Masker with nothing to mask.
func (w *Writer) pass(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// add records a match [start, end). The end is the furthest yet, so it
// can only overlap the last spans.
func (w *Writer) add(start, end int64, tag int32) {
	sp := span{start: start, end: end}
	for len(w.spans) > 0 && w.spans[len(w.spans)-1].end > start {
		last := w.spans[len(w.spans)-1]
		w.spans = w.spans[:len(w.spans)-1]
		sp.start = min(sp.start, last.start)
		sp.parts = append(last.parts, sp.parts...)
	}
	np := part{start, end, tag}
	kept := sp.parts[:0]
	for _, q := range sp.parts {
		if q.start >= np.start { // inside the new match: its name is not shown
			continue
		}
		kept = append(kept, q)
	}
	sp.parts = kept
	if n := len(sp.parts); n > 0 && sp.parts[n-1].tag == tag && sp.parts[n-1].end > start {
		sp.parts[n-1].end = end // the same value overlapping itself: one name
	} else if n == 0 || sp.parts[n-1].end < end || sp.parts[n-1].start > start {
		sp.parts = append(sp.parts, np)
	}
	w.spans = append(w.spans, sp)
}

// release writes what lies before safe: plain bytes as they are, and each
// span that ends at or before safe as its names.
func (w *Writer) release(safe int64) error {
	out, off := w.out[:0], int64(0) // off: bytes of buf written or dropped
	for len(w.spans) > 0 && w.spans[0].end <= safe {
		sp := w.spans[0]
		out = append(out, w.buf[off:sp.start-w.base]...)
		last := int32(-1)
		for _, q := range sp.parts {
			if q.tag != last {
				out = append(out, w.m.tags[q.tag]...)
			}
			last = q.tag
		}
		off = sp.end - w.base
		w.spans = w.spans[1:]
	}
	limit := safe
	if len(w.spans) > 0 {
		limit = min(limit, w.spans[0].start)
	}
	if limit-w.base > off {
		out = append(out, w.buf[off:limit-w.base]...)
		off = limit - w.base
	}
	// Keep the held bytes at the front of the buffer.
	w.buf = w.buf[:copy(w.buf, w.buf[off:])]
	w.base += off
	if len(w.spans) == 0 {
		w.spans = w.spans[:0:0]
	}
	w.out = out
	if len(out) == 0 {
		return nil
	}
	if _, err := w.w.Write(out); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Close writes the bytes held back, masked. It does not close the
// underlying writer. Writes after Close start a new stream.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if len(w.m.tags) == 0 {
		return nil
	}
	err := w.release(w.pos)
	w.state, w.breaks = 0, w.breaks[:0]
	return err
}
