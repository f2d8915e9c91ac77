package model

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestMask(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "••••••••"},
		{"short", "••••••••"},
		{"fifteen-chars!!", "••••••••"},
		{"sixteen-chars-ab", "••••••••s-ab"},
		{"sk-proj-0123456789abcdefWXYZ", "••••••••WXYZ"},
		{"ünïcødé-välüe-ÆØÅß", "••••••••ÆØÅß"},
		{"multi\nline\nvalue\nwith tail", "••••••••tail"},
		{"0123456789abc\x1b[2J", "••••••••\\x1b[2J"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskHidesLength(t *testing.T) {
	if Mask(strings.Repeat("a", 3)) != Mask(strings.Repeat("b", 15)) {
		t.Error("masks of short values differ, revealing length")
	}
	a, b := Mask(strings.Repeat("x", 16)), Mask(strings.Repeat("x", 4000))
	if a != b {
		t.Errorf("Mask of 16 and 4000 x's differ: %q vs %q", a, b)
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"OPENAI_API_KEY", true},
		{"a", true},
		{"a1_b2", true},
		{"Z" + strings.Repeat("z", 254), true},
		{"Z" + strings.Repeat("z", 255), false},
		{"", false},
		{"1abc", false},
		{"_abc", false},
		{"has-dash", false},
		{"has space", false},
		{"dot.name", false},
		{"naïve", false},
		{"NAME@previous", false},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		var ve *ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Errorf("ValidateName(%q) error %T is not a *ValidationError", tt.name, err)
		}
	}
}

func TestParseMetadataPair(t *testing.T) {
	tests := []struct {
		in, key, value string
		ok             bool
	}{
		{"env=prod", "env", "prod", true},
		{"owner=payments team", "owner", "payments team", true},
		{"url=a=b", "url", "a=b", true},
		{"empty=", "empty", "", true},
		{"=x", "", "", false},
		{"novalue", "", "", false},
		{"bad\x01key=v", "", "", false},
		{"k=line\nbreak", "", "", false},
		{"k=c1\u0085", "", "", false},
		{"k=zero\u200bwidth", "", "", false},
		{"k\u202e=v", "", "", false},
		{"k=" + strings.Repeat("v", MaxMetadataValueLen+1), "", "", false},
	}
	for _, tt := range tests {
		k, v, err := ParseMetadataPair(tt.in)
		if (err == nil) != tt.ok || k != tt.key || v != tt.value {
			t.Errorf("ParseMetadataPair(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.in, k, v, err, tt.key, tt.value, tt.ok)
		}
	}
}

func TestValidateValue(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"x", true},
		{"line1\nline2\n", true},
		{strings.Repeat("v", MaxValueLen), true},
		{strings.Repeat("v", MaxValueLen+1), false},
		{"", false},
		{"pässwörd 🔑", true},
		{"\x00nul and \x1b[31mescape\x7f", true}, // valid UTF-8: text, if odd text
		{"bad\xffbyte", false},
		{"\xc3", false},                  // a cut-off sequence
		{"\xed\xa0\x80surrogate", false}, // UTF-16 surrogates are not UTF-8
	}
	for _, tt := range tests {
		err := ValidateValue(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateValue(len %d) = %v, want ok=%v", len(tt.in), err, tt.ok)
		}
		if err != nil && len(tt.in) > 3 && strings.Contains(err.Error(), tt.in[:3]) {
			t.Errorf("ValidateValue error %q echoes the value", err)
		}
	}
}

func TestDurationLimit(t *testing.T) {
	for _, in := range []string{"107000d", "40000w", "36501d", strings.Repeat("9", 5000) + "d"} {
		_, err := ParseDuration(in)
		if err == nil || !strings.Contains(err.Error(), "longer than the limit of 100 years (36500d)") {
			t.Errorf("ParseDuration(%q) error = %v, want the 100-year limit", Clip(in, 20), err)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("ParseDuration error is %d bytes long; want the input clipped", len(err.Error()))
		}
		if _, err := ParsePolicy(in); err == nil {
			t.Errorf("ParsePolicy(%q) succeeded", Clip(in, 20))
		}
	}
	for _, d := range []Duration{-1, Duration(MaxDuration + time.Hour), Duration(1<<63 - 1)} {
		if err := (Secret{Name: "A", RotateEvery: d}).Validate(); err == nil {
			t.Errorf("Validate with rotate_every %d succeeded", d)
		}
	}
	if err := (Secret{Name: "A", RotateEvery: Duration(MaxDuration)}).Validate(); err != nil {
		t.Errorf("Validate with rotate_every 36500d: %v", err)
	}
}

func TestHumanAge(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Hour, "0m"}, {5 * time.Minute, "5m"}, {3 * time.Hour, "3h"}, {12 * Day, "12d"},
		{12 * Week, "12w"}, {3 * 365 * Day, "3y"}, {100*365*Day - time.Hour, "99y"}, {MaxDuration, ">99y"},
		// A year-0 created_at (issue 11, item 9): Sub saturates at 292y.
		{now.Sub(time.Time{}), ">99y"},
		{Secret{CreatedAt: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}.Age(now), ">99y"},
	} {
		if got := HumanAge(tt.d); got != tt.want || len(got) > 4 {
			t.Errorf("HumanAge(%v) = %q, want %q (at most 4 bytes, the table's column)", tt.d, got, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		str  string
		ok   bool
	}{
		{"90d", 90 * Day, "90d", true},
		{"12w", 12 * Week, "12w", true},
		{"36h", 36 * time.Hour, "36h", true},
		{"14d", 2 * Week, "2w", true},
		{"1w2d", 9 * Day, "9d", true},
		{"24h", Day, "1d", true},
		{"", 0, "", false},
		{"90", 0, "", false},
		{"d", 0, "", false},
		{"5m", 0, "", false},
		{"-3d", 0, "", false},
		{"99999999999999999999d", 0, "", false},
		// issue 11, item 9: nothing wraps around; 100 years is the limit.
		{"36500d", MaxDuration, "36500d", true},
		{"5214w", 5214 * Week, "5214w", true},
		{"876000h", MaxDuration, "36500d", true},
		{"36501d", 0, "", false},
		{"876001h", 0, "", false},
		{"107000d", 0, "", false},
		{"40000w", 0, "", false},
		{"36000d501d", 0, "", false},
		{"5214w3d", 0, "", false},
		{"2400000h", 0, "", false},
		{"9223372036854775807h", 0, "", false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || time.Duration(got) != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, time.Duration(got), err, tt.want, tt.ok)
			continue
		}
		if tt.ok && got.String() != tt.str {
			t.Errorf("ParseDuration(%q).String() = %q, want %q", tt.in, got.String(), tt.str)
		}
	}
}

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func TestDue(t *testing.T) {
	tests := []struct {
		name string
		s    Secret
		due  bool
	}{
		{"no policy", Secret{CreatedAt: now.Add(-1000 * Day)}, false},
		{"fresh", Secret{CreatedAt: now.Add(-10 * Day), RotateEvery: Duration(90 * Day)}, false},
		{"exactly at policy is not yet due", Secret{CreatedAt: now.Add(-90 * Day), RotateEvery: Duration(90 * Day)}, false},
		{"old creation", Secret{CreatedAt: now.Add(-91 * Day), RotateEvery: Duration(90 * Day)}, true},
		{"rotated recently", Secret{CreatedAt: now.Add(-400 * Day), RotatedAt: now.Add(-5 * Day), RotateEvery: Duration(90 * Day)}, false},
		{"rotated long ago", Secret{CreatedAt: now.Add(-400 * Day), RotatedAt: now.Add(-100 * Day), RotateEvery: Duration(90 * Day)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Due(now); got != tt.due {
				t.Errorf("Due() = %v, want %v", got, tt.due)
			}
		})
	}
}

func TestPatchApply(t *testing.T) {
	base := Secret{Name: "A", Description: "d", Metadata: map[string]string{"env": "prod", "owner": "x"}, UpdatedAt: now.Add(-Day)}
	desc := "new"
	pol := Duration(30 * Day)
	got, err := Patch{Description: &desc, SetMetadata: map[string]string{"team": "ml"}, UnsetMetadata: []string{"owner"}, Rename: "B", RotateEvery: &pol}.Apply(base, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "B" || got.Description != "new" || got.RotateEvery != pol || !got.UpdatedAt.Equal(now) {
		t.Errorf("Apply = %+v", got)
	}
	if len(got.Metadata) != 2 || got.Metadata["env"] != "prod" || got.Metadata["team"] != "ml" {
		t.Errorf("Apply metadata = %v, want env=prod team=ml", got.Metadata)
	}
	if base.Metadata["owner"] != "x" {
		t.Error("Apply modified the original's metadata")
	}
	if _, err := (Patch{Rename: "bad name"}).Apply(base, now); err == nil {
		t.Error("Apply with invalid rename succeeded")
	}
	if _, err := (Patch{SetMetadata: map[string]string{"a=b": "c"}}).Apply(base, now); err == nil {
		t.Error("Apply with invalid metadata key succeeded")
	}
}

func TestSort(t *testing.T) {
	list := []Secret{
		{Name: "b", CreatedAt: now.Add(-3 * Day), UpdatedAt: now.Add(-1 * Day)},
		{Name: "a", CreatedAt: now.Add(-1 * Day), UpdatedAt: now.Add(-2 * Day), RotateEvery: Duration(Week)},
		{Name: "c", CreatedAt: now.Add(-2 * Day), UpdatedAt: now.Add(-3 * Day), RotateEvery: Duration(Day)},
	}
	order := func() string {
		var b strings.Builder
		for _, s := range list {
			b.WriteString(s.Name)
		}
		return b.String()
	}
	for _, tt := range []struct {
		key  SortKey
		want string
	}{
		{SortName, "abc"}, {SortCreated, "acb"}, {SortUpdated, "bac"}, {SortDue, "cab"}, {SortRotated, "acb"},
	} {
		Sort(list, tt.key, now)
		if got := order(); got != tt.want {
			t.Errorf("Sort(%s) = %s, want %s", tt.key, got, tt.want)
		}
		// Compare is Sort's order: strictly increasing along the sorted
		// list, zero only for a record and itself.
		for i := range list {
			if c := Compare(&list[i], &list[i], tt.key); c != 0 {
				t.Errorf("Compare(%s, %s, %s) = %d, want 0", list[i].Name, list[i].Name, tt.key, c)
			}
			if i > 0 {
				if c := Compare(&list[i-1], &list[i], tt.key); c >= 0 {
					t.Errorf("Compare(%s, %s, %s) = %d, want < 0", list[i-1].Name, list[i].Name, tt.key, c)
				}
				if c := Compare(&list[i], &list[i-1], tt.key); c <= 0 {
					t.Errorf("Compare(%s, %s, %s) = %d, want > 0", list[i].Name, list[i-1].Name, tt.key, c)
				}
			}
		}
	}
	if _, err := ParseSortKey("size"); err == nil {
		t.Error(`ParseSortKey("size") succeeded`)
	}
}

func TestGenerate(t *testing.T) {
	v, err := Generate(DefaultGenerateLength, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 32 || strings.Trim(v, alnum) != "" {
		t.Errorf("Generate(32, false) = len %d with non-alphanumerics", len(v))
	}
	w, _ := Generate(DefaultGenerateLength, false)
	if v == w {
		t.Error("two generated values are equal")
	}
	s, err := Generate(12, true)
	if err != nil || len(s) != 12 || !strings.ContainsAny(s, symbols) {
		t.Errorf("Generate(12, true) = len %d, err %v, has symbol %v", len(s), err, strings.ContainsAny(s, symbols))
	}
	if _, err := Generate(4, false); err == nil {
		t.Error("Generate(4) succeeded")
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text ünï", "plain text ünï"},
		{"red\x1b[31m", `red\x1b[31m`},
		{"a\nb\tc", `a\nb\tc`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"bell\a", `bell\x07`},
		{"c1\u009b", `c1\u009b`},
		{"nel\u0085", `nel\u0085`},
		// issue 11, item 10: every invisible or reordering character.
		{"zero\u200bwidth\u200c\u200d\u2060", `zero\u200bwidth\u200c\u200d\u2060`},
		{"soft\u00adhyphen", `soft\u00adhyphen`},
		{"line\u2028para\u2029", `line\u2028para\u2029`},
		{"marks\u200e\u200f\u061c", `marks\u200e\u200f\u061c`},
		{"isolates\u2066\u2067\u2068\u2069", `isolates\u2066\u2067\u2068\u2069`},
		{"bom\ufeff", `bom\ufeff`},
		{"tag\U000e0041", `tag\U000e0041`},
		{"filler\u3164\u115f", `filler\u3164\u115f`},
		{"nbsp\u00a0é漢字🙂", "nbsp\u00a0é漢字🙂"},
	}
	for _, tt := range tests {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVisible(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[1mbold\x1b[0m\n", "\x1b[1mbold\x1b[0m\n"}, // styling stays
		{"\x1b[7mr\u202eevil\x1b[0m", "\x1b[7mr\\u202eevil\x1b[0m"},
		{"c1\u009b[31m", `c1\u009b[31m`},
		{"zw\u200bj", `zw\u200bj`},
	}
	for _, tt := range tests {
		if got := Visible(tt.in); got != tt.want {
			t.Errorf("Visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"plain", "a\u202eb", "\x1b[31m", "\u0085\u009b", "\u200b\u00ad\u2028", "\xff\xfe", "\U000e0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Printable(s), Visible(Printable(s))} {
			if !utf8.ValidString(out) {
				t.Fatalf("Printable(%q) = %q is not UTF-8", s, out)
			}
			for _, r := range out {
				if r < 0x20 || r == 0x7f || Invisible(r) {
					t.Fatalf("Printable(%q) = %q keeps %U", s, out, r)
				}
			}
		}
		for _, r := range Visible(s) {
			if Invisible(r) {
				t.Fatalf("Visible(%q) keeps %U", s, r)
			}
		}
	})
}

// TestInputRules: C1 controls are refused like C0, invisible characters in
// metadata, and the sizes are bounded (issue 11, items 10 and 11); a record
// an older keyward wrote still passes ValidateStored.
func TestInputRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes
	tests := []struct {
		name   string
		s      Secret
		want   string // in the error; "" for valid
		stored bool   // passes ValidateStored
	}{
		{"plain", Secret{Name: "A", Description: "multi\nline\tdesc", Metadata: map[string]string{"env": "prod"}}, "", true},
		{"bidi in a description is shown, not refused", Secret{Name: "A", Description: "a\u202eb\u200b"}, "", true},
		{"C1 in a description", Secret{Name: "A", Description: "x\u0085y"}, `description: must not contain control characters other than newlines and tabs (it has \u0085)`, true},
		{"CSI in a description", Secret{Name: "A", Description: "x\u009b31m"}, "control characters", true},
		{"C0 in a description", Secret{Name: "A", Description: "x\x1by"}, "control characters", false},
		{"C1 in a metadata value", Secret{Name: "A", Metadata: map[string]string{"k": "\u009d"}}, "control characters", false},
		{"zero-width in a key", Secret{Name: "A", Metadata: map[string]string{"en\u200bv": "prod"}}, `key "en\u200bv" has the invisible character \u200b`, true},
		{"bidi in a value", Secret{Name: "A", Metadata: map[string]string{"env": "pro\u202ed"}}, `value of "env" has the invisible character \u202e`, true},
		{"soft hyphen in a value", Secret{Name: "A", Metadata: map[string]string{"env": "pro\u00add"}}, "invisible character", true},
		{"line separator in a key", Secret{Name: "A", Metadata: map[string]string{"a\u2028b": "v"}}, "invisible character", true},
		{"description at the limit", Secret{Name: "A", Description: long(MaxDescriptionLen)}, "", true},
		{"description over the limit", Secret{Name: "A", Description: long(MaxDescriptionLen + 1)}, "description: is 1001 characters long; the limit is 1000", true},
		{"huge description", Secret{Name: "A", Description: strings.Repeat("d", 120000)}, "is 120000 characters long", true},
		{"key at the limit", Secret{Name: "A", Metadata: map[string]string{long(MaxMetadataKeyLen): "v"}}, "", true},
		{"key over the limit", Secret{Name: "A", Metadata: map[string]string{long(MaxMetadataKeyLen + 1): "v"}}, "is 101 characters long; the limit is 100", true},
		{"value at the limit", Secret{Name: "A", Metadata: map[string]string{"k": long(MaxMetadataValueLen)}}, "", true},
		{"value over the limit", Secret{Name: "A", Metadata: map[string]string{"k": long(MaxMetadataValueLen + 1)}}, `value of "k" is 501 characters long; the limit is 500`, true},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("%s: the error is %d bytes long", tt.name, len(err.Error()))
		}
		if serr := tt.s.ValidateStored(); (serr == nil) != tt.stored {
			t.Errorf("%s: ValidateStored() = %v, want ok=%v", tt.name, serr, tt.stored)
		}
	}
}

// TestPatchHoldsOnlyItsFieldsToInputRules: what a patch sets meets the
// input rules; what it leaves of an older record need not.
func TestPatchHoldsOnlyItsFieldsToInputRules(t *testing.T) {
	old := Secret{Name: "OLD", Description: strings.Repeat("d", 5000), Metadata: map[string]string{"k": "a\u200bb"}}
	week := Duration(Week)
	if _, err := (Patch{RotateEvery: &week, Rename: "NEW"}).Apply(old, time.Now()); err != nil {
		t.Errorf("renaming an older over-limit record: %v", err)
	}
	long := strings.Repeat("d", MaxDescriptionLen+1)
	for _, p := range []Patch{
		{Description: &long},
		{SetMetadata: map[string]string{"k2": "x\u202ey"}},
		{SetMetadata: map[string]string{"k\u0085": "v"}},
	} {
		if _, err := p.Apply(old, time.Now()); err == nil {
			t.Errorf("Apply(%+v) succeeded", p)
		}
	}
}

func TestSimilarNames(t *testing.T) {
	names := []string{"OPENAI_API_KEY", "openai_api_key", "OPENAI_API_KEYS", "GEMINI_API_KEY", "STRIPE_KEY", "STRIPE_KEY_2"}
	tests := []struct {
		name string
		want string
	}{
		{"Openai_Api_Key", "OPENAI_API_KEY,openai_api_key,OPENAI_API_KEYS"},
		{"OPENAI_API_KY", "OPENAI_API_KEY,openai_api_key,OPENAI_API_KEYS"},
		{"STRIPE_KEY", "STRIPE_KEY_2"},
		{"STRIPEKEY", "STRIPE_KEY"},
		{"SLACK_TOKEN", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(SimilarNames(names, tt.name), ","); got != tt.want {
			t.Errorf("SimilarNames(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Duration
		ok   bool
	}{
		{"", 0, true}, {"none", 0, true}, {" None ", 0, true}, {"90d", Duration(90 * 24 * time.Hour), true},
		{"soon", 0, false}, {"-3d", 0, false},
	} {
		got, err := ParsePolicy(c.in)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("ParsePolicy(%q) = %v, %v; want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	md, err := ParseMetadata([]string{"env=prod", "", "owner=payments team"})
	if err != nil || len(md) != 2 || md["owner"] != "payments team" {
		t.Errorf("ParseMetadata = %v, %v", md, err)
	}
	if md, err := ParseMetadata(nil); md != nil || err != nil {
		t.Errorf("ParseMetadata(nil) = %v, %v; want nil, nil", md, err)
	}
	_, err = ParseMetadata([]string{"env=prod", "env=dev"})
	var me *MetadataError
	if !errors.As(err, &me) || me.Index != 2 || !strings.Contains(err.Error(), `key "env" is given twice`) {
		t.Errorf("a repeated key: %v", err)
	}
	if _, err := ParseMetadata([]string{"novalue"}); !errors.As(err, &me) || me.Index != 1 {
		t.Errorf("a pair without '=': %v", err)
	}
}

func TestCountAndPlural(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{Count(0, "file"), "0 files"}, {Count(1, "file"), "1 file"}, {Count(12, "warning"), "12 warnings"},
		{Plural(1, "secret is", "secrets are"), "secret is"}, {Plural(2, "secret is", "secrets are"), "secrets are"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
