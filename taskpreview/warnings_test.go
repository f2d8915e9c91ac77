package taskpreview

import (
	"strings"
	"testing"
)

func TestWarnings(t *testing.T) {
	const apiTool = "tools:\n  - name: api\n    type: api_call\n    api_call:\n      method: GET\n"
	cases := []struct {
		name   string
		src    string
		want   []string // code@path that must be reported
		absent []string // code@path that must not be
	}{
		{
			name:   "else null is not a step",
			src:    "name: t\nmain:\n  - if: $ True\n    then:\n      log: hi\n    else: null\n",
			absent: []string{"invalid_step@main[0].else"},
		},
		{
			name: "shapes Julep rejects or ignores",
			src:  "name: t\nmain:\n  - workflow: nowhere\n  - label: only\n  - log: $secrets.X\nx-anchors: {a: 1}\n",
			want: []string{"unknown_workflow@main[0].workflow", "invalid_step@main[1]", "dollar_without_space@main[2].log", "invalid_subworkflow@x-anchors"},
		},
		{
			name: "URL catches",
			src: "name: t\n" + apiTool + "      url: \"https://{secrets.HOST}.example.com/{secrets.PATH}?k={secrets.Q}\"\n" +
				"  - name: api2\n    type: api_call\n    api_call:\n      method: GET\n      url: $ secrets.URL\n      timeout: $ secrets.T\nmain:\n  - tool: api\n",
			want: []string{"url_host_lowercased@tools[0].api_call.url", "url_path_braces_encoded@tools[0].api_call.url",
				"url_expression_rejected@tools[1].api_call.url", "non_string_field@tools[1].api_call.timeout",
				"tool_setup_required_everywhere@tools"},
		},
		{
			name: "integration setup catches",
			src: "name: t\nmetadata:\n  x-integrations-setup:\n    mail:\n      password: x\ntools:\n  - name: mail\n    type: integration\n" +
				"    integration:\n      provider: email\n      setup:\n        port: $ secrets.PORT\n        password: $ secrets.PW\nmain:\n  - log: hi\n",
			want:   []string{"non_string_field@tools[0].integration.setup.port", "setup_overridden_by_metadata@tools[0].integration.setup.password"},
			absent: []string{"tool_setup_required_everywhere@tools", "tool_setup_required_everywhere@tools[0]"},
		},
		{
			name: "name hazards and the validator",
			src: "name: t\nmain:\n  - evaluate:\n      a: $ secrets.class\n      b: \"{secrets.ok}\"\n      nested: {c: $ secrets.C}\n" +
				"  - parallel:\n      - evaluate:\n          d: $ secrets.D\n",
			want:   []string{"name_needs_index_form@main[0].evaluate.a", "validator_undefined_name@main[0].evaluate.a"},
			absent: []string{"validator_undefined_name@main[0].evaluate.b", "validator_undefined_name@main[0].evaluate.nested.c", "validator_undefined_name@main[1].parallel[0].evaluate.d"},
		},
		{
			name:   "prompts",
			src:    "name: t\n" + apiTool + "      url: https://x.example/\n      headers: {A: $ secrets.H}\nmain:\n  - prompt: \"{secrets.P}\"\n    tools: [api]\n",
			want:   []string{"secret_sent_to_llm@main[0]"},
			absent: []string{"tool_setup_required_everywhere@tools[0]"},
		},
		{
			name: "syntax errors",
			src:  "name: t\nmain:\n  - log: $ f'{secrets.A'\n  - log: \"{secrets.B} and a stray }\"\n",
			want: []string{"expression_syntax_error@main[0].log", "expression_syntax_error@main[1].log"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Preview("t.yaml", []byte(c.src), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, w := range res[0].Warnings {
				got[w.Code+"@"+w.Path] = true
				if Explain(w.Code) == "" {
					t.Errorf("warning code %s has no explanation", w.Code)
				}
			}
			for _, w := range c.want {
				if !got[w] {
					t.Errorf("missing warning %s; got %v", w, keys(got))
				}
			}
			for _, w := range c.absent {
				if got[w] {
					t.Errorf("unexpected warning %s", w)
				}
			}
		})
	}
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, " ")
}

func TestURLHostReferenceIsLowercased(t *testing.T) {
	src := "name: t\ntools:\n  - name: a\n    type: api_call\n    api_call:\n      method: GET\n      url: https://{secrets.Host}.example.com/x/{secrets.P}?q={secrets.Q}\nmain:\n  - tool: a\n"
	res, err := Preview("t.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if len(r.References) != 2 || r.References[0].Name != "host" || r.References[1].Name != "Q" {
		t.Errorf("references = %+v, want host (lowercased) and Q", r.References)
	}
	if len(r.Inert) != 1 || r.Inert[0].Name != "P" || r.Inert[0].Kind != KindImplicitFString {
		t.Errorf("inert = %+v, want P from the path", r.Inert)
	}
}

func TestParseMapping(t *testing.T) {
	for in, want := range map[string]Mapping{"": MappingCurrent, "current": MappingCurrent, " legacy ": MappingLegacy} {
		if got, err := ParseMapping(in); err != nil || got != want {
			t.Errorf("ParseMapping(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := ParseMapping("Legacy"); err == nil {
		t.Error("ParseMapping(Legacy) = nil error, want an error")
	}
}
