// Package ui is keyward's terminal user interface: a full-screen Bubble Tea
// program that lists, filters, shows, creates, edits, rotates, rolls back and
// deletes secrets over a Store.
//
// Values are read from the keyring only when the user asks for one (reveal,
// copy), always inside a tea.Cmd, and shown unmasked only while revealed.
package ui

import (
	"context"
	"errors"
	"os"
	"slices"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
	"github.com/keyward/keyward/ui/tasks"
)

// Store is what the UI needs from a secret store; keyring.OSStore and
// keyring.MemStore satisfy it. Only Value reads the keyring.
type Store interface {
	List(ctx context.Context) ([]model.Secret, error)
	Value(ctx context.Context, name string) (string, error)
	Create(ctx context.Context, s model.Secret, value string) (model.Secret, error)
	Update(ctx context.Context, name string, p model.Patch) (model.Secret, error)
	Rotate(ctx context.Context, name, value string) (model.Secret, error)
	RotateGenerated(ctx context.Context, name, value string, gen *model.GenSpec) (model.Secret, error)
	Rollback(ctx context.Context, name string) (model.Secret, error)
	Delete(ctx context.Context, name string) error
	// Get and RecordSync let a push (julep.Push) read a record and keep
	// what it pushed.
	Get(ctx context.Context, name string) (model.Secret, error)
	RecordSync(ctx context.Context, name string, st model.SyncState) (model.Secret, error)
}

// indexPather is a store whose index is a file, like keyring.OSStore. The
// UI polls the file, so what another keyward process writes shows up.
type indexPather interface{ IndexPath() string }

// Options configures Run.
type Options struct {
	Store     Store
	Now       func() time.Time // the clock; time.Now when nil
	Demo      bool             // the store is the seeded in-memory demo
	Clipboard Clipboard        // the system clipboard; detected when nil

	// Config is config.toml as the command line read it (config.Load;
	// config.Default when there is none), and ConfigWarnings what was
	// wrong in it, shown at start.
	Config         config.Config
	ConfigWarnings []string
	// Tasks is where the task view reads task files (config.ResolveTasks).
	Tasks config.Tasks
	// Julep opens the Julep account P pushes to; nil when there is none
	// (--demo without Julep settings).
	Julep JulepConnect
	// Model is the agent's model, for prompt steps without settings.model
	// (--model); Mapping picks the model → provider-key table (--mapping,
	// empty for current).
	Model   string
	Mapping taskpreview.Mapping
}

// Run starts the terminal UI and blocks until the user quits or ctx ends. It
// uses the alternate screen, so nothing it shows stays in the scrollback,
// and it prints nothing on exit.
func Run(ctx context.Context, opts Options) error {
	if opts.Store == nil {
		return errors.New("ui: no store")
	}
	if opts.Clipboard == nil {
		if c := newSystemClipboard(); c != nil {
			opts.Clipboard = c
		}
	}
	a := newModel(ctx, opts, opts.Config, opts.ConfigWarnings)
	a.noColor = os.Getenv("NO_COLOR") != ""
	a.st = newStyles(a.isDark, a.noColor, a.palette)
	defer a.tuneMemory()()
	// esc is as fast as the terminal lets it be, not as keyward does: a
	// lone ESC byte may be the start of an escape sequence (an arrow key
	// arriving in two reads), so Bubble Tea's input reader (ultraviolet's
	// TerminalReader) waits uv.DefaultEscTimeout, 50 ms, for more bytes
	// before it reports esc; a timer that fires a hair early waits one
	// more round. Bubble Tea v2.1.1 makes that reader itself (Program.
	// initInputReader) and offers no option to shorten the wait, and
	// rewriting a lone ESC ourselves would turn a split arrow key into esc
	// plus typed text. Terminals that speak the kitty keyboard protocol,
	// which Bubble Tea asks for at start (flag 1, disambiguate), send esc
	// as a whole sequence (CSI 27 u) and skip the wait; tmux adds its own
	// escape-time on top. README's "Performance" under the terminal UI
	// says so.
	_, err := tea.NewProgram(a, tea.WithContext(ctx)).Run()
	if a.crashed {
		return ErrInternal
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// ErrInternal is returned by Run when the UI stopped on a bug. It says
// nothing more: a panic's value could hold a secret.
var ErrInternal = errors.New("internal error: the terminal UI stopped")

// Model is the root model: it holds the focus and mode and decides what every component's action does.
type Model struct {
	ctx     context.Context
	store   Store
	now     func() time.Time
	after   timerFunc
	clip    Clipboard
	cfg     config.Config
	palette palette
	demo    bool
	julep   JulepConnect
	syncSeq int // the push flow in flight; older answers are dropped
	keys    keyMap
	st      styles
	isDark  bool
	noColor bool

	// afterLoad runs after every load of the index: fitMemoryLimit
	// under Run, nothing in tests.
	afterLoad func()
	// keptMore runs after a sort that made the list keep n more bytes
	// (listPane.grew): raiseMemoryLimit under Run, nothing in tests.
	keptMore func(n int64)

	width, height int
	tooSmall      bool
	statusH       int // rows of the status area: its text wrapped (fitStatus)
	sideBySide    bool
	listW, listH  int
	detW, detH    int

	focus   focus
	back    focus // the pane t returns to in the other view
	mode    mode
	list    listPane
	detail  detailPane
	tasks   *tasks.Model
	filter  textinput.Model
	filtErr string
	form    *form
	confirm confirmation
	help    help.Model

	loaded    bool
	loadErr   string // why the last index load failed
	indexSeq  int
	loading   bool   // a load of the index is on its way
	reloading string // the status the next load reports, with its count
	selectOn  string // select this name after the next load

	// The index file, when the store has one, is polled for changes made
	// by another keyward process; indexStamp is the file as the list
	// knows it.
	indexPath    string
	indexStamp   indexStamp
	indexPollSeq int

	status   statusLine
	busy     string // the write in flight, if any
	writeSeq int    // the write the UI waits for
	quitting bool
	crashed  bool // Update or View panicked

	reveal   revealState
	valueSeq int
	masks    map[string]maskEntry
	clipSt   clipState
	clipSeq  int
	genSeq   int

	recheckSeq int // the records read again before a rollback (stale.go)

	view     int             // the active view: an index into cfg.Views
	helpOff  int             // the help screen's scroll
	helpMore bool            // the help screen is taller than the screen: it scrolls
	marks    map[string]bool // marked secrets, by name
	session  *session        // a rotation session walking the marks
	batch    batchRun        // the writes to the marked secrets in flight
}

// newModel builds the root model. It does no I/O; Run and the tests call it.
func newModel(ctx context.Context, opts Options, cfg config.Config, warnings []string) *Model {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	a := &Model{
		ctx:     ctx,
		store:   opts.Store,
		now:     now,
		after:   realTimer,
		clip:    opts.Clipboard,
		cfg:     cfg,
		palette: paletteFrom(cfg.Colors),
		demo:    opts.Demo,
		julep:   opts.Julep,
		keys:    newKeyMap(),
		isDark:  true,
		masks:   map[string]maskEntry{},
		marks:   map[string]bool{},
		help:    help.New(),
	}
	a.st = newStyles(a.isDark, a.noColor, a.palette)
	if p, ok := opts.Store.(indexPather); ok {
		a.indexPath = p.IndexPath()
	}
	a.list.sort = cfg.DefaultSort
	a.back = focusTasks
	a.tasks = a.newTasks(opts)
	a.list.setViews(viewQueries(cfg.Views), 0, a.env())
	a.filter = newInput("words, key=value, key!=value, key=*, is:due, is:unused, age>90d", 40)
	a.filter.Prompt = "/"
	if len(warnings) > 0 {
		a.status = statusLine{text: warnings[0], kind: statusError, seq: 1}
		if len(warnings) > 1 {
			a.status.text += " (and more bad settings)"
		}
	}
	a.syncKeys()
	return a
}

// Init starts loading the index and the task files (the keyring is not
// touched: task references are not checked against the store until the
// tasks view opens) and asks the terminal for its background colour.
func (a *Model) Init() tea.Cmd {
	return tea.Batch(a.reload(""), a.tasks.Init(), a.pollIndex(), tea.RequestBackgroundColor)
}

// env is what the filter needs: the clock and, once the task files have
// been read, which secrets they use (is:unused matches nothing before).
func (a *Model) env() model.Env {
	e := model.Env{Now: a.now()}
	if used := a.tasks.UsedBy(); used != nil {
		e.Used = func(name string) bool { _, ok := used[name]; return ok }
	}
	return e
}

// Update handles one message. Keys go to the mode first, then to global
// bindings, then to the focused pane.
func (a *Model) Update(msg tea.Msg) (m tea.Model, cmd tea.Cmd) {
	// A panic must not reach Bubble Tea, which prints its value and a stack
	// trace: quit instead, and let Run report a plain error.
	defer func() {
		if recover() != nil {
			a.crashed = true
			m, cmd = a, tea.Quit
		}
	}()
	cmd = a.update(msg)
	if a.mode == modeHelp && a.width > 0 {
		a.helpMore = len(a.helpLines(a.helpWidth())) > a.helpRoom(a.bodyHeight())
	}
	a.syncKeys()
	a.fitStatus()
	return a, cmd
}

func (a *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.layout()
		return nil
	case tea.BackgroundColorMsg:
		a.isDark = msg.IsDark()
		a.st = newStyles(a.isDark, a.noColor, a.palette)
		return nil
	case tea.KeyPressMsg:
		return a.handleKey(msg)
	case tea.PasteMsg:
		return a.handlePaste(msg)
	case tea.MouseWheelMsg:
		return a.handleWheel(msg)
	case tea.MouseClickMsg:
		return a.handleClick(msg)
	case tea.ClipboardMsg:
		return a.clipboardReplied(msg)

	case indexLoadedMsg:
		return a.indexLoaded(msg)
	case sortAheadMsg:
		return a.sortAhead(msg)
	case sortedAheadMsg:
		if a.list.keepOrders(msg.gen, msg.orders) && a.keptMore != nil {
			a.keptMore(a.list.grew)
		}
		a.list.grew = 0
		return nil
	case indexPollMsg:
		if msg.seq != a.indexPollSeq {
			return nil
		}
		return checkIndex(a.indexPath, msg.seq)
	case indexCheckedMsg:
		return a.indexChecked(msg)
	case valueReadMsg:
		return a.valueRead(msg)
	case recheckedMsg:
		return a.rechecked(msg)
	case valueCopiedMsg:
		return a.valueCopied(msg)
	case clipboardTickMsg:
		return a.clipboardTick(msg)
	case clipboardCheckedMsg:
		return a.clipboardChecked(msg)
	case clipboardReadTimedOutMsg:
		if a.clipSt.awaitingRead && msg.seq == a.clipSt.seq {
			a.clipSt = clipState{}
			return a.setStatus(statusError, "clipboard not cleared: this terminal does not let keyward read it back; clear it yourself")
		}
		return nil
	case valueGeneratedMsg:
		return a.valueGenerated(msg)
	case offerPushMsg:
		return a.offerPush(msg)
	case syncPlannedMsg:
		return a.syncPlanned(msg)
	case syncProgressMsg:
		return a.syncProgress(msg)
	case syncPushedMsg:
		return a.syncPushed(msg)
	case secretWrittenMsg:
		return a.secretWritten(msg)
	case secretImportedMsg:
		return a.secretImported(msg)
	case tasks.Msg:
		return a.taskMsg(msg)
	case cmdPanickedMsg:
		a.busy = ""
		if a.form != nil {
			a.form.saving = false
		}
		return a.setStatus(statusError, "internal error: an operation stopped part-way; ctrl+r reloads, and please report this bug")
	case statusExpiredMsg:
		if msg.seq == a.status.seq {
			a.status = statusLine{}
		}
		return nil
	case revealExpiredMsg:
		if a.reveal.revealed && msg.seq == a.reveal.seq {
			a.hideReveal()
			return a.setStatus(statusInfo, "value hidden")
		}
		return nil
	}
	// Anything else (cursor messages) goes to the input that has focus.
	return a.forwardToInput(msg)
}

func (a *Model) forwardToInput(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch a.mode {
	case modeFilter:
		a.filter, cmd = a.filter.Update(msg)
	case modeForm, modeRotate:
		if a.form != nil && !a.form.saving {
			cmd = a.form.update(msg, &a.keys)
		}
	}
	return cmd
}

func (a *Model) keyState() keyState {
	st := keyState{mode: a.mode, focus: a.focus, filterActive: a.filter.Value() != "",
		inTasks: a.focus.tasksView(), tasks: a.tasks, marked: len(a.marks), inSession: a.session != nil,
		onView: a.onView(), views: len(a.cfg.Views), helpScrolls: a.helpMore}
	if s, ok := a.list.selected(); ok {
		st.hasSelection = true
		st.onPair = len(s.Metadata) > 0
		st.revealed = a.reveal.name == s.Name && (a.reveal.revealed || a.reveal.loading)
	}
	if a.form != nil {
		st.hasValue = a.form.hasValue()
		st.multiline = a.form.current() == fieldMetadata
		st.inValue = a.form.current() == fieldValue
	}
	return st
}

// syncKeys enables the bindings that apply now, the tasks view's too.
func (a *Model) syncKeys() {
	a.tasks.SetFocus(a.taskPane())
	a.keys.update(a.keyState())
}

// setStatus shows text in the status line until the next key or the status
// timeout (longer for errors).
func (a *Model) setStatus(kind statusKind, text string) tea.Cmd {
	a.status.seq++
	a.status.text, a.status.kind = text, kind
	d := a.cfg.StatusTimeout
	if kind == statusError {
		d *= 2
	}
	return a.after(d, statusExpiredMsg{seq: a.status.seq})
}

// selectionChanged hides a revealed value and resets the detail cursor when
// the selected secret is no longer before.
func (a *Model) selectionChanged(before string) {
	if a.list.selectedName() != before {
		a.hideReveal()
		a.detail.reset()
	}
}

// hideReveal drops a revealed value and any read still in flight.
func (a *Model) hideReveal() {
	a.reveal = revealState{}
	a.valueSeq++
}

// reload asks for the index again, selecting name afterwards when set.
func (a *Model) reload(name string) tea.Cmd {
	a.indexSeq++
	a.loading = true
	if name != "" {
		a.selectOn = name
	}
	return loadIndex(a.ctx, a.store, a.indexPath, a.indexSeq)
}

// pollIndex looks at the index file again after indexPollInterval, when
// the store has one.
func (a *Model) pollIndex() tea.Cmd {
	if a.indexPath == "" {
		return nil
	}
	a.indexPollSeq++
	return a.after(indexPollInterval, indexPollMsg{seq: a.indexPollSeq})
}

// indexChecked reads the index again when the file changed since the list
// was read or written, unless a load or a write on its way will tell.
func (a *Model) indexChecked(msg indexCheckedMsg) tea.Cmd {
	if msg.seq != a.indexPollSeq {
		return nil
	}
	next := a.pollIndex()
	if a.loading || a.busy != "" || msg.stamp == a.indexStamp {
		return next
	}
	a.reloading = "the index changed on disk; reloaded"
	return tea.Batch(next, a.reload(""))
}

func (a *Model) indexLoaded(msg indexLoadedMsg) tea.Cmd {
	if msg.seq != a.indexSeq {
		return nil // a newer load is on its way
	}
	reloading := a.reloading
	a.loading, a.reloading = false, ""
	// Even a broken index is read only once more when it changes.
	a.indexStamp = msg.stamp
	if msg.err != nil {
		a.loadErr = "could not read the index: " + describeErr(msg.err)
		return a.setStatus(statusError, a.loadErr)
	}
	a.loadErr = ""
	before := a.list.selectedName()
	keep := before
	if a.selectOn != "" {
		keep, a.selectOn = a.selectOn, ""
	}
	a.list.setSecrets(msg.secrets, a.env(), keep)
	a.loaded = true
	if a.afterLoad != nil {
		a.afterLoad()
	}
	a.pruneMarks()
	a.listChanged(before)
	// Task references are checked against the names (and masks) of the
	// store as it is now.
	recheck := tea.Batch(a.tasks.Recheck(), a.after(sortAheadDelay, sortAheadMsg{gen: a.list.gen}))
	if reloading != "" {
		return tea.Batch(recheck, a.setStatus(statusSuccess, reloading+": "+model.Count(len(msg.secrets), "secret")))
	}
	return recheck
}

// sortAhead sorts the list by the keys s goes through, off the event
// loop, so that not even the first s after a load sorts 100,000 secrets
// (10-14 ms and 4.9 MB of garbage at that size, where a kept order is a
// permutation). The list's records never change in place (put replaces
// the pointer), so the Cmd may read them; a reply for a list that has
// changed since is dropped (keepOrders).
func (a *Model) sortAhead(msg sortAheadMsg) tea.Cmd {
	if msg.gen != a.list.gen {
		return nil
	}
	var keys []model.SortKey
	for _, k := range append(slices.Clone(sortCycle), a.list.sort) {
		if _, kept := a.list.orders[k]; !byName(k) && !kept && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	byRank := make([]*model.Secret, len(a.list.byRank))
	for r, it := range a.list.byRank {
		byRank[r] = it.sec
	}
	return sortInAdvance(msg.gen, byRank, keys)
}

// listChanged follows a change of the list's records: a value on screen
// belongs to the version it was read at, and a new selection hides it.
func (a *Model) listChanged(before string) {
	if s, ok := a.list.selected(); ok && a.reveal.revealed && a.masks[s.Name].version != s.Version {
		a.hideReveal()
	}
	a.selectionChanged(before)
}

func (a *Model) valueRead(msg valueReadMsg) tea.Cmd {
	if msg.seq != a.valueSeq || msg.name != a.reveal.name || msg.name != a.list.selectedName() {
		return nil // the user moved on; drop the value
	}
	if msg.err != nil {
		a.reveal = revealState{name: msg.name, seq: msg.seq, err: describeErr(msg.err)}
		return a.setStatus(statusError, "could not read "+model.Printable(msg.name)+": "+describeErr(msg.err))
	}
	a.reveal.loading, a.reveal.revealed, a.reveal.value = false, true, msg.value
	a.masks[msg.name] = maskEntry{version: msg.version, mask: model.Mask(msg.value)}
	return a.after(a.cfg.RevealTimeout, revealExpiredMsg{seq: msg.seq})
}

// currentValueView is what the detail pane shows for the selected value.
func (a *Model) currentValueView(s *model.Secret) valueView {
	var v valueView
	if m, ok := a.masks[s.Name]; ok && m.version == s.Version {
		v.mask = m.mask
	}
	if a.reveal.name == s.Name {
		v.loading = a.reveal.loading
		v.revealed = a.reveal.revealed
		v.value = a.reveal.value
		v.err = a.reveal.err
	}
	return v
}
