package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/ui/internal/cells"

	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// usage is what the detail pane knows of the tasks that use a secret.
type usage struct {
	known bool // every task file has been read
	err   string
	uses  []taskpreview.Use
}

// usage returns the task use of name for the detail pane.
func (a *Model) usage(name string) usage {
	if a.tasks.Unreadable() {
		return usage{err: "tasks folder unreadable"}
	}
	used := a.tasks.UsedBy()
	if used == nil {
		return usage{}
	}
	return usage{known: true, uses: used[name]}
}

// maxUses is how many places the detail pane lists.
const maxUses = 4

// detailPane shows every field of the selected secret. Its cursor walks the
// metadata pairs, so enter can add one to the filter.
type detailPane struct {
	cursor int // index into the sorted metadata keys
	width  int
	height int
}

// valueView is what the detail pane knows about the selected value. It holds
// the plaintext only while the user has asked to see it.
type valueView struct {
	revealed bool
	value    string // set only while revealed
	mask     string // model.Mask of the value once read, else ""
	loading  bool
	err      string
}

// pairs returns the metadata keys in display order.
func (d *detailPane) pairs(s *model.Secret) []string { return model.SortedKeys(s.Metadata) }

func (d *detailPane) move(s *model.Secret, delta int) {
	n := len(s.Metadata)
	d.cursor += delta
	if d.cursor >= n {
		d.cursor = n - 1
	}
	if d.cursor < 0 {
		d.cursor = 0
	}
}

func (d *detailPane) reset() { d.cursor = 0 }

// filterTerm is the key=value filter term for the pair under the cursor,
// quoted when the value needs it.
func (d *detailPane) filterTerm(s *model.Secret) (string, bool) {
	keys := d.pairs(s)
	if d.cursor < 0 || d.cursor >= len(keys) {
		return "", false
	}
	k := keys[d.cursor]
	return model.FormatTerm(k, s.Metadata[k]), true
}

func fmtTime(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04") + " (" + model.HumanAge(now.Sub(t)) + " ago)"
}

// view renders the detail of s. focused marks the metadata cursor.
func (d detailPane) view(st *styles, s *model.Secret, v valueView, u usage, focused bool, now time.Time) string {
	if s == nil {
		return st.dim.Render("No secret selected.")
	}
	w := max(10, d.width)
	labelW := 9
	field := func(label, value string) string {
		return st.label.Render(cells.Fit(label, labelW)) + " " + value
	}
	var lines []string
	// Blank separator lines only where there is room for them.
	sep := func() {
		if d.height >= 14 {
			lines = append(lines, "")
		}
	}
	lines = append(lines, st.title.Render(ansi.Truncate(model.Printable(s.Name), w, "…")))
	if s.Description != "" {
		for _, para := range strings.Split(s.Description, "\n") {
			wrapped := ansi.Wordwrap(model.Printable(para), w, "")
			lines = append(lines, strings.Split(ansi.Hardwrap(wrapped, w, true), "\n")...)
		}
	} else {
		lines = append(lines, st.dim.Render("no description"))
	}
	sep()

	// The value: masked unless the user revealed it.
	valW := w - labelW - 1
	switch {
	case s.NoValue:
		lines = append(lines, field("value", st.missing.Render("none yet")+st.dim.Render("  r sets the first one")))
	case v.revealed:
		shown := model.Printable(v.value)
		wrapped := strings.Split(ansi.Hardwrap(shown, max(1, valW), true), "\n")
		for i, part := range wrapped {
			if i == 0 {
				lines = append(lines, field("value", st.revealed.Render(part)))
			} else {
				lines = append(lines, strings.Repeat(" ", labelW+1)+st.revealed.Render(part))
			}
		}
		lines = append(lines, strings.Repeat(" ", labelW+1)+st.dim.Render("revealed · v hides"))
	case v.loading:
		lines = append(lines, field("value", st.masked.Render("••••••••")+st.dim.Render("  reading the keyring…")))
	default:
		mask := v.mask
		if mask == "" {
			mask = "••••••••"
		}
		line := st.masked.Render(mask) + st.dim.Render("  v reveal · c copy")
		lines = append(lines, field("value", line))
	}
	if v.err != "" {
		lines = append(lines, strings.Repeat(" ", labelW+1)+st.missing.Render(ansi.Truncate(v.err, max(1, valW), "…")))
	}
	if next, ok := s.NextDue(); ok {
		policy := "every " + s.RotateEvery.String()
		lines = append(lines, field("policy", policy))
		if s.Due(now) {
			lines = append(lines, field("next due", st.due.Render(fmt.Sprintf("DUE since %s (%s ago)", next.Local().Format("2006-01-02"), model.HumanAge(now.Sub(next))))))
		} else {
			lines = append(lines, field("next due", fmt.Sprintf("%s (in %s)", next.Local().Format("2006-01-02"), model.HumanAge(next.Sub(now)))))
		}
	} else {
		lines = append(lines, field("policy", st.dim.Render("none")))
	}
	sep()
	keys := d.pairs(s)
	cursorLine := -1
	if len(keys) == 0 {
		lines = append(lines, st.label.Render("metadata")+" "+st.dim.Render("none"))
	} else {
		lines = append(lines, st.label.Render("metadata"))
		for i, k := range keys {
			text := ansi.Truncate(model.Printable(k)+" = "+model.Printable(s.Metadata[k]), max(1, w-2), "…")
			if focused && i == d.cursor {
				cursorLine = len(lines)
				lines = append(lines, st.cursorMark.Render("> ")+st.selected.Render(text))
			} else {
				lines = append(lines, "  "+text)
			}
		}
	}
	sep()
	lines = append(lines, usedByLines(st, u, w, labelW)...)
	sep()
	sync := syncLines(s, now)
	if len(sync) == 0 {
		lines = append(lines, field("julep", st.dim.Render("never pushed")))
	}
	for i, text := range sync {
		label := ""
		if i == 0 {
			label = "julep"
		}
		for j, part := range strings.Split(ansi.Hardwrap(ansi.Wordwrap(text, max(1, valW), ""), max(1, valW), true), "\n") {
			if j > 0 {
				label = ""
			}
			lines = append(lines, field(label, part))
		}
	}
	lines = append(lines, field("version", strconv.Itoa(s.Version)))
	lines = append(lines, field("created", fmtTime(s.CreatedAt, now)))
	lines = append(lines, field("updated", fmtTime(s.UpdatedAt, now)))
	lines = append(lines, field("rotated", fmtTime(s.RotatedAt, now)))
	// Scroll just enough to keep the cursor visible; View keeps no state.
	h := max(1, d.height)
	offset := 0
	if cursorLine >= h {
		offset = cursorLine - h + 1
	}
	end := min(len(lines), offset+h)
	return strings.Join(lines[offset:end], "\n")
}

// usedByLines lists the task files and paths that reference the secret:
// "file  path (line:col)", a few, then how many more.
func usedByLines(st *styles, u usage, w, labelW int) []string {
	label := st.label.Render(cells.Fit("used by", labelW)) + " "
	switch {
	case u.err != "":
		return []string{label + st.dim.Render(u.err)}
	case !u.known:
		return []string{label + st.dim.Render("reading the task files…")}
	case len(u.uses) == 0:
		return []string{label + st.dim.Render("no task (is:unused)")}
	}
	files := map[string]bool{}
	for _, use := range u.uses {
		files[use.File] = true
	}
	out := []string{label + model.Count(len(files), "task") + st.dim.Render(" · t shows them")}
	for i, use := range u.uses {
		if i == maxUses {
			out = append(out, "  "+st.dim.Render("+"+model.Count(len(u.uses)-maxUses, "more place")))
			break
		}
		text := model.Printable(use.File) + fmt.Sprintf(":%d:%d  ", use.Line, use.Column) + st.dim.Render(model.Printable(use.Path))
		// Indented less than the fields: paths are long.
		out = append(out, "  "+ansi.Truncate(text, max(1, w-2), "…"))
	}
	return out
}
