package taskpreview

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	ytoken "github.com/goccy/go-yaml/token"

	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
)

// ErrSyntax, ErrNotTask and ErrLimit classify an [Error]: match them with
// errors.Is.
var (
	ErrSyntax  = errors.New("invalid YAML")
	ErrNotTask = errors.New("not a Julep task")
	// ErrLimit is a file larger than MaxTaskSize or nested deeper than
	// bounded.MaxNesting: it is refused before a parser reads it.
	ErrLimit = errors.New("beyond keyward's limits for a task file")
)

// MaxTaskSize bounds a task file (YAML, or a Julep 3 TOML configuration):
// a Julep task is rarely over 50 KB, and the YAML parser takes up to 500
// times a file's size in memory (a 1 MiB file of short flow sequences took
// 460 MB), whatever the nesting.
const MaxTaskSize = 512 << 10

// checkLimits refuses src before a parser reads it: larger than
// MaxTaskSize, or nested deeper than bounded.MaxNesting (the parsers'
// memory grows with the square of the depth). isTOML picks the pre-scan.
func checkLimits(file string, src []byte, isTOML bool) error {
	if len(src) > MaxTaskSize {
		return &Error{File: file, Msg: (&bounded.TooLargeError{Size: int64(len(src)), Limit: MaxTaskSize}).Error(), Err: ErrLimit}
	}
	scan := bounded.YAML
	if isTOML {
		scan = bounded.TOML
	}
	var td *bounded.TooDeepError
	var ce *bounded.ControlError
	switch err := scan(src, bounded.MaxNesting); {
	case errors.As(err, &td):
		return &Error{File: file, Line: td.Line, Column: 1, Msg: fmt.Sprintf("nested too deep (limit %d)", td.Limit), Err: ErrLimit}
	case errors.As(err, &ce):
		return &Error{File: file, Msg: ce.Error(), Err: ErrSyntax}
	}
	return nil
}

// Error is a task file that cannot be previewed: invalid YAML, with the
// line and column of the problem, or YAML that is not a Julep task.
type Error struct {
	File    string
	Line    int // 1-based; 0 when the problem concerns no single line
	Column  int
	Msg     string
	Excerpt string // the offending line with a caret under the column
	Err     error  // ErrSyntax, ErrNotTask or ErrLimit
}

// Error formats the problem as file:line:col: message.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Unwrap returns ErrSyntax, ErrNotTask or ErrLimit.
func (e *Error) Unwrap() error { return e.Err }

type nodeKind uint8

const (
	scalarNode nodeKind = iota
	mapNode
	seqNode
)

type scalarStyle uint8

const (
	stylePlain scalarStyle = iota
	styleSingle
	styleDouble
	styleLiteral
	styleFolded
)

// ynode is a YAML node after alias and merge expansion. Nodes reached
// through an alias are shared, so one source scalar can appear at several
// paths; id tells source nodes apart.
type ynode struct {
	kind  nodeKind
	keys  []string
	vals  []*ynode
	items []*ynode

	value string // scalar text, decoded
	isStr bool   // a YAML string (not a number, bool or null)
	style scalarStyle

	line, col  int // 1-based start (a mapping: its first key)
	start, end int // byte range of a scalar's raw text in the file
	id         int
}

func (n *ynode) get(key string) *ynode {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *ynode) str() (string, bool) {
	if n == nil || n.kind != scalarNode || !n.isStr {
		return "", false
	}
	return n.value, true
}

// srcFile is the raw text with a line index for position conversion.
type srcFile struct {
	name  string
	src   []byte
	lines []int // byte offset of each line start
}

func newSrcFile(name string, src []byte) *srcFile {
	f := &srcFile{name: name, src: src, lines: []int{0}}
	for i, b := range src {
		if b == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	return f
}

// offset converts a 1-based line and character column to a byte offset.
func (f *srcFile) offset(line, col int) int {
	if line < 1 {
		return 0
	}
	if line > len(f.lines) {
		return len(f.src)
	}
	off := f.lines[line-1]
	for c := 1; c < col && off < len(f.src) && f.src[off] != '\n'; c++ {
		_, size := utf8.DecodeRune(f.src[off:])
		off += size
	}
	return off
}

// position converts a byte offset to a 1-based line and character column.
func (f *srcFile) position(off int) (line, col int) {
	off = max(0, min(off, len(f.src)))
	lo, hi := 0, len(f.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if f.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, utf8.RuneCount(f.src[f.lines[lo]:off]) + 1
}

func (f *srcFile) lineText(line int) string {
	if line < 1 || line > len(f.lines) {
		return ""
	}
	end := len(f.src)
	if line < len(f.lines) {
		end = f.lines[line] - 1
	}
	return strings.TrimRight(string(f.src[f.lines[line-1]:end]), "\r")
}

func (f *srcFile) errorAt(line, col int, msg string, kind error) *Error {
	e := &Error{File: f.name, Line: line, Column: col, Msg: model.Printable(msg), Err: kind}
	if line > 0 {
		text := model.Printable(f.lineText(line))
		e.Excerpt = fmt.Sprintf("%5d | %s\n      | %s^", line, text, strings.Repeat(" ", max(0, col-1)))
	}
	return e
}

// document is one parsed YAML document.
type document struct {
	root               *ynode
	firstLine, endLine int
	nodes              int // node ids run from 1 to nodes
}

// refsHint guesses how many references d makes, to size the slice that
// holds them (thousands in a generated task): one per word secrets, and
// one provider key per prompt step. Aliases can make more.
func (d document) refsHint(f *srcFile) int {
	start := f.offset(d.firstLine, 1)
	end := len(f.src)
	if d.endLine < len(f.lines) {
		end = f.lines[d.endLine]
	}
	text := f.src[start:max(start, end)]
	return bytes.Count(text, secretsWord) + bytes.Count(text, []byte("prompt"))
}

// parseDocuments parses src into expanded documents. Empty documents are
// dropped. A file of the narrow shape lineDocuments takes is read line by
// line, one of the wider shape fastDocuments takes by yaml.v3, and every
// other by goccy/go-yaml (goccyDocuments), the reader of record.
func parseDocuments(f *srcFile) ([]document, error) {
	if docs, ok := lineDocuments(f); ok {
		if fastTaken != nil {
			fastTaken("lineDocuments", f, docs)
		}
		return docs, nil
	}
	if docs, ok := fastDocuments(f); ok {
		if fastTaken != nil {
			fastTaken("fastDocuments", f, docs)
		}
		return docs, nil
	}
	return goccyDocuments(f)
}

// fastTaken, set by this package's tests, sees every file that
// lineDocuments or fastDocuments (reader) reads, so that each test's task
// files are checked against goccy too.
var fastTaken func(reader string, f *srcFile, docs []document)

// goccyDocuments is parseDocuments through goccy/go-yaml.
func goccyDocuments(f *srcFile) (docs []document, err error) {
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, f.errorAt(0, 0, "the YAML parser failed on this file", ErrSyntax)
		}
	}()
	file, perr := parser.ParseBytes(f.src, 0)
	if perr != nil {
		var se *yaml.SyntaxError
		if errors.As(perr, &se) && se.Token != nil && se.Token.Position != nil {
			return nil, f.errorAt(se.Token.Position.Line, se.Token.Position.Column, se.Message, ErrSyntax)
		}
		msg := perr.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, f.errorAt(0, 0, msg, ErrSyntax)
	}
	c := &converter{f: f, anchors: map[string]*ynode{}}
	for _, d := range file.Docs {
		if d == nil || d.Body == nil || isComment(d.Body) {
			continue
		}
		root, err := c.conv(d.Body)
		if err != nil {
			return nil, err
		}
		first := 1
		if d.Start != nil && d.Start.Position != nil {
			first = d.Start.Position.Line
		} else if len(docs) > 0 {
			first = docs[len(docs)-1].endLine + 1
		}
		docs = append(docs, document{root: root, firstLine: first, nodes: c.nextID})
	}
	for i := range docs {
		docs[i].endLine = len(f.lines)
		if i+1 < len(docs) {
			docs[i].endLine = max(docs[i].firstLine, docs[i+1].firstLine-1)
		}
	}
	return docs, nil
}

func isComment(n ast.Node) bool {
	switch n.(type) {
	case *ast.CommentNode, *ast.CommentGroupNode:
		return true
	}
	return false
}

type converter struct {
	f       *srcFile
	anchors map[string]*ynode
	nextID  int
}

func (c *converter) pos(tk *ytoken.Token) (line, col int) {
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

func (c *converter) newScalar(tk *ytoken.Token, value string, isStr bool) *ynode {
	c.nextID++
	n := &ynode{kind: scalarNode, value: value, isStr: isStr, id: c.nextID}
	n.line, n.col = c.pos(tk)
	n.start = c.f.offset(n.line, n.col)
	raw := ""
	if tk != nil {
		raw = strings.TrimSpace(tk.Origin)
	}
	n.end = min(len(c.f.src), n.start+len(raw))
	return n
}

func (c *converter) conv(n ast.Node) (*ynode, error) {
	switch v := n.(type) {
	case nil:
		c.nextID++
		return &ynode{kind: scalarNode, id: c.nextID}, nil
	case *ast.DocumentNode:
		return c.conv(v.Body)
	case *ast.MappingNode:
		return c.convMap(v.Values, v.GetToken())
	case *ast.MappingValueNode:
		return c.convMap([]*ast.MappingValueNode{v}, v.GetToken())
	case *ast.SequenceNode:
		c.nextID++
		out := &ynode{kind: seqNode, id: c.nextID}
		out.line, out.col = c.pos(v.GetToken())
		for _, it := range v.Values {
			y, err := c.conv(it)
			if err != nil {
				return nil, err
			}
			out.items = append(out.items, y)
		}
		return out, nil
	case *ast.AnchorNode:
		y, err := c.conv(v.Value)
		if err != nil {
			return nil, err
		}
		if v.Name != nil {
			c.anchors[v.Name.GetToken().Value] = y
		}
		return y, nil
	case *ast.AliasNode:
		name := ""
		if v.Value != nil {
			name = v.Value.GetToken().Value
		}
		y, ok := c.anchors[name]
		if !ok {
			line, col := c.pos(v.GetToken())
			return nil, c.f.errorAt(line, col, fmt.Sprintf("unknown alias *%s (no anchor &%s before it)", name, name), ErrSyntax)
		}
		return y, nil
	case *ast.TagNode:
		y, err := c.conv(v.Value)
		if err != nil {
			return nil, err
		}
		if v.Start != nil && v.Start.Value == "!!str" && y.kind == scalarNode && !y.isStr {
			cp := *y
			cp.isStr = true
			y = &cp
		}
		return y, nil
	case *ast.StringNode:
		y := c.newScalar(v.GetToken(), v.Value, true)
		switch v.GetToken().Type {
		case ytoken.SingleQuoteType:
			y.style = styleSingle
		case ytoken.DoubleQuoteType:
			y.style = styleDouble
		}
		return y, nil
	case *ast.LiteralNode:
		return c.convLiteral(v), nil
	case *ast.MappingKeyNode:
		return c.conv(v.Value)
	case *ast.NullNode:
		return c.newScalar(v.GetToken(), "", false), nil
	case *ast.CommentNode, *ast.CommentGroupNode, *ast.DirectiveNode:
		c.nextID++
		return &ynode{kind: scalarNode, id: c.nextID}, nil
	default:
		tk := n.GetToken()
		val := ""
		if tk != nil {
			val = tk.Value
		}
		return c.newScalar(tk, val, false), nil
	}
}

func (c *converter) convLiteral(v *ast.LiteralNode) *ynode {
	value := ""
	if v.Value != nil {
		value = v.Value.Value
	}
	y := c.newScalar(v.Start, value, true)
	y.style = styleLiteral
	if v.Start != nil && strings.HasPrefix(v.Start.Value, ">") {
		y.style = styleFolded
	}
	if y.line > 0 && y.line < len(c.f.lines) && v.Value != nil {
		content := strings.TrimRight(v.Value.GetToken().Origin, " \t\r\n")
		y.end = min(len(c.f.src), c.f.lines[y.line]+len(content))
	}
	return y
}

// mapSetFrom is how many keys convMap searches before it keeps an index.
const mapSetFrom = 16

// convMap builds a mapping, applying << merges: explicit keys win over
// merged ones, and earlier merge sources win over later ones.
func (c *converter) convMap(values []*ast.MappingValueNode, tk *ytoken.Token) (*ynode, error) {
	c.nextID++
	out := &ynode{kind: mapNode, id: c.nextID}
	out.line, out.col = c.pos(tk)
	// explicit is only needed for a merge; seen only once the mapping is
	// too large to search (a step has a handful of keys, and a map each
	// was a good part of the conversion).
	var explicit map[string]bool
	for _, mv := range values {
		if mv != nil && mv.Key != nil && mv.Key.IsMergeKey() {
			explicit = map[string]bool{}
			break
		}
	}
	if explicit != nil {
		for _, mv := range values {
			if mv != nil && mv.Key != nil && !mv.Key.IsMergeKey() {
				explicit[keyText(mv.Key)] = true
			}
		}
	}
	out.keys = make([]string, 0, len(values))
	out.vals = make([]*ynode, 0, len(values))
	var seen map[string]int
	index := func(k string) (int, bool) {
		if seen != nil {
			i, ok := seen[k]
			return i, ok
		}
		i := slices.Index(out.keys, k)
		return i, i >= 0
	}
	add := func(k string, v *ynode) {
		if i, ok := index(k); ok {
			out.vals[i] = v // a repeated key: the last one wins, as in PyYAML
			return
		}
		if seen == nil && len(out.keys) >= mapSetFrom {
			seen = make(map[string]int, 2*len(out.keys))
			for i, k := range out.keys {
				seen[k] = i
			}
		}
		if seen != nil {
			seen[k] = len(out.keys)
		}
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, v)
	}
	for i, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		if i == 0 {
			out.line, out.col = c.pos(mv.Key.GetToken())
		}
		val, err := c.conv(mv.Value)
		if err != nil {
			return nil, err
		}
		if !mv.Key.IsMergeKey() {
			add(keyText(mv.Key), val)
			continue
		}
		sources := []*ynode{val}
		if val.kind == seqNode {
			sources = val.items
		}
		for _, src := range sources {
			if src.kind != mapNode {
				line, col := c.pos(mv.Key.GetToken())
				return nil, c.f.errorAt(line, col, "<< must merge a mapping or a list of mappings", ErrSyntax)
			}
			for j, k := range src.keys {
				if _, dup := index(k); !dup && !explicit[k] {
					add(k, src.vals[j])
				}
			}
		}
	}
	return out, nil
}

func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}
