// Package tasks is keyward's tasks view: the task files of the tasks folder
// with a summary each, and the selected task's masked rendering with its
// secret references highlighted by state and warnings under their lines.
//
// It is a component in the sense of crush's internal/ui/AGENTS.md: the root
// model owns focus, mode, the status line, forms, confirmations and the
// store; this package keeps its own state, keys, help, messages and Cmds,
// and its methods return a tea.Cmd or an Action that the root carries out
// (go to a secret, create one, import a literal). It learns what it needs
// of the root through Options: the names in the index, a function that
// reads a value (for a mask, inside a Cmd), a timer, and its styles.
package tasks

import (
	"errors"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// Index is what the tasks view knows of the store: the secret names in its
// index. Loaded is false until the index has been read once; until then no
// reference is called missing.
type Index interface {
	Loaded() bool
	Has(name string) bool
	Names() []string
}

// Options configures New.
type Options struct {
	// Tasks is where the task files are (config.ResolveTasks); the demo's
	// own sample tasks when Tasks.FS is nil and Demo is set.
	Tasks config.Tasks
	Demo  bool
	// Model is the agent's model, for prompt steps without settings.model
	// (--model); Mapping picks the model → provider-key table.
	Model   string
	Mapping taskpreview.Mapping

	// Index is the store's names; nil for none.
	Index Index
	// Value reads one secret's value, only to compute its mask. It runs
	// inside a Cmd, never in Update, and bounds its own wait.
	Value func(name string) (string, error)
	// After delivers msg after d: tea.Tick in the program, held timers in
	// tests.
	After func(d time.Duration, msg tea.Msg) tea.Cmd
	// Styles are read at every draw, so the root can swap them when it
	// learns the terminal's background (crush passes *common.Common).
	Styles *Styles
}

// Model is the tasks view: the task files, their previews, and where the
// user is in them. Make one with New.
type Model struct {
	proj     *taskpreview.Project // the tasks folder: its task files and which julep.yaml applies
	fsys     fs.FS                // the tasks folder itself, for the import
	dir      string               // the folder on disk; "" when the caller gave only an fs.FS
	label    string               // how the header names the folder
	writable bool                 // task files may be rewritten: fsys is dir on disk
	demo     bool                 // the embedded demo tasks
	opts     taskpreview.Options

	index  Index
	value  func(name string) (string, error)
	after  func(time.Duration, tea.Msg) tea.Cmd
	st     *Styles
	keyMap KeyMap
	focus  Pane

	files     []File // in path order
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
	// are what Project.ManifestWarnings says of them, by task file path.
	// The findings are kept apart from the previews' own warnings, which
	// stay as the preview Cmd returned them, and merged only when drawn and
	// counted.
	manifests map[string]manifestFile
	findings  map[string][]taskpreview.Warning

	cursor, offset int       // the task list
	flat           []pline   // the selected file's rendering, flattened
	items          []refItem // the spans of flat, in order
	item           int       // the span under the cursor, index into items
	top            int       // the first flat line shown
	placed         bool      // top was set for the selected file's first reference
	width, height  int       // SetSize's: inside the borders of both panes
	listW, listH   int       // the task list's inside
	prevW, prevH   int       // the preview's scrolling area
	pathW          int       // the widest path
}

// File is one task file and its latest preview.
type File struct {
	Path    string
	Results []*taskpreview.Result
	Err     error
	Skipped bool // YAML that is not a Julep task (Project.PreviewAll's rule)
	Done    bool // previewed at least once
	Checked bool // previewed against the store
}

// Pane is the pane of the tasks view that has focus, if any.
type Pane int

const (
	PaneNone    Pane = iota // the secrets view is showing
	PaneList                // the task files
	PanePreview             // the selected task's masked rendering
)

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

// New builds the tasks view. It does no I/O: Init starts the first scan.
func New(o Options) *Model {
	src := o.Tasks
	if src.FS == nil {
		src = config.ResolveTasks("", "", config.Default(), o.Demo)
	}
	m := &Model{proj: taskpreview.OpenProject(src.Dir, src.FS), fsys: src.FS, dir: src.Dir, label: src.Label, writable: src.Writable, demo: src.Demo,
		byPath: map[string]int{}, known: map[string]fileStamp{}, want: map[string]int{},
		opts:  taskpreview.Options{Model: o.Model, Mapping: o.Mapping},
		index: o.Index, value: o.Value, after: o.After, st: o.Styles, keyMap: DefaultKeyMap()}
	if !m.writable {
		m.dir = ""
	}
	if m.label == "" {
		m.label = "tasks (read-only)"
	}
	if m.index == nil {
		m.index = noIndex{}
	}
	if m.value == nil {
		m.value = func(string) (string, error) { return "", errNoStore }
	}
	if m.after == nil {
		m.after = func(d time.Duration, msg tea.Msg) tea.Cmd {
			return tea.Tick(d, func(time.Time) tea.Msg { return msg })
		}
	}
	if m.st == nil {
		m.st = &Styles{}
	}
	return m
}

var errNoStore = errors.New("no store")

type noIndex struct{}

func (noIndex) Loaded() bool    { return false }
func (noIndex) Has(string) bool { return false }
func (noIndex) Names() []string { return nil }

// Init looks for the task files. No value is read: references are checked
// against the store only once the view is opened.
func (m *Model) Init() tea.Cmd { return m.scan() }

// SetFocus tells the view which of its panes has the keys (PaneNone while
// the secrets view shows). The root calls it after every Update.
func (m *Model) SetFocus(p Pane) { m.focus = p }

// Open is called when the view is shown. The first time, the previews are
// redone against the store (reading each referenced value once, for its
// mask); when the index is not loaded yet, Recheck does it later.
func (m *Model) Open() tea.Cmd {
	if m.checked {
		return nil
	}
	m.checked = true
	if !m.index.Loaded() {
		return nil
	}
	return m.preview(m.paths())
}

// Reload looks for new and changed task files now. (With ctrl+r the index
// reload that comes with it previews every file again, through Recheck.)
func (m *Model) Reload() tea.Cmd {
	if !m.checked || !m.index.Loaded() {
		m.known = map[string]fileStamp{} // no recheck is coming: preview all
	}
	return m.scan()
}

// Recheck previews every file again against the names (and masks) of the
// store as it is now: after the index was read, or a name came or went
// (which can change any file's "did you mean"). Nothing before the view was
// first opened.
func (m *Model) Recheck() tea.Cmd {
	if !m.checked {
		return nil
	}
	return m.preview(m.paths())
}

// RecheckUsing previews again the files that reference name, whose value
// changed: its mask is new. All files while "used by" is not known yet.
func (m *Model) RecheckUsing(name string) tea.Cmd {
	if !m.checked {
		return nil
	}
	if m.usedBy == nil {
		return m.preview(m.paths())
	}
	return m.preview(m.filesUsing(name))
}

// UsedBy maps each secret name to the places that reference it; nil until
// every task file has been read (is:unused matches nothing before). The
// caller must not change it.
func (m *Model) UsedBy() map[string][]taskpreview.Use { return m.usedBy }

// Unreadable reports whether the tasks folder could not be read.
func (m *Model) Unreadable() bool { return m.scanErr != "" }

// Files returns the task files found, in path order, with their previews.
func (m *Model) Files() []File { return slices.Clone(m.files) }

// Selected is the path of the task file under the list's cursor, or "".
func (m *Model) Selected() string {
	if f := m.selected(); f != nil {
		return f.Path
	}
	return ""
}

// Header is the header's note on the folder: how many task files it
// holds, and whether the scan stopped short.
func (m *Model) Header() string {
	s := "tasks in " + model.Printable(m.label)
	if m.scanned {
		s = model.Count(len(m.files), "task file") + " in " + model.Printable(m.label)
	}
	if m.truncated {
		s += " (scan stopped: too many files; ctrl+r scans again)"
	}
	return s
}

func (m *Model) paths() []string {
	out := make([]string, len(m.files))
	for i := range m.files {
		out[i] = m.files[i].Path
	}
	return out
}

func (m *Model) selected() *File {
	if m.cursor < 0 || m.cursor >= len(m.files) {
		return nil
	}
	return &m.files[m.cursor]
}

// loaded reports whether every task file found has a preview.
func (m *Model) loaded() bool { return m.scanned && len(m.want) == 0 }

// filesUsing lists the task files that reference name.
func (m *Model) filesUsing(name string) []string {
	var out []string
	for _, u := range m.usedBy[name] {
		p := u.File
		if _, ok := m.byPath[p]; !ok {
			// "file#2" is the second document of file.
			if i := strings.LastIndexByte(p, '#'); i >= 0 {
				p = p[:i]
			}
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// scan looks for task files now.
func (m *Model) scan() tea.Cmd {
	m.scanSeq++
	return scanTaskFiles(m.proj, maps.Clone(m.manifests), m.scanSeq)
}

// preview asks for previews of paths: against the store once the view has
// been opened and the index is loaded, else names-free.
func (m *Model) preview(paths []string) tea.Cmd {
	if len(paths) == 0 {
		return nil
	}
	m.prevSeq++
	for _, p := range paths {
		m.want[p] = m.prevSeq
	}
	checked := m.checked && m.index.Loaded()
	var names []string
	if checked {
		names = m.index.Names()
	}
	return previewTaskFiles(m.value, m.proj, paths, names, checked, m.opts, m.prevSeq)
}

func describeErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return model.Printable(pe.Err.Error())
	}
	return model.Printable(err.Error())
}
