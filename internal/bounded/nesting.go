package bounded

import (
	"bytes"
	"fmt"
)

// MaxNesting is how deeply keyward lets TOML and YAML files nest: tables
// and arrays inside each other, YAML block collections and flow brackets.
// keyward's own files nest 3 deep, Julep tasks rarely 20; the parsers'
// memory grows with the square of the depth (80 KB of nested YAML
// brackets took 3.4 GB), so the pre-scans stop a file at this depth before
// a parser sees it.
const MaxNesting = 64

// TooDeepError is a file nested deeper than the limit.
type TooDeepError struct {
	Line  int // where the limit was passed, 1-based
	Limit int
}

func (e *TooDeepError) Error() string {
	return fmt.Sprintf("nested too deep (limit %d) at line %d", e.Limit, e.Line)
}

// TOML returns a *TooDeepError when data nests arrays and inline tables
// (and table headers' brackets) more than limit deep, and nil otherwise.
// It reads the bytes once, in constant memory, skipping strings and
// comments; it does not check that data is TOML.
func TOML(data []byte, limit int) error {
	if d, line := tomlDepth(data, limit); d > limit {
		return &TooDeepError{Line: line, Limit: limit}
	}
	return nil
}

// tomlDepth is the deepest bracket nesting of data, and its line; it stops
// at the first point deeper than stop.
func tomlDepth(data []byte, stop int) (maxDepth, at int) {
	depth, line := 0, 1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			i, line = skipTOMLString(data, i, line)
		case '[', '{':
			depth++
			if depth > maxDepth {
				maxDepth, at = depth, line
				if depth > stop {
					return maxDepth, at
				}
			}
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return maxDepth, at
}

// skipTOMLString returns the index of the last byte of the string that
// opens at data[i] (a quote), counting the lines it spans.
func skipTOMLString(data []byte, i, line int) (int, int) {
	q := data[i]
	multi := bytes.HasPrefix(data[i:], []byte{q, q, q})
	if multi {
		i += 2
	}
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '\\' && q == '"':
			i++
			if i < len(data) && data[i] == '\n' {
				line++
			}
		case c == '\n':
			line++
			if !multi {
				return i - 1, line - 1 // the newline is read again by the caller
			}
		case c == q && !multi:
			return i, line
		case c == q && bytes.HasPrefix(data[i:], []byte{q, q, q}):
			// Up to two more quotes may belong to the string (""""" ends
			// a string holding two quotes).
			i += 2
			for k := 0; k < 2 && i+1 < len(data) && data[i+1] == q; k++ {
				i++
			}
			return i, line
		}
	}
	return i, line
}
