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
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}
