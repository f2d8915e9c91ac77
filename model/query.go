package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// QueryError reports a malformed filter query and points at the bad term.
type QueryError struct {
	Query  string // the whole query
	Term   string // the offending term as written
	Column int    // 1-based column of the term in Query
	Msg    string
}

func (e *QueryError) Error() string {
	// A term can be as long as the query: only its start is echoed.
	return fmt.Sprintf("filter: column %d: %s: %s", e.Column, echo(e.Term), e.Msg)
}

type termKind int

const (
	termWord termKind = iota
	termEq
	termNe
	termHas
	termHasNot
	termDue
	termUnused
	termAgeGT
	termAgeLT
)

type term struct {
	kind  termKind
	key   string        // metadata key
	value string        // lower-cased word or metadata value
	age   time.Duration // for age terms
}

// Query is a parsed filter. Every term must match. The zero Query matches
// everything.
type Query struct {
	raw   string
	terms []term
}

// Env is what matching needs beyond the secret itself: the current time and,
// for is:unused, which secret names some task references.
type Env struct {
	Now  time.Time
	Used func(name string) bool
}

// ParseQuery parses the filter query language:
//
//	word            case-insensitive substring of the name or the description
//	key=value       metadata key (exact) has this value (case-insensitive)
//	key!=value      the key is missing or has another value
//	key=* key!=*    the key is present / absent
//	is:due          the rotation policy says the secret is due
//	is:unused       no task in the tasks directory references the secret
//	age>90d age<7d  time since the last rotation (or creation); units h d w
//
// Terms are separated by spaces; values with spaces are double-quoted, as in
// owner="payments team". A malformed query returns a *QueryError.
func ParseQuery(s string) (Query, error) {
	q := Query{raw: s}
	toks, err := splitTerms(s)
	if err != nil {
		return Query{}, err
	}
	for _, tk := range toks {
		t, msg := parseTerm(tk)
		if msg != "" {
			return Query{}, &QueryError{Query: s, Term: tk.raw, Column: tk.col, Msg: msg}
		}
		q.terms = append(q.terms, t)
	}
	return q, nil
}

// MustParseQuery is ParseQuery for queries known to be valid, such as
// constants in tests. It panics on a malformed query.
func MustParseQuery(s string) Query {
	q, err := ParseQuery(s)
	if err != nil {
		panic(err)
	}
	return q
}

// String returns the query as the user wrote it.
func (q Query) String() string { return q.raw }

// Empty reports whether q has no terms and so matches everything.
func (q Query) Empty() bool { return len(q.terms) == 0 }

// NeedsUsage reports whether q uses is:unused, which needs Env.Used.
func (q Query) NeedsUsage() bool {
	for _, t := range q.terms {
		if t.kind == termUnused {
			return true
		}
	}
	return false
}

// Refines reports whether every secret matching q also matches prev, so a
// caller may filter prev's results instead of the whole set. It holds when q
// keeps prev's terms, possibly lengthening its words, and adds more.
func (q Query) Refines(prev Query) bool {
	if len(q.terms) < len(prev.terms) {
		return false
	}
	for i, pt := range prev.terms {
		qt := q.terms[i]
		if qt == pt {
			continue
		}
		if qt.kind == termWord && pt.kind == termWord && strings.Contains(qt.value, pt.value) {
			continue
		}
		return false
	}
	return true
}

// Haystack returns the lower-cased text that word terms search. Callers that
// filter the same secrets many times precompute it and use MatchHaystack.
func Haystack(s *Secret) string {
	return strings.ToLower(s.Name) + "\x00" + strings.ToLower(s.Description)
}

// Match reports whether s matches every term of q.
func (q Query) Match(s *Secret, env Env) bool {
	if len(q.terms) == 0 {
		return true
	}
	for i := range q.terms {
		// Word terms search the name and the description in place: a
		// lower-cased copy of both per secret was a tenth of a filtered
		// list. The haystack is built only for text that is not ASCII.
		if t := &q.terms[i]; t.kind == termWord && !containsLower(s.Name, s.Description, t.value) {
			return false
		}
	}
	return q.matchRest(s, env)
}

// containsLower reports whether Haystack(name, desc) contains word, a
// lower-cased term, without building the haystack when both are ASCII.
func containsLower(name, desc, word string) bool {
	if !isASCII(name) || !isASCII(desc) || strings.IndexByte(word, 0) >= 0 {
		return strings.Contains(strings.ToLower(name)+"\x00"+strings.ToLower(desc), word)
	}
	return indexASCIIFold(name, word) || indexASCIIFold(desc, word)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// indexASCIIFold reports whether the ASCII text s, lower-cased, contains
// word. It compares only where s holds word's first byte in either case,
// found with strings.IndexByte (most records do not match a word at all).
func indexASCIIFold(s, word string) bool {
	n := len(word)
	if n == 0 {
		return true
	}
	if n > len(s) {
		return false
	}
	c := word[0]
	if 'A' <= c && c <= 'Z' {
		return false // lowerASCII never gives an upper-case letter
	}
	upper := c // c's other case, or c itself
	if 'a' <= c && c <= 'z' {
		upper = c - 'a' + 'A'
	}
	starts := s[:len(s)-n+1] // where a match can begin
	// nextC and nextU are the next positions at or after i holding c and
	// upper (len(starts) when there is none); each is searched for again
	// only once i has passed it, so s is scanned at most twice.
	nextC, nextU := -1, -1
	for i := 0; i < len(starts); i++ {
		if nextC < i {
			nextC = indexFrom(starts, c, i)
		}
		if nextU < i {
			nextU = indexFrom(starts, upper, i)
		}
		i = min(nextC, nextU)
		if i == len(starts) {
			return false
		}
		j := 1
		for j < n && lowerASCII(s[i+j]) == word[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

// indexFrom is the index of c in s at or after i, or len(s).
func indexFrom(s string, c byte, i int) int {
	if k := strings.IndexByte(s[i:], c); k >= 0 {
		return i + k
	}
	return len(s)
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchRest is MatchHaystack for every term but words.
func (q Query) matchRest(s *Secret, env Env) bool {
	for i := range q.terms {
		if q.terms[i].kind == termWord {
			continue
		}
		one := Query{terms: q.terms[i : i+1]}
		if !one.MatchHaystack(s, "", env) {
			return false
		}
	}
	return true
}

// MatchHaystack is Match with a precomputed Haystack(s).
func (q Query) MatchHaystack(s *Secret, hay string, env Env) bool {
	for i := range q.terms {
		t := &q.terms[i]
		switch t.kind {
		case termWord:
			if !strings.Contains(hay, t.value) {
				return false
			}
		case termEq:
			v, ok := s.Metadata[t.key]
			if !ok || !strings.EqualFold(v, t.value) {
				return false
			}
		case termNe:
			if v, ok := s.Metadata[t.key]; ok && strings.EqualFold(v, t.value) {
				return false
			}
		case termHas:
			if _, ok := s.Metadata[t.key]; !ok {
				return false
			}
		case termHasNot:
			if _, ok := s.Metadata[t.key]; ok {
				return false
			}
		case termDue:
			if !s.Due(env.Now) {
				return false
			}
		case termUnused:
			if env.Used == nil || env.Used(s.Name) {
				return false
			}
		case termAgeGT:
			if !(s.Age(env.Now) > t.age) {
				return false
			}
		case termAgeLT:
			if !(s.Age(env.Now) < t.age) {
				return false
			}
		}
	}
	return true
}

type token struct {
	raw string // as written, quotes included
	col int    // 1-based
}

// splitTerms splits on unquoted spaces. Double quotes group, and a backslash
// inside quotes escapes the next character.
func splitTerms(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		start := i
		inQuote := false
		quoteCol := 0
		for i < len(s) {
			c := s[i]
			if inQuote {
				if c == '\\' && i+1 < len(s) {
					i += 2
					continue
				}
				if c == '"' {
					inQuote = false
				}
				i++
				continue
			}
			if c == ' ' || c == '\t' {
				break
			}
			if c == '"' {
				inQuote = true
				quoteCol = i + 1
			}
			i++
		}
		if inQuote {
			return nil, &QueryError{Query: s, Term: s[start:], Column: quoteCol, Msg: "unterminated quote"}
		}
		toks = append(toks, token{raw: s[start:i], col: start + 1})
	}
	return toks, nil
}

// unquote removes double quotes and backslash escapes inside them. quoted
// reports whether any part was quoted, so "*" can mean a literal star.
func unquote(s string) (out string, quoted bool) {
	if !strings.ContainsRune(s, '"') {
		return s, false
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			in = !in
			quoted = true
		case in && c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), quoted
}

func parseTerm(tk token) (term, string) {
	raw := tk.raw
	if rest, ok := strings.CutPrefix(raw, "is:"); ok {
		switch strings.ToLower(rest) {
		case "due":
			return term{kind: termDue}, ""
		case "unused":
			return term{kind: termUnused}, ""
		}
		return term{}, "unknown is: filter; use is:due or is:unused"
	}
	if rest, ok := strings.CutPrefix(raw, "age"); ok && rest != "" && (rest[0] == '>' || rest[0] == '<') {
		kind := termAgeGT
		if rest[0] == '<' {
			kind = termAgeLT
		}
		d, err := ParseDuration(rest[1:])
		if isTooLong(err) {
			return term{}, "age " + overLimit
		}
		if err != nil {
			return term{}, "age needs a duration such as age>90d or age<7d (units h, d, w)"
		}
		return term{kind: kind, age: time.Duration(d)}, ""
	}
	if i := metadataOp(raw); i >= 0 {
		kind := termEq
		keyPart, valPart := raw[:i], raw[i+1:]
		switch {
		case raw[i] == '!': // after a quoted key
			kind, valPart = termNe, raw[i+2:]
		case strings.HasSuffix(keyPart, "!") && !strings.HasPrefix(keyPart, `"`):
			kind, keyPart = termNe, keyPart[:len(keyPart)-1]
		}
		key, _ := unquote(keyPart)
		if key == "" {
			return term{}, "missing metadata key before '='"
		}
		if err := ValidateMetadataKey(key); err != nil {
			return term{}, err.(*ValidationError).Msg
		}
		val, quoted := unquote(valPart)
		if val == "*" && !quoted {
			if kind == termEq {
				return term{kind: termHas, key: key}, ""
			}
			return term{kind: termHasNot, key: key}, ""
		}
		return term{kind: kind, key: key, value: val}, ""
	}
	word, _ := unquote(raw)
	if word == "" {
		return term{}, "empty search word"
	}
	return term{kind: termWord, value: strings.ToLower(word)}, ""
}

// metadataOp returns the index of the '=' (or of the '!' of "!=") that makes
// raw a metadata term, or -1 when raw is a word. A key may be quoted, as
// FormatTerm writes a key with a space: "team lead"=ana. A term that starts
// with a quote and has no operator right after the closing quote is a word,
// so "a=b" still searches for a=b.
func metadataOp(raw string) int {
	if !strings.HasPrefix(raw, `"`) {
		return strings.IndexByte(raw, '=')
	}
	for i := 1; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			rest := raw[i+1:]
			switch {
			case strings.HasPrefix(rest, "="):
				return i + 1
			case strings.HasPrefix(rest, "!="):
				return i + 1
			}
			return -1
		}
	}
	return -1
}

// FormatTerm writes the filter term that matches exactly the secrets whose
// metadata key holds value: the one inverse of ParseQuery's key=value, used
// wherever keyward shows metadata as filter text or builds a filter from a
// pair. A key or value is quoted when it needs it: a space, a quote, a
// backslash, an empty or lone-star value ("*" would match any value), a key
// ending in '!' (it would read as !=) or one that reads as is: or age<.
func FormatTerm(key, value string) string {
	var b strings.Builder
	b.Grow(len(key) + len(value) + 5)
	writeTerm(&b, key, value)
	return b.String()
}

// FormatMetadata writes metadata as sorted FormatTerm terms separated by
// spaces: filter text that matches the record it came from. Every row of
// `secrets list` and the TUI's list calls it, so it builds the text in one
// buffer, with no string per term.
func FormatMetadata(md map[string]string) string {
	if len(md) == 0 {
		return ""
	}
	var small [8]string
	keys := small[:0]
	size := 0
	for k, v := range md {
		keys = append(keys, k)
		size += len(k) + len(v) + 2
	}
	slices.Sort(keys) // byte order, as SortedKeys
	var b strings.Builder
	b.Grow(size)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeTerm(&b, k, md[k])
	}
	return b.String()
}

// writeTerm writes FormatTerm(key, value) to b.
func writeTerm(b *strings.Builder, key, value string) {
	if keyNeedsQuotes(key) {
		writeQuoted(b, key)
	} else {
		b.WriteString(key)
	}
	b.WriteByte('=')
	if valueNeedsQuotes(value) {
		writeQuoted(b, value)
	} else {
		b.WriteString(value)
	}
}

func keyNeedsQuotes(k string) bool {
	lower := strings.ToLower(k)
	return strings.ContainsAny(k, " \t\"\\") || strings.HasSuffix(k, "!") || strings.HasPrefix(lower, "is:") ||
		strings.HasPrefix(lower, "age>") || strings.HasPrefix(lower, "age<")
}

func valueNeedsQuotes(v string) bool {
	return v == "" || v == "*" || strings.ContainsAny(v, " \t\"\\")
}

func quoteKey(k string) string {
	if keyNeedsQuotes(k) {
		return quote(k)
	}
	return k
}

func quoteValue(v string) string {
	if valueNeedsQuotes(v) {
		return quote(v)
	}
	return v
}

func quote(s string) string {
	var b strings.Builder
	writeQuoted(&b, s)
	return b.String()
}

// writeQuoted writes s to b between double quotes, with a backslash before
// every quote and backslash in it.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}
