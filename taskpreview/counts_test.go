package taskpreview

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// failingLookup has every name in names; reading bad fails.
type failingLookup struct {
	*fakeLookup
	bad string
}

func (l failingLookup) Value(name string) (string, error) {
	if name == l.bad {
		l.reads[name]++
		return "", errors.New("keyring locked")
	}
	return l.fakeLookup.Value(name)
}

// TestCountsTellOneStory checks, for one reference of each kind of
// outcome, the count it falls in, whether it fails the preview, the
// guard's path, the summary line and the verdict: the same story in each.
func TestCountsTellOneStory(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		store     []string
		bad       string // a name whose value cannot be read
		namesOnly bool
		noStore   bool
		want      Count
		guard     string
		summary   string
	}{
		{name: "required missing", src: "main:\n  - log: $ secrets.TOKEN\n",
			want: CountRequiredMissing, summary: "1 reference · 0 resolved · 1 missing"},
		{name: "resolved", src: "main:\n  - log: $ secrets.TOKEN\n", store: []string{"TOKEN"},
			want: CountResolved, summary: "1 reference · 1 resolved · 0 missing"},
		{name: "get is optional", src: "main:\n  - log: $ secrets.get('TOKEN')\n",
			want: CountOptionalMissing, summary: "1 reference · 0 resolved · 0 missing · 1 optional missing"},
		{name: "in is optional", src: "main:\n  - evaluate:\n      x: $ 'TOKEN' in secrets\n",
			want: CountOptionalMissing, summary: "1 reference · 0 resolved · 0 missing · 1 optional missing"},
		{name: "llm provider key is optional", src: "main:\n  - prompt: hi\n    settings:\n      model: gpt-4o\n",
			want: CountOptionalMissing, summary: "1 reference · 0 resolved · 0 missing · 1 optional missing"},
		{name: "guarded by if", src: "main:\n  - if: $ secrets.get('TOKEN')\n    then:\n      log: $ secrets.TOKEN\n",
			want: CountGuardedMissing, guard: "main[0].if"},
		{name: "guarded by a switch case", src: "main:\n  - switch:\n      - case: $ 'TOKEN' in secrets\n        then:\n          log: $ secrets.TOKEN\n",
			want: CountGuardedMissing, guard: "main[0].switch[0].case"},
		{name: "unreadable", src: "main:\n  - log: $ secrets.TOKEN\n", store: []string{"TOKEN"}, bad: "TOKEN",
			want: CountUnreadable, summary: "1 reference · 0 resolved · 0 missing · 1 unreadable"},
		{name: "names only: present", src: "main:\n  - log: $ secrets.TOKEN\n", store: []string{"TOKEN"}, namesOnly: true,
			want: CountResolved, summary: "1 reference · 1 resolved · 0 missing"},
		{name: "names only: missing", src: "main:\n  - log: $ secrets.TOKEN\n", namesOnly: true,
			want: CountRequiredMissing, summary: "1 reference · 0 resolved · 1 missing"},
		{name: "no store", src: "main:\n  - log: $ secrets.TOKEN\n", noStore: true,
			want: CountUnchecked, summary: "1 reference · 1 unchecked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := newFakeLookup(tt.store...)
			var lk Lookup = failingLookup{fl, tt.bad}
			if tt.noStore {
				lk = nil
			}
			res, err := Preview("t.yaml", []byte("name: t\n"+tt.src), Options{Lookup: lk, NamesOnly: tt.namesOnly})
			if err != nil {
				t.Fatal(err)
			}
			var ref *Reference
			for i := range res[0].References {
				if r := &res[0].References[i]; r.Kind == KindLLMProvider || r.Kind != KindPresenceCheck || len(res[0].References) == 1 {
					ref = r
				}
			}
			if tt.guard != "" { // the guard itself is a reference too: take the guarded one
				ref = &res[0].References[len(res[0].References)-1]
			}
			if ref == nil {
				t.Fatalf("no reference in %+v", res[0].References)
			}
			if ref.CountsAs != tt.want || ref.Counted() != tt.want {
				t.Errorf("counts_as = %q (Counted %q), want %q: %+v", ref.CountsAs, ref.Counted(), tt.want, *ref)
			}
			if ref.Fails != (tt.want == CountRequiredMissing) {
				t.Errorf("fails = %v for a %s reference", ref.Fails, tt.want)
			}
			if ref.Guard != tt.guard {
				t.Errorf("guard = %q, want %q", ref.Guard, tt.guard)
			}
			if tt.namesOnly && (fl.reads["TOKEN"] != 0 || ref.Masked != "" || !res[0].NamesOnly) {
				t.Errorf("names only: %d reads, mask %q, NamesOnly %v; want no read and no mask", fl.reads["TOKEN"], ref.Masked, res[0].NamesOnly)
			}
			s := Summarize(res[0])
			if tt.summary != "" && !strings.HasPrefix(s.String(), tt.summary+" · ") {
				t.Errorf("summary = %q, want it to start %q", s, tt.summary)
			}
			if total := s.Resolved + s.RequiredMissing + s.OptionalMissing + s.GuardedMissing + s.Unreadable + s.Unchecked; total != s.References {
				t.Errorf("the counts add up to %d, not %d references: %+v", total, s.References, s)
			}
			v := Judge([]FilePreview{{Path: "t.yaml", Results: res}})
			if v.OK() != (s.RequiredMissing == 0) || v.Summary != s {
				t.Errorf("Judge = %+v (OK %v), summary %+v: they disagree", v, v.OK(), s)
			}
			if tt.want == CountUnreadable && !slices.Equal(v.Unreadable, []string{"TOKEN"}) {
				t.Errorf("Judge.Unreadable = %v, want [TOKEN]", v.Unreadable)
			}
		})
	}
}

// An unreadable value is warned about once per name, not per use.
func TestUnreadableWarnedOncePerName(t *testing.T) {
	src := "name: t\nmain:\n  - log: $ secrets.TOKEN\n  - log: $ secrets.TOKEN\n  - log: $ secrets.TOKEN\n"
	res, err := Preview("t.yaml", []byte(src), Options{Lookup: failingLookup{newFakeLookup("TOKEN"), "TOKEN"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, w := range res[0].Warnings {
		if w.Code == WarnValueUnreadable {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d value_unreadable warnings for one name used 3 times, want 1", n)
	}
	if s := Summarize(res[0]); s.Unreadable != 3 || s.RequiredMissing != 0 {
		t.Errorf("summary = %+v, want 3 unreadable and none missing", s)
	}
}

func TestLooksLikeTask(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"name: t\nmain:\n  - log: hi\n", true},
		{"name: t\ntools:\n  - name: x\n", true},
		{"\"main\": []\n", true},
		{"# yaml-language-server: $schema=https://raw.githubusercontent.com/julep-ai/julep/dev/src/schemas/create_task_request.json\nname: t\n", true},
		{"name: broken\nmain:\n  - evaluate: {x: [1, 2}\n", true},
		{"services:\n  web:\n    image: nginx\n    environment:\n      main: yes\n", false},
		{"name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n", false},
		{"# main: not a key\nversion: 2\n", false},
		{"", false},
		{"{{ if .Values.x }}\nkey: [\n", false},
	}
	for _, tt := range tests {
		if got := LooksLikeTask([]byte(tt.src)); got != tt.want {
			t.Errorf("LooksLikeTask(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

// Files that are not Julep tasks are skipped, not failed, unless Strict; a
// file that looks like a task and fails stays a failure.
func TestPreviewAllSkipsNonTasks(t *testing.T) {
	fsys := fstest.MapFS{
		"task.yaml":                       {Data: []byte("name: t\nmain:\n  - log: $ secrets.A\n")},
		"docker-compose.yml":              {Data: []byte("services:\n  web:\n    image: nginx\n")},
		".github/workflows/ci.yml":        {Data: []byte("name: CI\non: [push]\njobs: {}\n")},
		"helm.yaml":                       {Data: []byte("key: [\n")},
		"broken-task.yaml":                {Data: []byte("name: b\nmain:\n  - evaluate: {x: [1, 2}\n")},
		"no-main.yaml":                    {Data: []byte("name: n\ntools:\n  - name: x\n    type: function\n")},
		"empty.yaml":                      {Data: []byte("")},
		"multi-with-a-non-task.yaml":      {Data: []byte("main:\n  - log: hi\n---\nkind: ConfigMap\n")},
		"looks-like-task-but-a-list.yaml": {Data: []byte("- main: x\n")},
	}
	names := []string{"task.yaml", "docker-compose.yml", ".github/workflows/ci.yml", "helm.yaml", "broken-task.yaml",
		"no-main.yaml", "empty.yaml", "multi-with-a-non-task.yaml", "looks-like-task-but-a-list.yaml"}
	p := NewProject(fsys, ".")
	for _, strict := range []bool{false, true} {
		files := p.PreviewAll(names, Options{Lookup: newFakeLookup("A"), Strict: strict})
		v := Judge(files)
		wantSkipped := []string{"docker-compose.yml", ".github/workflows/ci.yml", "helm.yaml", "empty.yaml", "looks-like-task-but-a-list.yaml"}
		wantFailed := []string{"broken-task.yaml", "no-main.yaml", "multi-with-a-non-task.yaml"}
		if strict {
			wantFailed = []string{"docker-compose.yml", ".github/workflows/ci.yml", "helm.yaml", "broken-task.yaml", "no-main.yaml",
				"empty.yaml", "multi-with-a-non-task.yaml", "looks-like-task-but-a-list.yaml"}
			wantSkipped = nil
		}
		if !slices.Equal(v.Skipped, wantSkipped) || !slices.Equal(v.Failed, wantFailed) || v.Files != 1 {
			t.Errorf("strict=%v: skipped %v, failed %v, %d files; want skipped %v, failed %v, 1 file", strict, v.Skipped, v.Failed, v.Files, wantSkipped, wantFailed)
		}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, files); err != nil {
			t.Fatal(err)
		}
		var got []map[string]any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		for _, o := range got {
			_, skipped := o["skipped"]
			_, failed := o["error"]
			if skipped != slices.Contains(wantSkipped, o["file"].(string)) || failed != slices.Contains(wantFailed, o["file"].(string)) {
				t.Errorf("strict=%v: JSON object %v: skipped %v, error %v", strict, o, skipped, failed)
			}
		}
	}
}

// Every fixture's summary agrees with its # @expect header, and its JSON
// with its summary and the verdict.
func TestFixtureCounts(t *testing.T) {
	for _, file := range fixtureFiles(t) {
		h, r, _, _ := previewFixture(t, file, MappingCurrent)
		var want Summary
		want.References = len(h.Refs)
		wantMissing := map[string]bool{}
		for _, ref := range h.Refs {
			b := func(k string) bool { v, _ := ref[k].(bool); return v }
			optional := b("optional") || str(ref["kind"]) == string(KindLLMProvider)
			switch {
			case !b("missing"):
				want.Resolved++
			case optional:
				want.OptionalMissing++
			case strings.Contains(str(ref["on_missing"]), "only reached"):
				want.GuardedMissing++
			default:
				want.RequiredMissing++
				wantMissing[str(ref["name"])] = true
			}
		}
		got := Summarize(r)
		want.Warnings = got.Warnings
		if got != want {
			t.Errorf("%s: summary %+v, want %+v from its header", file, got, want)
		}
		v := Judge([]FilePreview{{Path: file, Results: []*Result{r}}})
		if len(v.Missing) != len(wantMissing) || v.OK() != (len(wantMissing) == 0) {
			t.Errorf("%s: Judge missing %v, want %v", file, v.Missing, wantMissing)
		}
		for _, n := range v.Missing {
			if !wantMissing[n] {
				t.Errorf("%s: Judge says %s is missing; the header does not", file, n)
			}
		}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, []FilePreview{{Path: file, Results: []*Result{r}}}); err != nil {
			t.Fatal(err)
		}
		var js []struct {
			References []struct {
				CountsAs string `json:"counts_as"`
				Fails    bool   `json:"fails"`
				Status   string `json:"status"`
			} `json:"references"`
			Summary Summary `json:"summary"`
		}
		if err := json.Unmarshal(buf.Bytes(), &js); err != nil {
			t.Fatal(err)
		}
		fails, counts := 0, map[string]int{}
		for _, ref := range js[0].References {
			counts[ref.CountsAs]++
			if ref.Fails {
				fails++
			}
		}
		if js[0].Summary != got || fails != got.RequiredMissing || counts["required_missing"] != got.RequiredMissing ||
			counts["optional_missing"] != got.OptionalMissing || counts["guarded_missing"] != got.GuardedMissing || counts["resolved"] != got.Resolved {
			t.Errorf("%s: JSON summary %+v, %d failing references, counts %v; summary %+v", file, js[0].Summary, fails, counts, got)
		}
	}
}

func TestWriteGitHub(t *testing.T) {
	src := "name: t\nmain:\n  - log: $ secrets.MISSING_KEY\n  - log: $ secrets.get('OPT')\n  - log: $ secrets.HAVE\n"
	res, err := Preview("t.yaml", []byte(src), Options{Lookup: newFakeLookup("HAVE")})
	if err != nil {
		t.Fatal(err)
	}
	files := []FilePreview{
		{Path: "dir/t.yaml", Results: res},
		{Path: "compose.yml", Err: errors.New("compose.yml:1:1: not a Julep task: it has no main workflow"), Skipped: true},
		{Path: "b,ad.yaml", Err: &Error{File: "b,ad.yaml", Line: 3, Column: 5, Msg: "bad: 100%", Err: ErrSyntax}},
	}
	var buf bytes.Buffer
	if err := WriteGitHub(&buf, files); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"::error file=dir/t.yaml,line=3,col=12,title=missing secret MISSING_KEY::MISSING_KEY is not in the store, and the run fails without it (expr_attr at main[0].log)\n",
		"::notice file=compose.yml,title=skipped::compose.yml:1:1: not a Julep task: it has no main workflow\n",
		"::error file=b%2Cad.yaml,line=3,col=5,title=cannot preview::b,ad.yaml:3:5: bad: 100%25\n",
		"::warning file=dir/t.yaml,line=3,col=12,title=leak_log_metadata::",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteGitHub lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "OPT") && strings.Contains(out, "::error file=dir/t.yaml,line=4") {
		t.Errorf("an optional reference became an error:\n%s", out)
	}
	if strings.Contains(out, "missing_required") || strings.Contains(out, "plain-") {
		t.Errorf("a duplicate missing_required warning, or a value:\n%s", out)
	}
}

// secrets.keys and the like are the map's methods or blocked attributes,
// never a secret of that name (JULEP.md §3): a whole-map access with a
// warning naming the form that reads the secret.
func TestMethodNameAttributes(t *testing.T) {
	tests := []struct {
		expr string
		name string
	}{
		{"$ secrets.keys", "keys"},
		{"$ secrets.values", "values"},
		{"$ secrets.items", "items"},
		{"$ secrets.copy", "copy"},
		{"$ secrets.pop", "pop"},
		{"$ secrets.update", "update"},
		{"$ secrets.to_dict", "to_dict"},
		{"$ secrets.to_json", "to_json"},
		{"$ secrets.format", "format"},
		{"$ secrets.format_map", "format_map"},
		{"$ secrets.mro", "mro"},
		{"$ secrets.func_code", "func_code"},
		{"$ 'Bearer ' + secrets.keys", "keys"},
	}
	for _, tt := range tests {
		src := "name: t\nmain:\n  - log: \"" + tt.expr + "\"\n"
		lk := newFakeLookup(tt.name)
		res, err := Preview("t.yaml", []byte(src), Options{Lookup: lk})
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if len(r.References) != 0 {
			t.Errorf("%s: references %+v, want none: it does not read the secret %s", tt.expr, r.References, tt.name)
		}
		if len(r.Dynamic) != 1 || r.Dynamic[0].Kind != KindWholeMap || r.Dynamic[0].Path != "main[0].log" {
			t.Errorf("%s: dynamic = %+v, want one whole_map at main[0].log", tt.expr, r.Dynamic)
		}
		found := false
		for _, w := range r.Warnings {
			if w.Code == WarnNameNeedsIndex && strings.Contains(w.Message, "write secrets['"+tt.name+"']") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no name_needs_index_form warning naming secrets['%s']: %+v", tt.expr, tt.name, r.Warnings)
		}
		if lk.reads[tt.name] != 0 {
			t.Errorf("%s: the value of %s was read", tt.expr, tt.name)
		}
	}
	// The index form and a plain name still read the secret.
	res, err := Preview("t.yaml", []byte("name: t\nmain:\n  - log: $ secrets['keys'] + secrets.KEYS\n"), Options{Lookup: newFakeLookup("keys", "KEYS")})
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].References; len(got) != 2 || got[0].Name != "keys" || got[1].Name != "KEYS" || got[0].Status != StatusResolved {
		t.Errorf("references = %+v, want keys (index form) and KEYS, resolved", got)
	}
}

// The method-name case inside {{ }} templates and implicit {…} f-string
// fields, and in a URL host that URL validation lowercases into one: the
// map's method, not a secret; no reference, no value read, no leak warning
// naming a secret, and the rendering marks it dynamic, not as a name.
func TestMethodNameInTemplatesAndFields(t *testing.T) {
	tests := []struct {
		value string // a log: value, or an api_call url when url
		name  string
		url   bool
	}{
		{value: "{{ secrets.keys }}", name: "keys"},
		{value: "{{secrets.func_code}}", name: "func_code"},
		{value: "legacy {{ secrets.mro }} text", name: "mro"},
		{value: "Bearer {secrets.items}", name: "items"},
		{value: "{secrets.format}", name: "format"},
		{value: "{secrets.values:>10}", name: "values"},
		{value: "{secrets.to_json!r}", name: "to_json"},
		{value: "$ f'Bearer {secrets.copy}'", name: "copy"},
		{value: "https://{secrets.KEYS}.example.com/v1", name: "keys", url: true},
	}
	for _, tt := range tests {
		src := "name: t\nmain:\n  - log: " + strconv.Quote(tt.value) + "\n"
		path := "main[0].log"
		if tt.url {
			src = "name: t\ntools:\n  - name: api\n    type: api_call\n    api_call:\n      method: GET\n      url: " +
				strconv.Quote(tt.value) + "\nmain:\n  - tool: api\n    arguments: {}\n"
			path = "tools[0].api_call.url"
		}
		lk := newFakeLookup(tt.name, strings.ToUpper(tt.name))
		res, err := Preview("t.yaml", []byte(src), Options{Lookup: lk})
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if len(r.References) != 0 {
			t.Errorf("%s: references %+v, want none", tt.value, r.References)
		}
		if len(r.Dynamic) != 1 || r.Dynamic[0].Kind != KindWholeMap || r.Dynamic[0].Path != path {
			t.Errorf("%s: dynamic = %+v, want one whole_map at %s", tt.value, r.Dynamic, path)
		}
		var index bool
		for _, w := range r.Warnings {
			index = index || w.Code == WarnNameNeedsIndex && strings.Contains(w.Message, "write secrets['"+tt.name+"']")
			if strings.Contains(w.Message, "values of "+tt.name) {
				t.Errorf("%s: %s names %s as a secret: %s", tt.value, w.Code, tt.name, w.Message)
			}
		}
		if !index {
			t.Errorf("%s: no name_needs_index_form warning naming secrets['%s']: %+v", tt.value, tt.name, r.Warnings)
		}
		if len(lk.reads) != 0 {
			t.Errorf("%s: values were read: %v", tt.value, lk.reads)
		}
		for _, l := range r.Rendering.Lines {
			for _, sp := range l.Spans {
				if sp.Name == tt.name || sp.State == SpanInert {
					t.Errorf("%s: rendered as %+v, want a dynamic span with no name", tt.value, sp)
				}
			}
		}
	}
}
