package keyring

import (
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"time"
)

// Namer is a Store that can list its secrets' names for less than List: a
// preview or a "did you mean" needs every name and nothing else of a
// record. Every store of this package is one.
type Namer interface {
	// Names returns every secret's name, sorted (byte order). Like List,
	// it never touches the keyring.
	Names(ctx context.Context) ([]string, error)
}

// namesIndex is an index that can read its names without building its
// records: the file index, through its cache.
type namesIndex interface {
	names(ctx context.Context) ([]string, bool, error)
}

// Names implements Namer. Like List, it tells the values backend how many
// secrets there are (sized), so the values read after it get the deadline
// a List would have given them.
func (s *store) Names(ctx context.Context) ([]string, error) {
	var names []string
	ok := false
	if n, is := s.idx.(namesIndex); is {
		var err error
		if names, ok, err = n.names(ctx); err != nil {
			return nil, err
		}
	}
	if !ok {
		// Load with a keep that collects the names would build no record,
		// but keep may be called twice for a record (a cache that fails
		// half-way, then the parse): the records, then their names.
		list, err := s.idx.Load(ctx, nil)
		if err != nil {
			return nil, err
		}
		names = make([]string, len(list))
		for i := range list {
			names[i] = list[i].Name
		}
		slices.Sort(names)
	}
	s.sizedN(len(names))
	return names, nil
}

// names reads the names alone from a trusted, current cache (the one List
// would read: see cachedRead), in the order of its table of offsets, which
// is name order; false when no such cache answers, and the caller reads
// the index.
func (f *fileIndex) names(ctx context.Context) ([]string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	before := stampFile(f.path, time.Now())
	c, cached := readIndexCache(f.path)
	if !cached || !c.trusted || !before.ok || !sameFile(c.stamp, before) {
		return nil, false, nil
	}
	names, ok := c.names()
	return names, ok, nil
}

// names decodes the name of every record, by the table of offsets in name
// order (as find's binary search does); false when the payload is not
// whole. The names are copied out of the payload into one string, so that
// they do not keep the payload (13 MB at 100,000 secrets) alive: a preview
// that held it had a larger heap goal, and a peak RSS 25 MB higher.
// (Streaming the payload through a small buffer instead, rather than
// reading it whole, measured no fewer page faults and a slower read.)
func (c *indexCache) names() ([]string, bool) {
	r := newCacheReader(c.payload)
	n := r.count()
	if r.bad || len(r.b)-r.i < 4*n {
		return nil, false
	}
	first, end := r.i, len(r.b)-4*n // the records' bytes
	offsets := r.b[end:]
	names := make([]string, n)
	size := 0
	for k := range names {
		rr := *r
		rr.i = int(binary.LittleEndian.Uint32(offsets[4*k:]))
		if rr.i < first || rr.i >= end {
			return nil, false
		}
		names[k] = rr.str()
		if rr.bad || (k > 0 && names[k] <= names[k-1]) {
			return nil, false // not in name order, or a name twice
		}
		size += len(names[k])
	}
	var b strings.Builder
	b.Grow(size)
	for _, n := range names {
		b.WriteString(n)
	}
	all, at := b.String(), 0
	for k, n := range names {
		names[k] = all[at : at+len(n)]
		at += len(n)
	}
	return names, true
}

// Check that every store of this package is a Namer.
var (
	_ Namer = (*OSStore)(nil)
	_ Namer = (*FileStore)(nil)
	_ Namer = (*MemStore)(nil)
)
