package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var querySecrets = []Secret{
	{Name: "STRIPE_SECRET_KEY", Description: "Payments live key", Metadata: map[string]string{"env": "prod", "owner": "payments team"}, CreatedAt: now.Add(-200 * Day), RotateEvery: Duration(90 * Day)},
	{Name: "STRIPE_TEST_KEY", Description: "Payments sandbox", Metadata: map[string]string{"env": "staging", "owner": "payments team"}, CreatedAt: now.Add(-3 * Day), RotateEvery: Duration(90 * Day)},
	{Name: "OPENAI_API_KEY", Description: "LLM provider key", Metadata: map[string]string{"env": "Prod", "team": "ml"}, CreatedAt: now.Add(-400 * Day), RotatedAt: now.Add(-10 * Day)},
	{Name: "SLACK_BOT_TOKEN", Description: "", CreatedAt: now.Add(-30 * time.Hour)},
}

func names(q Query, env Env) string {
	var out []string
	for i := range querySecrets {
		if q.Match(&querySecrets[i], env) {
			out = append(out, querySecrets[i].Name)
		}
	}
	return strings.Join(out, ",")
}

func TestQueryMatch(t *testing.T) {
	used := func(n string) bool { return n == "OPENAI_API_KEY" || n == "SLACK_BOT_TOKEN" }
	tests := []struct {
		q, want string
	}{
		{"", "STRIPE_SECRET_KEY,STRIPE_TEST_KEY,OPENAI_API_KEY,SLACK_BOT_TOKEN"},
		{"stripe", "STRIPE_SECRET_KEY,STRIPE_TEST_KEY"},
		{"SANDBOX", "STRIPE_TEST_KEY"},
		{"payments key", "STRIPE_SECRET_KEY,STRIPE_TEST_KEY"},
		{"live payments", "STRIPE_SECRET_KEY"},
		{"env=prod", "STRIPE_SECRET_KEY,OPENAI_API_KEY"},
		{"env!=prod", "STRIPE_TEST_KEY,SLACK_BOT_TOKEN"},
		{"ENV=prod", ""},
		{"team=*", "OPENAI_API_KEY"},
		{"team!=*", "STRIPE_SECRET_KEY,STRIPE_TEST_KEY,SLACK_BOT_TOKEN"},
		{`owner="payments team"`, "STRIPE_SECRET_KEY,STRIPE_TEST_KEY"},
		{`owner="Payments Team" env=staging`, "STRIPE_TEST_KEY"},
		{"is:due", "STRIPE_SECRET_KEY"},
		{"is:unused", "STRIPE_SECRET_KEY,STRIPE_TEST_KEY"},
		{"age>90d", "STRIPE_SECRET_KEY"},
		{"age<7d", "STRIPE_TEST_KEY,SLACK_BOT_TOKEN"},
		{"age<1d", ""},
		{"age>1d age<2d", "SLACK_BOT_TOKEN"},
		{"age>36500d", ""},
		{"age<36500d", "STRIPE_SECRET_KEY,STRIPE_TEST_KEY,OPENAI_API_KEY,SLACK_BOT_TOKEN"},
		{`"live key"`, "STRIPE_SECRET_KEY"},
		{`k="*"`, ""},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.q)
		if err != nil {
			t.Errorf("ParseQuery(%q) error: %v", tt.q, err)
			continue
		}
		if got := names(q, Env{Now: now, Used: used}); got != tt.want {
			t.Errorf("ParseQuery(%q) matches %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	tests := []struct {
		q      string
		column int
		term   string
	}{
		{"env=prod is:old", 10, "is:old"},
		{"age>9x", 1, "age>9x"},
		{"age>", 1, "age>"},
		{"stripe =prod", 8, "=prod"},
		{`owner="payments team`, 7, `owner="payments team`},
		{`a!=* ""`, 6, `""`},
		{"stripe age>107000d", 8, "age>107000d"},
		{"age<40000w", 1, "age<40000w"},
	}
	for _, tt := range tests {
		_, err := ParseQuery(tt.q)
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("ParseQuery(%q) = %v, want *QueryError", tt.q, err)
			continue
		}
		if qe.Column != tt.column || !strings.HasPrefix(qe.Term, strings.TrimSuffix(tt.term, `"`)[:1]) {
			t.Errorf("ParseQuery(%q) error at column %d term %q, want column %d term %q", tt.q, qe.Column, qe.Term, tt.column, tt.term)
		}
		if !strings.Contains(err.Error(), "column") {
			t.Errorf("ParseQuery(%q) error %q does not point at a column", tt.q, err)
		}
	}
}

// TestQueryErrorIsBounded: an error echoes at most a prefix of a huge
// term, and an age over the limit says so (issue 11, items 9 and 11).
func TestQueryErrorIsBounded(t *testing.T) {
	huge := strings.Repeat("x", 100000)
	for _, q := range []string{`"` + huge, "age>" + huge, "age>" + strings.Repeat("9", 100000) + "d", huge + "\x01=v", `a="` + huge} {
		_, err := ParseQuery(q)
		if err == nil {
			t.Errorf("ParseQuery(%q) succeeded", Clip(q, 20))
			continue
		}
		if n := len(err.Error()); n > 300 {
			t.Errorf("ParseQuery(%q) error is %d bytes: %.120s", Clip(q, 20), n, err)
		}
	}
	_, err := ParseQuery("age>107000d")
	if err == nil || !strings.Contains(err.Error(), "longer than the limit of 100 years") {
		t.Errorf("ParseQuery(age>107000d) error = %v, want the limit", err)
	}
}

func TestQueryRefines(t *testing.T) {
	tests := []struct {
		prev, next string
		want       bool
	}{
		{"", "s", true},
		{"s", "st", true},
		{"st", "s", false},
		{"stripe", "stripe env=prod", true},
		{"env=prod", "env=prod2", false},
		{"stripe env=prod", "stripe", false},
		{"ab", "xab", true},
	}
	for _, tt := range tests {
		got := MustParseQuery(tt.next).Refines(MustParseQuery(tt.prev))
		if got != tt.want {
			t.Errorf("%q.Refines(%q) = %v, want %v", tt.next, tt.prev, got, tt.want)
		}
	}
}

func TestQueryNeedsUsage(t *testing.T) {
	if !MustParseQuery("env=prod is:unused").NeedsUsage() {
		t.Error("NeedsUsage() = false for is:unused")
	}
	if MustParseQuery("env=prod is:due").NeedsUsage() {
		t.Error("NeedsUsage() = true without is:unused")
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "stripe", "env=prod", `owner="payments team"`, "is:due", "age>90d", "a!=*", `"x\"y"`, "age<1w2d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("ParseQuery(%q) error %T is not a *QueryError", s, err)
			}
			if qe.Column < 1 || qe.Column > len(s)+1 {
				t.Fatalf("ParseQuery(%q) column %d out of range", s, qe.Column)
			}
			return
		}
		for _, tm := range q.terms {
			if (tm.kind == termAgeGT || tm.kind == termAgeLT) && (tm.age < 0 || tm.age > MaxDuration) {
				t.Fatalf("ParseQuery(%q) has an age of %v, outside 0..MaxDuration", s, tm.age)
			}
		}
		// Matching must never panic, and a query always refines itself.
		for i := range querySecrets {
			q.Match(&querySecrets[i], Env{Now: now})
		}
		if !q.Refines(q) {
			t.Fatalf("ParseQuery(%q) does not refine itself", s)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90d", "12w", "36h", "1w2d", "", "x", "9999999d", "107000d", "40000w", "36500d", "5214w2d", "876000h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil || d == 0 {
			return
		}
		if d < 0 || time.Duration(d) > MaxDuration {
			t.Fatalf("ParseDuration(%q) = %d, outside 0..MaxDuration", s, d)
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v; String %q parses back to %v, %v", s, d, d.String(), back, err)
		}
	})
}

func TestFormatTermRoundTrip(t *testing.T) {
	for _, c := range []struct{ key, value, want string }{
		{"env", "prod", "env=prod"},
		{"owner", "payments team", `owner="payments team"`},
		{"k", "*", `k="*"`},
		{"k", "", `k=""`},
		{"team lead", "ana", `"team lead"=ana`},
		{"k", `say "hi"\now`, `k="say \"hi\"\\now"`},
		{"bang!", "x", `"bang!"=x`},
		{"is:x", "y", `"is:x"=y`},
		{"age>1d", "y", `"age>1d"=y`},
		{"a", "b=c", "a=b=c"},
	} {
		got := FormatTerm(c.key, c.value)
		if got != c.want {
			t.Errorf("FormatTerm(%q, %q) = %s, want %s", c.key, c.value, got, c.want)
		}
		checkTermMatchesOnly(t, c.key, c.value)
	}
}

// checkTermMatchesOnly checks that FormatTerm(key, value) parses and matches
// a record with exactly that pair, and neither another value nor a record
// without the key.
func checkTermMatchesOnly(t *testing.T, key, value string) {
	t.Helper()
	term := FormatTerm(key, value)
	q, err := ParseQuery(term)
	if err != nil {
		t.Fatalf("ParseQuery(FormatTerm(%q, %q) = %s): %v", key, value, term, err)
	}
	env := Env{}
	if s := (Secret{Name: "A", Metadata: map[string]string{key: value}}); !q.Match(&s, env) {
		t.Errorf("%s does not match %q=%q", term, key, value)
	}
	if s := (Secret{Name: "A", Metadata: map[string]string{key: value + "x"}}); q.Match(&s, env) {
		t.Errorf("%s matches %q=%q", term, key, value+"x")
	}
	if s := (Secret{Name: "A", Metadata: map[string]string{key + "x": value}}); q.Match(&s, env) {
		t.Errorf("%s matches another key %q", term, key+"x")
	}
	if s := (Secret{Name: "A"}); q.Match(&s, env) {
		t.Errorf("%s matches a record without metadata", term)
	}
	// The negation is the exact complement on a record with the key.
	ne := strings.Replace(term, "=", "!=", 1)
	if strings.HasPrefix(term, `"`) {
		ne = quoteKey(key) + "!=" + quoteValue(value)
	}
	if nq, err := ParseQuery(ne); err != nil {
		t.Errorf("ParseQuery(%s): %v", ne, err)
	} else if s := (Secret{Name: "A", Metadata: map[string]string{key: value}}); nq.Match(&s, env) {
		t.Errorf("%s matches %q=%q", ne, key, value)
	}
}

func TestFormatMetadata(t *testing.T) {
	got := FormatMetadata(map[string]string{"owner": "payments team", "env": "prod", "k": "*"})
	if want := `env=prod k="*" owner="payments team"`; got != want {
		t.Errorf("FormatMetadata = %s, want %s", got, want)
	}
	q := MustParseQuery(got)
	s := Secret{Name: "A", Metadata: map[string]string{"owner": "payments team", "env": "prod", "k": "*"}}
	if !q.Match(&s, Env{}) {
		t.Errorf("%s does not match the record it came from", got)
	}
	s.Metadata["k"] = "other"
	if q.Match(&s, Env{}) {
		t.Errorf(`%s matches k=other: a literal * must not match any value`, got)
	}
}

// TestFormatMetadataIsJoinedTerms holds FormatMetadata, which writes every
// term into one buffer, to its definition: the FormatTerm of each pair,
// in key order, joined by spaces.
func TestFormatMetadataIsJoinedTerms(t *testing.T) {
	texts := []string{"", "*", "env", "prod", "a b", "k!", `q"uote`, `back\slash`, "is:due", "İS:x", "Age>3", "age<", "tab\t",
		"漢字", "\u202e", "x=y", "!", "zz", "A", "a"}
	for n := range len(texts) + 1 {
		md := map[string]string{}
		for i := range n {
			md[texts[i]] = texts[(i*7+3)%len(texts)]
		}
		var parts []string
		for _, k := range SortedKeys(md) {
			parts = append(parts, quoteKey(k)+"="+quoteValue(md[k]))
			if got, want := FormatTerm(k, md[k]), parts[len(parts)-1]; got != want {
				t.Errorf("FormatTerm(%q, %q) = %s, want %s", k, md[k], got, want)
			}
		}
		if got, want := FormatMetadata(md), strings.Join(parts, " "); got != want {
			t.Errorf("FormatMetadata(%q) = %s, want %s", md, got, want)
		}
	}
	if got := FormatMetadata(nil); got != "" {
		t.Errorf("FormatMetadata(nil) = %q, want \"\"", got)
	}
}

func FuzzFormatTerm(f *testing.F) {
	for _, s := range [][2]string{{"env", "prod"}, {"team lead", "a b"}, {"k", "*"}, {"k!", `"\`}, {"is:due", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		if ValidateMetadataKey(key) != nil || ValidateMetadataValue(key, value) != nil {
			return
		}
		// Matching is case-insensitive, so a value differing only in an
		// appended "x" is always another value.
		checkTermMatchesOnly(t, key, value)
	})
}

// FuzzMatchWord checks that Match, which searches ASCII text in place,
// agrees with MatchHaystack over the lower-cased haystack.
func FuzzMatchWord(f *testing.F) {
	for _, tc := range []struct{ name, desc, word string }{
		{"BILLING_KEY", "Billing API key", "billing"},
		{"A", "Kelvin \u212a", "k"},
		{"A", "İstanbul", "i"},
		{"A", "ascii only", "ü"},
		{"AB", "", "b\x00"},
		{"A", "x", "a\x00x"},
	} {
		f.Add(tc.name, tc.desc, tc.word)
	}
	f.Fuzz(func(t *testing.T, name, desc, word string) {
		if word == "" {
			return
		}
		q := Query{terms: []term{{kind: termWord, value: strings.ToLower(word)}}}
		s := Secret{Name: name, Description: desc}
		if got, want := q.Match(&s, Env{}), q.MatchHaystack(&s, Haystack(&s), Env{}); got != want {
			t.Fatalf("Match(%q) on %q/%q = %v, MatchHaystack says %v", word, name, desc, got, want)
		}
	})
}

// BenchmarkMatchWords is list --filter's per-record cost for two words.
// Sub-benchmarks: a record that matches the first word only, one that
// matches neither (7 in 8 records for --filter billing), and one that
// matches.
func BenchmarkMatchWords(b *testing.B) {
	for _, bc := range []struct{ name, query, secret, desc string }{
		{"first", "billing prod", "TENANT_000123_BILLING_KEY", "billing API key for tenant 123"},
		{"none", "billing", "TENANT_000124_SEARCH_KEY", "search API key for tenant 124"},
		{"all", "billing tenant", "TENANT_000123_BILLING_KEY", "billing API key for tenant 123"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			q := MustParseQuery(bc.query)
			s := Secret{Name: bc.secret, Description: bc.desc}
			for b.Loop() {
				q.Match(&s, Env{})
			}
		})
	}
}
