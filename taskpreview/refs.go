package taskpreview

import "strings"

// scanner finds accesses to the free name secrets in token lists.
type scanner struct {
	value string
	hits  []hit
}

var pyKeywords = setOf("False", "None", "True", "and", "as", "assert", "async", "await",
	"break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for",
	"from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass",
	"raise", "return", "try", "while", "with", "yield")

// mapMethods are dict and python-box methods: secrets.NAME gives the bound
// method, not a secret called NAME (JULEP.md §3).
var mapMethods = setOf("clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem",
	"setdefault", "update", "values", "to_dict", "to_json", "to_yaml", "to_toml", "to_msgpack",
	"to_csv", "from_json", "from_yaml", "from_toml", "from_msgpack", "from_csv",
	"merge_update", "box_it_up")

// blockedAttrs are attribute names simpleeval refuses.
var blockedAttrs = setOf("format", "format_map", "mro", "exec")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// attrHazard says why secrets.NAME does not read the secret NAME, or "".
func attrHazard(name string) string {
	switch {
	case pyKeywords[name]:
		return "is a Python keyword, so secrets." + name + " is a syntax error"
	case mapMethods[name]:
		return "is a method of the map, so secrets." + name + " gives the method, not the secret"
	case blockedAttr(name):
		return "is an attribute name simpleeval blocks, so secrets." + name + " is an error, not the secret"
	}
	return ""
}

// blockedAttr reports whether simpleeval refuses the attribute name.
func blockedAttr(name string) bool {
	return strings.HasPrefix(name, "_") || strings.HasPrefix(name, "func_") || blockedAttrs[name]
}

func isOp(t []token, i int, s string) bool {
	return i >= 0 && i < len(t) && t[i].kind == tOp && t[i].text == s
}

func isName(t []token, i int, s string) bool {
	return i >= 0 && i < len(t) && t[i].kind == tName && t[i].text == s
}

// plainString reports whether toks are one or more adjacent str literals
// (implicit concatenation) and returns their value.
func plainString(toks []token) (string, bool) {
	if len(toks) == 0 {
		return "", false
	}
	var b strings.Builder
	for _, t := range toks {
		if t.kind != tString || t.bytes {
			return "", false
		}
		b.WriteString(t.str)
	}
	return b.String(), true
}

// matching returns the index of the bracket closing the one at open, or
// the last index when it is unclosed.
func matching(t []token, open int) int {
	depth := 0
	for i := open; i < len(t); i++ {
		if t[i].kind != tOp {
			continue
		}
		switch t[i].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(t) - 1
}

// splitArgs splits t[open+1:close] at top-level commas.
func splitArgs(t []token, open, close int) [][]token {
	var args [][]token
	depth, from := 0, open+1
	for i := open + 1; i < close; i++ {
		if t[i].kind != tOp {
			continue
		}
		switch t[i].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				args = append(args, t[from:i])
				from = i + 1
			}
		}
	}
	if from < close {
		args = append(args, t[from:close])
	}
	return args
}

// scanParts scans the fields of an f-string. fieldKind is the kind plain
// attribute and index accesses get inside them; "" means "decide by the
// field" (templates: doubled braces are template, single ones implicit).
func (s *scanner) scanParts(parts []fpart, fieldKind Kind) {
	for _, p := range parts {
		f := p.field
		if f == nil {
			continue
		}
		k := fieldKind
		if k == "" {
			k = KindImplicitFString
			if f.doubled {
				k = KindTemplate
			}
		}
		s.scan(f.expr, k, strings.TrimSpace(s.value[f.exprStart:f.exprEnd]), false)
		s.scanParts(f.spec, k)
	}
}

// scan examines one expression's tokens. fieldKind is "" at the top level
// of a "$ " expression, else the kind for accesses inside an f-string
// field. exprText is the whole expression, reported for whole-map access.
func (s *scanner) scan(t []token, fieldKind Kind, exprText string, top bool) {
	for i := range t {
		if t[i].kind == tFString {
			k := fieldKind
			if k == "" {
				k = KindFString
			}
			s.scanParts(t[i].parts, k)
			continue
		}
		if t[i].kind != tName || t[i].text != "secrets" {
			continue
		}
		if h, ok := s.classify(t, i, exprText); ok {
			if h.kind == KindExprAttr || h.kind == KindExprIndex {
				if fieldKind != "" {
					h.kind = fieldKind
				} else if top && inSetDisplay(t, i) {
					h.kind, h.inSet = KindDollarSet, true
				}
			} else if fieldKind == "" && top && inSetDisplay(t, i) {
				h.inSet = true
			}
			s.hits = append(s.hits, h)
		}
	}
}

// classify decides what the free name secrets at t[i] does.
func (s *scanner) classify(t []token, i int, exprText string) (hit, bool) {
	h := hit{off: t[i].start, end: t[i].end}
	switch {
	case isOp(t, i-1, "."):
		return h, false // state.secrets, _.secrets: an attribute, not the name
	case isName(t, i-1, "for") || isName(t, i-1, "lambda") || isOp(t, i+1, "=") && (isOp(t, i-1, "(") || isOp(t, i-1, ",")):
		return h, false // a comprehension target, lambda or keyword argument
	}
	calls := func(j string) bool { return isOp(t, i+1, ".") && isName(t, i+2, j) && isOp(t, i+3, "(") }
	if isName(t, i-1, "in") && (i+1 >= len(t) || !isOp(t, i+1, "[") && !isOp(t, i+1, ".") || calls("keys")) {
		return s.membership(t, i, exprText), true
	}
	switch {
	case isOp(t, i+1, ".") && i+2 < len(t) && t[i+2].kind == tName:
		name := t[i+2].text
		called := isOp(t, i+3, "(")
		switch {
		case name == "get" && called:
			close := matching(t, i+3)
			args := splitArgs(t, i+3, close)
			h.end = t[close].end
			h.optional = true
			if len(args) > 0 {
				if n, ok := plainString(args[0]); ok {
					h.kind, h.name, h.hasDefault = KindExprGet, n, len(args) > 1
					return h, true
				}
			}
			h.kind, h.expr = KindDynamic, s.value[h.off:h.end]
		case name == "get":
			h.kind, h.expr, h.optional, h.end = KindDynamic, "secrets.get", true, t[i+2].end
		case mapMethods[name] && called:
			h.kind, h.expr = KindWholeMap, exprText
		case mapMethods[name] || blockedAttr(name):
			// secrets.keys is the bound method (a blocked name, an error),
			// never the secret "keys": the map is reached, no secret is
			// read by name (JULEP.md §3). name is kept for the warning
			// that says secrets['keys'] is the form that reads it.
			h.kind, h.expr, h.end = KindWholeMap, exprText, t[i+2].end
			h.name, h.hazard = name, attrHazard(name)
		default:
			h.kind, h.name, h.end, h.hazard = KindExprAttr, name, t[i+2].end, attrHazard(name)
		}
	case isOp(t, i+1, "["):
		close := matching(t, i+1)
		h.end = t[close].end
		if n, ok := plainString(t[i+2 : max(i+2, close)]); ok && isOp(t, close, "]") {
			h.kind, h.name = KindExprIndex, n
		} else {
			h.kind, h.expr = KindDynamic, s.value[h.off:h.end]
		}
	default:
		h.kind, h.expr = KindWholeMap, exprText
	}
	return h, true
}

// membership classifies `X in secrets`: a literal X is a presence check,
// a comprehension `for k in secrets` walks the whole map, and any other X
// is a dynamic (optional) check.
func (s *scanner) membership(t []token, i int, exprText string) hit {
	h := hit{off: t[i].start, end: t[i].end, optional: true}
	if isOp(t, i+1, ".") {
		h.end = t[min(i+4, len(t)-1)].end
	}
	j := i - 2 // the token before "in"
	if isName(t, j, "not") {
		j--
	}
	k := j
	for k >= 0 && t[k].kind == tString {
		k--
	}
	if n, ok := plainString(t[k+1 : j+1]); ok && operandBoundary(t, k) {
		h.kind, h.name = KindPresenceCheck, n
		return h
	}
	for k := j; k >= 0; k-- {
		if isName(t, k, "for") {
			h.kind, h.expr, h.optional = KindWholeMap, exprText, false
			return h
		}
		if t[k].kind != tName && !isOp(t, k, ",") && !isOp(t, k, "(") && !isOp(t, k, ")") {
			break
		}
	}
	h.kind, h.expr = KindDynamic, exprText
	return h
}

// operandBoundary reports whether t[k] ends an expression that binds more
// loosely than `in`, so a literal after it is the whole left operand.
func operandBoundary(t []token, k int) bool {
	if k < 0 {
		return true
	}
	switch t[k].kind {
	case tName:
		switch t[k].text {
		case "and", "or", "not", "if", "else", "in", "is", "lambda", "return", "yield":
			return true
		}
	case tOp:
		switch t[k].text {
		case "(", "[", "{", ",", ":", "=", ":=", "==", "!=", "<", ">", "<=", ">=":
			return true
		}
	}
	return false
}

// inSetDisplay reports whether t[i] sits directly inside a set display
// `{…}` (braces without a top-level ':' or '**').
func inSetDisplay(t []token, i int) bool {
	depth := 0
	open := -1
	for k := i - 1; k >= 0; k-- {
		if t[k].kind != tOp {
			continue
		}
		switch t[k].text {
		case ")", "]", "}":
			depth++
		case "(", "[", "{":
			if depth == 0 {
				open = k
			} else {
				depth--
			}
		}
		if open >= 0 {
			break
		}
	}
	if open < 0 || t[open].text != "{" {
		return false
	}
	depth = 0
	for k := open + 1; k < len(t); k++ {
		if t[k].kind != tOp {
			continue
		}
		switch t[k].text {
		case "(", "[", "{":
			depth++
		case ")", "]":
			depth--
		case "}":
			if depth == 0 {
				return true
			}
			depth--
		case ":", "**":
			if depth == 0 {
				return false
			}
		}
	}
	return true
}
