package ui

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/demo"
	"github.com/keyward/keyward/ui/tasks"
)

// newDemoHarness is the app on the demo store and the demo tasks, as
// keyward --demo starts it.
func newDemoHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, nil, demo.Seed, func(o *Options) {
		o.Tasks, o.Demo = config.ResolveTasks("", "", config.Default(), true), true
	})
}

// demoValues returns every current and previous value of the demo store.
// It reads the keyring: call it last.
func demoValues(t *testing.T, h *harness) []string {
	t.Helper()
	var out []string
	for _, it := range h.a.list.all {
		v, err := h.store.Value(context.Background(), it.sec.Name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func noDemoValue(t *testing.T, h *harness, screens ...string) {
	t.Helper()
	for _, v := range demoValues(t, h) {
		for _, s := range screens {
			if strings.Contains(s, v) {
				t.Fatalf("a screen shows a demo value:\n%s", s)
			}
		}
	}
}

// openTask switches to the tasks view and selects the file at path.
func (h *harness) openTask(path string) {
	h.t.Helper()
	if !h.a.focus.tasksView() {
		h.keys("t")
	}
	if h.a.focus != focusTasks {
		h.keys("tab")
	}
	h.keys("g")
	for range len(h.a.tasks.Files()) {
		if h.a.tasks.Selected() == path {
			return
		}
		h.keys("j")
	}
	h.t.Fatalf("could not select task %s", path)
}

// toRef moves the preview's cursor to the first span naming name.
func (h *harness) toRef(name string) tasks.Ref {
	h.t.Helper()
	if h.a.focus != focusPreview {
		h.keys("tab")
	}
	h.keys("g")
	for range h.a.tasks.Ref().Count {
		if at := h.a.tasks.Ref(); at.Name == name {
			return at
		}
		h.keys("j")
	}
	h.t.Fatalf("no reference to %s in %s", name, h.a.tasks.Selected())
	return tasks.Ref{}
}

func summaryOf(h *harness, path string) string {
	h.t.Helper()
	s := h.a.tasks.Summary(path)
	if s == "" {
		h.t.Fatalf("no task file %s", path)
	}
	return ansi.Strip(s)
}

// Tasks in a MapFS for the tests. GITHUB_TOKEN and STRIPE_API_KEY are
// fixture() secrets; NOT_STORED is not.
const (
	taskGitHub = "name: release\nmain:\n  - evaluate:\n      token: $ secrets.GITHUB_TOKEN\n"
	taskBoth   = "name: pay\nmain:\n  - evaluate:\n      a: $ secrets.GITHUB_TOKEN\n      b: $ secrets.NOT_STORED\n"
	taskStripe = "name: stripe\nmain:\n  - evaluate:\n      key: $ secrets.STRIPE_API_KEY\n"
)

func mapTasks(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for p, text := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(text), ModTime: t0}
	}
	return fsys
}

func TestTasksStartupReadsNoValue(t *testing.T) {
	h := newDemoHarness(t)
	if got := h.store.Reads(); got != 0 {
		t.Fatalf("keyring reads after start-up = %d, want 0", got)
	}
	if got := len(h.a.tasks.Files()); got != 3 {
		t.Fatalf("task files = %d, want the 3 demo tasks", got)
	}
	// The names-only pass is enough for "used by" and is:unused.
	if uses := h.a.tasks.UsedBy()["SPIDER_API_KEY"]; len(uses) == 0 || uses[0].File != "web-crawler.yaml" {
		t.Fatalf("used by of SPIDER_API_KEY = %+v, want web-crawler.yaml", uses)
	}
	for _, f := range h.a.tasks.Files() {
		if f.Checked {
			t.Fatalf("%s was checked against the store before the tasks view opened", f.Path)
		}
	}
	if got := summaryOf(h, "web-crawler.yaml"); got != "3 refs" {
		t.Fatalf("unchecked summary = %q, want just the count", got)
	}
	h.selectName("SPIDER_API_KEY")
	h.keys("j", "k")
	if got := h.store.Reads(); got != 0 {
		t.Fatalf("keyring reads after browsing the secrets = %d, want 0", got)
	}
}

func TestTasksViewSwitchesAndSummarizes(t *testing.T) {
	h := newDemoHarness(t)
	h.keys("tab") // the detail pane: t must come back to it
	h.keys("t")
	if h.a.focus != focusTasks {
		t.Fatalf("focus after t = %d, want the task list", h.a.focus)
	}
	scr := h.screen()
	for _, want := range []string{"3 task files in demo tasks (read-only)", "billing-report.yaml", "support-digest.yaml", "web-crawler.yaml"} {
		if !strings.Contains(scr, want) {
			t.Errorf("tasks view lacks %q:\n%s", want, scr)
		}
	}
	if got := summaryOf(h, "web-crawler.yaml"); got != "3 refs · 1 resolved · 1 missing · 1 optional missing · 4 warnings" {
		t.Errorf("web-crawler summary = %q", got)
	}
	if !strings.Contains(scr, "3 refs · 1 resolved · 1 missing · 1 optional missing · 4 warnings") {
		t.Errorf("the summary is not on screen:\n%s", scr)
	}
	// Opening the view reads each referenced secret at most once, only for
	// its mask.
	distinct := map[string]bool{}
	for _, f := range h.a.tasks.Files() {
		for _, r := range f.Results {
			for _, ref := range r.References {
				if h.a.exists(ref.Name) {
					distinct[ref.Name] = true
				}
			}
		}
	}
	if got := h.store.Reads(); got != len(distinct) {
		t.Fatalf("keyring reads = %d, want one per distinct referenced secret (%d)", got, len(distinct))
	}
	h.keys("t")
	if h.a.focus != focusDetail {
		t.Fatalf("focus after t again = %d, want the detail pane back", h.a.focus)
	}
	h.keys("t")
	if h.a.focus != focusTasks {
		t.Fatalf("focus after a third t = %d, want the task list back", h.a.focus)
	}
}

func TestTasksSelectAndPreview(t *testing.T) {
	h := newDemoHarness(t)
	h.openTask("web-crawler.yaml")
	scr := h.screen()
	if !strings.Contains(scr, "web-crawler.yaml · agent model unknown") {
		t.Fatalf("preview title missing:\n%s", scr)
	}
	at := h.toRef("FIRECRAWL_API_KEY")
	if at.Kind != tasks.RefMissing {
		t.Fatalf("FIRECRAWL_API_KEY kind = %d, want missing", at.Kind)
	}
	scr = h.screen()
	for _, want := range []string{"⟨missing: FIRECRAWL_API_KEY⟩", "! missing_required: FIRECRAWL_API_KEY is not in the store",
		"› FIRECRAWL_API_KEY · missing · enter creates it"} {
		if !strings.Contains(scr, want) {
			t.Errorf("preview lacks %q:\n%s", want, scr)
		}
	}
	if !strings.Contains(scr, "enter create secret") {
		t.Errorf("the hint does not offer to create it:\n%s", scr)
	}
	// The documented-only secret_name: form is inert, further down.
	found := false
	for range h.a.tasks.Ref().Count {
		h.keys("j")
		if at := h.a.tasks.Ref(); at.State == "inert" && at.Name == "FIRECRAWL_API_KEY" {
			found = true
			if at.Kind != tasks.RefOther || h.a.tasks.Keys().Jump.Enabled() {
				t.Fatalf("an inert, missing name offers enter (kind %d)", at.Kind)
			}
			break
		}
	}
	if !found {
		t.Fatal("no inert span for the secret_name: form")
	}
	if !strings.Contains(h.screen(), "inert · secret_name_field") {
		t.Errorf("inert reference not explained:\n%s", h.screen())
	}
}

func TestTasksEnterJumpsToSecret(t *testing.T) {
	h := newDemoHarness(t)
	// A filter that hides the secret is cleared by the jump.
	h.keys("/")
	h.typeText("owner=ml")
	h.keys("enter")
	h.openTask("billing-report.yaml")
	h.toRef("STRIPE_SECRET_KEY")
	h.keys("enter")
	if h.a.focus != focusList || h.selected() != "STRIPE_SECRET_KEY" {
		t.Fatalf("after enter: focus %d, selected %q; want the list on STRIPE_SECRET_KEY", h.a.focus, h.selected())
	}
	if h.a.filter.Value() != "" || !strings.Contains(h.a.status.text, "filter cleared") {
		t.Fatalf("filter %q, status %q: want the hiding filter cleared and said so", h.a.filter.Value(), h.a.status.text)
	}
	if !strings.Contains(h.screen(), "used by") {
		t.Fatalf("the detail pane lacks used by:\n%s", h.screen())
	}
	h.keys("t")
	if h.a.focus != focusPreview {
		t.Fatalf("t after a jump: focus %d, want the preview back", h.a.focus)
	}
}

func TestTasksEnterOnMissingCreatesIt(t *testing.T) {
	h := newDemoHarness(t)
	h.openTask("web-crawler.yaml")
	h.toRef("FIRECRAWL_API_KEY")
	h.keys("enter")
	if h.a.mode != modeForm || h.a.form == nil || h.a.form.kind != formNew {
		t.Fatalf("enter on a missing reference: mode %d, want the new-secret form", h.a.mode)
	}
	if got := h.a.form.name.Value(); got != "FIRECRAWL_API_KEY" {
		t.Fatalf("name field = %q, want FIRECRAWL_API_KEY", got)
	}
	if h.a.form.current() != fieldValue {
		t.Fatalf("focused field = %d, want the value", h.a.form.current())
	}
	const value = "fc-demo-created-value-0009-FCRW"
	h.typeText(value)
	h.keys("ctrl+s")
	if h.a.mode != modeNormal || !h.a.focus.tasksView() {
		t.Fatalf("after saving: mode %d focus %d; want back in the tasks view", h.a.mode, h.a.focus)
	}
	if got := h.value("FIRECRAWL_API_KEY"); got != value {
		t.Fatal("the stored value is not the typed one")
	}
	// The index reload re-checks the tasks: the reference now resolves.
	if got := summaryOf(h, "web-crawler.yaml"); !strings.Contains(got, "2 resolved · 0 missing · 1 optional missing") {
		t.Fatalf("summary after creating = %q, want it resolved", got)
	}
	if at := h.toRef("FIRECRAWL_API_KEY"); at.Kind != tasks.RefSecret || !strings.Contains(h.screen(), "Bearer ••••••••FCRW") {
		t.Fatalf("kind %d; screen:\n%s", at.Kind, h.screen())
	}
	if strings.Contains(h.screen(), value) {
		t.Fatal("the created value is on screen")
	}
}

func TestUsedByInDetail(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"release.yaml": taskGitHub, "ops/pay.yaml": taskBoth})}
	})
	h.send(tea.WindowSizeMsg{Width: 140, Height: 30})
	h.selectName("GITHUB_TOKEN")
	scr := h.screen()
	for _, want := range []string{"used by   2 tasks", "ops/pay.yaml:4:12  main[0].evaluate.a", "release.yaml:4:16  main[0].evaluate.token"} {
		if !strings.Contains(scr, want) {
			t.Errorf("detail lacks %q:\n%s", want, scr)
		}
	}
	h.selectName("SENTRY_DSN")
	if !strings.Contains(h.screen(), "used by   no task (is:unused)") {
		t.Errorf("an unused secret does not say so:\n%s", h.screen())
	}
}

func TestConfirmationsCountTasks(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"release.yaml": taskGitHub, "ops/pay.yaml": taskBoth})}
	})
	h.selectName("GITHUB_TOKEN")
	h.keys("d")
	if p := h.a.confirmPrompt(); !strings.Contains(p, "Delete GITHUB_TOKEN? y/N · used by 2 tasks") {
		t.Fatalf("delete prompt = %q", p)
	}
	if !strings.Contains(h.screen(), "used by 2 tasks") {
		t.Fatalf("the count is cut off the status line:\n%s", h.screen())
	}
	h.keys("n")
	h.keys("r")
	h.typeText("fake-rotated-0010")
	h.keys("enter")
	if p := h.a.confirmPrompt(); !strings.Contains(p, "Rotate GITHUB_TOKEN to the new value? y/N · used by 2 tasks") {
		t.Fatalf("rotate prompt = %q", p)
	}
	h.keys("esc", "esc")
	// A rename of a secret tasks use asks first; n goes back to the form.
	h.keys("e")
	for range len("GITHUB_TOKEN") {
		h.keys("backspace")
	}
	h.typeText("GH_TOKEN")
	h.keys("enter")
	if h.a.mode != modeConfirm || !strings.Contains(h.a.confirmPrompt(), "Rename GITHUB_TOKEN to GH_TOKEN? y/N · used by 2 tasks") {
		t.Fatalf("rename: mode %d, prompt %q", h.a.mode, h.a.confirmPrompt())
	}
	h.keys("n")
	if h.a.mode != modeForm {
		t.Fatalf("n on the rename prompt: mode %d, want the form", h.a.mode)
	}
	h.keys("enter", "y")
	if _, err := h.store.Get(context.Background(), "GH_TOKEN"); err != nil {
		t.Fatalf("rename not saved after y: %v", err)
	}
	// A secret no task uses is renamed without the extra question.
	h.selectName("SENTRY_DSN")
	h.keys("e")
	h.typeText("_X")
	h.keys("enter")
	if h.a.mode != modeNormal {
		t.Fatalf("renaming an unused secret asked (mode %d, prompt %q)", h.a.mode, h.a.confirmPrompt())
	}
	h.selectName("STRIPE_API_KEY")
	h.keys("d")
	if p := h.a.confirmPrompt(); !strings.Contains(p, "used by no task") {
		t.Fatalf("delete prompt of an unused secret = %q", p)
	}
}

func TestIsUnusedFilter(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"release.yaml": taskGitHub, "stripe.yaml": taskStripe})}
	})
	h.keys("/")
	h.typeText("is:unused")
	h.keys("enter")
	var names []string
	for _, i := range h.a.list.vis {
		names = append(names, h.a.list.all[i].sec.Name)
	}
	if strings.Join(names, " ") != "OPENAI_API_KEY SENTRY_DSN" {
		t.Fatalf("is:unused = %v, want OPENAI_API_KEY SENTRY_DSN", names)
	}
}

func TestIsUnusedWaitsForTheTasks(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"release.yaml": taskGitHub})}
	})
	// As if the task files were still being read.
	h.a.tasks = h.a.newTasks(Options{Tasks: config.Tasks{FS: mapTasks(map[string]string{"release.yaml": taskGitHub})}})
	h.a.applyFilter()
	h.keys("/")
	h.typeText("is:unused")
	if got := len(h.a.list.vis); got != 0 {
		t.Fatalf("is:unused before the tasks are read matches %d, want 0", got)
	}
	if !strings.Contains(h.screen(), "is:unused matches nothing until the task files are read") {
		t.Fatalf("no note on the wait:\n%s", h.screen())
	}
	h.keys("enter")
	h.run(h.a.tasks.Init())
	if got := len(h.a.list.vis); got != 3 {
		t.Fatalf("is:unused once the tasks are read matches %d, want 3", got)
	}
}

// TestTasksPollThroughTheRoot: the tasks view's poll runs on the root's
// timer, its answer comes back through the root's Update, and a change of
// "used by" reapplies an is:unused filter.
func TestTasksPollThroughTheRoot(t *testing.T) {
	fsys := mapTasks(map[string]string{"a.yaml": taskGitHub})
	h := newHarnessWith(t, fixture(), nil, func(o *Options) { o.Tasks = config.Tasks{FS: fsys} })
	h.keys("/")
	h.typeText("is:unused")
	h.keys("enter")
	names := func() string {
		var out []string
		for _, i := range h.a.list.vis {
			out = append(out, h.a.list.all[i].sec.Name)
		}
		return strings.Join(out, " ")
	}
	if got := names(); got != "OPENAI_API_KEY SENTRY_DSN STRIPE_API_KEY" {
		t.Fatalf("is:unused = %s", got)
	}
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte(taskStripe), ModTime: t0.Add(time.Second)}
	if n := h.fireTasks(); n != 1 {
		t.Fatalf("the tasks view's timers = %d, want its one poll", n)
	}
	if got := names(); got != "GITHUB_TOKEN OPENAI_API_KEY SENTRY_DSN" {
		t.Fatalf("is:unused after a.yaml changed = %s", got)
	}
	if n := h.fireTasks(); n != 1 {
		t.Fatalf("after a poll, %d poll timers, want the next one", n)
	}
}

func TestTasksNeverShowValues(t *testing.T) {
	h := newDemoHarness(t)
	var screens []string
	h.keys("t")
	for _, f := range []string{"billing-report.yaml", "support-digest.yaml", "web-crawler.yaml"} {
		h.openTask(f)
		h.keys("tab")
		for range h.a.tasks.Ref().Count + 1 {
			screens = append(screens, h.screen())
			h.keys("j")
		}
		h.keys("tab")
	}
	h.keys("t", "?")
	screens = append(screens, h.screen())
	joined := strings.Join(screens, "\n")
	if !strings.Contains(joined, "••••••••") {
		t.Fatal("no mask on any screen: the test saw nothing")
	}
	noDemoValue(t, h, screens...)
}

func TestTasksKeysAndHelp(t *testing.T) {
	h := newDemoHarness(t)
	h.keys("t")
	// Secret commands do nothing here.
	for _, k := range []string{"d", "r", "e", "n", "/", "v", "c", "s"} {
		h.keys(k)
		if h.a.mode != modeNormal || !h.a.focus.tasksView() {
			t.Fatalf("%s in the tasks view: mode %d, focus %d", k, h.a.mode, h.a.focus)
		}
	}
	h.keys("?")
	scr := h.screen()
	for _, want := range []string{"open task", "go to the secret, or create a missing one", "import literal", "hardcoded"} {
		if !strings.Contains(scr, want) {
			t.Errorf("tasks help lacks %q:\n%s", want, scr)
		}
	}
	if !regexp.MustCompile(`t +secrets`).MatchString(scr) {
		t.Errorf("tasks help does not say t goes back to the secrets:\n%s", scr)
	}
	for _, not := range []string{"reveal", "rotate", "filter by pair", "sort"} {
		if strings.Contains(scr, not) {
			t.Errorf("tasks help lists %q, which does not apply:\n%s", not, scr)
		}
	}
	h.keys("esc")
	hint := h.a.hintView()
	if !strings.Contains(ansi.Strip(hint), "enter open task") {
		t.Errorf("task list hint = %q", ansi.Strip(hint))
	}
}

func TestTasksMissingFolder(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.ResolveTasks(filepath.Join(t.TempDir(), "nope"), "", config.Default(), false)
	})
	h.keys("t")
	if !strings.Contains(h.screen(), "could not read the tasks folder") {
		t.Fatalf("no error for a missing tasks folder:\n%s", h.screen())
	}
	h.keys("t")
	h.keys("/")
	h.typeText("is:unused")
	if len(h.a.list.vis) != 0 {
		t.Fatal("is:unused matched with an unreadable tasks folder")
	}
}

func TestTasksReadEachValueOncePerPass(t *testing.T) {
	h := newHarnessWith(t, fixture(), nil, func(o *Options) {
		o.Tasks = config.Tasks{FS: mapTasks(map[string]string{"a.yaml": taskGitHub, "b.yaml": taskBoth, "c.yaml": taskGitHub})}
	})
	h.keys("t")
	if got := h.store.Reads(); got != 1 {
		t.Fatalf("keyring reads = %d for three files that reference GITHUB_TOKEN, want 1", got)
	}
	// Going back and forth does not read again; a reload does, once.
	h.keys("t", "t")
	if got := h.store.Reads(); got != 1 {
		t.Fatalf("keyring reads after switching views = %d, want still 1", got)
	}
	h.keys("ctrl+r")
	if got := h.store.Reads(); got != 2 {
		t.Fatalf("keyring reads after ctrl+r = %d, want 2", got)
	}
}
