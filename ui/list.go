package ui

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/ui/internal/cells"

	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/model"
)

// item is one secret in the list. The list holds pointers to items, so a
// sort moves 8 bytes per secret and the name index (byRank) stays valid:
// pos is the item's index in all, rank its position in name order
// (listsort.go). sec points into the slice the store's List returned (or
// at a record a write put in its place), which the list never changes:
// copying 100,000 records into the items cost a load 18 MB and a tenth of
// its time.
type item struct {
	sec  *model.Secret
	pos  int
	rank int32
}

// search is the precomputed search text of every item, in parallel slices
// so a scan reads 16 bytes per secret instead of a whole record.
type search struct {
	hay  []string // model.Haystack, lower-cased once per load
	meta []string // "\x00key=value\x00…" lower-cased, for metaPrefilter
	// fold marks metadata with non-ASCII text, where lower-casing and
	// Unicode case folding can disagree: metaPrefilter never rejects it.
	fold []bool
}

// listPane is a lean list built for 100,000 secrets: a precomputed haystack
// per secret, narrowing when the new query refines the old one, and only the
// visible rows rendered. (bubbles/list takes seconds per frame at that size.)
type listPane struct {
	all    []*item       // every secret, in the current sort order
	search search        // parallel to all
	byRank []*item       // every item in name order (item.rank is its index), for look-ups by name
	vis    []int32       // indices into all that match view and query, in order
	inView model.Query   // the active view's filter (views[active]); query narrows it
	query  model.Query   // the filter typed after /
	views  []model.Query // every view's filter, for counts
	counts []int         // secrets matching each view: kept by every change, never recounted per key
	cursor int           // index into vis
	offset int           // first visible row
	height int           // rows available
	width  int
	sort   model.SortKey
	// orders keeps, per sort key but name, the secrets' name ranks in that
	// key's order (orderOf); order and shown are a sort's scratch memory.
	orders map[model.SortKey][]int32
	gen    uint64 // counts the changes to the records that drop orders
	order  []int32
	shown  []bool
	// spare is the other set of the slices a sort copies the list into
	// (permute); it holds the order before the last sort.
	spare struct {
		all    []*item
		search search
	}
	// grew is the memory in bytes that sorts made the list keep (an
	// order, larger spare slices), for the memory limit (keptMore).
	grew int64
	// The widest content of the name, metadata and description columns.
	// Metadata and descriptions are measured in bytes (cheap at 100,000
	// secrets); the visible rows are measured exactly when drawn.
	nameW, metaW, descW int
}

// setSecrets replaces the list, keeping the selection on keep when it still
// exists.
func (l *listPane) setSecrets(secs []model.Secret, env model.Env, keep string) {
	l.forgetOrders()
	// The spare slices would keep the old records and search text alive.
	l.spare.all, l.spare.search = nil, search{}
	rank := nameRanks(secs)
	order := sortOrder(len(secs), func(i int) (*model.Secret, int32) { return &secs[i], rank[i] }, l.sort)
	// One block of items, in list order: a scan of the list reads memory
	// in order.
	items := make([]item, len(secs))
	l.all = make([]*item, len(secs))
	// Names are found by a binary search over the items in name order:
	// a map of 100,000 names cost a load more than the search text.
	l.byRank = make([]*item, len(secs))
	l.nameW, l.metaW, l.descW = 0, 0, 0
	// The search text of every secret goes into one string, item after
	// item: a filter then scans memory in order instead of chasing
	// separately allocated strings (2–3× faster at 100,000 secrets). Its
	// size is known up to case folding, so it is allocated once. Each
	// item's text is a slice of what the builder holds so far: bytes a
	// strings.Builder wrote never change, even when non-ASCII text that
	// lower-cases longer makes it grow.
	//
	// Records that share one metadata map (the index cache gives records
	// whose metadata is the same one map) share its text too: it is
	// written once, where the first of them is.
	l.search = search{hay: make([]string, len(secs)), meta: make([]string, len(secs)), fold: make([]bool, len(secs))}
	shared := sharedMetaTexts{}
	var arena strings.Builder
	size := 0
	for i := range secs {
		size += len(secs[i].Name) + 1 + len(secs[i].Description) + 1
		if md := secs[i].Metadata; len(md) > 0 && shared.first(md) {
			for k, v := range md {
				size += len(k) + len(v) + 2
			}
		}
	}
	arena.Grow(size)
	for i, j := range order {
		// The metadata maps stay those the store made: copying them in
		// list order made a metadata filter ~1 ms faster at 100,000
		// secrets but a load ~75 ms slower and its peak memory 35 MB
		// higher.
		s := &secs[j]
		start := arena.Len()
		writeHaystack(&arena, s)
		mid := arena.Len()
		l.search.hay[i] = arena.String()[start:mid]
		t, ok := shared.text(s.Metadata)
		if !ok {
			t.fold = writeMetaHaystack(&arena, s.Metadata)
			t.text = arena.String()[mid:]
			shared.keep(s.Metadata, t)
		}
		l.search.meta[i] = t.text
		items[i] = item{sec: s, pos: i, rank: rank[j]}
		l.all[i] = &items[i]
		l.search.fold[i] = t.fold
		l.byRank[rank[j]] = &items[i]
		l.widenBy(s, len(t.text))
	}
	l.vis = l.vis[:0]
	l.filterFrom(nil, env)
	l.countViews(env)
	l.selectName(keep)
}

// setViews sets the filters of the views, active the one shown.
func (l *listPane) setViews(views []model.Query, active int, env model.Env) {
	l.views = views
	l.inView = model.Query{}
	if active < len(views) {
		l.inView = views[active]
	}
	l.countViews(env)
}

// countViews counts each view's matches from scratch: at a load, a sort,
// or when the environment changed (is:unused). A write adjusts the counts
// by one record (countRecord).
func (l *listPane) countViews(env model.Env) {
	l.counts = slices.Grow(l.counts[:0], len(l.views))[:len(l.views)]
	for v, q := range l.views {
		if q.Empty() {
			l.counts[v] = len(l.all)
			continue
		}
		pre := newMetaPrefilter(q.String())
		n := 0
		for i := range l.all {
			if !pre.rejects(&l.search, i) && q.MatchHaystack(l.all[i].sec, l.search.hay[i], env) {
				n++
			}
		}
		l.counts[v] = n
	}
}

// countRecord adds record i to the views' counts (by -1: takes it out).
func (l *listPane) countRecord(i, by int, env model.Env) {
	for v, q := range l.views {
		if q.MatchHaystack(l.all[i].sec, l.search.hay[i], env) {
			l.counts[v] += by
		}
	}
}

// matches reports whether record i is shown: it is in the view and
// matches the typed filter.
func (l *listPane) matches(i int, env model.Env) bool {
	s, hay := l.all[i].sec, l.search.hay[i]
	// Most views are empty (all): skip the call per secret.
	return (l.inView.Empty() || l.inView.MatchHaystack(s, hay, env)) && l.query.MatchHaystack(s, hay, env)
}

// setView shows the view q (every secret when q is empty), keeping the
// selection when the view shows it.
func (l *listPane) setView(q model.Query, env model.Env) {
	keep := l.selectedName()
	l.inView = q
	l.filterFrom(nil, env)
	l.cursor = 0
	l.selectName(keep)
}

// put writes s into the list in place of the record named old: s.Name
// itself for a change in place, the old name for a rename, a name not in
// the list for a new secret. The sort order and the filter hold after it,
// at the cost of a few copies of the list's slices rather than a sort and
// a filter of every secret. Placing the cursor is the caller's
// (selectName).
func (l *listPane) put(old string, s model.Secret, env model.Env) {
	l.forgetOrders()
	if i, ok := l.indexOf(old); ok && old == s.Name && l.fits(i, &s) {
		// A new value or description: the record keeps its place.
		widest := l.widest(i)
		l.countRecord(i, -1, env)
		l.all[i].sec = &s
		l.search.hay[i] = model.Haystack(&s)
		l.search.meta[i], l.search.fold[i] = metaHaystack(s.Metadata)
		l.countRecord(i, 1, env)
		k, shown := slices.BinarySearch(l.vis, int32(i))
		switch match := l.matches(i, env); {
		case shown && !match:
			l.vis = slices.Delete(l.vis, k, k+1)
		case !shown && match:
			l.vis = slices.Insert(l.vis, k, int32(i))
		}
		if widest {
			l.widenAll()
		} else {
			l.widen(&s, l.search.meta[i])
		}
		return
	}
	if it, ok := l.find(old); ok && old == s.Name {
		// The same name in another place (a rotation under sort by
		// update): its rank stays, and only the items between the two
		// places move.
		i := it.pos
		widest := l.cut(i, env)
		it.sec = &s
		j := l.place(it, env)
		l.reindex(min(i, j), max(i, j)+1)
		if widest {
			l.widenAll()
		}
		l.clamp()
		return
	}
	l.remove(old, env)
	l.remove(s.Name, env) // a list older than the store may hold the new name already
	l.insert(s, env)
}

// fits reports whether s belongs at index i of the sort order.
func (l *listPane) fits(i int, s *model.Secret) bool {
	return (i == 0 || model.Compare(l.all[i-1].sec, s, l.sort) < 0) &&
		(i == len(l.all)-1 || model.Compare(s, l.all[i+1].sec, l.sort) < 0)
}

// insert adds s, which is not in the list, at its place in the order.
func (l *listPane) insert(s model.Secret, env model.Env) {
	l.forgetOrders()
	r := l.rankOf(s.Name)
	l.shiftRanks(r, 1)
	it := &item{sec: &s, rank: r}
	l.byRank = slices.Insert(l.byRank, int(r), it)
	j := l.place(it, env)
	l.reindex(j, len(l.all))
}

// remove drops the record named name, if the list has it.
func (l *listPane) remove(name string, env model.Env) {
	l.forgetOrders()
	it, ok := l.find(name)
	if !ok {
		return
	}
	i := it.pos
	widest := l.cut(i, env)
	l.byRank = slices.Delete(l.byRank, int(it.rank), int(it.rank)+1)
	l.shiftRanks(it.rank, -1)
	l.reindex(i, len(l.all))
	if widest {
		l.widenAll()
	}
	l.clamp()
}

// place puts it into the list at its place in the order, with its search
// text, among the matches when it matches, and in the views' counts and
// the column widths, and returns its index. The positions of the items
// after it are the caller's (reindex).
func (l *listPane) place(it *item, env model.Env) int {
	s := it.sec
	i, _ := slices.BinarySearchFunc(l.all, s, func(x *item, s *model.Secret) int { return model.Compare(x.sec, s, l.sort) })
	meta, fold := metaHaystack(s.Metadata)
	l.all = slices.Insert(l.all, i, it)
	it.pos = i
	l.search.hay = slices.Insert(l.search.hay, i, model.Haystack(s))
	l.search.meta = slices.Insert(l.search.meta, i, meta)
	l.search.fold = slices.Insert(l.search.fold, i, fold)
	// vis holds indices into all in increasing order: those from i on
	// move one up, and i joins them if it matches.
	k, _ := slices.BinarySearch(l.vis, int32(i))
	for j := k; j < len(l.vis); j++ {
		l.vis[j]++
	}
	if l.matches(i, env) {
		l.vis = slices.Insert(l.vis, k, int32(i))
	}
	l.countRecord(i, 1, env)
	l.widen(s, meta)
	return i
}

// cut takes the item at index i out of the list, its search text, the
// matches and the views' counts, and reports whether it set a column's
// width (the caller measures them again: widenAll). The name index, the
// ranks and the positions of the items after it are the caller's.
func (l *listPane) cut(i int, env model.Env) (widest bool) {
	widest = l.widest(i)
	l.countRecord(i, -1, env)
	l.all = slices.Delete(l.all, i, i+1)
	l.search.hay = slices.Delete(l.search.hay, i, i+1)
	l.search.meta = slices.Delete(l.search.meta, i, i+1)
	l.search.fold = slices.Delete(l.search.fold, i, i+1)
	k, shown := slices.BinarySearch(l.vis, int32(i))
	if shown {
		l.vis = slices.Delete(l.vis, k, k+1)
	}
	for j := k; j < len(l.vis); j++ {
		l.vis[j]--
	}
	return widest
}

// reindex brings the positions of the items from index i to end (not
// included) up to date.
func (l *listPane) reindex(i, end int) {
	for ; i < end; i++ {
		l.all[i].pos = i
	}
}

// indexOf is the index in all of the secret named name.
func (l *listPane) indexOf(name string) (int, bool) {
	if it, ok := l.find(name); ok {
		return it.pos, true
	}
	return 0, false
}

// find is the item of the secret named name.
func (l *listPane) find(name string) (*item, bool) {
	r := l.rankOf(name)
	if int(r) < len(l.byRank) && l.byRank[r].sec.Name == name {
		return l.byRank[r], true
	}
	return nil, false
}

// widen makes the columns wide enough for s, whose metadata haystack
// (metaHaystack) is meta: "\x00k=v\x00k=v\x00" is two bytes longer than
// "k=v k=v".
func (l *listPane) widen(s *model.Secret, meta string) { l.widenBy(s, len(meta)) }

// widenBy is widen for a metadata haystack metaLen bytes long.
func (l *listPane) widenBy(s *model.Secret, metaLen int) {
	l.nameW = max(l.nameW, nameWidth(s.Name))
	l.metaW = max(l.metaW, metaLen-2)
	if d := s.Description; d != "" {
		l.descW = max(l.descW, len(d))
	}
}

// nameWidth is the width of a name on screen, made printable: its length
// when it is printable ASCII, as nearly every name is (measuring graphemes
// was a tenth of a load at 100,000 secrets).
func nameWidth(name string) int {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f {
			return ansi.StringWidth(model.Printable(name))
		}
	}
	return len(name)
}

// widest reports whether record i sets the width of a column, so that
// changing or removing it may narrow the column.
func (l *listPane) widest(i int) bool {
	s := l.all[i].sec
	return nameWidth(s.Name) >= l.nameW || len(l.search.meta[i])-2 >= l.metaW ||
		(s.Description != "" && len(s.Description) >= l.descW)
}

// widenAll measures the columns again after a change in place or a
// removal, which may have narrowed them.
func (l *listPane) widenAll() {
	l.nameW, l.metaW, l.descW = 0, 0, 0
	for j := range l.all {
		l.widen(l.all[j].sec, l.search.meta[j])
	}
}

// resort orders the list by key, keeping the selection and the filter.
func (l *listPane) resort(key model.SortKey) {
	keep := l.selectedName()
	l.sort = key
	l.permute(l.orderOf(key))
	l.selectName(keep)
}

// refilter matches and counts every secret again, for when the
// environment changed (is:unused after the task files changed), keeping
// the selection.
func (l *listPane) refilter(env model.Env) {
	keep := l.selectedName()
	l.filterFrom(nil, env)
	l.countViews(env)
	l.selectName(keep)
}

// setQuery filters by q. When q refines the current query only the current
// matches are searched.
func (l *listPane) setQuery(q model.Query, env model.Env) {
	keep := -1
	if l.cursor < len(l.vis) {
		keep = int(l.vis[l.cursor])
	}
	var from []int32
	if q.Refines(l.query) && !l.query.Empty() {
		from = l.vis
	}
	l.query = q
	l.filterFrom(from, env)
	l.cursor = 0
	if keep >= 0 {
		if i := slices.Index(l.vis, int32(keep)); i >= 0 {
			l.cursor = i
		}
	}
	l.clamp()
}

// filterFrom recomputes vis from the candidates in from (all when nil),
// reusing vis's memory: the result is never longer than its source.
func (l *listPane) filterFrom(from []int32, env model.Env) {
	out := l.vis[:0]
	pre := newMetaPrefilter(l.inView.String() + " " + l.query.String())
	hay := l.search.hay
	switch {
	case from == nil && l.query.Empty() && l.inView.Empty():
		if cap(out) < len(l.all) {
			out = make([]int32, 0, len(l.all))
		}
		for i := range l.all {
			out = append(out, int32(i))
		}
	case from == nil:
		if cap(out) < len(l.all) {
			out = make([]int32, 0, len(l.all))
		}
		for i := range hay {
			if !pre.rejects(&l.search, i) && l.matches(i, env) {
				out = append(out, int32(i))
			}
		}
	default:
		for _, i := range from {
			if !pre.rejects(&l.search, int(i)) && l.matches(int(i), env) {
				out = append(out, i)
			}
		}
	}
	l.vis = out
}

func (l *listPane) selected() (*model.Secret, bool) {
	if l.cursor < 0 || l.cursor >= len(l.vis) {
		return nil, false
	}
	return l.all[l.vis[l.cursor]].sec, true
}

func (l *listPane) selectedName() string {
	if s, ok := l.selected(); ok {
		return s.Name
	}
	return ""
}

// selectName moves the cursor to name when it is visible, else keeps the
// cursor where it was (clamped).
func (l *listPane) selectName(name string) {
	if i, ok := l.indexOf(name); ok && name != "" {
		if j := slices.Index(l.vis, int32(i)); j >= 0 {
			l.cursor = j
		}
	}
	l.clamp()
}

func (l *listPane) move(delta int) {
	l.cursor += delta
	l.clamp()
}

func (l *listPane) top()    { l.cursor = 0; l.clamp() }
func (l *listPane) bottom() { l.cursor = len(l.vis) - 1; l.clamp() }

func (l *listPane) page() int { return max(1, l.height-1) }

// clamp keeps the cursor on a row and the window around the cursor.
func (l *listPane) clamp() {
	if l.cursor >= len(l.vis) {
		l.cursor = len(l.vis) - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	h := max(1, l.height)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	if maxOff := max(0, len(l.vis)-h); l.offset > maxOff {
		l.offset = maxOff
	}
	if l.offset < 0 {
		l.offset = 0
	}
}

func (l *listPane) setSize(w, h int) {
	l.width, l.height = w, h
	l.clamp()
}

// view renders the visible rows only: its cost does not depend on the number
// of secrets.
// filtering says the filter box is open, where esc leaves it and keeps
// it rather than clearing it.
// marks are the marked names, drawn with a * after the cursor column.
func (l *listPane) view(st *styles, focused, filtering bool, marks map[string]bool, now time.Time) string {
	if len(l.all) == 0 {
		return st.dim.Render(cells.Fit("No secrets yet. Press n to add one.", l.width))
	}
	if len(l.vis) == 0 {
		msg := "Nothing matches the filter. esc clears it."
		if filtering {
			msg = "Nothing matches the filter. Change it, or esc and esc again to clear it."
		}
		return st.dim.Render(ansi.Wordwrap(msg, l.width, ""))
	}
	cols := l.columns()
	var b strings.Builder
	end := min(len(l.vis), l.offset+l.height)
	for row := l.offset; row < end; row++ {
		s := l.all[l.vis[row]].sec
		sel := row == l.cursor
		mark := "  "
		switch {
		case sel && marks[s.Name]:
			mark = ">*"
		case sel:
			mark = "> "
		case marks[s.Name]:
			mark = " *"
		}
		var line strings.Builder
		line.WriteString(mark)
		line.WriteString(st.dim.Render(syncMark(s)))
		line.WriteByte(' ')
		line.WriteString(cells.Fit(model.Printable(s.Name), cols.name))
		line.WriteByte(' ')
		if cols.meta > 0 {
			line.WriteString(st.dim.Render(cells.Fit(compactMetadata(s.Metadata), cols.meta)))
			line.WriteByte(' ')
		}
		if cols.desc > 0 {
			line.WriteString(cells.Fit(firstLine(s.Description), cols.desc))
			line.WriteByte(' ')
		}
		line.WriteString(padLeft(model.HumanAge(s.Age(now)), ageColW))
		line.WriteByte(' ')
		if s.Due(now) {
			line.WriteString(st.due.Render("due!"))
		} else {
			line.WriteString("    ")
		}
		text := line.String()
		if sel {
			if focused {
				text = st.selected.Render(ansi.Strip(text))
			} else {
				text = st.selectedBlur.Render(ansi.Strip(text))
			}
		}
		b.WriteString(text)
		if row < end-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// The list's fixed columns: the cursor and sync marks and a gap, the age,
// and "due!".
const markColW, ageColW, dueColW = 4, 4, 4

// Below these widths the metadata column is dropped, and the description
// column is not drawn.
const minMetaColW, minDescColW = 6, 16

// listColumns are the widths of the list's variable columns; 0 is a
// column not drawn.
type listColumns struct{ name, meta, desc int }

// columns sizes the name, metadata and description columns to their
// content. Names come first and keep their full width while 12 cells
// remain; metadata comes next; a description column takes what is left
// when it is at least minDescColW wide. The visible rows' metadata is
// measured exactly: the column sized at load counts bytes and no quotes.
func (l *listPane) columns() listColumns {
	fixed := markColW + ageColW + 1 + dueColW
	const minMeta = 12
	var c listColumns
	c.name = min(l.nameW, max(8, l.width-fixed-1-minMeta-1))
	avail := l.width - fixed - c.name - 1 // the rest, with the gap after each column
	if avail < minMetaColW+1 {
		// Too narrow for metadata: give its room to the name.
		c.name = max(4, l.width-fixed-1)
		return c
	}
	metaW := l.metaW
	end := min(len(l.vis), l.offset+l.height)
	for row := l.offset; row < end; row++ {
		metaW = max(metaW, ansi.StringWidth(compactMetadata(l.all[l.vis[row]].sec.Metadata)))
	}
	switch {
	case l.descW > 0 && metaW == 0 && avail-1 >= minDescColW:
		c.desc = avail - 1
	case l.descW > 0 && avail-metaW-2 >= minDescColW:
		c.meta = metaW
		c.desc = avail - metaW - 2
	default:
		c.meta = avail - 1
	}
	return c
}

// firstLine is the first line of a description, made printable, with a
// mark when more lines follow.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return model.Printable(s[:i]) + " …"
	}
	return model.Printable(s)
}

// compactMetadata writes metadata as the filter text that matches it
// (model.FormatMetadata), made printable: what the user sees is what they
// can type after /.
func compactMetadata(md map[string]string) string {
	return model.Printable(model.FormatMetadata(md))
}

func padLeft(s string, w int) string {
	if n := w - ansi.StringWidth(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}

// maxSharedMetaTexts bounds how many metadata maps a load remembers the
// text of: an index whose every record has a map of its own costs a small
// table, not a second index.
const maxSharedMetaTexts = 4096

// metaText is a metadata haystack (metaHaystack) and its fold flag.
type metaText struct {
	text string
	fold bool
}

// sharedMetaTexts remembers the metadata text of maps met during one
// load, by the map's identity: a map is the same map only while no one
// changes it, as the list's records never are. A load first counts the
// text's size with first, then writes it with text and keep.
type sharedMetaTexts struct {
	texts map[uintptr]int // map → index into done, -1 until written
	done  []metaText
	// repeats counts the maps first met again; while none is, after the
	// table is full, first stops looking (records with maps of their own
	// then cost nothing more), and without any, text and keep do not look.
	repeats int
}

// first reports whether md is met for the first time, or is one whose text
// is not remembered (and so is written for every record that has it): an
// upper bound on the texts written.
func (m *sharedMetaTexts) first(md map[string]string) bool {
	full := len(m.texts) >= maxSharedMetaTexts
	if full && m.repeats == 0 {
		return true
	}
	p := reflect.ValueOf(md).Pointer()
	if _, ok := m.texts[p]; ok {
		m.repeats++
		return false
	}
	if m.texts == nil {
		m.texts = map[uintptr]int{}
	}
	if !full {
		m.texts[p] = -1
	}
	return true
}

// text is the remembered text of md; the empty text for no metadata.
func (m *sharedMetaTexts) text(md map[string]string) (metaText, bool) {
	if len(md) == 0 {
		return metaText{}, true
	}
	if m.repeats == 0 {
		return metaText{}, false
	}
	if k, ok := m.texts[reflect.ValueOf(md).Pointer()]; ok && k >= 0 {
		return m.done[k], true
	}
	return metaText{}, false
}

// keep remembers t as the text of md, when first remembered md.
func (m *sharedMetaTexts) keep(md map[string]string, t metaText) {
	if m.repeats == 0 {
		return
	}
	p := reflect.ValueOf(md).Pointer()
	if k, ok := m.texts[p]; ok && k < 0 {
		m.texts[p] = len(m.done)
		m.done = append(m.done, t)
	}
}

// metaHaystack flattens metadata into one lower-cased string,
// "\x00key=value\x00key=value\x00", and reports whether any of it is
// non-ASCII.
func metaHaystack(md map[string]string) (string, bool) {
	if len(md) == 0 {
		return "", false
	}
	var b strings.Builder
	fold := writeMetaHaystack(&b, md)
	return b.String(), fold
}

// writeMetaHaystack writes metaHaystack's string into b ("" for no
// metadata) and reports whether any of it is non-ASCII.
func writeMetaHaystack(b *strings.Builder, md map[string]string) bool {
	if len(md) == 0 {
		return false
	}
	b.WriteByte(0)
	fold := false
	for k, v := range md {
		fold = !writeLower(b, k) || fold
		b.WriteByte('=')
		fold = !writeLower(b, v) || fold
		b.WriteByte(0)
	}
	return fold
}

// writeHaystack writes model.Haystack(s) into b without building it: the
// same bytes (TestWriteHaystack), one copy instead of four per secret.
func writeHaystack(b *strings.Builder, s *model.Secret) {
	writeLower(b, s.Name)
	b.WriteByte(0)
	writeLower(b, s.Description)
}

// writeLower writes strings.ToLower(s) into b, byte by byte when s is
// ASCII, and reports whether it was.
func writeLower(b *strings.Builder, s string) bool {
	// One pass without branches tells both: every byte's high bit, and
	// whether any byte is in A–Z (c-'A' < 26 unsigned).
	var high, upper byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		high |= c
		if c-'A' < 26 {
			upper = 1
		}
	}
	switch {
	case high >= 0x80:
		b.WriteString(strings.ToLower(s))
		return false
	case upper == 0:
		b.WriteString(s)
		return true
	}
	var tmp [64]byte
	out := tmp[:0]
	if len(s) > len(tmp) {
		out = make([]byte, 0, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	b.Write(out)
	return true
}

// metaPrefilter is a cheap, conservative first pass for key=value and key=*
// terms. A Go map lookup per secret costs ~100 ns at 100,000 secrets (the
// maps are scattered in memory); a substring search in one flat string per
// secret costs a fraction of that. It only ever rejects secrets that
// model.Query would reject too; everything it lets through is still checked
// by MatchHaystack, which stays the one definition of matching.
type metaPrefilter struct {
	needles []string
}

// newMetaPrefilter derives needles from the query text. It gives up (no
// needles) on anything it does not fully understand: quotes or non-ASCII
// text; other terms (words, !=, is:, age) add no needle.
func newMetaPrefilter(query string) metaPrefilter {
	var p metaPrefilter
	if strings.ContainsAny(query, `"\`) {
		return p
	}
	for i := 0; i < len(query); i++ {
		if query[i] >= 0x80 {
			return p
		}
	}
	for _, term := range strings.Fields(query) {
		k, v, ok := strings.Cut(term, "=")
		if !ok || k == "" || strings.HasSuffix(k, "!") || strings.HasPrefix(term, "is:") || strings.HasPrefix(term, "age") {
			continue
		}
		if v == "*" {
			p.needles = append(p.needles, "\x00"+strings.ToLower(k)+"=")
		} else {
			p.needles = append(p.needles, "\x00"+strings.ToLower(k)+"="+strings.ToLower(v)+"\x00")
		}
	}
	return p
}

func (p metaPrefilter) rejects(s *search, i int) bool {
	if len(p.needles) == 0 || s.fold[i] {
		return false
	}
	for _, n := range p.needles {
		if !strings.Contains(s.meta[i], n) {
			return true
		}
	}
	return false
}
