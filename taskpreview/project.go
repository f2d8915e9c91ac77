package taskpreview

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keyward/keyward/internal/bounded"
)

// ManifestName is the file in which a Julep project (as in julep-ai/library)
// declares the secrets its tasks need (JULEP.md §7).
const ManifestName = "julep.yaml"

// MaxManifestSize bounds a julep.yaml read: it is a short list of names.
const MaxManifestSize = 1 << 20

// skipDirs are folders that hold other people's files, never the user's
// tasks.
var skipDirs = map[string]bool{"vendor": true, "node_modules": true, "third_party": true}

// Project is a tasks folder as keyward reads it, for the command line and
// the terminal UI alike. It owns the two rules every surface needs: which
// files are tasks (Tasks) and which julep.yaml applies to a task (the
// nearest one in the task's folder or above, up to the project root: see
// nearest).
//
// Names are slash paths relative to the project's folder; a julep.yaml
// above the folder is named with "../". A project made by DirProject also
// takes absolute paths.
type Project struct {
	fsys fs.FS
	root string // the folder, a slash path in fsys ("." for its top)
	// top is the OS path fsys is rooted at, when fsys is the disk
	// (DirProject): names may then be absolute OS paths.
	top string
}

// NewProject is the project whose folder is root in fsys. A julep.yaml is
// looked for in a task's folder and each parent up to the project root
// (see nearest), never beyond fsys's top: for the demo's embedded tasks,
// pass them with root "."
func NewProject(fsys fs.FS, root string) *Project {
	return &Project{fsys: fsys, root: path.Clean(root)}
}

// DirProject is the project of the folder dir on disk. Its julep.yaml
// lookup may go above dir, up to the project root (see nearest). It opens
// only folders and regular files (bounded.DirFS), so a FIFO named like a
// task file cannot block it.
func DirProject(dir string) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	top := filepath.VolumeName(abs) + string(filepath.Separator)
	rel, err := filepath.Rel(top, abs)
	if err != nil {
		return nil, err
	}
	return &Project{fsys: bounded.DirFS(top), root: filepath.ToSlash(rel), top: top}, nil
}

// OpenProject is the rule for a resolved tasks folder (config.Tasks): with
// dir, the folder on disk, the project looks above it for a julep.yaml;
// with no dir (the demo's embedded samples), only inside fsys.
func OpenProject(dir string, fsys fs.FS) *Project {
	if dir != "" {
		if p, err := DirProject(dir); err == nil {
			return p
		}
	}
	return NewProject(fsys, ".")
}

// full is name's path in fsys, or false when it is outside fsys.
func (p *Project) full(name string) (string, bool) {
	if p.top != "" && filepath.IsAbs(filepath.FromSlash(name)) {
		rel, err := filepath.Rel(p.top, filepath.FromSlash(name))
		if err != nil {
			return "", false
		}
		name = filepath.ToSlash(rel)
		return path.Clean(name), fs.ValidPath(path.Clean(name))
	}
	f := path.Join(p.root, name)
	return f, fs.ValidPath(f)
}

// name is full's name relative to the project's folder.
func (p *Project) name(full string) string {
	if p.root == "." {
		return full
	}
	up := p.root
	back := ""
	for up != "." && full != up && !strings.HasPrefix(full, up+"/") {
		up = path.Dir(up)
		back += "../"
	}
	if full == up {
		if back == "" {
			return "."
		}
		return strings.TrimSuffix(back, "/")
	}
	if up == "." {
		return back + full
	}
	return back + strings.TrimPrefix(full, up+"/")
}

// ReadFile reads the file name: a regular file of at most MaxTaskSize
// bytes. A larger one is an *Error matching ErrLimit; a folder, FIFO or
// device is refused (on disk, without blocking on a FIFO).
func (p *Project) ReadFile(name string) ([]byte, error) {
	return p.readLimited(name, MaxTaskSize)
}

func (p *Project) readLimited(name string, limit int64) ([]byte, error) {
	full, ok := p.full(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	tooLarge := func(size int64) error {
		return &Error{File: name, Msg: (&bounded.TooLargeError{Size: size, Limit: limit}).Error(), Err: ErrLimit}
	}
	notRegular := func(st fs.FileInfo) error {
		what := "not a regular file"
		if st.IsDir() {
			what = "a folder, not a file"
		}
		return &fs.PathError{Op: "open", Path: name, Err: errors.New(what)}
	}
	if rf, ok := p.fsys.(fs.ReadFileFS); ok {
		// An fs.FS that reads whole files itself (in memory, say): the
		// file is checked first, then read.
		st, err := fs.Stat(p.fsys, full)
		switch {
		case err != nil:
			return nil, err
		case !st.Mode().IsRegular():
			return nil, notRegular(st)
		case st.Size() > limit:
			return nil, tooLarge(st.Size())
		}
		data, err := rf.ReadFile(full)
		if err == nil && int64(len(data)) > limit {
			return nil, tooLarge(int64(len(data)))
		}
		return data, err
	}
	// On disk (bounded.DirFS): the file opened is the file checked, and a
	// FIFO never blocks the open.
	f, err := p.fsys.Open(full)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(st)
	}
	data, err := bounded.ReadAll(f, limit)
	var tl *bounded.TooLargeError
	if errors.As(err, &tl) {
		return nil, tooLarge(tl.Size)
	}
	return data, err
}

// Stat describes the file name.
func (p *Project) Stat(name string) (fs.FileInfo, error) {
	f, ok := p.full(name)
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return fs.Stat(p.fsys, f)
}

// Tasks lists the task files under dir ("." is the project's folder): every
// *.yaml and *.yml file, and every pyproject.toml and julep.toml (a Julep 3
// project's configuration, JULEP.md §9), recursively, skipping hidden files
// and folders, vendored folders (vendor, node_modules, third_party) and
// julep.yaml manifests. Whether a file really is a task is Preview's (or
// PreviewJulep3's) to say. The names
// are sorted and relative to the project's folder (absolute when dir is).
// With limit > 0, the walk
// stops listing folders after limit entries and truncated is set: started in
// a home folder, keyward must not walk the whole disk.
func (p *Project) Tasks(dir string, limit int) (names []string, truncated bool, err error) {
	root, ok := p.full(dir)
	if !ok {
		return nil, false, &fs.PathError{Op: "open", Path: dir, Err: fs.ErrInvalid}
	}
	// An absolute folder gives absolute names, as the user would expect.
	absDir := p.top != "" && filepath.IsAbs(filepath.FromSlash(dir))
	fsys := p.fsys
	var lim *limitFS
	if limit > 0 {
		lim = &limitFS{FS: fsys, left: limit}
		fsys = lim
	}
	err = fs.WalkDir(fsys, root, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			if f == root {
				return err
			}
			return nil // an unreadable folder is skipped, not fatal
		}
		base := d.Name()
		if d.IsDir() {
			if f != root && (strings.HasPrefix(base, ".") || skipDirs[base]) {
				return fs.SkipDir
			}
			return nil
		}
		ext := path.Ext(base)
		if !strings.HasPrefix(base, ".") && d.Type().IsRegular() && base != ManifestName && (ext == ".yaml" || ext == ".yml" || IsJulep3Config(base)) {
			if absDir {
				names = append(names, filepath.ToSlash(filepath.Join(p.top, filepath.FromSlash(f))))
			} else {
				names = append(names, p.name(f))
			}
		}
		return nil
	})
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == root {
		pe.Path = dir // the folder as the caller named it
	}
	slices.Sort(names)
	return names, lim != nil && lim.hit, err
}

// limitFS stops listing folders once left entries have been seen.
type limitFS struct {
	fs.FS
	left int
	hit  bool
}

func (l *limitFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if l.left <= 0 {
		l.hit = true
		return nil, errors.New("too many files")
	}
	ents, err := fs.ReadDir(l.FS, name)
	l.left -= len(ents)
	return ents, err
}

// nearest is the one rule for which julep.yaml applies to the task file
// name: the first for which has is true of the file's own folder, then of
// each parent up to the project root. The project root is the first folder
// that holds .git (a repository's top: what is above it belongs to
// something else); without one, the search never leaves the file system
// the task is on (a mount point is not crossed), nor fsys's top. A parent
// that every user may write (a shared temporary folder such as /tmp) ends
// the search before it is searched: anyone could have put a julep.yaml
// there. It returns the manifest's path in fsys, or "". stops caches, for
// one pass over many files, whether the search goes on above a folder.
func (p *Project) nearest(name string, has func(full string) bool, stops map[string]bool) string {
	f, ok := p.full(name)
	if !ok {
		return ""
	}
	dir := path.Dir(f)
	for {
		if m := path.Join(dir, ManifestName); has(m) {
			return m
		}
		stop, known := stops[dir]
		if !known {
			stop = p.stopAbove(dir)
			stops[dir] = stop
		}
		if stop {
			return ""
		}
		dir = path.Dir(dir)
	}
}

// stopAbove reports whether the julep.yaml search ends at dir: dir is the
// top of fsys or holds .git, or its parent is on another file system or
// writable by every user (see nearest).
func (p *Project) stopAbove(dir string) bool {
	if dir == "." {
		return true
	}
	if _, err := fs.Stat(p.fsys, path.Join(dir, ".git")); err == nil {
		return true
	}
	up, err := fs.Stat(p.fsys, path.Dir(dir))
	if err != nil {
		return false // nothing to find there, but maybe above
	}
	if up.Mode().Perm()&0o002 != 0 {
		return true
	}
	here, err := fs.Stat(p.fsys, dir)
	if err != nil {
		return false
	}
	d1, ok1 := deviceOf(here)
	d2, ok2 := deviceOf(up)
	return ok1 && ok2 && d1 != d2
}

// Manifests returns the julep.yaml that applies to each of the task files
// names, once each and sorted. It stats each candidate folder at most once.
func (p *Project) Manifests(names []string) []string {
	seen, stops := map[string]bool{}, map[string]bool{}
	var out []string
	for _, n := range names {
		m := p.nearest(n, func(full string) bool {
			if ok, done := seen[full]; done {
				return ok
			}
			st, err := fs.Stat(p.fsys, full)
			seen[full] = err == nil && st.Mode().IsRegular()
			return seen[full]
		}, stops)
		if m != "" && !slices.Contains(out, p.name(m)) {
			out = append(out, p.name(m))
		}
	}
	slices.Sort(out)
	return out
}

// Manifest is one julep.yaml as read: its content, or why it could not be
// read.
type Manifest struct {
	Data []byte
	Err  error
}

// ReadManifest reads the julep.yaml name, a regular file of at most
// MaxManifestSize bytes.
func (p *Project) ReadManifest(name string) Manifest {
	data, err := p.readLimited(name, MaxManifestSize)
	var e *Error
	if errors.As(err, &e) {
		err = errors.New(e.Msg) // "too large (…)": the caller names the file
	}
	return Manifest{Data: data, Err: err}
}

// FilePreview is one task file's preview: its results, or why it has none.
// A skipped file is YAML that is not a Julep task (a docker-compose.yml, a
// CI workflow): its Err says why, but it fails nothing.
type FilePreview struct {
	Path    string
	Results []*Result
	Err     error
	Skipped bool
}

// Results gathers the results of files, in order.
func Results(files []FilePreview) []*Result {
	var out []*Result
	for _, f := range files {
		out = append(out, f.Results...)
	}
	return out
}

// PreviewAll reads and previews the task files names. With opts.Lookup,
// each distinct secret's value is read at most once for the whole pass
// (Preview alone reads it once per file); the values are dropped when the
// pass ends. A file that cannot be read has an Err that names it and says
// why, without the path inside the project's file system.
func (p *Project) PreviewAll(names []string, opts Options) []FilePreview {
	if opts.Lookup != nil {
		c := &passCache{Lookup: opts.Lookup, values: map[string]cachedValue{}}
		opts.Lookup = c
		defer clear(c.values)
	}
	out := make([]FilePreview, 0, len(names))
	for _, n := range names {
		src, err := p.ReadFile(n)
		if err != nil {
			out = append(out, FilePreview{Path: n, Err: readError(n, err)})
			continue
		}
		if IsJulep3Config(n) {
			// --strict is about YAML beside the tasks; a Python project's
			// pyproject.toml without [tool.julep] is never a Julep file.
			res, err := PreviewJulep3(n, src, opts)
			out = append(out, FilePreview{Path: n, Results: res, Err: err, Skipped: julep3Skippable(n, err, src)})
			continue
		}
		res, err := Preview(n, src, opts)
		out = append(out, FilePreview{Path: n, Results: res, Err: err, Skipped: !opts.Strict && skippable(err, src)})
	}
	return out
}

// skippable is the rule for a file PreviewAll skips rather than fails: YAML
// that is not a task (or does not parse) and has nothing of a task about
// it. A file that looks like a task (LooksLikeTask) is an error whatever
// went wrong, so a broken task never passes a CI gate unnoticed.
func skippable(err error, src []byte) bool {
	if !errors.Is(err, ErrNotTask) && !errors.Is(err, ErrSyntax) {
		return false
	}
	return !LooksLikeTask(src)
}

// taskKeys are top-level keys that only a Julep task has among the YAML
// files found beside tasks (docker-compose has name and services, a GitHub
// workflow name, on and jobs).
var taskKeys = []string{"main", "tools", "input_schema", "inherit_tools", "canonical_name"}

// LooksLikeTask reports whether src has something of a Julep task: a
// top-level key only tasks have (main, tools, input_schema, inherit_tools,
// canonical_name), or a schema comment naming Julep's task schema. It reads
// the text, not the YAML, so it also answers for a file that does not
// parse.
func LooksLikeTask(src []byte) bool {
	for line := range strings.SplitSeq(string(src), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "#") {
			if strings.Contains(line, "$schema") && (strings.Contains(line, "create_task_request") || strings.Contains(strings.ToLower(line), "julep")) {
				return true
			}
			continue
		}
		key := strings.Trim(strings.TrimSpace(strings.SplitN(line, ":", 2)[0]), `"'`)
		if line == "" || line[0] == ' ' || line[0] == '\t' || !strings.Contains(line, ":") {
			continue
		}
		if slices.Contains(taskKeys, key) {
			return true
		}
	}
	return false
}

// readError says why name could not be read, naming it as the caller did.
func readError(name string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err // too large: it names the file already
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file", name)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", name)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// passCache is the store as one PreviewAll pass sees it: its names, read
// and sorted once, and each value read once.
type passCache struct {
	Lookup
	values map[string]cachedValue
	names  *nameSet
}

func (c *passCache) nameSet() *nameSet {
	if c.names == nil {
		c.names = newNameSet(c.Lookup.Names())
	}
	return c.names
}

type cachedValue struct {
	value string
	err   error
}

func (c *passCache) Value(name string) (string, error) {
	if v, ok := c.values[name]; ok {
		return v.value, v.err
	}
	v, err := c.Lookup.Value(name)
	c.values[name] = cachedValue{v, err}
	return v, err
}

// ManifestWarnings compares each julep.yaml's `secrets:` list with what
// the task files it applies to reference. manifests are the julep.yaml
// files by name (as Manifests gives them, read with ReadManifest). It
// returns the warnings to add, keyed by task file name: manifest_undeclared
// on each file that uses an undeclared name, and manifest_unused and
// manifest_invalid (a manifest that does not parse or could not be read) on
// the first file of the project. It reads nothing.
func (p *Project) ManifestWarnings(manifests map[string]Manifest, files []FilePreview) map[string][]Warning {
	byFull := make(map[string]string, len(manifests))
	for m := range manifests {
		if f, ok := p.full(m); ok {
			byFull[f] = m
		}
	}
	has := func(full string) bool { _, ok := byFull[full]; return ok }
	stops := map[string]bool{}
	out := map[string][]Warning{}
	type group struct {
		first string
		used  map[string]bool
		users map[string][]string // name → files, in order
	}
	groups := map[string]*group{}
	var order []string
	for _, f := range files {
		if f.Err != nil || len(f.Results) == 0 || IsJulep3Config(f.Path) {
			continue // a julep.yaml lists the secrets of v1 YAML tasks only
		}
		m, ok := byFull[p.nearest(f.Path, has, stops)]
		if !ok {
			continue
		}
		g := groups[m]
		if g == nil {
			g = &group{first: f.Path, used: map[string]bool{}, users: map[string][]string{}}
			groups[m] = g
			order = append(order, m)
		}
		for name := range UsedNames(f.Results) {
			g.used[name] = true
			if u := g.users[name]; len(u) == 0 || u[len(u)-1] != f.Path {
				g.users[name] = append(g.users[name], f.Path)
			}
		}
	}
	for _, m := range order {
		g := groups[m]
		if err := manifests[m].Err; err != nil {
			msg := err.Error()
			var pe *fs.PathError
			if errors.As(err, &pe) {
				msg = pe.Err.Error()
			}
			out[g.first] = append(out[g.first], Warning{Code: WarnManifestInvalid, Path: m, Message: "cannot read " + m + ": " + msg})
			continue
		}
		rep, err := CheckManifest(manifests[m].Data, g.used)
		if err != nil {
			out[g.first] = append(out[g.first], Warning{Code: WarnManifestInvalid, Path: m, Message: err.Error()})
			continue
		}
		for _, name := range rep.Undeclared {
			for _, f := range g.users[name] {
				out[f] = append(out[f], Warning{Code: WarnManifestUndeclared, Path: m,
					Message: fmt.Sprintf("%s is referenced but not declared in the secrets: list of %s", name, m)})
			}
		}
		for _, name := range rep.Unused {
			out[g.first] = append(out[g.first], Warning{Code: WarnManifestUnused, Path: m,
				Message: fmt.Sprintf("%s is declared in %s but no task of the project references it", name, m)})
		}
	}
	return out
}

// CheckManifests reads the julep.yaml that applies to each previewed file
// and adds ManifestWarnings' findings to the file's first result.
func (p *Project) CheckManifests(files []FilePreview) {
	var names []string
	for _, f := range files {
		if f.Err == nil && len(f.Results) > 0 && !IsJulep3Config(f.Path) {
			names = append(names, f.Path)
		}
	}
	manifests := map[string]Manifest{}
	for _, m := range p.Manifests(names) {
		manifests[m] = p.ReadManifest(m)
	}
	ws := p.ManifestWarnings(manifests, files)
	for _, f := range files {
		if w := ws[f.Path]; len(w) > 0 {
			f.Results[0].Warnings = append(f.Results[0].Warnings, w...)
		}
	}
}

// Verdict is the outcome of previewing some task files, the one exit rule
// of the command line (and of the CI gate it is used as): the preview
// succeeds (exit status 0) when it is OK.
type Verdict struct {
	// Summary totals the counts of every previewed document: the same
	// counts each file's summary line and JSON "summary" show.
	Summary Summary
	// Missing are the names of the references that fail the preview
	// (Reference.Fails: required and not in the store), once each, in order
	// of first use. Optional references (.get(), in, LLM provider keys),
	// guarded ones and unchecked ones (no store) do not fail it.
	Missing []string
	// Unreadable are names that exist but whose value could not be read to
	// show its mask. They are reported, and do not fail the preview: the
	// name is there for Julep to find.
	Unreadable []string
	// Failed are the files that could not be read or previewed.
	Failed []string
	// Skipped are the YAML files that are not Julep tasks.
	Skipped []string
	// Files is the number of task files previewed.
	Files int
}

// OK reports whether every required reference resolved and every file was
// previewed or skipped.
func (v Verdict) OK() bool {
	return len(v.Missing) == 0 && len(v.Failed) == 0
}

// Judge is the preview's exit rule over files.
func Judge(files []FilePreview) Verdict {
	var v Verdict
	seen := map[string]bool{}
	seenBad := map[string]bool{}
	for _, f := range files {
		switch {
		case f.Skipped:
			v.Skipped = append(v.Skipped, f.Path)
			continue
		case f.Err != nil:
			v.Failed = append(v.Failed, f.Path)
			continue
		}
		v.Files++
		for _, r := range f.Results {
			v.Summary = v.Summary.Add(Summarize(r))
			for _, ref := range r.References {
				switch c := ref.Counted(); {
				case c == CountRequiredMissing && !seen[ref.Name]:
					seen[ref.Name] = true
					v.Missing = append(v.Missing, ref.Name)
				case c == CountUnreadable && !seenBad[ref.Name]:
					seenBad[ref.Name] = true
					v.Unreadable = append(v.Unreadable, ref.Name)
				}
			}
		}
	}
	return v
}
