// Package cells fits text to terminal cells: the one rule for the root UI
// and its components (a cell is a column on screen, not a byte or a rune).
package cells

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit truncates s to w cells (with an ellipsis) or pads it with spaces to
// exactly w cells; "" when w ≤ 0.
func Fit(s string, w int) string {
	s, _ = FitWidth(s, w)
	return s
}

// FitWidth is Fit and the width of what it returns: w, or less when a wide
// character does not fit before the ellipsis.
func FitWidth(s string, w int) (string, int) {
	if w <= 0 {
		return "", 0
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		return s, ansi.StringWidth(s)
	}
	return s + strings.Repeat(" ", w-sw), w
}
