package taskpreview

import (
	"maps"
	"slices"
	"strings"

	"github.com/keyward/keyward/model"
)

// stepCtx is what a step inherits from where it sits.
type stepCtx struct {
	validated bool              // top-level or if-nested: the upload validator checks it
	guards    map[string]string // names a surrounding condition tests with .get() or in
}

// stepKinds lists the key that gives a step its kind, in the order they
// are tried, with the other keys that kind accepts.
var stepKinds = []struct {
	key   string
	known []string
}{
	{"tool", []string{"arguments"}},
	{"prompt", []string{"tools", "tool_choice", "settings", "unwrap", "auto_run_tools", "disable_cache"}},
	{"evaluate", nil},
	{"set", nil},
	{"get", nil},
	{"log", nil},
	{"return", nil},
	{"wait_for_input", nil},
	{"workflow", []string{"arguments"}},
	{"error", nil},
	{"sleep", nil},
	{"if", []string{"then", "else"}},
	{"switch", nil},
	{"foreach", nil},
	{"over", []string{"map", "reduce", "initial", "parallelism"}},
	{"parallel", []string{"parallelism"}},
}

// stepKeys are the keys a step of one kind accepts: label and kind_, the
// kind's key and the others stepKinds lists for it.
type stepKeys struct {
	kind   string
	others []string
}

func (s stepKeys) has(k string) bool {
	return k == "label" || k == "kind_" || s.kind != "" && k == s.kind || slices.Contains(s.others, k)
}

// docOnlyStepKeys are step keys the docs show but Julep drops.
var docOnlyStepKeys = []string{"secret_name", "secrets", "kind", "operation", "try_catch"}

func (w *walker) walkSteps(n *ynode, path string, sc stepCtx) {
	if n == nil {
		return
	}
	if n.kind != seqNode {
		w.walkStep(n, path, sc)
		return
	}
	for i, it := range n.items {
		w.walkStep(it, joinIndex(path, i), sc)
	}
}

func (w *walker) walkStep(n *ynode, path string, sc stepCtx) {
	if n == nil || !w.tick() {
		return
	}
	if n.kind == seqNode { // the docs sometimes show a list under then/do
		w.walkSteps(n, path, stepCtx{guards: sc.guards})
		return
	}
	if n.kind == scalarNode && !n.isStr && n.value == "" {
		return // else: null
	}
	if n.kind != mapNode {
		w.warn(WarnInvalidStep, path, "a step must be a mapping", n.line, n.col)
		w.inertTree(n, path, "not a step, so never evaluated")
		return
	}
	kind, known := "", stepKeys{}
	for _, k := range stepKinds {
		if n.get(k.key) != nil {
			kind = k.key
			known.others = k.known
			break
		}
	}
	known.kind = kind
	if kind == "" {
		w.warn(WarnInvalidStep, path, "no step kind key (tool, prompt, evaluate, set, if, foreach, …) in this step", n.line, n.col)
	}
	w.stepExtras(n, path, known)
	switch kind {
	case "tool":
		w.toolCallStep(n, path)
	case "prompt":
		w.promptStep(n, path)
	case "evaluate", "set", "return":
		leak := WarnLeakTransition
		switch kind {
		case "set":
			leak = WarnLeakState
		case "return":
			leak = WarnLeakOutput
		}
		body := n.get(kind)
		p := joinKey(path, kind)
		fc := &fieldCtx{phase: PhaseStep, leak: leak, leakPath: p, guards: sc.guards, tool: -1}
		if body.kind != mapNode {
			w.evalTree(body, p, fc)
			break
		}
		for i, k := range body.keys {
			direct := *fc
			direct.validated = sc.validated && body.vals[i].kind == scalarNode
			w.evalTree(body.vals[i], joinKey(p, k), &direct)
		}
	case "log":
		p := joinKey(path, "log")
		w.evalTree(n.get("log"), p, &fieldCtx{phase: PhaseStep, leak: WarnLeakLog, leakPath: p, guards: sc.guards, tool: -1})
	case "wait_for_input":
		wi := n.get("wait_for_input")
		p := joinKey(path, "wait_for_input")
		for i, k := range keysOf(wi) {
			if k == "info" {
				ip := joinKey(p, "info")
				w.evalTree(wi.vals[i], ip, &fieldCtx{phase: PhaseStep, leak: WarnLeakUserVisible, leakPath: ip, guards: sc.guards, tool: -1})
			} else {
				w.inertTree(wi.vals[i], joinKey(p, k), "only wait_for_input.info is evaluated")
			}
		}
	case "workflow":
		if name, ok := n.get("workflow").str(); ok && !w.workflows[name] {
			w.warn(WarnUnknownWorkflow, joinKey(path, "workflow"), "no workflow named "+model.Printable(name)+" in this task", n.line, n.col)
		}
		w.evalTree(n.get("arguments"), joinKey(path, "arguments"), &fieldCtx{phase: PhaseStep, guards: sc.guards, tool: -1})
	case "get", "error", "sleep":
		w.inertTree(n.get(kind), joinKey(path, kind), kind+" is never evaluated")
	case "if":
		hits := w.evalString(n.get("if"), joinKey(path, "if"), &fieldCtx{phase: PhaseStep, validated: sc.validated, guards: sc.guards, tool: -1})
		w.walkStep(n.get("then"), joinKey(path, "then"), stepCtx{validated: sc.validated, guards: withGuards(sc.guards, hits, joinKey(path, "if"))})
		w.walkStep(n.get("else"), joinKey(path, "else"), stepCtx{validated: sc.validated, guards: sc.guards})
	case "switch":
		w.switchStep(n, path, sc)
	case "foreach":
		fe := n.get("foreach")
		p := joinKey(path, "foreach")
		for i, k := range keysOf(fe) {
			switch k {
			case "in":
				w.evalString(fe.vals[i], joinKey(p, "in"), &fieldCtx{phase: PhaseStep, validated: sc.validated, guards: sc.guards, tool: -1})
			case "do":
				w.walkStep(fe.vals[i], joinKey(p, "do"), stepCtx{guards: sc.guards})
			default:
				w.inertTree(fe.vals[i], joinKey(p, k), "only foreach.in and foreach.do are used")
			}
		}
	case "over":
		fc := &fieldCtx{phase: PhaseStep, guards: sc.guards, tool: -1}
		w.evalString(n.get("over"), joinKey(path, "over"), fc)
		w.walkStep(n.get("map"), joinKey(path, "map"), stepCtx{guards: sc.guards})
		w.evalString(n.get("reduce"), joinKey(path, "reduce"), fc)
		w.inertTree(n.get("initial"), joinKey(path, "initial"), "map_reduce initial is not evaluated")
	case "parallel":
		w.walkSteps(n.get("parallel"), joinKey(path, "parallel"), stepCtx{guards: sc.guards})
	}
}

func keysOf(n *ynode) []string {
	if n == nil || n.kind != mapNode {
		return nil
	}
	return n.keys
}

// withGuards adds the names a condition tests with .get() or in.
func withGuards(guards map[string]string, hits []hit, path string) map[string]string {
	var out map[string]string
	for _, h := range hits {
		if h.optional && h.name != "" {
			if out == nil {
				out = maps.Clone(guards)
				if out == nil {
					out = map[string]string{}
				}
			}
			out[h.name] = path
		}
	}
	if out == nil {
		return guards
	}
	return out
}

func (w *walker) switchStep(n *ynode, path string, sc stepCtx) {
	sw := n.get("switch")
	p := joinKey(path, "switch")
	if sw == nil || sw.kind != seqNode {
		w.inertTree(sw, p, "switch must be a list of cases")
		return
	}
	for i, c := range sw.items {
		cp := joinIndex(p, i)
		var hits []hit
		for j, k := range keysOf(c) {
			switch k {
			case "case":
				hits = w.evalString(c.vals[j], joinKey(cp, "case"), &fieldCtx{phase: PhaseStep, guards: sc.guards, tool: -1})
			case "then":
			default:
				w.inertTree(c.vals[j], joinKey(cp, k), "only case and then are used")
			}
		}
		w.walkStep(c.get("then"), joinKey(cp, "then"), stepCtx{guards: withGuards(sc.guards, hits, joinKey(cp, "case"))})
	}
}

// stepExtras handles keys the step's kind does not accept: documented-only
// constructs and anything else, which pydantic silently drops.
func (w *walker) stepExtras(n *ynode, path string, known stepKeys) {
	var docOnly []string
	for i, k := range n.keys {
		if known.has(k) {
			continue
		}
		p := joinKey(path, k)
		v := n.vals[i]
		switch {
		case k == "secret_name":
			docOnly = append(docOnly, k)
			if name, ok := v.str(); ok {
				w.res.Inert = append(w.res.Inert, Inert{Name: strings.TrimSpace(name), Kind: KindSecretNameField, Path: p,
					Why: "documented step-level secret_name; not in the schema, so ignored", Line: v.line, Column: v.col})
			}
		case k == "secrets":
			docOnly = append(docOnly, k)
			w.secretsMapping(v, p)
		case slices.Contains(docOnlyStepKeys, k):
			docOnly = append(docOnly, k)
			w.inertTree(v, p, "documented-only step key; ignored")
		default:
			if w.inertTree(v, p, "unknown step key; steps ignore extra fields, so it is never evaluated") > 0 {
				w.warn(WarnIgnoredStepKey, p, model.Printable(k)+" is not a key of this step kind; its reference is never evaluated", v.line, v.col)
			}
		}
	}
	if len(docOnly) > 0 {
		w.warn(WarnDocOnly, path, strings.Join(docOnly, ", ")+": documented on docs.julep.ai but dropped by Julep; these do nothing", n.line, n.col)
	}
}

// secretsMapping records a documented step-level secrets: {alias: NAME}.
func (w *walker) secretsMapping(v *ynode, path string) {
	why := "documented step-level secrets mapping; not in the schema, so ignored"
	add := func(alias string, n *ynode, p string) {
		if n != nil && n.kind == mapNode {
			n = n.get("name")
		}
		if name, ok := n.str(); ok {
			w.res.Inert = append(w.res.Inert, Inert{Name: strings.TrimSpace(name), Kind: KindSecretsMapping, Alias: alias, Path: p, Why: why, Line: n.line, Column: n.col})
		}
	}
	switch v.kind {
	case mapNode:
		for i, k := range v.keys {
			add(k, v.vals[i], joinKey(path, k))
		}
	case seqNode:
		for i, it := range v.items {
			add("", it, joinIndex(path, i))
		}
	default:
		add("", v, path)
	}
}

func (w *walker) toolCallStep(n *ynode, path string) {
	w.consumers++
	args := n.get("arguments")
	ap := joinKey(path, "arguments")
	w.evalTree(args, ap, &fieldCtx{phase: PhaseStep, tool: -1})
	name, _ := n.get("tool").str()
	def := w.toolDefs[name]
	if def == nil {
		return
	}
	defHeaders := def.get("api_call").get("headers")
	argHeaders := args.get("headers")
	for i, k := range keysOf(argHeaders) {
		if defHeaders.get(k) != nil {
			v := argHeaders.vals[i]
			w.warn(WarnHeaderOverridden, joinKey(joinKey(ap, "headers"), k),
				"tool "+model.Printable(name)+" defines its own "+model.Printable(k)+" header, which replaces this one", v.line, v.col)
		}
	}
}

func (w *walker) promptStep(n *ynode, path string) {
	fc := &fieldCtx{phase: PhaseStep, llmStep: path, tool: -1}
	prompt := n.get("prompt")
	pp := joinKey(path, "prompt")
	if prompt != nil && prompt.kind == seqNode {
		for i, msg := range prompt.items {
			mp := joinIndex(pp, i)
			if msg.kind != mapNode {
				w.evalTree(msg, mp, fc)
				continue
			}
			for j, k := range msg.keys {
				if k == "role" || k == "content" {
					w.evalTree(msg.vals[j], joinKey(mp, k), fc)
				} else {
					w.inertTree(msg.vals[j], joinKey(mp, k), "only a message's role and content are evaluated")
				}
			}
		}
	} else {
		w.evalTree(prompt, pp, fc)
	}
	settings := n.get("settings")
	sp := joinKey(path, "settings")
	for i, k := range keysOf(settings) {
		before := len(w.res.References)
		w.evalTree(settings.vals[i], joinKey(sp, k), &fieldCtx{phase: PhaseStep, tool: -1})
		if k == "api_key" && len(w.res.References) > before {
			w.warn(WarnLLMAPIKeyDropped, joinKey(sp, k), "settings.api_key is evaluated but not passed to the model; use settings.custom_api_key", settings.vals[i].line, settings.vals[i].col)
		}
	}
	tools := n.get("tools")
	if tv, ok := tools.str(); tools == nil || ok && strings.TrimSpace(tv) == "all" || tools.kind == scalarNode && !tools.isStr {
		w.consumers++
	} else {
		tp := joinKey(path, "tools")
		before := len(w.res.Inert)
		w.inertTree(tools, tp, "prompt-step inline tools are returned unevaluated; the literal string would be sent")
		for _, in := range w.res.Inert[before:] {
			w.warn(WarnInlineTool, in.Path, "inline tools of a prompt step are not evaluated: "+model.Printable(in.Name)+" is never resolved", in.Line, in.Column)
		}
	}
	w.llmLookup(n, path, settings)
}

// llmLookup adds the provider-key reference of a prompt step (JULEP.md §6).
func (w *walker) llmLookup(n *ynode, path string, settings *ynode) {
	mp := joinKey(joinKey(path, "settings"), "model")
	overridden := ""
	if ck := settings.get("custom_api_key"); ck != nil && !(ck.kind == scalarNode && !ck.isStr && ck.value == "") {
		overridden = joinKey(joinKey(path, "settings"), "custom_api_key")
	}
	modelNode := settings.get("model")
	add := func(model, at string, line, col int) {
		key, known := ProviderKey(w.res.Mapping, model)
		if !known || key == "" {
			return
		}
		legacy, _ := ProviderKey(MappingLegacy, model)
		w.res.References = append(w.res.References, Reference{Name: key, Kind: KindLLMProvider, Path: at, Phase: PhaseLLM,
			Line: line, Column: col, Optional: true, InvalidName: false, Model: model, LegacyName: legacy,
			OverriddenBy: overridden, OnMissing: OnMissingJulepProxy})
	}
	if v, ok := modelNode.str(); ok {
		a := w.analyze(v)
		if a.mode != modeImplicit || len(a.parts) != 1 || a.parts[0].field != nil {
			expr := strings.TrimSpace(v)
			if a.mode == modeExpr {
				expr = strings.TrimSpace(v[a.exprOff:a.exprEnd])
			}
			w.res.Dynamic = append(w.res.Dynamic, Dynamic{Kind: KindLLMProvider, Path: mp, Expr: model.Printable(expr),
				Phase: PhaseLLM, Optional: true, Line: modelNode.line, Column: modelNode.col})
			return
		}
		name := a.parts[0].lit
		if _, known := ProviderKey(w.res.Mapping, name); !known {
			w.warn(WarnModelNotAvailable, mp, model.Printable(name)+" is not a model_name in the "+string(w.res.Mapping)+
				" LiteLLM mapping: ensure_model_available fails the step, and no provider key is looked up", modelNode.line, modelNode.col)
			return
		}
		add(name, mp, modelNode.line, modelNode.col)
		return
	}
	if w.opts.Model == "" {
		w.res.Dynamic = append(w.res.Dynamic, Dynamic{Kind: KindLLMProvider, Path: path,
			Expr: "agent.default_settings.model or agent.model", Phase: PhaseLLM, Optional: true, Line: n.line, Column: n.col})
		return
	}
	if _, known := ProviderKey(w.res.Mapping, w.opts.Model); !known && !w.agentWarned {
		w.agentWarned = true
		w.warn(WarnUnknownAgentModel, path, model.Printable(w.opts.Model)+" is not a model_name in the "+string(w.res.Mapping)+" LiteLLM mapping", n.line, n.col)
	}
	add(w.opts.Model, path, n.line, n.col)
}
