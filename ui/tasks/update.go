package tasks

// The view's answers to its own messages: scans of the tasks folder,
// previews of its files, the poll for changes and the rewrite of a task
// file; and what depends on the previews ("used by", the manifest findings,
// the selected file's flattened lines).

import (
	"slices"
	"sort"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// Msg is a message of the tasks view's own Cmds and timers. The root hands
// every Msg to Update.
type Msg interface{ tasksMsg() }

func (scannedMsg) tasksMsg()   {}
func (previewedMsg) tasksMsg() {}
func (rewrittenMsg) tasksMsg() {}
func (pollMsg) tasksMsg()      {}

// Update handles one of the view's own messages. It returns what to run
// next and, when the root has something to do, an Action: UsageChanged
// when "used by" may have changed, Rewritten when a task file rewrite
// answered.
func (m *Model) Update(msg Msg) (tea.Cmd, Action) {
	switch msg := msg.(type) {
	case scannedMsg:
		if msg.seq != m.scanSeq {
			return nil, nil
		}
		return m.applyScan(msg), UsageChanged{}
	case previewedMsg:
		if m.applyPreviews(msg) {
			return nil, UsageChanged{}
		}
	case pollMsg:
		if msg.seq == m.pollSeq {
			return m.scan(), nil
		}
	case rewrittenMsg:
		done := Rewritten{File: msg.file, Name: msg.name, Written: msg.written, Err: msg.err}
		if msg.err != nil {
			return nil, done
		}
		return m.scan(), done
	}
	return nil, nil
}

func (m *Model) applyScan(msg scannedMsg) tea.Cmd {
	m.scanned = true
	m.truncated = msg.truncated
	var poll tea.Cmd
	if !msg.truncated {
		// One poll chain: a newer timer makes older ones stale.
		m.pollSeq++
		poll = m.after(pollInterval, pollMsg{seq: m.pollSeq})
	}
	if msg.err != nil {
		m.scanErr = "could not read the tasks folder " + model.Printable(m.label) + ": " + describeErr(msg.err)
		m.files, m.byPath, m.known, m.want, m.usedBy = nil, map[string]int{}, map[string]fileStamp{}, map[string]int{}, nil
		m.manifests, m.findings = nil, nil
		m.changed(true)
		return poll
	}
	m.scanErr = ""
	keep := m.Selected()
	files := make([]File, 0, len(msg.stamps))
	known := make(map[string]fileStamp, len(msg.stamps))
	var changed []string
	for _, s := range msg.stamps {
		f := File{Path: s.path}
		if i, ok := m.byPath[s.path]; ok {
			f = m.files[i]
		}
		files = append(files, f)
		if old, ok := m.known[s.path]; !ok || old != s.stamp {
			changed = append(changed, s.path)
		}
		known[s.path] = s.stamp
	}
	for p := range m.want {
		if _, ok := known[p]; !ok {
			delete(m.want, p) // gone: its preview no longer matters
		}
	}
	m.files, m.known, m.manifests = files, known, msg.manifests
	m.byPath = make(map[string]int, len(files))
	for i := range files {
		m.byPath[files[i].Path] = i
	}
	m.cursor = 0
	if i, ok := m.byPath[keep]; ok {
		m.cursor = i
	}
	m.changed(keep == "" || m.Selected() != keep)
	m.layout()
	return tea.Batch(poll, m.preview(changed))
}

// applyPreviews takes in the previews that are still wanted and reports
// whether any was.
func (m *Model) applyPreviews(msg previewedMsg) bool {
	applied := false
	for _, p := range msg.files {
		if m.want[p.Path] != msg.seq {
			continue // a newer preview of this file is on its way
		}
		delete(m.want, p.Path)
		if i, ok := m.byPath[p.Path]; ok {
			m.files[i] = File{Path: p.Path, Results: p.Results, Err: p.Err, Skipped: p.Skipped, Done: true, Checked: msg.checked}
			applied = true
		}
	}
	if applied {
		m.changed(false)
	}
	return applied
}

// changed recomputes what depends on the previews and manifests: "used
// by", the manifest findings and the selected file's lines. reset puts the
// preview back at its top.
func (m *Model) changed(reset bool) {
	// Both wait for every file's preview: a project's files half read
	// would make declared names look unused.
	if m.loaded() && m.scanErr == "" {
		var all []*taskpreview.Result
		for i := range m.files {
			all = append(all, m.files[i].Results...)
		}
		m.usedBy = taskpreview.UsedBy(all)
		m.findings = m.manifestFindings()
	}
	m.flatten(reset)
}

// manifestFindings runs Project.ManifestWarnings over the previewed files.
func (m *Model) manifestFindings() map[string][]taskpreview.Warning {
	if len(m.manifests) == 0 {
		return nil
	}
	ms := make(map[string]taskpreview.Manifest, len(m.manifests))
	for p, mf := range m.manifests {
		ms[p] = mf.Manifest
	}
	files := make([]taskpreview.FilePreview, 0, len(m.files))
	for i := range m.files {
		if f := &m.files[i]; f.Done {
			files = append(files, taskpreview.FilePreview{Path: f.Path, Results: f.Results, Err: f.Err})
		}
	}
	return m.proj.ManifestWarnings(ms, files)
}

// flatten lays the selected file's results out as one list of lines and
// collects its highlighted spans.
func (m *Model) flatten(reset bool) {
	m.flat, m.items = m.flat[:0], m.items[:0]
	if f := m.selected(); f != nil {
		if len(f.Results) > 0 && len(m.findings[f.Path]) > 0 {
			m.flat = append(m.flat, manifestPLine)
		}
		for ri, r := range f.Results {
			if r.Documents > 1 {
				m.flat = append(m.flat, pline{ri, -1})
			}
			if taskWide(r) {
				m.flat = append(m.flat, pline{ri, -2})
			}
			first := len(m.flat)
			covered := map[int]bool{}
			for li, l := range r.Rendering.Lines {
				m.flat = append(m.flat, pline{ri, li})
				for si, sp := range l.Spans {
					m.items = append(m.items, refItem{len(m.flat) - 1, si, -1, -1})
					covered[sp.Ref] = true
				}
			}
			m.items = append(m.items, spanless(r, first, covered)...)
		}
		// Spanless items go after the spans of their line.
		slices.SortStableFunc(m.items, func(x, y refItem) int { return x.flat - y.flat })
	}
	if reset {
		m.item, m.top = 0, 0
	}
	if m.item >= len(m.items) {
		m.item = len(m.items) - 1
	}
	if m.item < 0 && len(m.items) > 0 {
		m.item = 0
	}
	if reset {
		m.placed = false
	}
	if !m.placed && m.prevH > 0 && len(m.items) > 0 {
		// Open a task at its first reference, not at its header comments,
		// also when its lines arrive after it was selected.
		m.openAtItem()
		m.placed = true
	}
	m.clampTop()
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
