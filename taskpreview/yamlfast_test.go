package taskpreview

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	ytoken "github.com/goccy/go-yaml/token"
)

// fastCorpus is every task file the tests know: the fixtures, the
// generated task, and the inputs of the other tests.
func fastCorpus(t testing.TB) [][]byte {
	var out [][]byte
	files, _ := filepath.Glob("testdata/*.yaml")
	shared, _ := filepath.Glob("../../shared/julep/tasks/*.yaml")
	for _, name := range append(files, shared...) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	out = append(out, bigTask(50), []byte(libraryTask))
	for _, src := range fastShapes {
		out = append(out, []byte(src))
	}
	for _, c := range analyzeCases {
		out = append(out, []byte("name: t\nmain:\n  - log: "+strings.ReplaceAll(c.in, "\n", " ")+"\n"))
		out = append(out, []byte("name: t\nmain:\n  - evaluate:\n      x: |\n        "+strings.ReplaceAll(c.in, "\n", "\n        ")+"\n"))
	}
	return out
}

// fastShapes are shapes where yaml.v3 and goccy/go-yaml could part:
// scalar types, block scalars' chomping, blank and more-indented lines,
// flow collections, compact nesting, comments.
var fastShapes = []string{
	"a: yes\nb: on\nc: True\nd: ~\ne: null\nf: 1e3\ng: 0x1F\nh: .inf\ni: -.NaN\nj: 0o17\nk: 0b101\nl: 1_000\nm: 2026-12-04\nn: +1\no: .5\np: NULL\nq: Off\n",
	"1: a\ntrue: b\nnull: c\n~: d\n'e': f\n\"g\": h\n",
	"a: |\n  x\n\n  y\n\n\nb: |-\n  x\n\n\nc: |+\n  x\n\n\nd: 1\n",
	"a: >\n  x\n  y\n\n  z\n    more\n  w\n\nb: >+\n  x\n\nc: >-\n  x\n   y\n  z\n",
	"a: |\n    deeper\n  shallower\n",
	"a: |\n  x\n      \n  y\n  \n",
	"a:\n  - |\n    x\n  - >-\n    y\n    z\n",
	"- a: |\n    x\n  b: 1\n",
	"a: [b, 'c', \"d\", [e, f], {g: h}, {}, []]\nb: {c: [d], 'e': \"f\"}\n",
	"a: [\n  b,\n  c\n]\n",
	"a: {b: 1,\n  c: 2}\n",
	"a:\n- - b\n  - c\n- - d\n",
	"a:\n  - b: c\n    d: e\n  - f\n",
	"# head\na: b # c\n# d\ne:\n  # f\n  g: h\n",
	"a: 'it''s'\nb: \"q\"\nc: 'x' # y\nd: \"z\" #w\n",
	"a: b:c\nd: e#f\ng: -h\ni: ?j\nk: :l\nm: $ x['y']\nn: '{secrets.A}'\no: {{ x }}\n",
	"a: é\nb: 日本: c\nc: d\n",
	"a: ü\nb: 'ü'\nc: [ü, ö]\nd: |\n  ü\n",
	"a:\n  b:\n    c:\n      d: e\n  f: g\n",
	"a: b\n  c\n",
	"a: \"b\n  c\"\n",
	"a: b\na: c\n",
	"a: {b: 1, b: 2}\n",
	"? a\n: b\n",
	"a: &x b\nc: *x\n",
	"a: !!str 1\n",
	"a:\nb: c\n",
	"- a\n- b\n",
	"a: [b, c,]\n",
	"a: b c  d\n",
	"a: \"\"\nb: ''\n",
	"a: 'b' c\n",
	"a:    b\nc:  [d]\ne:   'f'\n",
	"1: a\n01: b\n1.0: c\ntrue: d\nTrue: e\nnull: f\n~: g\n0x1: h\n",
	"a: 1\n'a': 2\n",
	"a: x\n b: y\n",
	"a: 'x' 'y'\n",
	"a: b\n-c: d\n",
	"a: b # c: d\n",
	"a: [b] c\n",
	"a: >\n 0\n 0",
}

// Every task file a test of this package previews through lineDocuments
// or fastDocuments is read by goccy too, and must give the same documents;
// the panic names the reader that differs.
func init() {
	fastTaken = func(reader string, f *srcFile, docs []document) {
		// The start of the file is enough to tell which; a generated task
		// would bury the difference under 400 KB.
		src := f.src[:min(len(f.src), 2000)]
		slow, err := goccyDocuments(newSrcFile(f.name, f.src))
		if err != nil {
			panic(fmt.Sprintf("%s took %s (%d bytes) %q, which goccy refuses: %v", reader, f.name, len(f.src), src, err))
		}
		if !reflect.DeepEqual(docs, slow) {
			panic(fmt.Sprintf("%s(%s, %d bytes, %q) differs from goccy's:\n%s", reader, f.name, len(f.src), src, diffDocs(docs, slow)))
		}
	}
}

// withoutCrossCheck turns the check of fastTaken off for a benchmark: it
// would time goccy too.
func withoutCrossCheck(b *testing.B) {
	saved := fastTaken
	fastTaken = nil
	b.Cleanup(func() { fastTaken = saved })
}

// checkFast fails when fastDocuments takes src and builds anything but what
// goccyDocuments builds from it.
func checkFast(t *testing.T, src []byte) bool {
	t.Helper()
	return checkReader(t, "fastDocuments", fastDocuments, src)
}

// checkReader fails when read, one of the faster readers (named reader),
// takes src and builds anything but what goccyDocuments builds from it; it
// reports whether read took src.
func checkReader(t *testing.T, reader string, read func(*srcFile) ([]document, bool), src []byte) bool {
	t.Helper()
	docs, ok := read(newSrcFile("f.yaml", src))
	if !ok {
		return false
	}
	slow, err := goccyDocuments(newSrcFile("f.yaml", src))
	if err != nil {
		t.Fatalf("%s took %q, which goccy refuses: %v", reader, src, err)
	}
	if !reflect.DeepEqual(docs, slow) {
		t.Fatalf("%s(%q) differs from goccy's:\n%s", reader, src, diffDocs(docs, slow))
	}
	return true
}

func diffDocs(a, b []document) string {
	if len(a) != len(b) {
		return "document counts differ"
	}
	var sb strings.Builder
	for i := range a {
		if a[i].firstLine != b[i].firstLine || a[i].endLine != b[i].endLine || a[i].nodes != b[i].nodes {
			sb.WriteString("document fields differ\n")
		}
		diffNode(&sb, "$", a[i].root, b[i].root)
	}
	return sb.String()
}

func diffNode(sb *strings.Builder, path string, a, b *ynode) {
	if a == nil || b == nil {
		if a != b {
			sb.WriteString(path + ": one is nil\n")
		}
		return
	}
	if a.kind != b.kind || a.value != b.value || a.isStr != b.isStr || a.style != b.style || a.line != b.line || a.col != b.col || a.start != b.start || a.end != b.end || a.id != b.id || !reflect.DeepEqual(a.keys, b.keys) || len(a.items) != len(b.items) {
		fmtNode := func(n *ynode) string {
			return strings.Join([]string{"kind", itoa(int(n.kind)), "value", n.value, "isStr", map[bool]string{true: "t", false: "f"}[n.isStr], "style", itoa(int(n.style)), "pos", itoa(n.line) + ":" + itoa(n.col), "range", itoa(n.start) + "-" + itoa(n.end), "id", itoa(n.id), "keys", strings.Join(n.keys, ",")}, " ")
		}
		sb.WriteString(path + ": fast " + fmtNode(a) + "\n  goccy " + fmtNode(b) + "\n")
		return
	}
	for i := range a.vals {
		diffNode(sb, path+"."+a.keys[i], a.vals[i], b.vals[i])
	}
	for i := range a.items {
		diffNode(sb, path+"["+itoa(i)+"]", a.items[i], b.items[i])
	}
}

// TestFastDocuments checks fastDocuments against goccy on every task file
// the tests know, and that it takes the fixtures (testdata/0*.yaml, the
// corpus's first four) and the generated task: a change that sends them
// to goccy would keep the output and lose the speed.
func TestFastDocuments(t *testing.T) {
	for i, src := range fastCorpus(t) {
		if !checkFast(t, src) && i < 4 {
			t.Errorf("fastDocuments leaves fixture %d to goccy", i+1)
		}
	}
	if !checkFast(t, bigTask(5000)) {
		t.Error("fastDocuments leaves the generated 5,000-step task to goccy")
	}
}

// FuzzFastDocuments: whatever fastDocuments takes, goccy reads the same.
func FuzzFastDocuments(f *testing.F) {
	for _, src := range fastCorpus(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// What the pre-scan refuses reaches neither parser.
		if checkLimits("f.yaml", src, false) != nil {
			return
		}
		checkFast(t, src)
	})
}

// BenchmarkParse5000Steps parses the generated 5,000-step task into
// documents through each reader.
func BenchmarkParse5000Steps(b *testing.B) {
	src := bigTask(5000)
	for _, r := range []struct {
		name  string
		parse func(*srcFile) ([]document, bool)
	}{
		{"lines", lineDocuments},
		{"yaml.v3", fastDocuments},
		{"goccy", func(f *srcFile) ([]document, bool) { d, err := goccyDocuments(f); return d, err == nil }},
	} {
		b.Run(r.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := r.parse(newSrcFile("big.yaml", src)); !ok {
					b.Fatal("not read")
				}
			}
		})
	}
}

// TestPlainType checks the shortcut against goccy's own typing: on
// keywords, numbers and words, on every word of the fixtures, and on
// words made of letters, digits, dots, signs and underscores.
func TestPlainType(t *testing.T) {
	words := []string{"inf.", "in.f", "i.nf", "nan.", "n.an", "Inf.0", "inf.inity", "i_nf", "in_f", "na_n", "e1", "E5", "e.5", "f.5", "x.1e3", "p1", "a.b",
		"yes.", "true.", "null.", "True_", "tRUE", "nULL", "FaLsE", "infinity.", "NaN.", "inf_", "Infinity", "INF", "NAN", "n", "N", "t", "T", "F", "y", "on", "off",
		"_1", "_.5", "0x_1", "1_0", "1.", "1.e", "-", "+", ".", "-.", "+.inf", "-inf", "0b", "0o", "0x", "08", "0.1", "1e", "x0", "o17", "b101"}
	for _, name := range append(must(filepath.Glob("testdata/*.yaml")), must(filepath.Glob("../../shared/julep/tasks/*.yaml"))...) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		words = append(words, strings.FieldsFunc(string(b), func(r rune) bool { return strings.ContainsRune(" \n:,[]{}'\"#()", r) })...)
	}
	// Every word of up to three bytes that starts with a letter, and random
	// longer ones, of the bytes that keywords and numbers are made of.
	const first, rest = "aefinNtTxIF_", "aefinNItTxy01._-+"
	for _, a := range first {
		words = append(words, string(a))
		for _, b := range rest {
			words = append(words, string(a)+string(b))
			for _, c := range rest {
				words = append(words, string(a)+string(b)+string(c))
			}
		}
	}
	rng := rand.New(rand.NewSource(1))
	for range 20000 {
		w := make([]byte, 4+rng.Intn(6))
		w[0] = first[rng.Intn(len(first))]
		for j := 1; j < len(w); j++ {
			w[j] = rest[rng.Intn(len(rest))]
		}
		words = append(words, string(w))
	}
	for _, v := range words {
		if got, want := plainType(v), ytoken.New(v, v, nil).Type; got != want {
			t.Errorf("plainType(%q) = %v, want %v", v, got, want)
		}
	}
	for _, v := range []string{"a", "gpt-4o", "$ x", "{x}", "null", "Null", "NULL", "~", "true", "False", "inf", "Inf", "-inf", "+Inf", "infinity", "nan", "NaN", ".inf", "-.Inf", ".nan", "1", "-1", "+1", "1.5", ".5", "1e3", "0x1F", "0o17", "0b1", "1_000", "_1", "yes", "on", "é", "日本", "!x", "@x", "`x", "%x", "&x", "*x", "|x", ">x", "'x", "\"x", "#x", "=x", "<<", "Infinity", "nil", "t", "f"} {
		if got, want := plainType(v), ytoken.New(v, v, nil).Type; got != want {
			t.Errorf("plainType(%q) = %v, want %v", v, got, want)
		}
	}
}

// must is v, or a panic on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
