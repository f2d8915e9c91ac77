package ui

import (
	"context"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/model"
)

// dueFixture is the fixture with GITHUB_TOKEN due as well as STRIPE_API_KEY.
func dueFixture() []seedSecret {
	seeds := fixture()
	seeds[1].s = sec("GITHUB_TOKEN", "CI token for releases", map[string]string{"env": "prod", "owner": "platform"}, 100*model.Day, 90*model.Day, 1)
	return seeds
}

// tabRow is the list pane's top border, where the views are, drawn with
// the light border whichever pane has focus (the harness has NO_COLOR, so
// the focused one is heavy).
func (h *harness) tabRow() string {
	h.t.Helper()
	return strings.NewReplacer("━", "─", "┏", "╭", "┓", "╮").Replace(strings.Split(h.screen(), "\n")[1])
}

func TestViewsSwitchAndCount(t *testing.T) {
	h := newHarnessWith(t, dueFixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"release.yaml": taskGitHub})}
	})
	if row := h.tabRow(); !strings.HasPrefix(row, "╭─[1 all 4]─ 2 due 2 ─ 3 unused 3 ─") {
		t.Fatalf("tab row %q, want all 4 active, due 2, unused 3", row)
	}
	h.keys("2")
	if got := visibleNames(h); got != "GITHUB_TOKEN STRIPE_API_KEY" {
		t.Fatalf("view due shows %q", got)
	}
	if row := h.tabRow(); !strings.Contains(row, "─ 1 all 4 ─[2 due 2]─ 3 unused 3 ─") {
		t.Errorf("tab row %q, want due active", row)
	}
	if header := strings.Split(h.screen(), "\n")[0]; !strings.Contains(header, "2 of 4") {
		t.Errorf("header %q, want 2 of 4", header)
	}
	// A typed filter narrows the view; esc clears it and keeps the view.
	h.keys("/")
	h.typeText("stripe")
	h.keys("enter")
	if got := visibleNames(h); got != "STRIPE_API_KEY" {
		t.Fatalf("view due + filter stripe shows %q", got)
	}
	h.keys("esc")
	if got := visibleNames(h); got != "GITHUB_TOKEN STRIPE_API_KEY" || h.a.view != 1 {
		t.Fatalf("after esc: %q in view %d, want the due view again", got, h.a.view)
	}
	h.keys("3")
	if got := visibleNames(h); got != "OPENAI_API_KEY SENTRY_DSN STRIPE_API_KEY" {
		t.Fatalf("view unused shows %q", got)
	}
	h.keys("9")
	if h.a.view != 2 || !strings.Contains(h.a.status.text, "no view 9") {
		t.Errorf("9 with 3 views: view %d, status %q", h.a.view, h.a.status.text)
	}
	// A write moves the counts by one record: rotating STRIPE_API_KEY
	// makes it no longer due; deleting SENTRY_DSN takes it out of all and
	// unused.
	h.keys("1")
	h.selectName("STRIPE_API_KEY")
	h.keys("r")
	h.typeText("fake-rotated-view-0001")
	h.keys("enter", "y")
	h.selectName("SENTRY_DSN")
	h.keys("d", "y")
	if row := h.tabRow(); !strings.HasPrefix(row, "╭─[1 all 3]─ 2 due 1 ─ 3 unused 2 ─") {
		t.Errorf("after a rotation and a delete the tab row is %q, want all 3, due 1, unused 2", row)
	}
	if want := []int{3, 1, 2}; h.a.list.counts[0] != want[0] || h.a.list.counts[1] != want[1] || h.a.list.counts[2] != want[2] {
		t.Errorf("counts %v, want %v", h.a.list.counts, want)
	}
}

// visibleNames are the names the list shows, in order.
func visibleNames(h *harness) string {
	var out []string
	for _, i := range h.a.list.vis {
		out = append(out, h.a.list.all[i].sec.Name)
	}
	return strings.Join(out, " ")
}

func TestViewsFromConfig(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Config.Views = []config.View{{Name: "prod", Filter: "env=prod"}, {Name: "everything"}}
	})
	if got := visibleNames(h); got != "GITHUB_TOKEN STRIPE_API_KEY" {
		t.Fatalf("the first view is prod; the list shows %q", got)
	}
	if row := h.tabRow(); !strings.HasPrefix(row, "╭─[1 prod 2]─ 2 everything 4 ─") {
		t.Errorf("tab row %q", row)
	}
	h.keys("3")
	if h.a.view != 0 || !strings.Contains(h.a.status.text, "no view 3: config.toml's [[views]] set 2 views") {
		t.Errorf("3 with two views: view %d, status %q", h.a.view, h.a.status.text)
	}

	// One view of every secret: no tabs, and 1…9 are not offered.
	h = newHarnessWith(t, fixture(), nil, func(o *Options) { o.Config.Views = []config.View{{Name: "all"}} })
	if row := h.tabRow(); strings.Contains(row, "all") || h.a.keys.View.Enabled() {
		t.Errorf("one view: tab row %q, 1…9 enabled %v", row, h.a.keys.View.Enabled())
	}
}

// TestViewsNarrow: at 60 columns long view names give way to keys and
// counts, and the active view keeps its name.
func TestViewsNarrow(t *testing.T) {
	h := newHarnessWith(t, dueFixture(), nil, func(o *Options) {
		o.Config.Views = []config.View{{Name: "everything"}, {Name: "due for rotation", Filter: "is:due"},
			{Name: "production", Filter: "env=prod"}, {Name: "staging only", Filter: "env=staging"}}
	})
	h.send(tea.WindowSizeMsg{Width: 60, Height: 14})
	h.keys("2")
	row := h.tabRow()
	if ansi.StringWidth(row) != 60 || !strings.Contains(row, "[2 due for rotation 2]") || !strings.Contains(row, " 1 4 ") || !strings.Contains(row, " 4 1 ") {
		t.Errorf("narrow tab row %q (%d cells)", row, ansi.StringWidth(row))
	}
}

// TestViewRotateSession: r on a view without marks walks the secrets the
// view shows, like marks; the rotated stay marked, so R rolls them back.
func TestViewRotateSession(t *testing.T) {
	h := newHarness(t, dueFixture())
	h.keys("2")
	if hint := ansi.Strip(h.a.hintView()); !strings.Contains(hint, "r rotate view") {
		t.Errorf("hint %q does not say r rotates the view", hint)
	}
	h.keys("r")
	if h.a.session == nil || !strings.Contains(h.screen(), "Rotate GITHUB_TOKEN · 1 of 2") {
		t.Fatalf("r on the due view did not start a session over it:\n%s", h.screen())
	}
	h.typeText("fake-view-rotated-0001")
	h.keys("enter")
	h.typeText("fake-view-rotated-0002")
	h.keys("enter")
	if p := h.a.confirmPrompt(); !strings.HasPrefix(p, "Rotate 2 secrets: GITHUB_TOKEN (entered), STRIPE_API_KEY (entered)? y/N") {
		t.Fatalf("prompt %q", p)
	}
	h.keys("y")
	if h.value("GITHUB_TOKEN") != "fake-view-rotated-0001" || h.value("STRIPE_API_KEY") != "fake-view-rotated-0002" {
		t.Fatal("the session did not write the values")
	}
	if !h.a.marks["GITHUB_TOKEN"] || !h.a.marks["STRIPE_API_KEY"] || len(h.a.marks) != 2 {
		t.Fatalf("marks %v, want the two rotated", h.a.marks)
	}
	if h.a.list.counts[1] != 0 || len(h.a.list.vis) != 0 {
		t.Errorf("after the rotation the due view counts %d and shows %d, want 0", h.a.list.counts[1], len(h.a.list.vis))
	}
	h.keys("R")
	if p := h.a.confirmPrompt(); !strings.HasPrefix(p, "Roll back 2 marked secrets: GITHUB_TOKEN, STRIPE_API_KEY (2 not shown by the view due)? y/N") {
		t.Fatalf("roll-back prompt %q", p)
	}
	h.keys("y")
	if h.value("GITHUB_TOKEN") != "fake-github-value-0002-GHTK" {
		t.Errorf("R did not roll GITHUB_TOKEN back")
	}

	// On the view of every secret r rotates the selected one only; a
	// view with nothing in it says so.
	h.keys("esc", "1")
	h.selectName("SENTRY_DSN")
	h.keys("r")
	if h.a.session != nil || h.a.form == nil || h.a.form.orig.Name != "SENTRY_DSN" {
		t.Fatalf("r on the all view: session %v, form for %v", h.a.session != nil, h.a.form != nil)
	}
	h.keys("esc")
}

// TestBulkQuestionsNameTheTasks: the one y/N over marked secrets names the
// task files that use any of them.
func TestBulkQuestionsNameTheTasks(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"release.yaml": taskGitHub, "ops/pay.yaml": taskBoth})}
	})
	h.markNames("GITHUB_TOKEN", "SENTRY_DSN")
	h.keys("d")
	want := "Delete 2 marked secrets: GITHUB_TOKEN, SENTRY_DSN? y/N · used by 2 tasks: ops/pay.yaml, release.yaml · their values"
	if p := h.a.confirmPrompt(); !strings.HasPrefix(p, want) {
		t.Fatalf("prompt %q, want prefix %q", p, want)
	}
	h.send(tea.WindowSizeMsg{Width: 60, Height: 14})
	if s := h.screen(); !strings.Contains(s, "release.yaml") {
		t.Errorf("at 60×14 the task names are cut from the question:\n%s", s)
	}
	h.keys("n")
	if _, err := h.store.Get(context.Background(), "GITHUB_TOKEN"); err != nil {
		t.Fatalf("n deleted: %v", err)
	}
}

// TestHelpScrollsToEveryKey: the ? screen at 60×14 and 80×24 cuts no
// column, and scrolling with pgdn reaches every binding of the screen and
// the filter note.
func TestHelpScrollsToEveryKey(t *testing.T) {
	for _, size := range [][2]int{{60, 14}, {80, 24}} {
		h := newHarness(t, fixture())
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		h.keys("space") // the marks group's esc shows with marks
		h.keys("?")
		seen := ""
		for range 20 {
			s := h.screen()
			for _, l := range strings.Split(s, "\n") {
				if strings.HasSuffix(strings.TrimRight(strings.TrimSuffix(l, "│"), " "), "…") {
					t.Errorf("%dx%d: a help row is cut: %q", size[0], size[1], l)
				}
			}
			seen += s
			if !strings.Contains(s, "↓ more") {
				break
			}
			h.keys("pgdown")
		}
		kk := h.a.keys
		st := h.a.keyState()
		st.mode = modeNormal
		kk.update(st)
		var want []key.Binding
		for _, g := range kk.fullHelp(st) {
			want = append(want, g...)
		}
		want = append(want, kk.Skip, kk.Generate, kk.Yes, kk.No, kk.FilterLeave)
		for _, b := range want {
			if !b.Enabled() && b.Help().Key != "ctrl+x" && b.Help().Key != "ctrl+g" && b.Help().Key != "y" && b.Help().Key != "n/esc" && b.Help().Desc != "leave filter" {
				continue
			}
			if !strings.Contains(seen, b.Help().Key+" ") || !strings.Contains(seen, b.Help().Desc) {
				t.Errorf("%dx%d: help never shows %s %s", size[0], size[1], b.Help().Key, b.Help().Desc)
			}
		}
		if !strings.Contains(seen, "age<7d") {
			t.Errorf("%dx%d: the filter note is never shown", size[0], size[1])
		}
		h.keys("g")
		if h.a.helpOff != 0 || !strings.Contains(h.screen(), "Keys  (↓ more") {
			t.Errorf("%dx%d: g did not go back to the top", size[0], size[1])
		}
		h.keys("esc")
		if h.a.mode != modeNormal {
			t.Errorf("esc did not close help")
		}
	}
}
