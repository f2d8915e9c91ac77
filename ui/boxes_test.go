package ui

import (
	"math/rand/v2"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/keyward/keyward/ui/internal/cells"
)

// lipglossBox is box as it was before drawBox: every row fitted, then
// lipgloss's border. drawBox must write the same bytes.
func lipglossBox(style lipgloss.Style, content string, w, h int) string {
	fw, fh := style.GetFrameSize()
	iw, ih := max(1, w-fw), max(1, h-fh)
	lines := strings.Split(content, "\n")
	if len(lines) > ih {
		lines = lines[:ih]
	}
	for i, l := range lines {
		lines[i] = cells.Fit(l, iw)
	}
	for len(lines) < ih {
		lines = append(lines, strings.Repeat(" ", iw))
	}
	return style.Render(strings.Join(lines, "\n"))
}

// TestBoxMatchesLipgloss draws random panes (plain, styled, wide and
// combining characters, tabs, carriage returns, rows too long and too
// short, tiny sizes) in every border style of every palette, and joins
// them both ways, through drawBox and joinPanes and through lipgloss: the
// bytes must be the same.
func TestBoxMatchesLipgloss(t *testing.T) {
	words := []string{"STRIPE_KEY_000123", "prod", "credential number 7", "日本語", "e\u0301", "👍🏽", "\t", "\r", "",
		lipgloss.NewStyle().Bold(true).Render("bold"), lipgloss.NewStyle().Foreground(lipgloss.Color("#ff0000")).Render("red text"),
		"\x1b[7mrev\x1b[m", strings.Repeat("x", 90), " "}
	rng := rand.New(rand.NewPCG(3, 4))
	text := func() string {
		var b strings.Builder
		for range rng.IntN(25) {
			if rng.IntN(6) == 0 {
				b.WriteString("\n")
			}
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteString(" ")
		}
		return b.String()
	}
	var all []lipgloss.Style
	for _, dark := range []bool{true, false} {
		for _, noColor := range []bool{true, false} {
			st := newStyles(dark, noColor, defaultPalette)
			all = append(all, st.focusedBorder, st.blurredBorder, st.formBox)
		}
	}
	// Styles the pieces cannot draw: lipgloss draws them.
	all = append(all, lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(1, 1),
		lipgloss.NewStyle().Border(lipgloss.Border{Left: "|:", Right: "|", Top: "-", Bottom: "-"}).Bold(true),
		lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Underline(true), lipgloss.NewStyle())
	for n := range 3000 {
		st := all[rng.IntN(len(all))]
		w, h := 1+rng.IntN(120), 1+rng.IntN(12)
		content := text()
		got, want := drawBox(st, content, w, h), lipglossBox(st, content, w, h)
		if got.String() != want {
			t.Fatalf("case %d: drawBox(%q, %d, %d) =\n%q\nlipgloss:\n%q", n, content, w, h, got.String(), want)
		}
		if box(st, content, w, h) != want {
			t.Fatalf("case %d: box differs from lipgloss", n)
		}
		w2, h2 := 1+rng.IntN(120), 1+rng.IntN(12)
		if rng.IntN(2) == 0 {
			w2 = w
		}
		if rng.IntN(2) == 0 {
			h2 = h
		}
		content2 := text()
		d := drawBox(all[rng.IntN(len(all))], content2, w2, h2)
		dWant := d.String()
		for _, side := range []bool{true, false} {
			want := lipgloss.JoinVertical(lipgloss.Left, want, dWant)
			if side {
				want = lipgloss.JoinHorizontal(lipgloss.Top, got.String(), dWant)
			}
			if j := joinPanes(side, got, d); j != want {
				t.Fatalf("case %d: joinPanes(%t) of %d×%d and %d×%d =\n%q\nlipgloss:\n%q", n, side, w, h, w2, h2, j, want)
			}
		}
	}
}

// TestBorderPiecesFound checks that the panes' own styles take the fast
// path at the sizes that matter, so the test above compares it.
func TestBorderPiecesFound(t *testing.T) {
	for _, noColor := range []bool{true, false} {
		st := newStyles(true, noColor, defaultPalette)
		for _, s := range []lipgloss.Style{st.focusedBorder, st.blurredBorder} {
			for _, iw := range []int{1, 76, 196} {
				if _, ok := borderPieces(s, iw); !ok {
					t.Errorf("noColor %t, width %d: no pieces", noColor, iw)
				}
			}
		}
	}
	if p := drawBox(newStyles(true, false, defaultPalette).focusedBorder, "a\nb", 80, 10); p.width != 80 {
		t.Errorf("drawBox at 80 columns: width %d, want 80", p.width)
	}
}
