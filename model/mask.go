package model

import "unicode/utf8"

// maskBullets is the fixed prefix of every mask. It never varies with the
// value, so a mask reveals nothing about the value's length.
const maskBullets = "••••••••"

// maskTailMin is the shortest value (in characters) whose last four
// characters may be shown; shorter values would give away too large a share.
const maskTailMin = 16

// Mask returns the one masked form of a secret value used everywhere in
// keyward: eight bullets, followed by the last four characters when the value
// is at least 16 characters long. An empty value masks to the bullets alone.
func Mask(value string) string {
	n := utf8.RuneCountInString(value)
	if n < maskTailMin {
		return maskBullets
	}
	// Walk back four runes from the end.
	i := len(value)
	for k := 0; k < 4; k++ {
		_, size := utf8.DecodeLastRuneInString(value[:i])
		i -= size
	}
	return maskBullets + Printable(value[i:])
}
