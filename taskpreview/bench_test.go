package taskpreview

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// BenchmarkPreview5000Steps previews a generated 5,000-step task with a
// store, rendering included.
func BenchmarkPreview5000Steps(b *testing.B) {
	withoutCrossCheck(b)
	src := bigTask(5000)
	names := []string{"API_TOKEN", "QUERY_KEY", "OPENAI_API_KEY"}
	for i := 0; i < 50; i += 2 {
		names = append(names, "KEY_"+itoa(i), "P_"+itoa(i))
	}
	lk := newFakeLookup(names...)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Preview("big.yaml", src, Options{Model: "gpt-4o", Lookup: lk})
		if err != nil || len(res[0].References) < 5000 {
			b.Fatalf("Preview = %v, %v", len(res), err)
		}
	}
}

// BenchmarkWriteText5000Steps writes the text output of the generated
// 5,000-step task's preview, as the command line does to a pipe or a file
// (no colour, no width): 6,002 references and 9,003 warnings.
func BenchmarkWriteText5000Steps(b *testing.B) {
	withoutCrossCheck(b)
	res, err := Preview("big.yaml", bigTask(5000), Options{Model: "gpt-4o", Lookup: newFakeLookup("API_TOKEN")})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := (TextOptions{}).Write(io.Discard, res); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(i int) string {
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// TestBigTask checks that a 5,000-step task previews completely. How fast
// is BenchmarkPreview5000Steps's to say, not a timed test's.
func TestBigTask(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 steps")
	}
	src := bigTask(5000)
	res, err := Preview("big.yaml", src, Options{Model: "gpt-4o", Lookup: newFakeLookup("API_TOKEN")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res[0].References); n != 6002 {
		t.Errorf("references = %d, want 6002 (5,000 steps and 2 tool references)", n)
	}
}

// FuzzPreview feeds task files through the whole pipeline: no panic, every
// position inside the file, and no value from the store in the output.
func FuzzPreview(f *testing.F) {
	for _, file := range []string{"01-llm-provider", "02-tool-secret-name", "03-multi-secrets", "04-expressions-and-templates"} {
		if b, err := os.ReadFile("testdata/" + file + ".yaml"); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(libraryTask))
	f.Add(bigTask(10))
	for _, c := range analyzeCases {
		f.Add([]byte("name: t\nmain:\n  - log: " + strings.ReplaceAll(c.in, "\n", " ") + "\n"))
		f.Add([]byte("name: t\nmain:\n  - evaluate:\n      x: |\n        " + strings.ReplaceAll(c.in, "\n", "\n        ") + "\n"))
	}
	f.Add([]byte("a: &a {x: \"{secrets.A}\"}\nmain:\n  - evaluate:\n      <<: *a\n---\nname: b\nmain: [{log: $ secrets}]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		lk := secretValues{names: []string{"A", "B", "X", "OPENAI_API_KEY", "SLACK_BOT_TOKEN"}}
		res, err := Preview("f.yaml", src, Options{Model: "gpt-4o", Lookup: lk})
		if err != nil {
			return
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		var out bytes.Buffer
		_ = WriteJSON(&out, []FilePreview{{Path: "f.yaml", Results: res}})
		_ = WriteText(&out, res)
		for _, r := range res {
			out.WriteString(r.Rendering.String())
			for _, ref := range r.References {
				if ref.Line < 1 || ref.Line > lines || ref.Column < 1 {
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
