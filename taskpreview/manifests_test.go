package taskpreview

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestManifestWarnings(t *testing.T) {
	manifests := map[string][]byte{
		"lib/trip/julep.yaml":   []byte("secrets:\n  - {name: BRAVE_API_KEY, link: https://brave.com}\n  - {name: UNUSED_KEY}\n"),
		"lib/broken/julep.yaml": []byte("secrets: {name: X}\n"),
	}
	task := func(src string) []*Result {
		res, err := Preview("t.yaml", []byte(src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	files := []FileResults{
		{Path: "lib/trip/src/tasks/a.yaml", Results: task("main:\n  - evaluate: {x: $ secrets.BRAVE_API_KEY}\n")},
		{Path: "lib/trip/src/tasks/b.yaml", Results: task("main:\n  - evaluate: {x: $ secrets.WEATHER_KEY, y: $ secrets.WEATHER_KEY}\n")},
		{Path: "lib/broken/t.yaml", Results: task("main:\n  - log: hi\n")},
		{Path: "elsewhere/c.yaml", Results: task("main:\n  - log: $ secrets.OTHER\n")},
	}
	got := ManifestWarnings(manifests, files)
	codes := func(p string) []string {
		var out []string
		for _, w := range got[p] {
			out = append(out, w.Code+" "+w.Path+" "+strings.Fields(w.Message)[0])
		}
		return out
	}
	if want := []string{"manifest_unused lib/trip/julep.yaml UNUSED_KEY"}; !slices.Equal(codes("lib/trip/src/tasks/a.yaml"), want) {
		t.Errorf("a.yaml warnings = %q, want %q", codes("lib/trip/src/tasks/a.yaml"), want)
	}
	if want := []string{"manifest_undeclared lib/trip/julep.yaml WEATHER_KEY"}; !slices.Equal(codes("lib/trip/src/tasks/b.yaml"), want) {
		t.Errorf("b.yaml warnings = %q, want %q (once, though used twice)", codes("lib/trip/src/tasks/b.yaml"), want)
	}
	if c := codes("lib/broken/t.yaml"); len(c) != 1 || !strings.HasPrefix(c[0], "manifest_invalid lib/broken/julep.yaml") {
		t.Errorf("broken manifest warnings = %q, want one manifest_invalid", c)
	}
	if c := codes("elsewhere/c.yaml"); len(c) != 0 {
		t.Errorf("a file under no manifest got %q", c)
	}
}

func TestFindManifests(t *testing.T) {
	fsys := fstest.MapFS{
		"julep.yaml":                {Data: []byte("x")},
		"a/julep.yaml":              {Data: []byte("x")},
		"a/src/tasks/t.yaml":        {Data: []byte("x")},
		"node_modules/x/julep.yaml": {Data: []byte("x")},
		".hidden/julep.yaml":        {Data: []byte("x")},
	}
	got, err := FindManifests(fsys, ".")
	if want := []string{"a/julep.yaml", "julep.yaml"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("FindManifests = %q, %v; want %q", got, err, want)
	}
}
