package taskpreview

import (
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// lineShapes probe the edges of the line reader: what it takes must be
// goccy's to the node, and what it should leave it must leave.
var lineShapes = []string{
	// Comments after values, between entries, at any indentation.
	"a: b # c\nd: 'e' # f\ng: \"h\" # i\nj: k   # l\n",
	"# head\n\na: b\n\n# mid\n  # deeper\nc:\n  # before\n  d: e\n# after\n",
	"a:\n  b: 1\n# out of line\n  c: 2\n",
	"a:\n  b: 1\n    # deeper\n  c: 2\n",
	"a:\n  - b\n  # c\n  - d\n",
	"a: b\n#\n",
	// "- key: v" with siblings, nested and at the key's indentation.
	"a:\n  - b: c\n    d: e\n  - f: g\n  - h\n",
	"a:\n- b: c\n  d: e\n- f\ng: h\n",
	"a:\n  - b:\n      c: d\n    e:\n    - f\n    - g\n  - h: i\n",
	"a:\n  - b:\n    - c\n    d: e\n",
	"a:\n  -   b: c\n      d: e\n",
	"a:\n  -  b\n  - c\n",
	"a:\n  - b: c\n   d: e\n",
	"a:\n  - b: c\n     d: e\n",
	"a:\n  - b\n   - c\n",
	"a:\n  - b\n - c\n",
	"a:\n  -\n    b: c\n",
	"a:\n  - - b\n",
	"a:\n  - b: c\nd:\n- e\n",
	// Block scalars inside sequence items and compact mappings.
	"a:\n  - |\n    x\n    y\n  - >-\n    z\n    w\n  - b: |+\n      v\n\n    c: 1\n",
	"a:\n- |\n  x\n- y\n",
	"a:\n  - b: |\n     x\n    c: 1\n",
	"a:\n  - b: |\n    x\n    c: 1\n",
	"a: |\n  x\n # c\nb: 1\n",
	"a:\n  b: |\n    x\n   # c\n  d: 1\n",
	"a:\n  b: |\n    x\n  # c\n  d: 1\n",
	"a: |+\n  x\n\n# c\nb: 1\n",
	"a: |+\n  x\n\n\n",
	"a: |-\n  x\n\n  # not a comment\n\nb: 1\n",
	"a: >\n  x\n  y\n\n  z\n\n\n  w\nb: >+\n  x\n  y\n\n",
	"a: >\n  x\n    y\n  z\n",
	"a: |\n\n  x\n",
	"a: |\n  x\n    y\n  z\n",
	"a: | # c\n  x\n",
	"a: |2\n  x\n",
	"a: |\n  x",
	"a: |\n  x\n  y",
	"a: |\nb: 1\n",
	"a: >-\n",
	// Keys.
	"a b: c\n",
	"a-b: c\nd_e: f\ng.h: i\nJ9: k\n",
	"_: a\n",
	"a : b\n",
	"a:b\n",
	"'a': b\n",
	"true: a\n",
	"a<<: b\n",
	"<<: {a: b}\n",
	"ä: b\n",
	"a: b\nb: c\na: d\n",
	"a:\n  b: 1\n  b: 2\n",
	"a:\n  - b: 1\n    b: 2\n",
	// Values.
	"a: b#c\nd: e #f\ng: h:i\n",
	"j: k: l\n",
	"a: b:\n",
	"a: b :c\n",
	"a: x y: z\n",
	"a: $ f'{x} #y'\n",
	"a: $ [secrets.A, secrets.B]\nb: $ {secrets.C}\nc: x, y\nd: x ] y\n",
	"a: <<\n",
	"a: << b\n",
	"a: 'b'c\n",
	"a: 'b' # c\n",
	"d: 'e'#f\n",
	"a: 'b':c\n",
	"a: \"b\\\"c\"\n",
	"a: 'b\n  c'\n",
	"a: ''\nb: \"\"\nc: 'it''s'\nd: ''''\n",
	"a: '''\n",
	"a: é ü 日本\nb: 'ñ'\n",
	"a: b\xc2\xa0\n",
	"a: -1\n", "b: ?x\n", "c: !x\n", "d: &x\n", "e: *x\n", "f: @x\n", "g: `x\n", "h: %x\n", "i: ,x\n", "j: :x\n",
	"a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf: .inf\ng: 0x1F\nh: 2026-12-04\ni: yes\n",
	// Indentation mistakes and continuation lines.
	"a: b\n c\n",
	"a: b\n\n  c\n",
	"a:\n  b: c\n d: e\n",
	"a:\n    b: c\n  d: e\n",
	"a:\n  b: c\n    d: e\n",
	" a: b\n",
	"a: b\n - c\n",
	"a:\n",
	"a:\nb: c\n",
	"a:\n  # only a comment\nb: c\n",
	"a: b\n- c\n",
	"- a\n",
	"# only a comment\n",
	"",
	// Trailing spaces, no final line break.
	"a: b \n",
	"a: b",
	"a:\n  - b",
	"a: 'b'",
	"a: b # c",
	// Documents, tabs and carriage returns.
	"---\na: b\n",
	"a: b\n---\nc: d\n",
	"a: b\n...\n",
	"a:\tb\n",
	"a: b\r\n",
}

// checkLines fails when lineDocuments takes src and builds anything but
// what goccyDocuments builds from it.
func checkLines(t *testing.T, src []byte) bool {
	t.Helper()
	return checkReader(t, "lineDocuments", lineDocuments, src)
}

// TestLineDocuments checks lineDocuments against goccy on every task file
// the tests know and on lineShapes, and that it takes the generated task
// and the fixtures without flow collections: a change that sends them to
// the slower readers would keep the output and lose the speed.
func TestLineDocuments(t *testing.T) {
	for _, src := range fastCorpus(t) {
		checkLines(t, src)
	}
	taken := 0
	for _, src := range lineShapes {
		if checkLines(t, []byte(src)) {
			taken++
		}
	}
	t.Logf("lineDocuments takes %d of %d lineShapes", taken, len(lineShapes))
	for _, n := range []int{1, 5, 50, 5000} {
		if !checkLines(t, bigTask(n)) {
			t.Errorf("lineDocuments leaves the generated %d-step task to the slower readers", n)
		}
	}
	if !checkLines(t, []byte(libraryTask)) {
		t.Error("lineDocuments leaves libraryTask to the slower readers")
	}
	// Fixtures 01 to 03 have a flow sequence ("required: [topics]"), so
	// they are yaml.v3's; 04 has none.
	files, _ := filepath.Glob("testdata/*.yaml")
	shared, _ := filepath.Glob("../../shared/julep/tasks/*.yaml")
	for _, name := range append(files, shared...) {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.HasPrefix(filepath.Base(name), "04-")
		if got := checkLines(t, src); got != want {
			t.Errorf("lineDocuments takes %s: %v, want %v", name, got, want)
		}
	}
}

// TestLineDocumentsTakes pins the shapes the line reader must take and
// those it must leave, so that a change that widens or narrows it is seen.
func TestLineDocumentsTakes(t *testing.T) {
	for _, c := range []struct {
		src  string
		take bool
	}{
		{"a: b # c\n", true},
		{"a:\n  - b: c\n    d: e\n  - f\n", true},
		{"a:\n- b\nc: d\n", true},
		{"a:\n  - |\n    x\n  - b: >-\n      y\n", true},
		{"a: b#c\n", true},
		{"a: 'it''s'\n", true},
		{"a: b", true},
		{"a: [b]\n", false},
		{"a: {b: c}\n", false},
		{"a:\n", false},
		{"a: b\n  c\n", false},
		{"a: &x b\n", false},
		{"a: *x\n", false},
		{"a: !!str b\n", false},
		{"? a\n: b\n", false},
		{"a:\n  - - b\n", false},
		{"a b: c\n", false},
		{"a: b\na: c\n", false},
		{"a: b: c\n", false},
		{"a: b \n", false},
		{"a: \"b\\n\"\n", false},
		{"a: |\n  x", false},
		{"- a\n", false},
	} {
		if got := checkLines(t, []byte(c.src)); got != c.take {
			t.Errorf("lineDocuments takes %q: %v, want %v", c.src, got, c.take)
		}
	}
}

// FuzzLineDocuments: whatever lineDocuments takes, goccy reads the same.
func FuzzLineDocuments(f *testing.F) {
	for _, src := range fastCorpus(f) {
		f.Add(src)
	}
	for _, src := range lineShapes {
		f.Add([]byte(src))
	}
	// Documents near the shape, which byte mutations rarely reach.
	rng := rand.New(rand.NewSource(1))
	for range 64 {
		f.Add(genTask(rng))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// What the pre-scan refuses reaches no reader.
		if checkLimits("f.yaml", src, false) != nil {
			return
		}
		checkLines(t, src)
	})
}

// genTask writes a random document near the line reader's shape: nested
// block mappings and sequences, compact mappings, sequences at their key's
// indentation, tricky scalars, block scalars, comments and blank lines,
// and now and then a mistake (an indentation off by one, a repeated key, a
// trailing space). The byte mutations of FuzzLineDocuments rarely keep a
// file in the shape; these do, and probe where the reader draws its lines.
func genTask(rng *rand.Rand) []byte {
	// Mostly pieces of the shape, and now and then one outside it.
	pick := func(good, bad []string) string {
		if rng.Intn(10) == 0 {
			return bad[rng.Intn(len(bad))]
		}
		return good[rng.Intn(len(good))]
	}
	key := func() string {
		return pick([]string{"a", "b", "c", "main", "x-y", "k_1", "v.w", "in", "then", "Null1", "_", "a-", "b.", "v0"},
			[]string{"true", "no", "a b", "'q'", "1", "<<", "ä", "a "})
	}
	value := func() string {
		return pick([]string{"b", "b c", "$ f'{secrets.A}'", "b#c", "b # c", "b:c", "1", "0x1F", "null", "~", "yes", ".inf",
			"'q'", "'it''s'", "''", "\"d\"", "\"\"", "'a' # c", "é", "$ [a, b]", "b ]", "b, c", "b :c", "x\u2028y", "a'b", "a\"b\"", "<b>"},
			[]string{"b: c", "b:", "-1", "\"d\\n\"", "'a'#c", "'a':", "[b]", "{b: c}", "&x b", "*x", "!!str 1", "ü ", "<<", "<< b",
				"? b", "- b", "@b", "%b", "{{ x }}", "b\u00a0", "\u00a0b", "'a", "#c"})
	}
	header := func() string {
		return pick([]string{"|", "|-", "|+", ">", ">-", ">+"}, []string{"|2", "| # c", ">1-", "|  "})
	}
	var b strings.Builder
	maybe := func(p float64) bool { return rng.Float64() < p }
	pad := func(n int) string { return strings.Repeat(" ", max(0, n)) }
	extra := func() {
		switch {
		case maybe(0.08):
			b.WriteString("\n")
		case maybe(0.06):
			b.WriteString(pad(rng.Intn(6)) + "# c\n")
		}
	}
	off := func() int {
		if maybe(0.03) {
			return rng.Intn(3) - 1
		}
		return 0
	}
	block := func(indent int) {
		b.WriteString(header() + "\n")
		if maybe(0.05) {
			return
		}
		if maybe(0.05) {
			b.WriteString("\n")
		}
		n := 1 + rng.Intn(4)
		for i := 0; i < n; i++ {
			more := 0
			if maybe(0.1) {
				more = 1 + rng.Intn(2)
			}
			b.WriteString(pad(indent+more) + []string{"x", "y z", "# h", "- i", "k: v"}[rng.Intn(5)] + "\n")
			for maybe(0.2) {
				b.WriteString("\n")
			}
		}
	}
	var node func(indent, depth int, inSeq bool)
	scalar := func(indent int) {
		if maybe(0.15) {
			block(indent + 1 + rng.Intn(3))
			return
		}
		b.WriteString(value())
		if maybe(0.02) {
			b.WriteString(" ")
		}
		b.WriteString("\n")
		if maybe(0.03) {
			b.WriteString(pad(indent+1+rng.Intn(2)) + "cont\n")
		}
	}
	mapping := func(indent, depth int, first bool) {
		n := 1 + rng.Intn(3)
		for i := 0; i < n; i++ {
			if !(first && i == 0) {
				extra()
				b.WriteString(pad(indent + off()))
			}
			b.WriteString(key() + ":")
			if depth < 4 && maybe(0.4) {
				b.WriteString("\n")
				extra()
				if maybe(0.5) {
					node(indent+[]int{0, 2, 2, 4, 1}[rng.Intn(5)], depth+1, true)
				} else {
					node(indent+[]int{2, 2, 4, 1, 0}[rng.Intn(5)], depth+1, false)
				}
				continue
			}
			b.WriteString(pad(1 + rng.Intn(2)*rng.Intn(3)))
			scalar(indent)
		}
	}
	node = func(indent, depth int, seq bool) {
		if !seq {
			b.WriteString(pad(indent))
			mapping(indent, depth, true)
			return
		}
		n := 1 + rng.Intn(3)
		for i := 0; i < n; i++ {
			if i > 0 {
				extra()
			}
			b.WriteString(pad(indent+off()) + "-" + pad(1+rng.Intn(3)*rng.Intn(2)))
			if maybe(0.02) {
				b.WriteString("- ")
			}
			dash := strings.LastIndexByte(b.String(), '\n')
			col := b.Len() - dash - 1
			if depth < 4 && maybe(0.5) {
				mapping(col, depth+1, true)
			} else {
				scalar(indent)
			}
		}
	}
	if maybe(0.1) {
		b.WriteString("# head\n")
	}
	node(0, 0, false)
	if maybe(0.1) {
		b.WriteString("# tail")
	}
	src := b.String()
	if maybe(0.05) {
		src = strings.TrimSuffix(src, "\n")
	}
	return []byte(src)
}

// TestLineDocumentsGenerated checks lineDocuments against goccy on random
// documents from genTask (LINES_GEN sets how many, 3,000 by default, and
// LINES_SEED the seed).
func TestLineDocumentsGenerated(t *testing.T) {
	n := 3000
	if s := os.Getenv("LINES_GEN"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		n = 300
	}
	seed := int64(1)
	if s := os.Getenv("LINES_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	taken := 0
	for i := 0; i < n; i++ {
		if checkLines(t, genTask(rng)) {
			taken++
		}
	}
	t.Logf("lineDocuments takes %d of %d generated documents", taken, n)
}
