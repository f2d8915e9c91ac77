package taskpreview

import (
	"errors"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/keyward/keyward/model"
)

// The files of a Julep 3 project that can hold secret:// references
// (JULEP.md §9): [tool.julep] in pyproject.toml, overlaid by a julep.toml
// beside it.
const (
	PyprojectName    = "pyproject.toml"
	Julep3ConfigName = "julep.toml"
)

// What a Julep 3 reference is, when it is read and what a missing one does
// (JULEP.md §9).
const (
	KindSecretURI      Kind      = "secret_uri"  // a header value that is exactly secret://NAME
	PhaseMCPRequest    Phase     = "mcp_request" // resolved on every MCP request (and the run-start preflight)
	OnMissingCallFails OnMissing = "call_fails"  // resolution fails closed: the MCP call or preflight fails
)

// secretScheme starts a Julep 3 secret reference.
const secretScheme = "secret://"

// IsJulep3Config reports whether name is a file PreviewAll reads as a
// Julep 3 project's configuration (pyproject.toml or julep.toml) rather
// than as a YAML task.
func IsJulep3Config(name string) bool {
	b := path.Base(name)
	return b == PyprojectName || b == Julep3ConfigName
}

// SecretRefName returns the name of a whole-string Julep 3 reference: s is
// exactly secret:// followed by a name that matches
// ^[a-z0-9][a-z0-9_-]{0,63}$ (upstream julep/secrets.py SECRET_REF_RE; the
// name part is Julep 3's name rule, julep.ValidateV3Name). Anything else,
// "Bearer secret://x" included, is sent as literal text.
func SecretRefName(s string) (string, bool) {
	name, ok := strings.CutPrefix(s, secretScheme)
	if !ok || !validV3Name(name) {
		return "", false
	}
	return name, true
}

// validV3Name is SECRET_NAME_RE. taskpreview imports nothing but model, so
// the rule is written here as the reference syntax; a test holds it to
// julep.ValidateV3Name.
func validV3Name(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		lowerOrDigit := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !lowerOrDigit && (i == 0 || c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// PreviewJulep3 previews a Julep 3 project's pyproject.toml or julep.toml:
// every MCP server header ([tool.julep.mcp.servers.*.headers], or
// [mcp.servers.*.headers] in julep.toml) whose value is a whole-string
// secret://NAME is a reference, resolved against opts.Lookup like a task's
// and counted by the same rule (a missing one fails the preview: Julep
// resolves them fail-closed). A value that starts with secret:// but is not
// a valid reference, and secret:// inside a longer value or in a server's
// auth, are warned about. A pyproject.toml without [tool.julep] is not a
// Julep 3 project: the error matches ErrNotTask.
func PreviewJulep3(file string, src []byte, opts Options) ([]*Result, error) {
	base := path.Base(file)
	if err := checkLimits(file, src, true); err != nil {
		return nil, err
	}
	var doc map[string]any
	if _, err := toml.Decode(string(src), &doc); err != nil {
		e := &Error{File: file, Msg: "invalid TOML", Err: ErrSyntax}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			e.Msg = "invalid TOML: " + pe.Message
			e.Line, e.Column = pe.Position.Line, pe.Position.Col
		}
		return nil, e
	}
	cfg, prefix := doc, ""
	if base == PyprojectName {
		tool, _ := doc["tool"].(map[string]any)
		julep, ok := tool["julep"].(map[string]any)
		if !ok {
			return nil, &Error{File: file, Msg: "not a Julep 3 project: no [tool.julep] table", Err: ErrNotTask}
		}
		cfg, prefix = julep, "tool.julep."
	}
	j := &julep3{file: file, src: src, used: map[int]bool{},
		res: &Result{File: file, Mapping: opts.Mapping, NamesOnly: opts.NamesOnly && opts.Lookup != nil, Against: opts.Against, Julep3: true}}
	mcp, _ := cfg["mcp"].(map[string]any)
	servers, _ := mcp["servers"].(map[string]any)
	for _, server := range sortedKeys(servers) {
		srv, _ := servers[server].(map[string]any)
		at := prefix + "mcp.servers." + server
		headers, _ := srv["headers"].(map[string]any)
		for _, h := range sortedKeys(headers) {
			j.header(server, at+".headers."+h, h, headers[h])
		}
		if auth, ok := srv["auth"].(string); ok && strings.Contains(auth, secretScheme) {
			line, col := j.locate(auth, "auth")
			j.inert(auth, at+".auth", "auth is sent as an Authorization bearer token as written: only a header value that is exactly secret://NAME is resolved", line, col)
		}
	}
	j.resolve(newResolver(opts.Lookup, opts.NamesOnly))
	j.res.Rendering = j.render()
	ensureSlices(j.res)
	return []*Result{j.res}, nil
}

type julep3 struct {
	file string
	src  []byte
	res  *Result
	used map[int]bool // byte offsets of values already given a position
	// servers names each reference's MCP server, by index.
	servers []string
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// header classifies one header value, as julep/mcp_auth.py _resolve_ref
// and julep/cli/doctor.py do.
func (j *julep3) header(server, at, key string, v any) {
	s, ok := v.(string)
	if !ok {
		j.warn(WarnNonStringField, at, "MCP header values must be strings: Julep refuses to load this configuration", 0, 0)
		return
	}
	if !strings.Contains(s, secretScheme) {
		return
	}
	line, col := j.locate(s, key)
	if name, ok := SecretRefName(s); ok {
		j.res.References = append(j.res.References, Reference{Name: name, Kind: KindSecretURI, Path: at, Phase: PhaseMCPRequest,
			Line: line, Column: col, OnMissing: OnMissingCallFails})
		j.servers = append(j.servers, server)
		return
	}
	if strings.HasPrefix(s, secretScheme) {
		msg := strconv.Quote(model.Printable(s)) + " is not a valid secret:// reference, so every call to MCP server " + model.Printable(server) + " fails (\"invalid MCP secret reference\")"
		if name := strings.ToLower(strings.TrimPrefix(s, secretScheme)); validV3Name(name) {
			msg += "; did you mean secret://" + name + "?"
		}
		j.warn(WarnSecretRefMalformed, at, msg, line, col)
		return
	}
	j.inert(s, at, "only a header value that is exactly secret://NAME is resolved; this one is sent as written", line, col)
}

// inert lists secret:// text that Julep sends as written, and warns.
func (j *julep3) inert(s, at, why string, line, col int) {
	i := strings.Index(s, secretScheme) + len(secretScheme)
	k := i
	for k < len(s) && (s[k] >= 'a' && s[k] <= 'z' || s[k] >= '0' && s[k] <= '9' || s[k] == '_' || s[k] == '-') {
		k++
	}
	name := s[i:k]
	j.res.Inert = append(j.res.Inert, Inert{Name: name, Kind: KindSecretURI, Path: at, Why: why, Line: line, Column: col})
	msg := "secret://" + model.Printable(name) + " is inside a longer value, so Julep sends the text as written and resolves nothing"
	if strings.HasSuffix(at, ".auth") {
		msg = "secret://" + model.Printable(name) + " in auth is sent as the bearer token itself; put it in headers as Authorization = \"secret://" + model.Printable(name) + "\""
	}
	j.warn(WarnSecretRefNotWhole, at, msg, line, col)
}

func (j *julep3) warn(code, at, msg string, line, col int) {
	j.res.Warnings = append(j.res.Warnings, Warning{Code: code, Path: at, Message: msg, Line: line, Column: col})
}

// locate finds where the string value s sits in the file: BurntSushi/toml
// gives no positions for values, so it is the first occurrence of s's text
// not yet given to another value, preferring one on a line that names key
// (inline tables put several headers on one line). A value written with
// escapes is not found: 0, 0.
func (j *julep3) locate(s, key string) (line, col int) {
	src := string(j.src)
	best := -1
	for from := 0; ; {
		i := strings.Index(src[from:], s)
		if i < 0 {
			break
		}
		i += from
		from = i + 1
		if j.used[i] || i == 0 || (src[i-1] != '"' && src[i-1] != '\'') {
			continue
		}
		lineStart := strings.LastIndexByte(src[:i], '\n') + 1
		if best < 0 {
			best = i
		}
		if strings.Contains(src[lineStart:i], key) {
			best = i
			break
		}
	}
	if best < 0 {
		return 0, 0
	}
	j.used[best] = true
	lineStart := strings.LastIndexByte(src[:best], '\n') + 1
	return strings.Count(src[:best], "\n") + 1, len([]rune(src[lineStart:best])) + 1
}

// resolve looks every reference up, as a task's are (JULEP.md §9: Julep 3
// resolves fail-closed, so a missing one is required).
func (j *julep3) resolve(res *resolver) {
	unreadable := map[string]bool{}
	for i := range j.res.References {
		ref := &j.res.References[i]
		res.resolve(ref)
		ref.CountsAs = ref.Counted()
		ref.Fails = ref.CountsAs == CountRequiredMissing
		switch ref.Status {
		case StatusMissing:
			msg := model.Printable(ref.Name) + notThere(j.res.Against) + ", so every call to MCP server " + model.Printable(j.servers[i]) + " fails (Julep resolves secret:// fail-closed)"
			if ref.Suggestion != "" {
				msg += "; did you mean " + model.Printable(ref.Suggestion) + "?"
			}
			if j.res.Against == "" && model.ValidateName(ref.Name) != nil {
				// Julep 3 allows "-", keyward's names do not.
				msg += "; keyward cannot hold this name (" + model.ValidateName(ref.Name).Error() + "): name it with _ in the config, or check the account with --against julep"
			}
			j.warn(WarnMissingRequired, ref.Path, msg, ref.Line, ref.Column)
		case StatusUnreadable:
			if !unreadable[ref.Name] {
				unreadable[ref.Name] = true
				j.warn(WarnValueUnreadable, ref.Path, model.Printable(ref.Name)+" exists but its value could not be read", ref.Line, ref.Column)
			}
		}
	}
}

// render is the file's text with each reference marked: its mask when the
// value was read, ⟨missing: NAME⟩ when the store lacks it, the reference
// itself otherwise.
func (j *julep3) render() Rendering {
	lines := strings.Split(strings.TrimSuffix(string(j.src), "\n"), "\n")
	out := Rendering{Lines: make([]Line, len(lines))}
	for i, l := range lines {
		out.Lines[i] = Line{Source: i + 1, Text: model.Printable(strings.TrimRight(l, "\r"))}
	}
	for w, wa := range j.res.Warnings {
		if wa.Line > 0 && wa.Line <= len(lines) {
			out.Lines[wa.Line-1].Warnings = append(out.Lines[wa.Line-1].Warnings, w)
		}
	}
	// References on one line are replaced right to left, so the byte
	// offsets of those before stay true.
	refs := make([]int, len(j.res.References))
	for i := range refs {
		refs[i] = i
	}
	sort.SliceStable(refs, func(a, b int) bool {
		ra, rb := j.res.References[refs[a]], j.res.References[refs[b]]
		return ra.Line < rb.Line || ra.Line == rb.Line && ra.Column > rb.Column
	})
	for _, i := range refs {
		ref := j.res.References[i]
		if ref.Line == 0 {
			continue
		}
		l := &out.Lines[ref.Line-1]
		start := len(string([]rune(l.Text)[:ref.Column-1]))
		end := start + len(secretScheme) + len(ref.Name)
		if end > len(l.Text) || l.Text[start:end] != secretScheme+ref.Name {
			continue // the line held something Printable changed
		}
		text, state := secretScheme+ref.Name, SpanUnchecked
		switch ref.Status {
		case StatusResolved:
			state = SpanResolved
			if ref.Masked != "" {
				text = ref.Masked
			}
		case StatusMissing:
			text, state = "⟨missing: "+ref.Name+"⟩", SpanMissing
		case StatusUnreadable:
			state = SpanResolved
		}
		l.Text = l.Text[:start] + text + l.Text[end:]
		for k := range l.Spans {
			l.Spans[k].Start += len(text) - (end - start)
			l.Spans[k].End += len(text) - (end - start)
		}
		l.Spans = append([]Span{{Start: start, End: start + len(text), State: state, Name: ref.Name, Ref: i}}, l.Spans...)
	}
	return out
}

// julep3Skippable is skippable for a Julep 3 configuration file: a
// pyproject.toml that is not a Julep 3 project.
func julep3Skippable(name string, err error, src []byte) bool {
	if errors.Is(err, ErrNotTask) {
		return true
	}
	// A pyproject.toml that does not parse is only Julep's problem when it
	// has a [tool.julep] table; julep.toml always is.
	return (errors.Is(err, ErrSyntax) || errors.Is(err, ErrLimit)) && path.Base(name) == PyprojectName && !strings.Contains(string(src), "tool.julep")
}
