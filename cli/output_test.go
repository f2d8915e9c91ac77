package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyward/keyward/model"
)

// TestJSONEscapesInvisible: JSON output carries the exact text, with every
// invisible or reordering character escaped, so nothing reaches a terminal
// raw (issue 11, item 10).
func TestJSONEscapesInvisible(t *testing.T) {
	desc := "C1 \u0085\u009b\u009d, bidi \u202e\u2066, zw \u200b\u200d, soft \u00ad, seps \u2028\u2029, tag \U000e0041, ok é漢🙂"
	var buf bytes.Buffer
	if err := writeJSON(&buf, map[string]string{"description": desc}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, r := range out {
		if model.Invisible(r) {
			t.Errorf("JSON output holds %U raw: %s", r, out)
		}
	}
	for _, want := range []string{`\u0085`, `\u009b`, `\u202e`, `\u200b`, `\u00ad`, `\u2028`, `\udb40\udc41`, "é漢🙂"} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON output %s lacks %s", out, want)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["description"] != desc {
		t.Errorf("JSON does not decode back to the text: %q, %v", back["description"], err)
	}
}
