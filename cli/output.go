package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/model"
)

// secretJSON is a record as list --json and get --json print it. The field
// names are a contract with users' scripts.
type secretJSON struct {
	// Backend is where the value lives: "keyring", "file" or "demo" (the
	// in-memory store of --demo).
	Backend     string            `json:"backend"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Metadata    map[string]string `json:"metadata"`     // {} when none
	CreatedAt   string            `json:"created_at"`   // RFC 3339, UTC
	UpdatedAt   string            `json:"updated_at"`   // RFC 3339, UTC
	RotatedAt   *string           `json:"rotated_at"`   // null until the first rotation
	Version     int               `json:"version"`      //
	RotateEvery *string           `json:"rotate_every"` // "90d"; null without a policy
	Due         bool              `json:"due"`
	// NoLocalValue: pulled from a Julep account, never given a value here.
	NoLocalValue bool `json:"no_local_value"`
	// Julep is what was last pushed to each Julep account; [] when none.
	Julep []syncJSON `json:"julep"`
	// Generated is how the current value was generated; null when it was
	// entered by hand.
	Generated *generatedJSON `json:"generated"`
}

// generatedJSON is a model.GenSpec as get and list --json print it.
type generatedJSON struct {
	Length  int  `json:"length"`
	Symbols bool `json:"symbols"`
}

// syncJSON is one model.SyncState as get and list --json print it.
type syncJSON struct {
	Target        string `json:"target"`
	RemoteID      string `json:"remote_id,omitempty"`
	PushedVersion int    `json:"pushed_version"`
	PushedAt      string `json:"pushed_at"`
	Pending       bool   `json:"pending"`
}

// getJSON adds what get knows beyond the record. Value is present only with
// --reveal.
type getJSON struct {
	secretJSON
	MaskedValue string  `json:"masked_value"`
	HasPrevious bool    `json:"has_previous"`
	Value       *string `json:"value,omitempty"`
}

func jsonTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// toJSON is the one place a record becomes JSON, for every command's
// --json; backend is the app's (a.backend).
func toJSON(s *model.Secret, now time.Time, backend string) secretJSON {
	out := secretJSON{
		Backend:     backend,
		Name:        s.Name,
		Description: s.Description,
		Metadata:    s.Metadata,
		CreatedAt:   jsonTime(s.CreatedAt),
		UpdatedAt:   jsonTime(s.UpdatedAt),
		Version:     s.Version,
		Due:         s.Due(now),
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	out.NoLocalValue = s.NoValue
	out.Julep = make([]syncJSON, len(s.Sync))
	for i, st := range s.Sync {
		out.Julep[i] = syncJSON{Target: st.Target, RemoteID: st.RemoteID, PushedVersion: st.Version,
			PushedAt: jsonTime(st.PushedAt), Pending: julep.IsPending(st)}
	}
	if !s.RotatedAt.IsZero() {
		t := jsonTime(s.RotatedAt)
		out.RotatedAt = &t
	}
	if s.RotateEvery > 0 {
		d := s.RotateEvery.String()
		out.RotateEvery = &d
	}
	if g := s.Generated; g != nil {
		out.Generated = &generatedJSON{Length: g.Length, Symbols: g.Symbols}
	}
	return out
}

// recordJSON is what a command that changed one secret prints with --json:
// the record as the change left it (for delete, as it was), in list's
// shape. It never holds a value.
func (a *app) recordJSON(s *model.Secret) error {
	a.demoNote()
	return writeJSON(a.stdout, toJSON(s, a.now(), a.backend))
}

// recordsJSON is recordJSON for commands that change several secrets
// (import, julep push and pull): an array, [] when nothing changed.
func (a *app) recordsJSON(list []model.Secret) error {
	a.demoNote()
	now := a.now()
	out := make([]secretJSON, len(list))
	for i := range list {
		out[i] = toJSON(&list[i], now, a.backend)
	}
	return writeJSON(a.stdout, out)
}

func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeInvisible(buf.Bytes()))
	return err
}

// escapeInvisible writes every model.Invisible character of encoded JSON as
// a \u escape: the text decodes to exactly what is stored, but no C1
// control, bidi override or zero-width character reaches a terminal raw
// (issue 11, item 10). Those characters can only be inside strings, where
// the escape is valid JSON.
func escapeInvisible(b []byte) []byte {
	if !bytes.ContainsFunc(b, model.Invisible) {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case !model.Invisible(r):
			out = append(out, b[:size]...)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		b = b[size:]
	}
	return out
}

// Column widths past which table cells are cut with an ellipsis.
const (
	maxDescWidth = 40
	maxMetaWidth = 40
)

// writeTable prints the list table: name, description, metadata, age, due.
// It aligns columns itself (two passes over the cells) rather than through
// text/tabwriter, which is several times slower on 100,000 rows.
func writeTable(w io.Writer, list []model.Secret, now time.Time) error {
	rows := make([][]string, 0, len(list)+1)
	rows = append(rows, []string{"NAME", "DESCRIPTION", "METADATA", "AGE", "DUE"})
	for i := range list {
		s := &list[i]
		rows = append(rows, []string{
			model.Printable(s.Name),
			cell(firstLine(s.Description), maxDescWidth),
			cell(formatMetadata(s.Metadata), maxMetaWidth),
			model.HumanAge(s.Age(now)),
			dueCell(s, now),
		})
	}
	return writeAligned(w, "", rows)
}

// writeAligned prints rows as columns two spaces apart, each line after
// indent, the last column unpadded (no trailing blanks). It is the one table
// writer of the command line; it aligns by runes itself rather than through
// text/tabwriter, which is several times slower on 100,000 rows. Cells must
// already be printable.
func writeAligned(w io.Writer, indent string, rows [][]string) error {
	var width []int
	for _, r := range rows {
		for c := range max(len(r)-1, 0) {
			if c >= len(width) {
				width = append(width, 0)
			}
			width[c] = max(width[c], utf8.RuneCountInString(r[c]))
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, r := range rows {
		line := indent
		for c, cell := range r {
			line += cell
			if c < len(r)-1 {
				line += strings.Repeat(" ", width[c]-utf8.RuneCountInString(cell)+2)
			}
		}
		bw.WriteString(strings.TrimRight(line, " "))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// dueCell says "yes" when a rotation is due, "in 12d" when one will be, "-"
// without a policy, and "no local value" for a record pulled from Julep
// (rotate sets its first value, so that is what is due).
func dueCell(s *model.Secret, now time.Time) string {
	if s.NoValue {
		return "no local value"
	}
	next, ok := s.NextDue()
	switch {
	case !ok:
		return "-"
	case s.Due(now):
		return "yes"
	}
	return "in " + model.HumanAge(next.Sub(now))
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// cell makes s safe for one table cell: printable (so no tabs or
// newlines), at most width characters.
func cell(s string, width int) string {
	s = model.Printable(s)
	if s == "" {
		return "-"
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// writeRecord prints one secret for get. shown is the masked (or, with
// --reveal, the escaped plaintext) value.
func writeRecord(w io.Writer, s *model.Secret, now time.Time, hasPrev bool, shown string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	when := func(t time.Time) string {
		return jsonTime(t) + " (" + model.HumanAge(now.Sub(t)) + " ago)"
	}
	fmt.Fprintf(tw, "name:\t%s\n", model.Printable(s.Name))
	fmt.Fprintf(tw, "description:\t%s\n", orDash(model.Printable(s.Description)))
	fmt.Fprintf(tw, "metadata:\t%s\n", orDash(formatMetadata(s.Metadata)))
	fmt.Fprintf(tw, "version:\t%d\n", s.Version)
	fmt.Fprintf(tw, "created:\t%s\n", when(s.CreatedAt))
	fmt.Fprintf(tw, "updated:\t%s\n", when(s.UpdatedAt))
	rotated := "never"
	if !s.RotatedAt.IsZero() {
		rotated = when(s.RotatedAt)
	}
	fmt.Fprintf(tw, "rotated:\t%s\n", rotated)
	policy := "none"
	if next, ok := s.NextDue(); ok {
		if s.Due(now) {
			policy = fmt.Sprintf("%s (due for %s)", s.RotateEvery, model.HumanAge(now.Sub(next)))
		} else {
			policy = fmt.Sprintf("%s (due in %s)", s.RotateEvery, model.HumanAge(next.Sub(now)))
		}
	}
	fmt.Fprintf(tw, "rotate every:\t%s\n", policy)
	prev := "none"
	if hasPrev {
		prev = "kept for rollback"
	}
	fmt.Fprintf(tw, "previous value:\t%s\n", prev)
	fmt.Fprintf(tw, "value:\t%s\n", shown)
	for _, st := range s.Sync {
		state := fmt.Sprintf("version %d pushed %s", st.Version, when(st.PushedAt))
		if julep.IsPending(st) {
			state = fmt.Sprintf("a push of version %d started %s never heard back; run 'keyward julep push'", st.Version, when(st.PushedAt))
		}
		fmt.Fprintf(tw, "julep:\t%s: %s\n", model.Printable(st.Target), state)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
