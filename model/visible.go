package model

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Invisible reports whether r is a character that a terminal does not show
// as itself, or that changes how the text around it is shown: the C1
// controls (U+0080–U+009F), format characters (bidi controls U+202A–202E
// and U+2066–2069, the marks U+200E/U+200F/U+061C, zero-width characters
// U+200B–200D and U+2060, the soft hyphen U+00AD, U+FEFF, tags, ...), the
// line and paragraph separators U+2028/U+2029, and the blank fillers that
// render as nothing (U+034F, U+115F, U+1160, U+17B4, U+17B5, U+3164,
// U+FFA0). They allow Trojan Source reordering and look-alike text, so
// they are refused in metadata and shown escaped everywhere else
// (Printable, Visible, the CLI's JSON). The C0 controls are not in the set:
// Printable escapes them itself, and Visible leaves styling intact.
func Invisible(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r < 0xa0:
		return false
	case r == 0x2028, r == 0x2029, r == 0x034f, r == 0x115f, r == 0x1160,
		r == 0x17b4, r == 0x17b5, r == 0x3164, r == 0xffa0:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// firstInvisible returns the first Invisible character of s.
func firstInvisible(s string) (rune, bool) {
	for _, r := range s {
		if Invisible(r) {
			return r, true
		}
	}
	return 0, false
}

// runeName writes r as an escape a user can read and look up: \u202e, or
// \U000e0001 past U+FFFF.
func runeName(r rune) string {
	if r > 0xffff {
		return fmt.Sprintf(`\U%08x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// Visible returns s with every Invisible character written as its escape
// (\u202e), and nothing else changed: for text that already carries
// styling escape sequences, such as a rendered input field, where Printable
// would escape the styling too.
func Visible(s string) string {
	if _, ok := firstInvisible(s); !ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if Invisible(r) {
			b.WriteString(runeName(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Clip returns s cut to at most n characters, with "…" in place of what was
// cut, so that a message that echoes input (a filter term, a duration)
// stays short however long the input was.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

// maxEcho is how many characters of an input an error message repeats.
const maxEcho = 60

// echo is input as an error message repeats it: its first maxEcho
// characters, made printable.
func echo(s string) string { return Printable(Clip(s, maxEcho)) }
