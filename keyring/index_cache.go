package keyring

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
)

// The index cache (issue 14) is a binary copy of the records parseIndex
// read from the index, kept beside it as INDEX.cache, so that a command
// that reads the index decodes a compact file instead of parsing and
// checking TOML: a 100,000-secret list reads in a fraction of the parse's
// time, and get finds its one record by a binary search. The TOML file
// stays the only source of truth: the cache is a function of the index's
// bytes, rebuilt from them whenever it cannot prove it was made from the
// bytes the index holds now, and losing it (or deleting it) costs only the
// next read's parse.
//
// It answers for the index only when:
//   - its header, checksum and layout are whole (a truncated, torn or
//     garbled cache is a miss), and
//   - either the SHA-256 of the index's bytes is the one it was made from,
//   - or, without reading the index, the index's stamp (stampFile: device,
//     inode, size, modification and change times) is the one it was made
//     from, and the index had been left alone long enough when the cache
//     was made (stampFile: a second, or tickSettle where the file system
//     keeps times to the kernel's tick). A change within the file system's
//     timestamp tick after that is not possible without changing the
//     stamp. A cache made from an index changed just before (every write's
//     own cache, say) is checked by its hash until a later read finds the
//     index settled and stamps it (restamp, or markTrusted in place).
//
// So a hand edit within the same second, a copy of another index (of the
// same size, or with its times kept) and a cache from another index are
// each seen as a change (index_cache_test.go).
//
// The cache is written without fsync (a lost or torn cache is a miss), as
// a private file renamed into place, never through a symlink; the one
// change made in place is markTrusted's flag. It holds what
// the index holds: names and metadata, never a value.

// indexCacheMagic opens every cache file; the number is the layout's
// version. Change it whenever the layout, model.Secret or the rules
// parseIndex holds records to change, so that no cache made by another
// keyward is read (TestIndexCacheFields notices new fields).
const indexCacheMagic = "keyward index cache 2\n"

// cacheHeaderSize is the magic, a flags byte, the stamp (five 8-byte
// numbers), the SHA-256 of the index, the payload's CRC-32C and its
// length, the number of records and the CRC-32C of the table of offsets.
const cacheHeaderSize = len(indexCacheMagic) + 1 + 5*8 + sha256.Size + 4 + 8 + 4 + 4

// The header's flags.
const (
	// cacheTrusted: the stamp alone proves the cache current.
	cacheTrusted = 1 << iota
	// cacheCanonical: the index's bytes are exactly what encodeIndex
	// writes for the cached records, so a write may copy the records it
	// does not change (encodeIndexWrite).
	cacheCanonical
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// cachePath is where the cache of the index at path lives.
func cachePath(path string) string { return path + ".cache" }

// indexCache is a cache file read whole and checked.
type indexCache struct {
	trusted   bool
	canonical bool
	stamp     fileStamp
	sum       [sha256.Size]byte
	payload   []byte
	head      cacheHead
}

// sameFile reports whether two stamps are of the same file unchanged.
func sameFile(a, b fileStamp) bool {
	return a.dev == b.dev && a.ino == b.ino && a.size == b.size && a.mtime == b.mtime && a.ctime == b.ctime
}

// readIndexCache reads and checks the cache of the index at path; false
// when there is none, or it is not whole.
func readIndexCache(path string) (indexCache, bool) {
	c, _, ok := loadIndexCache(path, func(p string, limit int64) ([]byte, func(), error) {
		data, err := bounded.ReadFile(p, limit)
		return data, nil, err
	})
	return c, ok
}

// mapIndexCache is readIndexCache through bounded.MapFile: release unmaps
// the payload, which the caller reads with bounded.GuardFaults in place.
func mapIndexCache(path string) (c indexCache, release func(), ok bool) {
	c, release, ok = loadIndexCache(path, bounded.MapFile)
	if release == nil {
		release = func() {}
	}
	return c, release, ok
}

// loadIndexCache reads the cache of the index at path with read (whose
// release, when not nil, is returned to the caller, even for a cache that
// is not used).
func loadIndexCache(path string, read func(p string, limit int64) ([]byte, func(), error)) (indexCache, func(), bool) {
	p := cachePath(path)
	// bounded refuses what is not a regular file; a symlink is refused
	// here, so that nothing but keyward's own file is read.
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		return indexCache{}, nil, false
	}
	data, release, err := read(p, 2*MaxIndexSize)
	if err != nil {
		return indexCache{}, nil, false
	}
	c, ok := parseIndexCache(data)
	return c, release, ok
}

func parseIndexCache(data []byte) (indexCache, bool) {
	c, h, ok := parseCacheHeader(data)
	if !ok || int64(len(data)) != int64(cacheHeaderSize)+h.payloadLen {
		return indexCache{}, false
	}
	c.payload = data[cacheHeaderSize:]
	if crc32.Checksum(c.payload, castagnoli) != h.payloadCRC {
		return indexCache{}, false
	}
	c.head = h
	return c, true
}

// cacheHead is what the header says of the payload.
type cacheHead struct {
	payloadLen             int64
	payloadCRC, offsetsCRC uint32
	count                  int
}

// parseCacheHeader reads the header at the start of data (at least
// cacheHeaderSize bytes); the payload is not checked.
func parseCacheHeader(data []byte) (indexCache, cacheHead, bool) {
	if len(data) < cacheHeaderSize || string(data[:len(indexCacheMagic)]) != indexCacheMagic {
		return indexCache{}, cacheHead{}, false
	}
	h := data[len(indexCacheMagic):]
	var c indexCache
	c.trusted = h[0]&cacheTrusted != 0
	c.canonical = h[0]&cacheCanonical != 0
	h = h[1:]
	le := binary.LittleEndian
	c.stamp = fileStamp{
		dev: le.Uint64(h), ino: le.Uint64(h[8:]), size: int64(le.Uint64(h[16:])),
		mtime: int64(le.Uint64(h[24:])), ctime: int64(le.Uint64(h[32:])),
	}
	h = h[40:]
	copy(c.sum[:], h)
	h = h[sha256.Size:]
	head := cacheHead{payloadCRC: le.Uint32(h), payloadLen: int64(le.Uint64(h[4:])),
		count: int(le.Uint32(h[12:])), offsetsCRC: le.Uint32(h[16:])}
	if head.payloadLen < 0 || head.payloadLen > 2*MaxIndexSize || int64(head.count)*4 > head.payloadLen {
		return indexCache{}, cacheHead{}, false
	}
	return c, head, true
}

// encodeIndexCache lays out a cache of list, read from an index whose
// bytes hash to sum and which stamp describes.
//
// The payload is the number of records, the records in the index's order,
// then the payload offset of each record (4 bytes) in the order of their
// names, for Find's binary search. A record is its fields in the order of
// model.Secret (strings as a length and bytes, numbers as varints, times
// as a flag byte, 0 for the zero time, then seconds and nanoseconds), then
// the CRC-32C of those bytes, so that Find can check the few records it
// reads (findInCacheFile) without reading the whole file.
func encodeIndexCache(list []model.Secret, stamp fileStamp, sum [sha256.Size]byte, trusted, canonical bool) []byte {
	return newCacheOf(list).finish(stamp, sum, trusted, canonical)
}

// newCacheOf is a cache builder given every record of list.
func newCacheOf(list []model.Secret) *cacheBuilder {
	cb := newCacheBuilder(len(list))
	for i := range list {
		cb.add(&list[i])
	}
	return cb
}

// cacheBuilder lays a cache out record by record.
type cacheBuilder struct {
	b       []byte // the header's room, then the payload
	offsets []uint32
	names   []string
}

func newCacheBuilder(n int) *cacheBuilder {
	b := make([]byte, cacheHeaderSize, cacheHeaderSize+n*160)
	return &cacheBuilder{b: binary.AppendUvarint(b, uint64(n)), offsets: make([]uint32, 0, n), names: make([]string, 0, n)}
}

// add appends s and returns its bytes (with their checksum). The builder
// must be given as many records as newCacheBuilder was told.
func (cb *cacheBuilder) add(s *model.Secret) []byte {
	start := len(cb.b)
	cb.offsets = append(cb.offsets, uint32(start-cacheHeaderSize))
	cb.names = append(cb.names, s.Name)
	cb.b = appendCacheRecord(cb.b, s)
	cb.b = binary.LittleEndian.AppendUint32(cb.b, crc32.Checksum(cb.b[start:], castagnoli))
	return cb.b[start:]
}

// finish appends the table of offsets and fills the header in.
func (cb *cacheBuilder) finish(stamp fileStamp, sum [sha256.Size]byte, trusted, canonical bool) []byte {
	b := cb.b
	table := len(b)
	order := make([]int, len(cb.names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return strings.Compare(cb.names[x], cb.names[y]) })
	for _, i := range order {
		b = binary.LittleEndian.AppendUint32(b, cb.offsets[i])
	}

	payload := b[cacheHeaderSize:]
	head := cacheHead{payloadLen: int64(len(payload)), payloadCRC: crc32.Checksum(payload, castagnoli),
		count: len(cb.names), offsetsCRC: crc32.Checksum(b[table:], castagnoli)}
	putCacheHeader(b[:0], stamp, sum, trusted, canonical, head)
	return b
}

// putCacheHeader appends the header to h, which has room for it.
func putCacheHeader(h []byte, stamp fileStamp, sum [sha256.Size]byte, trusted, canonical bool, head cacheHead) {
	h = append(h, indexCacheMagic...)
	var flags byte
	if trusted {
		flags |= cacheTrusted
	}
	if canonical {
		flags |= cacheCanonical
	}
	h = append(h, flags)
	le := binary.LittleEndian
	h = le.AppendUint64(h, stamp.dev)
	h = le.AppendUint64(h, stamp.ino)
	h = le.AppendUint64(h, uint64(stamp.size))
	h = le.AppendUint64(h, uint64(stamp.mtime))
	h = le.AppendUint64(h, uint64(stamp.ctime))
	h = append(h, sum[:]...)
	h = le.AppendUint32(h, head.payloadCRC)
	h = le.AppendUint64(h, uint64(head.payloadLen))
	h = le.AppendUint32(h, uint32(head.count))
	le.AppendUint32(h, head.offsetsCRC)
}

// restamp writes c again with the index's stamp now, when the index it
// was checked against by hash has settled: the next reads need neither
// the index nor a hash. The payload is written as it is, from where it
// was read.
func (f *fileIndex) restamp(c *indexCache, stamp fileStamp) {
	if !stamp.ok || (c.trusted && sameFile(c.stamp, stamp)) {
		return
	}
	h := make([]byte, cacheHeaderSize)
	putCacheHeader(h[:0], stamp, c.sum, true, c.canonical, c.head)
	f.writeCacheParts(stamp, h, c.payload)
}

// markTrusted sets, in place, the trusted flag of the cache file t was
// read from, t's stamp being the index's (see fileIndex.trustTable): the
// one byte in which the file differs from what restamp would write. A
// cache is otherwise only ever replaced whole; one byte cannot be seen half
// written, and it goes only into the file t has open (the same device and
// inode through the path, which must not be a symlink), or nowhere.
func markTrusted(path string, t *cacheTable) {
	p := cachePath(path)
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		return
	}
	file, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer file.Close()
	opened, err := file.Stat()
	if err != nil {
		return
	}
	if read, err := t.file.Stat(); err != nil || !os.SameFile(opened, read) {
		return
	}
	flags := byte(cacheTrusted)
	if t.canonical {
		flags |= cacheCanonical
	}
	_, _ = file.WriteAt([]byte{flags}, int64(len(indexCacheMagic)))
}

func appendCacheString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendCacheTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// The flags byte of a record.
const (
	cacheNoValue = 1 << iota
	cacheGenerated
	cacheSymbols
	cacheSwapped
)

func appendCacheRecord(b []byte, s *model.Secret) []byte {
	b = appendCacheString(b, s.Name)
	b = appendCacheString(b, s.Description)
	b = binary.AppendUvarint(b, uint64(len(s.Metadata)))
	var room [8]string // most records have a few keys: no allocation
	keys := room[:0]
	for k := range s.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendCacheString(b, k)
		b = appendCacheString(b, s.Metadata[k])
	}
	b = appendCacheTime(b, s.CreatedAt)
	b = appendCacheTime(b, s.UpdatedAt)
	b = appendCacheTime(b, s.RotatedAt)
	b = binary.AppendVarint(b, int64(s.Version))
	b = binary.AppendVarint(b, int64(s.RotateEvery))
	var flags byte
	if s.NoValue {
		flags |= cacheNoValue
	}
	if s.SlotsSwapped {
		flags |= cacheSwapped
	}
	if g := s.Generated; g != nil {
		flags |= cacheGenerated
		if g.Symbols {
			flags |= cacheSymbols
		}
	}
	b = append(b, flags)
	if g := s.Generated; g != nil {
		b = binary.AppendVarint(b, int64(g.Length))
	}
	b = binary.AppendUvarint(b, uint64(len(s.Sync)))
	for i := range s.Sync {
		st := &s.Sync[i]
		b = appendCacheString(b, st.Target)
		b = appendCacheString(b, st.RemoteID)
		b = binary.AppendVarint(b, int64(st.Version))
		b = appendCacheString(b, st.Fingerprint)
		b = appendCacheTime(b, st.RemoteUpdatedAt)
		b = binary.AppendVarint(b, st.Generation)
		b = appendCacheTime(b, st.PushedAt)
	}
	return b
}

// cacheReader decodes a payload. Strings are substrings of one string over
// the payload's bytes, which are never written again: no copy per string.
type cacheReader struct {
	b   []byte
	s   string
	i   int
	bad bool
	// shared, when not nil, gives records whose metadata is the same bytes
	// one map between them (sharedMetadata).
	shared  map[string]map[string]string
	repeats int // records that shared an earlier one's map
	// arena, when not nil, is where strings are copied to: b is a buffer
	// that will be written again (a streamed read, streamList).
	arena *stringArena
}

// maxSharedMetadata bounds how many distinct metadata maps a reader
// remembers for sharing: an index whose every record has metadata of its
// own then costs the reader a small table, not a second index.
const maxSharedMetadata = 4096

func newCacheReader(payload []byte) *cacheReader {
	return &cacheReader{b: payload, s: unsafe.String(unsafe.SliceData(payload), len(payload))}
}

func (r *cacheReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b[min(r.i, len(r.b)):])
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.i += n
	return v
}

func (r *cacheReader) varint() int64 {
	v, n := binary.Varint(r.b[min(r.i, len(r.b)):])
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.i += n
	return v
}

// count reads a number of items, each at least one byte long.
func (r *cacheReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)-min(r.i, len(r.b))) {
		r.bad = true
		return 0
	}
	return int(n)
}

func (r *cacheReader) int32() int {
	v := r.varint()
	if v < 0 || v > 1<<31-1 {
		r.bad = true
		return 0
	}
	return int(v)
}

func (r *cacheReader) byte() byte {
	if r.i >= len(r.b) {
		r.bad = true
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *cacheReader) str() string {
	n := r.count()
	if r.bad {
		return ""
	}
	s := r.s[r.i : r.i+n]
	r.i += n
	if r.arena != nil {
		return r.arena.clone(s)
	}
	return s
}

// skipStr reads past a string.
func (r *cacheReader) skipStr() {
	if n := r.count(); !r.bad {
		r.i += n
	}
}

func (r *cacheReader) time() time.Time {
	if r.byte() == 0 {
		return time.Time{}
	}
	sec := r.varint()
	nsec := r.uvarint()
	if nsec >= 1e9 {
		r.bad = true
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// record decodes one record into s. With scratch not nil, the metadata is
// put in scratch (cleared first) rather than a new map. With verify, the
// record's own checksum is checked (a reader of the whole payload checks
// the payload's instead).
func (r *cacheReader) record(s *model.Secret, scratch map[string]string, verify bool) {
	start := r.i
	defer func() {
		if r.bad || r.i+4 > len(r.b) ||
			(verify && crc32.Checksum(r.b[start:r.i], castagnoli) != binary.LittleEndian.Uint32(r.b[r.i:])) {
			r.bad = true
			return
		}
		r.i += 4
	}()
	s.Name = r.str()
	s.Description = r.str()
	if r.shared != nil {
		s.Metadata = r.sharedMetadata()
	} else if n := r.count(); n > 0 {
		if scratch != nil {
			clear(scratch)
			s.Metadata = scratch
		} else {
			s.Metadata = make(map[string]string, n)
		}
		for range n {
			k := r.str()
			s.Metadata[k] = r.str()
		}
	}
	s.CreatedAt = r.time()
	s.UpdatedAt = r.time()
	s.RotatedAt = r.time()
	s.Version = r.int32()
	s.RotateEvery = model.Duration(r.varint())
	flags := r.byte()
	s.NoValue = flags&cacheNoValue != 0
	s.SlotsSwapped = flags&cacheSwapped != 0
	if flags&cacheGenerated != 0 {
		s.Generated = &model.GenSpec{Length: r.int32(), Symbols: flags&cacheSymbols != 0}
	}
	if n := r.count(); n > 0 {
		s.Sync = make([]model.SyncState, n)
		for i := range s.Sync {
			st := &s.Sync[i]
			st.Target = r.str()
			st.RemoteID = r.str()
			st.Version = r.int32()
			st.Fingerprint = r.str()
			st.RemoteUpdatedAt = r.time()
			st.Generation = r.varint()
			st.PushedAt = r.time()
		}
	}
}

// sharedMetadata decodes a record's metadata into the map of an earlier
// record whose metadata was the same bytes, or into a new map that later
// ones may share. Records generated per tenant or environment repeat a few
// sets of metadata: 100,000 maps of their own were about 33 MB and a third
// of a 100,000-record List (page faults on fresh memory, mostly). Only
// List's records share maps, never those a write changes in place
// (records).
func (r *cacheReader) sharedMetadata() map[string]string {
	start := r.i
	n := r.count()
	for range 2 * n {
		r.skipStr() // the key, then the value
	}
	if r.bad || n == 0 {
		return nil
	}
	span := r.s[start:r.i]
	// A full table without a repeat is an index of distinct metadata:
	// look no more.
	if len(r.shared) < maxSharedMetadata || r.repeats > 0 {
		if md, ok := r.shared[span]; ok {
			r.repeats++
			return md
		}
	}
	r.i = start
	md := make(map[string]string, r.count())
	for range n {
		k := r.str()
		md[k] = r.str()
	}
	if len(r.shared) < maxSharedMetadata {
		r.shared[strings.Clone(span)] = md // span may be of a buffer read again
	}
	return md
}

// list decodes the records keep accepts (all when keep is nil); false
// when the payload is not whole. A record keep refuses costs no
// allocation: it is decoded into one scratch record.
func (c *indexCache) list(keep func(*model.Secret) bool) ([]model.Secret, bool) {
	r := newCacheReader(c.payload)
	n := r.count()
	if r.bad {
		return nil, false
	}
	if keep == nil {
		list := make([]model.Secret, n)
		r.shared = map[string]map[string]string{}
		for i := range list {
			if r.record(&list[i], nil, false); r.bad {
				return nil, false
			}
		}
		return list, len(r.b)-r.i == 4*n
	}
	var list []model.Secret
	scratch := map[string]string{}
	var s model.Secret // one record for every one decoded: keep's pointer escapes
	for range n {
		s = model.Secret{}
		if r.record(&s, scratch, false); r.bad {
			return nil, false
		}
		if keep(&s) {
			list = append(list, s.Clone())
		}
	}
	if list == nil {
		list = []model.Secret{}
	}
	return list, len(r.b)-r.i == 4*n
}

// find is locate for a read: the record named name alone; ok is false
// when the payload is not whole.
func (c *indexCache) find(name string) (sec model.Secret, found, ok bool) {
	_, _, _, sec, found, ok = c.locate(name)
	return sec, found, ok
}

// cachedRead returns the index's records through its cache when the cache
// is current, and otherwise parses the index and leaves a cache for the
// next read.
func (f *fileIndex) cachedRead(keep func(*model.Secret) bool) (list []model.Secret, err error) {
	before := stampFile(f.path, time.Now())
	if before.ok {
		if list, ok := streamTrustedList(f.path, before, keep); ok {
			return list, nil
		}
	}
	c, cached := readIndexCache(f.path)
	if cached && c.trusted && before.ok && sameFile(c.stamp, before) {
		if list, ok := c.list(keep); ok {
			return list, nil
		}
		cached = false
	}
	data, err := f.readFile()
	if err != nil || data == nil {
		// No index yet is an empty store. A non-nil slice, so callers that
		// print JSON print [] rather than null.
		return []model.Secret{}, err
	}
	sum := sha256.Sum256(data)
	if cached && c.sum == sum {
		// Stamp it afresh when that lets the next read skip the hash.
		f.restamp(&c, before)
		if list, ok := c.list(keep); ok {
			return list, nil
		}
	}
	list, err = parseIndex(f.path, data)
	if err != nil {
		return nil, err
	}
	f.saveCache(list, before, sum, false)
	if keep != nil {
		list = slices.DeleteFunc(list, func(s model.Secret) bool { return !keep(&s) })
	}
	return list, nil
}

// saveCache writes the cache of list, read from the index whose bytes hash
// to sum, stamped before before it was read. It writes nothing when the
// index's stamp changed meanwhile (the bytes read may be of either
// version) or could not be taken. A cache is a speed-up: failing to write
// one is not an error.
//
// canonical says that the index's bytes are encodeIndex's of list.
func (f *fileIndex) saveCache(list []model.Secret, before fileStamp, sum [sha256.Size]byte, canonical bool) {
	f.saveCacheBytes(newCacheOf(list), before, sum, canonical)
}

// saveCacheBytes is saveCache of a cache already laid out (by a write).
func (f *fileIndex) saveCacheBytes(cb *cacheBuilder, before fileStamp, sum [sha256.Size]byte, canonical bool) {
	f.writeCache(cb.finish(before, sum, before.ok, canonical), before)
}

// writeCache puts data beside the index as its cache, unless the index's
// stamp is no longer before (the bytes read may be of either version) or
// could not be taken, or something not keyward's is where the cache goes.
func (f *fileIndex) writeCache(data []byte, before fileStamp) {
	f.writeCacheParts(before, data)
}

// writeCacheParts is writeCache of the concatenation of parts.
func (f *fileIndex) writeCacheParts(before fileStamp, parts ...[]byte) {
	after := stampFile(f.path, time.Now())
	if before.ino == 0 || !sameFile(before, after) {
		return
	}
	p := cachePath(f.path)
	if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
		return // not keyward's: leave it alone
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
	_ = atomicfile.ReplaceParts(p, parts...)
}

// writeBase is the index file a write replaces, when the cache says it is
// encodeIndex's of its records: its bytes, where each record begins in
// them, and each record's name and cache bytes as read (before the
// write's fn changed any record in place).
type writeBase struct {
	data  []byte
	spans []int
	recs  [][]byte
	names []string
	from  map[string]int // name to place; built when a place moved
}

// at returns where the record named name, now at i, was in the base.
func (w *writeBase) at(i int, name string) (int, bool) {
	if w == nil {
		return 0, false
	}
	if i < len(w.names) && w.names[i] == name {
		return i, true
	}
	if w.from == nil {
		w.from = make(map[string]int, len(w.names))
		for j, n := range w.names {
			w.from[n] = j
		}
	}
	j, ok := w.from[name]
	return j, ok
}

// readForWrite is what Update reads: the records, and the base for
// encodeIndexWrite when the cache knows the file is encodeIndex's (a file
// keyward wrote).
func (f *fileIndex) readForWrite() ([]model.Secret, *writeBase, error) {
	before := stampFile(f.path, time.Now())
	data, err := f.readFile()
	if err != nil || data == nil {
		return []model.Secret{}, nil, err
	}
	if c, ok := readIndexCache(f.path); ok {
		stamped := c.trusted && before.ok && sameFile(c.stamp, before) && sameFile(before, stampFile(f.path, time.Now()))
		if stamped || c.sum == sha256.Sum256(data) {
			if list, recs, ok := c.records(); ok {
				var base *writeBase
				if spans := recordSpans(len(list), data); c.canonical && spans != nil {
					base = &writeBase{data: data, spans: spans, recs: recs, names: make([]string, len(list))}
					for i := range list {
						base.names[i] = list[i].Name
					}
				}
				return list, base, nil
			}
		}
	}
	list, err := parseIndex(f.path, data)
	return list, nil, err
}

// records decodes every record, with each one's bytes in the payload.
func (c *indexCache) records() ([]model.Secret, [][]byte, bool) {
	r := newCacheReader(c.payload)
	n := r.count()
	if r.bad {
		return nil, nil, false
	}
	list := make([]model.Secret, n)
	recs := make([][]byte, n)
	for i := range list {
		start := r.i
		if r.record(&list[i], nil, false); r.bad {
			return nil, nil, false
		}
		recs[i] = r.b[start:r.i:r.i]
	}
	return list, recs, len(r.b)-r.i == 4*n
}

// cacheTable is a cache file's header and table of offsets, read and
// checked without the records, so that Find reads the few records its
// binary search visits (each checked by its own checksum) rather than the
// whole file: `secrets get` at 100,000 secrets reads about 400 KB of a
// 13 MB cache.
type cacheTable struct {
	indexCache        // the header; payload is nil
	offsets    []byte // the table: a 4-byte payload offset per record, in name order
	end        int64  // where the records end in the payload (the table begins)
	// file is the cache file the header and table were read from, kept
	// open so that the records come from the same file even if another
	// keyward replaces it meanwhile. Close it when done.
	file *os.File
}

// close closes the table's file; t may be nil.
func (t *cacheTable) close() {
	if t != nil {
		_ = t.file.Close()
	}
}

// readCacheTable reads the header and table of the cache of the index at
// path; false when there is none or they are not whole.
func readCacheTable(path string) (*cacheTable, bool) {
	file, ok := openCache(path)
	if !ok {
		return nil, false
	}
	t, ok := readTable(file)
	if !ok {
		file.Close()
	}
	return t, ok
}

// readCacheHead reads the header of the cache file and checks that the
// file is as long as it says.
func readCacheHead(file *os.File) (indexCache, cacheHead, bool) {
	fi, err := file.Stat()
	if err != nil {
		return indexCache{}, cacheHead{}, false
	}
	hdr := make([]byte, cacheHeaderSize)
	if _, err := file.ReadAt(hdr, 0); err != nil {
		return indexCache{}, cacheHead{}, false
	}
	c, head, ok := parseCacheHeader(hdr)
	return c, head, ok && fi.Size() == int64(cacheHeaderSize)+head.payloadLen
}

func readTable(file *os.File) (*cacheTable, bool) {
	c, head, ok := readCacheHead(file)
	if !ok {
		return nil, false
	}
	t := &cacheTable{indexCache: c, offsets: make([]byte, 4*head.count), end: head.payloadLen - 4*int64(head.count), file: file}
	if _, err := file.ReadAt(t.offsets, int64(cacheHeaderSize)+t.end); err != nil ||
		crc32.Checksum(t.offsets, castagnoli) != head.offsetsCRC {
		return nil, false
	}
	return t, true
}

// openCache opens the cache of the index at path for reading: a regular
// file, never one behind a symlink.
func openCache(path string) (*os.File, bool) {
	p := cachePath(path)
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	file, err := os.Open(p)
	if err != nil {
		return nil, false
	}
	if fi, err := file.Stat(); err != nil || !fi.Mode().IsRegular() {
		file.Close()
		return nil, false
	}
	return file, true
}

// find is indexCache.find reading the records from the table's file; ok
// is false when the file is not whole.
func (t *cacheTable) find(name string) (sec model.Secret, found, ok bool) {
	file := t.file
	n := len(t.offsets) / 4
	read := func(k int) (model.Secret, bool) {
		off := int64(binary.LittleEndian.Uint32(t.offsets[4*k:]))
		if off < 1 || off >= t.end {
			return model.Secret{}, false
		}
		// Most records are a few hundred bytes: read a little, and more
		// when the record goes on.
		for size := int64(1024); ; size *= 16 {
			buf := make([]byte, min(size, t.end-off))
			if _, err := file.ReadAt(buf, int64(cacheHeaderSize)+off); err != nil {
				return model.Secret{}, false
			}
			var s model.Secret
			r := newCacheReader(buf)
			if r.record(&s, nil, true); !r.bad {
				return s, true
			}
			if int64(len(buf)) == t.end-off {
				return model.Secret{}, false
			}
		}
	}
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		s, good := read(mid)
		if !good {
			return model.Secret{}, false, false
		}
		if s.Name < name {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == n {
		return model.Secret{}, false, true
	}
	sec, good := read(lo)
	if !good {
		return model.Secret{}, false, false
	}
	if sec.Name != name {
		return model.Secret{}, false, true
	}
	return sec, true, true
}
