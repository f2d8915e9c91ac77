package taskpreview

import (
	"bytes"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/keyward/keyward/model"
)

// maxVisits bounds the work alias expansion can cause (a "billion laughs"
// file expands exponentially). A 5,000-step task is about 60,000 nodes.
const maxVisits = 500_000

// expandedSize counts the nodes of n with aliases expanded, stopping early
// past limit; memo[id] holds the size of node id once counted (0: not yet),
// for the nodes an alias shares. A copy made for a !!str tag keeps its
// node's id and is a scalar, so the two have the same size.
func expandedSize(n *ynode, memo []int, limit int) int {
	if n == nil {
		return 0
	}
	if s := memo[n.id]; s > 0 {
		return s
	}
	size := 1
	for _, c := range n.vals {
		size += expandedSize(c, memo, limit)
		if size > limit {
			break
		}
	}
	for _, c := range n.items {
		size += expandedSize(c, memo, limit)
		if size > limit {
			break
		}
	}
	memo[n.id] = size
	return size
}

// walker previews one document.
type walker struct {
	f       *srcFile
	opts    Options
	res     *Result
	root    *ynode
	visited int

	toolDefs      map[string]*ynode
	toolSetupRefs map[int][]string // tool index → names referenced in its spec
	consumers     int              // tool_call steps and prompt steps with the default tools
	workflows     map[string]bool
	agentWarned   bool

	aggs     map[warnKey]*aggWarning
	aggOrder []warnKey
	warnSeen map[warnKey]bool
	scalars  []*scalarInfo // by node id
	order    []int         // scalar ids in first-visit order

	// analyses holds analyze's result per distinct string of the file,
	// shared by every document: generated tasks repeat the same
	// expressions in thousands of steps. An analysis is read-only once
	// made (evalURL, which edits one, makes its own).
	analyses map[string]*analysis
}

type warnKey struct{ code, path string }

// aggWarning collects the names behind one container-level warning.
type aggWarning struct {
	code, path string
	line, col  int
	names      []string
	seen       map[string]bool // names as a set, once there are many
	format     string          // with one %s for the names
}

// aggSetFrom is how many names an aggWarning looks through before it keeps
// them in a set too: most have one or two, and a map each cost more than
// the warnings.
const aggSetFrom = 8

// add adds name once.
func (a *aggWarning) add(name string) {
	if a.seen != nil {
		if a.seen[name] {
			return
		}
		a.seen[name] = true
	} else if slices.Contains(a.names, name) {
		return
	} else if len(a.names) >= aggSetFrom {
		a.seen = make(map[string]bool, 2*aggSetFrom)
		for _, n := range a.names {
			a.seen[n] = true
		}
		a.seen[name] = true
	}
	a.names = append(a.names, name)
}

// scalarInfo remembers what a source scalar contributed, for rendering.
type scalarInfo struct {
	node      *ynode
	a         *analysis
	refs      []int // per hit of a: index into References, or -1
	inert     []hit
	hardcoded *Hardcoded
}

// fieldCtx describes the evaluated position a string sits in.
type fieldCtx struct {
	phase     Phase
	validated bool   // a direct value Julep's upload validator checks
	leak      string // the leak warning code of the container
	leakPath  string
	llmStep   string            // a prompt step path: values go to the model
	guards    map[string]string // name → path of a condition testing it
	tool      int               // tool index for tool_setup, else -1
	toolName  string
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func joinIndex(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func (w *walker) tick() bool {
	w.visited++
	return w.visited <= maxVisits
}

// warn adds a warning once per (code, path).
func (w *walker) warn(code, path, msg string, line, col int) {
	k := warnKey{code, path}
	if w.warnSeen[k] {
		return
	}
	w.warnSeen[k] = true
	w.res.Warnings = append(w.res.Warnings, Warning{Code: code, Path: path, Message: msg, Line: line, Column: col})
}

// aggregate adds name to a container-level warning, created on first use.
func (w *walker) aggregate(code, path, format, name string, line, col int) {
	k := warnKey{code, path}
	a := w.aggs[k]
	if a == nil {
		a = &aggWarning{code: code, path: path, line: line, col: col, format: format}
		w.aggs[k] = a
		w.aggOrder = append(w.aggOrder, k)
	}
	if name != "" {
		a.add(name)
	}
}

func (w *walker) flushAggregates() {
	for _, k := range w.aggOrder {
		a := w.aggs[k]
		names := strings.Join(a.names, ", ")
		if names == "" {
			names = "the secrets map"
		}
		w.warn(a.code, a.path, strings.Replace(a.format, "%s", names, 1), a.line, a.col)
	}
}

func (w *walker) info(n *ynode) *scalarInfo {
	si := w.scalars[n.id]
	if si == nil {
		si = &scalarInfo{node: n}
		w.scalars[n.id] = si
		w.order = append(w.order, n.id)
	}
	return si
}

var secretsWord = []byte("secrets")

// hitPos finds the file position of the secrets token at value offset off:
// the k-th "secrets" of the value is the k-th in the scalar's raw text
// unless YAML escapes got in the way, in which case the scalar's start is
// the best answer.
func (w *walker) hitPos(n *ynode, value string, off int) (line, col int) {
	k := strings.Count(value[:min(off, len(value))], "secrets")
	raw := w.f.src[n.start:n.end]
	at := -1
	for i, from := 0, 0; i <= k; i++ {
		j := bytes.Index(raw[from:], secretsWord)
		if j < 0 {
			at = -1
			break
		}
		at = from + j
		from = at + len("secrets")
	}
	if at < 0 {
		return n.line, n.col
	}
	return w.f.position(n.start + at)
}

// evalTree evaluates every string leaf under n.
func (w *walker) evalTree(n *ynode, path string, fc *fieldCtx) {
	if n == nil || !w.tick() {
		return
	}
	switch n.kind {
	case mapNode:
		for i, k := range n.keys {
			w.evalTree(n.vals[i], joinKey(path, k), fc)
		}
	case seqNode:
		for i, it := range n.items {
			w.evalTree(it, joinIndex(path, i), fc)
		}
	default:
		w.evalString(n, path, fc)
	}
}

// analyze is analyze(v), made once per distinct v.
func (w *walker) analyze(v string) *analysis {
	a, ok := w.analyses[v]
	if !ok {
		a = analyze(v)
		w.analyses[v] = a
	}
	return a
}

// evalString applies the string rules to one evaluated leaf and records
// what it reads. It returns the hits, for conditions that guard branches.
func (w *walker) evalString(n *ynode, path string, fc *fieldCtx) []hit {
	v, ok := n.str()
	if !ok {
		return nil
	}
	if !strings.Contains(v, "secrets") {
		w.checkHardcoded(n, path, fc)
		return nil
	}
	a := w.analyze(v)
	w.checkSyntax(n, path, v, a)
	if a.mode == modeImplicit && len(a.hits) == 0 && strings.HasPrefix(strings.TrimSpace(v), "$secrets") {
		w.warn(WarnDollarNoSpace, path, "\"$secrets…\" has no space after $, so it is plain text, not an expression", n.line, n.col)
	}
	w.addHits(n, path, fc, a, a.hits)
	return a.hits
}

func (w *walker) checkSyntax(n *ynode, path, v string, a *analysis) {
	if a.err == nil {
		return
	}
	line, col := w.hitPos(n, v, a.err.off)
	w.warn(WarnSyntax, path, "Julep cannot parse this string: "+model.Printable(a.err.msg), line, col)
}

// addHits turns hits of one string into references, dynamic entries and
// warnings.
func (w *walker) addHits(n *ynode, path string, fc *fieldCtx, a *analysis, hits []hit) {
	v := n.value
	si := w.info(n)
	fresh := si.a == nil
	if fresh {
		si.a = a
		si.refs = make([]int, len(a.hits))
		for i := range si.refs {
			si.refs[i] = -1
		}
	}
	for _, h := range hits {
		line, col := w.hitPos(n, v, h.off)
		valued := h.kind != KindPresenceCheck
		if h.kind == KindDynamic || h.kind == KindWholeMap {
			w.res.Dynamic = append(w.res.Dynamic, Dynamic{Kind: h.kind, Path: path, Expr: model.Printable(h.expr),
				Phase: fc.phase, Optional: h.optional, Line: line, Column: col})
			switch {
			case h.kind == KindDynamic:
				w.warn(WarnDynamicUserControlled, path, "the secret name is computed at run time: "+model.Printable(h.expr), line, col)
			case h.hazard != "":
				w.warn(WarnNameNeedsIndex, path, model.Printable(h.name)+" "+h.hazard+"; write secrets['"+model.Printable(h.name)+"'] to read the secret "+model.Printable(h.name), line, col)
			default:
				w.aggregate(WarnWholeMap, w.wholeMapPath(path, fc), "the whole secrets map is read here (%s)", path, line, col)
			}
		} else {
			ref := Reference{Name: h.name, Kind: h.kind, Path: path, Phase: fc.phase, Line: line, Column: col,
				Optional: h.optional, InvalidName: !model.ValidName(h.name), OnMissing: onMissing(h)}
			if g, ok := fc.guards[h.name]; ok && !h.optional {
				ref.Guard, ref.OnMissing = g, OnMissingGuarded
			}
			if fresh {
				for i := range a.hits {
					if a.hits[i].off == h.off && a.hits[i].kind == h.kind {
						si.refs[i] = len(w.res.References)
					}
				}
			}
			w.res.References = append(w.res.References, ref)
			if fc.tool >= 0 {
				w.toolSetupRefs[fc.tool] = append(w.toolSetupRefs[fc.tool], h.name)
			}
			if h.hazard != "" {
				w.warn(WarnNameNeedsIndex, path, model.Printable(h.name)+" "+h.hazard+"; write secrets['"+model.Printable(h.name)+"']", line, col)
			}
		}
		if h.inSet {
			w.warn(WarnDollarSetNotString, path, "\"$ {…}\" builds a Python set, not a string", line, col)
		}
		if fc.validated && a.mode != modeImplicit {
			w.warn(WarnValidatorUndefined, path, "Julep's upload validator does not know the name 'secrets' and may reject this with 400", line, col)
		}
		// A whole-map access (secrets.keys too) names no secret: its
		// leak is "the secrets map".
		leaked := ""
		if h.readsName() {
			leaked = h.name
		}
		if valued && fc.leak != "" {
			w.aggregate(fc.leak, fc.leakPath, leakFormats[fc.leak], leaked, line, col)
		}
		if valued && fc.llmStep != "" {
			w.aggregate(WarnSecretSentToLLM, fc.llmStep, "values of %s go into the prompt sent to the model provider", leaked, line, col)
		}
	}
}

var leakFormats = map[string]string{
	WarnLeakState:       "values of %s end up in workflow state and transitions",
	WarnLeakTransition:  "values of %s end up in this step's stored output",
	WarnLeakUserVisible: "values of %s are shown to whoever answers the input request",
	WarnLeakLog:         "values of %s end up in transition metadata",
	WarnLeakOutput:      "values of %s end up in the execution's output",
}

// wholeMapPath is the step (or tool) a whole-map warning is reported on.
func (w *walker) wholeMapPath(path string, fc *fieldCtx) string {
	if fc.tool >= 0 {
		return "tools[" + strconv.Itoa(fc.tool) + "]"
	}
	if fc.leakPath != "" {
		if i := strings.LastIndexByte(fc.leakPath, '.'); i > 0 {
			return fc.leakPath[:i]
		}
	}
	return path
}

func onMissing(h hit) OnMissing {
	switch {
	case h.kind == KindExprGet && h.hasDefault:
		return OnMissingDefault
	case h.optional:
		return OnMissingNone
	}
	return OnMissingStepFails
}

// inertTree records reference-shaped text under n, which Julep never
// evaluates.
func (w *walker) inertTree(n *ynode, path, why string) int {
	if n == nil || !w.tick() {
		return 0
	}
	count := 0
	switch n.kind {
	case mapNode:
		for i, k := range n.keys {
			count += w.inertTree(n.vals[i], joinKey(path, k), why)
		}
	case seqNode:
		for i, it := range n.items {
			count += w.inertTree(it, joinIndex(path, i), why)
		}
	default:
		v, ok := n.str()
		if !ok {
			return 0
		}
		hits := scanInert(v)
		if len(hits) == 0 {
			w.checkHardcoded(n, path, nil)
		}
		w.addInert(n, path, why, hits)
		count += len(hits)
	}
	return count
}

func (w *walker) addInert(n *ynode, path, why string, hits []hit) {
	if len(hits) == 0 {
		return
	}
	si := w.info(n)
	for _, h := range hits {
		line, col := w.hitPos(n, n.value, h.off)
		w.res.Inert = append(w.res.Inert, Inert{Name: h.name, Kind: h.kind, Path: path, Why: why, Line: line, Column: col})
	}
	if len(si.inert) == 0 && si.a == nil {
		si.inert = hits
	}
}

// toolSetupWarning reports that task tool secrets are needed by every step
// that builds the tools.
func (w *walker) toolSetupWarning() {
	if w.consumers == 0 || len(w.toolSetupRefs) == 0 {
		return
	}
	var idx []int
	var names []string
	seen := map[string]bool{}
	for i, ns := range w.toolSetupRefs {
		idx = append(idx, i)
		for _, n := range ns {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Ints(idx)
	sort.Strings(names)
	path := "tools"
	if len(idx) == 1 {
		path = "tools[" + strconv.Itoa(idx[0]) + "]"
	}
	line, col := 0, 0
	if tools := w.root.get("tools"); tools != nil && tools.kind == seqNode && idx[0] < len(tools.items) {
		line, col = tools.items[idx[0]].line, tools.items[idx[0]].col
	}
	w.warn(WarnToolSetupEverywhere, path, "the task has tools, so "+strings.Join(names, ", ")+
		" must resolve for every tool_call step and every prompt step that keeps the default tools: all ("+
		strconv.Itoa(w.consumers)+" here)", line, col)
}
