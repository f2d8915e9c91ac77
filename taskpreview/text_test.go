package taskpreview

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// A warning raised on many lines is written once: its code, its message,
// every place it applies to, and its explanation once.
func TestWriteTextGroupsWarnings(t *testing.T) {
	src := "name: t\nmain:\n  - evaluate: {a: $ secrets.A}\n  - evaluate: {b: $ secrets.B}\n  - set:\n      c: $ secrets.C\n"
	res, err := Preview("t.yaml", []byte(src), Options{Lookup: newFakeLookup("A", "B", "C")})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, res); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for code, n := range map[string]int{WarnValidatorUndefined: 1, "why: " + Explain(WarnValidatorUndefined): 1,
		"Julep's upload validator does not know the name 'secrets'": 1} {
		if got := strings.Count(out, code); got != n {
			t.Errorf("%q appears %d times, want %d:\n%s", code, got, n, out)
		}
	}
	for _, want := range []string{
		"    validator_undefined_name  (3 places)\n      Julep's upload validator does not know the name 'secrets' and may reject this with 400\n" +
			"        at main[0].evaluate.a (line 3), main[1].evaluate.b (line 4), main[2].set.c (line 6)\n",
		// distinct messages of one code each keep their places
		"    leak_transition_output  (2 places)\n      values of A end up in this step's stored output\n        at main[0].evaluate (line 3)\n" +
			"      values of B end up in this step's stored output\n        at main[1].evaluate (line 4)\n",
		"    leak_state  main[2].set (line 6)\n      values of C end up in workflow state and transitions\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks\n%s\nin\n%s", want, out)
		}
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// On a terminal of some width (64 columns and more: narrower ones get the
// two-line layout, which may still overflow) every row fits it, nothing is
// lost but the middle of long paths, and colour is only there when asked
// for.
func TestWriteTextFitsWidth(t *testing.T) {
	src, err := os.ReadFile("testdata/04-expressions-and-templates.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Preview("04.yaml", src, Options{Lookup: newFakeLookup("ATTR_KEY", "F_SINGLE")})
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	if err := WriteText(&plain, res); err != nil {
		t.Fatal(err)
	}
	longest := 0
	for _, l := range strings.Split(plain.String(), "\n") {
		longest = max(longest, utf8.RuneCountInString(l))
	}
	if longest <= 120 {
		t.Fatalf("the plain output's longest line is %d columns: the test needs longer ones", longest)
	}
	for _, w := range []int{64, 80, 100, 120, 200} {
		for _, color := range []bool{false, true} {
			var buf bytes.Buffer
			if err := (TextOptions{Color: color, Width: w}).Write(&buf, res); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if got := ansi.MatchString(out); got != color {
				t.Errorf("width %d, Color %v: ANSI escapes present = %v", w, color, got)
			}
			text := ansi.ReplaceAllString(out, "")
			for _, l := range strings.Split(text, "\n") {
				if n := utf8.RuneCountInString(l); n > w && !unbreakable(l) {
					t.Errorf("width %d: a %d-column line:\n%s", w, n, l)
				}
				if strings.HasSuffix(l, "(line") {
					t.Errorf("width %d: a place is broken across lines: %q", w, l)
				}
			}
			// Every reference, mask and warning code is still there.
			for _, r := range res {
				for _, ref := range r.References {
					if !strings.Contains(text, ref.Name+" ") || ref.Masked != "" && !strings.Contains(text, ref.Masked) {
						t.Errorf("width %d: %s (%s) is gone", w, ref.Name, ref.Masked)
					}
				}
				for _, wa := range r.Warnings {
					if !strings.Contains(text, wa.Code) {
						t.Errorf("width %d: warning %s is gone", w, wa.Code)
					}
				}
			}
			if w == 200 && strings.Contains(text, "…") {
				t.Errorf("width 200 shortened a path:\n%s", text)
			}
		}
	}
}

// unbreakable reports whether a line is one word after its indent: no
// wrapping can shorten it.
func unbreakable(l string) bool {
	return !strings.Contains(strings.TrimSpace(l), " ")
}
