package ui

import (
	"os"
	"strings"
	"testing"

	"github.com/keyward/keyward/ui/tasks"
)

// readmeSection returns the README's "## The terminal UI" section.
func readmeSection(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "## The terminal UI")
	if i < 0 {
		t.Fatal(`README.md has no "## The terminal UI" section`)
	}
	rest := text[i+len("## The terminal UI"):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestReadmeKeyTable keeps the README's key table in step with the keyMap.
func TestReadmeKeyTable(t *testing.T) {
	doc := readmeSection(t)
	for _, b := range append(newKeyMap().allBindings(), tasks.DefaultKeyMap().All()...) {
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
