package taskpreview

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// secretValues is a store whose values are easy to spot in output.
type secretValues struct{ names []string }

func (s secretValues) Names() []string { return s.names }
func (s secretValues) Value(name string) (string, error) {
	return "PLAINTEXT-" + name + "-do-not-show", nil
}

// TestNoPlaintextInOutput previews every test task and checks that no
// value from the lookup appears in JSON, text, rendering or Go values.
func TestNoPlaintextInOutput(t *testing.T) {
	var srcs [][]byte
	for _, f := range fixtureFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, b)
	}
	srcs = append(srcs, []byte(libraryTask), bigTask(200))
	for i, src := range srcs {
		names := []string{"OPENAI_API_KEY", "BRAVE_API_KEY", "QUERY_KEY", "API_TOKEN", "KEY_5"}
		if i < 4 {
			names = readHeader(t, src).AssumedStore
		}
		res, err := Preview(fmt.Sprintf("task%d.yaml", i), src, Options{Model: "gpt-4o", Lookup: secretValues{names}})
		if err != nil {
			t.Fatal(err)
		}
		var js, text bytes.Buffer
		if err := WriteJSON(&js, []FilePreview{{Path: "t.yaml", Results: res}}); err != nil {
			t.Fatal(err)
		}
		if err := WriteText(&text, res); err != nil {
			t.Fatal(err)
		}
		all := js.String() + text.String() + fmt.Sprintf("%+v", res)
		for _, r := range res {
			all += r.Rendering.String()
		}
		if strings.Contains(all, "PLAINTEXT") || strings.Contains(all, "do-not-show") {
			t.Errorf("task %d: a plaintext value reached the output", i)
		}
		resolved := 0
		for _, r := range res {
			for _, ref := range r.References {
				if ref.Status == StatusResolved {
					resolved++
				}
			}
		}
		if resolved == 0 {
			t.Errorf("task %d: nothing resolved, so the check proved nothing", i)
		}
	}
}

func TestJSONContract(t *testing.T) {
	res, err := Preview("t.yaml", []byte("name: t\nmain:\n  - log: $ secrets.A\n  - evaluate:\n      x: $ secrets[_.k]\n"), Options{Lookup: newFakeLookup("A")})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, []FilePreview{{Path: "t.yaml", Results: res}}); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, ",")
	}
	if k := keys(got[0]); k != "dynamic,file,inert,model,names_only,references,summary,warnings" {
		t.Errorf("result keys = %s", k)
	}
	ref := got[0]["references"].([]any)[0].(map[string]any)
	if k := keys(ref); k != "column,counts_as,fails,guard,invalid_name,kind,line,masked,name,optional,path,phase,status,suggestion" {
		t.Errorf("reference keys = %s", k)
	}
	if ref["status"] != "resolved" || ref["counts_as"] != "resolved" || ref["fails"] != false || ref["line"] != float64(3) || !strings.HasPrefix(ref["masked"].(string), "••••••••") {
		t.Errorf("reference = %v", ref)
	}
	dyn := got[0]["dynamic"].([]any)[0].(map[string]any)
	if k := keys(dyn); k != "expr,kind,path" || dyn["expr"] != "secrets[_.k]" {
		t.Errorf("dynamic = %v", dyn)
	}
	if got[0]["inert"] == nil {
		t.Error("inert is null, want []")
	}
	w := got[0]["warnings"].([]any)[0].(map[string]any)
	if k := keys(w); k != "code,message,path" {
		t.Errorf("warning keys = %s", k)
	}
}

func TestWriteText(t *testing.T) {
	src := "name: t\nmain:\n  - log: $ secrets.ALPHA + secrets.BETA_KEX\n  - log: $ secrets.get('GAMMA')\n"
	res, err := Preview("t.yaml", []byte(src), Options{Lookup: newFakeLookup("ALPHA", "BETA_KEY")})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, res); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"t.yaml\n  3 references · 1 resolved · 1 missing · 1 optional missing · 3 warnings\n",
		"ALPHA     main[0].log  3:12  expr_attr  resolved            ••••••••6789",
		"BETA_KEX  main[0].log  3:28  expr_attr  missing             did you mean BETA_KEY?",
		"GAMMA     main[1].log  4:12  expr_get   missing (optional)  gives None/False",
		"missing_required  main[0].log (line 3)",
		"why: a missing secret in an evaluated position",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteText output lacks %q:\n%s", want, out)
		}
	}
	if s := Summarize(&Result{References: []Reference{{Status: StatusResolved}}, Warnings: []Warning{{}}}).String(); s != "1 reference · 1 resolved · 0 missing · 1 warning" {
		t.Errorf("Summary = %q", s)
	}
}

func TestRendering(t *testing.T) {
	src := `name: r
tools:
  - name: slack
    type: api_call
    api_call:
      method: POST
      url: https://slack.com/api/chat.postMessage
      headers:
        Authorization: $ f'Bearer {secrets.SLACK_TOKEN}'
main:
  - evaluate:
      a: $ 'x-' + secrets.A + "-y"
      b: "{{ secrets.MISSING }} / {secrets.A!r}"
      c: $ secrets.get('OPT') or _.fallback
      d: $ secrets[_.which]
  - log: |-
      $ f"""
      one={secrets.A}
      """
  - tool: slack
`
	res, err := Preview("r.yaml", []byte(src), Options{Lookup: newFakeLookup("SLACK_TOKEN", "A")})
	if err != nil {
		t.Fatal(err)
	}
	lines := res[0].Rendering.Lines
	type span struct{ text, state string }
	find := func(source int) (string, []span) {
		for _, l := range lines {
			if l.Source == source {
				var ss []span
				for _, s := range l.Spans {
					ss = append(ss, span{l.Text[s.Start:s.End], string(s.State)})
				}
				return l.Text, ss
			}
		}
		t.Fatalf("no rendered line for source line %d", source)
		return "", nil
	}
	mask := res[0].References[1].Masked
	cases := []struct {
		line  int
		text  string
		spans []span
	}{
		{9, "        Authorization: Bearer ••••••••6789", []span{{"••••••••6789", "resolved"}}},
		{12, "      a: x-" + mask + "-y", []span{{mask, "resolved"}}},
		{13, "      b: ⟨missing: MISSING⟩ / '" + mask + "'", []span{{"⟨missing: MISSING⟩", "missing"}, {mask, "resolved"}}},
		{14, "      c: $ ⟨missing: OPT⟩ or _.fallback", []span{{"⟨missing: OPT⟩", "optional"}}},
		{15, "      d: $ secrets[_.which]", []span{{"secrets[_.which]", "dynamic"}}},
		{16, "  - log: |-", nil},
		{18, "      one=" + mask, []span{{mask, "resolved"}}},
	}
	for _, c := range cases {
		text, spans := find(c.line)
		if text != c.text || !reflect.DeepEqual(spans, c.spans) {
			t.Errorf("line %d = %q %v, want %q %v", c.line, text, spans, c.text, c.spans)
		}
	}
	warned := false
	for _, l := range lines {
		for _, wi := range l.Warnings {
			if res[0].Warnings[wi].Code == WarnMissingRequired && l.Source == 13 {
				warned = true
			}
		}
	}
	if !warned {
		t.Error("missing_required is not placed on line 13")
	}
	if n := len(lines); lines[n-1].Source != 20 {
		t.Errorf("last rendered line is source %d, want 20", lines[n-1].Source)
	}
}
