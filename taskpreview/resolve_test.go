package taskpreview

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/model"
)

// nameSetStore is a store's names of every kind a suggestion can meet:
// case variants, lengths around the asked names', non-ASCII names (whose
// lower-cased length differs from their own), and a repeated name.
var nameSetStore = []string{
	"API_TOKEN", "API_TOKEM", "api_token", "APITOKEN", "API_TOKEN_2", "API_TOKEN_22", "API_TOKEN_333",
	"KEY_0", "KEY_1", "KEY_10", "KEY", "KE", "K", "key_0", "P_2", "P_22", "LOG_3",
	"ÀPI_TOKEN", "KEY_İ", "İ", "STRAẞE", "TENANT_000050_BILLING_KEY", "TENANT_000050_BILLING_KEZ",
	"KEY_1",
}

// nameSetAsked are the missing names asked about, ASCII or not.
var nameSetAsked = []string{
	"API_TOKEN", "API_TOKN", "Api_Token", "KEY_5", "KEY_55", "KEY", "K", "", "P_2", "p_2", "LOG_33",
	"ÀPI_TOKEN", "KEY_I", "İİ", "strasse", "TENANT_000050_BILLING_KEY", "TENANT_000051_BILLING_KEY", "X",
}

// TestNameSetSuggest: a nameSet suggests what model.SimilarNames of every
// name would, though it asks only the names whose length can be close;
// and it answers whether a name exists, sorted input or not.
func TestNameSetSuggest(t *testing.T) {
	for _, names := range [][]string{nameSetStore, slices.Sorted(slices.Values(nameSetStore)), nil} {
		in := slices.Clone(names)
		s := newNameSet(names)
		for _, name := range append(nameSetAsked, names...) {
			want := ""
			if close := model.SimilarNames(names, name); len(close) > 0 {
				want = close[0]
			}
			if got := s.suggest(name); got != want {
				t.Errorf("suggest(%q) = %q, want %q (SimilarNames of every name)", name, got, want)
			}
			if got, want := s.has(name), slices.Contains(names, name); got != want {
				t.Errorf("has(%q) = %v, want %v", name, got, want)
			}
		}
		if !slices.Equal(names, in) {
			t.Errorf("newNameSet changed the names it was given: %q", names)
		}
	}
}

// FuzzNameSetSuggest checks the same against names made by the fuzzer.
func FuzzNameSetSuggest(f *testing.F) {
	f.Add(strings.Join(nameSetStore, "\n"), "API_TOKN")
	f.Add("A\nÀ\nİ\nab", "a")
	f.Fuzz(func(t *testing.T, store, name string) {
		names := strings.Split(store, "\n")
		want := ""
		if close := model.SimilarNames(names, name); len(close) > 0 {
			want = close[0]
		}
		s := newNameSet(names)
		if got := s.suggest(name); got != want {
			t.Errorf("suggest(%q) = %q, want %q", name, got, want)
		}
		if got, want := s.has(name), slices.Contains(names, name); got != want {
			t.Errorf("has(%q) = %v, want %v", name, got, want)
		}
	})
}
