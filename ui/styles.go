package ui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/ui/tasks"
)

// palette is the set of colours a user may change in config.toml. Each has a
// light- and a dark-background variant; a colour set in the config is used on
// both.
type palette struct {
	Accent  [2]string // focused border, title, key names
	Dim     [2]string // secondary text
	Warning [2]string // rotation due
	Error   [2]string // errors
	Success [2]string // results
	Select  [2]string // background of the selected row
}

// defaultPalette reads well on dark and light backgrounds: index 0 is for
// light backgrounds, 1 for dark ones.
var defaultPalette = palette{
	Accent:  [2]string{"#5A3FC0", "#A48BFF"},
	Dim:     [2]string{"#6B6B6B", "#8A8A8A"},
	Warning: [2]string{"#A65E00", "#F0A14A"},
	Error:   [2]string{"#B3261E", "#FF6B6B"},
	Success: [2]string{"#1E7B34", "#5FD38A"},
	Select:  [2]string{"#DCD3FF", "#3B3363"},
}

// paletteFrom is the default palette with the colours config.toml sets, each
// used on both backgrounds.
func paletteFrom(c config.Colors) palette {
	p := defaultPalette
	for _, o := range []struct {
		set  string
		slot *[2]string
	}{{c.Accent, &p.Accent}, {c.Dim, &p.Dim}, {c.Warning, &p.Warning}, {c.Error, &p.Error}, {c.Success, &p.Success}, {c.Selected, &p.Select}} {
		if o.set != "" {
			*o.slot = [2]string{o.set, o.set}
		}
	}
	return p
}

// styles holds every style the panes use, under semantic names. Panes never
// hold colour literals.
type styles struct {
	title         lipgloss.Style
	header        lipgloss.Style
	dim           lipgloss.Style
	label         lipgloss.Style
	selected      lipgloss.Style // selected row, focused pane
	selectedBlur  lipgloss.Style // selected row, unfocused pane
	cursorMark    lipgloss.Style
	cursor        lipgloss.Style // the value field's cursor: a reversed cell
	masked        lipgloss.Style
	revealed      lipgloss.Style
	due           lipgloss.Style
	missing       lipgloss.Style
	statusInfo    lipgloss.Style
	statusError   lipgloss.Style
	statusSuccess lipgloss.Style
	fieldError    lipgloss.Style
	confirm       lipgloss.Style
	focusedBorder lipgloss.Style
	blurredBorder lipgloss.Style
	formBox       lipgloss.Style
	help          help.Styles

	// The tasks view's, from the same palette: references by state, the
	// reference under the cursor, warnings and the line-number gutter.
	tasks tasks.Styles
}

// newStyles builds the styles for a background and colour mode. With
// noColor (NO_COLOR set) meaning is carried by bold, reverse and text marks
// only.
func newStyles(isDark, noColor bool, p palette) styles {
	pick := func(c [2]string) color.Color {
		if noColor {
			return lipgloss.NoColor{}
		}
		if isDark {
			return lipgloss.Color(c[1])
		}
		return lipgloss.Color(c[0])
	}
	accent, dim, warn, errc, ok, sel := pick(p.Accent), pick(p.Dim), pick(p.Warning), pick(p.Error), pick(p.Success), pick(p.Select)

	border := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	s := styles{
		title:         lipgloss.NewStyle().Bold(true).Foreground(accent),
		header:        lipgloss.NewStyle(),
		dim:           lipgloss.NewStyle().Foreground(dim),
		label:         lipgloss.NewStyle().Foreground(dim),
		selected:      lipgloss.NewStyle().Bold(true).Background(sel),
		selectedBlur:  lipgloss.NewStyle().Background(sel),
		cursorMark:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		cursor:        lipgloss.NewStyle().Reverse(true),
		masked:        lipgloss.NewStyle().Foreground(dim),
		revealed:      lipgloss.NewStyle().Bold(true).Foreground(warn),
		due:           lipgloss.NewStyle().Bold(true).Foreground(warn),
		missing:       lipgloss.NewStyle().Foreground(errc),
		statusInfo:    lipgloss.NewStyle(),
		statusError:   lipgloss.NewStyle().Bold(true).Foreground(errc),
		statusSuccess: lipgloss.NewStyle().Foreground(ok),
		fieldError:    lipgloss.NewStyle().Foreground(errc),
		confirm:       lipgloss.NewStyle().Bold(true).Foreground(warn),
		focusedBorder: border.BorderForeground(accent),
		blurredBorder: border.BorderForeground(dim),
		formBox:       border.BorderForeground(accent).Padding(0, 2),
	}
	if noColor {
		s.selected = lipgloss.NewStyle().Reverse(true).Bold(true)
		s.selectedBlur = lipgloss.NewStyle().Underline(true)
		s.revealed = lipgloss.NewStyle().Bold(true)
		// Both borders would look the same: the focused pane's is heavy.
		s.focusedBorder = s.focusedBorder.Border(lipgloss.ThickBorder())
	}
	s.tasks = tasks.Styles{
		Title: s.title, Dim: s.dim, Selected: s.selected, SelectedBlur: s.selectedBlur, CursorMark: s.cursorMark,
		Missing: s.missing, Error: s.statusError,
		Warning: lipgloss.NewStyle().Foreground(warn),
		Gutter:  lipgloss.NewStyle().Foreground(dim),

		RefResolved:  lipgloss.NewStyle().Foreground(ok),
		RefMissing:   lipgloss.NewStyle().Bold(true).Foreground(errc),
		RefOptional:  lipgloss.NewStyle().Italic(true).Foreground(accent),
		RefInert:     lipgloss.NewStyle().Strikethrough(true).Foreground(dim),
		RefDynamic:   lipgloss.NewStyle().Underline(true).Foreground(warn),
		RefHardcoded: lipgloss.NewStyle().Bold(true).Underline(true).Foreground(errc),
		RefUnchecked: lipgloss.NewStyle().Foreground(dim),
		RefCursor:    lipgloss.NewStyle().Reverse(true),
	}
	h := help.DefaultStyles(isDark)
	h.ShortKey = lipgloss.NewStyle().Foreground(accent)
	h.FullKey = h.ShortKey
	h.ShortDesc = lipgloss.NewStyle().Foreground(dim)
	h.FullDesc = lipgloss.NewStyle()
	h.ShortSeparator = lipgloss.NewStyle().Foreground(dim)
	h.FullSeparator = h.ShortSeparator
	h.Ellipsis = h.ShortSeparator
	if noColor {
		h = help.Styles{
			ShortKey: lipgloss.NewStyle().Bold(true), FullKey: lipgloss.NewStyle().Bold(true),
			ShortDesc: lipgloss.NewStyle(), FullDesc: lipgloss.NewStyle(),
			ShortSeparator: lipgloss.NewStyle(), FullSeparator: lipgloss.NewStyle(),
			Ellipsis: lipgloss.NewStyle(),
		}
	}
	s.help = h
	return s
}
