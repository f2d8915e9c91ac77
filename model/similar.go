package model

import (
	"slices"
	"strings"
)

// SimilarNames returns up to three of names that are close to name, closest
// first: those that differ only in case, then those within an edit distance
// of 2 (ignoring case). name itself is never returned. It is the one rule
// behind every "did you mean" in keyward.
func SimilarNames(names []string, name string) []string {
	type cand struct {
		name string
		dist int
	}
	var cs []cand
	lname := strings.ToLower(name)
	for _, n := range names {
		if n == name {
			continue
		}
		// Store names are ASCII, which ToLower keeps the length of: most
		// names are too long or short to be close, found without a copy.
		if abs(len(n)-len(lname)) > 2 && isASCII(n) {
			continue
		}
		ln := strings.ToLower(n)
		d := 0
		if ln != lname {
			if abs(len(ln)-len(lname)) > 2 {
				continue
			}
			if d = editDistance(ln, lname, 3); d > 2 {
				continue
			}
		}
		cs = append(cs, cand{n, d})
	}
	slices.SortFunc(cs, func(x, y cand) int {
		if x.dist != y.dist {
			return x.dist - y.dist
		}
		return strings.Compare(x.name, y.name)
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// editDistance is the Levenshtein distance of a and b in bytes (secret names
// are ASCII), or limit once it is certain to be at least limit.
func editDistance(a, b string, limit int) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
