package taskpreview

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/keyward/keyward/julep"
)

func readJulep3(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/julep3/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPreviewJulep3Pyproject checks every secret:// case of the fixture:
// whole-string references resolved and counted like a task's, the
// malformed and the not-whole ones warned, with their lines.
func TestPreviewJulep3Pyproject(t *testing.T) {
	src := readJulep3(t, "pyproject.toml")
	res, err := PreviewJulep3("pyproject.toml", src, Options{Lookup: secretValues{names: []string{"tracker-token", "audit-key"}}})
	if err != nil || len(res) != 1 {
		t.Fatalf("PreviewJulep3 = %d results, %v", len(res), err)
	}
	r := res[0]
	type ref struct {
		name, path    string
		line, col     int
		status        Status
		counts        Count
		fails, masked bool
		kind          Kind
		phase         Phase
	}
	var got []ref
	for _, x := range r.References {
		got = append(got, ref{x.Name, x.Path, x.Line, x.Column, x.Status, x.CountsAs, x.Fails, x.Masked != "", x.Kind, x.Phase})
	}
	want := []ref{
		{"search-api-key", "tool.julep.mcp.servers.search.headers.X-Api-Key", 19, 16, StatusMissing, CountRequiredMissing, true, false, KindSecretURI, PhaseMCPRequest},
		{"tracker-token", "tool.julep.mcp.servers.tracker.headers.Authorization", 12, 48, StatusResolved, CountResolved, false, true, KindSecretURI, PhaseMCPRequest},
	}
	if !slices.Equal(got, want) {
		t.Errorf("references:\n got %+v\nwant %+v", got, want)
	}
	var warns []string
	for _, w := range r.Warnings {
		warns = append(warns, fmt.Sprintf("%s %s %d", w.Code, w.Path, w.Line))
	}
	slices.Sort(warns)
	wantWarns := []string{
		"missing_required tool.julep.mcp.servers.search.headers.X-Api-Key 19",
		"secret_ref_malformed tool.julep.mcp.servers.search.headers.X-Bad 21",
		"secret_ref_malformed tool.julep.mcp.servers.search.headers.X-Case 22",
		"secret_ref_not_whole_value tool.julep.mcp.servers.search.auth 16",
		"secret_ref_not_whole_value tool.julep.mcp.servers.search.headers.X-Trace 20",
	}
	if !slices.Equal(warns, wantWarns) {
		t.Errorf("warnings:\n got %q\nwant %q", warns, wantWarns)
	}
	var inert []string
	for _, in := range r.Inert {
		inert = append(inert, in.Name+" "+in.Path)
	}
	if want := []string{"trace-token tool.julep.mcp.servers.search.headers.X-Trace", "search-token tool.julep.mcp.servers.search.auth"}; !slices.Equal(inert, want) {
		t.Errorf("inert = %q, want %q", inert, want)
	}
	for _, w := range r.Warnings {
		if w.Code == WarnSecretRefMalformed && strings.HasSuffix(w.Path, "X-Case") && !strings.Contains(w.Message, "did you mean secret://tracker-token?") {
			t.Errorf("the malformed Tracker-Token gives no suggestion: %q", w.Message)
		}
	}
	if s := Summarize(r); s.References != 2 || s.Resolved != 1 || s.RequiredMissing != 1 {
		t.Errorf("summary = %+v, want 2 references, 1 resolved, 1 missing", s)
	}
	rendered := r.Rendering.String()
	if !strings.Contains(rendered, "⟨missing: search-api-key⟩") || strings.Contains(rendered, "secret://tracker-token") {
		t.Errorf("rendering does not mark the references:\n%s", rendered)
	}
	for _, l := range r.Rendering.Lines {
		for _, s := range l.Spans {
			if s.Start < 0 || s.End > len(l.Text) || s.Start > s.End {
				t.Fatalf("span %+v outside line %q", s, l.Text)
			}
		}
	}
}

func TestPreviewJulep3JulepTOML(t *testing.T) {
	res, err := PreviewJulep3("proj/julep.toml", readJulep3(t, "julep.toml"), Options{Lookup: secretValues{names: []string{"tracker-token"}}, NamesOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res[0].References {
		got = append(got, fmt.Sprintf("%s %s %d:%d %s", r.Name, r.Path, r.Line, r.Column, r.CountsAs))
	}
	want := []string{
		"tracker-token mcp.servers.tracker.headers.Authorization 3:18 resolved",
		"audit-key mcp.servers.tracker.headers.X-Audit 4:14 required_missing",
	}
	if !slices.Equal(got, want) {
		t.Errorf("references = %q, want %q", got, want)
	}
	if !res[0].NamesOnly || res[0].References[0].Masked != "" {
		t.Errorf("names only read a value: %+v", res[0].References[0])
	}
}

func TestPreviewJulep3NotAProject(t *testing.T) {
	tests := []struct {
		file, src string
		want      error
		line      int
	}{
		{"pyproject.toml", "[project]\nname = \"x\"\n", ErrNotTask, 0},
		{"pyproject.toml", "[tool.julep]\nx = = 1\n", ErrSyntax, 2},
		{"julep.toml", "src = [\"a\"]\nx = = 1\n", ErrSyntax, 2},
	}
	for _, tt := range tests {
		_, err := PreviewJulep3(tt.file, []byte(tt.src), Options{})
		var pe *Error
		if !errors.Is(err, tt.want) || !errors.As(err, &pe) || pe.Line != tt.line {
			t.Errorf("PreviewJulep3(%q, %q) = %v, want %v at line %d", tt.file, tt.src, err, tt.want, tt.line)
		}
	}
	// An empty julep.toml is still Julep's: no references, no error.
	if res, err := PreviewJulep3("julep.toml", nil, Options{}); err != nil || len(res[0].References) != 0 {
		t.Errorf("empty julep.toml = %v, %v", res, err)
	}
}

// TestProjectJulep3 is discovery, the skip rule and the exit rule for
// Julep 3 files.
func TestProjectJulep3(t *testing.T) {
	fsys := fstest.MapFS{
		"app/pyproject.toml":    {Data: readJulep3(t, "pyproject.toml")},
		"app/julep.toml":        {Data: readJulep3(t, "julep.toml")},
		"lib/pyproject.toml":    {Data: []byte("[project]\nname = \"lib\"\n")},
		"broken/pyproject.toml": {Data: []byte("[project\n")},
		"bad/julep.toml":        {Data: []byte("x = = 1\n")},
		"other.toml":            {Data: []byte("x = 1\n")},
		"julep.yaml":            {Data: []byte("secrets:\n  - name: A\n")},
	}
	p := NewProject(fsys, ".")
	names, _, err := p.Tasks(".", 0)
	want := []string{"app/julep.toml", "app/pyproject.toml", "bad/julep.toml", "broken/pyproject.toml", "lib/pyproject.toml"}
	if err != nil || !slices.Equal(names, want) {
		t.Fatalf("Tasks = %q, %v; want %q", names, err, want)
	}
	files := p.PreviewAll(names, Options{Strict: true, Lookup: secretValues{names: []string{"tracker-token"}}})
	p.CheckManifests(files)
	v := Judge(files)
	if !slices.Equal(v.Skipped, []string{"broken/pyproject.toml", "lib/pyproject.toml"}) || !slices.Equal(v.Failed, []string{"bad/julep.toml"}) {
		t.Errorf("skipped %q, failed %q; want the two non-Julep pyproject.toml skipped (even --strict), bad/julep.toml failed", v.Skipped, v.Failed)
	}
	if !slices.Equal(v.Missing, []string{"audit-key", "search-api-key"}) || v.OK() {
		t.Errorf("missing = %q (ok %v), want audit-key and search-api-key", v.Missing, v.OK())
	}
	for _, f := range files {
		for _, r := range f.Results {
			for _, w := range r.Warnings {
				if strings.HasPrefix(w.Code, "manifest_") {
					t.Errorf("%s: a julep.yaml finding on a Julep 3 file: %+v", f.Path, w)
				}
			}
		}
	}
	var out bytes.Buffer
	if err := WriteText(&out, Results(files)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Julep 3 project: secret:// references in MCP server headers", "search-api-key", "secret_uri"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("text output lacks %q:\n%s", s, out.String())
		}
	}
	if bytes.Contains(out.Bytes(), []byte("do-not-show")) {
		t.Error("a value reached the text output")
	}
}

// TestSecretRefNameIsJulepsV3Rule holds taskpreview's copy of the name rule
// to the julep package's (one rule; taskpreview may not import julep).
func TestSecretRefNameIsJulepsV3Rule(t *testing.T) {
	for _, name := range []string{"a", "0", "tracker-token", "a_b-c", "", "A", "-a", "_a", "a b", "é", "a.b", strings.Repeat("a", 64), strings.Repeat("a", 65), "ok\n"} {
		_, got := SecretRefName("secret://" + name)
		if want := julep.ValidateV3Name(name) == nil; got != want {
			t.Errorf("SecretRefName(secret://%q) = %v, julep.ValidateV3Name says %v", name, got, want)
		}
	}
	for _, s := range []string{"Bearer secret://a", " secret://a", "secret://a ", "secret:/a", "SECRET://a"} {
		if _, ok := SecretRefName(s); ok {
			t.Errorf("SecretRefName(%q) is a reference; Julep sends it as written", s)
		}
	}
}

func FuzzSecretRefName(f *testing.F) {
	for _, s := range []string{"a", "tracker-token", "A", "-a", strings.Repeat("z", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if _, got := SecretRefName("secret://" + name); got != (julep.ValidateV3Name(name) == nil) {
			t.Fatalf("SecretRefName and julep.ValidateV3Name disagree on %q", name)
		}
	})
}

// FuzzPreviewJulep3: no panic, positions inside the file, no value shown.
func FuzzPreviewJulep3(f *testing.F) {
	for _, n := range []string{"pyproject.toml", "julep.toml"} {
		if b, err := os.ReadFile("testdata/julep3/" + n); err == nil {
			f.Add(n, b)
		}
	}
	f.Add("julep.toml", []byte("[mcp.servers.a]\nheaders = { A = \"secret://a\", B = \"secret://a\" }\n"))
	f.Fuzz(func(t *testing.T, name string, src []byte) {
		file := "julep.toml"
		if strings.HasPrefix(name, "p") {
			file = "pyproject.toml"
		}
		res, err := PreviewJulep3(file, src, Options{Lookup: secretValues{names: []string{"a", "tracker-token"}}})
		if err != nil {
			return
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		var out bytes.Buffer
		_ = WriteJSON(&out, []FilePreview{{Path: file, Results: res}})
		_ = WriteText(&out, res)
		for _, r := range res {
			out.WriteString(r.Rendering.String())
			for _, ref := range r.References {
				if ref.Line > lines || ref.Line < 0 {
					t.Fatalf("reference %+v outside the file (%d lines)", ref, lines)
				}
			}
			for _, l := range r.Rendering.Lines {
				for _, s := range l.Spans {
					if s.Start < 0 || s.End > len(l.Text) || s.Start > s.End {
						t.Fatalf("span %+v outside line %q", s, l.Text)
					}
				}
			}
		}
		if bytes.Contains(out.Bytes(), []byte("do-not-show")) {
			t.Fatal("a store value reached the output")
		}
	})
}
