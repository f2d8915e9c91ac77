package tasks

import "charm.land/lipgloss/v2"

// Styles are the view's styles under semantic names. The root fills them
// from its palette (ui/styles.go), the one place colours are chosen; the
// zero value draws plain text.
type Styles struct {
	Title        lipgloss.Style // a file's path, a reference's name
	Dim          lipgloss.Style // secondary text
	Selected     lipgloss.Style // the selected file, list focused
	SelectedBlur lipgloss.Style // the selected file, list not focused
	CursorMark   lipgloss.Style // the preview's › marks
	Missing      lipgloss.Style // missing counts, a file that cannot be read
	Error        lipgloss.Style // the tasks folder cannot be read
	Warning      lipgloss.Style // warnings under their lines
	Gutter       lipgloss.Style // line numbers

	// References by state, and the one under the cursor (added over its
	// state's style).
	RefResolved  lipgloss.Style
	RefMissing   lipgloss.Style
	RefOptional  lipgloss.Style
	RefInert     lipgloss.Style
	RefDynamic   lipgloss.Style
	RefHardcoded lipgloss.Style
	RefUnchecked lipgloss.Style
	RefCursor    lipgloss.Style
}
