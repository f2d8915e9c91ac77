package taskpreview

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestProjectTasks(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml":                            {Data: []byte("x")},
		"b.yml":                             {Data: []byte("x")},
		"notes.txt":                         {Data: []byte("x")},
		".hidden.yaml":                      {Data: []byte("x")},
		".git/config.yaml":                  {Data: []byte("x")},
		"vendor/v.yaml":                     {Data: []byte("x")},
		"node_modules/pkg/n.yaml":           {Data: []byte("x")},
		"proj/julep.yaml":                   {Data: []byte("x")},
		"proj/src/tasks/t.yaml":             {Data: []byte("x")},
		"proj/src/tasks/deep/more/u.yml":    {Data: []byte("x")},
		"proj/src/tasks/README.md":          {Data: []byte("x")},
		"proj/src/tasks/.draft/secret.yaml": {Data: []byte("x")},
	}
	tests := []struct {
		root, dir string
		want      []string
	}{
		{".", ".", []string{"a.yaml", "b.yml", "proj/src/tasks/deep/more/u.yml", "proj/src/tasks/t.yaml"}},
		{"proj/src/tasks", ".", []string{"deep/more/u.yml", "t.yaml"}},
		{"proj/src", "tasks/deep", []string{"tasks/deep/more/u.yml"}},
		// A vendored folder named on purpose is walked.
		{"proj/src/tasks", "../../../vendor", []string{"../../../vendor/v.yaml"}},
	}
	for _, tt := range tests {
		got, trunc, err := NewProject(fsys, tt.root).Tasks(tt.dir, 0)
		if err != nil || trunc || !slices.Equal(got, tt.want) {
			t.Errorf("NewProject(%q).Tasks(%q) = %q, %v, %v; want %q", tt.root, tt.dir, got, trunc, err, tt.want)
		}
	}
	if _, _, err := NewProject(fsys, ".").Tasks("missing", 0); err == nil {
		t.Error("Tasks on a missing folder succeeded")
	}
	if _, trunc, _ := NewProject(fsys, ".").Tasks(".", 3); !trunc {
		t.Error("Tasks with a limit of 3 entries was not truncated")
	}
}

// TestProjectManifests is the one rule for which julep.yaml applies: the
// nearest in the task's folder or above, above the project's folder too,
// but never above the top of its file system.
func TestProjectManifests(t *testing.T) {
	fsys := fstest.MapFS{
		"julep.yaml":                 {Data: []byte("secrets: [TOP]\n")},
		"proj/julep.yaml":            {Data: []byte("secrets: [A]\n")},
		"proj/tasks/t.yaml":          {Data: []byte("x")},
		"proj/tasks/sub/julep.yaml":  {Data: []byte("secrets: [B]\n")},
		"proj/tasks/sub/deep/u.yaml": {Data: []byte("x")},
		"other/v.yaml":               {Data: []byte("x")},
	}
	tests := []struct {
		root  string
		files []string
		want  []string
	}{
		{"proj/tasks", []string{"t.yaml"}, []string{"../julep.yaml"}},
		{"proj/tasks", []string{"sub/deep/u.yaml"}, []string{"sub/julep.yaml"}},
		{"proj/tasks", []string{"t.yaml", "sub/deep/u.yaml"}, []string{"../julep.yaml", "sub/julep.yaml"}},
		{"other", []string{"v.yaml"}, []string{"../julep.yaml"}},
		{".", []string{"proj/tasks/t.yaml", "other/v.yaml"}, []string{"julep.yaml", "proj/julep.yaml"}},
	}
	for _, tt := range tests {
		if got := NewProject(fsys, tt.root).Manifests(tt.files); !slices.Equal(got, tt.want) {
			t.Errorf("NewProject(%q).Manifests(%q) = %q, want %q", tt.root, tt.files, got, tt.want)
		}
	}
	// The demo's embedded tasks are their own file system: nothing above.
	sub := fstest.MapFS{"t.yaml": fsys["proj/tasks/t.yaml"]}
	if got := NewProject(sub, ".").Manifests([]string{"t.yaml"}); len(got) != 0 {
		t.Errorf("a project at the top of its file system found %q", got)
	}
	if got := OpenProject("", sub).Manifests([]string{"t.yaml"}); len(got) != 0 {
		t.Errorf("OpenProject without a folder on disk found %q", got)
	}
}

func TestDirProject(t *testing.T) {
	dir := t.TempDir()
	for p, data := range map[string]string{
		"proj/julep.yaml":   "secrets: [A]\n",
		"proj/tasks/t.yaml": "main:\n  - log: $ secrets.A\n",
	} {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := OpenProject(filepath.Join(dir, "proj", "tasks"), nil)
	files, _, err := p.Tasks(".", 0)
	if err != nil || !slices.Equal(files, []string{"t.yaml"}) {
		t.Fatalf("Tasks = %q, %v", files, err)
	}
	if got := p.Manifests(files); !slices.Equal(got, []string{"../julep.yaml"}) {
		t.Errorf("Manifests = %q, want ../julep.yaml", got)
	}
	abs := filepath.Join(dir, "proj", "tasks", "t.yaml")
	if got := p.Manifests([]string{filepath.ToSlash(abs)}); !slices.Equal(got, []string{"../julep.yaml"}) {
		t.Errorf("Manifests(absolute) = %q, want ../julep.yaml", got)
	}
	if src, err := p.ReadFile("../julep.yaml"); err != nil || string(src) != "secrets: [A]\n" {
		t.Errorf("ReadFile(../julep.yaml) = %q, %v", src, err)
	}
}

func TestManifestWarnings(t *testing.T) {
	fsys := fstest.MapFS{
		"lib/trip/julep.yaml":   {Data: []byte("secrets:\n  - {name: BRAVE_API_KEY, link: https://brave.com}\n  - {name: UNUSED_KEY}\n")},
		"lib/broken/julep.yaml": {Data: []byte("secrets: {name: X}\n")},
		"lib/gone/julep.yaml":   {Data: []byte("secrets: [Y]\n")},
	}
	task := func(name, src string) FilePreview {
		res, err := Preview(name, []byte(src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return FilePreview{Path: name, Results: res}
	}
	files := []FilePreview{
		task("trip/src/tasks/a.yaml", "main:\n  - evaluate: {x: $ secrets.BRAVE_API_KEY}\n"),
		task("trip/src/tasks/b.yaml", "main:\n  - evaluate: {x: $ secrets.WEATHER_KEY, y: $ secrets.WEATHER_KEY}\n"),
		task("broken/t.yaml", "main:\n  - log: hi\n"),
		task("gone/t.yaml", "main:\n  - log: $ secrets.Y\n"),
		task("elsewhere/c.yaml", "main:\n  - log: $ secrets.OTHER\n"),
		{Path: "trip/bad.yaml", Err: errors.New("bad.yaml:1:1: not a task")},
	}
	p := NewProject(fsys, "lib")
	manifests := map[string]Manifest{}
	for _, m := range p.Manifests([]string{"trip/src/tasks/a.yaml", "broken/t.yaml", "gone/t.yaml", "elsewhere/c.yaml"}) {
		manifests[m] = p.ReadManifest(m)
	}
	manifests["gone/julep.yaml"] = Manifest{Err: errors.New("permission denied")}
	got := p.ManifestWarnings(manifests, files)
	codes := func(p string) []string {
		var out []string
		for _, w := range got[p] {
			out = append(out, w.Code+" "+w.Path+" "+strings.Fields(w.Message)[0])
		}
		return out
	}
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"trip/src/tasks/a.yaml", []string{"manifest_unused trip/julep.yaml UNUSED_KEY"}},
		{"trip/src/tasks/b.yaml", []string{"manifest_undeclared trip/julep.yaml WEATHER_KEY"}}, // once, though used twice
		{"broken/t.yaml", []string{"manifest_invalid broken/julep.yaml julep.yaml:"}},
		{"gone/t.yaml", []string{"manifest_invalid gone/julep.yaml cannot"}},
		{"elsewhere/c.yaml", nil},
	} {
		if c := codes(tt.file); !slices.Equal(c, tt.want) {
			t.Errorf("ManifestWarnings[%s] = %q, want %q", tt.file, c, tt.want)
		}
	}
}

// countingLookup counts the values read.
type countingLookup struct {
	names []string
	reads map[string]int
}

func (c *countingLookup) Names() []string { return c.names }
func (c *countingLookup) Value(name string) (string, error) {
	c.reads[name]++
	return "value-of-" + name + "-1234", nil
}

func TestPreviewAll(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml":   {Data: []byte("main:\n  - log: $ secrets.A\n  - log: $ secrets.MISSING\n")},
		"b.yaml":   {Data: []byte("main:\n  - log: $ secrets.A\n")},
		"bad.yaml": {Data: []byte("just: config\n")},
	}
	lk := &countingLookup{names: []string{"A"}, reads: map[string]int{}}
	p := NewProject(fsys, ".")
	files := p.PreviewAll([]string{"a.yaml", "b.yaml", "bad.yaml", "nosuch.yaml"}, Options{Lookup: lk})
	if lk.reads["A"] != 1 {
		t.Errorf("A read %d times in one pass, want 1", lk.reads["A"])
	}
	if len(files) != 4 || files[1].Results[0].References[0].Status != StatusResolved {
		t.Fatalf("PreviewAll = %+v", files)
	}
	if err := files[3].Err; err == nil || err.Error() != "nosuch.yaml: no such file" {
		t.Errorf("nosuch.yaml error = %v, want \"nosuch.yaml: no such file\"", err)
	}
	v := Judge(files)
	if v.OK() || !slices.Equal(v.Missing, []string{"MISSING"}) || !slices.Equal(v.Failed, []string{"nosuch.yaml"}) ||
		!slices.Equal(v.Skipped, []string{"bad.yaml"}) || v.Files != 2 {
		t.Errorf("Judge = %+v, want MISSING missing, nosuch.yaml failed, bad.yaml (not a task) skipped", v)
	}
	if want := (Summary{References: 3, Resolved: 2, RequiredMissing: 1, Warnings: v.Summary.Warnings}); v.Summary != want {
		t.Errorf("Judge's summary = %+v, want %+v", v.Summary, want)
	}
	if used := UsedBy(Results(files)); len(used["A"]) != 2 {
		t.Errorf("UsedBy[A] = %+v, want a.yaml and b.yaml", used["A"])
	}
	p.PreviewAll([]string{"a.yaml"}, Options{Lookup: lk})
	if lk.reads["A"] != 2 {
		t.Errorf("A read %d times after a second pass, want 2: the cache must not outlive its pass", lk.reads["A"])
	}
}

func TestProjectName(t *testing.T) {
	tests := []struct{ root, full, want string }{
		{".", "a/b.yaml", "a/b.yaml"},
		{"a/b", "a/b/c/t.yaml", "c/t.yaml"},
		{"a/b", "a/julep.yaml", "../julep.yaml"},
		{"a/b", "julep.yaml", "../../julep.yaml"},
		{"a/b", "x/julep.yaml", "../../x/julep.yaml"},
		{"a/b", "a/bc/t.yaml", "../bc/t.yaml"},
	}
	for _, tt := range tests {
		if got := NewProject(nil, tt.root).name(tt.full); got != tt.want {
			t.Errorf("name(%q) in %q = %q, want %q", tt.full, tt.root, got, tt.want)
		}
	}
}
