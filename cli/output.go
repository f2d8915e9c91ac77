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
	return writeJSONList(a.stdout, list, a.now(), a.backend)
}

// writeJSON prints v as every --json does: indented by two spaces, no HTML
// escaping, model.Invisible characters escaped (escapeInvisible), and a
// final newline.
func writeJSON(w io.Writer, v any) error {
	j := newJSONWriter(w, "")
	if err := j.value(v); err != nil {
		return err
	}
	j.bw.WriteByte('\n')
	return j.bw.Flush()
}

// writeJSONList prints list as an array of toJSON records: the bytes of
// writeJSON of the whole array, but encoded one record at a time through
// one buffered writer, so a list of 100,000 is never held as one document
// (once encoded, once indented, once escaped). Every list-shaped --json
// goes through it (list, recordsJSON).
func writeJSONList(w io.Writer, list []model.Secret, now time.Time, backend string) error {
	j := newJSONWriter(w, "  ")
	if len(list) == 0 {
		j.bw.WriteString("[]\n")
		return j.bw.Flush()
	}
	j.bw.WriteString("[\n  ")
	for i := range list {
		if i > 0 {
			j.bw.WriteString(",\n  ")
		}
		if err := j.value(toJSON(&list[i], now, backend)); err != nil {
			return err
		}
	}
	j.bw.WriteString("\n]\n")
	return j.bw.Flush()
}

// jsonWriter encodes values one after another into one buffered writer,
// reusing its buffers.
type jsonWriter struct {
	bw  *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

// newJSONWriter returns a jsonWriter whose values are indented by two
// spaces after prefix on every line but their first: "" for a value of its
// own, "  " for an element of a top-level array.
func newJSONWriter(w io.Writer, prefix string) *jsonWriter {
	j := &jsonWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	j.enc.SetIndent(prefix, "  ")
	return j
}

// value writes v, escaped, without the newline the encoder ends it with.
// Write errors surface at Flush.
func (j *jsonWriter) value(v any) error {
	j.buf.Reset()
	if err := j.enc.Encode(v); err != nil {
		return err
	}
	escapeInvisible(j.bw, bytes.TrimSuffix(j.buf.Bytes(), []byte{'\n'}))
	return nil
}

// escapeInvisible writes encoded JSON b to w with every model.Invisible
// character as a \u escape: the text decodes to exactly what is stored, but
// no C1 control, bidi override or zero-width character reaches a terminal
// raw (issue 11, item 10). Those characters can only be inside strings,
// where the escape is valid JSON. ASCII is never Invisible, so only the
// runes past it are decoded.
func escapeInvisible(w *bufio.Writer, b []byte) {
	start := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if !model.Invisible(r) {
			i += size
			continue
		}
		w.Write(b[start:i])
		var esc [12]byte
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			w.Write(appendU4(appendU4(esc[:0], r1), r2))
		} else {
			w.Write(appendU4(esc[:0], r))
		}
		i += size
		start = i
	}
	w.Write(b[start:])
}

// appendU4 appends r (at most U+FFFF) as \u and four lower-case hex digits.
func appendU4(b []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
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
	const cols = 5
	cells := make([]string, 0, cols*(len(list)+1)) // one allocation for all rows
	rows := make([][]string, 0, len(list)+1)
	add := func(row ...string) {
		cells = append(cells, row...)
		rows = append(rows, cells[len(cells)-cols:len(cells):len(cells)])
	}
	add("NAME", "DESCRIPTION", "METADATA", "AGE", "DUE")
	for i := range list {
		s := &list[i]
		add(model.Printable(s.Name),
			cell(firstLine(s.Description), maxDescWidth),
			cell(formatMetadata(s.Metadata), maxMetaWidth),
			model.HumanAge(s.Age(now)),
			dueCell(s, now))
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
		// Each line goes straight to bw. Blanks (padding, and a cell's own
		// trailing ones) are held back until something follows them on the
		// line, so none ends one.
		blanks := writeTrimmed(bw, indent, 0)
		for c, cell := range r {
			blanks = writeTrimmed(bw, cell, blanks)
			if c < len(r)-1 {
				blanks += width[c] - utf8.RuneCountInString(cell) + 2
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

const spaces = "                                                                "

// writeTrimmed writes the given number of held-back blanks and then s, but
// only when s holds more than blanks; it returns how many blanks are held
// back after it.
func writeTrimmed(bw *bufio.Writer, s string, blanks int) int {
	t := strings.TrimRight(s, " ")
	if t == "" {
		return blanks + len(s)
	}
	for blanks > 0 {
		n := min(blanks, len(spaces))
		bw.WriteString(spaces[:n])
		blanks -= n
	}
	bw.WriteString(t)
	return len(s) - len(t)
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
	i := 0
	for range width - 1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…" // s is valid UTF-8: Printable escapes the rest
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
