package ui

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

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
				l.setSecrets(slices.Clone(recs), t0, env, "")
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
					switch op := rng.IntN(5); {
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
					want.setSecrets(all, t0, env, "")
					want.setQuery(q, env)
					if d := listDiff(l, want); d != "" {
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
		g, w := &got.all[i].sec, &want.all[i].sec
		if g.Name != w.Name || g.Version != w.Version {
			return fmt.Sprintf("record %d is %s v%d, want %s v%d", i, g.Name, g.Version, w.Name, w.Version)
		}
		if got.byName[g.Name] != i {
			return fmt.Sprintf("byName[%s] = %d, want %d", g.Name, got.byName[g.Name], i)
		}
		if got.search.hay[i] != want.search.hay[i] || got.search.fold[i] != want.search.fold[i] ||
			len(got.search.meta[i]) != len(want.search.meta[i]) {
			return fmt.Sprintf("search text of %s differs", g.Name)
		}
	}
	if len(got.byName) != len(want.byName) {
		return fmt.Sprintf("byName has %d names, want %d", len(got.byName), len(want.byName))
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
