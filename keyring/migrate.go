package keyring

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
)

// Migrate moves every value of an index from one backend to the other (the
// OS keyring and the file backend), for `keyward migrate`. The rules:
//
//   - It runs under the index lock, and from its first step to its last a
//     progress file beside the index (INDEX.migrate: the direction, then the
//     names moved so far, never a value) makes every other store of the
//     index refuse to change anything (backendGuard): a value written to
//     either backend meanwhile would be lost or shadowed.
//   - The source's unfinished changes are settled first (the journal, by
//     Reconcile; a rollback by an older keyward, per name by finishSwap),
//     and the journal must then be empty (settled): so the values to move
//     are the current value and the previous value, as a rotation's or a
//     rollback's kept copy exists only while the journal notes it. Per
//     name, each is written to the destination and read back and compared
//     (a value encrypted for the file backend is compared as the bytes
//     written, which needs no passphrase); the destination's other slots
//     of the name are cleared, so that it holds exactly what the source
//     held. Only then is the name appended to the progress file (fsynced),
//     and only then are the source's values removed.
//   - A kill at any point loses nothing: a name not in the progress file
//     still has all its values in the source and is copied again; a name in
//     it has them all in the destination, and only its removal from the
//     source is repeated.
//   - At the end the index is marked with its new backend (INDEX.backend),
//     and the progress file removed. From then on a store of the old
//     backend refuses to change anything (a process that was waiting for
//     the lock, or a --backend that still names the old one).

// Errors of a migration. Match them with errors.Is; a *MigrationError says
// which backends.
var (
	// ErrMigrating: a migration of the index's values is half done.
	ErrMigrating = errors.New("a migration between backends is half done")
	// ErrWrongBackend: the index's values were moved to another backend.
	ErrWrongBackend = errors.New("the values of this index were moved to another backend")
	// ErrVerify: a value read back after the copy differs from the source.
	ErrVerify = errors.New("the value read back differs from the one written")
)

// MigrationError is ErrMigrating (Pending: the migration From → To is half
// done) or ErrWrongBackend (the values are in To, and the store refused is
// of From).
type MigrationError struct {
	From, To string // "keyring" or "file"
	Pending  bool
}

func (e *MigrationError) Error() string {
	if e.Pending {
		return fmt.Sprintf("a migration of the values from %s to %s is half done", BackendName(e.From), BackendName(e.To))
	}
	return fmt.Sprintf("the values of this index were moved to %s; this command uses %s", BackendName(e.To), BackendName(e.From))
}

// Is makes errors.Is match ErrMigrating or ErrWrongBackend.
func (e *MigrationError) Is(target error) bool {
	return e.Pending && target == ErrMigrating || !e.Pending && target == ErrWrongBackend
}

// BackendName is a backend as a sentence names it: "the keyring", "the
// file backend".
func BackendName(kind string) string {
	switch kind {
	case "keyring":
		return "the keyring"
	case "file":
		return "the file backend"
	}
	return "the " + kind + " backend"
}

// backendGuard is a store's check, under the index lock, that the index's
// values are in its backend: no migration half done, and no mark naming
// another backend. A nil guard checks nothing (the in-memory stores).
type backendGuard struct {
	index string // the index file; the progress file and the mark are beside it
	kind  string // the store's backend: "keyring" or "file"
}

func (g *backendGuard) check() error {
	if g == nil {
		return nil
	}
	m, err := readMigration(g.index)
	if err != nil {
		return err
	}
	if m != nil {
		return &MigrationError{From: m.from, To: m.to, Pending: true}
	}
	mark, err := readMark(g.index)
	if err != nil {
		return err
	}
	if mark != "" && mark != g.kind {
		return &MigrationError{From: g.kind, To: mark}
	}
	return nil
}

// CheckBackend reports a *MigrationError when st's index has a migration
// half done, or its values were moved to another backend than st's; nil
// for a store that keeps no such marks (the in-memory ones). The command
// line checks it before every command but migrate; every change checks it
// again under the index lock.
func CheckBackend(st Store) error {
	b, ok := st.(interface{ base() *store })
	if !ok {
		return nil
	}
	return b.base().bk.check()
}

func (s *store) base() *store { return s }

// migrationPath is the progress file of a migration of the index at index.
func migrationPath(index string) string { return index + ".migrate" }

// markPath is the file that names the backend holding the index's values,
// written by a migration.
func markPath(index string) string { return index + ".backend" }

// migrateHeader opens the progress file: "keyward migrate 1 FROM TO".
const migrateHeader = "keyward migrate 1"

// migration is a migration's progress file: its direction and the names
// whose values are all in the destination.
type migration struct {
	path     string
	from, to string
	done     map[string]bool
}

func readMigration(index string) (*migration, error) {
	path := migrationPath(index)
	// Bounded, regular files only (a FIFO planted there is refused, never
	// waited on): it holds at most the index's names.
	data, err := bounded.ReadFile(path, MaxIndexSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the migration's progress: %w", err)
	}
	text := string(data)
	head, rest, _ := strings.Cut(text, "\n")
	f := strings.Fields(strings.TrimPrefix(head, migrateHeader))
	if !strings.HasPrefix(head, migrateHeader+" ") || len(f) != 2 || !knownBackend(f[0]) || !knownBackend(f[1]) || f[0] == f[1] {
		return nil, fmt.Errorf("%s is not a keyward migration's progress file; move it away only if no migration was run", path)
	}
	m := &migration{path: path, from: f[0], to: f[1], done: map[string]bool{}}
	for line := range strings.Lines(rest) {
		// Only whole lines: a torn last line must never mark a
		// shorter name as moved.
		name, whole := strings.CutSuffix(line, "\n")
		if whole && model.ValidateName(name) == nil {
			m.done[name] = true
		}
	}
	return m, nil
}

func knownBackend(kind string) bool { return kind == "keyring" || kind == "file" }

func startMigration(index, from, to string) (*migration, error) {
	path := migrationPath(index)
	if err := atomicfile.WriteFile(path, []byte(fmt.Sprintf("%s %s %s\n", migrateHeader, from, to)), 0o600); err != nil {
		return nil, fmt.Errorf("start the migration: %w", err)
	}
	return &migration{path: path, from: from, to: to, done: map[string]bool{}}, nil
}

// markDone appends name to the progress file and syncs it: the source's
// values of name may be removed once it returns.
func (m *migration) markDone(name string) error {
	f, err := os.OpenFile(m.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("record the migration's progress: %w", err)
	}
	_, err = f.WriteString(name + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("record the migration's progress: %w", err)
	}
	m.done[name] = true
	return nil
}

// finish marks the index with its new backend, then removes the progress
// file.
func (m *migration) finish(index string) error {
	if err := atomicfile.WriteFile(markPath(index), []byte(m.to+"\n"), 0o600); err != nil {
		return fmt.Errorf("record the new backend: %w", err)
	}
	if err := os.Remove(m.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("finish the migration: %w", err)
	}
	if d, err := os.Open(filepath.Dir(m.path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

func readMark(index string) (string, error) {
	path := markPath(index)
	data, err := bounded.ReadFile(path, maxSmallFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the index's backend: %w", err)
	}
	kind := strings.TrimSpace(string(data))
	if !knownBackend(kind) {
		return "", fmt.Errorf("%s names no keyward backend (keyring or file); it is written by 'keyward migrate'", path)
	}
	return kind, nil
}

// MigrateOptions configures Migrate.
type MigrateOptions struct {
	// DryRun counts what would move and changes nothing; it reads no value
	// in the clear (no passphrase).
	DryRun bool
	// Progress, if set, is called after each record with the number done
	// and the total, under the index lock.
	Progress func(done, total int)
}

// MigrateResult says what Migrate did (or, with DryRun, would do).
type MigrateResult struct {
	From, To string // "keyring" or "file"
	Total    int    // records in the index
	// Moved counts the secrets whose values were moved, Previous those
	// of them that had a previous value.
	Moved, Previous int
	// Already counts the secrets whose values were in the destination
	// already (none in the source).
	Already int
	// Missing names the secrets that have no current value in either
	// backend (records pulled from Julep without one are not missing).
	Missing []string
	// Resumed: an interrupted migration was continued. Finished: the
	// values were in the destination before this call (nothing was
	// done).
	Resumed, Finished bool
	// SetUp (DryRun only): the destination is a file backend not set up
	// yet.
	SetUp bool
}

// sealWriter is a values backend that encrypts a value for a slot without
// writing it, so that Migrate can write the sealed bytes and compare what it
// reads back with them, with no passphrase: the file backend.
type sealWriter interface {
	sealer
	Seal(user, value string) (string, error)
}

// Migrate moves every value of the records of from's index (current,
// previous, and what an interrupted change left) from from's backend to
// to's, which must be another backend over the same index, verifying each
// copy before it removes the source's. It is resumable: after a kill or an
// error, calling it again continues where it stopped, and nothing is lost.
// It refuses while a migration in the other direction is half done. When
// the values are already in to's backend (a finished migration), it does
// nothing and reports Finished. Reading the file backend's values needs its
// passphrase (call FileStore.Unlock first to ask it before the lock is
// taken); writing them does not.
func Migrate(ctx context.Context, from, to Store, opts MigrateOptions) (MigrateResult, error) {
	fb, ok1 := from.(interface{ base() *store })
	tb, ok2 := to.(interface{ base() *store })
	if !ok1 || !ok2 {
		return MigrateResult{}, errors.New("keyring: migrate needs two stores of this package")
	}
	// Copies without the guard: Migrate is the one writer allowed while
	// its progress file exists.
	src, dst := *fb.base(), *tb.base()
	if src.bk == nil || dst.bk == nil || src.bk.index != dst.bk.index || src.bk.kind == dst.bk.kind {
		return MigrateResult{}, errors.New("keyring: migrate needs two backends over one index")
	}
	index := src.bk.index
	src.bk, dst.bk = nil, nil
	res := MigrateResult{From: fb.base().bk.kind, To: tb.base().bk.kind}

	destReady := true
	if err := dst.vals.Ping(ctx); err != nil {
		if !opts.DryRun || !errors.Is(err, ErrNotInitialized) {
			return res, fmt.Errorf("cannot migrate to %s: %w", BackendName(res.To), err)
		}
		destReady, res.SetUp = false, true
	}
	if err := src.vals.Ping(ctx); err != nil {
		return res, fmt.Errorf("cannot migrate from %s: %w", BackendName(res.From), err)
	}

	var m *migration
	err := src.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		res.Total = len(list)
		// Both keyrings' deadlines grow with the secrets moved.
		src.sized(list)
		dst.sized(list)
		cur, err := readMigration(index)
		if err != nil {
			return nil, err
		}
		if cur != nil && (cur.from != res.From || cur.to != res.To) {
			return nil, &MigrationError{From: cur.from, To: cur.to, Pending: true}
		}
		if cur == nil {
			mark, err := readMark(index)
			if err != nil {
				return nil, err
			}
			if mark == res.To {
				res.Finished = true
				return nil, errNoWrite
			}
			if opts.DryRun {
				return nil, errNoWrite
			}
			if cur, err = startMigration(index, res.From, res.To); err != nil {
				return nil, err
			}
		} else {
			res.Resumed = true
		}
		m = cur
		return nil, errNoWrite
	}, nil)
	if err != nil && !errors.Is(err, errNoWrite) {
		return res, err
	}
	if res.Finished {
		return res, nil
	}
	if opts.DryRun {
		return res, dryRun(ctx, &src, &dst, destReady, m, opts, &res)
	}

	// What a timed-out or interrupted change left in the source is
	// settled there first, as doctor would.
	if _, err := src.Reconcile(ctx); err != nil {
		return res, fmt.Errorf("settle the unfinished changes in %s: %w", BackendName(res.From), err)
	}

	err = src.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		// Settled means the journal is empty: the values to move are
		// then the current and previous ones (slotsOf). Reconcile leaves
		// an entry when its clean-up (removing a rotation's or a
		// rollback's kept copy) failed; nothing else can add one now,
		// as every other store refuses while the progress file exists.
		if err := settled(&src); err != nil {
			return nil, err
		}
		res.Total = len(list)
		for i := range list {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := migrateOne(ctx, &src, &dst, m, &list[i], &res); err != nil {
				return nil, err
			}
			if opts.Progress != nil {
				opts.Progress(i+1, len(list))
			}
		}
		if err := m.finish(index); err != nil {
			return nil, err
		}
		return nil, errNoWrite
	}, nil)
	if err != nil && !errors.Is(err, errNoWrite) {
		return res, fmt.Errorf("%w (nothing is lost: run the migration again to continue)", err)
	}
	return res, nil
}

// errUnsettled: the source's journal still notes a change after Reconcile.
var errUnsettled = errors.New("the source still notes an unfinished change")

// settled reports errUnsettled, naming the change, when s's journal is not
// empty; under the index lock.
func settled(s *store) error {
	if s.jr == nil {
		return nil
	}
	ops, err := s.jr.Pending()
	if err != nil {
		return err
	}
	if len(ops) > 0 {
		return fmt.Errorf("%w of %s (a copy it kept could not be removed); nothing moved yet",
			errUnsettled, model.Printable(ops[0].Name))
	}
	return nil
}

// slotsOf are the keyring users a record's values can be under once the
// source is settled: current and previous (valueUsers; they are copied to
// the same users, so the record's SlotsSwapped stays true of them). (A rotation's or a rollback's
// kept copy exists only while the journal notes it, and Reconcile has
// settled those, which settled checks; a rollback by an older keyward,
// which noted nothing, is settled by finishSwap. Every keyring call counts:
// on a Secret Service with thousands of items each one is a search.)
func slotsOf(rec *model.Secret) []string {
	cur, prev := valueUsers(rec)
	return []string{cur, prev}
}

// migrateOne moves rec's values from src to dst; see Migrate.
func migrateOne(ctx context.Context, src, dst *store, m *migration, rec *model.Secret, res *MigrateResult) error {
	name := rec.Name
	users := slotsOf(rec)
	curUser, prevUser := users[0], users[1]
	if m.done[name] {
		// Moved before an interruption: only the source's removal may
		// be unfinished.
		res.Moved++
		if ok, err := has(ctx, dst.vals, prevUser); err != nil {
			return err
		} else if ok {
			res.Previous++
		}
		return remove(ctx, src.vals, users)
	}
	if err := src.finishSwap(ctx, name); err != nil {
		return err
	}
	vals := make([]string, len(users))
	var present []string
	for i, u := range users {
		v, err := src.vals.Get(ctx, u)
		switch {
		case err == nil:
			vals[i] = v
			present = append(present, u)
		case !errors.Is(err, ErrNoValue):
			return err
		}
	}
	if len(present) == 0 {
		// Nothing here: the values may be in the destination already
		// (the backend was switched by hand before the migration).
		ok, err := has(ctx, dst.vals, curUser)
		switch {
		case err != nil:
			return err
		case ok:
			res.Already++
		case !rec.NoValue:
			res.Missing = append(res.Missing, name)
		}
		return nil
	}
	// The destination gets exactly the source's slots: one it holds from
	// before (a stale previous value, a rollback copy that the next change
	// would settle) must not come back.
	for i, u := range append(users, swapUser(name)) {
		var err error
		if slices.Contains(present, u) {
			err = putVerified(ctx, dst.vals, u, vals[i])
		} else {
			err = dst.vals.Delete(ctx, u)
		}
		if err != nil {
			return fmt.Errorf("copy %s to %s: %w", model.Printable(u), BackendName(res.To), err)
		}
	}
	if err := m.markDone(name); err != nil {
		return err
	}
	res.Moved++
	if slices.Contains(present, prevUser) {
		res.Previous++
	}
	if !slices.Contains(present, curUser) && !rec.NoValue {
		res.Missing = append(res.Missing, name)
	}
	return remove(ctx, src.vals, present)
}

// remove deletes users from v, the source.
func remove(ctx context.Context, v values, users []string) error {
	for _, u := range users {
		if err := v.Delete(ctx, u); err != nil {
			return fmt.Errorf("remove %s from the source: %w", model.Printable(u), err)
		}
	}
	return nil
}

// has reports whether v holds a value for user, without decrypting it on a
// backend that can tell (the file backend: no passphrase).
func has(ctx context.Context, v values, user string) (bool, error) {
	get := v.Get
	if s, ok := v.(sealer); ok {
		get = s.GetSealed
	}
	_, err := get(ctx, user)
	if errors.Is(err, ErrNoValue) {
		return false, nil
	}
	return err == nil, err
}

// putVerified writes value under user in v and reads it back: the value
// itself, or on a backend that encrypts to a public key, the sealed bytes
// written (reading the value would need the passphrase).
func putVerified(ctx context.Context, v values, user, value string) error {
	if sw, ok := v.(sealWriter); ok {
		sealed, err := sw.Seal(user, value)
		if err != nil {
			return err
		}
		if err := sw.SetSealed(ctx, user, sealed); err != nil {
			return err
		}
		got, err := sw.GetSealed(ctx, user)
		if err != nil {
			return fmt.Errorf("read %s back: %w", model.Printable(user), err)
		}
		if got != sealed {
			return fmt.Errorf("%s: %w", model.Printable(user), ErrVerify)
		}
		return nil
	}
	if err := v.Set(ctx, user, value); err != nil {
		return err
	}
	got, err := v.Get(ctx, user)
	if err != nil {
		return fmt.Errorf("read %s back: %w", model.Printable(user), err)
	}
	if got != value {
		return fmt.Errorf("%s: %w", model.Printable(user), ErrVerify)
	}
	return nil
}

// dryRun counts what Migrate would move, under the index lock, reading
// nothing in the clear.
func dryRun(ctx context.Context, src, dst *store, destReady bool, m *migration, opts MigrateOptions, res *MigrateResult) error {
	err := src.idx.Update(ctx, func(list []model.Secret) ([]model.Secret, error) {
		res.Total = len(list)
		// Both keyrings' deadlines grow with the secrets moved.
		src.sized(list)
		dst.sized(list)
		for i := range list {
			name := list[i].Name
			curUser, prevUser := valueUsers(&list[i])
			inDst := func(user string) (bool, error) {
				if !destReady {
					return false, nil
				}
				return has(ctx, dst.vals, user)
			}
			cur, err := has(ctx, src.vals, curUser)
			if err != nil {
				return nil, err
			}
			prev, err := has(ctx, src.vals, prevUser)
			if err != nil {
				return nil, err
			}
			switch {
			case m != nil && m.done[name]:
				res.Moved++
				if p, err := inDst(prevUser); err != nil {
					return nil, err
				} else if p {
					res.Previous++
				}
			case cur || prev:
				res.Moved++
				if prev {
					res.Previous++
				}
				if !cur && !list[i].NoValue {
					res.Missing = append(res.Missing, name)
				}
			default:
				ok, err := inDst(curUser)
				switch {
				case err != nil:
					return nil, err
				case ok:
					res.Already++
				case !list[i].NoValue:
					res.Missing = append(res.Missing, name)
				}
			}
			if opts.Progress != nil {
				opts.Progress(i+1, len(list))
			}
		}
		return nil, errNoWrite
	}, nil)
	if errors.Is(err, errNoWrite) {
		return nil
	}
	return err
}
