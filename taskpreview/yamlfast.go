package taskpreview

import (
	"bytes"
	"strings"

	ytoken "github.com/goccy/go-yaml/token"
	yaml3 "go.yaml.in/yaml/v3"
)

// fastDocuments builds, with go.yaml.in/yaml/v3, the documents that
// goccyDocuments builds with goccy/go-yaml, for the plain shape most task
// files have: one document, a mapping at its top, block and one-line flow
// collections, scalars that keep to one line (or block scalars), and no
// anchors, aliases, tags, merges, escapes or repeated keys. goccy/go-yaml
// stays the reader of record: whenever a file leaves that shape, or yaml.v3
// refuses it, ok is false and goccy reads it, so its errors (line, column,
// message) and its quirks are what a user sees. For a file it takes, the
// documents are goccy's, node for node (TestFastDocuments,
// FuzzFastDocuments, and every preview in this package's tests). On the
// generated 5,000-step task it takes half of goccy's time and a third of
// its memory (BenchmarkParse5000Steps).
func fastDocuments(f *srcFile) (docs []document, ok bool) {
	if !fastShape(f.src) {
		return nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			docs, ok = nil, false
		}
	}()
	var doc yaml3.Node
	if err := yaml3.Unmarshal(f.src, &doc); err != nil {
		return nil, false
	}
	// A task is a mapping; anything else is goccy's to report on.
	if doc.Kind != yaml3.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml3.MappingNode || doc.Content[0].Style&yaml3.FlowStyle != 0 {
		return nil, false
	}
	c := &fastConverter{f: f, covered: make([]bool, len(f.lines)+1)}
	root := c.conv(doc.Content[0], -1)
	if root == nil || root.col != 1 || !c.coversAll() {
		return nil, false
	}
	return []document{{root: root, firstLine: 1, endLine: len(f.lines), nodes: c.nextID}}, true
}

// fastShape refuses, before any parse, what fastDocuments leaves to goccy
// and can see in the bytes: a byte order mark, a carriage return, tabs
// (goccy and yaml.v3 differ on where they may go), a line that starts a
// directive, a document ("---") or ends one ("..."), and a line that ends
// in a space (goccy/go-yaml moves a plain scalar's column right by the
// spaces after it: "a: b  " has b at column 6).
func fastShape(src []byte) bool {
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) || bytes.IndexByte(src, '\r') >= 0 || bytes.IndexByte(src, '\t') >= 0 {
		return false
	}
	for line := src; len(line) > 0; {
		if bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("...")) || line[0] == '%' {
			return false
		}
		i := bytes.IndexByte(line, '\n')
		if i < 0 {
			return line[len(line)-1] != ' '
		}
		if i > 0 && line[i-1] == ' ' {
			return false
		}
		line = line[i+1:]
	}
	return true
}

type fastConverter struct {
	f      *srcFile
	nextID int
	flow   int     // flow collections open around the node being converted
	slab   []ynode // where node takes its nodes from
	// covered[l] is a line that holds the start of a node or a line of a
	// block scalar.
	covered []bool
}

// coversAll reports whether every line of the file but blank lines and
// comments is one that the nodes account for: yaml.v3 reads a few
// malformed files by dropping a part (" a: b\nc" as {a: b}), and goccy
// refuses them.
func (c *fastConverter) coversAll() bool {
	src := c.f.src
	for l, start := range c.f.lines {
		if c.covered[l+1] {
			continue
		}
		text := src[start:]
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			text = text[:i]
		}
		text = bytes.TrimLeft(text, " ")
		if len(text) > 0 && text[0] != '#' {
			return false
		}
	}
	return true
}

// node is a new node holding n, cut from a slab: a generated task has tens
// of thousands, all kept as long as the document.
func (c *fastConverter) node(n ynode) *ynode {
	if len(c.slab) == cap(c.slab) {
		c.slab = make([]ynode, 0, 512)
	}
	c.slab = append(c.slab, n)
	return &c.slab[len(c.slab)-1]
}

// cover notes that a node starts on line l.
func (c *fastConverter) cover(l int) bool {
	if l < 1 || l >= len(c.covered) {
		return false
	}
	c.covered[l] = true
	return true
}

// conv mirrors converter.conv; nil means "leave this file to goccy".
// parent is the indentation of the collection n is in (-1 at the top): a
// block scalar's lines are indented more.
func (c *fastConverter) conv(n *yaml3.Node, parent int) *ynode {
	if n.Anchor != "" || n.Style&yaml3.TaggedStyle != 0 || !c.cover(n.Line) {
		return nil
	}
	var conv func(*yaml3.Node) *ynode
	switch n.Kind {
	case yaml3.MappingNode:
		conv = c.convMap
	case yaml3.SequenceNode:
		conv = c.convSeq
	case yaml3.ScalarNode:
		return c.convScalar(n, parent)
	default:
		return nil
	}
	if n.Style&yaml3.FlowStyle == 0 {
		return conv(n)
	}
	if !c.flowClosed(n) {
		return nil
	}
	c.flow++
	out := conv(n)
	c.flow--
	return out
}

func (c *fastConverter) convSeq(n *yaml3.Node) *ynode {
	// At its first "-" or its "[": not at a property ("!", which yaml.v3
	// takes as no tag).
	if !c.at(n, '-') && !c.at(n, '[') {
		return nil
	}
	c.nextID++
	out := c.node(ynode{kind: seqNode, id: c.nextID, line: n.Line, col: n.Column})
	if len(n.Content) > 0 {
		out.items = make([]*ynode, 0, len(n.Content))
	}
	for _, it := range n.Content {
		y := c.conv(it, n.Column-1)
		if y == nil {
			return nil
		}
		out.items = append(out.items, y)
	}
	return out
}

func (c *fastConverter) convMap(n *yaml3.Node) *ynode {
	if len(n.Content)%2 != 0 {
		return nil
	}
	if n.Style&yaml3.FlowStyle != 0 && !c.at(n, '{') ||
		n.Style&yaml3.FlowStyle == 0 && (len(n.Content) == 0 || n.Content[0].Line != n.Line || n.Content[0].Column != n.Column) {
		return nil
	}
	c.nextID++
	// An empty mapping ("{}") is at its brace; any other at its first key.
	out := c.node(ynode{kind: mapNode, id: c.nextID, line: n.Line, col: n.Column})
	out.keys = make([]string, 0, len(n.Content)/2)
	out.vals = make([]*ynode, 0, len(n.Content)/2)
	var seen map[string]bool
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key, ok := c.keyText(k)
		if !ok || !c.cover(k.Line) {
			return nil
		}
		if i == 0 {
			out.line, out.col = k.Line, k.Column
		}
		// A repeated key is goccy's to refuse.
		if seen == nil && len(out.keys) >= mapSetFrom {
			seen = make(map[string]bool, 2*len(out.keys))
			for _, k := range out.keys {
				seen[k] = true
			}
		}
		if seen != nil {
			if seen[key] {
				return nil
			}
			seen[key] = true
		} else {
			for _, k := range out.keys {
				if k == key {
					return nil
				}
			}
		}
		val := c.conv(v, n.Column-1)
		if val == nil {
			return nil
		}
		out.keys = append(out.keys, key)
		out.vals = append(out.vals, val)
	}
	return out
}

// keyText is keyText's text of a key that fastDocuments takes: a scalar on
// one line, not a merge key.
func (c *fastConverter) keyText(k *yaml3.Node) (string, bool) {
	if k.Kind != yaml3.ScalarNode || k.Anchor != "" || k.Style&^(yaml3.SingleQuotedStyle|yaml3.DoubleQuotedStyle) != 0 {
		return "", false
	}
	// goccy/go-yaml takes a key that holds "<<" ("a<<") as a merge.
	if k.Value == "" || strings.Contains(k.Value, "<<") || strings.IndexByte(k.Value, '\n') >= 0 {
		return "", false
	}
	if k.Style == 0 && !c.plainAt(k) {
		return "", false
	}
	if k.Style != 0 {
		if _, ok := c.quotedEnd(k); !ok {
			return "", false
		}
	}
	return k.Value, true
}

// at reports whether the byte at n's position is b.
func (c *fastConverter) at(n *yaml3.Node, b byte) bool {
	off := c.f.offset(n.Line, n.Column)
	return off < len(c.f.src) && c.f.src[off] == b
}

// plainAt reports whether the plain scalar n's text is in the file as it is
// at n's position, on one line (so it is not folded). In a flow collection
// a plain scalar with a colon is goccy's to read: it splits "{a:b: c}"
// at the first one.
func (c *fastConverter) plainAt(n *yaml3.Node) bool {
	if c.flow > 0 && strings.IndexByte(n.Value, ':') >= 0 {
		return false
	}
	start := c.f.offset(n.Line, n.Column)
	end := start + len(n.Value)
	return end <= len(c.f.src) && string(c.f.src[start:end]) == n.Value
}

// quotedEnd is the end of the quoted scalar n that starts at its position,
// when it closes on the same line and only what YAML allows follows it
// there (yaml.v3 takes "'a'b" as 'a', goccy/go-yaml refuses it).
func (c *fastConverter) quotedEnd(n *yaml3.Node) (int, bool) {
	src := c.f.src
	start := c.f.offset(n.Line, n.Column)
	q := byte('"')
	if n.Style == yaml3.SingleQuotedStyle {
		q = '\''
	}
	if start >= len(src) || src[start] != q {
		return 0, false
	}
	for i := start + 1; i < len(src); i++ {
		switch b := src[i]; {
		case b == '\n':
			return 0, false
		case b == '\\' && q == '"':
			return 0, false // escapes are goccy's to decode
		case b == q && q == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i++
		case b == q:
			return i + 1, quotedFollow(src[i+1:])
		}
	}
	return 0, false
}

func (c *fastConverter) convScalar(n *yaml3.Node, parent int) *ynode {
	c.nextID++
	y := c.node(ynode{kind: scalarNode, id: c.nextID, line: n.Line, col: n.Column})
	y.start = c.f.offset(n.Line, n.Column)
	switch n.Style {
	case 0:
		if n.Value == "" || !c.plainAt(n) {
			return nil
		}
		y.end = y.start + len(n.Value)
		switch plainType(n.Value) {
		case ytoken.StringType:
			y.value, y.isStr = n.Value, true
		case ytoken.NullType, ytoken.ImplicitNullType:
		case ytoken.MergeKeyType:
			return nil
		default:
			y.value = n.Value
		}
	case yaml3.SingleQuotedStyle, yaml3.DoubleQuotedStyle:
		end, ok := c.quotedEnd(n)
		if !ok {
			return nil
		}
		y.end, y.value, y.isStr = end, n.Value, true
		y.style = styleDouble
		if n.Style == yaml3.SingleQuotedStyle {
			y.style = styleSingle
		}
	case yaml3.LiteralStyle, yaml3.FoldedStyle:
		return c.blockScalar(n, y, parent)
	default:
		return nil
	}
	return y
}

// blockScalar fills in a literal or folded scalar as convLiteral does: it
// ends after the last non-blank character of its lines. Only a header
// without an indentation indicator or a comment is taken ("|", ">-", "|+").
func (c *fastConverter) blockScalar(n *yaml3.Node, y *ynode, parent int) *ynode {
	src, lines := c.f.src, c.f.lines
	if y.line < 1 || y.line >= len(lines) {
		return nil
	}
	head := src[y.start : lines[y.line]-1]
	if len(head) == 0 || len(head) > 2 || head[0] != '|' && head[0] != '>' || len(head) == 2 && head[1] != '-' && head[1] != '+' {
		return nil
	}
	y.value, y.isStr = n.Value, true
	y.style = styleLiteral
	if head[0] == '>' {
		y.style = styleFolded
	}
	// The block's lines: the first non-blank line after the header sets the
	// indentation (more than the parent's, or the block is empty), and the
	// first non-blank line indented less ends it.
	indent := -1
	end := lines[y.line]
	for l := y.line; l < len(lines); l++ {
		text := src[lines[l]:]
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			text = text[:i]
		}
		trimmed := bytes.TrimLeft(text, " ")
		if len(trimmed) == 0 {
			continue
		}
		ind := len(text) - len(trimmed)
		if indent < 0 {
			indent = ind
			if ind <= parent {
				return nil // no content: goccy's to read
			}
		}
		if ind < indent {
			break
		}
		end = lines[l] + len(bytes.TrimRight(text, " "))
		c.covered[l+1] = true
	}
	if indent < 0 {
		return nil // an empty block: goccy's to read
	}
	if bytes.IndexByte(src[end:], '\n') < 0 {
		return nil // goccy does not fold a block that ends the file without a line break
	}
	y.end = end
	return y
}

// flowClosed reports whether the flow collection n closes on the line it
// opens on, and only what YAML allows follows it there (yaml.v3 reads
// "a: {}b" as {a: {}}, goccy/go-yaml refuses it).
func (c *fastConverter) flowClosed(n *yaml3.Node) bool {
	src := c.f.src
	start := c.f.offset(n.Line, n.Column)
	if start >= len(src) || src[start] != '[' && src[start] != '{' {
		return false
	}
	depth := 0
	for i := start; i < len(src); i++ {
		switch src[i] {
		case '\n', '"', '\'', '#':
			return false // quotes and comments are for goccy to weigh
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return quotedFollow(src[i+1:])
			}
		}
	}
	return false
}

// quotedFollow reports whether rest, what follows a closing quote or
// bracket, starts
// as YAML allows: the end of the line, a comment after a space, or an
// indicator (":" of a key, or a flow collection's ",", "]" or "}").
func quotedFollow(rest []byte) bool {
	spaces := 0
	for spaces < len(rest) && rest[spaces] == ' ' {
		spaces++
	}
	if spaces == len(rest) {
		return true
	}
	switch rest[spaces] {
	case '\n', ':', ',', ']', '}':
		return true
	case '#':
		return spaces > 0
	}
	return false
}

// plainType is goccy/go-yaml's type of a plain scalar (ytoken.New's),
// without building a token for a word that can be neither a keyword (null,
// true, .inf, ~) nor a number: most of a task's scalars and keys ("$
// steps[0]", "gpt-4o", "then"). A word that starts with a letter is one of
// ytoken.New's keywords or a string: its number check reads a word
// without a dot with strconv.ParseUint, which takes no letter first ("inf"
// and "nan" too are strings), and one with a dot with strconv.ParseFloat,
// which reads no word with a dot that starts with a letter (TestPlainType
// checks words of both kinds against ytoken.New).
func plainType(v string) ytoken.Type {
	switch b := v[0]; {
	case b >= '0' && b <= '9', b == '+', b == '-', b == '.', b == '~':
		return ytoken.New(v, v, nil).Type
	case b == 'n' || b == 'N':
		if v == "null" || v == "Null" || v == "NULL" {
			return ytoken.NullType
		}
	case b == 't' || b == 'T' || b == 'f' || b == 'F':
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return ytoken.BoolType
		}
	}
	return ytoken.StringType
}
