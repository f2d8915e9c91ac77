package taskpreview

import (
	"io/fs"
	"path"
	"slices"
	"strings"
)

// ManifestName is the file in which a Julep project (as in julep-ai/library)
// declares the secrets its tasks need.
const ManifestName = "julep.yaml"

// skipDirs are folders that hold other people's files, never the user's
// tasks.
var skipDirs = map[string]bool{"vendor": true, "node_modules": true, "third_party": true}

// FindTasks lists the task files under root in fsys: every *.yaml and *.yml
// file, recursively, skipping hidden files and folders, vendored folders
// (vendor, node_modules, third_party) and julep.yaml manifests. The result is
// sorted. It is the one place keyward decides what counts as a task file,
// for the command line and the terminal UI alike; whether a file really is a
// task is Preview's to say.
func FindTasks(fsys fs.FS, root string) ([]string, error) {
	var out []string
	err := walkTaskTree(fsys, root, func(p, name string) {
		if name == ManifestName {
			return
		}
		if ext := path.Ext(name); ext == ".yaml" || ext == ".yml" {
			out = append(out, p)
		}
	})
	slices.Sort(out)
	return out, err
}

// walkTaskTree calls visit for every regular, non-hidden file under root,
// skipping hidden and vendored folders.
func walkTaskTree(fsys fs.FS, root string, visit func(p, name string)) error {
	return fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable folder is skipped, not fatal
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || skipDirs[name]) {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasPrefix(name, ".") && d.Type().IsRegular() {
			visit(p, name)
		}
		return nil
	})
}

// NearestManifest returns the julep.yaml closest above file in fsys (in
// file's own folder first, then each parent up to fsys's root), or "" when
// there is none. file is a slash-separated path in fsys.
func NearestManifest(fsys fs.FS, file string) string {
	dir := path.Dir(file)
	for {
		p := path.Join(dir, ManifestName)
		if st, err := fs.Stat(fsys, p); err == nil && st.Mode().IsRegular() {
			return p
		}
		if dir == "." || dir == "/" {
			return ""
		}
		dir = path.Dir(dir)
	}
}
