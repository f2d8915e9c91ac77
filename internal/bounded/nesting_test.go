package bounded

import (
	"errors"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// The counts are one deeper than the tree where a scalar ends a branch
// (see node): the pre-scan errs on the deep side.
var yamlDepthTests = []struct {
	src  string
	want int
}{
	{"", 0},
	{"a: 1\n", 2},
	{"a:\n  b:\n    c: 1\n", 4},
	{"a:\n- b\n- c\n", 3},                     // a sequence at its key's column
	{"a:\n- b:\n  - c:\n    - d\n", 7},        // map, seq, map, seq, map, seq
	{"a:\n- b\nc: 1\n", 3},                    // the key after the sequence is the outer map's
	{"- - - a\n", 4},                          // compact sequences
	{"- a: 1\n  b: 2\n", 3},                   // a map in a sequence entry
	{"a: [1, [2, {b: 3}]]\n", 5},              // flow inside block
	{"a: [1,\n  [2,\n   [3]]]\n", 4},          // flow over lines
	{"a: \"[[[[\"\n", 2},                      // quoted
	{"a: '[[['' [[['\n", 2},                   // quoted with an escaped quote
	{"a: \"x\n  [[[[ \\\"\n  y\"\nb: 1\n", 2}, // a quoted scalar over lines
	{"a: |\n  [[[[\n  - - -\nb: 1\n", 2},      // a block scalar
	{"- run: >-\n    [[[\n  other: [1]\n", 3}, // the block scalar ends at its key's sibling
	{"a: b # [[[[\n", 2},                      // a comment
	{"a: x[0]\n", 2},                          // brackets in a plain scalar
	{"--- [[1]]\n--- a: 1\n", 2},
	{"a: &x [1]\nb: *x\n", 2},
	{"a: !!seq [1]\n", 2},
	{"? [a]\n: [b]\n", 3},
	{"[" + strings.Repeat("[", 99) + strings.Repeat("]", 100) + "]\n", 65}, // stops past the limit
}

func TestYAMLDepth(t *testing.T) {
	for _, tt := range yamlDepthTests {
		if got, _ := yamlDepth([]byte(tt.src), MaxNesting); got != tt.want {
			t.Errorf("yamlDepth(%q) = %d, want %d", tt.src, got, tt.want)
		}
	}
}

func TestYAMLTooDeep(t *testing.T) {
	src := "name: x\nmain:\n- evaluate:\n    x: " + strings.Repeat("[", 40000) + strings.Repeat("]", 40000) + "\n"
	err := YAML([]byte(src), MaxNesting)
	var te *TooDeepError
	if !errors.As(err, &te) || te.Line != 4 || te.Limit != MaxNesting {
		t.Fatalf("YAML(40000 brackets) = %v, want a TooDeepError at line 4", err)
	}
	if got, want := err.Error(), "nested too deep (limit 64) at line 4"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	deep := strings.Repeat("- ", 65) + "a\n"
	if err := YAML([]byte(deep), MaxNesting); err == nil {
		t.Errorf("YAML(65 compact sequences) = nil, want an error")
	}
	if err := YAML([]byte("a: b\nc: \x01\n"), MaxNesting); err == nil || err.Error() != "control character U+0001 at line 2 (YAML does not allow it)" {
		t.Errorf("YAML(a control character) = %v", err)
	}
	if err := YAML([]byte(strings.Repeat("- ", 63)+"a\n"), MaxNesting); err != nil {
		t.Errorf("YAML(63 compact sequences) = %v, want nil", err)
	}
}

var tomlDepthTests = []struct {
	src  string
	want int
}{
	{"", 0},
	{"a = 1\n", 0},
	{"[[secret]]\nname = \"x\"\n", 2},
	{"a = {b = {c = [1, [2]]}}\n", 4},
	{"a = \"[[[{\"\n", 0},
	{"a = '[[[{'\n", 0},
	{"a = \"\"\"\n[[[\n\"\"\"\n", 0},
	{"a = '''\n{{{'''\n", 0},
	{"a = \"\\\"[[\"\n", 0},
	{"a = \"\"\"x\"\"\"\"\" # [[[\n", 0}, // five quotes end it, then a comment
	{"# [[[[\na = [1]\n", 1},
}

func TestTOMLDepth(t *testing.T) {
	for _, tt := range tomlDepthTests {
		if got, _ := tomlDepth([]byte(tt.src), MaxNesting); got != tt.want {
			t.Errorf("tomlDepth(%q) = %d, want %d", tt.src, got, tt.want)
		}
	}
	src := "format = 1\nx = " + strings.Repeat("{a=", 5000) + "1" + strings.Repeat("}", 5000) + "\n"
	var te *TooDeepError
	if err := TOML([]byte(src), MaxNesting); !errors.As(err, &te) || te.Line != 2 {
		t.Errorf("TOML(5000 inline tables) = %v, want a TooDeepError at line 2", err)
	}
}

// astDepth is how deeply goccy/go-yaml nests the collections of a parsed
// file.
type astDepth struct {
	depth int
	inMap bool // the node is a pair of a MappingNode
	max   *int
}

func (v astDepth) Visit(n ast.Node) ast.Visitor {
	switch n.(type) {
	case *ast.MappingNode:
		v.depth++
		*v.max = max(*v.max, v.depth)
		v.inMap = true
		return v
	case *ast.SequenceNode:
		v.depth++
	case *ast.MappingValueNode:
		// A lone "key: value" is a mapping of one, without a MappingNode
		// around it.
		if !v.inMap {
			v.depth++
		}
	}
	*v.max = max(*v.max, v.depth)
	v.inMap = false
	return v
}

// FuzzYAML checks that the YAML parser never nests more than twice as deep
// as the pre-scan counts, plus two (so that what it passes cannot blow the
// parser up), and that the pre-scan never panics. The pre-scan aims at
// counting at least as deep as the parser, but goccy/go-yaml has more
// quirks than it follows (its crashers under testdata/fuzz each showed
// one: a tagged key's value a line below, an implicit pair in a flow
// sequence, a stray closing bracket, a ":" line making a scalar a key);
// the bound is what holds.
func FuzzYAML(f *testing.F) {
	for _, tt := range yamlDepthTests {
		f.Add(tt.src)
	}
	f.Add("main:\n- evaluate:\n    x: $ steps[0].output\n- if: $ x\n  then:\n    tool: t\n")
	f.Add("a: {b: [c, {d: e}], 'f': \"g\"}\n")
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		var ce *ControlError
		if errors.As(YAML([]byte(src), 1<<20), &ce) {
			return // refused before the parser
		}
		got, _ := yamlDepth([]byte(src), 1<<20)
		file, err := parser.ParseBytes([]byte(src), 0)
		if err != nil {
			return
		}
		want := 0
		for _, d := range file.Docs {
			if d != nil && d.Body != nil {
				ast.Walk(astDepth{max: &want}, d.Body)
			}
		}
		if want > 2*got+2 {
			t.Fatalf("yamlDepth(%q) = %d, the parser nests %d deep", src, got, want)
		}
	})
}

// decodedDepth is how deeply a decoded TOML value nests.
func decodedDepth(v any) int {
	d := 0
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			d = max(d, decodedDepth(e))
		}
		return d + 1
	case []map[string]any:
		for _, e := range v {
			d = max(d, decodedDepth(e))
		}
		return d + 1
	case []any:
		for _, e := range v {
			d = max(d, decodedDepth(e))
		}
		return d + 1
	}
	return 0
}

// FuzzTOML checks that the pre-scan never panics and, for TOML without
// dotted keys or table headers (which nest without brackets), never
// counts less deep than the decoder nests.
func FuzzTOML(f *testing.F) {
	for _, tt := range tomlDepthTests {
		f.Add(tt.src)
	}
	f.Add("a = [{b = 1}, {c = [2, \"]\"]}]\nd = '''\n]]]'''\n")
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		got, _ := tomlDepth([]byte(src), 1<<20)
		var doc map[string]any
		if _, err := toml.Decode(src, &doc); err != nil {
			return
		}
		if hasHeaderOrDottedKey(doc, src) {
			return
		}
		// The document's own table is not a bracket.
		if want := decodedDepth(doc) - 1; got < want {
			t.Fatalf("tomlDepth(%q) = %d, the decoder nests %d deep", src, got, want)
		}
	})
}

// hasHeaderOrDottedKey reports a table header line or a dot in src, which
// the comparison leaves out (a dot in a value is rare in fuzz inputs).
func hasHeaderOrDottedKey(_ map[string]any, src string) bool {
	if strings.Contains(src, ".") {
		return true
	}
	for line := range strings.SplitSeq(src, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "[") {
			return true
		}
	}
	return false
}
