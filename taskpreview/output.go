package taskpreview

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keyward/keyward/model"
)

// WriteJSON writes the `keyward preview --json` array: one object per task
// document, in file order, with its "summary" (the counts of the text
// summary line) and "names_only" (true when no value was read, so no
// reference has a mask). A file that could not be previewed gets an object
// with the same fields, empty, plus "error"; a YAML file that is not a
// Julep task, the same plus "skipped" (why).
func WriteJSON(w io.Writer, files []FilePreview) error {
	all := make([]any, 0, len(files))
	for _, f := range files {
		if f.Err != nil {
			j := jsonFailure{File: f.Path, References: []string{}, Dynamic: []string{}, Inert: []string{}, Warnings: []string{}}
			if f.Skipped {
				j.Skipped = f.Err.Error()
			} else {
				j.Error = f.Err.Error()
			}
			all = append(all, j)
			continue
		}
		for _, r := range f.Results {
			ensureSlices(r)
			all = append(all, jsonResult{Result: r, Summary: Summarize(r), NamesOnly: r.NamesOnly})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(all)
}

// jsonResult is a Result's JSON object with its summary.
type jsonResult struct {
	*Result
	Summary   Summary `json:"summary"`
	NamesOnly bool    `json:"names_only"`
}

// jsonFailure is the JSON object of a file that could not be previewed, or
// that was skipped.
type jsonFailure struct {
	File       string   `json:"file"`
	Model      string   `json:"model"`
	References []string `json:"references"`
	Dynamic    []string `json:"dynamic"`
	Inert      []string `json:"inert"`
	Warnings   []string `json:"warnings"`
	Error      string   `json:"error,omitempty"`
	Skipped    string   `json:"skipped,omitempty"`
}

// Summary counts references by the count each falls in (Reference.CountsAs),
// so the counts add up to References. The text summary, the JSON "summary"
// object and the exit status (Judge) all come from these counts.
type Summary struct {
	References      int `json:"references"`
	Resolved        int `json:"resolved"`
	RequiredMissing int `json:"required_missing"`
	OptionalMissing int `json:"optional_missing"`
	GuardedMissing  int `json:"guarded_missing"`
	Unreadable      int `json:"unreadable"`
	Unchecked       int `json:"unchecked"`
	Warnings        int `json:"warnings"`
}

// Summarize counts r's references and warnings.
func Summarize(r *Result) Summary {
	s := Summary{References: len(r.References), Warnings: len(r.Warnings)}
	for _, ref := range r.References {
		s.count(ref.Counted())
	}
	return s
}

func (s *Summary) count(c Count) {
	switch c {
	case CountResolved:
		s.Resolved++
	case CountRequiredMissing:
		s.RequiredMissing++
	case CountOptionalMissing:
		s.OptionalMissing++
	case CountGuardedMissing:
		s.GuardedMissing++
	case CountUnreadable:
		s.Unreadable++
	default:
		s.Unchecked++
	}
}

// Add returns the sum of s and t.
func (s Summary) Add(t Summary) Summary {
	return Summary{
		References: s.References + t.References, Resolved: s.Resolved + t.Resolved,
		RequiredMissing: s.RequiredMissing + t.RequiredMissing, OptionalMissing: s.OptionalMissing + t.OptionalMissing,
		GuardedMissing: s.GuardedMissing + t.GuardedMissing, Unreadable: s.Unreadable + t.Unreadable,
		Unchecked: s.Unchecked + t.Unchecked, Warnings: s.Warnings + t.Warnings,
	}
}

// Parts are the summary's counts as words, in order: the references, then
// resolved and required missing always (with a store), then each other
// count that is not zero, then the warnings. The CLI joins them with " · ";
// the TUI styles them.
func (s Summary) Parts() []SummaryPart {
	out := []SummaryPart{{Count: "", N: s.References, Text: model.Count(s.References, "reference")}}
	if s.Unchecked == s.References && s.References > 0 {
		out = append(out, SummaryPart{Count: CountUnchecked, N: s.Unchecked, Text: fmt.Sprintf("%d unchecked", s.Unchecked)})
	} else {
		out = append(out,
			SummaryPart{Count: CountResolved, N: s.Resolved, Text: fmt.Sprintf("%d resolved", s.Resolved)},
			SummaryPart{Count: CountRequiredMissing, N: s.RequiredMissing, Text: fmt.Sprintf("%d missing", s.RequiredMissing)})
		for _, p := range []SummaryPart{
			{Count: CountOptionalMissing, N: s.OptionalMissing, Text: fmt.Sprintf("%d optional missing", s.OptionalMissing)},
			{Count: CountGuardedMissing, N: s.GuardedMissing, Text: fmt.Sprintf("%d guarded missing", s.GuardedMissing)},
			{Count: CountUnreadable, N: s.Unreadable, Text: fmt.Sprintf("%d unreadable", s.Unreadable)},
			{Count: CountUnchecked, N: s.Unchecked, Text: fmt.Sprintf("%d unchecked", s.Unchecked)},
		} {
			if p.N > 0 {
				out = append(out, p)
			}
		}
	}
	return append(out, SummaryPart{Count: "", N: s.Warnings, Text: model.Count(s.Warnings, "warning")})
}

// SummaryPart is one count of a summary and its words ("3 missing");
// Count is "" for the references and warnings totals.
type SummaryPart struct {
	Count Count
	N     int
	Text  string
}

// String is the one-line summary:
// 17 references · 6 resolved · 3 missing · 8 optional missing · 10 warnings.
// "missing" alone is the required missing, the count that fails a preview.
func (s Summary) String() string {
	var words []string
	for _, p := range s.Parts() {
		words = append(words, p.Text)
	}
	return strings.Join(words, " · ")
}

// errWriter keeps the first write error. It buffers: a preview of
// thousands of references is thousands of lines, a write(2) each on an
// unbuffered stdout, and 240 with bufio's 4 KB for the 5,000-step task's
// 960 KB (15 with 64 KB, the CLI's own buffer). finish flushes.
type errWriter struct {
	w   *bufio.Writer
	err error
}

func newErrWriter(w io.Writer) errWriter { return errWriter{w: bufio.NewWriterSize(w, 64<<10)} }

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// write writes the strings one after the other, without a format to
// parse.
func (e *errWriter) write(ss ...string) {
	for _, s := range ss {
		if e.err != nil {
			return
		}
		_, e.err = e.w.WriteString(s)
	}
}

// finish flushes what is buffered and returns the first error.
func (e *errWriter) finish() error {
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return e.err
}

func p(s string) string { return model.Printable(s) }

// WriteGitHub writes GitHub Actions workflow commands: an ::error for each
// reference that fails the preview (Reference.Fails) and each file that
// could not be previewed, a ::warning for each other warning, and a
// ::notice for each skipped file. GitHub shows them on the lines of the
// pull request. Like every output, it carries names and masks, never a
// value.
func WriteGitHub(w io.Writer, files []FilePreview) error {
	ew := newErrWriter(w)
	for _, f := range files {
		switch {
		case f.Skipped:
			ew.printf("::notice file=%s,title=skipped::%s\n", ghProp(f.Path), ghData(f.Err.Error()))
			continue
		case f.Err != nil:
			line := ""
			var pe *Error
			if errors.As(f.Err, &pe) && pe.Line > 0 {
				line = fmt.Sprintf(",line=%d,col=%d", pe.Line, pe.Column)
			}
			ew.printf("::error file=%s%s,title=cannot preview::%s\n", ghProp(f.Path), line, ghData(f.Err.Error()))
			continue
		}
		for _, r := range f.Results {
			for _, ref := range r.References {
				if !ref.Fails {
					continue
				}
				msg := p(ref.Name) + notThere(r.Against) + ", and the run fails without it (" + string(ref.Kind) + " at " + p(ref.Path) + ")"
				if ref.Suggestion != "" {
					msg += "; did you mean " + p(ref.Suggestion) + "?"
				}
				ew.printf("::error file=%s,line=%d,col=%d,title=missing secret %s::%s\n",
					ghProp(f.Path), ref.Line, ref.Column, ghProp(p(ref.Name)), ghData(msg))
			}
			for _, wa := range r.Warnings {
				if wa.Code == WarnMissingRequired {
					continue // the ::error above says it
				}
				at := ""
				if wa.Line > 0 {
					at = fmt.Sprintf(",line=%d,col=%d", wa.Line, max(wa.Column, 1))
				}
				ew.printf("::warning file=%s%s,title=%s::%s\n", ghProp(f.Path), at, ghProp(wa.Code), ghData(p(wa.Message)))
			}
		}
	}
	return ew.finish()
}

// ghData escapes a workflow command's message; ghProp a property value.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
