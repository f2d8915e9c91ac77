package taskpreview

import (
	"slices"
	"strings"
	"unicode/utf8"

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
	names     *nameSet
	masks     map[string]string
	errs      map[string]error
}

// nameSetter is a Lookup that keeps the nameSet of its names for several
// Preview calls (PreviewAll's passCache), so that a project of many files
// sorts and groups a large store's names once.
type nameSetter interface {
	nameSet() *nameSet
}

func newResolver(l Lookup, namesOnly bool) *resolver {
	r := &resolver{lookup: l, namesOnly: namesOnly, masks: map[string]string{}, errs: map[string]error{}}
	if ns, ok := l.(nameSetter); ok {
		r.names = ns.nameSet()
	} else if l != nil {
		r.names = newNameSet(l.Names())
	}
	return r
}

// resolve fills the status, mask and suggestion of ref.
func (r *resolver) resolve(ref *Reference) {
	if r.lookup == nil {
		ref.Status = StatusUnchecked
		return
	}
	if !r.names.has(ref.Name) || ref.InvalidName {
		ref.Status = StatusMissing
		ref.Suggestion = r.names.suggest(ref.Name)
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

// nameSet is a store's names as a preview asks about them: whether one
// exists (a binary search of the sorted names, so a store that lists its
// names sorted, as keyring.Namer does, costs no sort and no map), and the
// closest one to a missing name (model.SimilarNames), asked of the names
// that can be close rather than of all of them.
type nameSet struct {
	sorted []string
	// byLen holds the ASCII names by their length in bytes, and nonASCII
	// the others: a name within edit distance 2 of another is at most 2
	// bytes longer or shorter, and lower-casing keeps an ASCII name's
	// length (SimilarNames compares lower-cased names).
	byLen    [][]string
	nonASCII []string
	sugg     map[string]string
}

func newNameSet(names []string) *nameSet {
	s := &nameSet{sorted: names, sugg: map[string]string{}}
	if !slices.IsSorted(names) {
		s.sorted = slices.Clone(names)
		slices.Sort(s.sorted)
	}
	return s
}

func (s *nameSet) has(name string) bool {
	_, found := slices.BinarySearch(s.sorted, name)
	return found
}

// suggest returns the closest store name: one that differs only in case,
// else the nearest within edit distance 2 (ties broken by name order).
func (s *nameSet) suggest(name string) string {
	if c, ok := s.sugg[name]; ok {
		return c
	}
	c := ""
	if close := model.SimilarNames(s.candidates(name), name); len(close) > 0 {
		c = close[0]
	}
	s.sugg[name] = c
	return c
}

// candidates returns the names SimilarNames may find close to name: the
// ASCII names whose length is within 2 bytes of name's lower-cased, and
// every other name. SimilarNames orders what it finds by distance and
// name, so it returns for these what it would for all the names
// (TestNameSetSuggest).
func (s *nameSet) candidates(name string) []string {
	if s.byLen == nil {
		s.group()
	}
	l := len(strings.ToLower(name))
	var out []string
	for k := max(0, l-2); k <= l+2 && k < len(s.byLen); k++ {
		out = append(out, s.byLen[k]...)
	}
	return append(out, s.nonASCII...)
}

// group fills byLen and nonASCII: the names counted by length first, so
// that the groups are cut from one slice.
func (s *nameSet) group() {
	lens := make([]int32, len(s.sorted)) // -1: not ASCII
	var count []int
	for i, n := range s.sorted {
		if !isASCII(n) {
			lens[i] = -1
			s.nonASCII = append(s.nonASCII, n)
			continue
		}
		lens[i] = int32(len(n))
		for len(count) <= len(n) {
			count = append(count, 0)
		}
		count[len(n)]++
	}
	flat := make([]string, len(s.sorted)-len(s.nonASCII))
	s.byLen = make([][]string, len(count))
	at := 0
	for l, c := range count {
		s.byLen[l] = flat[at : at : at+c]
		at += c
	}
	for i, n := range s.sorted {
		if l := lens[i]; l >= 0 {
			s.byLen[l] = append(s.byLen[l], n)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
