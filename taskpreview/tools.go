package taskpreview

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/keyward/keyward/model"
)

// specKeys are the tool spec keys, one of which must equal the tool type.
var specKeys = setOf("function", "integration", "system", "api_call", "computer_20241022",
	"text_editor_20241022", "bash_20241022")

// droppedAPICallFields are evaluated with the tool but not used when the
// call runs (JULEP.md §4).
var droppedAPICallFields = setOf("params", "json", "data", "cookies", "content", "files")

// nonStringFields are typed int or bool in Julep's schema, by spec kind
// ("integration.<provider>" or "api_call").
var nonStringFields = map[string]map[string]bool{
	"api_call":                   setOf("follow_redirects", "timeout", "include_response_content"),
	"integration.email":          setOf("port"),
	"integration.remote_browser": setOf("width", "height"),
	"integration.google_sheets":  setOf("use_julep_service", "default_retry_count"),
}

func (w *walker) collectTools(tools *ynode) {
	for _, t := range itemsOf(tools) {
		if name, ok := t.get("name").str(); ok {
			w.toolDefs[name] = t
		}
	}
}

func itemsOf(n *ynode) []*ynode {
	if n == nil || n.kind != seqNode {
		return nil
	}
	return n.items
}

func (w *walker) walkTools(tools *ynode) {
	if tools == nil {
		return
	}
	if tools.kind != seqNode {
		w.inertTree(tools, "tools", "tools must be a list")
		return
	}
	for i, t := range tools.items {
		path := joinIndex("tools", i)
		if t.kind != mapNode {
			w.inertTree(t, path, "not a tool definition")
			continue
		}
		typ, _ := t.get("type").str()
		name, _ := t.get("name").str()
		for j, k := range t.keys {
			v := t.vals[j]
			p := joinKey(path, k)
			switch {
			case k == "description":
				w.inertTree(v, p, "tool descriptions are dropped from the task spec, never evaluated")
			case k == "name" || k == "type":
				w.inertTree(v, p, "the tool's "+k+" is not evaluated")
			case k == typ || typ == "" && specKeys[k]:
				w.toolSpec(k, v, p, &fieldCtx{phase: PhaseToolSetup, tool: i, toolName: name})
			default:
				w.inertTree(v, p, "only the spec under the tool's type is evaluated")
			}
		}
		w.metadataOverrides(t, path, name)
	}
}

// toolSpec evaluates a tool's spec, with the catches of JULEP.md §4.
func (w *walker) toolSpec(typ string, spec *ynode, path string, fc *fieldCtx) {
	if spec == nil || spec.kind != mapNode {
		w.evalTree(spec, path, fc)
		return
	}
	provider, _ := spec.get("provider").str()
	for i, k := range spec.keys {
		v := spec.vals[i]
		p := joinKey(path, k)
		switch {
		case typ == "api_call" && k == "url":
			w.evalURL(v, p, fc)
		case typ == "api_call" && k == "secrets":
			w.secretRefs(v, p)
			w.evalTree(v, p, fc)
		case typ == "api_call" && droppedAPICallFields[k]:
			w.flagNew(func() { w.evalTree(v, p, fc) }, WarnAPICallFieldDropped,
				"api_call."+k+" in a tool definition is evaluated but dropped at execution")
		case typ == "api_call" && nonStringFields["api_call"][k]:
			w.flagNew(func() { w.evalTree(v, p, fc) }, WarnNonStringField, k+" is not a string field; Julep rejects a secret here")
		case typ == "integration" && k == "setup" && v.kind == mapNode:
			ns := nonStringFields["integration."+provider]
			for j, sk := range v.keys {
				sv, sp := v.vals[j], joinKey(p, sk)
				switch {
				case ns[sk]:
					w.flagNew(func() { w.evalTree(sv, sp, fc) }, WarnNonStringField, sk+" is not a string field; Julep rejects a secret here")
				case provider == "mcp" && sk == "http_url":
					w.evalURL(sv, sp, fc)
				default:
					w.evalTree(sv, sp, fc)
				}
			}
		default:
			w.evalTree(v, p, fc)
		}
	}
}

// flagNew runs eval and warns at the path of every reference or dynamic
// access it added.
func (w *walker) flagNew(eval func(), code, msg string) {
	r, d := len(w.res.References), len(w.res.Dynamic)
	eval()
	for _, ref := range w.res.References[r:] {
		w.warn(code, ref.Path, msg, ref.Line, ref.Column)
	}
	for _, dy := range w.res.Dynamic[d:] {
		w.warn(code, dy.Path, msg, dy.Line, dy.Column)
	}
}

// secretRefs records api_call.secrets: {alias: {name: NAME}}, a SecretRef
// the schema accepts but no runtime code reads.
func (w *walker) secretRefs(v *ynode, path string) {
	for i, alias := range keysOf(v) {
		nn := v.vals[i].get("name")
		if name, ok := nn.str(); ok {
			w.res.Inert = append(w.res.Inert, Inert{Name: strings.TrimSpace(name), Kind: KindSecretRef, Alias: alias,
				Path: joinKey(joinKey(path, alias), "name"), Why: "ApiCallDef.secrets (SecretRef) is schema-valid but never read at run time",
				Line: nn.line, Column: nn.col})
		}
	}
	if len(keysOf(v)) > 0 {
		w.warn(WarnDocOnly, path, "api_call.secrets is never read at run time; reference the secret in a header instead", v.line, v.col)
	}
}

// metadataOverrides warns when task metadata x-integrations-setup replaces
// evaluated setup keys of an integration tool.
func (w *walker) metadataOverrides(t *ynode, path, name string) {
	setup := t.get("integration").get("setup")
	meta := w.root.get("metadata").get("x-integrations-setup").get(name)
	for i, k := range keysOf(setup) {
		if meta.get(k) != nil {
			v := setup.vals[i]
			w.warn(WarnSetupOverridden, joinKey(joinKey(path, "integration.setup"), k),
				"metadata x-integrations-setup."+model.Printable(name)+"."+model.Printable(k)+" replaces this value at run time", v.line, v.col)
		}
	}
}

// evalURL handles an AnyUrl field: pydantic normalises it at upload, before
// any evaluation, so braces only survive in the query.
func (w *walker) evalURL(n *ynode, path string, fc *fieldCtx) {
	v, ok := n.str()
	if !ok || !strings.Contains(v, "secrets") {
		w.evalString(n, path, fc)
		return
	}
	a := analyze(v)
	w.checkSyntax(n, path, v, a)
	if a.mode == modeExpr {
		w.warn(WarnURLExpression, path, "a \"$ \" expression in a URL field is rejected by URL validation (422)", n.line, n.col)
		w.addHits(n, path, fc, a, a.hits)
		return
	}
	var live, dead []hit
	for k, h := range a.hits {
		line, col := w.hitPos(n, v, h.off)
		switch urlPart(v, h.off) {
		case "host":
			if !h.readsName() {
				live = append(live, h)
				break
			}
			h.name = strings.ToLower(h.name)
			w.warn(WarnURLHostLowercased, path, "URL validation lowercases the host, so this looks up "+model.Printable(h.name), line, col)
			if strings.HasPrefix(v[h.off:], "secrets.") && (mapMethods[h.name] || blockedAttr(h.name)) {
				// {secrets.KEYS} became {secrets.keys}: the map's
				// method, not a secret (JULEP.md §3).
				h.kind, h.expr, h.hazard = KindWholeMap, strings.ToLower(v[h.off:h.end]), attrHazard(h.name)
				a.hits[k] = h // and so it renders
			}
			live = append(live, h)
		case "path", "userinfo":
			if h.readsName() {
				dead = append(dead, h)
			}
			w.warn(WarnURLPathBraces, path, "braces in the URL "+urlPart(v, h.off)+" are percent-encoded at upload, so "+
				model.Printable(h.name)+" is never interpolated", line, col)
		default:
			live = append(live, h)
		}
	}
	w.addHits(n, path, fc, a, live)
	w.addInert(n, path, "braces in the URL path are percent-encoded by AnyUrl (%7B...%7D), so never interpolated", dead)
}

// urlPart names the URL component holding offset off: userinfo, host,
// path, query or fragment. Text inside braces never splits components.
func urlPart(u string, off int) string {
	start, authEnd := 0, 0
	if i := strings.Index(u, "://"); i >= 0 {
		start = i + 3
		authEnd = scanTo(u, start, "/?#")
	}
	pathEnd := scanTo(u, authEnd, "?#")
	queryEnd := pathEnd
	if pathEnd < len(u) && u[pathEnd] == '?' {
		queryEnd = scanTo(u, pathEnd, "#")
	}
	switch {
	case off < authEnd:
		if at := scanTo(u, start, "@"); at < authEnd && off < at {
			return "userinfo"
		}
		return "host"
	case off < pathEnd:
		return "path"
	case off < queryEnd:
		return "query"
	}
	return "fragment"
}

// scanTo returns the offset of the first byte of stops in u[from:] that is
// outside braces, or len(u).
func scanTo(u string, from int, stops string) int {
	depth := 0
	for i := from; i < len(u); i++ {
		switch c := u[i]; {
		case c == '{':
			depth++
		case c == '}':
			depth = max(0, depth-1)
		case depth == 0 && strings.IndexByte(stops, c) >= 0:
			return i
		}
	}
	return len(u)
}

// credentialField reports whether a field's key or place suggests it holds
// a credential.
func credentialField(path string) bool {
	if strings.Contains(path, ".setup.") || strings.Contains(path, ".headers.") || strings.Contains(path, ".http_headers.") {
		return true
	}
	key := strings.ToLower(path[strings.LastIndexByte(path, '.')+1:])
	for _, w := range []string{"key", "token", "secret", "password", "passwd", "auth", "credential"} {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}

// knownPrefixes start well-known credential formats.
var knownPrefixes = []string{"sk-", "sk_live_", "sk_test_", "rk_live_", "xoxb-", "xoxp-", "xoxa-", "xoxs-",
	"xapp-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "AKIA", "ASIA", "AIza",
	"hf_", "r8_", "jina_", "gsk_", "pplx-", "xai-", "nvapi-", "key-", "SG.", "shpat_", "npm_", "pypi-"}

// credentialToken returns the part of a literal that looks like a
// credential ("" if none): a known prefix, or a long high-entropy token.
func credentialToken(v string) string {
	v = strings.TrimSpace(v)
	for _, scheme := range []string{"Bearer ", "Basic ", "Token ", "token ", "bearer "} {
		v = strings.TrimPrefix(v, scheme)
	}
	if v == "" || strings.ContainsAny(v, " \t\n{}<>") || strings.Contains(v, "://") {
		return ""
	}
	for _, p := range knownPrefixes {
		if strings.HasPrefix(v, p) && len(v) >= len(p)+12 {
			return v
		}
	}
	if len(v) < 24 || isUUID(v) {
		return ""
	}
	var letters, digits bool
	counts := map[rune]int{}
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters = true
		case r >= '0' && r <= '9':
			digits = true
		case strings.ContainsRune("+/=_-.", r):
		default:
			return ""
		}
		counts[r]++
	}
	entropy := 0.0
	for _, c := range counts {
		p := float64(c) / float64(len(v))
		entropy -= p * math.Log2(p)
	}
	need := 3.5
	if len(v) >= 32 {
		need = 3.2
	}
	if letters && digits && entropy >= need {
		return v
	}
	return ""
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// checkHardcoded warns about a literal credential in a setup, header or
// key field. The warning shows only the mask.
func (w *walker) checkHardcoded(n *ynode, path string, fc *fieldCtx) {
	v, ok := n.str()
	if !ok || len(v) < 12 || !credentialField(path) {
		return
	}
	tok := credentialToken(v)
	if tok == "" {
		return
	}
	si := w.info(n)
	if si.hardcoded != nil {
		return
	}
	key := path[strings.LastIndexByte(path, '.')+1:]
	prefix := ""
	if fc != nil {
		prefix = fc.toolName
	}
	trimmed := strings.TrimSpace(v)
	h := &Hardcoded{Path: path, Line: n.line, Column: n.col, Start: n.start, End: n.end,
		Masked: model.Mask(tok), SuggestedName: suggestName(prefix, key),
		scalarStart: n.start, scalarEnd: n.end, Scheme: strings.TrimSuffix(trimmed, tok),
		block: n.style == styleLiteral || n.style == styleFolded || strings.ContainsAny(string(w.f.src[n.start:n.end]), "\r\n")}
	if n.style == styleSingle || n.style == styleDouble {
		h.Start, h.End = min(n.start+1, n.end), max(n.end-1, n.start)
	}
	si.hardcoded = h
	w.res.Hardcoded = append(w.res.Hardcoded, *h)
	w.warn(WarnHardcoded, path, "this literal looks like a credential ("+h.Masked+"); store it as "+h.SuggestedName+
		" and write "+h.Reference(h.SuggestedName), n.line, n.col)
}

var genericKeys = setOf("api_key", "apikey", "key", "token", "password", "secret", "authorization",
	"x-api-key", "access_token", "auth_token", "bearer")

// suggestName turns a field key into a store name, prefixed with the tool
// name when the key alone says little (api_key, Authorization, …).
func suggestName(prefix, key string) string {
	base := key
	if genericKeys[strings.ToLower(key)] && prefix != "" {
		base = prefix + "_" + key
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(base) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 {
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_")
	if name == "" || !model.ValidName(name) {
		name = "API_KEY_" + name
	}
	return strings.TrimRight(name, "_")
}

// Reference is the one rule for the text that replaces the literal once its
// credential is stored as name: "$ secrets.SPIDER_API_KEY", or, when the
// literal starts with a scheme such as "Bearer ", an expression that keeps
// it: "$ 'Bearer ' + secrets.GITHUB_TOKEN". The preview's advice, Replace
// and the terminal UI's import all say and write this text.
func (h Hardcoded) Reference(name string) string {
	return ReferenceText(h.Scheme, name)
}

// ReferenceText is Hardcoded.Reference for a literal whose scheme ("Bearer
// ", or "") is known without its Hardcoded: the terminal UI keeps the
// scheme of the literal it imports, never the literal.
func ReferenceText(scheme, name string) string {
	if scheme == "" {
		return "$ secrets." + name
	}
	return "$ " + pyQuote(scheme) + " + secrets." + name
}

// pyQuote is s as a single-quoted Python string literal.
func pyQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// Replace returns src with the hardcoded literal replaced by
// h.Reference(name), in double quotes, for a caller that has just stored
// the literal under that name. Literals in block scalars or spanning lines
// are left to the user.
func (h Hardcoded) Replace(src []byte, name string) ([]byte, error) {
	if err := model.ValidateName(name); err != nil {
		return nil, err
	}
	if h.block || h.scalarStart < 0 || h.scalarEnd > len(src) || h.scalarStart >= h.scalarEnd {
		return nil, errors.New("this literal spans lines; replace it by hand")
	}
	ref := strconv.Quote(h.Reference(name))
	out := make([]byte, 0, len(src)+len(ref))
	out = append(out, src[:h.scalarStart]...)
	out = append(out, ref...)
	return append(out, src[h.scalarEnd:]...), nil
}
