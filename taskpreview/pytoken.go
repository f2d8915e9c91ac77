package taskpreview

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is a tokenizer for the Python expression subset Julep
// evaluates (simpleeval over Python 3.12 syntax): names, numbers, string
// literals with prefixes and triple quotes, operators, and f-strings, whose
// replacement fields are tokenized recursively (3.12 rules: a field may
// reuse the enclosing quote). It never evaluates anything.

type tokKind uint8

const (
	tName tokKind = iota + 1
	tNumber
	tString  // a str or bytes literal; str holds its decoded value
	tFString // an f-string; parts holds its literal text and fields
	tOp
)

type token struct {
	kind       tokKind
	start, end int    // byte offsets in the tokenized text
	text       string // raw text
	str        string // decoded value of a plain string literal
	bytes      bool   // b'' literal
	parts      []fpart
}

// fpart is literal text or a replacement field of an f-string.
type fpart struct {
	lit        string
	start, end int // byte range in the tokenized text (the braces included for a field)
	field      *ffield
}

// ffield is one replacement field: {expr!conv:spec}.
type ffield struct {
	expr               []token
	exprStart, exprEnd int
	conv               byte
	spec               []fpart // literal text and nested fields of the format spec
	doubled            bool    // in a legacy template, opened by "{{"
}

type syntaxErr struct {
	off int
	msg string
}

func (e *syntaxErr) Error() string { return e.msg + " at offset " + strconv.Itoa(e.off) }

// lexer tokenizes s[pos:]. Positions are offsets into s.
type lexer struct {
	s     string
	pos   int
	depth int // f-string nesting, to bound recursion
}

const maxFStringDepth = 32

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.s) {
		c := lx.s[lx.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '\\' && lx.pos+1 < len(lx.s) && (lx.s[lx.pos+1] == '\n' || lx.s[lx.pos+1] == '\r'):
			lx.pos += 2
		case c == '#':
			for lx.pos < len(lx.s) && lx.s[lx.pos] != '\n' {
				lx.pos++
			}
		default:
			return
		}
	}
}

var threeCharOps = []string{"**=", "//=", ">>=", "<<=", "..."}
var twoCharOps = []string{"**", "//", "<<", ">>", "<=", ">=", "==", "!=", "->", ":=",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@="}

const oneCharOps = "()[]{}:,;.+-*/%&|^~<>=@!"

// next returns the next token; ok is false at the end of the text.
func (lx *lexer) next() (token, bool, error) {
	lx.skipSpace()
	if lx.pos >= len(lx.s) {
		return token{}, false, nil
	}
	start := lx.pos
	r, size := utf8.DecodeRuneInString(lx.s[lx.pos:])
	switch {
	case isIdentStart(r):
		end := lx.pos + size
		for end < len(lx.s) {
			r2, s2 := utf8.DecodeRuneInString(lx.s[end:])
			if !isIdentPart(r2) {
				break
			}
			end += s2
		}
		if end < len(lx.s) && (lx.s[end] == '\'' || lx.s[end] == '"') && isStringPrefix(lx.s[start:end]) {
			return lx.stringLit(start, end)
		}
		lx.pos = end
		return token{kind: tName, start: start, end: end, text: lx.s[start:end]}, true, nil
	case r == '\'' || r == '"':
		return lx.stringLit(start, start)
	case r >= '0' && r <= '9' || r == '.' && lx.pos+1 < len(lx.s) && lx.s[lx.pos+1] >= '0' && lx.s[lx.pos+1] <= '9':
		end := lx.pos
		for end < len(lx.s) {
			c := lx.s[end]
			if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' {
				end++
				continue
			}
			if (c == '+' || c == '-') && end > start && (lx.s[end-1] == 'e' || lx.s[end-1] == 'E') && !strings.HasPrefix(lx.s[start:], "0x") && !strings.HasPrefix(lx.s[start:], "0X") {
				end++
				continue
			}
			break
		}
		lx.pos = end
		return token{kind: tNumber, start: start, end: end, text: lx.s[start:end]}, true, nil
	}
	for _, group := range [][]string{threeCharOps, twoCharOps} {
		for _, op := range group {
			if strings.HasPrefix(lx.s[lx.pos:], op) {
				lx.pos += len(op)
				return token{kind: tOp, start: start, end: lx.pos, text: op}, true, nil
			}
		}
	}
	if strings.IndexByte(oneCharOps, lx.s[lx.pos]) >= 0 {
		lx.pos++
		return token{kind: tOp, start: start, end: lx.pos, text: lx.s[start:lx.pos]}, true, nil
	}
	return token{}, false, &syntaxErr{start, "invalid character " + strconv.QuoteRune(r)}
}

func isStringPrefix(p string) bool {
	if len(p) > 2 {
		return false
	}
	switch strings.ToLower(p) {
	case "r", "u", "b", "f", "br", "rb", "fr", "rf":
		return true
	}
	return false
}

// stringLit scans a string literal whose prefix is s[start:qpos].
func (lx *lexer) stringLit(start, qpos int) (token, bool, error) {
	prefix := strings.ToLower(lx.s[start:qpos])
	raw := strings.Contains(prefix, "r")
	q := lx.s[qpos : qpos+1]
	if strings.HasPrefix(lx.s[qpos:], q+q+q) {
		q = q + q + q
	}
	body := qpos + len(q)
	if strings.Contains(prefix, "f") {
		lx.depth++
		defer func() { lx.depth-- }()
		if lx.depth > maxFStringDepth {
			return token{}, false, &syntaxErr{start, "f-strings nested too deeply"}
		}
		parts, end, err := lx.fstringBody(body, q, raw, false)
		if err != nil {
			return token{}, false, err
		}
		lx.pos = end
		return token{kind: tFString, start: start, end: end, text: lx.s[start:end], parts: parts}, true, nil
	}
	i := body
	for {
		if i >= len(lx.s) {
			return token{}, false, &syntaxErr{start, "unterminated string literal"}
		}
		if strings.HasPrefix(lx.s[i:], q) {
			break
		}
		switch c := lx.s[i]; {
		case c == '\\':
			i += 2
		case c == '\n' && len(q) == 1:
			return token{}, false, &syntaxErr{start, "unterminated string literal"}
		default:
			i++
		}
	}
	end := i + len(q)
	lx.pos = end
	t := token{kind: tString, start: start, end: end, text: lx.s[start:end], bytes: strings.Contains(prefix, "b")}
	if raw {
		t.str = lx.s[body:i]
	} else {
		t.str = unescape(lx.s[body:i])
	}
	return t, true, nil
}

// fstringBody scans an f-string body from i up to and including its closing
// quote q. With wrapped set, the text is the inside of the f-string that
// Julep wraps around templates and implicit f-strings: it runs to the end
// of the text, and a q inside it ends the wrapper early, which is an error.
func (lx *lexer) fstringBody(i int, q string, raw, wrapped bool) ([]fpart, int, error) {
	var parts []fpart
	var lit strings.Builder
	litStart := i
	flush := func(end int) {
		if end > litStart {
			parts = append(parts, fpart{lit: lit.String(), start: litStart, end: end})
		}
		lit.Reset()
	}
	for {
		if i >= len(lx.s) {
			if wrapped {
				if strings.HasSuffix(lit.String(), "'") {
					return nil, 0, &syntaxErr{i - 1, "a trailing quote ends Julep's f-string wrapper early"}
				}
				flush(i)
				return parts, i, nil
			}
			return nil, 0, &syntaxErr{i, "unterminated f-string"}
		}
		if strings.HasPrefix(lx.s[i:], q) {
			if wrapped {
				return nil, 0, &syntaxErr{i, "three single quotes end Julep's f-string wrapper early"}
			}
			flush(i)
			return parts, i + len(q), nil
		}
		c := lx.s[i]
		switch {
		case c == '\\' && !raw && i+1 < len(lx.s) && lx.s[i+1] != '{' && lx.s[i+1] != '}':
			n := escapeLen(lx.s[i:])
			lit.WriteString(unescape(lx.s[i : i+n]))
			i += n
		case c == '\\' && raw && i+1 < len(lx.s) && lx.s[i+1] != '{' && lx.s[i+1] != '}':
			lit.WriteString(lx.s[i : i+2])
			i += 2
		case c == '{' && i+1 < len(lx.s) && lx.s[i+1] == '{':
			lit.WriteByte('{')
			i += 2
		case c == '}' && i+1 < len(lx.s) && lx.s[i+1] == '}':
			lit.WriteByte('}')
			i += 2
		case c == '}':
			return nil, 0, &syntaxErr{i, "f-string: single '}' is not allowed"}
		case c == '{':
			flush(i)
			f, end, err := lx.field(i)
			if err != nil {
				return nil, 0, err
			}
			parts = append(parts, fpart{start: i, end: end, field: f})
			i = end
			litStart = i
		case c == '\n' && len(q) == 1:
			return nil, 0, &syntaxErr{i, "unterminated f-string"}
		default:
			lit.WriteByte(c)
			i++
		}
	}
}

// field scans a replacement field starting at the '{' at i and returns the
// offset after its closing '}'.
func (lx *lexer) field(i int) (*ffield, int, error) {
	sub := &lexer{s: lx.s, pos: i + 1, depth: lx.depth}
	f := &ffield{exprStart: i + 1}
	depth := 0
	for {
		sub.skipSpace()
		if sub.pos >= len(lx.s) {
			return nil, 0, &syntaxErr{i, "f-string: expecting '}'"}
		}
		c := lx.s[sub.pos]
		if depth == 0 {
			if c == '}' || c == ':' && !strings.HasPrefix(lx.s[sub.pos:], ":=") ||
				c == '!' && !strings.HasPrefix(lx.s[sub.pos:], "!=") ||
				c == '=' && !strings.HasPrefix(lx.s[sub.pos:], "==") && isDebugEquals(f.expr) {
				break
			}
		}
		t, ok, err := sub.next()
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			return nil, 0, &syntaxErr{i, "f-string: expecting '}'"}
		}
		if t.kind == tOp {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
				if depth < 0 {
					return nil, 0, &syntaxErr{t.start, "f-string: unmatched '" + t.text + "'"}
				}
			}
		}
		f.expr = append(f.expr, t)
	}
	f.exprEnd = sub.pos
	if len(f.expr) == 0 {
		return nil, 0, &syntaxErr{i, "f-string: valid expression required before '}'"}
	}
	p := sub.pos
	if lx.s[p] == '=' {
		p++
		for p < len(lx.s) && lx.s[p] == ' ' {
			p++
		}
	}
	if p < len(lx.s) && lx.s[p] == '!' {
		if p+1 >= len(lx.s) || strings.IndexByte("rsa", lx.s[p+1]) < 0 {
			return nil, 0, &syntaxErr{p, "f-string: invalid conversion character"}
		}
		f.conv = lx.s[p+1]
		p += 2
	}
	if p < len(lx.s) && lx.s[p] == ':' {
		spec, end, err := lx.formatSpec(p + 1)
		if err != nil {
			return nil, 0, err
		}
		f.spec = spec
		p = end
	}
	if p >= len(lx.s) || lx.s[p] != '}' {
		return nil, 0, &syntaxErr{i, "f-string: expecting '}'"}
	}
	return f, p + 1, nil
}

// isDebugEquals reports whether a '=' after expr tokens is the f-string
// self-documenting marker rather than part of a comparison.
func isDebugEquals(expr []token) bool {
	if len(expr) == 0 {
		return false
	}
	last := expr[len(expr)-1]
	return !(last.kind == tOp && (last.text == "<" || last.text == ">" || last.text == "!" || last.text == "="))
}

// formatSpec scans a format spec up to (not including) the '}' that closes
// its field. Nested fields are allowed.
func (lx *lexer) formatSpec(i int) ([]fpart, int, error) {
	var parts []fpart
	litStart := i
	for i < len(lx.s) {
		switch lx.s[i] {
		case '}':
			if i > litStart {
				parts = append(parts, fpart{lit: lx.s[litStart:i], start: litStart, end: i})
			}
			return parts, i, nil
		case '{':
			if i > litStart {
				parts = append(parts, fpart{lit: lx.s[litStart:i], start: litStart, end: i})
			}
			f, end, err := lx.field(i)
			if err != nil {
				return nil, 0, err
			}
			parts = append(parts, fpart{start: i, end: end, field: f})
			i = end
			litStart = i
		default:
			i++
		}
	}
	return nil, 0, &syntaxErr{i, "f-string: expecting '}'"}
}

// escapeLen is the length of the backslash escape at the start of s.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case 'x':
		return min(len(s), 4)
	case 'u':
		return min(len(s), 6)
	case 'U':
		return min(len(s), 10)
	case 'N':
		if len(s) > 2 && s[2] == '{' {
			if j := strings.IndexByte(s, '}'); j > 0 {
				return j + 1
			}
		}
	case '0', '1', '2', '3', '4', '5', '6', '7':
		n := 2
		for n < len(s) && n < 4 && s[n] >= '0' && s[n] <= '7' {
			n++
		}
		return n
	}
	return 2
}

// unescape decodes Python backslash escapes; unknown escapes are kept.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := escapeLen(s[i:])
		esc := s[i : i+n]
		switch esc[1] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\', '\'', '"':
			b.WriteByte(esc[1])
		case '\n':
		case 'x', 'u', 'U':
			if v, err := strconv.ParseUint(esc[2:], 16, 32); err == nil && len(esc) > 2 {
				b.WriteRune(rune(v))
			} else {
				b.WriteString(esc)
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, _ := strconv.ParseUint(esc[1:], 8, 32)
			b.WriteRune(rune(v))
		default:
			b.WriteString(esc)
		}
		i += n
	}
	return b.String()
}
