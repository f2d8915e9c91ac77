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

// manifestFile is one julep.yaml as the last scan read it: its stamp and
// its content, or why it could not be read.
type manifestFile struct {
	stamp                fileStamp
	taskpreview.Manifest // Data is never modified once read: scans share it
}

// scanTaskFiles lists the task files of the project (Project.Tasks, the one
// rule for what counts as a task file) and stats each. It also finds the
// julep.yaml manifests that apply to them (Project.Manifests, in or above
// the tasks folder) and reads those whose stamp differs from known's; the
// others keep known's content.
func scanTaskFiles(proj *taskpreview.Project, known map[string]manifestFile, seq int) tea.Cmd {
	return safe(func() tea.Msg {
		paths, truncated, err := proj.Tasks(".", maxScanEntries)
		if err != nil && !truncated {
			return tasksScannedMsg{seq: seq, err: err}
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
		return tasksScannedMsg{seq: seq, stamps: stamps, manifests: manifests, truncated: truncated}
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
// read from the store at most once for the whole pass, only to compute its
// mask; otherwise nothing is read from the keyring.
func previewTaskFiles(ctx context.Context, st Store, proj *taskpreview.Project, paths []string, names []string, checked bool, opts taskpreview.Options, seq int) tea.Cmd {
	return safe(func() tea.Msg {
		if checked {
			opts.Lookup = taskpreview.NewLookup(names, func(name string) (string, error) {
				ctx, cancel := context.WithTimeout(ctx, opTimeout)
				defer cancel()
				return st.Value(ctx, name)
			})
		}
		return tasksPreviewedMsg{seq: seq, checked: checked, files: proj.PreviewAll(paths, opts)}
	})
}

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

// TODO(atomicfile): switch to internal/atomicfile.WriteFile, which also
// syncs the file before the rename, once it lands.
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
