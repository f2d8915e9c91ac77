package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
)

// What doctor checks beyond the records (issue 11, item 2): values in the
// keyring that no record accounts for, and temporary files that writers
// killed mid-write left. The journal makes both rare (a change cut short is
// settled from it); these catch what it cannot: an older keyward, another
// tool, a hand-edited index, a timed-out call that landed after it was
// settled.

// Orphan is an entry of the store's keyring service (a value file, for the
// file backend) that no record accounts for.
type Orphan struct {
	// User is the keyring user: NAME for a value, NAME@previous and so on
	// for the copies keyward keeps; "" when the file backend could not
	// read whose value a file holds (File says which).
	User string
	// File is the value file, for the file backend.
	File string
	// NoValue says the record of User exists but says it has no value.
	NoValue bool
}

// Name is the secret name the entry belongs to; "" when unknown.
func (o Orphan) Name() string {
	name, _, _ := strings.Cut(o.User, "@")
	return name
}

// Adoptable reports whether AdoptOrphan can make (or complete) a record of
// it: a current value under a valid name.
func (o Orphan) Adoptable() bool {
	return o.User != "" && !strings.Contains(o.User, "@") && model.ValidateName(o.User) == nil
}

// Describe says what the entry is, for doctor; it never holds a value.
func (o Orphan) Describe() string {
	p := model.Printable(o.User)
	name := model.Printable(o.Name())
	switch {
	case o.User == "":
		return fmt.Sprintf("value file %s: no record names it (its secret could not be read)", o.File)
	case o.NoValue:
		return fmt.Sprintf("%s has a value in the keyring, but its record says it has none", p)
	case o.Adoptable():
		return fmt.Sprintf("%s: a value in the keyring with no record", p)
	case strings.HasSuffix(o.User, "@previous"):
		return fmt.Sprintf("%s: the previous value of %s, which has no record", p, name)
	}
	return fmt.Sprintf("%s: a keyring entry no record accounts for", p)
}

// Auditor is a Store that can find and repair what doctor checks beyond
// the records. OSStore, FileStore and MemStore are ones.
type Auditor interface {
	// Orphans lists the entries no record accounts for. It fails with
	// errors.ErrUnsupported where the keyring cannot be listed.
	Orphans(ctx context.Context) ([]Orphan, error)
	// AdoptOrphan makes a record of an adoptable orphan value: version 1,
	// a description that says where it came from, the value (and a
	// previous value, if any) untouched. For a record that said it had
	// no value, it records the value as its next version.
	AdoptOrphan(ctx context.Context, name string) (model.Secret, error)
	// DropOrphan deletes an orphan entry; it refuses one a record uses.
	DropOrphan(ctx context.Context, o Orphan) error
	// StaleFiles lists the temporary files killed writers left.
	StaleFiles() ([]string, error)
	// RemoveStaleFiles removes them, under the index lock.
	RemoveStaleFiles(ctx context.Context) ([]string, error)
}

// entry is one entry of a values backend: its keyring user, or "" and the
// file when the backend cannot tell whose it is.
type entry struct{ user, file string }

// lister is a values backend that can list its entries. known are the users
// records account for: the file backend names those without reading them.
type lister interface {
	entries(ctx context.Context, known []string) ([]entry, error)
}

// accounted reports whether a record of list accounts for user: its value
// and its previous value, and the copies a change still pending keeps.
func accounted(user string, rec *model.Secret, pending bool) bool {
	name := rec.Name
	curUser, prevUser := valueUsers(rec)
	switch user {
	case curUser:
		return !rec.NoValue || pending
	case prevUser:
		return true
	case swapUser(name), rotationUser(name):
		return pending
	}
	return false
}

func (s *store) Orphans(ctx context.Context) ([]Orphan, error) {
	l, ok := s.vals.(lister)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	list, err := s.idx.Load(ctx, nil)
	if err != nil {
		return nil, err
	}
	pending := map[string]bool{}
	if s.jr != nil {
		ops, err := s.jr.Pending()
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			pending[op.Name] = true
		}
	}
	recs := make(map[string]*model.Secret, len(list))
	known := make([]string, 0, 4*len(list))
	for i := range list {
		n := list[i].Name
		recs[n] = &list[i]
		known = append(known, n, PreviousUser(n), swapUser(n), rotationUser(n))
	}
	ents, err := l.entries(ctx, known)
	if err != nil {
		return nil, err
	}
	var out []Orphan
	for _, e := range ents {
		if e.user == "" {
			out = append(out, Orphan{File: e.file})
			continue
		}
		if e.user == pingUser {
			continue
		}
		o := Orphan{User: e.user, File: e.file}
		name := o.Name()
		if rec, ok := recs[name]; ok {
			if accounted(e.user, rec, pending[name]) {
				continue
			}
			curUser, _ := valueUsers(rec)
			o.NoValue = e.user == curUser && rec.NoValue
		} else if pending[name] {
			continue // Reconcile settles it
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Orphan) int { return strings.Compare(a.User+a.File, b.User+b.File) })
	return out, nil
}

// adoptedDescription is the description of a record doctor --repair made
// from an orphan value.
const adoptedDescription = "adopted by keyward doctor --repair: its value was in the keyring without a record"

func (s *store) AdoptOrphan(ctx context.Context, name string) (model.Secret, error) {
	if err := model.ValidateName(name); err != nil {
		return model.Secret{}, err
	}
	now := s.stamp()
	var rec model.Secret
	err := s.locked(ctx, []string{name}, func(list []model.Secret) ([]model.Secret, error) {
		i := find(list, name)
		if i >= 0 && !list[i].NoValue {
			return nil, exists(name)
		}
		get, _ := s.slots()
		if _, err := get(ctx, name); err != nil {
			return nil, fmt.Errorf("adopt %s: %w", name, err)
		}
		if i >= 0 {
			list[i].NoValue = false
			list[i].SlotsSwapped = false // the value adopted is under its name
			list[i].Version++
			list[i].RotatedAt, list[i].UpdatedAt = now, now
			rec = list[i]
			return list, nil
		}
		rec = model.Secret{Name: name, Description: adoptedDescription, CreatedAt: now, UpdatedAt: now, Version: 1}
		return append(list, rec), nil
	}, nil)
	return rec, err
}

func (s *store) DropOrphan(ctx context.Context, o Orphan) error {
	return s.locked(ctx, []string{o.Name()}, func(list []model.Secret) ([]model.Secret, error) {
		if o.User == "" {
			fd, ok := s.vals.(*fileValues)
			if !ok || o.File == "" {
				return nil, errors.New("an orphan with neither a keyring user nor a file")
			}
			return nil, fd.dropFile(o.File, list)
		}
		if i := find(list, o.Name()); i >= 0 && accounted(o.User, &list[i], false) {
			return nil, fmt.Errorf("%s belongs to the record %s; not removed", model.Printable(o.User), model.Printable(o.Name()))
		}
		if err := s.vals.Delete(ctx, o.User); err != nil {
			return nil, err
		}
		return nil, errNoWrite
	}, nil)
}

// staleFiles lists the temporary files of the index, the journal and the
// service mark beside indexPath, and of the value files in valuesDir ("" for
// none). They are written only under the index lock, so under it every one
// is a leftover.
func staleFiles(indexPath, valuesDir string) ([]string, error) {
	var out []string
	var errs []error
	for _, p := range []string{indexPath, journalFor(indexPath).path, indexPath + ".service"} {
		st, err := atomicfile.Stale(p, 0)
		out = append(out, st...)
		errs = append(errs, err)
	}
	if valuesDir != "" {
		st, err := atomicfile.StaleIn(valuesDir, 0, isValueFile)
		out = append(out, st...)
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// removeStale removes staleFiles under the index lock.
func (s *store) removeStale(ctx context.Context, indexPath, valuesDir string) ([]string, error) {
	var removed []string
	err := s.raw(ctx, func([]model.Secret) ([]model.Secret, error) {
		stale, err := staleFiles(indexPath, valuesDir)
		for _, p := range stale {
			if rerr := os.Remove(p); rerr == nil {
				removed = append(removed, p)
			} else if !errors.Is(rerr, os.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}
		if err != nil {
			return nil, err
		}
		return nil, errNoWrite
	}, nil)
	return removed, err
}

// StaleFiles implements Auditor.
func (s *OSStore) StaleFiles() ([]string, error) { return staleFiles(s.indexPath, "") }

// RemoveStaleFiles implements Auditor.
func (s *OSStore) RemoveStaleFiles(ctx context.Context) ([]string, error) {
	return s.removeStale(ctx, s.indexPath, "")
}

// StaleFiles implements Auditor.
func (s *FileStore) StaleFiles() ([]string, error) { return staleFiles(s.indexPath, s.fv.dir) }

// RemoveStaleFiles implements Auditor.
func (s *FileStore) RemoveStaleFiles(ctx context.Context) ([]string, error) {
	return s.removeStale(ctx, s.indexPath, s.fv.dir)
}

// StaleFiles implements Auditor: the in-memory store writes no files.
func (m *MemStore) StaleFiles() ([]string, error) { return nil, nil }

// RemoveStaleFiles implements Auditor.
func (m *MemStore) RemoveStaleFiles(context.Context) ([]string, error) { return nil, nil }

// entries implements lister over the OS keyring: every item of the
// service.
func (v *osValues) entries(ctx context.Context, _ []string) ([]entry, error) {
	var users []string
	err := v.call(ctx, func() error {
		var err error
		users, err = listUsers(v.service)
		return err
	})
	if errors.Is(err, errors.ErrUnsupported) {
		return nil, err
	}
	if err != nil {
		return nil, v.wrap("list", "", err)
	}
	out := make([]entry, len(users))
	for i, u := range users {
		out[i] = entry{user: u}
	}
	return out, nil
}

// entries implements lister over the map.
func (b *memBackend) entries(context.Context, []string) ([]entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]entry, 0, len(b.vals))
	for u := range b.vals {
		out = append(out, entry{user: u})
	}
	return out, nil
}

// isValueFile reports whether base is the name of a value file: the hex
// keyed hash path gives, and .age.
func isValueFile(base string) bool {
	h, ok := strings.CutSuffix(base, ".age")
	if !ok || len(h) != 32 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// entries implements lister over the value files. A file named by a known
// user's hash is that user's without reading it; any other is decrypted
// (which asks for the passphrase) to read its secret's name, and then
// matched against that name's users. One that cannot be read is listed by
// its file only.
func (v *fileValues) entries(ctx context.Context, known []string) ([]entry, error) {
	byPath := make(map[string]string, len(known))
	for _, u := range known {
		p, err := v.path(u)
		if err != nil {
			return nil, err
		}
		byPath[p] = u
	}
	des, err := os.ReadDir(v.dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", v.dir, err)
	}
	var out []entry
	for _, de := range des {
		if !de.Type().IsRegular() || !isValueFile(de.Name()) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := filepath.Join(v.dir, de.Name())
		if u, ok := byPath[p]; ok {
			out = append(out, entry{user: u, file: p})
			continue
		}
		out = append(out, entry{user: v.userOf(p), file: p})
	}
	return out, nil
}

// userOf reads whose value the file at p holds: the name in its header,
// then which of that name's users hashes to p. "" when it cannot tell.
func (v *fileValues) userOf(p string) string {
	data, err := bounded.ReadFile(p, maxValueFile)
	if err != nil {
		return ""
	}
	plain, err := v.open(data)
	if err != nil {
		return ""
	}
	rest, ok := strings.CutPrefix(plain, "keyward value 1 ")
	name, _, ok2 := strings.Cut(rest, "\n")
	if !ok || !ok2 || model.ValidateName(name) != nil {
		return ""
	}
	for _, u := range []string{name, PreviousUser(name), swapUser(name), rotationUser(name)} {
		if q, err := v.path(u); err == nil && q == p {
			return u
		}
	}
	return ""
}

// dropFile removes a value file no record's user names, under the index
// lock.
func (v *fileValues) dropFile(p string, list []model.Secret) error {
	if filepath.Dir(p) != v.dir || !isValueFile(filepath.Base(p)) {
		return fmt.Errorf("%s is not a value file of %s", p, v.dir)
	}
	for i := range list {
		n := list[i].Name
		for _, u := range []string{n, PreviousUser(n), swapUser(n), rotationUser(n)} {
			if q, err := v.path(u); err == nil && q == p {
				return fmt.Errorf("%s belongs to the record %s; not removed", p, model.Printable(n))
			}
		}
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return errNoWrite
}

// RecordValuer is a Store that reads the value of a record the caller
// already holds, without looking the record up in the index again: doctor
// checks every value of a list, and a lookup per value would read the whole
// index each time.
type RecordValuer interface {
	// RecordValue reads rec's current value, as Value would.
	RecordValue(ctx context.Context, rec model.Secret) (string, error)
}

func (s *store) RecordValue(ctx context.Context, rec model.Secret) (string, error) {
	if rec.NoValue {
		return "", notSet(rec.Name)
	}
	curUser, _ := valueUsers(&rec)
	v, err := s.vals.Get(ctx, curUser)
	if err != nil {
		return "", err // the backend names the user
	}
	return v, nil
}
