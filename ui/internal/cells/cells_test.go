package cells

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestFit(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"abc", 5, "abc  "}, {"abcdef", 4, "abc…"}, {"abc", 3, "abc"}, {"abc", 0, ""},
		{"日本語", 4, "日…"}, {"日本", 5, "日本 "},
	} {
		if got := Fit(c.in, c.w); got != c.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
		if got, w := FitWidth(c.in, c.w); got != c.want || w != ansi.StringWidth(c.want) {
			t.Errorf("FitWidth(%q, %d) = %q, %d, want %q, %d", c.in, c.w, got, w, c.want, ansi.StringWidth(c.want))
		}
	}
}
