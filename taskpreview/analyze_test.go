package taskpreview

import (
	"reflect"
	"strings"
	"testing"
)

// analyzeCases are string leaves and what they read from the secrets map,
// written kind:name (named accesses) or kind=expr (dynamic, whole map).
var analyzeCases = []struct {
	in   string
	want []string
	err  bool
}{
	// "$ " expressions
	{in: "$ secrets.A", want: []string{"expr_attr:A"}},
	{in: "$   secrets.A", want: []string{"expr_attr:A"}},
	{in: "   $ secrets.A  ", want: []string{"expr_attr:A"}},
	{in: "$secrets.A", want: nil},
	{in: "$ secrets['A'] + secrets[\"B\"]", want: []string{"expr_index:A", "expr_index:B"}},
	{in: "$ secrets['A' 'B']", want: []string{"expr_index:AB"}},
	{in: "$ secrets[r'A\\n']", want: []string{"expr_index:A\\n"}},
	{in: "$ secrets['A\\x41']", want: []string{"expr_index:AA"}},
	{in: "$ state.secrets.A", want: nil},
	{in: "$ _.secrets", want: nil},
	{in: "$ steps[0].output.secrets['A']", want: nil},
	{in: "$ my_secrets.A + secrets_x", want: nil},
	{in: "$ 'secrets.A' + \"{secrets.B}\"", want: nil},
	{in: "$ '''secrets.A'''", want: nil},
	{in: "$ x  # secrets.A", want: nil},
	{in: "$ f(secrets=1)", want: nil},
	{in: "$ [x for secrets in y]", want: nil},
	{in: "$ secrets.get('A')", want: []string{"expr_get:A?"}},
	{in: "$ secrets.get(\"A\", 'fallback')", want: []string{"expr_get:A?"}},
	{in: "$ secrets.get(_.name, '')", want: []string{"dynamic?=secrets.get(_.name, '')"}},
	{in: "$ 'A' in secrets", want: []string{"presence_check:A?"}},
	{in: "$ 'A' not in secrets and x", want: []string{"presence_check:A?"}},
	{in: "$ 'A' in secrets.keys()", want: []string{"presence_check:A?"}},
	{in: "$ x + 'A' in secrets", want: []string{"dynamic?=x + 'A' in secrets"}},
	{in: "$ [k for k in secrets]", want: []string{"whole_map=[k for k in secrets]"}},
	{in: "$ secrets", want: []string{"whole_map=secrets"}},
	{in: "$ len(secrets)", want: []string{"whole_map=len(secrets)"}},
	{in: "$ list(secrets.keys())", want: []string{"whole_map=list(secrets.keys())"}},
	{in: "$ dump_json(secrets)", want: []string{"whole_map=dump_json(secrets)"}},
	{in: "$ secrets[steps[0].input.which + '_TOKEN']", want: []string{"dynamic=secrets[steps[0].input.which + '_TOKEN']"}},
	{in: "$ secrets[b'A']", want: []string{"dynamic=secrets[b'A']"}},
	{in: "$ secrets.A if secrets.get('B') else secrets['C']", want: []string{"expr_attr:A", "expr_get:B?", "expr_index:C"}},
	{in: "$ secrets.A[-4:]", want: []string{"expr_attr:A"}},
	{in: "$ secrets.class", want: []string{"expr_attr:class!"}},
	// The map's methods and blocked attributes reach the map, never a secret of that name.
	{in: "$ secrets.keys", want: []string{"whole_map:keys!"}},
	{in: "$ secrets._private", want: []string{"whole_map:_private!"}},
	{in: "$ secrets['my-key']", want: []string{"expr_index:my-key"}},
	// dollar_set: braces after "$ " make a Python set
	{in: "$ {secrets.A}", want: []string{"dollar_set:A"}},
	{in: "$ \"Bearer \" + {secrets.A}", want: []string{"dollar_set:A"}},
	{in: "$ {'k': secrets.A}", want: []string{"expr_attr:A"}},
	{in: "$ {**secrets}", want: []string{"whole_map={**secrets}"}},
	// f-strings
	{in: "$ f'Bearer {secrets.A}'", want: []string{"fstring:A"}},
	{in: "$ F\"{secrets['A']}\"", want: []string{"fstring:A"}},
	{in: "$ f\"{secrets[\"A\"]}\"", want: []string{"fstring:A"}},
	{in: "$ f'''{secrets.A}\n{secrets.B}'''", want: []string{"fstring:A", "fstring:B"}},
	{in: "$ rf\"\\d{secrets.A}\"", want: []string{"fstring:A"}},
	{in: "$ f\"{{secrets.A}}\"", want: nil},
	{in: "$ f\"{{{secrets.A}}}\"", want: []string{"fstring:A"}},
	{in: "$ f'{secrets.A!r:>10}'", want: []string{"fstring:A"}},
	{in: "$ f'{secrets.A=}'", want: []string{"fstring:A"}},
	{in: "$ f'{x:{secrets.W}}'", want: []string{"fstring:W"}},
	{in: "$ f'{secrets.A[-4:]}'", want: []string{"fstring:A"}},
	{in: "$ f'{secrets.get(\"A\")}'", want: []string{"expr_get:A?"}},
	{in: "$ f\"Basic {b64(f'{secrets.U}:{secrets.P}'.encode())}\"", want: []string{"fstring:U", "fstring:P"}},
	{in: "$ f'ü {secrets.A}'", want: []string{"fstring:A"}},
	{in: "$ f'{len(secrets)}'", want: []string{"whole_map=len(secrets)"}},
	// legacy templates and implicit f-strings
	{in: "Bearer {secrets.A}", want: []string{"implicit_fstring:A"}},
	{in: "Bearer $ secrets.A", want: nil},
	{in: "{{ secrets.A }} and {secrets.B}", want: []string{"template:A", "implicit_fstring:B"}},
	{in: "{{secrets['A']}}", want: []string{"template:A"}},
	{in: "${{ secrets.A }}", want: []string{"template:A"}},
	{in: "{{ secrets.get('A') }}", want: []string{"expr_get:A?"}},
	{in: "https://x.example/?k={secrets.A}", want: []string{"implicit_fstring:A"}},
	{in: "{secrets.A:>12}", want: []string{"implicit_fstring:A"}},
	// legacy data access gets "$ " prepended
	{in: "[secrets.A]", want: []string{"expr_attr:A"}},
	{in: "_.secrets", want: nil},
	// syntax errors keep what was found before them
	{in: "$ secrets.A + 'oops", want: []string{"expr_attr:A"}, err: true},
	{in: "{{ secrets.A }} ends with '", want: []string{}, err: true},
	{in: "it's {secrets.A} and ''' here", want: []string{}, err: true},
	{in: "a } b {secrets.A}", want: []string{}, err: true},
	{in: "$ f'{secrets.A'", want: nil, err: true},
}

func describe(a *analysis) []string {
	var out []string
	for _, h := range a.hits {
		s := string(h.kind)
		if h.name != "" {
			s += ":" + h.name
		}
		if h.optional {
			s += "?"
		}
		if h.hazard != "" {
			s += "!"
		}
		if h.name == "" {
			s += "=" + h.expr
		}
		out = append(out, s)
	}
	return out
}

func TestAnalyze(t *testing.T) {
	for _, c := range analyzeCases {
		t.Run(c.in, func(t *testing.T) {
			a := analyze(c.in)
			got := describe(a)
			if c.err {
				if a.err == nil {
					t.Errorf("analyze(%q): no syntax error, want one", c.in)
				}
				if len(c.want) == 0 && len(got) == 0 {
					return
				}
			} else if a.err != nil {
				t.Errorf("analyze(%q): syntax error %v", c.in, a.err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("analyze(%q) = %q, want %q", c.in, got, c.want)
			}
			checkHits(t, c.in, a.hits)
		})
	}
}

// checkHits asserts the invariants every hit keeps: it starts on the word
// secrets and its access lies inside the value.
func checkHits(t *testing.T, value string, hits []hit) {
	t.Helper()
	for _, h := range hits {
		if h.off < 0 || h.end > len(value) || h.off >= h.end {
			t.Fatalf("analyze(%q): hit %+v out of range", value, h)
		}
		if !strings.HasPrefix(value[h.off:], "secrets") {
			t.Fatalf("analyze(%q): hit %+v does not start at secrets", value, h)
		}
	}
}

func TestScanInert(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Lists tenant docs; needs $ secrets.NOT_EVALUATED", []string{"expr_attr:NOT_EVALUATED"}},
		{"$ secrets.INLINE", []string{"expr_attr:INLINE"}},
		{"https://hooks.example.com/services/{secrets.HOOK}", []string{"implicit_fstring:HOOK"}},
		{"don't put {{ secrets.X }} in prose, it's fine", []string{"template:X"}},
		{"use secrets['Y'] or secrets.get('Z')", []string{"expr_index:Y", "expr_get:Z?"}},
		{"the secrets map and my_secrets.X", nil},
		// Every form that names a secret, in the middle of prose.
		{"Uses $ secrets.A to call the API", []string{"expr_attr:A"}},
		{"Calls with $ secrets['A'] then", []string{"expr_index:A"}},
		{"Checks $ secrets.get('A', 'x') first", []string{"expr_get:A?"}},
		{"Checks $ 'A' in secrets first", []string{"presence_check:A?"}},
		{"only if \"A\" not in secrets is false", []string{"presence_check:A?"}},
		{"Sends $ f'Bearer {secrets.A}' as the header", []string{"fstring:A"}},
		{"Sends $ {secrets.A} (a set)", []string{"dollar_set:A"}},
		{"Sends Bearer {secrets.A} as the header", []string{"implicit_fstring:A"}},
		{"Sends ${{ secrets.A }} as the header", []string{"template:A"}},
		// Several forms in one string, each found.
		{"Bearer {secrets.A}, or $ secrets.B, or 'C' in secrets", []string{"implicit_fstring:A", "expr_attr:B", "presence_check:C?"}},
		{"line one\n$ secrets.A\nand {{ secrets.B }} and secrets['C']", []string{"expr_attr:A", "template:B", "expr_index:C"}},
		// Prose and method names are not look-alikes of a named secret.
		{"Keep your secrets. Then rotate them", nil},
		{"costs $ 5 and secrets stay secret", nil},
		{"$ secrets.keys() lists names", nil},
		{"whole map: $ len(secrets), dynamic: $ secrets[_.k]", nil},
	}
	for _, c := range cases {
		hits := scanInert(c.in)
		checkHits(t, c.in, hits)
		got := describe(&analysis{hits: hits})
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("scanInert(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestURLPart(t *testing.T) {
	u := "https://{secrets.U}@{secrets.H}.example.com/a/{secrets.P}?k={secrets.Q}#{secrets.F}"
	for name, want := range map[string]string{"U": "userinfo", "H": "host", "P": "path", "Q": "query", "F": "fragment"} {
		off := strings.Index(u, "secrets."+name)
		if got := urlPart(u, off); got != want {
			t.Errorf("urlPart(%q, %s) = %s, want %s", u, name, got, want)
		}
	}
	if got := urlPart("/relative/{secrets.X}", 11); got != "path" {
		t.Errorf("urlPart(relative) = %s, want path", got)
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, c := range analyzeCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, value string) {
		a := analyze(value)
		checkHits(t, value, a.hits)
		for _, h := range scanInert(value) {
			if !strings.HasPrefix(value[h.off:], "secrets") {
				t.Fatalf("scanInert(%q): hit %+v does not start at secrets", value, h)
			}
		}
	})
}
