package model

import "strconv"

// Count writes n and the noun, adding an s unless n is 1: "1 file",
// "3 files". For an irregular plural use Plural.
func Count(n int, noun string) string {
	return strconv.Itoa(n) + " " + Plural(n, noun, noun+"s")
}

// Plural picks one or many by n: Plural(n, "secret is", "secrets are").
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
