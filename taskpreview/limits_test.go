//go:build unix

package taskpreview

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestPreviewLimits(t *testing.T) {
	deep := "main:\n- evaluate:\n    x: " + strings.Repeat("[", 40000) + strings.Repeat("]", 40000) + "\n"
	big := "main:\n" + strings.Repeat("- evaluate:\n    x: $ steps[0].output\n", MaxTaskSize/36+1)
	deepTOML := "[tool.julep]\nx = " + strings.Repeat("{a=", 5000) + "1" + strings.Repeat("}", 5000) + "\n"
	for _, tt := range []struct {
		name, src, want string
	}{
		{"deep.yaml", deep, "deep.yaml:3:1: nested too deep (limit 64)"},
		{"big.yaml", big, fmt.Sprintf("big.yaml: too large (%d bytes, limit 512 KiB)", len(big))},
		{"julep.toml", deepTOML, "julep.toml:2:1: nested too deep (limit 64)"},
	} {
		var err error
		if IsJulep3Config(tt.name) {
			_, err = PreviewJulep3(tt.name, []byte(tt.src), Options{})
		} else {
			_, err = Preview(tt.name, []byte(tt.src), Options{})
		}
		if !errors.Is(err, ErrLimit) || err.Error() != tt.want {
			t.Errorf("Preview(%s) = %v, want ErrLimit %q", tt.name, err, tt.want)
		}
	}
	if _, err := ParseManifest([]byte("secrets: " + strings.Repeat("[", 100) + strings.Repeat("]", 100))); err == nil || err.Error() != "julep.yaml:1: nested too deep (limit 64)" {
		t.Errorf("ParseManifest(deep) = %v", err)
	}
}

// A hostile file fails on its own: the others still preview.
func TestPreviewAllHostileFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("good.yaml", "main:\n- log: $ secrets.A\n")
	write("deep.yaml", "main:\n- x: "+strings.Repeat("[", 1000)+"\n")
	write("big.yaml", "main:\n"+strings.Repeat("#", MaxTaskSize))
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := DirProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"big.yaml", "deep.yaml", "fifo.yaml", "good.yaml", "missing.yaml"}
	for i := range names {
		names[i] = filepath.ToSlash(filepath.Join(dir, names[i]))
	}
	out := p.PreviewAll(names, Options{})
	want := []string{
		fmt.Sprintf("big.yaml: too large (%d bytes, limit 512 KiB)", len("main:\n")+MaxTaskSize),
		"deep.yaml:2:1: nested too deep (limit 64)",
		"fifo.yaml: not a regular file (a FIFO)",
		"",
		"missing.yaml: no such file",
	}
	for i, f := range out {
		switch {
		case want[i] == "" && (f.Err != nil || len(f.Results) != 1):
			t.Errorf("%s: %v, %d results; want a preview", f.Path, f.Err, len(f.Results))
		case want[i] != "" && (f.Err == nil || !strings.Contains(f.Err.Error(), want[i]) || f.Skipped):
			t.Errorf("%s: err %v (skipped %v), want a failure containing %q", f.Path, f.Err, f.Skipped, want[i])
		}
	}
}

// The julep.yaml search stops at the project root: a folder holding .git,
// and before a folder every user may write.
func TestManifestSearchStops(t *testing.T) {
	root := t.TempDir()
	mk := func(rel string, mode os.FileMode) string {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	put := func(rel string) {
		if err := os.WriteFile(filepath.Join(root, rel), []byte("secrets: [A]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("shared", 0o1777) // a /tmp: sticky and world-writable
	mk("shared/proj/tasks", 0o755)
	put("shared/julep.yaml") // planted
	mk("repo/.git", 0o755)
	mk("repo/sub/tasks", 0o755)
	put("julep.yaml") // above the repository
	mk("plain/tasks/deeper", 0o755)
	put("plain/julep.yaml")

	for _, tt := range []struct{ task, want string }{
		{"shared/proj/tasks/t.yaml", ""},                  // never the planted one
		{"repo/sub/tasks/t.yaml", ""},                     // not above .git
		{"plain/tasks/deeper/t.yaml", "plain/julep.yaml"}, // above the tasks folder, no .git: same file system
	} {
		p, err := DirProject(filepath.Join(root, filepath.Dir(tt.task)))
		if err != nil {
			t.Fatal(err)
		}
		got := p.Manifests([]string{filepath.Base(tt.task)})
		want := []string{}
		if tt.want != "" {
			rel, _ := filepath.Rel(filepath.Join(root, filepath.Dir(tt.task)), filepath.Join(root, tt.want))
			want = []string{filepath.ToSlash(rel)}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("Manifests(%s) = %q, want %q", tt.task, got, want)
		}
	}
	put("repo/julep.yaml") // at the repository's top: found
	p, _ := DirProject(filepath.Join(root, "repo/sub/tasks"))
	if got := p.Manifests([]string{"t.yaml"}); strings.Join(got, ",") != "../../julep.yaml" {
		t.Errorf("Manifests(repo task) = %q, want ../../julep.yaml", got)
	}
}
