package ui

// Ordering the list. model.Compare stays the one definition of the order
// (put and insert use it on single records); here the same order is reached
// at 100,000 secrets without comparing records: every secret's sort key is
// two integers, and ties on the time fall back to the secret's rank in name
// order, which the list keeps (item.rank). A sort then compares
// integers only, and sorting by name needs no comparison at all.

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/keyward/keyward/model"
)

// sortEntry is one secret's place under a key: a and b compare as
// model.Compare does, i is the secret's index.
type sortEntry struct {
	a int64
	b uint64
	i int32
}

// sortKey is s's entry under key, rank its position in name order.
//
// Times order newest first (a is the complement of the seconds, b of the
// nanoseconds), then by name; due orders the secrets with a policy by when
// they are due, oldest first, then those without one, each by name. The
// rank takes the low 32 bits of b, under the nanoseconds (< 2^30) or the
// no-policy flag (1<<63). time.Compare orders times by (Unix, Nanosecond)
// exactly, as here; only two times that both still carry a monotonic clock
// reading could compare otherwise, and the index's times carry none.
func sortKey(s *model.Secret, key model.SortKey, rank int32) sortEntry {
	r := uint64(uint32(rank))
	newest := func(t interface {
		Unix() int64
		Nanosecond() int
	}) sortEntry {
		return sortEntry{a: ^t.Unix(), b: uint64(999_999_999-t.Nanosecond())<<32 | r}
	}
	switch key {
	case model.SortCreated:
		return newest(s.CreatedAt)
	case model.SortUpdated:
		return newest(s.UpdatedAt)
	case model.SortRotated:
		return newest(s.LastRotation())
	case model.SortDue:
		if due, ok := s.NextDue(); ok {
			return sortEntry{a: due.Unix(), b: uint64(due.Nanosecond())<<32 | r}
		}
		return sortEntry{a: math.MaxInt64, b: 1<<63 | r}
	}
	return sortEntry{b: r} // by name: the rank alone
}

// sortOrder returns the indices of n secrets in the order of key: order[k]
// is the index of the k-th secret. sec(i) is secret i and its position in
// name order.
func sortOrder(n int, sec func(i int) (*model.Secret, int32), key model.SortKey) []int32 {
	order := make([]int32, n)
	if !slices.Contains(model.SortKeys, key) || key == model.SortName {
		// An unknown key orders by name, as model.Compare does.
		for i := range n {
			_, r := sec(i)
			order[r] = int32(i)
		}
		return order
	}
	ents := make([]sortEntry, n)
	for i := range ents {
		s, r := sec(i)
		ents[i] = sortKey(s, key, r)
		ents[i].i = int32(i)
	}
	if packedOrder(ents, order) {
		return order
	}
	slices.SortFunc(ents, func(x, y sortEntry) int {
		if c := cmp.Compare(x.a, y.a); c != 0 {
			return c
		}
		return cmp.Compare(x.b, y.b)
	})
	for k := range ents {
		order[k] = ents[k].i
	}
	return order
}

// packedOrder sorts ents into order as single integers when the part of
// the keys that differs fits in 64 bits: the seconds as an offset from the
// oldest, the nanoseconds (the index keeps whole seconds) and the rank,
// which then names the secret. An integer sort is 2–3× faster than one
// through a comparison function, and a radix sort of the bits that differ
// (40–50 at most in an index) faster again. It reports false, having done nothing,
// when the keys do not fit.
func packedOrder(ents []sortEntry, order []int32) bool {
	n := len(ents)
	if n == 0 {
		return true
	}
	byRank := make([]int32, n)
	minA, maxA := int64(math.MaxInt64), int64(math.MinInt64)
	minH, maxH := uint64(math.MaxUint64), uint64(0)
	last := false // secrets after all others (due: no policy), by rank
	for _, e := range ents {
		byRank[uint32(e.b)] = e.i
		if e.b>>63 != 0 {
			last = true
			continue
		}
		minA, maxA = min(minA, e.a), max(maxA, e.a)
		minH, maxH = min(minH, e.b>>32), max(maxH, e.b>>32)
	}
	if minA > maxA {
		minA, maxA, minH, maxH = 0, 0, 0, 0
	}
	span := uint64(maxA) - uint64(minA)
	if last {
		if span == math.MaxUint64 {
			return false
		}
		span++
	}
	ab, hb, rb := bits.Len64(span), bits.Len64(maxH-minH), bits.Len(uint(n-1))
	if ab+hb+rb > 64 {
		return false
	}
	keys := make([]uint64, n)
	for k, e := range ents {
		a, h := span, uint64(0)
		if e.b>>63 == 0 {
			a, h = uint64(e.a)-uint64(minA), e.b>>32-minH
		}
		keys[k] = a<<(hb+rb) | h<<rb | uint64(uint32(e.b))
	}
	radixSort(keys, ab+hb+rb)
	mask := uint64(1)<<rb - 1
	for k, key := range keys {
		order[k] = byRank[key&mask]
	}
	return true
}

// radixSort sorts keys whose values fit in width bits: a least significant
// digit radix sort, 11 bits a pass, so 4 passes sort 44 bits of 100,000
// keys in about a millisecond where a comparison sort takes several.
func radixSort(keys []uint64, width int) {
	const digit = 11
	if len(keys) < 256 {
		slices.Sort(keys)
		return
	}
	buf := make([]uint64, len(keys))
	src, dst := keys, buf
	for shift := 0; shift < width; shift += digit {
		var count [1 << digit]int
		for _, k := range src {
			count[k>>shift&(1<<digit-1)]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, k := range src {
			d := k >> shift & (1<<digit - 1)
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}

// nameRanks returns every secret's position in name order. A list read
// from an index kept in name order costs one pass.
func nameRanks(secs []model.Secret) []int32 {
	byName := make([]int32, len(secs))
	for i := range byName {
		byName[i] = int32(i)
	}
	sorted := true
	for i := 1; i < len(secs) && sorted; i++ {
		sorted = secs[i-1].Name < secs[i].Name
	}
	if !sorted {
		slices.SortFunc(byName, func(x, y int32) int { return strings.Compare(secs[x].Name, secs[y].Name) })
	}
	rank := make([]int32, len(secs))
	for k, i := range byName {
		rank[i] = int32(k)
	}
	return rank
}

// permute reorders the list to order (sortOrder's result): the items,
// their positions, the search text, and the visible rows, which keep their
// filter and take the new order. The views' counts and the column widths
// do not depend on the order.
//
// The slices are copied in the new order into a second set (l.spare),
// which then holds the old order for the next sort: 41 bytes a secret
// that stay allocated once the list has been sorted (4 MB at 100,000).
// New copies at every sort were 4 MB of garbage per press, and moving the
// items in place, one cycle of the permutation at a time, cost 2–3 ms,
// 3× the copy: each step of a cycle waits for the memory the last one read.
func (l *listPane) permute(order []int32) {
	n := len(l.all)
	l.shown = grow(l.shown, n)
	shown := l.shown
	clear(shown)
	for _, i := range l.vis {
		shown[i] = true
	}
	vis := l.vis[:0]
	for k, i := range order {
		if shown[i] {
			vis = append(vis, int32(k))
		}
	}
	l.vis = vis
	all, hay, meta, fold := l.all, l.search.hay, l.search.meta, l.search.fold
	sp := &l.spare
	if cap(sp.all) < n {
		// *item, two strings and a bool a secret.
		l.grew += int64(n-cap(sp.all)) * (8 + 16 + 16 + 1)
	}
	na, nh, nm, nf := grow(sp.all, n), grow(sp.search.hay, n), grow(sp.search.meta, n), grow(sp.search.fold, n)
	for k, i := range order {
		na[k], nh[k], nm[k], nf[k] = all[i], hay[i], meta[i], fold[i]
		na[k].pos = k
	}
	l.all, l.search = na, search{hay: nh, meta: nm, fold: nf}
	sp.all, sp.search = all, search{hay: hay, meta: meta, fold: fold}
}

// byName reports whether key orders by name: the ranks alone (an unknown
// key too, as in model.Compare).
func byName(key model.SortKey) bool {
	return key == model.SortName || !slices.Contains(model.SortKeys, key)
}

// orderOf returns the order of key for the list as it is (sortOrder's
// result: order[k] is the index in all of the k-th secret). Name order is
// the name index itself. Any other order is sorted once and kept as the
// secrets' ranks in that order, which a sort to another key leaves valid:
// a later sort to key only looks the ranks up (a permutation, ~1 ms at
// 100,000 secrets where building the keys from the scattered records and
// sorting them took 10–14 ms and 4.9 MB). Any change to the list's
// records drops what is kept (forgetOrders). The slice returned is the
// list's until the next call.
func (l *listPane) orderOf(key model.SortKey) []int32 {
	n := len(l.all)
	l.order = grow(l.order, n)
	order := l.order
	if byName(key) {
		for k, it := range l.byRank {
			order[k] = int32(it.pos)
		}
		return order
	}
	if ranks, ok := l.orders[key]; ok && len(ranks) == n {
		for k, r := range ranks {
			order[k] = int32(l.byRank[r].pos)
		}
		return order
	}
	sorted := sortOrder(n, func(i int) (*model.Secret, int32) { return l.all[i].sec, l.all[i].rank }, key)
	ranks := make([]int32, n)
	for k, i := range sorted {
		ranks[k] = l.all[i].rank
	}
	if l.orders == nil {
		l.orders = make(map[model.SortKey][]int32)
	}
	l.orders[key] = ranks
	l.grew += 4 * int64(n)
	return sorted
}

// forgetOrders drops the orders orderOf kept: the list's records changed
// (a load, an edit, a rename, a removal), so the order of any key may have.
func (l *listPane) forgetOrders() {
	clear(l.orders)
	l.gen++
}

// keepOrders keeps orders (name ranks by key, as orderOf keeps them) made
// for the list of generation gen, if the list is still that one, and
// reports whether it kept any.
func (l *listPane) keepOrders(gen uint64, orders map[model.SortKey][]int32) bool {
	if gen != l.gen {
		return false
	}
	kept := false
	for k, ranks := range orders {
		if _, ok := l.orders[k]; ok || byName(k) || len(ranks) != len(l.all) {
			continue
		}
		if l.orders == nil {
			l.orders = make(map[model.SortKey][]int32)
		}
		l.orders[k] = ranks
		l.grew += 4 * int64(len(ranks))
		kept = true
	}
	return kept
}

// grow returns s with length n, reusing its memory when it is large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// rankOf is the position of name in name order among the list's secrets,
// or the one it would take.
func (l *listPane) rankOf(name string) int32 {
	r, _ := slices.BinarySearchFunc(l.byRank, name, func(it *item, name string) int { return strings.Compare(it.sec.Name, name) })
	return int32(r)
}

// shiftRanks adds by to every rank at or above from, for a name that joins
// (by 1) or leaves (by -1) name order.
func (l *listPane) shiftRanks(from int32, by int32) {
	for _, it := range l.all {
		if it.rank >= from {
			it.rank += by
		}
	}
}
