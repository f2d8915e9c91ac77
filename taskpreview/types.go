package taskpreview

// Kind says how a string reaches the secrets map (JULEP.md §3), or which
// documented-only construct names a secret (JULEP.md §4).
type Kind string

// Reference kinds. The first group resolves at run time; the last three
// are documented forms that Julep never reads.
const (
	KindExprAttr        Kind = "expr_attr"        // $ secrets.NAME
	KindExprIndex       Kind = "expr_index"       // $ secrets['NAME']
	KindExprGet         Kind = "expr_get"         // $ secrets.get('NAME'): optional
	KindPresenceCheck   Kind = "presence_check"   // $ 'NAME' in secrets: optional, reads no value
	KindFString         Kind = "fstring"          // $ f'…{secrets.NAME}…'
	KindTemplate        Kind = "template"         // {{ secrets.NAME }} in a non-$ string
	KindImplicitFString Kind = "implicit_fstring" // {secrets.NAME} in a non-$ string
	KindDynamic         Kind = "dynamic"          // $ secrets[expr]: name unknown statically
	KindWholeMap        Kind = "whole_map"        // $ secrets, len(secrets), …
	KindDollarSet       Kind = "dollar_set"       // $ {secrets.NAME}: a Python set, not a string
	KindLLMProvider     Kind = "llm_provider"     // implicit, from the model name

	KindSecretNameField Kind = "secret_name_field" // step-level secret_name: NAME (docs only)
	KindSecretsMapping  Kind = "secrets_mapping"   // step-level secrets: {alias: NAME} (docs only)
	KindSecretRef       Kind = "secret_ref"        // api_call.secrets.alias.name (never read)
)

// Phase says when Julep evaluates a reference.
type Phase string

// Phases of evaluation.
const (
	PhaseToolSetup Phase = "tool_setup" // when task tools are built (every tool_call and default-tools prompt step)
	PhaseStep      Phase = "step"       // when the step runs
	PhaseLLM       Phase = "llm"        // the LLM provider key lookup of a prompt step
)

// Status is the outcome of looking a reference's name up in the store.
type Status string

// Statuses of a reference.
const (
	StatusResolved   Status = "resolved"   // the name exists; Masked holds its mask
	StatusMissing    Status = "missing"    // no secret by that exact name
	StatusUnreadable Status = "unreadable" // the name exists but its value could not be read
	StatusUnchecked  Status = "unchecked"  // no Lookup was given
)

// OnMissing says what Julep does at run time when a reference's secret is
// missing.
type OnMissing string

// Consequences of a missing secret.
const (
	OnMissingStepFails  OnMissing = "step_fails"  // EvaluateError, not retried; the execution fails
	OnMissingNone       OnMissing = "none"        // .get() gives None, an in-check gives False
	OnMissingDefault    OnMissing = "default"     // .get() gives its fallback argument
	OnMissingJulepProxy OnMissing = "julep_proxy" // the LLM call quietly goes through Julep's proxy
	OnMissingGuarded    OnMissing = "guarded"     // only reached when a condition on the same name holds
)

// Reference is one evaluated occurrence of a secret name: the same secret
// twice in one string gives two references. The JSON form is the contract
// of `keyward preview --json`; fields tagged "-" are extra detail for Go
// callers and the human formatter.
type Reference struct {
	Name        string `json:"name"`
	Kind        Kind   `json:"kind"`
	Path        string `json:"path"`
	Phase       Phase  `json:"phase"`
	Line        int    `json:"line"`   // 1-based line in the file
	Column      int    `json:"column"` // 1-based column, in characters
	Optional    bool   `json:"optional"`
	InvalidName bool   `json:"invalid_name"`
	Status      Status `json:"status"`
	Masked      string `json:"masked"`
	Suggestion  string `json:"suggestion"`
	// Guard is the path of a condition that tests this same name with
	// .get() or in, so the reference is only reached when the secret
	// exists; "" when none does.
	Guard string `json:"guard"`
	// CountsAs is the one count of the summary the reference falls in.
	CountsAs Count `json:"counts_as"`
	// Fails is true exactly for the references that make the preview
	// fail (exit status 1): required, and missing from the store.
	Fails bool `json:"fails"`

	// Model is the model name an llm_provider reference was looked up for.
	Model string `json:"-"`
	// LegacyName is the provider key the legacy mapping gives for Model
	// ("" when that mapping has none).
	LegacyName string `json:"-"`
	// OverriddenBy is the path of a settings.custom_api_key that replaces
	// this llm_provider lookup for its step.
	OverriddenBy string `json:"-"`
	// OnMissing says what happens at run time if the secret is missing.
	OnMissing OnMissing `json:"-"`
}

// Required reports whether a missing secret for r breaks the execution: it
// is neither optional nor guarded by a condition on the same name.
func (r Reference) Required() bool { return !r.Optional && r.Guard == "" }

// Count names the summary count a reference falls in: each reference is in
// exactly one, so the counts add up to the number of references.
type Count string

// The counts of a summary.
const (
	CountResolved        Count = "resolved"         // in the store (its value read, or its name only)
	CountRequiredMissing Count = "required_missing" // missing, and the run fails without it: decides the exit status
	CountOptionalMissing Count = "optional_missing" // missing, but .get(), in or an LLM provider key: Julep carries on
	CountGuardedMissing  Count = "guarded_missing"  // missing, but only reached when its Guard is true
	CountUnreadable      Count = "unreadable"       // the name exists; its value could not be read for the mask
	CountUnchecked       Count = "unchecked"        // no store to check against
)

// Counted is the count r falls in, from its status, optionality and guard.
func (r Reference) Counted() Count {
	switch r.Status {
	case StatusResolved:
		return CountResolved
	case StatusUnreadable:
		return CountUnreadable
	case StatusMissing:
		switch {
		case r.Optional:
			return CountOptionalMissing
		case r.Guard != "":
			return CountGuardedMissing
		}
		return CountRequiredMissing
	}
	return CountUnchecked
}

// Dynamic is an access whose secret name cannot be known statically
// (kind dynamic), an access to the whole map (kind whole_map), or an LLM
// key lookup whose model is decided at run time (kind llm_provider).
type Dynamic struct {
	Kind Kind   `json:"kind"`
	Path string `json:"path"`
	Expr string `json:"expr"`

	Phase    Phase `json:"-"`
	Optional bool  `json:"-"` // secrets.get(expr) and expr in secrets
	Line     int   `json:"-"`
	Column   int   `json:"-"`
}

// Inert is reference-shaped text in a position Julep never evaluates, or a
// documented-only construct that names a secret but does nothing.
type Inert struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	Path string `json:"path"`
	Why  string `json:"why"`

	Alias  string `json:"-"` // the alias of a step-level secrets mapping entry
	Line   int    `json:"-"`
	Column int    `json:"-"`
}

// Warning is a diagnostic with a stable code (see the Warn* constants).
type Warning struct {
	Code    string `json:"code"`
	Path    string `json:"path"`
	Message string `json:"message"`

	Line   int `json:"-"` // 0 when the warning concerns no single line
	Column int `json:"-"`
}

// Hardcoded is a literal that looks like a credential in a setup, header or
// key field. It carries the literal's position, never the literal: a caller
// that offers to import it reads the bytes it already holds.
type Hardcoded struct {
	Path          string
	Line, Column  int
	Start, End    int    // byte range of the literal in the file (inside any quotes)
	Masked        string // model.Mask of the credential part
	SuggestedName string // a store name derived from the field's key
	// Scheme is the text before the credential ("Bearer " and the like, or
	// ""), kept by Reference in front of the secret.
	Scheme string

	scalarStart, scalarEnd int  // the whole YAML scalar, quotes included
	block                  bool // a block scalar or one spanning lines: not replaceable
}

// Result is the preview of one task document. Its JSON form is one object
// of the `keyward preview --json` array.
type Result struct {
	File       string      `json:"file"`
	Model      string      `json:"model"`
	References []Reference `json:"references"`
	Dynamic    []Dynamic   `json:"dynamic"`
	Inert      []Inert     `json:"inert"`
	Warnings   []Warning   `json:"warnings"`

	// Document is the 1-based YAML document index; Documents the count.
	Document, Documents int `json:"-"`
	// Mapping is the LLM provider mapping the preview used.
	Mapping Mapping `json:"-"`
	// Hardcoded lists literals that look like credentials.
	Hardcoded []Hardcoded `json:"-"`
	// Rendering is the masked rendering of the document's text.
	Rendering Rendering `json:"-"`
	// NamesOnly says the store's names were checked and no value read.
	NamesOnly bool `json:"-"`
	// Against names what the names were checked against, as Options.Against.
	Against string `json:"-"`
	// Julep3 says the file is a Julep 3 project's pyproject.toml or
	// julep.toml (PreviewJulep3), not a YAML task: it has no model.
	Julep3 bool `json:"-"`
}

// Options configure a preview.
type Options struct {
	// Model is the agent's model (`--model`), used by prompt steps without
	// settings.model. Empty means unknown.
	Model string
	// Mapping selects the model → secret-name table; empty means current.
	Mapping Mapping
	// Lookup is the store. Nil leaves every status "unchecked".
	Lookup Lookup
	// NamesOnly checks references against Lookup's names alone: no value
	// is read and no mask shown; a name in the store is "resolved".
	NamesOnly bool
	// Against names what Lookup's names are, for messages: "" is keyward's
	// store; a Julep account is named by its target ("v1 https://…"), and
	// then NamesOnly should be set, as an account gives no value.
	Against string
	// Strict makes a YAML file that is not a Julep task an error, as any
	// other file that cannot be previewed; otherwise PreviewAll skips it.
	Strict bool
}
