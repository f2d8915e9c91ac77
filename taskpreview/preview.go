package taskpreview

import (
	"fmt"
	"strconv"

	"github.com/keyward/keyward/model"
)

// taskFields are the top-level keys of a task that are not subworkflows;
// tools and main are walked on their own.
var taskFields = setOf("name", "canonical_name", "description", "input_schema", "metadata", "inherit_tools")

// Preview parses one task file and previews each YAML document in it.
// file names the file in results and errors; src is its content. A syntax
// error, or YAML that is not a task, gives an *Error (match ErrSyntax or
// ErrNotTask with errors.Is); a file over MaxTaskSize or nested too deep
// gives one that matches ErrLimit, before the parser runs. Each distinct secret's value is read from
// opts.Lookup at most once per call.
func Preview(file string, src []byte, opts Options) ([]*Result, error) {
	if opts.Mapping == "" {
		opts.Mapping = MappingCurrent
	}
	if err := checkLimits(file, src, false); err != nil {
		return nil, err
	}
	f := newSrcFile(file, src)
	docs, err := parseDocuments(f)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, &Error{File: file, Msg: "the file holds no YAML document, so no task", Err: ErrNotTask}
	}
	res := newResolver(opts.Lookup, opts.NamesOnly)
	analyses := map[string]*analysis{}
	var out []*Result
	for i, d := range docs {
		r, err := previewDocument(f, d, opts, res, analyses)
		if err != nil {
			return nil, err
		}
		r.Document, r.Documents = i+1, len(docs)
		if len(docs) > 1 {
			r.File = file + "#" + strconv.Itoa(i+1)
			r.Warnings = append([]Warning{{Code: WarnMultiDocument, Path: "",
				Message: fmt.Sprintf("the file has %d YAML documents; Julep's loader accepts one, so this is document %d previewed on its own", len(docs), i+1),
				Line:    d.firstLine, Column: 1}}, r.Warnings...)
		}
		out = append(out, r)
	}
	return out, nil
}

func previewDocument(f *srcFile, d document, opts Options, res *resolver, analyses map[string]*analysis) (*Result, error) {
	root := d.root
	if root.kind != mapNode {
		return nil, f.errorAt(root.line, root.col, "not a Julep task: the document is not a mapping", ErrNotTask)
	}
	if root.get("main") == nil {
		return nil, f.errorAt(root.line, root.col, "not a Julep task: it has no main workflow", ErrNotTask)
	}
	if expandedSize(root, make([]int, d.nodes+1), maxVisits) > maxVisits {
		return nil, f.errorAt(root.line, root.col, "the task expands to too many nodes (aliases nested too deeply)", ErrSyntax)
	}
	w := &walker{
		f: f, opts: opts, root: root,
		res:           &Result{File: f.name, Model: opts.Model, Mapping: opts.Mapping, NamesOnly: opts.NamesOnly && opts.Lookup != nil, Against: opts.Against},
		toolDefs:      map[string]*ynode{},
		toolSetupRefs: map[int][]string{},
		workflows:     map[string]bool{},
		aggs:          map[warnKey]*aggWarning{},
		warnSeen:      map[warnKey]bool{},
		scalars:       make([]*scalarInfo, d.nodes+1),
		analyses:      analyses,
	}
	if n := d.refsHint(f); n > 0 {
		// Warnings come from the same strings, about as many.
		w.res.References = make([]Reference, 0, n)
		w.warnSeen = make(map[warnKey]bool, n)
		w.res.Warnings = make([]Warning, 0, n)
	}
	for i, k := range root.keys {
		if k == "main" || !taskFields[k] && k != "tools" && root.vals[i].kind == seqNode {
			w.workflows[k] = true
		}
	}
	w.collectTools(root.get("tools"))
	for i, k := range root.keys {
		v := root.vals[i]
		switch {
		case k == "tools":
			w.walkTools(v)
		case taskFields[k]:
			w.inertTree(v, k, "the task's "+k+" is never evaluated")
		case k == "main" || v.kind == seqNode:
			if k != "main" && !isIdentifier(k) {
				w.warn(WarnInvalidSubworkflow, k, "subworkflow names must be Python identifiers", v.line, v.col)
			}
			w.walkSteps(v, k, stepCtx{validated: true})
		default:
			w.warn(WarnInvalidSubworkflow, k, model.Printable(k)+" is neither a task field nor a list of steps", v.line, v.col)
			w.inertTree(v, k, "not a task field or subworkflow")
		}
	}
	if w.visited > maxVisits {
		return nil, f.errorAt(root.line, root.col, "the task expands to too many nodes (aliases nested too deeply)", ErrSyntax)
	}
	w.toolSetupWarning()
	w.flushAggregates()
	w.resolve(res)
	w.res.Rendering = w.render(d)
	ensureSlices(w.res)
	return w.res, nil
}

func isIdentifier(s string) bool {
	for i, r := range s {
		if !(isIdentStart(r) || i > 0 && isIdentPart(r)) {
			return false
		}
	}
	return s != ""
}

// resolve looks every reference up and adds the warnings that depend on
// the store.
func (w *walker) resolve(res *resolver) {
	unreadable := map[string]bool{}
	for i := range w.res.References {
		ref := &w.res.References[i]
		res.resolve(ref)
		ref.CountsAs = ref.Counted()
		ref.Fails = ref.CountsAs == CountRequiredMissing
		if ref.InvalidName {
			w.warn(WarnInvalidName, ref.Path, strconv.Quote(model.Printable(ref.Name))+" can never be a Julep secret name", ref.Line, ref.Column)
		}
		switch ref.Status {
		case StatusMissing:
			if ref.Required() {
				msg := model.Printable(ref.Name) + notThere(w.opts.Against) + ", so this step fails"
				if ref.Phase == PhaseToolSetup {
					msg = model.Printable(ref.Name) + notThere(w.opts.Against) + ", so building the task's tools fails (every tool_call and default-tools prompt step)"
				}
				if ref.Suggestion != "" {
					msg += "; did you mean " + ref.Suggestion + "?"
				}
				w.warn(WarnMissingRequired, ref.Path, msg, ref.Line, ref.Column)
			}
		case StatusUnreadable:
			// Once per name: the cause is the store, not each use.
			if unreadable[ref.Name] {
				continue
			}
			unreadable[ref.Name] = true
			w.warn(WarnValueUnreadable, ref.Path, model.Printable(ref.Name)+" exists but its value could not be read", ref.Line, ref.Column)
		}
	}
}

func ensureSlices(r *Result) {
	if r.References == nil {
		r.References = []Reference{}
	}
	if r.Dynamic == nil {
		r.Dynamic = []Dynamic{}
	}
	if r.Inert == nil {
		r.Inert = []Inert{}
	}
	if r.Warnings == nil {
		r.Warnings = []Warning{}
	}
}
