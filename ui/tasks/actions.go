package tasks

// What the view asks of the root (actions), and the reference under the
// preview's cursor that enter and i act on.

import (
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// Action is what a method of the view asks the root to do; the root
// decides how (crush's dialogs return actions the same way). nil is
// nothing.
type Action interface{ action() }

// OpenPreview asks for the focus to move to the preview: enter on a task
// file.
type OpenPreview struct{}

// OpenSecret asks to show the secret Name in the secrets view: enter on a
// reference to a secret the store holds.
type OpenSecret struct{ Name string }

// CreateSecret asks for the new-secret form with Name filled in: enter on
// a reference to a secret the store lacks.
type CreateSecret struct{ Name string }

// ImportLiteral asks for a new secret that holds the credential Literal
// points at (i on a literal): SuggestedName is taskpreview's name for it.
// The root stores it with LiteralValue, then may offer Rewrite.
type ImportLiteral struct {
	Literal       Literal
	SuggestedName string
}

// Refused says why a key did nothing, for the status line.
type Refused struct{ Reason string }

// UsageChanged says "used by" may have changed: a filter that uses it
// (is:unused) must be applied again.
type UsageChanged struct{}

// Rewritten reports the rewrite of File after Name was imported: Written is
// the text that replaced the literal ("$ 'Bearer ' + secrets.NAME" when the
// literal had a scheme). Err when it failed, and then the file still holds
// the literal.
type Rewritten struct {
	File, Name string
	Written    string
	Err        error
}

// Status is the status line's report of r: the text actually written.
func (r Rewritten) Status() string {
	file := model.Printable(r.File)
	if r.Err != nil {
		return "could not rewrite " + file + ": " + describeErr(r.Err) + "; the secret is stored, replace the literal by hand"
	}
	return file + " now reads " + model.Printable(r.Written)
}

func (OpenPreview) action()   {}
func (OpenSecret) action()    {}
func (CreateSecret) action()  {}
func (ImportLiteral) action() {}
func (Refused) action()       {}
func (UsageChanged) action()  {}
func (Rewritten) action()     {}

// RefKind is what the reference under the preview's cursor is, for the
// keys.
type RefKind int

const (
	RefNone      RefKind = iota
	RefSecret            // a name in the store: enter goes to it
	RefMissing           // a reference to a name not in the store: enter creates it
	RefHardcoded         // a literal credential: i imports it
	RefOther             // dynamic, or a documented-only form naming a missing secret
)

// Ref is the place under the preview's cursor.
type Ref struct {
	Kind  RefKind
	Name  string // the secret it names; "" for a literal or a name decided at run time
	State taskpreview.SpanState
	// Index is the cursor's place among the preview's Count stops.
	Index, Count int
}

// Ref describes the place under the preview's cursor.
func (m *Model) Ref() Ref {
	at := m.refUnderCursor()
	return Ref{Kind: at.kind, Name: at.span.Name, State: at.span.State, Index: m.item, Count: len(m.items)}
}

// refAt is the span under the cursor, with what the view needs to draw
// and act on it.
type refAt struct {
	kind RefKind
	span taskpreview.Span
	text string // the span's text: a mask, a marker or the reference
	line int    // source line of the span's line
	res  *taskpreview.Result
}

func (m *Model) refUnderCursor() refAt {
	f := m.selected()
	if f == nil || m.item < 0 || m.item >= len(m.items) {
		return refAt{}
	}
	it := m.items[m.item]
	pl := m.flat[it.flat]
	r := f.Results[pl.res]
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
		at.kind = RefHardcoded
	case sp.Name == "":
		at.kind = RefOther
	case m.index.Has(sp.Name):
		at.kind = RefSecret
	case sp.State == taskpreview.SpanInert || !m.index.Loaded():
		at.kind = RefOther
	default:
		at.kind = RefMissing
	}
	return at
}

// enter acts on the span under the cursor: go to its secret, or offer to
// create a missing one.
func (m *Model) enter() Action {
	at := m.refUnderCursor()
	switch at.kind {
	case RefSecret:
		return OpenSecret{Name: at.span.Name}
	case RefMissing:
		return CreateSecret{Name: at.span.Name}
	}
	return nil
}

// startImport asks the root for a secret holding the literal under the
// cursor.
func (m *Model) startImport() Action {
	at := m.refUnderCursor()
	f := m.selected()
	if at.kind != RefHardcoded || f == nil {
		return nil
	}
	// The span shows the literal's mask; find its Hardcoded on the same
	// line, else anywhere in the document.
	var h *taskpreview.Hardcoded
	for pass := 0; pass < 2 && h == nil; pass++ {
		for i := range at.res.Hardcoded {
			if hc := &at.res.Hardcoded[i]; hc.Masked == at.text && (pass == 1 || hc.Line == at.line) {
				h = hc
				break
			}
		}
	}
	if h == nil {
		return Refused{Reason: "this literal spans lines; move it into the store by hand"}
	}
	return ImportLiteral{Literal: Literal{File: f.Path, Path: h.Path, Masked: h.Masked, Scheme: h.Scheme, Writable: m.writable}, SuggestedName: h.SuggestedName}
}
