package taskpreview

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/keyward/keyward/model"
)

// WriteJSON writes the `keyward preview --json` array: one object per task
// document, in file order, and for a file that could not be previewed an
// object with the same fields, empty, plus "error".
func WriteJSON(w io.Writer, files []FilePreview) error {
	all := make([]any, 0, len(files))
	for _, f := range files {
		if f.Err != nil {
			all = append(all, jsonFailure{File: f.Path, Error: f.Err.Error(),
				References: []string{}, Dynamic: []string{}, Inert: []string{}, Warnings: []string{}})
			continue
		}
		for _, r := range f.Results {
			ensureSlices(r)
			all = append(all, r)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(all)
}

// jsonFailure is the JSON object of a file that could not be previewed.
type jsonFailure struct {
	File       string   `json:"file"`
	Model      string   `json:"model"`
	References []string `json:"references"`
	Dynamic    []string `json:"dynamic"`
	Inert      []string `json:"inert"`
	Warnings   []string `json:"warnings"`
	Error      string   `json:"error"`
}

// Summary counts a result's references by status.
type Summary struct {
	References, Resolved, Missing, Warnings int
}

// Summarize counts r's references and warnings.
func Summarize(r *Result) Summary {
	s := Summary{References: len(r.References), Warnings: len(r.Warnings)}
	for _, ref := range r.References {
		switch ref.Status {
		case StatusResolved:
			s.Resolved++
		case StatusMissing, StatusUnreadable:
			s.Missing++
		}
	}
	return s
}

// String is the one-line summary: 12 references · 10 resolved · 2 missing · 3 warnings.
func (s Summary) String() string {
	return model.Count(s.References, "reference") + " · " + fmt.Sprintf("%d resolved · %d missing · ", s.Resolved, s.Missing) +
		model.Count(s.Warnings, "warning")
}

// WriteText writes results for people: per file a summary line, each
// reference with its path, line:col, kind, status and mask, the dynamic and
// inert accesses, then the warnings with their explanations.
func WriteText(w io.Writer, results []*Result) error {
	ew := &errWriter{w: w}
	for i, r := range results {
		if i > 0 {
			ew.printf("\n")
		}
		writeResult(ew, r)
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func p(s string) string { return model.Printable(s) }

func writeResult(ew *errWriter, r *Result) {
	modelText := "unknown (pass --model for prompt steps without settings.model)"
	if r.Model != "" {
		modelText = p(r.Model)
	}
	ew.printf("%s\n  %s\n  agent model: %s · mapping: %s\n", p(r.File), Summarize(r), modelText, r.Mapping)
	if len(r.References) > 0 {
		ew.printf("\n  references:\n")
		tw := tabwriter.NewWriter(ew.w, 0, 4, 2, ' ', 0)
		for _, ref := range r.References {
			line := fmt.Sprintf("    %s\t%s\t%d:%d\t%s\t%s\t%s\n", p(ref.Name), p(ref.Path), ref.Line, ref.Column, ref.Kind, statusText(ref), refNote(ref))
			if ew.err == nil {
				_, ew.err = io.WriteString(tw, line)
			}
		}
		if ew.err == nil {
			ew.err = tw.Flush()
		}
	}
	if len(r.Dynamic) > 0 {
		ew.printf("\n  read at run time (name not known statically):\n")
		for _, d := range r.Dynamic {
			ew.printf("    %s  %s  %s\n", d.Kind, p(d.Path), p(d.Expr))
		}
	}
	if len(r.Inert) > 0 {
		ew.printf("\n  never evaluated:\n")
		for _, in := range r.Inert {
			ew.printf("    %s  %s  %s: %s\n", p(in.Name), in.Kind, p(in.Path), p(in.Why))
		}
	}
	if len(r.Warnings) > 0 {
		ew.printf("\n  warnings:\n")
		for _, wa := range r.Warnings {
			at := p(wa.Path)
			if wa.Line > 0 {
				at += fmt.Sprintf(" (line %d)", wa.Line)
			}
			ew.printf("    %s  %s\n      %s\n", wa.Code, strings.TrimSpace(at), p(wa.Message))
			if why := Explain(wa.Code); why != "" {
				ew.printf("      why: %s\n", why)
			}
		}
	}
}

func statusText(ref Reference) string {
	s := string(ref.Status)
	if ref.InvalidName {
		s += " (invalid name)"
	}
	if ref.Optional {
		s += " (optional)"
	}
	return s
}

func refNote(ref Reference) string {
	var notes []string
	if ref.Masked != "" {
		notes = append(notes, ref.Masked)
	}
	if ref.Model != "" {
		notes = append(notes, "model "+p(ref.Model))
	}
	if ref.Status == StatusMissing {
		switch ref.OnMissing {
		case OnMissingJulepProxy:
			notes = append(notes, "Julep uses its own proxy and billing")
		case OnMissingGuarded:
			notes = append(notes, "only reached when "+p(ref.Guard)+" holds")
		case OnMissingDefault:
			notes = append(notes, ".get() falls back to its default")
		case OnMissingNone:
			notes = append(notes, "gives None/False")
		}
		if ref.Suggestion != "" {
			notes = append(notes, "did you mean "+p(ref.Suggestion)+"?")
		}
	}
	if ref.OverriddenBy != "" {
		notes = append(notes, "overridden by "+p(ref.OverriddenBy))
	}
	return strings.Join(notes, " · ")
}
