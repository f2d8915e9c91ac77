package keyring

import (
	"slices"
	"strings"
)

// locator finds the line and column of the tables and keys that errors in a
// file read by the TOML path are about.
//
// BurntSushi/toml gives exact positions for syntax errors (toml.ParseError),
// but none for a table or key of a file it parsed: its MetaData has key
// order and types, not positions, and the positions it keeps inside (for
// decode errors) are one per dotted key, the last table's winning
// (parse.go, setType keys keyInfo by Key.String()), so it cannot tell where
// the third [[secret]] starts; its "line N (last key secret.version)"
// pointed at the last table's version whichever table was wrong. So the
// locator remains, as small as it can be: it reads each line on its own for
// a header or a "key =", without following values across lines, and only
// trusts what agrees with the decoder: a table's position is reported only
// when there are as many [[secret]] (and [[secret.sync]]) header lines as
// the decoder found tables. A multi-line string holding such a line makes
// the count disagree, and the error is reported without a position rather
// than with a wrong one. It runs only when an error needs a position.
type locator struct {
	text    string
	secrets int   // the [[secret]] tables the decoder found
	syncs   []int // the [[secret.sync]] tables in each, as far as known

	built     bool
	items     []locItem
	secretsOK bool  // the header lines agree with secrets
	syncLines []int // the [[secret.sync]] header lines in each [[secret]]
}

// locItem is a header or a key line.
type locItem struct {
	key         []string // from the top: a header's table, or the table and key
	line, col   int
	entry, sync int // the [[secret]] and [[secret.sync]] it is in; -1 if none
}

func (l *locator) build() {
	l.built = true
	var table []string
	entry, sync, secrets := -1, -1, 0
	for n, text := range strings.Split(l.text, "\n") {
		text = strings.TrimSuffix(text, "\r")
		i := skipWS(text, 0)
		if i == len(text) || text[i] == '#' {
			continue
		}
		it := locItem{line: n + 1, col: i + 1}
		if text[i] == '[' {
			array := strings.HasPrefix(text[i:], "[[")
			start := i + 1
			if array {
				start++
			}
			key, j, ok := lineKey(text, start)
			if !ok || j == len(text) || text[j] != ']' {
				continue
			}
			switch {
			case key[0] != "secret":
				entry, sync = -1, -1 // a top-level table
			case array && len(key) == 1:
				entry, sync = secrets, -1
				secrets++
				l.syncLines = append(l.syncLines, 0)
			case secrets == 0:
				entry, sync = -1, -1
			case array && slices.Equal(key, []string{"secret", "sync"}):
				entry = secrets - 1
				sync = l.syncLines[entry]
				l.syncLines[entry]++
			default:
				entry, sync = secrets-1, -1 // [secret.metadata], say
			}
			table = key
			it.key = key
		} else {
			key, j, ok := lineKey(text, i)
			if !ok || j == len(text) || text[j] != '=' {
				continue
			}
			it.key = append(slices.Clip(table), key...)
		}
		it.entry, it.sync = entry, sync
		l.items = append(l.items, it)
	}
	l.secretsOK = secrets == l.secrets
}

// where returns the line and column of p: of its key, or failing that of
// the table it is in; 0, 0 when not known.
func (l *locator) where(p place) (int, int) {
	if !l.built {
		l.build()
	}
	want := p.key
	bySync := false
	if p.entry >= 0 {
		if !l.secretsOK {
			return 0, 0
		}
		want = append([]string{"secret"}, p.key...)
		if p.sync >= 0 {
			want = slices.Insert(want, 1, "sync")
			bySync = p.entry < len(l.syncs) && l.syncs[p.entry] == l.syncLines[p.entry]
		}
	}
	// The item whose key shares the longest start with want, without
	// going elsewhere: for secret.metadata.env, the "env =" line under
	// [secret.metadata], else a "metadata = {...}" line, else the
	// [[secret]] header.
	best, bestLen := -1, 0
	for i, it := range l.items {
		if it.entry != p.entry || bySync && it.sync != p.sync {
			continue
		}
		n := commonPrefix(it.key, want)
		if n < len(it.key) && n < len(want) {
			continue
		}
		if n > bestLen {
			best, bestLen = i, n
		}
	}
	if best < 0 {
		return 0, 0
	}
	return l.items[best].line, l.items[best].col
}

func commonPrefix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// lineKey reads a possibly dotted key at s[i], each part bare, a basic
// string or a literal string, and returns its parts and where it ends.
func lineKey(s string, i int) ([]string, int, bool) {
	var parts []string
	for {
		i = skipWS(s, i)
		if i == len(s) {
			return nil, i, false
		}
		switch s[i] {
		case '"':
			part, j, ok := parseBasicString(s, i)
			if !ok {
				return nil, i, false
			}
			parts, i = append(parts, part), j
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, i, false
			}
			parts, i = append(parts, s[i+1:i+1+j]), i+2+j
		default:
			j := i
			for j < len(s) && isBareKeyByte(s[j]) {
				j++
			}
			if j == i {
				return nil, i, false
			}
			parts, i = append(parts, s[i:j]), j
		}
		i = skipWS(s, i)
		if i < len(s) && s[i] == '.' {
			i++
			continue
		}
		return parts, i, true
	}
}
