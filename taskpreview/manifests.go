package taskpreview

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
)

// FileResults is the preview of one task file, by its slash-separated path
// in some folder tree.
type FileResults struct {
	Path    string
	Results []*Result
}

// ManifestWarnings compares each project's julep.yaml `secrets:` list with
// what the project's task files reference. manifests maps a julep.yaml's
// slash path (in the same tree as the files' paths) to its content; a task
// file belongs to the nearest julep.yaml in its folder or above. It returns
// the warnings to add, keyed by task file path: manifest_undeclared on each
// file that uses an undeclared name, and manifest_unused and
// manifest_invalid on the first file of the project. It is pure: callers
// read the files.
func ManifestWarnings(manifests map[string][]byte, files []FileResults) map[string][]Warning {
	out := map[string][]Warning{}
	type project struct {
		first string
		used  map[string]bool
		users map[string][]string // name → files, in order
	}
	projects := map[string]*project{}
	var order []string
	for _, f := range files {
		m := nearestIn(manifests, f.Path)
		if m == "" || len(f.Results) == 0 {
			continue
		}
		p := projects[m]
		if p == nil {
			p = &project{first: f.Path, used: map[string]bool{}, users: map[string][]string{}}
			projects[m] = p
			order = append(order, m)
		}
		for name := range UsedNames(f.Results) {
			p.used[name] = true
			if u := p.users[name]; len(u) == 0 || u[len(u)-1] != f.Path {
				p.users[name] = append(p.users[name], f.Path)
			}
		}
	}
	for _, m := range order {
		p := projects[m]
		rep, err := CheckManifest(manifests[m], p.used)
		if err != nil {
			out[p.first] = append(out[p.first], Warning{Code: WarnManifestInvalid, Path: m, Message: err.Error()})
			continue
		}
		for _, name := range rep.Undeclared {
			for _, f := range p.users[name] {
				out[f] = append(out[f], Warning{Code: WarnManifestUndeclared, Path: m,
					Message: fmt.Sprintf("%s is referenced but not declared in the secrets: list of %s", name, m)})
			}
		}
		for _, name := range rep.Unused {
			out[p.first] = append(out[p.first], Warning{Code: WarnManifestUnused, Path: m,
				Message: fmt.Sprintf("%s is declared in %s but no task of the project references it", name, m)})
		}
	}
	return out
}

// nearestIn is NearestManifest over a set of known manifest paths.
func nearestIn(manifests map[string][]byte, file string) string {
	dir := path.Dir(file)
	for {
		p := path.Join(dir, ManifestName)
		if _, ok := manifests[p]; ok {
			return p
		}
		if dir == "." || dir == "/" {
			return ""
		}
		dir = path.Dir(dir)
	}
}

// FindManifests lists the julep.yaml files under root in fsys, skipping the
// folders FindTasks skips.
func FindManifests(fsys fs.FS, root string) ([]string, error) {
	var out []string
	err := walkTaskTree(fsys, root, func(p, name string) {
		if name == ManifestName {
			out = append(out, p)
		}
	})
	slices.Sort(out)
	return out, err
}
