package taskpreview

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/keyward/keyward/internal/bounded"
)

// ManifestEntry is one secret a project's julep.yaml declares.
type ManifestEntry struct {
	Name string
	Link string
}

// ManifestReport compares a julep.yaml secrets manifest with what the
// project's tasks reference.
type ManifestReport struct {
	Declared   []ManifestEntry
	Unused     []string // declared, referenced by no task
	Undeclared []string // referenced, not declared
}

// ParseManifest reads the `secrets:` list of a julep.yaml (as in
// julep-ai/library: a list of {name, link}; bare names are accepted too).
// A file without the key declares nothing.
func ParseManifest(src []byte) ([]ManifestEntry, error) {
	if len(src) > MaxManifestSize {
		return nil, errors.New("julep.yaml: " + (&bounded.TooLargeError{Size: int64(len(src)), Limit: MaxManifestSize}).Error())
	}
	var td *bounded.TooDeepError
	switch err := bounded.YAML(src, bounded.MaxNesting); {
	case errors.As(err, &td):
		return nil, fmt.Errorf("julep.yaml:%d: nested too deep (limit %d)", td.Line, td.Limit)
	case err != nil:
		return nil, errors.New("julep.yaml: " + err.Error())
	}
	var doc struct {
		Secrets []any `yaml:"secrets"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		msg := err.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, errors.New("julep.yaml: " + msg)
	}
	var out []ManifestEntry
	for i, s := range doc.Secrets {
		switch v := s.(type) {
		case string:
			out = append(out, ManifestEntry{Name: strings.TrimSpace(v)})
		case map[string]any:
			name, _ := v["name"].(string)
			link, _ := v["link"].(string)
			if strings.TrimSpace(name) == "" {
				return nil, fmt.Errorf("julep.yaml: secrets[%d] has no name", i)
			}
			out = append(out, ManifestEntry{Name: strings.TrimSpace(name), Link: link})
		default:
			return nil, fmt.Errorf("julep.yaml: secrets[%d] is neither a name nor {name, link}", i)
		}
	}
	return out, nil
}

// CheckManifest reads a julep.yaml and reports the declared secrets no
// task uses and the used ones it does not declare. used is the set of
// referenced names, e.g. from UsedNames.
func CheckManifest(manifest []byte, used map[string]bool) (*ManifestReport, error) {
	entries, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	r := &ManifestReport{Declared: entries}
	declared := map[string]bool{}
	for _, e := range entries {
		declared[e.Name] = true
		if !used[e.Name] {
			r.Unused = append(r.Unused, e.Name)
		}
	}
	for name := range used {
		if !declared[name] {
			r.Undeclared = append(r.Undeclared, name)
		}
	}
	sort.Strings(r.Unused)
	sort.Strings(r.Undeclared)
	return r, nil
}

// UsedNames returns the names the results reference at run time. LLM
// provider keys are left out: Julep falls back to its own proxy without
// them, and manifests do not list them.
func UsedNames(results []*Result) map[string]bool {
	used := map[string]bool{}
	for _, r := range results {
		for _, ref := range r.References {
			if ref.Kind != KindLLMProvider {
				used[ref.Name] = true
			}
		}
	}
	return used
}

// Use is one place a secret is referenced.
type Use struct {
	File         string
	Path         string
	Kind         Kind
	Line, Column int
}

// UsedBy maps each referenced secret name to the places that reference it,
// LLM provider keys included, in result order. A store name absent from
// the map is used by no task.
func UsedBy(results []*Result) map[string][]Use {
	out := map[string][]Use{}
	for _, r := range results {
		for _, ref := range r.References {
			out[ref.Name] = append(out[ref.Name], Use{File: r.File, Path: ref.Path, Kind: ref.Kind, Line: ref.Line, Column: ref.Column})
		}
	}
	return out
}
