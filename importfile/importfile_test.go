package importfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/keyward/keyward/model"
)

func entriesString(es []Entry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "%s %s=%q", e.Where, e.Name, e.Value)
		if e.Description != "" {
			fmt.Fprintf(&b, " desc=%q", e.Description)
		}
		if len(e.Metadata) > 0 {
			fmt.Fprintf(&b, " md=%s", model.FormatMetadata(e.Metadata))
		}
		b.WriteString("\n")
	}
	return b.String()
}

var dotenvTests = []struct {
	in, want string
}{
	{"A=1\n", "line 1 A=\"1\"\n"},
	{"# comment\n\nexport B=two\n", "line 3 B=\"two\"\n"},
	{"C = spaced value  \n", "line 1 C=\"spaced value\"\n"},
	{"D=value # comment\nE=a#b\n", "line 1 D=\"value\"\nline 2 E=\"a#b\"\n"},
	{`F="a\nb\t\"q\" \\ \$x \d"` + "\n", `line 1 F="a\nb\t\"q\" \\ $x \\d"` + "\n"},
	{`G='it\'s \n literal'` + "\n", `line 1 G="it's \\n literal"` + "\n"},
	{"H=\"line1\nline2\"\nI=after\n", "line 1 H=\"line1\\nline2\"\nline 3 I=\"after\"\n"},
	{"J='x' # trailing\n", "line 1 J=\"x\"\n"},
	{"K=crlf\r\nL=\"q\"\r\n", "line 1 K=\"crlf\"\nline 2 L=\"q\"\n"},
	{"\ufeffM=bom", "line 1 M=\"bom\"\n"},
	{"exportN=1\n", "line 1 exportN=\"1\"\n"},
	{"O=\n", "line 1 O=\"\"\n"},
	{"P=a=b=c\n", "line 1 P=\"a=b=c\"\n"},
}

func TestParseDotenv(t *testing.T) {
	for _, tc := range dotenvTests {
		es, err := ParseDotenv([]byte(tc.in))
		if err != nil {
			t.Errorf("ParseDotenv(%q): %v", tc.in, err)
			continue
		}
		if got := entriesString(es); got != tc.want {
			t.Errorf("ParseDotenv(%q) =\n%s want\n%s", tc.in, got, tc.want)
		}
	}
}

func TestParseDotenvErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"A=1\nnot a pair\n", "line 2: expected NAME=value"},
		{"A=\"open-secret-value\n", "line 1: A: unterminated \" quote"},
		{"A='x' junk-secret\n", "line 1: A: unexpected text after the closing quote"},
		{"A=\"x\ny\" junk\n", "line 2: A: unexpected text after the closing quote"},
	} {
		_, err := ParseDotenv([]byte(tc.in))
		var ve *model.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseDotenv(%q) error = %v, want a ValidationError containing %q", tc.in, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseDotenv(%q) error quotes the Value: %v", tc.in, err)
		}
	}
}

func TestParseImportJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"B": "2", "A": "1"}`, "key 1 B=\"2\"\nkey 2 A=\"1\"\n"},
		{`[{"name": "A", "value": "x\ny", "description": "d", "metadata": {"env": "prod", "n": 3, "ok": true}}]`,
			"entry 1 A=\"x\\ny\" desc=\"d\" md=env=prod n=3 ok=true\n"},
		{`[{"name": "A", "value": "v", "id": "ignored", "metadata": null}]`, "entry 1 A=\"v\"\n"},
	} {
		es, err := ParseJSON([]byte(tc.in))
		if err != nil {
			t.Errorf("ParseJSON(%q): %v", tc.in, err)
			continue
		}
		if got := entriesString(es); got != tc.want {
			t.Errorf("ParseJSON(%q) =\n%s want\n%s", tc.in, got, tc.want)
		}
	}
}

func TestParseImportJSONErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"A": "secret-one",`, "malformed JSON at line 1"},
		{"{\n\"A\": secret-two}", "malformed JSON at line 2"},
		{`{"A": 12345}`, "key 1 (A): the value must be a string"},
		{`[{"name": "A", "value": 5}]`, `entry 1: "value" must be a string`},
		{`[{"name": "A", "value": "v", "metadata": {"k": {"deep": 1}}}]`, `metadata "k": must be a string, number or boolean`},
		{`"just a string"`, "expected an object"},
		{`  `, "is empty"},
	} {
		_, err := ParseJSON([]byte(tc.in))
		var ve *model.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseJSON(%q) error = %v, want a ValidationError containing %q", tc.in, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "secret-") || strings.Contains(err.Error(), "12345") {
			t.Errorf("ParseJSON(%q) error quotes a Value: %v", tc.in, err)
		}
	}
}

func TestCheckEntries(t *testing.T) {
	es := []Entry{
		{Where: "line 1", Name: "GOOD", Value: "v"},
		{Where: "line 2", Name: "1BAD", Value: "v"},
		{Where: "line 3", Name: "EMPTY", Value: ""},
		{Where: "line 4", Name: "GOOD", Value: "w"},
		{Where: "line 5", Name: "MD", Value: "v", Metadata: map[string]string{"a=b": "c"}},
	}
	got := strings.Join(Check(es), "\n")
	for _, want := range []string{
		`line 2: name: "1BAD" must start with a letter`,
		"line 3: EMPTY: value: must not be empty",
		"line 4: GOOD is also defined at line 1",
		"line 5: metadata: key",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Check problems:\n%s\nlack %q", got, want)
		}
	}
	if n := len(Check(es[:1])); n != 0 {
		t.Errorf("Check(one good entry) = %d problems, want 0", n)
	}
}

func TestDetectFormat(t *testing.T) {
	for _, tc := range []struct{ file, data, want string }{
		{"x.json", "A=1", "json"},
		{"prod.env", "{}", "env"},
		{".env.local", "{}", "env"},
		{"-", "  {\"A\":\"1\"}", "json"},
		{"-", "[]", "json"},
		{"secrets.txt", "A=1", "env"},
	} {
		if got := DetectFormat(tc.file, []byte(tc.data)); got != tc.want {
			t.Errorf("DetectFormat(%q, %q) = %q, want %q", tc.file, tc.data, got, tc.want)
		}
	}
}

// FuzzParseDotenv checks that the parser never panics and that its errors
// never contain a value-looking marker from the input.
func FuzzParseDotenv(f *testing.F) {
	for _, tc := range dotenvTests {
		f.Add(tc.in)
	}
	f.Add("A=\"unterminated SECRETMARK")
	f.Fuzz(func(t *testing.T, in string) {
		es, err := ParseDotenv([]byte(in))
		if err != nil {
			if strings.Contains(err.Error(), "SECRETMARK") && !nameHolds(in, "SECRETMARK") {
				t.Fatalf("error quotes input text: %v", err)
			}
			return
		}
		// Round trip: what was parsed, written back by FormatDotenv (what
		// export writes), parses to the same entries.
		var kept []Entry
		for _, e := range es {
			if model.ValidName(e.Name) {
				kept = append(kept, e)
			}
		}
		written := FormatDotenv(kept)
		again, err := ParseDotenv(written)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", written, err)
		}
		if len(again) != len(kept) {
			t.Fatalf("re-parse of %q: %d entries, want %d", written, len(again), len(kept))
		}
		for i := range kept {
			if again[i].Name != kept[i].Name || again[i].Value != kept[i].Value {
				t.Fatalf("round trip of %q: got %s=%q, want %s=%q", in, again[i].Name, again[i].Value, kept[i].Name, kept[i].Value)
			}
		}
	})
}

// nameHolds reports whether marker could have been parsed as part of a name
// (the text before an '=' on some line), which errors may quote.
func nameHolds(in, marker string) bool {
	for line := range strings.Lines(in) {
		if k, _, ok := strings.Cut(line, "="); ok && strings.Contains(k, marker) {
			return true
		}
	}
	return false
}

func FuzzParseImportJSON(f *testing.F) {
	f.Add(`{"A": "1"}`)
	f.Add(`[{"name": "A", "value": "v", "metadata": {"k": 1}}]`)
	f.Add(`{"A": SECRETMARK}`)
	f.Fuzz(func(t *testing.T, in string) {
		es, err := ParseJSON([]byte(in))
		if err != nil {
			if strings.Contains(err.Error(), "SECRETMARK") && !strings.Contains(in, `"SECRETMARK`) {
				t.Fatalf("error quotes input text: %v", err)
			}
			return
		}
		for i, e := range es {
			if e.Where != fmt.Sprintf("key %d", i+1) && e.Where != fmt.Sprintf("entry %d", i+1) {
				t.Fatalf("entry %d location %q", i, e.Where)
			}
		}
	})
}
