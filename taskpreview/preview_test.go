package taskpreview

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// bigTask generates a task with n main steps of several kinds, most of
// them reading a secret.
func bigTask(n int) []byte {
	var b strings.Builder
	b.WriteString("name: big\ntools:\n  - name: api\n    type: api_call\n    api_call:\n      method: GET\n" +
		"      url: https://api.example.com/v1?key={secrets.QUERY_KEY}\n      headers:\n" +
		"        Authorization: $ f'Bearer {secrets.API_TOKEN}'\nmain:\n")
	for i := 0; i < n; i++ {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "  - evaluate:\n      v%d: $ secrets.KEY_%d + '-' + str(_)\n", i, i%50)
		case 1:
			fmt.Fprintf(&b, "  - tool: api\n    arguments:\n      q: \"{secrets.ARG_%d}\"\n", i%50)
		case 2:
			fmt.Fprintf(&b, "  - prompt: $ f\"Step %d {secrets['P_%d']}\"\n    settings:\n      model: gpt-4o-mini\n", i, i%50)
		case 3:
			fmt.Fprintf(&b, "  - if: $ secrets.get('FLAG_%d') == 'on'\n    then:\n      log: \"{{ secrets.LOG_%d }}\"\n    else:\n      log: plain\n", i%50, i%50)
		default:
			fmt.Fprintf(&b, "  - foreach:\n      in: $ steps[0].input.items\n      do:\n        evaluate:\n          x: $ _ + 1\n")
		}
	}
	return []byte(b.String())
}

func TestSyntaxErrorDeepInBigFile(t *testing.T) {
	src := string(bigTask(5000))
	lines := strings.Split(src, "\n")
	const bad = 12000 // a 1-based line deep in the file
	orig := lines[bad-1]
	indent := len(orig) - len(strings.TrimLeft(orig, " "))
	lines[bad-1] = strings.Repeat(" ", indent) + "x: @never"
	_, err := Preview("big.yaml", []byte(strings.Join(lines, "\n")), Options{})
	var pe *Error
	if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) {
		t.Fatalf("Preview(broken) error = %v, want a syntax *Error", err)
	}
	if pe.Line != bad || pe.Column != indent+4 {
		t.Errorf("syntax error at %d:%d, want %d:%d (%s)", pe.Line, pe.Column, bad, indent+4, pe.Msg)
	}
	if !strings.Contains(pe.Error(), fmt.Sprintf("big.yaml:%d:%d:", bad, indent+4)) {
		t.Errorf("Error() = %q, want file:line:col", pe.Error())
	}
	if !strings.Contains(pe.Excerpt, "@never") || !strings.Contains(pe.Excerpt, "^") {
		t.Errorf("Excerpt = %q, want the line and a caret", pe.Excerpt)
	}
}

func TestSyntaxErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
	}{
		{"name: x\nmain:\n  - log: [1, 2\nother: 3\n", 4, 1},
		{"name: x\nmain:\n  - log: ok\n  - evaluate: {a: *nope}\n", 4, 19},
	}
	for _, c := range cases {
		_, err := Preview("t.yaml", []byte(c.src), Options{})
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) || pe.Line != c.line || pe.Column != c.col {
			t.Errorf("Preview(%q) = %v, want a syntax error at %d:%d", c.src, err, c.line, c.col)
		}
	}
}

func TestNotATask(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "- a\n- b\n", "name: x\ndescription: no main\n", "just a string\n"} {
		_, err := Preview("t.yaml", []byte(src), Options{})
		if !errors.Is(err, ErrNotTask) {
			t.Errorf("Preview(%q) error = %v, want ErrNotTask", src, err)
		}
	}
}

func TestMultiDocument(t *testing.T) {
	src := "name: a\nmain:\n  - log: $ secrets.A\n---\nname: b\nmain:\n  - log: $ secrets.B\n"
	res, err := Preview("m.yaml", []byte(src), Options{Lookup: newFakeLookup("A")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("Preview(two docs) = %d results, want 2", len(res))
	}
	for i, want := range []struct {
		file, name string
		line       int
		status     Status
	}{{"m.yaml#1", "A", 3, StatusResolved}, {"m.yaml#2", "B", 7, StatusMissing}} {
		r := res[i]
		if r.File != want.file || len(r.References) != 1 || r.References[0].Name != want.name ||
			r.References[0].Line != want.line || r.References[0].Status != want.status {
			t.Errorf("document %d = %s %+v, want %s %s at line %d, %s", i+1, r.File, r.References, want.file, want.name, want.line, want.status)
		}
		if len(r.Warnings) == 0 || r.Warnings[0].Code != WarnMultiDocument {
			t.Errorf("document %d warnings = %v, want multi_document first", i+1, r.Warnings)
		}
		if first := r.Rendering.Lines[0].Source; i == 1 && first != 4 {
			t.Errorf("document 2 rendering starts at line %d, want 4", first)
		}
	}
}

func TestAliasesAndMerges(t *testing.T) {
	src := `name: anchors
metadata:
  auth: &auth
    Authorization: $ f'Bearer {secrets.TOKEN}'
    X-Other: "{secrets.OTHER}"
tools:
  - name: a
    type: api_call
    api_call:
      method: GET
      url: https://a.example.com/
      headers: *auth
  - name: b
    type: api_call
    api_call:
      method: GET
      url: https://b.example.com/
      headers:
        <<: *auth
        X-Other: "{secrets.OVERRIDE}"
main:
  - tool: a
`
	res, err := Preview("a.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	var got []string
	for _, ref := range r.References {
		got = append(got, fmt.Sprintf("%s@%s:%d", ref.Name, ref.Path, ref.Line))
	}
	want := []string{
		"TOKEN@tools[0].api_call.headers.Authorization:4",
		"OTHER@tools[0].api_call.headers.X-Other:5",
		"TOKEN@tools[1].api_call.headers.Authorization:4",
		"OVERRIDE@tools[1].api_call.headers.X-Other:20",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("references = %v, want %v", got, want)
	}
	if len(r.Inert) != 2 || r.Inert[0].Path != "metadata.auth.Authorization" || r.Inert[0].Kind != KindFString {
		t.Errorf("inert = %+v, want the anchor's two strings under metadata", r.Inert)
	}
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: bomb\nmetadata:\n  a0: &a0 [\"$ secrets.X\", \"$ secrets.X\"]\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "  a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	b.WriteString("main:\n  - evaluate:\n      x: *a39\n")
	_, err := Preview("bomb.yaml", []byte(b.String()), Options{})
	if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "too many nodes") {
		t.Fatalf("Preview(alias bomb) error = %v, want too many nodes", err)
	}
}

func TestGuardedAndSuggestions(t *testing.T) {
	src := `name: g
main:
  - if: $ 'FLAG' in secrets
    then:
      log: $ secrets.FLAG
    else:
      log: $ secrets.Api_Token + secrets.DB_PASWORD + secrets['bad-name']
`
	lk := newFakeLookup("API_TOKEN", "DB_PASSWORD")
	res, err := Preview("g.yaml", []byte(src), Options{Lookup: lk})
	if err != nil {
		t.Fatal(err)
	}
	refs := res[0].References
	byName := map[string]Reference{}
	for _, r := range refs {
		byName[r.Name+"/"+string(r.Kind)] = r
	}
	if r := byName["FLAG/expr_attr"]; r.Guard != "main[0].if" || r.Required() || r.OnMissing != OnMissingGuarded {
		t.Errorf("guarded FLAG = %+v, want guard main[0].if", r)
	}
	if r := byName["Api_Token/expr_attr"]; r.Status != StatusMissing || r.Suggestion != "API_TOKEN" {
		t.Errorf("Api_Token = %+v, want missing with suggestion API_TOKEN", r)
	}
	if r := byName["DB_PASWORD/expr_attr"]; r.Suggestion != "DB_PASSWORD" {
		t.Errorf("DB_PASWORD suggestion = %q, want DB_PASSWORD", r.Suggestion)
	}
	if r := byName["bad-name/expr_index"]; !r.InvalidName || r.Status != StatusMissing {
		t.Errorf("bad-name = %+v, want invalid and missing", r)
	}
	if v := Judge([]FilePreview{{Path: "t.yaml", Results: res}}); v.OK() {
		t.Errorf("Judge = %+v: OK with missing required references", v)
	}
	codes := map[string]bool{}
	for _, w := range res[0].Warnings {
		codes[w.Code+"@"+w.Path] = true
	}
	for _, want := range []string{"invalid_name@main[0].else.log", "missing_required@main[0].else.log", "validator_undefined_name@main[0].if"} {
		if !codes[want] {
			t.Errorf("warnings lack %s: %v", want, res[0].Warnings)
		}
	}
	if codes["missing_required@main[0].then.log"] {
		t.Error("a guarded reference got missing_required")
	}
}

func TestJudgeOptionalOnly(t *testing.T) {
	src := "name: t\nmain:\n  - log: $ secrets.get('OPT')\n  - prompt: hi\n    settings:\n      model: gpt-4o\n"
	res, err := Preview("t.yaml", []byte(src), Options{Lookup: newFakeLookup()})
	if err != nil {
		t.Fatal(err)
	}
	if v := Judge([]FilePreview{{Path: "t.yaml", Results: res}}); !v.OK() {
		t.Errorf("Judge = %+v with only optional references: %+v", v, res[0].References)
	}
	if len(res[0].References) != 2 {
		t.Errorf("references = %+v, want the .get() and the LLM key", res[0].References)
	}
}

func TestHardcodedCredential(t *testing.T) {
	key := "sk-proj-" + "Zx81kQ2m9LpR4tVw7Yb3Nc6D"
	src := "name: h\ntools:\n  - name: spider\n    type: integration\n    integration:\n      provider: spider\n      setup:\n" +
		"        spider_api_key: " + key + "\n        host: smtp.example.com\nmain:\n  - tool: spider\n    arguments:\n" +
		"      headers:\n        Authorization: \"Bearer ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2\"\n"
	res, err := Preview("h.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if len(r.Hardcoded) != 2 {
		t.Fatalf("hardcoded = %+v, want 2", r.Hardcoded)
	}
	h := r.Hardcoded[0]
	if h.Path != "tools[0].integration.setup.spider_api_key" || h.SuggestedName != "SPIDER_API_KEY" || string([]byte(src)[h.Start:h.End]) != key {
		t.Errorf("hardcoded[0] = %+v, want the spider key's position and SPIDER_API_KEY", h)
	}
	if got := string([]byte(src)[r.Hardcoded[1].Start:r.Hardcoded[1].End]); !strings.HasPrefix(got, "Bearer ghp_") {
		t.Errorf("hardcoded[1] range = %q, want the quoted literal", got)
	}
	for _, out := range []string{fmt.Sprint(r.Warnings), r.Rendering.String()} {
		if strings.Contains(out, key) || strings.Contains(out, "a1B2c3D4e5F6") {
			t.Errorf("output shows a hardcoded credential in plain text:\n%s", out)
		}
	}
	fixed, err := r.Hardcoded[1].Replace([]byte(src), "GITHUB_TOKEN")
	if err != nil {
		t.Fatal(err)
	}
	again, err := Preview("h.yaml", fixed, Options{})
	if err != nil {
		t.Fatalf("Preview(after Replace) = %v\n%s", err, fixed)
	}
	if refs := again[0].References; len(refs) != 1 || refs[0].Name != "GITHUB_TOKEN" || refs[0].Kind != KindExprAttr ||
		!strings.Contains(string(fixed), `Authorization: "$ 'Bearer ' + secrets.GITHUB_TOKEN"`) {
		t.Errorf("after Replace: references %+v in\n%s", refs, fixed)
	}
	if _, err := r.Hardcoded[0].Replace([]byte(src), "bad name"); err == nil {
		t.Error("Replace accepted an invalid name")
	}
	// The advice is the text Replace writes: "Bearer " is kept.
	var advice []string
	for _, w := range r.Warnings {
		if w.Code == WarnHardcoded {
			advice = append(advice, w.Message)
		}
	}
	bearer := r.Hardcoded[1]
	if bearer.Scheme != "Bearer " || bearer.Reference("GITHUB_TOKEN") != "$ 'Bearer ' + secrets.GITHUB_TOKEN" {
		t.Errorf("hardcoded[1]: scheme %q, Reference %q", bearer.Scheme, bearer.Reference("GITHUB_TOKEN"))
	}
	if want := []string{
		"this literal looks like a credential (" + h.Masked + "); store it as SPIDER_API_KEY and write $ secrets.SPIDER_API_KEY",
		"this literal looks like a credential (" + bearer.Masked + "); store it as " + bearer.SuggestedName +
			" and write $ 'Bearer ' + secrets." + bearer.SuggestedName,
	}; !slices.Equal(advice, want) {
		t.Errorf("hardcoded_credential warnings =\n%q\nwant\n%q", advice, want)
	}
}

func TestHardcodedReferenceText(t *testing.T) {
	for _, c := range []struct{ scheme, want string }{
		{"", "$ secrets.K"},
		{"Bearer ", "$ 'Bearer ' + secrets.K"},
		{"token ", "$ 'token ' + secrets.K"},
		{"it's ", `$ 'it\'s ' + secrets.K`},
	} {
		if got := ReferenceText(c.scheme, "K"); got != c.want {
			t.Errorf("ReferenceText(%q, K) = %q, want %q", c.scheme, got, c.want)
		}
		src := "name: r\nmain:\n  - log: " + strconv.Quote(ReferenceText(c.scheme, "K")) + "\n"
		res, err := Preview("r.yaml", []byte(src), Options{})
		if err != nil || len(res[0].References) != 1 || res[0].References[0].Name != "K" || res[0].References[0].Kind != KindExprAttr {
			t.Errorf("the text for %q does not preview as one expr_attr reference to K: %v %+v", c.scheme, err, res)
		}
	}
}

func TestPositionsWithUnicode(t *testing.T) {
	src := "name: ü\nmain:\n  - log: \"ééé {secrets.A} ü {secrets.B}\"\n"
	res, err := Preview("u.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPositions(t, []byte(src), res[0])
	if c := res[0].References[1].Column; c != 30 {
		t.Errorf("column of B = %d, want 30 (characters, not bytes)", c)
	}
}
