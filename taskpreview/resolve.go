package taskpreview

import (
	"sort"

	"github.com/keyward/keyward/model"
)

// Lookup is the view of the store a preview needs: the names that exist,
// and a way to read one value. A preview calls Names once and Value at most
// once per distinct referenced name, only to compute its mask.
type Lookup interface {
	Names() []string
	Value(name string) (string, error)
}

// NewLookup builds a Lookup from a list of names and a function that reads
// one value; the function is only called for names in the list.
func NewLookup(names []string, value func(name string) (string, error)) Lookup {
	return funcLookup{names: names, value: value}
}

type funcLookup struct {
	names []string
	value func(string) (string, error)
}

func (l funcLookup) Names() []string                   { return l.names }
func (l funcLookup) Value(name string) (string, error) { return l.value(name) }

// notThere says that a name is missing from what opts checked against.
func notThere(against string) string {
	if against == "" {
		return " is not in the store"
	}
	return " is not on " + model.Printable(against)
}

// resolver answers name questions for one Preview call. It keeps masks,
// never values.
type resolver struct {
	lookup    Lookup
	namesOnly bool // never read a value: a name in the store resolves
	names     map[string]bool
	sorted    []string
	masks     map[string]string
	errs      map[string]error
	sugg      map[string]string
}

func newResolver(l Lookup, namesOnly bool) *resolver {
	r := &resolver{lookup: l, namesOnly: namesOnly, masks: map[string]string{}, errs: map[string]error{}, sugg: map[string]string{}}
	if l != nil {
		r.sorted = append([]string(nil), l.Names()...)
		sort.Strings(r.sorted)
		r.names = make(map[string]bool, len(r.sorted))
		for _, n := range r.sorted {
			r.names[n] = true
		}
	}
	return r
}

// resolve fills the status, mask and suggestion of ref.
func (r *resolver) resolve(ref *Reference) {
	if r.lookup == nil {
		ref.Status = StatusUnchecked
		return
	}
	if !r.names[ref.Name] || ref.InvalidName {
		ref.Status = StatusMissing
		ref.Suggestion = r.suggest(ref.Name)
		return
	}
	if r.namesOnly {
		ref.Status = StatusResolved
		return
	}
	if m, ok := r.masks[ref.Name]; ok {
		ref.Status, ref.Masked = StatusResolved, m
		return
	}
	if _, failed := r.errs[ref.Name]; failed {
		ref.Status = StatusUnreadable
		return
	}
	v, err := r.lookup.Value(ref.Name)
	if err != nil {
		r.errs[ref.Name] = err
		ref.Status = StatusUnreadable
		return
	}
	m := model.Mask(v)
	r.masks[ref.Name] = m
	ref.Status, ref.Masked = StatusResolved, m
}

// suggest returns the closest store name: one that differs only in case,
// else the nearest within edit distance 2 (ties broken by name order).
func (r *resolver) suggest(name string) string {
	if s, ok := r.sugg[name]; ok {
		return s
	}
	s := r.closest(name)
	r.sugg[name] = s
	return s
}

func (r *resolver) closest(name string) string {
	if s := model.SimilarNames(r.sorted, name); len(s) > 0 {
		return s[0]
	}
	return ""
}
