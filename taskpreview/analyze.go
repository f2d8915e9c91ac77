package taskpreview

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// stringMode is how Julep evaluates a string leaf (JULEP.md §2).
type stringMode uint8

const (
	modeImplicit stringMode = iota // f'''<string>''': single braces interpolate
	modeExpr                       // "$ " prefix: a Python expression
	modeTemplate                   // contains "{{": legacy template, turned into an f-string
	modeLegacy                     // legacy data access such as _.x: "$ " is prepended
)

// hit is one access to the secrets map found in a string. Offsets are
// byte offsets into the string's decoded value.
type hit struct {
	kind       Kind
	name       string
	expr       string // the access for dynamic and whole_map hits
	off, end   int    // the secrets token, and the end of the whole access
	optional   bool
	hasDefault bool   // .get() with a fallback argument
	inSet      bool   // inside a set display: $ {secrets.X}
	hazard     string // why the name cannot be written as an attribute
}

// readsName reports whether h reads (or tests) the secret h.name: not a
// dynamic or whole-map access, which keeps the attribute name of
// secrets.keys only for its warning (JULEP.md §3).
func (h hit) readsName() bool {
	return h.name != "" && h.kind != KindDynamic && h.kind != KindWholeMap
}

// analysis is what one string leaf does with the secrets map.
type analysis struct {
	mode    stringMode
	hits    []hit
	err     *syntaxErr // offsets into the value
	exprOff int        // start of the expression (modeExpr, modeLegacy)
	exprEnd int
	toks    []token // the expression's tokens (modeExpr, modeLegacy)
	parts   []fpart // the f-string parts (modeTemplate, modeImplicit)
}

// pyStripSet reports the characters Python's str.strip() removes.
func pyStripSet(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// analyze applies Julep's string rules to value and finds every access to
// the secrets map in it.
func analyze(value string) *analysis {
	s := strings.TrimLeftFunc(value, pyStripSet)
	off := len(value) - len(s)
	s = strings.TrimRightFunc(s, pyStripSet)
	end := off + len(s)
	a := &analysis{}
	switch {
	case strings.HasPrefix(s, "$ "):
		a.mode = modeExpr
		a.exprOff = off + 1 + (len(s) - 1 - len(strings.TrimLeftFunc(s[1:], pyStripSet)))
		a.exprEnd = end
		a.lexExpr(value)
	case strings.Contains(s, "{{"):
		a.mode = modeTemplate
		a.lexTemplate(value, off, end)
	case isLegacyAccess(s):
		a.mode = modeLegacy
		a.exprOff, a.exprEnd = off, end
		a.lexExpr(value)
	default:
		a.mode = modeImplicit
		lx := &lexer{s: value[:end]}
		parts, _, err := lx.fstringBody(off, "'''", false, true)
		a.setErr(err)
		a.parts = parts
		sc := &scanner{value: value}
		sc.scanParts(parts, KindImplicitFString)
		a.hits = sc.hits
	}
	return a
}

func (a *analysis) setErr(err error) {
	if se, ok := err.(*syntaxErr); ok {
		a.err = se
	}
}

func (a *analysis) lexExpr(value string) {
	lx := &lexer{s: value[:a.exprEnd], pos: a.exprOff}
	for {
		t, ok, err := lx.next()
		if err != nil {
			a.setErr(err)
			break
		}
		if !ok {
			break
		}
		a.toks = append(a.toks, t)
	}
	sc := &scanner{value: value}
	sc.scan(a.toks, "", strings.TrimSpace(value[a.exprOff:a.exprEnd]), true)
	a.hits = sc.hits
}

// lexTemplate handles a legacy template: Julep replaces "{{" with "{" and
// "}}" with "}" and evaluates the result as f”'…”'. Fields opened by a
// former "{{" are template references; fields opened by a single brace
// are implicit f-string references.
func (a *analysis) lexTemplate(value string, off, end int) {
	var t strings.Builder
	var m []int // t index → value index
	var doubled []bool
	for i := off; i < end; {
		if i+1 < end && (value[i] == '{' && value[i+1] == '{' || value[i] == '}' && value[i+1] == '}') {
			t.WriteByte(value[i])
			m = append(m, i)
			doubled = append(doubled, true)
			i += 2
			continue
		}
		t.WriteByte(value[i])
		m = append(m, i)
		doubled = append(doubled, false)
		i++
	}
	m = append(m, end)
	lx := &lexer{s: t.String()}
	parts, _, err := lx.fstringBody(0, "'''", false, true)
	if err != nil {
		se := err.(*syntaxErr)
		a.err = &syntaxErr{m[min(max(se.off, 0), len(m)-1)], se.msg}
	}
	markDoubled(parts, doubled)
	remapParts(parts, m)
	a.parts = parts
	sc := &scanner{value: value}
	sc.scanParts(parts, "")
	a.hits = sc.hits
}

func markDoubled(parts []fpart, doubled []bool) {
	for i := range parts {
		if f := parts[i].field; f != nil && parts[i].start < len(doubled) {
			f.doubled = doubled[parts[i].start]
		}
	}
}

// remapParts moves every offset in parts (and the tokens inside their
// fields) from transformed-text positions to value positions.
func remapParts(parts []fpart, m []int) {
	at := func(i int) int { return m[min(max(i, 0), len(m)-1)] }
	for i := range parts {
		p := &parts[i]
		p.start, p.end = at(p.start), at(p.end)
		if f := p.field; f != nil {
			f.exprStart, f.exprEnd = at(f.exprStart), at(f.exprEnd)
			remapTokens(f.expr, m)
			remapParts(f.spec, m)
		}
	}
}

func remapTokens(toks []token, m []int) {
	at := func(i int) int { return m[min(max(i, 0), len(m)-1)] }
	for i := range toks {
		toks[i].start, toks[i].end = at(toks[i].start), at(toks[i].end)
		remapParts(toks[i].parts, m)
	}
}

// isLegacyAccess is Julep's backwards_compatibility test for strings that
// get "$ " prepended.
func isLegacyAccess(s string) bool {
	return strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") ||
		strings.HasPrefix(s, "_[") && strings.HasSuffix(s, "]") ||
		strings.HasPrefix(s, "_.") ||
		strings.Contains(s, "outputs[") || strings.Contains(s, "inputs[") ||
		s == "_"
}

// namedKinds are the reference forms that name a secret: the look-alikes
// an inert position lists (a dynamic or whole-map access names none).
var namedKinds = map[Kind]bool{KindExprAttr: true, KindExprIndex: true, KindExprGet: true,
	KindPresenceCheck: true, KindFString: true, KindTemplate: true, KindImplicitFString: true, KindDollarSet: true}

// scanInert finds reference-shaped text in a string Julep never evaluates:
// a look-alike of every reference form that names a secret, wherever it
// sits in the string. Such text need not be valid Python (descriptions are
// prose), so three passes each add what the earlier ones did not find, by
// the position of its secrets word:
//
//  1. each "$ " in the text starts an expression that runs to the end of
//     its line, read with the string rules ($ secrets.NAME, $ f'…',
//     $ 'NAME' in secrets and $ {…} in the middle of a description);
//  2. the whole string read as Julep would read it were it evaluated
//     (templates and implicit {…} fields);
//  3. a lenient look at every other word secrets standing on its own:
//     secrets.NAME, secrets['NAME'], secrets.get('NAME') and 'NAME' in
//     secrets, its kind from the braces around it.
//
// Method names (secrets.keys) name no secret and are not listed.
func scanInert(value string) []hit {
	if !strings.Contains(value, "secrets") {
		return nil
	}
	var hits []hit
	found := map[int]bool{}
	add := func(h hit, shift int) {
		h.off, h.end = h.off+shift, h.end+shift
		if namedKinds[h.kind] && h.readsName() && !found[h.off] {
			found[h.off] = true
			hits = append(hits, h)
		}
	}
	for i := 0; ; {
		j := strings.Index(value[i:], "$ ")
		if j < 0 {
			break
		}
		at := i + j
		i = at + 2
		eol := strings.IndexByte(value[at:], '\n')
		if eol < 0 {
			eol = len(value) - at
		}
		expr := value[at : at+proseEnd(value[at:at+eol])]
		if !strings.Contains(expr, "secrets") {
			continue
		}
		for _, h := range analyze(expr).hits {
			add(h, at)
		}
	}
	if a := analyze(value); a.err == nil {
		for _, h := range a.hits {
			add(h, 0)
		}
	}
	for i := 0; ; {
		j := strings.Index(value[i:], "secrets")
		if j < 0 {
			break
		}
		at := i + j
		i = at + len("secrets")
		if found[at] || !standsAlone(value, at, i) {
			continue
		}
		lx := &lexer{s: value, pos: at}
		var toks []token
		for k := 0; k < 6; k++ {
			t, ok, err := lx.next()
			if err != nil || !ok {
				break
			}
			toks = append(toks, t)
		}
		h, ok := lenientAccess(toks)
		if !ok {
			h, ok = presenceBefore(value, at)
		}
		if !ok {
			continue
		}
		if h.kind != KindPresenceCheck {
			h.kind = braceKind(value[:at], h.kind)
		}
		add(h, 0)
	}
	sort.Slice(hits, func(a, b int) bool { return hits[a].off < hits[b].off })
	return hits
}

// proseEnd is where the expression that starts with "$ " in prose ends: at
// the first top-level ',' or ';', a '.' followed by a space, two words in
// a row that Python would not accept (prose resuming), or text that does
// not lex; else at the end of s.
func proseEnd(s string) int {
	lx := &lexer{s: s, pos: 2}
	depth := 0
	var prev token
	for {
		t, ok, err := lx.next()
		if err != nil || !ok {
			if err != nil {
				return min(prev.end, len(s))
			}
			return len(s)
		}
		if t.kind == tOp {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			case ",", ";":
				if depth <= 0 {
					return t.start
				}
			case ".":
				if t.end == len(s) || s[t.end] == ' ' {
					return t.start
				}
			}
		}
		if depth <= 0 && t.kind == tName && prev.kind == tName && !pyKeywords[t.text] && !pyKeywords[prev.text] {
			return prev.end
		}
		prev = t
	}
}

// presenceQuote is a quoted name right before "in secrets" (or "not in").
var presenceQuote = regexp.MustCompile(`(?:'([^'\n]*)'|"([^"\n]*)")\s+(?:not\s+)?in\s+$`)

// presenceBefore reads 'NAME' in secrets ending at the word secrets at off.
func presenceBefore(value string, off int) (hit, bool) {
	m := presenceQuote.FindStringSubmatch(value[:off])
	if m == nil {
		return hit{}, false
	}
	return hit{kind: KindPresenceCheck, name: m[1] + m[2], off: off, end: off + len("secrets"), optional: true}, true
}

func standsAlone(s string, start, end int) bool {
	if start > 0 {
		c := s[start-1]
		if c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			return false
		}
	}
	if end < len(s) {
		c := s[end]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			return false
		}
	}
	return true
}

// lenientAccess reads secrets.NAME, secrets['NAME'] or secrets.get('NAME')
// from the first tokens after the word secrets.
func lenientAccess(t []token) (hit, bool) {
	op := func(i int, s string) bool { return i < len(t) && t[i].kind == tOp && t[i].text == s }
	h := hit{off: t[0].start, end: t[0].end}
	switch {
	case op(1, ".") && len(t) > 2 && t[2].kind == tName && t[2].text == "get" && op(3, "(") && len(t) > 4 && t[4].kind == tString:
		h.kind, h.name, h.end, h.optional = KindExprGet, t[4].str, t[4].end, true
	case op(1, ".") && len(t) > 2 && t[2].kind == tName:
		// In prose "secrets. Then" ends a sentence: an attribute is
		// written without spaces. A map method names no secret.
		if t[1].start != t[0].end || t[2].start != t[1].end || mapMethods[t[2].text] || blockedAttr(t[2].text) {
			return h, false
		}
		h.kind, h.name, h.end = KindExprAttr, t[2].text, t[2].end
	case op(1, "[") && len(t) > 2 && t[2].kind == tString && !t[2].bytes:
		h.kind, h.name, h.end = KindExprIndex, t[2].str, t[2].end
		if op(3, "]") {
			h.end = t[3].end
		}
	default:
		return h, false
	}
	return h, true
}

// braceKind tells, from the text before a lenient hit, whether the hit
// sits inside {{ }} (template) or { } (implicit f-string).
func braceKind(before string, k Kind) Kind {
	var stack []bool // true: opened by "{{"
	for i := 0; i < len(before); i++ {
		switch {
		case strings.HasPrefix(before[i:], "{{"):
			stack = append(stack, true)
			i++
		case before[i] == '{':
			stack = append(stack, false)
		case strings.HasPrefix(before[i:], "}}") && len(stack) > 0 && stack[len(stack)-1]:
			stack = stack[:len(stack)-1]
			i++
		case before[i] == '}' && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) == 0 {
		return k
	}
	if stack[len(stack)-1] {
		return KindTemplate
	}
	return KindImplicitFString
}
