package ui

// The Cmds of the task pane: finding task files, previewing them, importing
// a literal credential and rewriting its task file. Like commands.go, each
// copies what it needs and returns a message; none touches the model.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// taskPollInterval is how often the task files are checked for changes.
const taskPollInterval = 2 * time.Second

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

// maxManifestSize bounds a julep.yaml read: it is a short list of names.
const maxManifestSize = 1 << 20

// manifestFile is one julep.yaml as the last scan read it: its stamp and
// its content, or why it could not be read.
type manifestFile struct {
	stamp fileStamp
	data  []byte // never modified once read: scans share it
	err   error
}

// scanTaskFiles lists the task files in fsys (taskpreview.FindTasks, the one
// rule for what counts as a task file) and stats each. It also finds the
// julep.yaml manifests (taskpreview.FindManifests) and reads those whose
// stamp differs from known's; the others keep known's content.
func scanTaskFiles(fsys fs.FS, known map[string]manifestFile, seq int) tea.Cmd {
	return safe(func() tea.Msg {
		lim := &limitFS{FS: fsys, left: maxScanEntries}
		paths, err := taskpreview.FindTasks(lim, ".")
		if err != nil {
			return tasksScannedMsg{seq: seq, err: err}
		}
		stamps := make([]taskStamp, len(paths))
		for i, p := range paths {
			stamps[i] = taskStamp{path: p, stamp: statStamp(fsys, p)}
		}
		// The second walk lists the folders the first one cached.
		mpaths, err := taskpreview.FindManifests(lim, ".")
		if err != nil {
			return tasksScannedMsg{seq: seq, err: err}
		}
		manifests := make(map[string]manifestFile, len(mpaths))
		for _, p := range mpaths {
			st := statStamp(fsys, p)
			if old, ok := known[p]; ok && old.stamp == st && st.ok {
				manifests[p] = old
				continue
			}
			m := manifestFile{stamp: st}
			switch {
			case !st.ok:
				m.err = errors.New("cannot stat it")
			case st.size > maxManifestSize:
				m.err = errors.New("larger than 1 MiB")
			default:
				m.data, m.err = fs.ReadFile(fsys, p)
			}
			manifests[p] = m
		}
		return tasksScannedMsg{seq: seq, stamps: stamps, manifests: manifests, truncated: lim.hit}
	})
}

func statStamp(fsys fs.FS, p string) fileStamp {
	fi, err := fs.Stat(fsys, p)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), ok: true}
}

// limitFS stops listing folders once left entries have been seen. It keeps
// what it listed, so a second walk of the same scan costs no I/O and no
// budget.
type limitFS struct {
	fs.FS
	left int
	hit  bool
	seen map[string]listing
}

type listing struct {
	ents []fs.DirEntry
	err  error
}

var errScanLimit = errors.New("too many files")

func (l *limitFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if ls, ok := l.seen[name]; ok {
		return ls.ents, ls.err
	}
	if l.left <= 0 {
		l.hit = true
		return nil, errScanLimit
	}
	ents, err := fs.ReadDir(l.FS, name)
	l.left -= len(ents)
	if l.seen == nil {
		l.seen = map[string]listing{}
	}
	l.seen[name] = listing{ents, err}
	return ents, err
}

// previewTaskFiles reads and previews paths. When checked, references are
// looked up among names and each distinct secret's value is read from the
// store at most once for the whole pass, only to compute its mask;
// otherwise nothing is read from the keyring.
func previewTaskFiles(ctx context.Context, st Store, fsys fs.FS, paths []string, names []string, checked bool, opts taskpreview.Options, seq int) tea.Cmd {
	return safe(func() tea.Msg {
		var pl *passLookup
		if checked {
			pl = &passLookup{ctx: ctx, st: st, names: names, cache: map[string]passValue{}}
			opts.Lookup = pl
		}
		out := make([]taskPreview, 0, len(paths))
		for _, p := range paths {
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				out = append(out, taskPreview{path: p, err: err})
				continue
			}
			res, err := taskpreview.Preview(p, src, opts)
			out = append(out, taskPreview{path: p, results: res, err: err})
		}
		if pl != nil {
			pl.forget()
		}
		return tasksPreviewedMsg{seq: seq, checked: checked, files: out}
	})
}

// passLookup is the store as one preview pass sees it. Preview reads each
// name at most once per file; the cache makes that once per pass. Values
// live in it only while the pass runs.
type passLookup struct {
	ctx   context.Context
	st    Store
	names []string
	cache map[string]passValue
}

type passValue struct {
	value string
	err   error
}

func (p *passLookup) Names() []string { return p.names }

func (p *passLookup) Value(name string) (string, error) {
	if v, ok := p.cache[name]; ok {
		return v.value, v.err
	}
	ctx, cancel := context.WithTimeout(p.ctx, opTimeout)
	defer cancel()
	v, err := p.st.Value(ctx, name)
	p.cache[name] = passValue{v, err}
	return v, err
}

func (p *passLookup) forget() { clear(p.cache) }

// importReq names a literal credential the user asked to import: where it
// is and the mask the preview showed, so a file changed since then is not
// imported from blindly. It never holds the literal.
type importReq struct {
	file   string // slash path in the tasks folder
	path   string // the task path of the field
	masked string
}

// findLiteral previews src again and returns the literal of req.
func findLiteral(src []byte, req importReq, opts taskpreview.Options) (taskpreview.Hardcoded, error) {
	res, err := taskpreview.Preview(req.file, src, opts)
	if err != nil {
		return taskpreview.Hardcoded{}, fmt.Errorf("%s no longer previews: %w", req.file, err)
	}
	for _, r := range res {
		for _, h := range r.Hardcoded {
			if h.Path == req.path && h.Masked == req.masked {
				return h, nil
			}
		}
	}
	return taskpreview.Hardcoded{}, fmt.Errorf("%s changed: the literal is no longer at %s", req.file, req.path)
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

// importLiteral reads the task file again, finds the literal the user saw
// (same place, same mask) and stores it as the value of s. The literal
// stays in this closure.
func importLiteral(ctx context.Context, st Store, fsys fs.FS, req importReq, s model.Secret, opts taskpreview.Options) tea.Cmd {
	return safe(func() tea.Msg {
		fail := func(err error) tea.Msg { return secretImportedMsg{name: s.Name, err: err} }
		src, err := fs.ReadFile(fsys, req.file)
		if err != nil {
			return fail(err)
		}
		h, err := findLiteral(src, req, opts)
		if err != nil {
			return fail(err)
		}
		tok, ok := literalToken(src[h.Start:h.End])
		if !ok || model.Mask(tok) != h.Masked {
			return fail(errors.New("the literal is written with escapes or quotes; copy it into the store by hand"))
		}
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		got, err := st.Create(ctx, s, tok)
		return secretImportedMsg{name: s.Name, secret: got, err: err}
	})
}

// rewriteTaskFile replaces the imported literal in dir/req.file by a
// reference to name (taskpreview's Hardcoded.Replace), writing a temporary
// file beside it and renaming it over the original, mode kept.
func rewriteTaskFile(dir string, req importReq, name string, opts taskpreview.Options) tea.Cmd {
	return safe(func() tea.Msg {
		done := func(err error) tea.Msg { return taskRewrittenMsg{file: req.file, name: name, err: err} }
		p, err := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(req.file)))
		if err != nil {
			return done(err)
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return done(err)
		}
		h, err := findLiteral(src, req, opts)
		if err != nil {
			return done(err)
		}
		out, err := h.Replace(src, name)
		if err != nil {
			return done(err)
		}
		return done(writeFileAtomic(p, out))
	})
}

func writeFileAtomic(p string, data []byte) (err error) {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".keyward-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Chmod(fi.Mode().Perm()); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}
