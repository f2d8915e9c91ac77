package model

import "unicode/utf8"

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
