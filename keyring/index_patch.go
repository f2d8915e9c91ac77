package keyring

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"

	"time"

	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
)

// A write that changes one record and not its name (a rotate, a rollback,
// an edit of its description or metadata), or adds one (a create), need
// not decode and encode the other records: when the index's cache proves
// that the file is encodeIndex's layout of the cached records,
// UpdateRecord decodes the one record from the cache, finds its bytes in
// the file, and writes the file again with only those bytes replaced (or
// the new record's added at the end, where Update would add it), and the
// cache likewise (issue 14: the index part of a write at 100,000 secrets
// is then the durable write of the file, not a decode of every record).
// Anything it cannot prove sends the caller to Update, before fn runs:
// errNoPatch.

// errNoPatch says that UpdateRecord did not run fn and wrote nothing: the
// caller makes the change through Update instead.
var errNoPatch = errors.New("keyring: the record cannot be patched in place")

// recordUpdater is an index that can change one record without the others
// (fileIndex).
type recordUpdater interface {
	UpdateRecord(ctx context.Context, name string, fn func(count int, rec *model.Secret, found bool) error, after func()) error
}

// UpdateRecord runs fn, under the index lock, on the record named name, and
// saves what fn leaves in it; count is the number of records in the index.
// When there is no such record, fn gets a zero record and found false, and
// what it leaves there is added at the end of the index. The record's name
// must be name when fn returns. UpdateRecord returns errNoPatch, having run
// nothing, when the cache cannot prove that the index is keyward's own
// layout of its records (Update then decides); an error of fn is returned
// as it is, with nothing written. after runs as for Update.
func (f *fileIndex) UpdateRecord(ctx context.Context, name string, fn func(count int, rec *model.Secret, found bool) error, after func()) (err error) {
	unlock, err := f.lockForWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	// The index and its cache are mapped, not read (bounded.MapFile):
	// released when this returns, their bytes copied where they outlive it
	// (the record), and a fault of a file another program truncated
	// meanwhile is an error, not a crash.
	defer bounded.GuardFaults()()
	defer func() {
		if bounded.Shrunk(err) && !errors.Is(err, bounded.ErrShrunk) {
			err = fmt.Errorf("write the index: %w: another program changed %s in place meanwhile", bounded.ErrShrunk, f.path)
		}
	}()
	defer bounded.CatchFault(&err)
	p, err := f.readPatch(name)
	if p != nil {
		defer p.release()
	}
	if err != nil {
		return err
	}
	sec := p.sec.Clone()
	if err := fn(p.count, &sec, p.found); err != nil {
		return err
	}
	if sec.Name != name {
		return fmt.Errorf("write the index: the record of %s was given another name by a change of that record alone", model.Printable(name))
	}
	if err := checkWritable(&sec); err != nil {
		return fmt.Errorf("write the index: secret %q: %w", model.Printable(sec.Name), err)
	}
	var keys []string
	rec := appendIndexRecord(nil, &sec, &keys)

	// The new file's hash, for the cache, while the file is written and
	// synced: the bytes before the record were hashed already when the
	// index was checked by hash.
	type hashed struct {
		sum [sha256.Size]byte
		err error
	}
	sumc := make(chan hashed, 1)
	go func() {
		var out hashed
		defer func() { sumc <- out }()
		defer bounded.GuardFaults()()
		defer bounded.CatchFault(&out.err)
		h := p.prefix
		if h == nil {
			h = sha256.New()
			h.Write(p.data[:p.start])
		}
		h.Write(rec)
		h.Write(p.data[p.end:])
		out.sum = [sha256.Size]byte(h.Sum(nil))
	}()
	if err := f.replace(nil, p.data[:p.start], rec, p.data[p.end:]); err != nil {
		<-sumc
		if bounded.Shrunk(err) {
			err = fmt.Errorf("write the index: %w: another program changed %s in place meanwhile; nothing was written", bounded.ErrShrunk, f.path)
		}
		return err
	}
	// The next read finds the records in the cache, as after Update
	// (unless the old file shrank under the hash: then there is no cache
	// to write, and the next read makes one).
	st := stampFile(f.path, time.Now())
	if h := <-sumc; h.err == nil {
		// The index is written: a cache truncated meanwhile (by another
		// program) only leaves no cache, which the next read makes.
		func() {
			var shrunk error
			defer bounded.CatchFault(&shrunk)
			f.writeCacheParts(st, p.cache.patched(p, &sec, st, h.sum)...)
		}()
	}
	f.finishWrite(after)
	return nil
}

// patch is what UpdateRecord read: the index's bytes and the record's span
// in them, the cache and the record's place and length in its payload.
// A record not found is added: its span is the empty one at the end of
// data, and it goes at the end of the payload's records and at place in
// the payload's table.
type patch struct {
	data       []byte
	start, end int // the record's bytes in data
	cache      indexCache
	found      bool
	off        int // the record's offset in the cache's payload
	recLen     int // its length there, checksum included
	place      int // its place in the table of names
	sec        model.Secret
	count      int
	prefix     hash.Hash // the SHA-256 of data[:start], when data was hashed
	release    func()    // unmaps data and the cache
}

// readPatch reads the index and its cache for UpdateRecord, or returns
// errNoPatch. Both are mapped: the caller runs p.release once done with
// them, also when an error comes with p.
func (f *fileIndex) readPatch(name string) (*patch, error) {
	before := stampFile(f.path, time.Now())
	data, releaseData, err := f.mapFile()
	if err != nil {
		return nil, err
	}
	if data == nil {
		releaseData()
		return nil, errNoPatch
	}
	c, releaseCache, ok := mapIndexCache(f.path)
	p := &patch{data: data, cache: c, count: c.head.count, release: func() { releaseCache(); releaseData() }}
	if !ok || !c.canonical {
		return p, errNoPatch
	}
	if p.off, p.recLen, p.place, p.sec, p.found, ok = c.locate(name); !ok {
		return p, errNoPatch
	}
	// The record outlives the mapping: its strings are copied.
	p.sec = new(stringArena).detach(p.sec)
	switch {
	case p.found:
		if p.start, p.end, ok = recordSpan(data, name); !ok {
			return p, errNoPatch
		}
	case p.count == 0:
		// An index of no records: Update writes it whole.
		return p, errNoPatch
	default:
		p.start, p.end = len(data), len(data)
	}
	if !(c.trusted && before.ok && sameFile(c.stamp, before) && sameFile(before, stampFile(f.path, time.Now()))) {
		// Checked by hash, keeping the state after the record's start
		// for the new file's hash.
		h := sha256.New()
		h.Write(data[:p.start])
		state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return p, errNoPatch
		}
		h.Write(data[p.start:])
		if [sha256.Size]byte(h.Sum(nil)) != c.sum {
			return p, errNoPatch
		}
		p.prefix = sha256.New()
		if p.prefix.(encoding.BinaryUnmarshaler).UnmarshalBinary(state) != nil {
			p.prefix = nil
		}
	}
	// The cache says the file is encodeIndex's of its records: the record's
	// bytes must be those of the record it holds.
	if p.found {
		var keys []string
		if !bytes.Equal(data[p.start:p.end], appendIndexRecord(nil, &p.sec, &keys)) {
			return p, errNoPatch
		}
	}
	return p, nil
}

// recordSpan finds the bytes of the record named name in data, an index in
// encodeIndex's layout (where a line that opens a table can only be a
// table's opening: strings are written on one line), from the newline
// before its [[secret]] to the one before the next record's (or the end).
func recordSpan(data []byte, name string) (start, end int, ok bool) {
	head := appendString([]byte(secretHeader+"name = "), name)
	head = append(head, '\n')
	// Search for the name's line, which is rarer than the header's.
	line := head[len(secretHeader):]
	for at := 0; ; {
		i := bytes.Index(data[at:], line)
		if i < 0 {
			return 0, 0, false
		}
		i += at
		if i >= len(secretHeader) && bytes.Equal(data[i-len(secretHeader):i], []byte(secretHeader)) {
			start = i - len(secretHeader)
			break
		}
		at = i + 1
	}
	end = len(data)
	if j := bytes.Index(data[start+len(head):], []byte(secretHeader)); j >= 0 {
		end = start + len(head) + j
	}
	return start, end, true
}

// locate decodes the record named name alone, by a binary search of the
// offsets in name order (find is locate for a read), and returns its
// offset in the payload and its length there (with its checksum), and its
// place in the table of names: where it is, or where it would go. ok is
// false when the payload is not whole.
func (c *indexCache) locate(name string) (off, n, place int, sec model.Secret, found, ok bool) {
	r := newCacheReader(c.payload)
	count := r.count()
	if r.bad || len(r.b)-r.i < 4*count {
		return 0, 0, 0, model.Secret{}, false, false
	}
	first, end := r.i, len(r.b)-4*count
	offsets := r.b[end:]
	at := func(k int) (*cacheReader, bool) {
		rr := *r
		rr.i = int(binary.LittleEndian.Uint32(offsets[4*k:]))
		return &rr, rr.i >= first && rr.i < end
	}
	lo, hi := 0, count
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		rr, good := at(mid)
		if !good {
			return 0, 0, 0, model.Secret{}, false, false
		}
		if s := rr.str(); rr.bad {
			return 0, 0, 0, model.Secret{}, false, false
		} else if s < name {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == count {
		return 0, 0, lo, model.Secret{}, false, true
	}
	rr, good := at(lo)
	if !good {
		return 0, 0, 0, model.Secret{}, false, false
	}
	off = rr.i
	if rr.record(&sec, nil, false); rr.bad || rr.i > end {
		return 0, 0, 0, model.Secret{}, false, false
	}
	if sec.Name != name {
		return 0, 0, lo, model.Secret{}, false, true
	}
	return off, rr.i - off, lo, sec, true, true
}

// patched is c with p's record replaced by sec (the same name, so the
// table's order holds), or sec added, for an index stamped stamp whose
// bytes hash to sum: the parts of the new file, most of them c's own
// bytes, so that a write at 100,000 secrets does not fill a fresh 13 MB
// buffer (page faults are much of a short process's time).
func (c *indexCache) patched(p *patch, sec *model.Secret, stamp fileStamp, sum [sha256.Size]byte) [][]byte {
	rec := appendCacheRecord(nil, sec)
	rec = binary.LittleEndian.AppendUint32(rec, crc32.Checksum(rec, castagnoli))
	old, count := c.payload, c.head.count
	le := binary.LittleEndian
	oldHead := len(binary.AppendUvarint(nil, uint64(count)))
	records := len(old) - 4*count // where the records end and the table begins
	var parts [][]byte
	var table []byte
	newCount := count
	if p.found {
		// Every record after it moves by the difference in length.
		delta := len(rec) - p.recLen
		parts = [][]byte{old[:p.off], rec, old[p.off+p.recLen : records]}
		table = make([]byte, 0, 4*count)
		for k := records; k < len(old); k += 4 {
			v := int(le.Uint32(old[k:]))
			if v > p.off {
				v += delta
			}
			table = le.AppendUint32(table, uint32(v))
		}
	} else {
		// The count may take another byte, which moves every record.
		newCount++
		head := binary.AppendUvarint(nil, uint64(newCount))
		shift := len(head) - oldHead
		at := len(head) + records - oldHead
		parts = [][]byte{head, old[oldHead:records], rec}
		table = make([]byte, 0, 4*newCount)
		for k := range newCount {
			switch {
			case k == p.place:
				table = le.AppendUint32(table, uint32(at))
			default:
				j := k
				if k > p.place {
					j--
				}
				table = le.AppendUint32(table, uint32(int(le.Uint32(old[records+4*j:]))+shift))
			}
		}
	}
	parts = append(parts, table)
	var crc uint32
	size := 0
	for _, part := range parts {
		crc = crc32.Update(crc, castagnoli, part)
		size += len(part)
	}
	head := cacheHead{payloadLen: int64(size), payloadCRC: crc,
		count: newCount, offsetsCRC: crc32.Checksum(table, castagnoli)}
	header := make([]byte, 0, cacheHeaderSize)
	putCacheHeader(header, stamp, sum, stamp.ok, true, head)
	return append([][]byte{header[:cacheHeaderSize]}, parts...)
}
