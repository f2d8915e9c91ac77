package taskpreview

import (
	"fmt"
	"strings"
	"testing"
)

// TestInertPositionsListEveryForm: text in positions Julep never evaluates
// lists a look-alike of each reference form that names a secret, wherever
// it sits in the text (a "$ secrets.NAME" in the middle of a description
// too), at its own line and column, and none of it is a reference.
func TestInertPositionsListEveryForm(t *testing.T) {
	src := `name: inert
description: |
  Posts a digest. Needs $ secrets.DESC_ATTR to call Slack,
  reads $ secrets['DESC_INDEX'] and $ secrets.get('DESC_GET'),
  checks $ 'DESC_IN' in secrets, sends $ f'Bearer {secrets.DESC_F}'
  or $ {secrets.DESC_SET}, or Bearer {secrets.DESC_IMPLICIT}.
metadata:
  notes: "legacy {{ secrets.META_TEMPLATE }} and $ secrets.META_ATTR"
input_schema:
  type: object
  properties:
    q: {type: string, description: "uses $ secrets.SCHEMA_ATTR"}
tools:
  - name: hook
    description: calls with $ secrets.TOOL_DESC in the header
    type: function
    function: {parameters: {type: object}}
main:
  - error: "failed: $ secrets.ERROR_ATTR was wrong"
  - log: hello
    note: "see $ secrets.UNKNOWN_KEY"
`
	res, err := Preview("inert.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if len(r.References) != 0 {
		t.Errorf("references in never-evaluated text: %+v", r.References)
	}
	want := []string{
		"DESC_ATTR expr_attr description 3:27",
		"DESC_INDEX expr_index description 4:11",
		"DESC_GET expr_get description 4:39",
		"DESC_IN presence_check description 5:25",
		"DESC_F fstring description 5:52",
		"DESC_SET dollar_set description 6:9",
		"DESC_IMPLICIT implicit_fstring description 6:39",
		"META_TEMPLATE template metadata.notes 8:21",
		"META_ATTR expr_attr metadata.notes 8:52",
		"SCHEMA_ATTR expr_attr input_schema.properties.q.description 12:44",
		"TOOL_DESC expr_attr tools[0].description 15:31",
		"ERROR_ATTR expr_attr main[0].error 19:23",
		"UNKNOWN_KEY expr_attr main[1].note 21:18",
	}
	var got []string
	for _, in := range r.Inert {
		got = append(got, fmt.Sprintf("%s %s %s %d:%d", in.Name, in.Kind, in.Path, in.Line, in.Column))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("inert =\n%q\nwant\n%q", got, want)
	}
	lines := strings.Split(src, "\n")
	for _, in := range r.Inert {
		line := []rune(lines[in.Line-1])
		if at := string(line[in.Column-1:]); !strings.HasPrefix(at, "secrets") || !strings.Contains(string(line), in.Name) {
			t.Errorf("%s at %d:%d does not point at its secrets word in %q", in.Name, in.Line, in.Column, string(line))
		}
	}
}
