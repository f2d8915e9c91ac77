package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/keyward/keyward/model"
)

func entriesString(es []importEntry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "%s %s=%q", e.where, e.name, e.value)
		if e.description != "" {
			fmt.Fprintf(&b, " desc=%q", e.description)
		}
		if len(e.metadata) > 0 {
			fmt.Fprintf(&b, " md=%s", formatMetadata(e.metadata))
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
		es, err := parseDotenv([]byte(tc.in))
		if err != nil {
			t.Errorf("parseDotenv(%q): %v", tc.in, err)
			continue
		}
		if got := entriesString(es); got != tc.want {
			t.Errorf("parseDotenv(%q) =\n%s want\n%s", tc.in, got, tc.want)
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
		_, err := parseDotenv([]byte(tc.in))
		var ve *model.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseDotenv(%q) error = %v, want a ValidationError containing %q", tc.in, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("parseDotenv(%q) error quotes the value: %v", tc.in, err)
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
		es, err := parseImportJSON([]byte(tc.in))
		if err != nil {
			t.Errorf("parseImportJSON(%q): %v", tc.in, err)
			continue
		}
		if got := entriesString(es); got != tc.want {
			t.Errorf("parseImportJSON(%q) =\n%s want\n%s", tc.in, got, tc.want)
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
		_, err := parseImportJSON([]byte(tc.in))
		var ve *model.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseImportJSON(%q) error = %v, want a ValidationError containing %q", tc.in, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "secret-") || strings.Contains(err.Error(), "12345") {
			t.Errorf("parseImportJSON(%q) error quotes a value: %v", tc.in, err)
		}
	}
}

func TestCheckEntries(t *testing.T) {
	es := []importEntry{
		{where: "line 1", name: "GOOD", value: "v"},
		{where: "line 2", name: "1BAD", value: "v"},
		{where: "line 3", name: "EMPTY", value: ""},
		{where: "line 4", name: "GOOD", value: "w"},
		{where: "line 5", name: "MD", value: "v", metadata: map[string]string{"a=b": "c"}},
	}
	got := strings.Join(checkEntries(es), "\n")
	for _, want := range []string{
		`line 2: name: "1BAD" must start with a letter`,
		"line 3: EMPTY: value: must not be empty",
		"line 4: GOOD is also defined at line 1",
		"line 5: metadata: key",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("checkEntries problems:\n%s\nlack %q", got, want)
		}
	}
	if n := len(checkEntries(es[:1])); n != 0 {
		t.Errorf("checkEntries(one good entry) = %d problems, want 0", n)
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
		if got := detectFormat(tc.file, []byte(tc.data)); got != tc.want {
			t.Errorf("detectFormat(%q, %q) = %q, want %q", tc.file, tc.data, got, tc.want)
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
		es, err := parseDotenv([]byte(in))
		if err != nil {
			if strings.Contains(err.Error(), "SECRETMARK") && !nameHolds(in, "SECRETMARK") {
				t.Fatalf("error quotes input text: %v", err)
			}
			return
		}
		// Round trip: what was parsed, written back double-quoted, parses
		// to the same entries.
		var b strings.Builder
		var kept []importEntry
		for _, e := range es {
			if !model.ValidName(e.name) {
				continue
			}
			kept = append(kept, e)
			r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\r", `\r`)
			fmt.Fprintf(&b, "%s=\"%s\"\n", e.name, r.Replace(e.value))
		}
		again, err := parseDotenv([]byte(b.String()))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", b.String(), err)
		}
		if len(again) != len(kept) {
			t.Fatalf("re-parse of %q: %d entries, want %d", b.String(), len(again), len(kept))
		}
		for i := range kept {
			if again[i].name != kept[i].name || again[i].value != kept[i].value {
				t.Fatalf("round trip of %q: got %s=%q, want %s=%q", in, again[i].name, again[i].value, kept[i].name, kept[i].value)
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
		es, err := parseImportJSON([]byte(in))
		if err != nil {
			if strings.Contains(err.Error(), "SECRETMARK") && !strings.Contains(in, `"SECRETMARK`) {
				t.Fatalf("error quotes input text: %v", err)
			}
			return
		}
		for i, e := range es {
			if e.where != fmt.Sprintf("key %d", i+1) && e.where != fmt.Sprintf("entry %d", i+1) {
				t.Fatalf("entry %d location %q", i, e.where)
			}
		}
	})
}
