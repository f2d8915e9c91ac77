package taskpreview

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// expectHeader is the `# @expect … # @end` block of a fixture (JULEP.md §8).
type expectHeader struct {
	AgentModel   string           `yaml:"agent_model"`
	AssumedStore []string         `yaml:"assumed_store"`
	Refs         []map[string]any `yaml:"refs"`
	Dynamic      []map[string]any `yaml:"dynamic"`
	Inert        []map[string]any `yaml:"inert"`
	NotRefs      []map[string]any `yaml:"not_refs"`
	Warnings     []map[string]any `yaml:"warnings"`
}

func readHeader(t *testing.T, src []byte) expectHeader {
	t.Helper()
	var lines []string
	in := false
	for _, l := range strings.Split(string(src), "\n") {
		switch {
		case strings.TrimSpace(l) == "# @expect":
			in = true
		case strings.TrimSpace(l) == "# @end":
			in = false
		case in:
			l = strings.TrimPrefix(l, "#")
			lines = append(lines, strings.TrimPrefix(l, " "))
		}
	}
	if len(lines) == 0 {
		t.Fatal("no # @expect header")
	}
	var h expectHeader
	if err := yaml.Unmarshal([]byte(strings.Join(lines, "\n")), &h); err != nil {
		t.Fatalf("header: %v", err)
	}
	return h
}

// fakeLookup is a store with made-up values that counts reads.
type fakeLookup struct {
	values map[string]string
	reads  map[string]int
}

func newFakeLookup(names ...string) *fakeLookup {
	l := &fakeLookup{values: map[string]string{}, reads: map[string]int{}}
	for _, n := range names {
		l.values[n] = "plain-" + strings.ToLower(n) + "-0123456789"
	}
	return l
}

func (l *fakeLookup) Names() []string {
	var out []string
	for n := range l.values {
		out = append(out, n)
	}
	return out
}

func (l *fakeLookup) Value(name string) (string, error) {
	l.reads[name]++
	v, ok := l.values[name]
	if !ok {
		return "", fmt.Errorf("no secret %s", name)
	}
	return v, nil
}

func fixtureFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/0*.yaml")
	if err != nil || len(files) != 4 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	return files
}

func previewFixture(t *testing.T, file string, m Mapping) (expectHeader, *Result, *fakeLookup, []byte) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	h := readHeader(t, src)
	agent := h.AgentModel
	if agent == "unknown" {
		agent = ""
	}
	lk := newFakeLookup(h.AssumedStore...)
	res, err := Preview(filepath.Base(file), src, Options{Model: agent, Mapping: m, Lookup: lk})
	if err != nil {
		t.Fatalf("Preview(%s) error: %v", file, err)
	}
	if len(res) != 1 {
		t.Fatalf("Preview(%s) = %d results, want 1", file, len(res))
	}
	return h, res[0], lk, src
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// onMissingCode maps a header's on_missing (a code or a short phrase) to
// ours.
func onMissingCode(t *testing.T, v any) OnMissing {
	s := str(v)
	switch {
	case s == "julep_proxy", s == "step_fails":
		return OnMissing(s)
	case strings.HasPrefix(s, "None"):
		return OnMissingNone
	case strings.Contains(s, "default"):
		return OnMissingDefault
	case strings.Contains(s, "only reached"):
		return OnMissingGuarded
	}
	t.Fatalf("unknown on_missing %q in a header: teach onMissingCode", s)
	return ""
}

// refMatches compares every field the header gives, except free text.
func refMatches(t *testing.T, want map[string]any, got Reference) bool {
	b := func(k string) bool { v, _ := want[k].(bool); return v }
	optional := b("optional")
	if _, given := want["optional"]; !given && str(want["kind"]) == string(KindLLMProvider) {
		optional = true // headers leave it implicit: a missing provider key falls back to Julep's proxy
	}
	if got.Name != str(want["name"]) || string(got.Kind) != str(want["kind"]) || got.Path != str(want["path"]) ||
		string(got.Phase) != str(want["phase"]) || got.Optional != optional ||
		(got.Status == StatusMissing) != b("missing") || got.InvalidName != b("invalid_name") {
		return false
	}
	if got.Status != StatusMissing && got.Status != StatusResolved {
		return false
	}
	for k, field := range map[string]string{"model": got.Model, "legacy_name": got.LegacyName, "overridden_by": got.OverriddenBy} {
		if v, ok := want[k]; ok && str(v) != field {
			return false
		}
	}
	if v, ok := want["on_missing"]; ok && onMissingCode(t, v) != got.OnMissing {
		return false
	}
	return true
}

func matchAll[T any](t *testing.T, what string, want []map[string]any, got []T, match func(map[string]any, T) bool, show func(T) string) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && match(w, g) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("%s: expected %v, not found", what, w)
		}
	}
	for i, g := range got {
		if !used[i] {
			t.Errorf("%s: unexpected %s", what, show(g))
		}
	}
}

// relatedPath reports whether a and b are equal or one contains the other.
func relatedPath(a, b string) bool {
	if a == b {
		return true
	}
	in := func(short, long string) bool {
		return strings.HasPrefix(long, short) && (long[len(short)] == '.' || long[len(short)] == '[')
	}
	return len(a) < len(b) && in(a, b) || len(b) < len(a) && in(b, a)
}

// containerCodes are warnings a header may place on a step, its field or a
// key inside it; we report them once per evaluated container.
var containerCodes = setOf(WarnLeakState, WarnLeakTransition, WarnLeakUserVisible, WarnLeakLog, WarnLeakOutput)

func TestFixtures(t *testing.T) {
	for _, file := range fixtureFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			h, r, lk, src := previewFixture(t, file, MappingCurrent)
			matchAll(t, "refs", h.Refs, r.References, func(w map[string]any, g Reference) bool { return refMatches(t, w, g) },
				func(g Reference) string { return fmt.Sprintf("%+v", g) })
			matchAll(t, "dynamic", h.Dynamic, r.Dynamic, func(w map[string]any, g Dynamic) bool {
				if string(g.Kind) != str(w["kind"]) || g.Path != str(w["path"]) {
					return false
				}
				if e, ok := w["expr"]; ok && str(e) != g.Expr {
					return false
				}
				if o, ok := w["optional"]; ok && o != g.Optional {
					return false
				}
				return true
			}, func(g Dynamic) string { return fmt.Sprintf("%+v", g) })
			matchAll(t, "inert", h.Inert, r.Inert, func(w map[string]any, g Inert) bool {
				if a, ok := w["alias"]; ok && str(a) != g.Alias {
					return false
				}
				return g.Name == str(w["name"]) && string(g.Kind) == str(w["kind"]) && g.Path == str(w["path"])
			}, func(g Inert) string { return fmt.Sprintf("%+v", g) })
			for _, nr := range h.NotRefs {
				path, text := str(nr["path"]), str(nr["text"])
				for _, ref := range r.References {
					if ref.Path != path {
						continue
					}
					if text == "" || strings.HasSuffix(text, "."+ref.Name) {
						t.Errorf("not_refs %s (%s): got reference %+v", path, text, ref)
					}
				}
				if text == "" {
					for _, in := range r.Inert {
						if in.Path == path {
							t.Errorf("not_refs %s: got inert %+v", path, in)
						}
					}
				}
			}
			for _, w := range h.Warnings {
				code, path := str(w["code"]), str(w["path"])
				found := false
				for _, g := range r.Warnings {
					if g.Code == code && (g.Path == path || containerCodes[code] && relatedPath(g.Path, path)) {
						found = true
					}
				}
				if !found {
					t.Errorf("warning %s at %s: not found in %v", code, path, r.Warnings)
				}
			}
			checkPositions(t, src, r)
			for name, n := range lk.reads {
				if n > 1 {
					t.Errorf("value of %s read %d times, want at most 1", name, n)
				}
			}
		})
	}
}

// checkPositions verifies that each non-LLM reference's line:col points
// at the word secrets (or, for a presence check, at the map) in the file.
func checkPositions(t *testing.T, src []byte, r *Result) {
	t.Helper()
	lines := strings.Split(string(src), "\n")
	for _, ref := range r.References {
		if ref.Line < 1 || ref.Line > len(lines) || ref.Column < 1 {
			t.Errorf("%s at %s: position %d:%d out of range", ref.Name, ref.Path, ref.Line, ref.Column)
			continue
		}
		if ref.Kind == KindLLMProvider {
			continue
		}
		line := []rune(lines[ref.Line-1])
		if ref.Column-1 >= len(line) || !strings.HasPrefix(string(line[ref.Column-1:]), "secrets") {
			t.Errorf("%s at %s: %d:%d does not point at secrets in %q", ref.Name, ref.Path, ref.Line, ref.Column, string(line))
		}
	}
}

// TestFixtureLegacyMapping previews fixture 01 with the legacy table: each
// LLM reference takes its header's legacy_name, and disappears when that
// is null.
func TestFixtureLegacyMapping(t *testing.T) {
	h, r, _, _ := previewFixture(t, "testdata/01-llm-provider.yaml", MappingLegacy)
	var want []map[string]any
	for _, ref := range h.Refs {
		if str(ref["kind"]) != string(KindLLMProvider) {
			continue
		}
		if l, ok := ref["legacy_name"]; ok {
			if l == nil {
				continue
			}
			ref["name"] = l
		}
		want = append(want, ref)
	}
	var got []Reference
	for _, ref := range r.References {
		if ref.Kind == KindLLMProvider {
			got = append(got, ref)
		}
	}
	matchAll(t, "legacy refs", want, got, func(w map[string]any, g Reference) bool {
		return g.Name == str(w["name"]) && g.Path == str(w["path"]) && g.Model == str(w["model"])
	}, func(g Reference) string { return fmt.Sprintf("%+v", g) })
}
