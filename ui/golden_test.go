package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/keyward/keyward/internal/testkit"
)

func TestMain(m *testing.M) {
	// Golden screens show times; pin the zone so they match everywhere.
	time.Local = time.UTC
	os.Exit(testkit.M{M: m}.Run())
}

// Golden screens: the plain text of View at 100×30 (and smaller where the
// name says so), with a fixed clock and fake values. Regenerate with
//
//	go test ./ui -run TestGolden -update
func TestGolden(t *testing.T) {
	cases := []struct {
		name  string
		seeds []seedSecret
		demo  bool // the demo store and the demo tasks instead of seeds
		size  [2]int
		do    func(h *harness)
	}{
		{name: "empty_store", seeds: nil},
		{name: "list_with_metadata", seeds: fixture()},
		{name: "masked_detail", seeds: fixture(), do: func(h *harness) {
			h.selectName("STRIPE_API_KEY")
			h.keys("v", "v", "tab") // read once, hidden again: the mask shows the last four
		}},
		{name: "revealed_detail", seeds: fixture(), do: func(h *harness) {
			h.selectName("STRIPE_API_KEY")
			h.keys("v")
		}},
		{name: "filter_active", seeds: fixture(), do: func(h *harness) {
			h.keys("/")
			h.typeText("env=prod")
		}},
		{name: "filter_error", seeds: fixture(), do: func(h *harness) {
			h.keys("/")
			h.typeText(`owner="pay`)
		}},
		{name: "confirm_delete", seeds: fixture(), do: func(h *harness) {
			h.selectName("OPENAI_API_KEY")
			h.keys("d")
		}},
		{name: "form_validation_error", seeds: fixture(), do: func(h *harness) {
			h.keys("n")
			h.typeText("GITHUB_TOKEN")
			h.keys("tab")
			h.typeText("fake-typed-value")
			h.keys("tab", "tab")
			h.typeText("team")
		}},
		{name: "rotate_form", seeds: fixture(), do: func(h *harness) {
			h.selectName("GITHUB_TOKEN")
			h.keys("r")
			h.typeText("fake-rotated-value")
		}},
		{name: "copied_countdown", seeds: fixture(), do: func(h *harness) {
			h.keys("c")
			h.clock = h.clock.Add(12 * time.Second)
		}},
		{name: "help", seeds: fixture(), do: func(h *harness) { h.keys("?") }},
		{name: "marks_80x24", seeds: fixture(), size: [2]int{80, 24}, do: func(h *harness) {
			h.markNames("GITHUB_TOKEN", "SENTRY_DSN")
		}},
		{name: "session_form_60x14", seeds: fixture(), size: [2]int{60, 14}, do: func(h *harness) {
			h.markNames("GITHUB_TOKEN", "OPENAI_API_KEY", "STRIPE_API_KEY")
			h.keys("r")
			h.typeText("fake-typed-value")
		}},
		{name: "session_confirm_60x14", seeds: fixture(), size: [2]int{60, 14}, do: func(h *harness) {
			h.markNames("GITHUB_TOKEN", "OPENAI_API_KEY", "STRIPE_API_KEY")
			h.keys("r")
			h.typeText("fake-typed-value")
			h.keys("enter", "ctrl+g", "enter", "ctrl+x")
		}},
		{name: "new_form_errors_60x14", seeds: fixture(), size: [2]int{60, 14}, do: func(h *harness) {
			h.keys("n", "ctrl+s")
		}},
		{name: "narrow_terminal", seeds: fixture(), size: [2]int{64, 22}},
		{name: "narrow_detail_focused", seeds: fixture(), size: [2]int{64, 22}, do: func(h *harness) {
			h.selectName("STRIPE_API_KEY")
			h.keys("tab")
		}},
		{name: "too_small", seeds: fixture(), size: [2]int{50, 10}},
		{name: "preview_pane", demo: true, do: func(h *harness) {
			h.openTask("web-crawler.yaml")
			h.toRef("FIRECRAWL_API_KEY")
		}},
		{name: "preview_pane_narrow", demo: true, size: [2]int{64, 22}, do: func(h *harness) {
			h.openTask("billing-report.yaml")
			h.toRef("GEMINI_API_KEY")
		}},
	}
	// The list, a form, a long question and the preview at the sizes a
	// user tries first: 60×14, 80×24 and 200×60.
	for _, sz := range [][2]int{{60, 14}, {80, 24}, {200, 60}} {
		at := fmt.Sprintf("_%dx%d", sz[0], sz[1])
		cases = append(cases,
			struct {
				name  string
				seeds []seedSecret
				demo  bool
				size  [2]int
				do    func(h *harness)
			}{name: "list" + at, seeds: fixture(), size: sz},
			struct {
				name  string
				seeds []seedSecret
				demo  bool
				size  [2]int
				do    func(h *harness)
			}{name: "edit_form" + at, seeds: fixture(), size: sz, do: func(h *harness) {
				h.selectName("STRIPE_API_KEY")
				h.keys("e")
			}},
			struct {
				name  string
				seeds []seedSecret
				demo  bool
				size  [2]int
				do    func(h *harness)
			}{name: "confirm_rotate" + at, seeds: fixture(), size: sz, do: func(h *harness) {
				h.selectName("STRIPE_API_KEY")
				h.keys("r")
				h.typeText("fake-rotated-value")
				h.keys("enter")
			}},
			struct {
				name  string
				seeds []seedSecret
				demo  bool
				size  [2]int
				do    func(h *harness)
			}{name: "preview" + at, demo: true, size: sz, do: func(h *harness) {
				h.openTask("web-crawler.yaml")
			}},
		)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.seeds)
			if c.demo {
				h = newDemoHarness(t)
			}
			if c.size != [2]int{} {
				h.send(tea.WindowSizeMsg{Width: c.size[0], Height: c.size[1]})
			}
			if c.do != nil {
				c.do(h)
			}
			screen := h.screen()
			for _, s := range fixture() {
				// Only the revealed_detail screen may show a (fake) value.
				if c.name != "revealed_detail" && strings.Contains(screen, s.value) {
					t.Fatalf("%s shows the value of %s", c.name, s.s.Name)
				}
			}
			for _, typed := range []string{"fake-typed-value", "fake-rotated-value"} {
				if strings.Contains(screen, typed) {
					t.Fatalf("%s shows a typed value", c.name)
				}
			}
			checkSize(t, screen, h.a.width, h.a.height)
			if c.demo {
				noDemoValue(t, h, screen)
			}
			golden.RequireEqual(t, screen)
		})
	}
}

// checkSize asserts the frame fills the window exactly and never overflows.
func checkSize(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := len([]rune(l)); n > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, n, w, l)
		}
	}
}
