package taskpreview

import (
	"slices"
	"strings"
	"testing"
)

// libraryTask mimics julep-ai/library tasks: "$ {secrets.X}" set literals
// in integration setup, and api_call headers built as "Bearer " + {…}.
const libraryTask = `# yaml-language-server: $schema=https://raw.githubusercontent.com/julep-ai/julep/refs/heads/dev/src/schemas/create_task_request.json
name: Research assistant
description: Searches the web and reads pages.
input_schema:
  type: object
  properties:
    topic:
      type: string
tools:
  - name: brave_search
    type: integration
    integration:
      provider: brave
      setup:
        brave_api_key: $ {secrets.BRAVE_API_KEY}
  - name: jina_reader
    type: api_call
    api_call:
      method: POST
      url: https://r.jina.ai/
      headers:
        Accept: application/json
        Authorization: $ "Bearer " + {secrets.JINA_API_KEY}
main:
  - tool: brave_search
    arguments:
      query: $ steps[0].input.topic
  - tool: jina_reader
    arguments:
      json:
        url: $ _.results[0].url
  - prompt:
      - role: user
        content: $ f"Summarise {_}"
    unwrap: true
`

const libraryManifest = `name: research-assistant
secrets:
  - name: BRAVE_API_KEY
    link: https://brave.com/search/api/
  - name: SPIDER_API_KEY
    link: https://spider.cloud
`

func TestLibraryStyleTask(t *testing.T) {
	lk := newFakeLookup("BRAVE_API_KEY", "OPENAI_API_KEY")
	res, err := Preview("research.yaml", []byte(libraryTask), Options{Model: "gpt-4o-mini", Lookup: lk})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	want := []struct {
		name, path string
		kind       Kind
		status     Status
	}{
		{"BRAVE_API_KEY", "tools[0].integration.setup.brave_api_key", KindDollarSet, StatusResolved},
		{"JINA_API_KEY", "tools[1].api_call.headers.Authorization", KindDollarSet, StatusMissing},
		{"OPENAI_API_KEY", "main[2]", KindLLMProvider, StatusResolved},
	}
	if len(r.References) != len(want) {
		t.Fatalf("references = %+v, want %d", r.References, len(want))
	}
	for i, w := range want {
		g := r.References[i]
		if g.Name != w.name || g.Path != w.path || g.Kind != w.kind || g.Status != w.status {
			t.Errorf("reference %d = %s %s %s %s, want %s %s %s %s", i, g.Name, g.Path, g.Kind, g.Status, w.name, w.path, w.kind, w.status)
		}
	}
	if g := r.References[0]; g.Line != 15 || g.Column != 27 || g.Phase != PhaseToolSetup || g.Masked == "" {
		t.Errorf("BRAVE_API_KEY = %+v, want tool_setup at 15:27 with a mask", g)
	}
	codes := map[string]bool{}
	for _, w := range r.Warnings {
		codes[w.Code+"@"+w.Path] = true
	}
	for _, c := range []string{
		"dollar_set_not_string@tools[0].integration.setup.brave_api_key",
		"dollar_set_not_string@tools[1].api_call.headers.Authorization",
		"tool_setup_required_everywhere@tools",
		"missing_required@tools[1].api_call.headers.Authorization",
	} {
		if !codes[c] {
			t.Errorf("warnings lack %s: %v", c, r.Warnings)
		}
	}
	text := r.Rendering.String()
	for _, s := range []string{"brave_api_key: {'" + r.References[0].Masked + "'}", `Authorization: $ "Bearer " + {⟨missing: JINA_API_KEY⟩}`} {
		if !strings.Contains(text, s) {
			t.Errorf("rendering lacks %q:\n%s", s, text)
		}
	}
	if v := Judge([]FilePreview{{Path: "t.yaml", Results: res}}); v.OK() || !slices.Equal(v.Missing, []string{"JINA_API_KEY"}) {
		t.Errorf("Judge = %+v, want JINA_API_KEY missing", v)
	}

	rep, err := CheckManifest([]byte(libraryManifest), UsedNames(res))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Unused, ",") != "SPIDER_API_KEY" || strings.Join(rep.Undeclared, ",") != "JINA_API_KEY" {
		t.Errorf("manifest report = unused %v undeclared %v, want [SPIDER_API_KEY] [JINA_API_KEY]", rep.Unused, rep.Undeclared)
	}
	if len(rep.Declared) != 2 || rep.Declared[0].Link != "https://brave.com/search/api/" {
		t.Errorf("declared = %+v", rep.Declared)
	}
}

func TestManifestErrors(t *testing.T) {
	for _, src := range []string{"secrets: [{link: x}]\n", "secrets: [1]\n", "secrets: [\n"} {
		if _, err := ParseManifest([]byte(src)); err == nil {
			t.Errorf("ParseManifest(%q) = nil error", src)
		}
	}
	got, err := ParseManifest([]byte("name: x\nsecrets: [A, {name: B}]\n"))
	if err != nil || len(got) != 2 || got[0].Name != "A" || got[1].Name != "B" {
		t.Errorf("ParseManifest(names) = %+v, %v", got, err)
	}
}

func TestUsedBy(t *testing.T) {
	a, err := Preview("a.yaml", []byte("name: a\nmain:\n  - log: $ secrets.X\n  - log: \"{secrets.X}\"\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Preview("b.yaml", []byte("name: b\nmain:\n  - evaluate:\n      y: $ secrets['Y'] + secrets.X\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	used := UsedBy(append(a, b...))
	if len(used["X"]) != 3 || used["X"][2].File != "b.yaml" || used["X"][2].Path != "main[0].evaluate.y" {
		t.Errorf("UsedBy[X] = %+v, want 3 uses, the last in b.yaml main[0].evaluate.y", used["X"])
	}
	if len(used["Y"]) != 1 || used["Y"][0].Kind != KindExprIndex {
		t.Errorf("UsedBy[Y] = %+v", used["Y"])
	}
	if _, ok := used["Z"]; ok {
		t.Error("UsedBy lists an unreferenced name")
	}
}
