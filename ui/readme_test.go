package ui

import (
	"os"
	"strings"
	"testing"
)

// readmeSection returns the README's "## The terminal UI" section, or the
// draft in ui/README-section.md while README.md lacks it (or holds only a
// placeholder without the key table).
func readmeSection(t *testing.T) string {
	t.Helper()
	if b, err := os.ReadFile("../README.md"); err == nil {
		text := string(b)
		if i := strings.Index(text, "## The terminal UI"); i >= 0 {
			rest := text[i+len("## The terminal UI"):]
			if j := strings.Index(rest, "\n## "); j >= 0 {
				rest = rest[:j]
			}
			if strings.Contains(rest, "| Key |") {
				return rest
			}
		}
	}
	b, err := os.ReadFile("README-section.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadmeKeyTable keeps the README's key table in step with the keyMap.
func TestReadmeKeyTable(t *testing.T) {
	doc := readmeSection(t)
	for _, b := range newKeyMap().allBindings() {
		for _, k := range strings.Split(b.Help().Key, "/") {
			if k == "" { // the "/" key itself
				k = "/"
			}
			if !strings.Contains(doc, "`"+k+"`") {
				t.Errorf("the README's key table lacks `%s` (%s)", k, b.Help().Desc)
			}
		}
	}
}
