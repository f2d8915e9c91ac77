package keyring

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"slices"
	"strings"
	"unsafe"

	"github.com/keyward/keyward/model"
)

// A List through a trusted cache (cachedRead) reads the cache file in
// chunks instead of whole: the records' strings are copied into blocks of
// their own as they are decoded, and the chunk buffer is reused, so the
// read touches far less fresh memory than a buffer of the whole file that
// the strings point into (13 MB at 100,000 secrets, which stayed for as
// long as the records did). Fresh memory is what a cold read pays most for:
// a page fault per 4 KB. Nothing it decodes is returned unless every byte
// of the payload passed its checksum, as in readIndexCache.

// streamChunk is how much of the cache file a streamed read holds at once
// (more while one record is larger).
const streamChunk = 256 << 10

// minCacheRecord is the fewest bytes a record takes in the payload (each
// string and count one byte, each time and number one, the flags, the
// checksum) plus its place in the table: a bound on the number of records
// a payload of a given length can hold.
const minCacheRecord = 2 + 1 + 3 + 2 + 1 + 1 + 4 + 4

// streamTrustedList is List through the cache of the index at path when
// the cache is trusted on its stamp and the index's stamp is before; false
// when it is not, or the cache is not whole, and the caller reads the
// cache (or the index) as before.
func streamTrustedList(path string, before fileStamp, keep func(*model.Secret) bool) ([]model.Secret, bool) {
	file, ok := openCache(path)
	if !ok {
		return nil, false
	}
	defer file.Close()
	c, head, ok := readCacheHead(file)
	if !ok || !c.trusted || !sameFile(c.stamp, before) {
		return nil, false
	}
	return streamList(file, head, streamChunk, keep)
}

// cacheStream is the payload of a cache file, read in chunks: buf[lo:]
// is read and not yet decoded.
type cacheStream struct {
	file *os.File
	off  int64 // the file offset of the next read
	left int64 // payload bytes not yet read
	buf  []byte
	lo   int
	crc  uint32
}

// more moves what is not yet decoded to the front of buf and reads more
// after it; a buffer full of one undecoded record doubles. False when the
// payload is all read or cannot be.
func (s *cacheStream) more() bool {
	if s.left == 0 {
		return false
	}
	n := copy(s.buf[:cap(s.buf)], s.buf[s.lo:])
	s.buf, s.lo = s.buf[:n], 0
	if n == cap(s.buf) {
		s.buf = slices.Grow(s.buf, n)
	}
	room := s.buf[n:min(int64(cap(s.buf)), int64(n)+s.left)]
	if k, _ := s.file.ReadAt(room, s.off); k != len(room) {
		return false
	}
	s.crc = crc32.Update(s.crc, castagnoli, room)
	s.off += int64(len(room))
	s.left -= int64(len(room))
	s.buf = s.buf[:n+len(room)]
	return true
}

// streamList is indexCache.list(keep) of the payload head describes, read
// from file after the header chunk bytes at a time. With keep, each record
// is decoded in place in the chunk and only those keep accepts are copied
// out (detach); keep may thus see a record of a payload whose checksum
// then fails, whose list is not returned.
func streamList(file *os.File, head cacheHead, chunk int, keep func(*model.Secret) bool) ([]model.Secret, bool) {
	if int64(head.count) > head.payloadLen/minCacheRecord {
		return nil, false
	}
	s := &cacheStream{file: file, off: int64(cacheHeaderSize), left: head.payloadLen, buf: make([]byte, 0, chunk)}
	n, k := uint64(0), 0
	for k == 0 { // the number of records, once its bytes are read
		if !s.more() {
			return nil, false
		}
		n, k = binary.Uvarint(s.buf)
	}
	if k < 0 || n != uint64(head.count) {
		return nil, false
	}
	s.lo = k
	// next decodes the next record into sec, reading more as it needs.
	next := func(r *cacheReader, sec *model.Secret, scratch map[string]string) bool {
		for {
			r.b, r.s, r.i, r.bad = s.buf[s.lo:], unsafe.String(unsafe.SliceData(s.buf[s.lo:]), len(s.buf)-s.lo), 0, false
			if r.record(sec, scratch, false); !r.bad {
				s.lo += r.i
				return true
			}
			// The record goes on past what is read (or is not whole).
			*sec = model.Secret{}
			if !s.more() {
				return false
			}
		}
	}
	var list []model.Secret
	if keep == nil {
		list = make([]model.Secret, n)
		r := &cacheReader{shared: map[string]map[string]string{}, arena: &stringArena{}}
		for i := range list {
			if !next(r, &list[i], nil) {
				return nil, false
			}
		}
	} else {
		// The strings of sec point into the chunk until the next read.
		list = []model.Secret{}
		r, scratch, arena := &cacheReader{}, map[string]string{}, &stringArena{}
		var sec model.Secret
		for range n {
			sec = model.Secret{} // record sets only the fields a record has
			if !next(r, &sec, scratch) {
				return nil, false
			}
			if keep(&sec) {
				list = append(list, arena.detach(sec))
			}
		}
	}
	// Then the table of offsets, which List does not need: read for the
	// checksum only.
	if int64(len(s.buf)-s.lo)+s.left != 4*int64(n) {
		return nil, false
	}
	for s.left > 0 {
		s.lo = len(s.buf)
		if !s.more() {
			return nil, false
		}
	}
	return list, s.crc == head.payloadCRC
}

// stringArenaBlock is the size of a stringArena's blocks.
const stringArenaBlock = 64 << 10

// stringArena copies strings into blocks that are never written again
// where a string was copied, so that many small strings cost a few
// allocations rather than one each.
type stringArena struct {
	block []byte
}

func (a *stringArena) clone(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > cap(a.block)-len(a.block) {
		if len(s) > stringArenaBlock/8 {
			return strings.Clone(s)
		}
		a.block = make([]byte, 0, stringArenaBlock)
	}
	start := len(a.block)
	a.block = append(a.block, s...)
	return unsafe.String(&a.block[start], len(s))
}

// detach is s with every string copied into the arena, and its map and
// slices its own: a record decoded in place in a chunk that will be read
// over (streamList). TestIndexCacheFields notices a field added to
// model.Secret.
func (a *stringArena) detach(s model.Secret) model.Secret {
	s.Name, s.Description = a.clone(s.Name), a.clone(s.Description)
	if s.Metadata != nil {
		md := make(map[string]string, len(s.Metadata))
		for k, v := range s.Metadata {
			md[a.clone(k)] = a.clone(v)
		}
		s.Metadata = md
	}
	if s.Generated != nil {
		g := *s.Generated
		s.Generated = &g
	}
	if s.Sync != nil {
		sync := make([]model.SyncState, len(s.Sync))
		for i, st := range s.Sync {
			st.Target, st.RemoteID, st.Fingerprint = a.clone(st.Target), a.clone(st.RemoteID), a.clone(st.Fingerprint)
			sync[i] = st
		}
		s.Sync = sync
	}
	return s
}
