package ui

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/model"
)

// TestListPutRemoveMatchesRebuild checks the one-record changes of the list
// against building it again from scratch: after every put and remove the
// order, the filter's matches, the name index, the search text and the name
// column are what setSecrets makes of the same records; so are the views'
// counts, kept by one record at a time, and the matches of a view with a
// filter typed over it.
func TestListPutRemoveMatchesRebuild(t *testing.T) {
	for _, key := range model.SortKeys {
		for _, query := range []string{"", "env=prod", "stripe", "is:due"} {
			t.Run(fmt.Sprintf("%s/%q", key, query), func(t *testing.T) {
				q, err := model.ParseQuery(query)
				if err != nil {
					t.Fatal(err)
				}
				env := model.Env{Now: t0}
				rng := rand.New(rand.NewPCG(1, uint64(len(query))))
				recs := manySecrets(60)
				views := []model.Query{{}, model.MustParseQuery("is:due"), model.MustParseQuery("env=prod")}
				active := len(query) % len(views)
				l := &listPane{sort: key, height: 10}
				l.setViews(views, active, env)
				l.setSecrets(slices.Clone(recs), env, "")
				l.setQuery(q, env)
				byName := map[string]model.Secret{}
				for _, s := range recs {
					byName[s.Name] = s
				}
				for step := range 300 {
					names := make([]string, 0, len(byName))
					for n := range byName {
						names = append(names, n)
					}
					slices.Sort(names)
					pick := names[rng.IntN(len(names))]
					var what string
					switch op := rng.IntN(6); {
					case op == 5:
						// Sorted by another key and back: the filter and
						// the ranks survive both.
						other := model.SortKeys[rng.IntN(len(model.SortKeys))]
						what = "sort by " + string(other) + " and back"
						l.resort(other)
						if d := sortedDiff(l, other); d != "" {
							t.Fatalf("step %d (%s): %s", step, what, d)
						}
						l.resort(key)
					case op == 0 && len(names) > 1:
						what = "remove " + pick
						l.remove(pick, env)
						delete(byName, pick)
					case op == 1:
						// A new record, at times the longest name yet.
						s := manySecrets(1)[0]
						s.Name = fmt.Sprintf("NEW_%03d%s", step, strings.Repeat("X", rng.IntN(3)*15))
						s.Metadata = map[string]string{"env": []string{"prod", "dev"}[rng.IntN(2)]}
						s.UpdatedAt = t0.Add(-model.Day * time.Duration(rng.IntN(300)))
						s.RotatedAt = s.UpdatedAt
						what = "create " + s.Name
						l.put(s.Name, s, env)
						byName[s.Name] = s
					case op == 2:
						s := byName[pick]
						s.Name = pick + "_R"
						what = "rename " + pick
						l.put(pick, s, env)
						delete(byName, pick)
						byName[s.Name] = s
					default:
						// A rotation or an edit: new times, version,
						// metadata; sometimes no move at all.
						s := byName[pick]
						s.Version++
						s.RotatedAt = t0.Add(-model.Day * time.Duration(rng.IntN(50)))
						s.UpdatedAt = s.RotatedAt
						if rng.IntN(2) == 0 {
							s.Metadata = map[string]string{"env": "prod", "service": "stripe"}
						}
						what = "change " + pick
						l.put(pick, s, env)
						byName[pick] = s
					}
					all := make([]model.Secret, 0, len(byName))
					for _, s := range byName {
						all = append(all, s)
					}
					want := &listPane{sort: key, height: 10}
					want.setViews(views, active, env)
					want.setSecrets(all, env, "")
					want.setQuery(q, env)
					if d := listDiff(l, want); d != "" {
						t.Fatalf("step %d (%s): %s", step, what, d)
					}
					if d := sortedDiff(l, key); d != "" {
						t.Fatalf("step %d (%s): %s", step, what, d)
					}
				}
			})
		}
	}
}

// listDiff says how got differs from want, or "".
func listDiff(got, want *listPane) string {
	if len(got.all) != len(want.all) {
		return fmt.Sprintf("%d records, want %d", len(got.all), len(want.all))
	}
	for i := range want.all {
		g, w := got.all[i].sec, want.all[i].sec
		if g.Name != w.Name || g.Version != w.Version {
			return fmt.Sprintf("record %d is %s v%d, want %s v%d", i, g.Name, g.Version, w.Name, w.Version)
		}
		if got.all[i].rank != want.all[i].rank {
			return fmt.Sprintf("rank of %s = %d, want %d", g.Name, got.all[i].rank, want.all[i].rank)
		}
		if j, ok := got.indexOf(g.Name); !ok || j != i || got.byRank[got.all[i].rank] != got.all[i] {
			return fmt.Sprintf("byRank of %s = %d, want %d", g.Name, j, i)
		}
		if got.search.hay[i] != want.search.hay[i] || got.search.fold[i] != want.search.fold[i] ||
			len(got.search.meta[i]) != len(want.search.meta[i]) {
			return fmt.Sprintf("search text of %s differs", g.Name)
		}
	}
	if len(got.byRank) != len(want.byRank) {
		return fmt.Sprintf("byRank has %d names, want %d", len(got.byRank), len(want.byRank))
	}
	if !slices.Equal(got.counts, want.counts) {
		return fmt.Sprintf("view counts %v, want %v", got.counts, want.counts)
	}
	if !slices.Equal(got.vis, want.vis) {
		return fmt.Sprintf("matches %v, want %v", got.vis, want.vis)
	}
	if got.nameW != want.nameW || got.metaW != want.metaW || got.descW != want.descW {
		return fmt.Sprintf("columns %d %d %d, want %d %d %d", got.nameW, got.metaW, got.descW, want.nameW, want.metaW, want.descW)
	}
	return ""
}

// sortedDiff says how l's order differs from model.Sort's by key, the
// order of record, or "". The filter's matches must be in list order.
func sortedDiff(l *listPane, key model.SortKey) string {
	want := make([]model.Secret, len(l.all))
	for i := range l.all {
		want[i] = *l.all[len(l.all)-1-i].sec
	}
	model.Sort(want, key, t0)
	names := make([]string, len(want))
	for i := range want {
		names[i] = want[i].Name
	}
	slices.Sort(names)
	for i := range want {
		if g := l.all[i].sec.Name; g != want[i].Name {
			return fmt.Sprintf("by %s, row %d is %s, want %s", key, i, g, want[i].Name)
		}
		if r, _ := slices.BinarySearch(names, want[i].Name); l.all[i].rank != int32(r) {
			return fmt.Sprintf("rank of %s = %d, want %d", want[i].Name, l.all[i].rank, r)
		}
	}
	if !slices.IsSorted(l.vis) {
		return fmt.Sprintf("matches out of order: %v", l.vis)
	}
	return ""
}

// TestSortOrderMatchesModelSort checks the integer keys against
// model.Sort on the times that could trip them: equal seconds with other
// nanoseconds, zero times, times before 1970 and far ahead, no rotation
// (the creation time counts), no policy, and an unknown key.
func TestSortOrderMatchesModelSort(t *testing.T) {
	wide := []time.Time{
		{}, t0, t0.Add(1), t0.Add(999_999_999), t0.Add(-1), t0.Add(time.Second),
		time.Date(1901, 1, 1, 0, 0, 0, 5, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), t0.In(time.FixedZone("x", 3600)),
	}
	// Whole seconds a few years apart, as the index keeps them: the keys
	// fit one integer (packedOrder); the wide times do not.
	narrow := []time.Time{t0, t0.Add(time.Second), t0.Add(-time.Second), t0.Add(-3 * 365 * model.Day),
		t0.Add(-model.Day), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name   string
		times  []time.Time
		packed bool
	}{{"wide", wide, false}, {"narrow", narrow, true}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 7))
			pick := func() time.Time { return tc.times[rng.IntN(len(tc.times))] }
			secs := make([]model.Secret, 400)
			for i := range secs {
				secs[i] = model.Secret{Name: fmt.Sprintf("S%03d", rng.IntN(1000)*1000+i), CreatedAt: pick(), UpdatedAt: pick()}
				if rng.IntN(3) > 0 {
					secs[i].RotatedAt = pick()
				}
				if rng.IntN(3) > 0 {
					secs[i].RotateEvery = model.Duration(time.Duration(rng.IntN(3)) * model.Day)
				}
			}
			for _, key := range append(slices.Clone(model.SortKeys), "unknown") {
				want := slices.Clone(secs)
				model.Sort(want, key, t0)
				l := &listPane{sort: key}
				l.setSecrets(slices.Clone(secs), model.Env{Now: t0}, "")
				for i := range want {
					if g := l.all[i].sec.Name; g != want[i].Name {
						t.Fatalf("by %s, row %d is %s, want %s", key, i, g, want[i].Name)
					}
				}
				// The same order again from another one (resort).
				l.resort(model.SortName)
				l.resort(key)
				if d := sortedDiff(l, key); d != "" && key != "unknown" {
					t.Fatal(d)
				}
				if key == model.SortName || key == "unknown" {
					continue
				}
				ents := make([]sortEntry, len(l.all))
				for i, it := range l.all {
					ents[i] = sortKey(it.sec, key, it.rank)
					ents[i].i = int32(i)
				}
				if got := packedOrder(ents, make([]int32, len(ents))); got != tc.packed {
					t.Errorf("by %s: packed %t, want %t", key, got, tc.packed)
				}
			}
		})
	}
}

// TestWriteHaystack checks the load's search text against model.Haystack
// and metaHaystack's definition: the same bytes, ASCII or not.
func TestWriteHaystack(t *testing.T) {
	for _, s := range []model.Secret{
		{},
		{Name: "GITHUB_TOKEN", Description: "Release Token for CI"},
		{Name: "already_lower", Description: "no capitals at all"},
		{Name: "@AZ[`az{\x7f\x01", Description: "Z@A[ only A and Z fold"},
		{Name: "ÄPFEL_KEY", Description: "Größe ΣΑΣ İstanbul"},
		{Name: strings.Repeat("LONG_NAME_", 20), Description: strings.Repeat("Desc ", 40)},
		{Name: "X", Metadata: map[string]string{"Env": "PROD", "owner": "Zoë", "k": ""}},
	} {
		var b strings.Builder
		writeHaystack(&b, &s)
		if got, want := b.String(), model.Haystack(&s); got != want {
			t.Errorf("writeHaystack(%q) = %q, want %q", s.Name, got, want)
		}
		meta, fold := metaHaystack(s.Metadata)
		var wantFold bool
		want := map[string]bool{}
		for k, v := range s.Metadata {
			want[strings.ToLower(k)+"="+strings.ToLower(v)] = true
			wantFold = wantFold || !isASCIIString(k+v)
		}
		got := map[string]bool{}
		if meta != "" {
			if !strings.HasPrefix(meta, "\x00") || !strings.HasSuffix(meta, "\x00") {
				t.Errorf("metaHaystack = %q, want \\x00 around each pair", meta)
			}
			for _, p := range strings.Split(strings.Trim(meta, "\x00"), "\x00") {
				got[p] = true
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || fold != wantFold {
			t.Errorf("metaHaystack(%v) = %q (fold %t), want pairs %v (fold %t)", s.Metadata, meta, fold, want, wantFold)
		}
	}
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// TestNameWidth checks the ASCII shortcut against measuring the printable
// name.
func TestNameWidth(t *testing.T) {
	for _, name := range []string{"", "GITHUB_TOKEN", "a b~", "TAB\tNAME", "DEL\x7f", "ÄPFEL", "密钥", "e\u0301", "\u200bZW"} {
		if got, want := nameWidth(name), ansi.StringWidth(model.Printable(name)); got != want {
			t.Errorf("nameWidth(%q) = %d, want %d", name, got, want)
		}
	}
}

// TestPermuteMatchesCopy checks that permute, which reorders the list's
// slices in place, ends where building new slices in the order would: the
// items and their positions, the search text and the visible rows.
func TestPermuteMatchesCopy(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for _, n := range []int{0, 1, 2, 3, 10, 257} {
		for range 20 {
			var l listPane
			l.setSecrets(manySecrets(n), model.Env{Now: t0}, "")
			l.vis = l.vis[:0]
			for i := range n {
				if r.IntN(3) > 0 {
					l.vis = append(l.vis, int32(i))
				}
			}
			order := make([]int32, n)
			for i := range order {
				order[i] = int32(i)
			}
			r.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
			var wantAll []*item
			var wantHay, wantMeta []string
			var wantFold []bool
			var wantVis []int32
			for k, i := range order {
				wantAll = append(wantAll, l.all[i])
				wantHay = append(wantHay, l.search.hay[i])
				wantMeta = append(wantMeta, l.search.meta[i])
				wantFold = append(wantFold, l.search.fold[i])
				if slices.Contains(l.vis, i) {
					wantVis = append(wantVis, int32(k))
				}
			}
			l.permute(order)
			for k, it := range l.all {
				if it != wantAll[k] || it.pos != k {
					t.Fatalf("n=%d: all[%d] = %s at pos %d, want %s", n, k, it.sec.Name, it.pos, wantAll[k].sec.Name)
				}
			}
			if !slices.Equal(l.search.hay, wantHay) || !slices.Equal(l.search.meta, wantMeta) || !slices.Equal(l.search.fold, wantFold) {
				t.Fatalf("n=%d: search text not permuted with the items", n)
			}
			if !slices.Equal(l.vis, wantVis) {
				t.Fatalf("n=%d: vis = %v, want %v", n, l.vis, wantVis)
			}
		}
	}
}

// TestSetSecretsSharedMetadata: records that share one metadata map (as
// the index cache gives them) get the search text and column widths that
// records with maps of their own get, past the number of maps a load
// remembers too; so do records that share none.
func TestSetSecretsSharedMetadata(t *testing.T) {
	pool := []map[string]string{
		{"env": "PROD", "owner": "Payments Team"},
		{"env": "dev"},
		{"Größe": "ÄPFEL", "k": ""},
		{},
		nil,
	}
	secs := manySecrets(maxSharedMetaTexts + 300)
	for i := range secs {
		switch {
		case i < 300:
			secs[i].Metadata = pool[i%len(pool)]
		case i%2 == 0:
			secs[i].Metadata = map[string]string{"n": fmt.Sprint(i), "WIDE": strings.Repeat("v", i%97)}
		}
	}
	own := slices.Clone(secs)
	for i := range own {
		own[i] = own[i].Clone()
	}
	var shared, apart listPane
	shared.setSecrets(secs, model.Env{Now: t0}, "")
	apart.setSecrets(own, model.Env{Now: t0}, "")
	pairs := func(meta string) string {
		p := strings.Split(strings.Trim(meta, "\x00"), "\x00")
		slices.Sort(p)
		return strings.Join(p, "|")
	}
	for _, l := range []*listPane{&shared, &apart} {
		for i, it := range l.all {
			meta, fold := metaHaystack(it.sec.Metadata)
			if l.search.hay[i] != model.Haystack(it.sec) || pairs(l.search.meta[i]) != pairs(meta) ||
				len(l.search.meta[i]) != len(meta) || l.search.fold[i] != fold {
				t.Fatalf("%s: search text %q %q (fold %t), want %q %q (fold %t)", it.sec.Name,
					l.search.hay[i], l.search.meta[i], l.search.fold[i], model.Haystack(it.sec), meta, fold)
			}
		}
	}
	if shared.nameW != apart.nameW || shared.metaW != apart.metaW || shared.descW != apart.descW {
		t.Fatalf("widths %d %d %d, want %d %d %d", shared.nameW, shared.metaW, shared.descW, apart.nameW, apart.metaW, apart.descW)
	}
}

// TestSortAhead checks the orders sorted in advance after a load: s then
// finds them kept, they are the orders a sort makes, and a reply for a
// list that changed since is dropped.
func TestSortAhead(t *testing.T) {
	h := newHarness(t, nil)
	secs := manySecrets(50)
	for i := range secs {
		secs[i].UpdatedAt = secs[i].UpdatedAt.Add(time.Duration(i*7%13) * time.Hour)
	}
	h.a.indexLoaded(indexLoadedMsg{seq: h.a.indexSeq, secrets: secs})
	if len(h.a.list.all) != 50 || len(h.a.list.orders) != 0 {
		t.Fatalf("loaded %d secrets, %d orders kept", len(h.a.list.all), len(h.a.list.orders))
	}
	gen := h.a.list.gen
	cmd := h.a.sortAhead(sortAheadMsg{gen: gen})
	if cmd == nil {
		t.Fatal("sortAhead made no Cmd")
	}
	msg := cmd().(sortedAheadMsg)
	if len(msg.orders) != 2 {
		t.Fatalf("sorted ahead by %d keys, want updated and due", len(msg.orders))
	}
	// A stale reply is dropped.
	s := *h.a.list.all[0].sec
	s.Description = "changed"
	h.a.list.put(s.Name, s, h.a.env())
	if h.a.list.keepOrders(gen, msg.orders) || len(h.a.list.orders) != 0 {
		t.Fatal("kept orders for a list that changed since")
	}
	h.send(sortAheadMsg{gen: h.a.list.gen})
	if len(h.a.list.orders) != 2 {
		t.Fatalf("kept %d orders after sorting ahead, want 2", len(h.a.list.orders))
	}
	for _, key := range []model.SortKey{model.SortUpdated, model.SortDue} {
		kept := h.a.list.orders[key]
		h.a.list.forgetOrders()
		h.a.list.resort(key)
		if d := sortedDiff(&h.a.list, key); d != "" {
			t.Fatal(d)
		}
		if !slices.Equal(kept, h.a.list.orders[key]) {
			t.Fatalf("by %s: the order sorted ahead is not the one a sort makes", key)
		}
		h.send(sortAheadMsg{gen: h.a.list.gen})
	}
}
