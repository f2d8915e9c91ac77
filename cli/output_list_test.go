package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/testkit"
	"github.com/keyward/keyward/model"
)

// The list outputs are written as a stream (writeJSONList, writeAligned
// without per-line strings); these tests hold them to the bytes the former
// whole-document writers, kept below as the reference, produced.

// refWriteJSON is writeJSON as it was: the whole value encoded into one
// buffer, then escaped.
func refWriteJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(refEscapeInvisible(buf.Bytes()))
	return err
}

func refEscapeInvisible(b []byte) []byte {
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

// refWriteJSONList is what list --json and recordsJSON printed.
func refWriteJSONList(w io.Writer, list []model.Secret, now time.Time, backend string) error {
	out := make([]secretJSON, len(list))
	for i := range list {
		out[i] = toJSON(&list[i], now, backend)
	}
	return refWriteJSON(w, out)
}

// refWriteAligned is writeAligned as it was: each line built as a string,
// then trimmed.
func refWriteAligned(w io.Writer, indent string, rows [][]string) error {
	var width []int
	for _, r := range rows {
		for c := range max(len(r)-1, 0) {
			if c >= len(width) {
				width = append(width, 0)
			}
			width[c] = max(width[c], utf8.RuneCountInString(r[c]))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		line := indent
		for c, cell := range r {
			line += cell
			if c < len(r)-1 {
				line += strings.Repeat(" ", width[c]-utf8.RuneCountInString(cell)+2)
			}
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// awkwardSecrets are records whose text exercises every escape of the
// outputs: non-ASCII, invisible characters (C1, bidi, tags past U+FFFF,
// separators), controls, invalid UTF-8, HTML characters, blanks at the end
// of a cell, empty and missing metadata, long and multi-line descriptions,
// Julep sync states and generated values.
func awkwardSecrets() []model.Secret {
	t := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	texts := []string{
		"", "plain", "é漢🙂 unicode", "bidi \u202eevil\u202c", "C1 \u0085 next line", "tag \U000e0041 past FFFF",
		"seps \u2028\u2029", "zw\u200b\u200d\ufeff", "soft\u00ad", "ctl \x1b[31m red \x07", "bad \xff\xfe utf8",
		"<html> & \"quotes\" \\ back", "line one\nline two", "cr\r\nlf", "tab\there", "trailing   ", "   ",
		strings.Repeat("long description ", 40), strings.Repeat("漢", 45), "\u202e", "\n", " lead",
	}
	metas := []map[string]string{
		nil, {}, {"env": "prod"}, {"owner": "payments team", "a b": "c", "is:x": "*", "z": ""},
		{"k": "v\u00e9", "zz": strings.Repeat("x", 60)}, {"bidi": "\u202e"},
	}
	var list []model.Secret
	for i, s := range texts {
		sec := model.Secret{
			Name:        "N_" + strconv.Itoa(i) + s,
			Description: texts[(i+3)%len(texts)],
			Metadata:    metas[i%len(metas)],
			CreatedAt:   t.Add(-time.Duration(i) * 97 * time.Hour),
			UpdatedAt:   t.Add(-time.Duration(i) * time.Hour),
			Version:     1 + i,
		}
		if i%2 == 0 {
			sec.RotatedAt = t.Add(-time.Duration(i) * 24 * time.Hour)
			sec.RotateEvery = model.Duration(time.Duration(i%5) * model.Day)
		}
		if i%3 == 0 {
			sec.NoValue = true
			sec.Sync = []model.SyncState{
				{Target: "v1 https://api.julep.ai/api" + s, RemoteID: "id-" + s, Version: i, PushedAt: t},
				{Target: "v3 http://localhost:8000", Version: 1, PushedAt: t, Generation: 3},
			}
		}
		if i%4 == 1 {
			sec.Generated = &model.GenSpec{Length: 20 + i, Symbols: i%8 == 1}
		}
		list = append(list, sec)
	}
	return list
}

func TestJSONListMatchesWholeDocument(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	awkward := awkwardSecrets()
	cases := map[string][]model.Secret{
		"nil": nil, "empty": {}, "one": awkward[:1], "awkward": awkward,
		"each": nil, "generated": testkit.Secrets(500),
	}
	for name, list := range cases {
		t.Run(name, func(t *testing.T) {
			check := func(list []model.Secret) {
				var got, want bytes.Buffer
				if err := writeJSONList(&got, list, now, "keyring"); err != nil {
					t.Fatal(err)
				}
				if err := refWriteJSONList(&want, list, now, "keyring"); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("writeJSONList differs from the whole-document encoding at byte %d:\ngot  %q\nwant %q",
						firstDiff(got.Bytes(), want.Bytes()), got.String(), want.String())
				}
			}
			if name == "each" {
				for i := range awkward {
					check(awkward[i : i+1])
				}
				return
			}
			check(list)
		})
	}
	// writeJSON (single objects: get, recordJSON, other commands).
	for i := range awkward {
		for _, v := range []any{toJSON(&awkward[i], now, "file"),
			getJSON{secretJSON: toJSON(&awkward[i], now, "file"), MaskedValue: "ab••••", Value: &awkward[i].Description},
			map[string]string{"description": awkward[i].Description}, []string{}, []int(nil), 7, "\u0085"} {
			var got, want bytes.Buffer
			if err := writeJSON(&got, v); err != nil {
				t.Fatal(err)
			}
			if err := refWriteJSON(&want, v); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("writeJSON(%#v):\ngot  %q\nwant %q", v, got.String(), want.String())
			}
		}
	}
}

func TestTableMatchesLineStrings(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	awkward := awkwardSecrets()
	rowsOf := func(list []model.Secret) [][]string {
		rows := [][]string{{"NAME", "DESCRIPTION", "METADATA", "AGE", "DUE"}}
		for i := range list {
			s := &list[i]
			rows = append(rows, []string{model.Printable(s.Name), cell(firstLine(s.Description), maxDescWidth),
				cell(formatMetadata(s.Metadata), maxMetaWidth), model.HumanAge(s.Age(now)), dueCell(s, now)})
		}
		return rows
	}
	cases := map[string][][]string{
		"awkward":   rowsOf(awkward),
		"generated": rowsOf(testkit.Secrets(300)),
		"empty":     nil,
		"ragged": {{"a", "bb", "ccc"}, {}, {"x"}, {"", ""}, {"dd  ", "", ""}, {"  ", "e ", "f"},
			{"漢字", "é", "🙂 "}, {"a", "b", "c", "d  "}, {"", "", "", ""}},
		// Cells raw, as no caller passes them, to hold the blanks rule alone.
		"blanks": {{"   ", "  "}, {"a  ", " ", "b"}, {"", "x   "}, {" "}},
	}
	for name, rows := range cases {
		for _, indent := range []string{"", "  ", " x "} {
			var got, want bytes.Buffer
			if err := writeAligned(&got, indent, rows); err != nil {
				t.Fatal(err)
			}
			if err := refWriteAligned(&want, indent, rows); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s, indent %q: writeAligned differs at byte %d:\ngot\n%s\nwant\n%s",
					name, indent, firstDiff(got.Bytes(), want.Bytes()), got.String(), want.String())
			}
		}
	}
	// writeTable itself, through the rows it builds.
	var got, want bytes.Buffer
	if err := writeTable(&got, awkward, now); err != nil {
		t.Fatal(err)
	}
	if err := refWriteAligned(&want, "", rowsOf(awkward)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("writeTable differs at byte %d", firstDiff(got.Bytes(), want.Bytes()))
	}
}

// FuzzListOutput holds both list outputs to the reference writers for any
// text in a record.
func FuzzListOutput(f *testing.F) {
	for _, s := range awkwardSecrets() {
		f.Add(s.Name, s.Description, "owner", "payments team")
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, name, desc, key, value string) {
		list := []model.Secret{{Name: name, Description: desc, Metadata: map[string]string{key: value}, Version: 1},
			{Name: desc, Description: name}}
		var got, want bytes.Buffer
		if err := writeJSONList(&got, list, now, "demo"); err != nil {
			t.Fatal(err)
		}
		if err := refWriteJSONList(&want, list, now, "demo"); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("JSON:\ngot  %q\nwant %q", got.String(), want.String())
		}
		rows := [][]string{{name, desc, key}, {value, name, desc}, {desc, value}}
		got.Reset()
		want.Reset()
		if err := writeAligned(&got, " ", rows); err != nil {
			t.Fatal(err)
		}
		if err := refWriteAligned(&want, " ", rows); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("table:\ngot  %q\nwant %q", got.String(), want.String())
		}
	})
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// The list outputs at 10,000 generated secrets, after the index is read:
//
//	go test ./cli/ -run '^$' -bench 'ListTable|ListJSON' -benchmem
func BenchmarkListTable(b *testing.B) {
	list := testkit.Secrets(10_000)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for b.Loop() {
		if err := writeTable(io.Discard, list, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListJSON(b *testing.B) {
	list := testkit.Secrets(10_000)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for b.Loop() {
		if err := writeJSONList(io.Discard, list, now, "keyring"); err != nil {
			b.Fatal(err)
		}
	}
}
