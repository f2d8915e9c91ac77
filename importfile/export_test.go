package importfile

import (
	"strconv"
	"strings"
	"testing"
)

// roundTripValues are every value the import tests read, and the hard
// cases: quotes, escapes, $, line ends, tabs, a '#', leading and trailing
// blanks, non-ASCII and bytes that are not UTF-8.
func roundTripValues(t *testing.T) []string {
	vals := []string{
		"", "x", `a"b'c`, `back\slash`, "$HOME ${X}", "line1\nline2\n", "cr\r\nlf", "\ttab\t",
		"value # not a comment", "  padded  ", "é ü 日本", "\x00\xff\xfe binary", "'single'", `\n literal`,
		"-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n",
	}
	for _, tc := range dotenvTests {
		es, err := ParseDotenv([]byte(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			vals = append(vals, e.Value)
		}
	}
	for _, in := range []string{`{"B": "2", "A": "1"}`, `[{"name": "A", "value": "x\ny"}]`} {
		es, err := ParseJSON([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			vals = append(vals, e.Value)
		}
	}
	return vals
}

func TestDotenvRoundTrip(t *testing.T) {
	vals := roundTripValues(t)
	entries := make([]Entry, len(vals))
	for i, v := range vals {
		entries[i] = Entry{Name: "N" + strings.Repeat("X", i), Value: v}
	}
	out := FormatDotenv(entries)
	if n := strings.Count(string(out), "\n"); n != len(entries) {
		t.Errorf("FormatDotenv wrote %d lines for %d entries", n, len(entries))
	}
	back, err := ParseDotenv(out)
	if err != nil {
		t.Fatalf("ParseDotenv(FormatDotenv(...)): %v", err)
	}
	if len(back) != len(entries) {
		t.Fatalf("round trip: %d entries, want %d", len(back), len(entries))
	}
	for i := range entries {
		if back[i].Name != entries[i].Name || back[i].Value != entries[i].Value {
			t.Errorf("round trip of %q: got %s=%q", entries[i].Value, back[i].Name, back[i].Value)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var entries []Entry
	for i, v := range roundTripValues(t) {
		if strings.Contains(v, "\xff") {
			continue
		}
		entries = append(entries, Entry{Name: "N" + strings.Repeat("X", i), Value: v, Description: "d", Metadata: map[string]string{"env": "prod"}})
	}
	out, err := FormatJSON(entries)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseJSON(out)
	if err != nil {
		t.Fatalf("ParseJSON(FormatJSON(...)): %v", err)
	}
	if got, want := entriesString(back), entriesString(relabel(entries)); got != want {
		t.Errorf("round trip:\n%s want\n%s", got, want)
	}
	if _, err := FormatJSON([]Entry{{Name: "BIN", Value: "\xffsecret-bytes"}}); err == nil ||
		!strings.Contains(err.Error(), "BIN") || strings.Contains(err.Error(), "secret-bytes") {
		t.Errorf("FormatJSON(non-UTF-8) error = %v, want one naming BIN and not the value", err)
	}
}

func relabel(es []Entry) []Entry {
	out := make([]Entry, len(es))
	for i, e := range es {
		e.Where = "entry " + strconv.Itoa(i+1)
		out[i] = e
	}
	return out
}
