package taskpreview

import (
	"slices"
	"testing"
	"testing/fstest"
)

func TestFindTasks(t *testing.T) {
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
	got, err := FindTasks(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.yaml", "b.yml", "proj/src/tasks/deep/more/u.yml", "proj/src/tasks/t.yaml"}
	if !slices.Equal(got, want) {
		t.Errorf("FindTasks = %q, want %q", got, want)
	}
	if m := NearestManifest(fsys, "proj/src/tasks/t.yaml"); m != "proj/julep.yaml" {
		t.Errorf("NearestManifest(proj/src/tasks/t.yaml) = %q, want proj/julep.yaml", m)
	}
	if m := NearestManifest(fsys, "a.yaml"); m != "" {
		t.Errorf("NearestManifest(a.yaml) = %q, want none", m)
	}
	if _, err := FindTasks(fsys, "missing"); err == nil {
		t.Error("FindTasks on a missing root succeeded")
	}
}
