package keyring

import (
	"bytes"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keyward/keyward/model"
)

// parseCanonical parses the subset of TOML that encodeIndex writes, line by
// line, about twenty times faster than a general TOML decoder: blank lines,
// comments, "[[secret]]", "[secret.metadata]" and "[[secret.sync]]"
// headers, and "key = value" lines whose key is bare or a basic string and
// whose value is a one-line basic string, a decimal integer, true or false,
// or an offset date-time. Each key must be one keyward knows, with the type
// it expects.
//
// It reports ok=false as soon as the input steps outside that subset (or is
// not valid TOML); the caller then decodes the file with the full TOML
// decoder, which also produces the error messages for malformed files. So
// this parser never rejects a file on its own, and must never accept one
// differently from the full decoder (FuzzParseIndex).
func parseCanonical(data []byte) (raw *rawIndex, ok bool) {
	if !utf8.Valid(data) || bytes.IndexByte(data, '\r') >= 0 {
		return nil, false
	}
	const (
		top = iota
		inSecret
		inMetadata
		inSync
	)
	// Bits for the keys seen in the current table: a key twice is not TOML.
	const (
		seenName = 1 << iota
		seenDescription
		seenCreated
		seenUpdated
		seenRotated
		seenVersion
		seenRotateEvery
		seenNoValue
		seenSwapped
		seenGenLength
		seenGenSymbols
	)
	const (
		seenTarget = 1 << iota
		seenRemoteID
		seenSyncVersion
		seenFingerprint
		seenRemoteUpdated
		seenGeneration
		seenPushed
	)
	// Substrings of s (names, descriptions) share its memory: one copy of
	// the file instead of one allocation per string.
	s := string(data)
	n := strings.Count(s, "[[secret]]")
	raw = &rawIndex{entries: make([]rawEntry, 0, n)}
	pos := &fastPositions{entries: make([]fastEntry, 0, n)}
	raw.where = pos.where
	state := top
	var cur *rawEntry
	var curPos *fastEntry
	var st *model.SyncState
	var seen int
	hasMetadata := false
	line := 0
	for start := 0; start <= len(s); {
		end := strings.IndexByte(s[start:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		text := s[start:end]
		start = end + 1
		line++

		i := skipWS(text, 0)
		if i == len(text) {
			continue
		}
		col := i + 1
		switch text[i] {
		case '#':
			if !validComment(text[i+1:]) {
				return nil, false
			}
			continue
		case '[':
			switch strings.TrimRight(text[i:], " \t") {
			case "[[secret]]":
				raw.entries = append(raw.entries, rawEntry{})
				cur = &raw.entries[len(raw.entries)-1]
				pos.entries = append(pos.entries, fastEntry{header: lineCol{line, col}})
				curPos = &pos.entries[len(pos.entries)-1]
				state, seen, hasMetadata = inSecret, 0, false
				continue
			case "[secret.metadata]":
				if state == top || hasMetadata {
					return nil, false
				}
				cur.sec.Metadata = make(map[string]string, 4)
				state, hasMetadata = inMetadata, true
				continue
			case "[[secret.sync]]":
				if state == top {
					return nil, false
				}
				cur.sec.Sync = append(cur.sec.Sync, model.SyncState{})
				cur.syncVersions = append(cur.syncVersions, 0)
				st = &cur.sec.Sync[len(cur.sec.Sync)-1]
				curPos.sync = append(curPos.sync, lineCol{line, col})
				state, seen = inSync, 0
				continue
			}
			return nil, false
		}

		key, j, ok := parseKey(text, i)
		if !ok {
			return nil, false
		}
		j = skipWS(text, j)
		if j == len(text) || text[j] != '=' {
			return nil, false
		}
		j = skipWS(text, j+1)
		var bit int
		switch state {
		case top:
			if key != "format" || raw.formatSet {
				return nil, false
			}
			raw.format, j, ok = parseInt(text, j)
			raw.formatSet, pos.format = true, lineCol{line, col}
		case inSecret:
			switch key {
			case "name":
				bit = seenName
				cur.sec.Name, j, ok = parseBasicString(text, j)
				curPos.name = lineCol{line, col}
			case "description":
				bit = seenDescription
				cur.sec.Description, j, ok = parseBasicString(text, j)
			case "created_at":
				bit = seenCreated
				cur.sec.CreatedAt, j, ok = parseDateTime(text, j)
			case "updated_at":
				bit = seenUpdated
				cur.sec.UpdatedAt, j, ok = parseDateTime(text, j)
			case "rotated_at":
				bit = seenRotated
				cur.sec.RotatedAt, j, ok = parseDateTime(text, j)
			case "version":
				bit = seenVersion
				cur.version, j, ok = parseInt(text, j)
			case "rotate_every":
				bit = seenRotateEvery
				cur.rotateEvery, j, ok = parseBasicString(text, j)
			case "no_value":
				bit = seenNoValue
				cur.sec.NoValue, j, ok = parseBool(text, j)
			case "slots_swapped":
				bit = seenSwapped
				cur.sec.SlotsSwapped, j, ok = parseBool(text, j)
			case "generate_length":
				bit = seenGenLength
				cur.genLength, j, ok = parseInt(text, j)
				cur.genSet = true
			case "generate_symbols":
				bit = seenGenSymbols
				cur.genSymbols, j, ok = parseBool(text, j)
			default:
				return nil, false
			}
		case inMetadata:
			var v string
			v, j, ok = parseBasicString(text, j)
			if _, dup := cur.sec.Metadata[key]; dup {
				return nil, false
			}
			cur.sec.Metadata[key] = v
		case inSync:
			switch key {
			case "target":
				bit = seenTarget
				st.Target, j, ok = parseBasicString(text, j)
			case "remote_id":
				bit = seenRemoteID
				st.RemoteID, j, ok = parseBasicString(text, j)
			case "version":
				bit = seenSyncVersion
				cur.syncVersions[len(cur.syncVersions)-1], j, ok = parseInt(text, j)
			case "fingerprint":
				bit = seenFingerprint
				st.Fingerprint, j, ok = parseBasicString(text, j)
			case "remote_updated_at":
				bit = seenRemoteUpdated
				st.RemoteUpdatedAt, j, ok = parseDateTime(text, j)
			case "generation":
				bit = seenGeneration
				st.Generation, j, ok = parseInt(text, j)
			case "pushed_at":
				bit = seenPushed
				st.PushedAt, j, ok = parseDateTime(text, j)
			default:
				return nil, false
			}
		}
		if seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		if !ok {
			return nil, false
		}
		j = skipWS(text, j)
		if j < len(text) && (text[j] != '#' || !validComment(text[j+1:])) {
			return nil, false
		}
	}
	return raw, true
}

// fastPositions is where parseCanonical read what check may report on.
type fastPositions struct {
	format  lineCol
	entries []fastEntry
}

type fastEntry struct {
	header, name lineCol
	sync         []lineCol // the [[secret.sync]] headers
}

type lineCol struct{ line, col int }

func (fp *fastPositions) where(p place) (int, int) {
	if p.entry < 0 || p.entry >= len(fp.entries) {
		if len(p.key) == 1 && p.key[0] == "format" {
			return fp.format.line, fp.format.col
		}
		return 0, 0
	}
	e := &fp.entries[p.entry]
	switch {
	case p.sync >= 0 && p.sync < len(e.sync):
		return e.sync[p.sync].line, e.sync[p.sync].col
	case p.sync < 0 && len(p.key) == 1 && p.key[0] == "name" && e.name.line > 0:
		return e.name.line, e.name.col
	}
	return e.header.line, e.header.col
}

func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// validComment reports whether a comment's text is allowed by every TOML
// version: no control characters but tab.
func validComment(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// parseKey reads a bare key or a basic-string key at s[i]. Dotted keys are
// outside the subset: the '.' makes the caller's '=' check fail.
func parseKey(s string, i int) (string, int, bool) {
	if s[i] == '"' {
		return parseBasicString(s, i)
	}
	j := i
	for j < len(s) && isBareKeyByte(s[j]) {
		j++
	}
	return s[i:j], j, j > i
}

// parseBasicString reads a one-line TOML basic string at s[i].
func parseBasicString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return s[i+1 : j], j + 1, true
		case c == '\\':
			return parseEscapedString(s, i)
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", j, false
		}
	}
	return "", len(s), false
}

func parseEscapedString(s string, i int) (string, int, bool) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '"':
			return b.String(), j + 1, true
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", j, false
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		j++
		if j >= len(s) {
			return "", j, false
		}
		switch s[j] {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case '"':
			b.WriteByte('"')
		case '\\':
			b.WriteByte('\\')
		case 'u', 'U':
			n := 4
			if s[j] == 'U' {
				n = 8
			}
			if j+n >= len(s) {
				return "", j, false
			}
			var r rune
			for _, h := range []byte(s[j+1 : j+1+n]) {
				d, ok := hexDigit(h)
				if !ok {
					return "", j, false
				}
				r = r<<4 | rune(d)
			}
			if r < 0 || r > utf8.MaxRune || r >= 0xd800 && r <= 0xdfff { // r < 0: \U80000000 and up overflow a rune
				return "", j, false
			}
			b.WriteRune(r)
			j += n
		default:
			// \e, \xHH (TOML 1.1) and anything invalid: the full decoder
			// decides.
			return "", j, false
		}
	}
	return "", len(s), false
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseBool reads true or false.
func parseBool(s string, i int) (bool, int, bool) {
	switch {
	case strings.HasPrefix(s[i:], "true"):
		return true, i + 4, true
	case strings.HasPrefix(s[i:], "false"):
		return false, i + 5, true
	}
	return false, i, false
}

// parseInt reads a non-negative decimal integer without sign, underscores or
// leading zeros that fits in an int64.
func parseInt(s string, i int) (int64, int, bool) {
	j := i
	var n int64
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		d := int64(s[j] - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, j, false
		}
		n = n*10 + d
		j++
	}
	if j == i || s[i] == '0' && j-i > 1 {
		return 0, j, false
	}
	return n, j, true
}

// parseDateTime reads an offset date-time in the one spelling encodeIndex
// writes (and the common hand-written one): 2006-01-02T15:04:05[.frac](Z|±hh:mm).
func parseDateTime(s string, i int) (time.Time, int, bool) {
	fail := func() (time.Time, int, bool) { return time.Time{}, i, false }
	d := s[i:]
	if len(d) < 20 || d[4] != '-' || d[7] != '-' || d[10] != 'T' || d[13] != ':' || d[16] != ':' {
		return fail()
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for k := a; k < b; k++ {
			if d[k] < '0' || d[k] > '9' {
				return 0, false
			}
			n = n*10 + int(d[k]-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return fail()
	}
	if day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return fail()
	}
	j := 19
	nsec := 0
	if d[j] == '.' {
		k := j + 1
		for k < len(d) && d[k] >= '0' && d[k] <= '9' {
			k++
		}
		digits := k - (j + 1)
		if digits == 0 || digits > 9 {
			return fail()
		}
		nsec, _ = num(j+1, k)
		for range 9 - digits {
			nsec *= 10
		}
		j = k
	}
	if j >= len(d) {
		return fail()
	}
	var offset int
	switch d[j] {
	case 'Z':
		j++
	case '+', '-':
		if len(d) < j+6 || d[j+3] != ':' {
			return fail()
		}
		oh, ok1 := num(j+1, j+3)
		om, ok2 := num(j+4, j+6)
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return fail()
		}
		offset = (oh*60 + om) * 60
		if d[j] == '-' {
			offset = -offset
		}
		j += 6
	default:
		return fail()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if offset != 0 {
		t = t.Add(-time.Duration(offset) * time.Second)
	}
	return t, i + j, true
}
