package keyring

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
)

// IndexFormat is the index file format this version of keyward reads and
// writes, recorded as "format = 1" at the top of the file.
const IndexFormat = 1

// DefaultIndexPath returns where the index lives unless told otherwise:
// index.toml in a keyward directory under the platform's user config
// directory ($XDG_CONFIG_HOME/keyward/index.toml on Linux).
func DefaultIndexPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the index: %w", err)
	}
	return filepath.Join(dir, "keyward", "index.toml"), nil
}

// IndexError reports an index file keyward cannot read: TOML it cannot parse,
// a field of the wrong type, a duplicate name, an invalid record or an
// unknown format. Its message reads "PATH:LINE:COL: what is wrong" (without
// LINE:COL when the place is unknown), so editors can jump to it. keyward
// never overwrites a file that fails this way.
type IndexError struct {
	Path string
	Line int // 1-based; 0 when unknown
	Col  int // 1-based byte column; 0 when unknown
	Msg  string
}

func (e *IndexError) Error() string {
	switch {
	case e.Line > 0:
		col := max(e.Col, 1)
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, col, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
}

// fileIndex is the index backend over a TOML file. Reads need no lock: every
// write replaces the file atomically, so a reader sees the old file or the
// new one, whole. Read-modify-write cycles hold an exclusive lock on a
// sibling lock file, so concurrent processes never lose each other's
// changes.
type fileIndex struct {
	path string
	// lockWait is how long Update waits for another process's lock;
	// DefaultLockWait when 0.
	lockWait time.Duration

	// last is the file Find parsed last, kept so that the reads of one
	// command (get: the record, then its value, then its previous value)
	// parse the index once. It is used only while the file's bytes are
	// the same, so it can never answer for a changed or foreign index.
	mu    sync.Mutex
	last  *parsedFile
	cache *indexCache // the cache file Find read last
	table *cacheTable // the cache table Find read last
	reads int         // the files Find read (tests)
}

// parsedFile is an index file's bytes and the records read from them.
type parsedFile struct {
	data  []byte
	stamp fileStamp // of the file when data was read; see Find
	list  []model.Secret
	// one is set when list holds only the record findOne read, not the
	// whole file: another name still needs a full parse.
	one bool
	// cache, when set, is the index cache made from data (its hash is
	// data's), which answers instead of list.
	cache *indexCache
}

func (f *fileIndex) Load(ctx context.Context, keep func(*model.Secret) bool) ([]model.Secret, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return f.cachedRead(keep)
}

// MaxIndexSize bounds the index file keyward reads: about 230,000
// secrets as keyward writes them (100,000 take about 28 MB). A larger file
// is refused before it is parsed.
const MaxIndexSize = 64 << 20

// readFile returns the index's bytes, or nil when there is no index yet. It
// reads only a regular file (a FIFO, a device or a folder is refused, and
// never blocks the open) of at most MaxIndexSize bytes.
func (f *fileIndex) readFile() ([]byte, error) {
	data, err := bounded.ReadFile(f.path, MaxIndexSize)
	if err != nil {
		return nil, f.readError(err)
	}
	return data, nil
}

// mapFile is readFile through bounded.MapFile: release unmaps data (see
// there for how to read it).
func (f *fileIndex) mapFile() (data []byte, release func(), err error) {
	data, release, err = bounded.MapFile(f.path, MaxIndexSize)
	if err != nil {
		return nil, func() {}, f.readError(err)
	}
	return data, release, nil
}

// readError is the error of a read of the index that failed with err: nil
// for a missing index (no records).
func (f *fileIndex) readError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var tl *bounded.TooLargeError
	switch {
	case errors.As(err, &tl):
		return &IndexError{Path: f.path, Msg: tl.Error()}
	case errors.Is(err, bounded.ErrNotRegular):
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &IndexError{Path: f.path, Msg: err.Error() + "; the index must be a file"}
	}
	return fmt.Errorf("read the index: %w", err)
}

// Find returns the record named name, and false when there is none. It
// parses the file only when its bytes differ from the last file Find read,
// and reads the file again unless its stamp (stampFile: device, inode,
// size, modification and change times) is that of the last read and the
// file had not been changed for a second when it was stamped; so the three
// reads of one `secrets get` read a 28 MB index once, and every write,
// hand edit or replacement is seen. The record is a copy.
func (f *fileIndex) Find(ctx context.Context, name string) (model.Secret, bool, error) {
	if err := ctx.Err(); err != nil {
		return model.Secret{}, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	stamp := stampFile(f.path, time.Now())
	// The cache answers without a read of the index when its stamp is the
	// index's (see index_cache.go); its table is read once per command,
	// and a record by a binary search of the file.
	if stamp.ok {
		if f.table == nil || !sameFile(f.table.stamp, stamp) {
			f.table.close()
			f.table, _ = readCacheTable(f.path)
		}
		if t := f.table; t != nil && sameFile(t.stamp, stamp) && (t.trusted || f.trustTable(t, stamp)) {
			if sec, found, ok := t.find(name); ok {
				return sec, found, nil
			}
			t.close()
			f.table = nil
		}
	}
	// Changed too recently for its stamp to tell (a write a moment ago):
	// the cache's table answers when the index's bytes hash to what the
	// cache was made from, the index mapped rather than read.
	if !stamp.ok && f.last == nil {
		if sec, found, ok := f.findHashed(name); ok {
			return sec, found, nil
		}
	}
	// Otherwise a cache made from the index's very bytes may answer (the
	// hash says so), for a file changed too recently for its stamp.
	if f.cache == nil || !sameFile(f.cache.stamp, stamp) {
		f.cache = nil
		if c, ok := readIndexCache(f.path); ok {
			f.cache = &c
		}
	}
	var data []byte
	if f.last != nil && stamp.ok && stamp == f.last.stamp {
		data = f.last.data
	} else {
		var err error
		f.reads++
		if data, err = f.readFile(); err != nil || data == nil {
			f.last = nil
			return model.Secret{}, false, err
		}
	}
	if f.last != nil && f.last.one && f.last.list[0].Name != name {
		f.last = nil
	}
	if f.last != nil && f.last.cache != nil && bytes.Equal(f.last.data, data) {
		f.last.stamp = stamp
		if sec, found, ok := f.last.cache.find(name); ok {
			return sec, found, nil
		}
		f.last = nil
	}
	if f.last == nil || !bytes.Equal(f.last.data, data) {
		// A cache made from these very bytes (the hash says so) answers
		// too, for a file changed too recently for its stamp to tell.
		if c := f.cache; c != nil && c.sum == sha256.Sum256(data) {
			if sec, found, ok := c.find(name); ok {
				f.last = &parsedFile{data: data, stamp: stamp, cache: c}
				f.restamp(c, stamp)
				return sec, found, nil
			}
		}
		if sec, ok := findOne(f.path, data, name); ok {
			f.last = &parsedFile{data: data, stamp: stamp, list: []model.Secret{sec}, one: true}
			return sec.Clone(), true, nil
		}
		list, err := parseIndex(f.path, data)
		if err != nil {
			f.last = nil
			return model.Secret{}, false, err
		}
		f.saveCache(list, stamp, sha256.Sum256(data), false)
		f.last = &parsedFile{data: data, list: list}
	}
	f.last.stamp = stamp
	if i := find(f.last.list, name); i >= 0 {
		return f.last.list[i].Clone(), true, nil
	}
	return model.Secret{}, false, nil
}

// findHashed finds name through the cache's table when the index's bytes,
// mapped (bounded.MapFile: no fresh 30 MB buffer at 100,000 secrets), hash
// to the sum the cache was made from; ok is false when they do not, or
// there is no such cache. The record comes from the cache file, not the
// mapping. Nothing is kept: a later Find checks again.
func (f *fileIndex) findHashed(name string) (sec model.Secret, found, ok bool) {
	t, ok := readCacheTable(f.path)
	if !ok {
		return model.Secret{}, false, false
	}
	defer t.close()
	if !f.hashesTo(t.sum) {
		return model.Secret{}, false, false
	}
	return t.find(name)
}

// hashesTo reports whether the index's bytes, mapped, hash to sum: false
// when the file cannot be mapped, or shrinks under the hash (another
// program truncated it in place).
func (f *fileIndex) hashesTo(sum [sha256.Size]byte) bool {
	data, release, err := f.mapFile()
	defer release()
	if err != nil || data == nil {
		return false
	}
	var got [sha256.Size]byte
	var shrunk error
	func() {
		defer bounded.GuardFaults()()
		defer bounded.CatchFault(&shrunk)
		got = sha256.Sum256(data)
	}()
	return shrunk == nil && got == sum
}

// trustTable makes t, a cache whose stamp is the index's settled stamp but
// which was not trusted on it when written (its index had just changed: a
// write's own cache), trusted, when the index's bytes, mapped, hash to the
// sum the cache was made from and the stamp held meanwhile: what restamp
// does for a cache read whole, here by setting the one flag in place
// (markTrusted), so that the commands after this one need no hash.
func (f *fileIndex) trustTable(t *cacheTable, stamp fileStamp) bool {
	if !f.hashesTo(t.sum) || !sameFile(stamp, stampFile(f.path, time.Now())) {
		return false
	}
	t.trusted = true
	markTrusted(f.path, t)
	return true
}

// fileStamp is what stampFile saw of a file; ok is false when it could not
// stamp it or the file changed too recently for the stamp to tell.
type fileStamp struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64
	ok           bool
}

// stampSettle is how long a file must have been left alone before its
// stamp is trusted: far more than any file system's timestamp tick.
const stampSettle = time.Second

// secretHeader is the header line of every record in a canonical index
// (encodeIndex), with the line ends around it; its name line follows.
const secretHeader = "\n[[secret]]\n"

// findOne reads name's record out of an index without decoding the others,
// so that `secrets get` costs a search of the file rather than a parse of
// every record (issue 14). It answers only when it cannot be wrong, and
// otherwise says !ok and the caller parses the whole file:
//   - the file has no multi-line string (no triple quotes), so every line is
//     a line of TOML and a "[[secret]]" line is a table header;
//   - name's header is followed by its name line exactly as encodeIndex
//     writes it, and the name in quotes nowhere else in the file (a
//     repeated name is for the full parse to report);
//   - the text before the first record and name's table, parsed together
//     as an index, give one valid record of that name (the format, and
//     every key and value of that record, checked as by the full parse).
//
// The other records are not checked: a mistake in one of them is reported
// by the next command that reads them, and by every write, which parses
// the whole file.
func findOne(path string, data []byte, name string) (model.Secret, bool) {
	if model.ValidateName(name) != nil || bytes.Contains(data, []byte(`"""`)) || bytes.Contains(data, []byte(`'''`)) {
		return model.Secret{}, false
	}
	quoted := []byte(`"` + name + `"`)
	if bytes.Count(data, quoted) != 1 || bytes.Contains(data, []byte(`'`+name+`'`)) {
		return model.Secret{}, false // written twice, or in another way
	}
	key := []byte(secretHeader + `name = "` + name + "\"\n")
	at := bytes.Index(data, key)
	if at < 0 { // once at most: key holds quoted
		return model.Secret{}, false
	}
	first := bytes.Index(data, []byte(secretHeader))
	end := len(data)
	if next := bytes.Index(data[at+len(key)-1:], []byte(secretHeader)); next >= 0 {
		end = at + len(key) - 1 + next + 1
	}
	doc := make([]byte, 0, first+1+end-at)
	doc = append(doc, data[:first+1]...)
	doc = append(doc, data[at+1:end]...)
	list, err := parseIndex(path, doc)
	if err != nil || len(list) != 1 || list[0].Name != name {
		return model.Secret{}, false
	}
	return list[0], true
}

func (f *fileIndex) Update(ctx context.Context, fn func([]model.Secret) ([]model.Secret, error), after func()) error {
	unlock, err := f.lockForWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	// A malformed index fails here, before fn, so it is never overwritten.
	list, base, err := f.readForWrite()
	if err != nil {
		return err
	}
	next, err := fn(list)
	if err != nil {
		return err
	}
	data, cache, err := encodeIndexWrite(next, base, true)
	if err != nil {
		return fmt.Errorf("write the index: %w", err)
	}
	if err := f.replace(nil, data); err != nil {
		return err
	}
	// The next read finds the records in the cache (index_cache.go) and
	// checks it against these bytes until the file has settled.
	f.saveCacheBytes(cache, stampFile(f.path, time.Now()), sha256.Sum256(data), true)
	f.finishWrite(after)
	return nil
}

// lockForWrite takes the index lock for a write (creating the index's
// directory if need be); the caller runs unlock when done.
func (f *fileIndex) lockForWrite(ctx context.Context) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the index directory: %w", err)
	}
	wait := f.lockWait
	if wait == 0 {
		wait = DefaultLockWait
	}
	return lockIndex(ctx, f.path, wait)
}

// replace writes parts as the index, durably, under the lock. check (if
// not nil) runs before the new file takes the index's place; its error
// leaves the index as it was.
func (f *fileIndex) replace(check func() error, parts ...[]byte) error {
	// The index is private: a mode someone loosened is tightened again
	// before the write, which keeps the mode of the file it replaces.
	if fi, err := os.Stat(f.path); err == nil && fi.Mode().Perm()&^0o600 != 0 {
		if err := os.Chmod(f.path, fi.Mode().Perm()&0o600); err != nil {
			return fmt.Errorf("write the index: %w", err)
		}
	}
	// Replaces the file a symlink points to (an index kept in a dotfiles
	// repository, say), not the symlink.
	if err := atomicfile.WriteParts(f.path, 0o600, check, parts...); err != nil {
		return fmt.Errorf("write the index: %w", err)
	}
	return nil
}

// finishWrite runs after (if not nil) once the index is saved, still under
// the lock, then removes what killed writers left.
func (f *fileIndex) finishWrite(after func()) {
	if after != nil {
		after()
	}
	// Under the lock no other keyward is writing the index, so temporary
	// files are leftovers of killed writers; the age is a margin for
	// writers that do not lock. Failing to remove them is not this
	// write's failure.
	_, _ = atomicfile.CleanStale(f.path, staleTempAge)
	_, _ = atomicfile.CleanStale(cachePath(f.path), staleTempAge)
}

// staleTempAge is how old a temporary index file must be before Update
// removes it as the leftover of a killed writer.
const staleTempAge = time.Minute

// indexHeader opens every index keyward writes.
// Keeping a user's comments through a rewrite would need a TOML editor
// that tracks where each comment belongs; the header says plainly that
// they go instead (issue 11, item 14).
const indexHeader = "# keyward index: names and metadata of secrets. Values live in the OS keyring\n" +
	"# or in keyward's encrypted value files, never in this file. Hand edits are\n" +
	"# fine; keyward will not overwrite a file it cannot parse. Every change keyward\n" +
	"# makes rewrites this file in its own layout: comments and blank lines added by\n" +
	"# hand are dropped.\n"

// encodeIndex writes list in the canonical layout: format = 1, then one
// [[secret]] table per secret with its fields in a fixed order and its
// metadata, keys sorted, in a [secret.metadata] table right after it. It
// refuses to write anything parseIndex would not read back exactly.
func encodeIndex(list []model.Secret) ([]byte, error) {
	b, _, err := encodeIndexWrite(list, nil, false)
	return b, err
}

// indexPreamble is what encodeIndex writes before the first record.
var indexPreamble = indexHeader + "format = " + strconv.Itoa(IndexFormat) + "\n"

// encodeIndexWrite is encodeIndex for a write: with withCache it also lays
// out the cache of list (returned as a builder, for Update to finish once
// the file is stamped). With base (the file being replaced, which the
// cache says is encodeIndex's of its records), each record whose cache
// bytes are those it had in base is copied from base's bytes rather than
// checked and encoded again: a write of one record costs a copy of the
// file and one cache encoding of every record, not a TOML encoding of
// every record (issue 14).
func encodeIndexWrite(list []model.Secret, base *writeBase, withCache bool) ([]byte, *cacheBuilder, error) {
	size := 64 + len(list)*256
	if base != nil {
		size = len(base.data) + 512
	}
	b := make([]byte, 0, size)
	b = append(b, indexPreamble...)
	var cb *cacheBuilder
	if withCache || base != nil {
		cb = newCacheBuilder(len(list))
	}
	// A name written twice is refused. The records copied from base have
	// the distinct names of a valid index, each copied once (copied); so
	// only the names of the others (changed) need looking for.
	var copied []bool
	if base != nil {
		copied = make([]bool, len(base.names))
	}
	var changed []int
	var keys []string
	for i := range list {
		s := &list[i]
		if cb != nil {
			rec := cb.add(s)
			if j, ok := base.at(i, s.Name); ok && !copied[j] && bytes.Equal(rec, base.recs[j]) {
				copied[j] = true
				b = append(b, base.data[base.spans[j]:base.spans[j+1]]...)
				continue
			}
		}
		changed = append(changed, i)
		if err := checkWritable(s); err != nil {
			return nil, nil, fmt.Errorf("secret %q: %w", model.Printable(s.Name), err)
		}
		b = appendIndexRecord(b, s, &keys)
	}
	if err := checkNamesOnce(list, changed); err != nil {
		return nil, nil, err
	}
	return b, cb, nil
}

// checkNamesOnce refuses a list in which the name of one of the records
// at changed is also another record's (the others' names are distinct).
func checkNamesOnce(list []model.Secret, changed []int) error {
	dup := func(name string) error { return fmt.Errorf("%w: %s (twice in one write)", ErrExists, name) }
	if len(changed) <= 16 {
		for _, i := range changed {
			for j := range list {
				if j != i && list[j].Name == list[i].Name {
					return dup(list[i].Name)
				}
			}
		}
		return nil
	}
	seen := make(map[string]struct{}, len(list))
	for i := range list {
		if _, ok := seen[list[i].Name]; ok {
			return dup(list[i].Name)
		}
		seen[list[i].Name] = struct{}{}
	}
	return nil
}

// appendIndexRecord appends s as encodeIndex lays a record out; keys is
// scratch space.
func appendIndexRecord(b []byte, s *model.Secret, keys *[]string) []byte {
	b = append(b, "\n[[secret]]\nname = "...)
	b = appendString(b, s.Name)
	if s.Description != "" {
		b = append(b, "\ndescription = "...)
		b = appendString(b, s.Description)
	}
	b = appendTime(b, "created_at", s.CreatedAt)
	b = appendTime(b, "updated_at", s.UpdatedAt)
	b = appendTime(b, "rotated_at", s.RotatedAt)
	b = append(b, "\nversion = "...)
	b = strconv.AppendInt(b, int64(s.Version), 10)
	if s.RotateEvery != 0 {
		b = append(b, "\nrotate_every = "...)
		b = appendString(b, s.RotateEvery.String())
	}
	if s.NoValue {
		b = append(b, "\nno_value = true"...)
	}
	if s.SlotsSwapped {
		b = append(b, "\nslots_swapped = true"...)
	}
	if g := s.Generated; g != nil {
		b = append(b, "\ngenerate_length = "...)
		b = strconv.AppendInt(b, int64(g.Length), 10)
		if g.Symbols {
			b = append(b, "\ngenerate_symbols = true"...)
		}
	}
	b = append(b, '\n')
	if len(s.Metadata) > 0 {
		*keys = (*keys)[:0]
		for k := range s.Metadata {
			*keys = append(*keys, k)
		}
		slices.Sort(*keys)
		b = append(b, "\n[secret.metadata]\n"...)
		for _, k := range *keys {
			b = appendKey(b, k)
			b = append(b, " = "...)
			b = appendString(b, s.Metadata[k])
			b = append(b, '\n')
		}
	}
	for j := range s.Sync {
		b = appendSync(b, &s.Sync[j])
	}
	return b
}

// appendSync writes one [[secret.sync]] table; fields that are empty or zero
// (but the target and the version) are left out.
func appendSync(b []byte, st *model.SyncState) []byte {
	b = append(b, "\n[[secret.sync]]\ntarget = "...)
	b = appendString(b, st.Target)
	if st.RemoteID != "" {
		b = append(b, "\nremote_id = "...)
		b = appendString(b, st.RemoteID)
	}
	b = append(b, "\nversion = "...)
	b = strconv.AppendInt(b, int64(st.Version), 10)
	if st.Fingerprint != "" {
		b = append(b, "\nfingerprint = "...)
		b = appendString(b, st.Fingerprint)
	}
	b = appendTime(b, "remote_updated_at", st.RemoteUpdatedAt)
	if st.Generation != 0 {
		b = append(b, "\ngeneration = "...)
		b = strconv.AppendInt(b, st.Generation, 10)
	}
	b = appendTime(b, "pushed_at", st.PushedAt)
	return append(b, '\n')
}

// checkWritable holds a record to the rules parseIndex enforces, plus what
// the file format can represent.
func checkWritable(s *model.Secret) error {
	if err := s.ValidateStored(); err != nil {
		return err
	}
	if !utf8.ValidString(s.Description) {
		return errors.New("description is not valid UTF-8")
	}
	if s.Version < 0 {
		return errors.New("version must not be negative")
	}
	if s.RotateEvery%model.Duration(time.Hour) != 0 {
		return errors.New("rotate_every must be a whole number of hours")
	}
	for i := range s.Sync {
		st := &s.Sync[i]
		for _, v := range []string{st.Target, st.RemoteID, st.Fingerprint} {
			if !utf8.ValidString(v) {
				return fmt.Errorf("sync %d: not valid UTF-8", i+1)
			}
		}
		if err := checkSync(s.Sync, i); err != nil {
			return err
		}
	}
	return checkTimes(s)
}

// checkTimes refuses times that RFC 3339 cannot write in UTC. A file can
// hold one (0000-01-01T00:00:00+01:00 is the year -1 in UTC), so the
// readers check too.
func checkTimes(s *model.Secret) error {
	if err := checkTime(s.CreatedAt, s.UpdatedAt, s.RotatedAt); err != nil {
		return err
	}
	for i := range s.Sync {
		if err := checkTime(s.Sync[i].RemoteUpdatedAt, s.Sync[i].PushedAt); err != nil {
			return err
		}
	}
	return nil
}

func checkTime(times ...time.Time) error {
	for _, t := range times {
		if y := t.UTC().Year(); !t.IsZero() && (y < 0 || y > 9999) {
			return fmt.Errorf("time %s is outside the years 0 to 9999", t.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// checkSync holds the sync state list[i] to the rules of the index: a
// target, not already used by an earlier entry, and no negative numbers.
func checkSync(list []model.SyncState, i int) error {
	st := &list[i]
	switch {
	case st.Target == "":
		return fmt.Errorf("sync %d has no target", i+1)
	case st.Version < 0:
		return fmt.Errorf("sync %d: version must not be negative", i+1)
	case st.Generation < 0:
		return fmt.Errorf("sync %d: generation must not be negative", i+1)
	}
	for j := range i {
		if list[j].Target == st.Target {
			return fmt.Errorf("sync target %q appears twice (sync %d and %d); keep one", model.Printable(st.Target), j+1, i+1)
		}
	}
	return nil
}

func appendTime(b []byte, key string, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = append(b, '\n')
	b = append(b, key...)
	b = append(b, " = "...)
	return t.UTC().AppendFormat(b, time.RFC3339Nano)
}

// appendKey writes a TOML key: bare when it can be, quoted otherwise.
func appendKey(b []byte, k string) []byte {
	if isBareKey(k) {
		return append(b, k...)
	}
	return appendString(b, k)
}

func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isBareKeyByte(k[i]) {
			return false
		}
	}
	return true
}

func isBareKeyByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// appendString writes s as a one-line TOML basic string. Control characters
// and invisible formatting characters (bidi overrides, zero-width spaces)
// are escaped, so that viewing the file in a terminal shows what is in it.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				b = append(b, `\"`...)
			case c == '\\':
				b = append(b, `\\`...)
			case c == '\n':
				b = append(b, `\n`...)
			case c == '\t':
				b = append(b, `\t`...)
			case c == '\r':
				b = append(b, `\r`...)
			case c < 0x20 || c == 0x7f:
				b = appendUnicodeEscape(b, rune(c))
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		// Invalid UTF-8 is refused by checkWritable before we get here.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			b = appendUnicodeEscape(b, r)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func appendUnicodeEscape(b []byte, r rune) []byte {
	const hex = "0123456789ABCDEF"
	if r > 0xffff {
		b = append(b, `\U`...)
		for shift := 28; shift >= 0; shift -= 4 {
			b = append(b, hex[(r>>uint(shift))&0xf])
		}
		return b
	}
	b = append(b, `\u`...)
	for shift := 12; shift >= 0; shift -= 4 {
		b = append(b, hex[(r>>uint(shift))&0xf])
	}
	return b
}

// rawIndex is an index file as parsed, before the checks that need the whole
// file (format, duplicates, record rules).
type rawIndex struct {
	format    int64
	formatSet bool
	entries   []rawEntry
	// where finds the line and column of what an error is about; 0, 0 when
	// unknown. The fast path knows where it read everything; the TOML
	// path asks a locator.
	where func(place) (line, col int)
}

// rawEntry is one [[secret]] table, with the numbers whose range the checks
// decide.
type rawEntry struct {
	sec          model.Secret
	rotateEvery  string
	version      int64
	syncVersions []int64 // of sec.Sync, in order
	// generate_length (when genSet) and generate_symbols.
	genLength  int64
	genSet     bool
	genSymbols bool
}

// place is what an error is about: a key (nil for the table's header) in
// the top level (entry -1), in the entry'th [[secret]] table, or in its
// sync'th [[secret.sync]] table (sync -1 for the secret's own table).
type place struct {
	entry, sync int
	key         []string
}

func topKey(key string) place              { return place{entry: -1, sync: -1, key: []string{key}} }
func secretTable(i int) place              { return place{entry: i, sync: -1} }
func secretKey(i int, key ...string) place { return place{entry: i, sync: -1, key: key} }
func syncTable(i, j int) place             { return place{entry: i, sync: j} }

// parseIndex reads an index file. Files keyward wrote (and hand edits that
// keep their layout) take a fast line-by-line path; anything else is decoded
// by github.com/BurntSushi/toml, the reader of record. Both produce the same
// result for a file the fast path accepts (FuzzParseIndex checks this).
//
// Both run only on a file of at most MaxIndexSize bytes, and the decoder only
// on one nested at most bounded.MaxNesting deep: its memory grows with the
// square of the depth (20 KB of nested inline tables took 1.1 GB).
func parseIndex(path string, data []byte) ([]model.Secret, error) {
	if len(data) > MaxIndexSize {
		return nil, &IndexError{Path: path, Msg: (&bounded.TooLargeError{Size: int64(len(data)), Limit: MaxIndexSize}).Error()}
	}
	raw, ok := parseCanonical(data)
	if !ok {
		if list, ok := parseByRecord(path, data); ok {
			return list, nil
		}
		if err := bounded.TOML(data, bounded.MaxNesting); err != nil {
			var td *bounded.TooDeepError
			errors.As(err, &td)
			return nil, &IndexError{Path: path, Line: td.Line, Col: 1, Msg: fmt.Sprintf("nested too deep (limit %d); the index holds [[secret]] tables, each at most 3 deep", td.Limit)}
		}
		var err error
		raw, err = parseTOML(path, data)
		if err != nil {
			return nil, err
		}
	}
	return raw.check(path)
}

// parseByRecord reads an index the fast path refuses one piece at a time,
// cut before each line that is exactly "[[secret]]": each piece through the
// fast path when it can, and only the pieces it refuses through the TOML
// decoder, so that one hand edit outside keyward's layout costs the decode
// of its record, not of the whole file (issue 14: a 100,000-secret index
// with one such edit was 8.6 times slower to list). It answers only when
// every piece reads and the records pass every check; otherwise (a file
// with an error, whose message needs the whole file's lines, or one with
// multi-line strings, inside which such a line need not be a table) it
// says !ok and the caller reads the whole file. A "[[secret]]" line inside
// any other construct leaves the piece before it unfinished, which no
// reader accepts. FuzzParseIndex checks that it reads what the decoder
// reads from the whole file.
func parseByRecord(path string, data []byte) ([]model.Secret, bool) {
	const cut = "\n[[secret]]\n"
	if !bytes.Contains(data, []byte(cut)) || bytes.Contains(data, []byte(`"""`)) || bytes.Contains(data, []byte(`'''`)) {
		return nil, false
	}
	all := &rawIndex{where: func(place) (int, int) { return 0, 0 }}
	for piece, rest := 0, data; len(rest) > 0; piece++ {
		n := bytes.Index(rest, []byte(cut))
		if n < 0 {
			n = len(rest)
		} else {
			n++ // the piece keeps its last line's end
		}
		chunk := rest[:n]
		rest = rest[n:]
		raw, ok := parseCanonical(chunk)
		if !ok {
			if bounded.TOML(chunk, bounded.MaxNesting) != nil {
				return nil, false
			}
			var err error
			if raw, err = parseTOML(path, chunk); err != nil {
				return nil, false
			}
		}
		if piece == 0 {
			all.format, all.formatSet = raw.format, raw.formatSet
		} else if raw.formatSet {
			return nil, false
		}
		all.entries = append(all.entries, raw.entries...)
	}
	list, err := all.check(path)
	if err != nil {
		return nil, false
	}
	return list, true
}

// errorAt returns an IndexError about p.
func (raw *rawIndex) errorAt(path string, p place, format string, args ...any) *IndexError {
	line, col := raw.where(p)
	return &IndexError{Path: path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// checkFormat refuses an index from another version of keyward. The TOML
// path calls it before its own checks, so that a newer file's new keys are
// reported as a newer format, not as unknown keys.
func (raw *rawIndex) checkFormat(path string) error {
	if raw.formatSet && raw.format != IndexFormat {
		return raw.errorAt(path, topKey("format"),
			"unknown index format %d; this keyward reads format %d (is the file from a newer keyward?)", raw.format, IndexFormat)
	}
	return nil
}

func (raw *rawIndex) check(path string) ([]model.Secret, error) {
	if err := raw.checkFormat(path); err != nil {
		return nil, err
	}
	out := make([]model.Secret, 0, len(raw.entries))
	// Names in strictly increasing order cannot repeat, so the map that
	// finds a repeated name is built only once the order breaks (a file
	// kept sorted by name never needs it).
	var firstAt map[string]int
	for i := range raw.entries {
		e := &raw.entries[i]
		at := func(msg string, args ...any) error {
			return raw.errorAt(path, secretTable(i), msg, args...)
		}
		if e.sec.Name == "" {
			return nil, at("[[secret]] table without a name")
		}
		if err := model.ValidateName(e.sec.Name); err != nil {
			return nil, raw.errorAt(path, secretKey(i, "name"), "secret %s", err)
		}
		name := e.sec.Name
		if firstAt == nil && i > 0 && name <= raw.entries[i-1].sec.Name {
			firstAt = make(map[string]int, len(raw.entries))
			for k := range i {
				firstAt[raw.entries[k].sec.Name] = k
			}
		}
		if j, dup := firstAt[name]; dup {
			first, _ := raw.where(secretTable(j))
			if this, _ := raw.where(secretTable(i)); first > 0 && this > 0 {
				return nil, at("secret %s is defined twice, at lines %d and %d; remove or rename one", name, first, this)
			}
			return nil, at("secret %s is defined twice (tables %d and %d); remove or rename one", name, j+1, i+1)
		}
		if firstAt != nil {
			firstAt[name] = i
		}
		if e.rotateEvery != "" {
			d, err := model.ParseDuration(e.rotateEvery)
			if err != nil {
				return nil, at("secret %s: %v", name, err)
			}
			// model.ParseDuration keeps it within model.MaxDuration, in
			// whole hours, which is all encodeIndex can write back.
			if d < 0 || d%model.Duration(time.Hour) != 0 {
				return nil, at("secret %s: rotate_every %q is too long", name, model.Printable(e.rotateEvery))
			}
			e.sec.RotateEvery = d
		}
		if e.version < 0 || e.version > 1<<31-1 {
			return nil, at("secret %s: version %d is out of range", name, e.version)
		}
		e.sec.Version = int(e.version)
		switch {
		case e.genSet:
			if e.genLength < model.MinGenerateLength || e.genLength > model.MaxGenerateLength {
				return nil, at("secret %s: generate_length %d is out of range (%d to %d)", name, e.genLength, model.MinGenerateLength, model.MaxGenerateLength)
			}
			e.sec.Generated = &model.GenSpec{Length: int(e.genLength), Symbols: e.genSymbols}
		case e.genSymbols:
			return nil, at("secret %s: generate_symbols without generate_length", name)
		}
		if len(e.sec.Metadata) == 0 {
			e.sec.Metadata = nil
		}
		// plainRecord answers for most records without ValidateStored's
		// map walk in rune steps; the name was checked above. A record
		// is held to the rules keyward always had, not to the newer
		// limits on input (model.Secret.ValidateStored says why).
		if !plainRecord(&e.sec) {
			if err := e.sec.ValidateStored(); err != nil {
				return nil, at("secret %s: %v", name, err)
			}
		}
		if len(e.sec.Sync) == 0 {
			e.sec.Sync = nil
		}
		if err := checkTimes(&e.sec); err != nil {
			return nil, at("secret %s: %v", name, err)
		}
		for j := range e.sec.Sync {
			v := e.syncVersions[j]
			if v < 0 || v > 1<<31-1 {
				return nil, raw.errorAt(path, syncTable(i, j), "secret %s: sync %d: version %d is out of range", name, j+1, v)
			}
			e.sec.Sync[j].Version = int(v)
			if err := checkSync(e.sec.Sync, j); err != nil {
				return nil, raw.errorAt(path, syncTable(i, j), "secret %s: %v", name, err)
			}
		}
		out = append(out, e.sec)
	}
	return out, nil
}

// plainRecord reports, cheaply, that s passes model's ValidateStored given a
// valid name: a description and metadata of printable ASCII, keys not empty
// and without '=', no negative policy. Anything else goes through
// ValidateStored (FuzzParseIndex checks that every record read passes it).
func plainRecord(s *model.Secret) bool {
	if s.RotateEvery < 0 || !printableASCII(s.Description) {
		return false
	}
	for k, v := range s.Metadata {
		if k == "" || !printableASCII(k) || strings.IndexByte(k, '=') >= 0 || !printableASCII(v) {
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// recordSpans returns where each of n records begins in data, which
// encodeIndex wrote for them, and len(data) last; nil unless data has the
// layout encodeIndex gives (its preamble, then one "\n[[secret]]\n" per
// record: encodeIndex escapes every newline inside a string, so the line
// can be nothing else).
func recordSpans(n int, data []byte) []int {
	if n == 0 || !bytes.HasPrefix(data, []byte(indexPreamble)) {
		return nil
	}
	spans := make([]int, 0, n+1)
	header := []byte(secretHeader)
	for at := len(indexPreamble); at < len(data); {
		if !bytes.HasPrefix(data[at:], header) || len(spans) == n {
			return nil
		}
		spans = append(spans, at)
		next := bytes.Index(data[at+len(header):], header)
		if next < 0 {
			at = len(data)
		} else {
			at += len(header) + next
		}
	}
	if len(spans) != n {
		return nil
	}
	return append(spans, len(data))
}
