package ui

// The task pane's state and its Update side: scans and previews of the task
// files, the reference cursor, jumping to a secret, creating a missing one,
// importing a literal credential, and "used by" for the secrets view.

import (
	"errors"
	"io/fs"
	"maps"
	"slices"
	"sort"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// taskState is the tasks view: the task files, their previews, and where
// the user is in them.
type taskState struct {
	proj     *taskpreview.Project // the tasks folder: its task files and which julep.yaml applies
	fsys     fs.FS                // the tasks folder itself, for the import
	dir      string               // the folder on disk; "" when the caller gave TasksFS
	label    string               // how the header names the folder
	writable bool                 // task files may be rewritten: fsys is dir on disk
	demo     bool                 // the embedded demo tasks
	opts     taskpreview.Options

	files     []taskFile // in path order
	byPath    map[string]int
	known     map[string]fileStamp // the stamp each file was last previewed at
	want      map[string]int       // path → seq of the preview it waits for
	scanned   bool                 // a scan has answered
	scanErr   string
	truncated bool
	scanSeq   int
	pollSeq   int
	prevSeq   int
	// checked is set when the user first opens the tasks view: from then
	// on previews look references up in the store and read masks. Before,
	// previews only find references (for "used by" and is:unused) and read
	// no value.
	checked bool
	// usedBy maps a secret name to the places that reference it; nil until
	// every task file has been previewed once.
	usedBy map[string][]taskpreview.Use
	// manifests are the julep.yaml files that apply to the task files, by
	// name in the project ("../julep.yaml" above the folder); findings
	// are what Project.ManifestWarnings says of them, by task file path. The findings are kept apart from the previews' own warnings,
	// which stay as the preview Cmd returned them, and merged only when
	// drawn and counted.
	manifests map[string]manifestFile
	findings  map[string][]taskpreview.Warning

	cursor, offset int       // the task list
	flat           []pline   // the selected file's rendering, flattened
	items          []refItem // the spans of flat, in order
	item           int       // the span under the cursor, index into items
	top            int       // the first flat line shown
	listW, listH   int       // inside the task list's border
	listBoxH       int       // the task list's height, border included
	prevW, prevH   int       // the preview's scrolling area
	pathW          int       // the widest path
	importing      importReq
}

// taskFile is one task file and its latest preview.
type taskFile struct {
	path    string
	results []*taskpreview.Result
	err     error
	done    bool // previewed at least once
	checked bool // previewed against the store
}

// pline is one entry of the flattened rendering: a rendered line, or a
// document header (line -1) or the task-wide warnings (line -2) of result
// res, or the file's julep.yaml findings (manifestPLine).
type pline struct{ res, line int }

// manifestPLine is the flattened entry of the file's manifest findings.
var manifestPLine = pline{-1, -3}

// refItem is a place the preview's cursor stops: a highlighted span (span
// ≥ 0), or a reference or documented-only form that has no span of its own
// (an LLM provider key, secret_name:), shown on its line (ref or inert ≥ 0).
type refItem struct{ flat, span, ref, inert int }

func newTaskState(opts Options) taskState {
	src := opts.Tasks
	if src.FS == nil {
		src = config.ResolveTasks("", "", config.Default(), opts.Demo)
	}
	t := taskState{proj: taskpreview.OpenProject(src.Dir, src.FS), fsys: src.FS, dir: src.Dir, label: src.Label, writable: src.Writable, demo: src.Demo,
		byPath: map[string]int{}, known: map[string]fileStamp{}, want: map[string]int{},
		opts: taskpreview.Options{Model: opts.Model, Mapping: opts.Mapping}}
	if !t.writable {
		t.dir = ""
	}
	if t.label == "" {
		t.label = "tasks (read-only)"
	}
	return t
}

func (t *taskState) paths() []string {
	out := make([]string, len(t.files))
	for i := range t.files {
		out[i] = t.files[i].path
	}
	return out
}

func (t *taskState) selected() *taskFile {
	if t.cursor < 0 || t.cursor >= len(t.files) {
		return nil
	}
	return &t.files[t.cursor]
}

// loaded reports whether every task file found has a preview.
func (t *taskState) loaded() bool { return t.scanned && len(t.want) == 0 }

// scanTasks looks for task files now.
func (a *Model) scanTasks() tea.Cmd {
	a.tasks.scanSeq++
	return scanTaskFiles(a.tasks.proj, maps.Clone(a.tasks.manifests), a.tasks.scanSeq)
}

// previewTasks asks for previews of paths: against the store once the user
// has opened the tasks view and the index is loaded, else names-free.
func (a *Model) previewTasks(paths []string) tea.Cmd {
	t := &a.tasks
	if len(paths) == 0 {
		return nil
	}
	t.prevSeq++
	for _, p := range paths {
		t.want[p] = t.prevSeq
	}
	checked := t.checked && a.loaded
	var names []string
	if checked {
		names = make([]string, len(a.list.all))
		for i := range a.list.all {
			names[i] = a.list.all[i].sec.Name
		}
	}
	return previewTaskFiles(a.ctx, a.store, t.proj, paths, names, checked, t.opts, t.prevSeq)
}

func (a *Model) tasksScanned(msg tasksScannedMsg) tea.Cmd {
	t := &a.tasks
	if msg.seq != t.scanSeq {
		return nil
	}
	t.scanned = true
	t.truncated = msg.truncated
	var poll tea.Cmd
	if !msg.truncated {
		// One poll chain: a newer timer makes older ones stale.
		t.pollSeq++
		poll = a.after(taskPollInterval, tasksPollMsg{seq: t.pollSeq})
	}
	if msg.err != nil {
		t.scanErr = "could not read the tasks folder " + model.Printable(t.label) + ": " + describeTaskErr(msg.err)
		t.files, t.byPath, t.known, t.want, t.usedBy = nil, map[string]int{}, map[string]fileStamp{}, map[string]int{}, nil
		t.manifests, t.findings = nil, nil
		a.tasksChanged(true)
		return poll
	}
	t.scanErr = ""
	keep := ""
	if f := t.selected(); f != nil {
		keep = f.path
	}
	files := make([]taskFile, 0, len(msg.stamps))
	known := make(map[string]fileStamp, len(msg.stamps))
	var changed []string
	for _, s := range msg.stamps {
		f := taskFile{path: s.path}
		if i, ok := t.byPath[s.path]; ok {
			f = t.files[i]
		}
		files = append(files, f)
		if old, ok := t.known[s.path]; !ok || old != s.stamp {
			changed = append(changed, s.path)
		}
		known[s.path] = s.stamp
	}
	for p := range t.want {
		if _, ok := known[p]; !ok {
			delete(t.want, p) // gone: its preview no longer matters
		}
	}
	t.files, t.known, t.manifests = files, known, msg.manifests
	t.byPath = make(map[string]int, len(files))
	for i := range files {
		t.byPath[files[i].path] = i
	}
	t.cursor = 0
	if i, ok := t.byPath[keep]; ok {
		t.cursor = i
	}
	a.tasksChanged(keep == "" || t.selected() == nil || t.selected().path != keep)
	a.layout()
	return tea.Batch(poll, a.previewTasks(changed))
}

func (a *Model) tasksPreviewed(msg tasksPreviewedMsg) tea.Cmd {
	t := &a.tasks
	applied := false
	for _, p := range msg.files {
		if t.want[p.Path] != msg.seq {
			continue // a newer preview of this file is on its way
		}
		delete(t.want, p.Path)
		if i, ok := t.byPath[p.Path]; ok {
			t.files[i] = taskFile{path: p.Path, results: p.Results, err: p.Err, done: true, checked: msg.checked}
			applied = true
		}
	}
	if applied {
		a.tasksChanged(false)
	}
	return nil
}

// tasksChanged recomputes what depends on the previews and manifests:
// "used by", the manifest findings, the filter when it uses is:unused, and
// the selected file's lines. reset puts the preview back at its top.
func (a *Model) tasksChanged(reset bool) {
	t := &a.tasks
	// Both wait for every file's preview: a project's files half read
	// would make declared names look unused.
	if t.loaded() && t.scanErr == "" {
		var all []*taskpreview.Result
		for i := range t.files {
			all = append(all, t.files[i].results...)
		}
		t.usedBy = taskpreview.UsedBy(all)
		t.findings = t.manifestFindings()
	}
	if a.list.query.NeedsUsage() {
		before := a.list.selectedName()
		a.list.refilter(a.env())
		a.selectionChanged(before)
	}
	a.flatten(reset)
}

// manifestFindings runs Project.ManifestWarnings over the previewed files.
func (t *taskState) manifestFindings() map[string][]taskpreview.Warning {
	if len(t.manifests) == 0 {
		return nil
	}
	ms := make(map[string]taskpreview.Manifest, len(t.manifests))
	for p, m := range t.manifests {
		ms[p] = m.Manifest
	}
	files := make([]taskpreview.FilePreview, 0, len(t.files))
	for i := range t.files {
		if f := &t.files[i]; f.done {
			files = append(files, taskpreview.FilePreview{Path: f.path, Results: f.results, Err: f.err})
		}
	}
	return t.proj.ManifestWarnings(ms, files)
}

// flatten lays the selected file's results out as one list of lines and
// collects its highlighted spans.
func (a *Model) flatten(reset bool) {
	t := &a.tasks
	t.flat, t.items = t.flat[:0], t.items[:0]
	if f := t.selected(); f != nil {
		if len(f.results) > 0 && len(t.findings[f.path]) > 0 {
			t.flat = append(t.flat, manifestPLine)
		}
		for ri, r := range f.results {
			if r.Documents > 1 {
				t.flat = append(t.flat, pline{ri, -1})
			}
			if taskWide(r) {
				t.flat = append(t.flat, pline{ri, -2})
			}
			first := len(t.flat)
			covered := map[int]bool{}
			for li, l := range r.Rendering.Lines {
				t.flat = append(t.flat, pline{ri, li})
				for si, sp := range l.Spans {
					t.items = append(t.items, refItem{len(t.flat) - 1, si, -1, -1})
					covered[sp.Ref] = true
				}
			}
			t.items = append(t.items, spanless(r, first, covered)...)
		}
		// Spanless items go after the spans of their line.
		slices.SortStableFunc(t.items, func(x, y refItem) int { return x.flat - y.flat })
	}
	if reset {
		t.item, t.top = 0, 0
	}
	if t.item >= len(t.items) {
		t.item = len(t.items) - 1
	}
	if t.item < 0 && len(t.items) > 0 {
		t.item = 0
	}
	if reset && t.prevH > 0 {
		// Open a task at its first reference, not at its header comments.
		a.showItem()
	}
	a.clampTop()
}

// spanless returns items for r's references and documented-only forms
// that the rendering shows no span for, each on the line it is on; r's
// lines start at flat index first.
func spanless(r *taskpreview.Result, first int, covered map[int]bool) []refItem {
	lines := r.Rendering.Lines
	// Sources increase down the rendering: binary-search the last line
	// starting at or before line.
	var idx []int
	for i, l := range lines {
		if l.Source > 0 {
			idx = append(idx, i)
		}
	}
	at := func(line int) int {
		k := sort.Search(len(idx), func(k int) bool { return lines[idx[k]].Source > line })
		if k == 0 {
			return -1
		}
		return idx[k-1]
	}
	var out []refItem
	for i, ref := range r.References {
		if !covered[i] {
			if j := at(ref.Line); j >= 0 {
				out = append(out, refItem{first + j, -1, i, -1})
			}
		}
	}
	for i, in := range r.Inert {
		if in.Line <= 0 {
			continue
		}
		j := at(in.Line)
		if j < 0 {
			continue
		}
		shown := false
		for _, sp := range lines[j].Spans {
			shown = shown || sp.State == taskpreview.SpanInert && sp.Name == in.Name
		}
		if !shown {
			out = append(out, refItem{first + j, -1, -1, i})
		}
	}
	return out
}

// taskWide reports whether r has warnings that concern no single line.
func taskWide(r *taskpreview.Result) bool {
	for _, w := range r.Warnings {
		if w.Line <= 0 {
			return true
		}
	}
	return false
}

func describeTaskErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return model.Printable(pe.Err.Error())
	}
	return model.Printable(err.Error())
}

// refKind is what the span under the preview's cursor is, for the keys.
type refKind int

const (
	refNone      refKind = iota
	refSecret            // a name in the store: enter goes to it
	refMissing           // a reference to a name not in the store: enter creates it
	refHardcoded         // a literal credential: i imports it
	refOther             // dynamic, or a documented-only form naming a missing secret
)

// refAt describes the span under the cursor.
type refAt struct {
	kind refKind
	span taskpreview.Span
	text string // the span's text: a mask, a marker or the reference
	line int    // source line of the span's line
	res  *taskpreview.Result
}

func (a *Model) refUnderCursor() refAt {
	t := &a.tasks
	f := t.selected()
	if f == nil || t.item < 0 || t.item >= len(t.items) {
		return refAt{}
	}
	it := t.items[t.item]
	pl := t.flat[it.flat]
	r := f.results[pl.res]
	l := r.Rendering.Lines[pl.line]
	at := refAt{line: l.Source, res: r}
	switch {
	case it.span >= 0:
		at.span = l.Spans[it.span]
		at.text = l.Text[at.span.Start:at.span.End]
	case it.ref >= 0:
		ref := r.References[it.ref]
		at.span = taskpreview.Span{Name: ref.Name, State: ref.SpanState(), Ref: it.ref}
	default:
		at.span = taskpreview.Span{Name: r.Inert[it.inert].Name, State: taskpreview.SpanInert, Ref: -1}
		at.line = r.Inert[it.inert].Line
	}
	sp := at.span
	switch {
	case sp.State == taskpreview.SpanHardcoded:
		at.kind = refHardcoded
	case sp.Name == "":
		at.kind = refOther
	case a.exists(at.span.Name):
		at.kind = refSecret
	case at.span.State == taskpreview.SpanInert || !a.loaded:
		at.kind = refOther
	default:
		at.kind = refMissing
	}
	return at
}
