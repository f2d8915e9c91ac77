package taskpreview

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestMappingKeys checks merges on both sides of mapSetFrom, where
// convMap stops searching its keys and indexes them. (The parser refuses a
// repeated key itself.)
func TestMappingKeys(t *testing.T) {
	for _, n := range []int{3, mapSetFrom - 1, mapSetFrom, mapSetFrom + 1, 3 * mapSetFrom} {
		var b strings.Builder
		b.WriteString("base: &b {k0: merged, m1: merged, m2: merged}\nm:\n  <<: *b\n")
		var want []string
		for i := range n {
			fmt.Fprintf(&b, "  k%d: v%d\n", i, i)
			want = append(want, fmt.Sprintf("k%d", i))
		}
		b.WriteString("  m2: explicit\n") // an explicit key the merge also has
		// The merge comes first and adds m1 (k0 and m2 are explicit, so
		// theirs are skipped); the other keys follow in order.
		want = append(append([]string{"m1"}, want...), "m2")
		docs, err := parseDocuments(newSrcFile("t.yaml", []byte(b.String())))
		if err != nil {
			t.Fatal(err)
		}
		m := docs[0].root.get("m")
		if !slices.Equal(m.keys, want) {
			t.Errorf("%d keys: keys = %v, want %v", n, m.keys, want)
		}
		for k, v := range map[string]string{"k0": "v0", "k1": "v1", "m1": "merged", "m2": "explicit"} {
			if got, _ := m.get(k).str(); got != v {
				t.Errorf("%d keys: %s = %q, want %q", n, k, got, v)
			}
		}
	}
}

// TestAggWarningNames checks the names of a container-level warning on
// both sides of aggSetFrom: each once, in first-use order.
func TestAggWarningNames(t *testing.T) {
	for _, n := range []int{2, aggSetFrom, aggSetFrom + 1, 4 * aggSetFrom} {
		a := &aggWarning{}
		var want []string
		for round := range 3 {
			for i := range n {
				name := fmt.Sprintf("N%d", i)
				a.add(name)
				if round == 0 {
					want = append(want, name)
				}
			}
		}
		if !slices.Equal(a.names, want) {
			t.Errorf("%d names: names = %v, want %v", n, a.names, want)
		}
	}
}
