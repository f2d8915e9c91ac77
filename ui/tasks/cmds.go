package tasks

// The view's Cmds and their messages: finding task files, previewing them,
// reading a literal credential again for its import, and rewriting its task
// file. Each copies what it needs and returns a message; none touches the
// model.

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
	"github.com/keyward/keyward/ui/internal/safecmd"
)

// pollInterval is how often the task files are checked for changes.
const pollInterval = 2 * time.Second

// maxScanEntries bounds a scan: started in a home folder, keyward must not
// walk the whole disk every two seconds.
const maxScanEntries = 20000

// fileStamp is what tells a changed file: modification time and size.
type fileStamp struct {
	mod  time.Time
	size int64
	ok   bool // the file could be stat'ed
}

type taskStamp struct {
	path  string
	stamp fileStamp
}

// manifestFile is one julep.yaml as the last scan read it: its stamp and
// its content, or why it could not be read.
type manifestFile struct {
	stamp                fileStamp
	taskpreview.Manifest // Data is never modified once read: scans share it
}

// scannedMsg lists the task files and their stamps (modification time and
// size), so Update can tell which changed since they were previewed, and
// the julep.yaml manifests with their content, by slash path.
type scannedMsg struct {
	seq       int
	stamps    []taskStamp
	manifests map[string]manifestFile
	truncated bool // the folder holds too many files: the scan stopped
	err       error
}

// previewedMsg carries the previews of some task files. checked says they
// were made against the store (names and masks); otherwise every reference
// is unchecked and nothing was read from the keyring.
type previewedMsg struct {
	seq     int
	checked bool
	files   []taskpreview.FilePreview
}

// rewrittenMsg reports the rewrite of a task file after an import: written
// is the text that replaced the literal.
type rewrittenMsg struct {
	file    string
	name    string
	written string
	err     error
}

// pollMsg is the timer that looks for changed task files; seq drops the
// timers of older poll chains.
type pollMsg struct{ seq int }

// scanTaskFiles lists the task files of the project (Project.Tasks, the one
// rule for what counts as a task file) and stats each. It also finds the
// julep.yaml manifests that apply to them (Project.Manifests, in or above
// the tasks folder) and reads those whose stamp differs from known's; the
// others keep known's content.
func scanTaskFiles(proj *taskpreview.Project, known map[string]manifestFile, seq int) tea.Cmd {
	return safecmd.Wrap(func() tea.Msg {
		paths, truncated, err := proj.Tasks(".", maxScanEntries)
		if err != nil && !truncated {
			return scannedMsg{seq: seq, err: err}
		}
		stamps := make([]taskStamp, len(paths))
		for i, p := range paths {
			stamps[i] = taskStamp{path: p, stamp: statStamp(proj, p)}
		}
		mpaths := proj.Manifests(paths)
		manifests := make(map[string]manifestFile, len(mpaths))
		for _, p := range mpaths {
			st := statStamp(proj, p)
			if old, ok := known[p]; ok && old.stamp == st && st.ok {
				manifests[p] = old
				continue
			}
			manifests[p] = manifestFile{stamp: st, Manifest: proj.ReadManifest(p)}
		}
		return scannedMsg{seq: seq, stamps: stamps, manifests: manifests, truncated: truncated}
	})
}

func statStamp(proj *taskpreview.Project, p string) fileStamp {
	fi, err := proj.Stat(p)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), ok: true}
}

// previewTaskFiles previews paths (Project.PreviewAll). When checked,
// references are looked up among names and each distinct secret's value is
// read with value at most once for the whole pass, only to compute its
// mask; otherwise nothing is read from the keyring.
func previewTaskFiles(value func(string) (string, error), proj *taskpreview.Project, paths []string, names []string, checked bool, opts taskpreview.Options, seq int) tea.Cmd {
	return safecmd.Wrap(func() tea.Msg {
		if checked {
			opts.Lookup = taskpreview.NewLookup(names, value)
		}
		return previewedMsg{seq: seq, checked: checked, files: proj.PreviewAll(paths, opts)}
	})
}

// Literal names a credential written into a task file that the user asked
// to import: where it is and the mask the preview showed, so a file changed
// since then is not imported from blindly. It never holds the literal.
type Literal struct {
	File     string // slash path in the tasks folder
	Path     string // the task path of the field
	Masked   string
	Scheme   string // "Bearer " and the like before the credential, or ""
	Writable bool   // the file is on disk, where keyward may rewrite it
}

// Reference is the text a rewrite puts in place of the literal once it is
// stored as name (taskpreview's Hardcoded.Reference, the one rule), for a
// prompt that says what will be written.
func (lit Literal) Reference(name string) string {
	return taskpreview.ReferenceText(lit.Scheme, name)
}

// LiteralValue returns a function that reads lit's task file again, finds
// the literal the user saw (same place, same mask) and returns its value,
// for the root to store inside its Cmd. It does no I/O itself; the value
// lives only in the Cmd that calls the function.
func (m *Model) LiteralValue(lit Literal) func() (string, error) {
	fsys, opts := m.fsys, m.opts
	return func() (string, error) {
		src, err := fs.ReadFile(fsys, lit.File)
		if err != nil {
			return "", err
		}
		h, err := findLiteral(src, lit, opts)
		if err != nil {
			return "", err
		}
		tok, ok := literalToken(src[h.Start:h.End])
		if !ok || model.Mask(tok) != h.Masked {
			return "", errors.New("the literal is written with escapes or quotes; copy it into the store by hand")
		}
		return tok, nil
	}
}

// findLiteral previews src again and returns the literal of lit.
func findLiteral(src []byte, lit Literal, opts taskpreview.Options) (taskpreview.Hardcoded, error) {
	res, err := taskpreview.Preview(lit.File, src, opts)
	if err != nil {
		return taskpreview.Hardcoded{}, fmt.Errorf("%s no longer previews: %w", lit.File, err)
	}
	for _, r := range res {
		for _, h := range r.Hardcoded {
			if h.Path == lit.Path && h.Masked == lit.Masked {
				return h, nil
			}
		}
	}
	return taskpreview.Hardcoded{}, fmt.Errorf("%s changed: the literal is no longer at %s", lit.File, lit.Path)
}

// literalToken cuts the credential out of the literal's bytes: the last
// word, after any "Bearer " scheme. It refuses text with escapes, whose
// bytes are not the value.
func literalToken(raw []byte) (string, bool) {
	s := strings.TrimSpace(string(raw))
	if i := strings.LastIndexAny(s, " \t"); i >= 0 {
		s = s[i+1:]
	}
	if s == "" || strings.ContainsAny(s, `\'"`) {
		return "", false
	}
	return s, true
}

// Rewrite replaces the imported literal in its task file by a reference to
// name (taskpreview's Hardcoded.Replace); Update reports the answer as a
// Rewritten action. It is nil when the file is not Writable.
func (m *Model) Rewrite(lit Literal, name string) tea.Cmd {
	if !lit.Writable || m.dir == "" {
		return nil
	}
	return rewriteTaskFile(m.dir, lit, name, m.opts)
}

// rewriteTaskFile rewrites dir/lit.File, writing a temporary file beside it
// and renaming it over the original, mode kept.
func rewriteTaskFile(dir string, lit Literal, name string, opts taskpreview.Options) tea.Cmd {
	return safecmd.Wrap(func() tea.Msg {
		written := ""
		done := func(err error) tea.Msg { return rewrittenMsg{file: lit.File, name: name, written: written, err: err} }
		p, err := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(lit.File)))
		if err != nil {
			return done(err)
		}
		src, err := bounded.ReadFile(p, taskpreview.MaxTaskSize) // a regular file, bounded
		if err != nil {
			return done(err)
		}
		h, err := findLiteral(src, lit, opts)
		if err != nil {
			return done(err)
		}
		out, err := h.Replace(src, name)
		if err != nil {
			return done(err)
		}
		// The task file keeps its mode; a crash leaves the old file or the new one, never half of either.
		if err := atomicfile.WriteFile(p, out, 0o644); err != nil {
			return done(err)
		}
		written = h.Reference(name) // what Replace wrote, as the status line says it
		return done(nil)
	})
}
