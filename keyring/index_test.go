package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// roundTripCases are records that must come back from the file exactly.
var roundTripCases = []struct {
	name string
	sec  model.Secret
}{
	{"minimal", model.Secret{Name: "A", Version: 1, CreatedAt: t0, UpdatedAt: t0}},
	{"generated", model.Secret{Name: "G", Version: 3, CreatedAt: t0, UpdatedAt: t0, Generated: &model.GenSpec{Length: 40, Symbols: true}}},
	{"generated without symbols", model.Secret{Name: "H", Version: 1, CreatedAt: t0, UpdatedAt: t0, Generated: &model.GenSpec{Length: 4096}}},
	{"all fields", model.Secret{
		Name: "OPENAI_API_KEY", Description: "OpenAI key for prod agents",
		Metadata:  map[string]string{"env": "prod", "owner": "growth team", "service": "openai"},
		CreatedAt: t0, UpdatedAt: t0.Add(time.Hour), RotatedAt: t0.Add(time.Hour), Version: 7,
		RotateEvery: model.Duration(90 * model.Day),
	}},
	{"quotes and backslashes", model.Secret{Name: "Q", Version: 1,
		Description: `say "hi" to C:\path\to\file and \n literally`,
		Metadata:    map[string]string{`"quoted"`: `a "b" \c`, `back\slash`: `\`}}},
	{"newlines and tabs in description", model.Secret{Name: "NL", Version: 2,
		Description: "line one\nline two\n\tindented\n"}},
	{"unicode", model.Secret{Name: "U", Version: 1,
		Description: "café ☕ 日本語 🔑 emoji and ünïcödé",
		Metadata:    map[string]string{"ключ": "значение", "emoji🔑": "✓"}}},
	{"invisible and bidi characters are escaped but kept", model.Secret{Name: "BIDI", Version: 1,
		Description: "abc\u202edcba\u200b\ufeff\u2028end\u0085c1"}},
	{"equals signs and odd keys in metadata", model.Secret{Name: "M", Version: 1,
		Metadata: map[string]string{
			"url": "https://x.example/?a=b=c", "a.b": "dotted", "with space": "v", "#hash": "h",
			"[bracket]": "b", "-dash_under-": "bare", "123": "digits", "empty": "",
		}}},
	{"sub-second and non-UTC times", model.Secret{Name: "T", Version: 3,
		CreatedAt:   time.Date(2020, 2, 29, 23, 59, 59, 123456789, time.FixedZone("X", -7*3600-30*60)),
		UpdatedAt:   time.Date(2021, 1, 1, 0, 0, 0, 500_000_000, time.UTC),
		RotatedAt:   time.Date(2021, 1, 1, 0, 0, 0, 1, time.UTC),
		RotateEvery: model.Duration(36 * time.Hour)}},
	{"weeks policy, version 0", model.Secret{Name: "W", RotateEvery: model.Duration(12 * model.Week)}},
	{"long name", model.Secret{Name: "N" + strings.Repeat("x_9", 84), Version: 1}},
	{"pulled without a value", model.Secret{Name: "PULLED", NoValue: true, CreatedAt: t0, UpdatedAt: t0}},
	{"slots swapped by a rotation", model.Secret{Name: "ROTATED", Version: 2, SlotsSwapped: true, CreatedAt: t0, UpdatedAt: t0, RotatedAt: t0,
		Generated: &model.GenSpec{Length: 32}}},
	{"sync states", model.Secret{Name: "S", Version: 4, CreatedAt: t0, UpdatedAt: t0,
		Metadata: map[string]string{"env": "prod"},
		Sync: []model.SyncState{
			{Target: "v1 https://api.julep.ai/api", RemoteID: "0f8e-77", Version: 3, Fingerprint: "a1b2c3d4e5f60718",
				RemoteUpdatedAt: t0.Add(time.Minute), PushedAt: t0.Add(2 * time.Minute)},
			{Target: "v3 http://localhost:8000", Version: 4, Generation: 12,
				PushedAt: time.Date(2025, 3, 15, 1, 2, 3, 456, time.FixedZone("X", 3600))},
			{Target: "v3 \"odd\" target\twith ünïcode", Version: 0},
		}}},
	{"sync state and no value together", model.Secret{Name: "P", NoValue: true,
		Sync: []model.SyncState{{Target: "v1 x", RemoteID: "id", Version: 1, Generation: 1<<62 + 7, PushedAt: t0}}}},
}

// normalize is what a record looks like after a trip through the file: times
// in UTC, no empty metadata map.
func normalize(s model.Secret) model.Secret {
	s = s.Clone()
	s.CreatedAt, s.UpdatedAt, s.RotatedAt = utc(s.CreatedAt), utc(s.UpdatedAt), utc(s.RotatedAt)
	if len(s.Metadata) == 0 {
		s.Metadata = nil
	}
	if len(s.Sync) == 0 {
		s.Sync = nil
	}
	for i := range s.Sync {
		st := &s.Sync[i]
		st.RemoteUpdatedAt, st.PushedAt = utc(st.RemoteUpdatedAt), utc(st.PushedAt)
	}
	return s
}

func TestIndexRoundTrip(t *testing.T) {
	var all []model.Secret
	for _, tc := range roundTripCases {
		all = append(all, tc.sec)
		t.Run(tc.name, func(t *testing.T) {
			checkRoundTrip(t, []model.Secret{tc.sec})
		})
	}
	t.Run("all together", func(t *testing.T) { checkRoundTrip(t, all) })
	t.Run("empty", func(t *testing.T) {
		got := checkRoundTrip(t, nil)
		if got == nil {
			t.Error("parse of an empty index = nil, want an empty non-nil slice")
		}
	})
}

func checkRoundTrip(t *testing.T, list []model.Secret) []model.Secret {
	t.Helper()
	data, err := encodeIndex(list)
	if err != nil {
		t.Fatalf("encodeIndex: %v", err)
	}
	if !strings.Contains(string(data), "\nformat = 1\n") {
		t.Errorf("encoded index lacks format = 1:\n%s", data)
	}
	got, err := parseIndex("index.toml", data)
	if err != nil {
		t.Fatalf("parseIndex(encodeIndex(list)): %v\n%s", err, data)
	}
	want := make([]model.Secret, len(list))
	for i := range list {
		want[i] = normalize(list[i])
	}
	if len(got) != len(want) {
		t.Fatalf("got %d secrets, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("secret %d:\n got %#v\nwant %#v\nfile:\n%s", i, got[i], want[i], data)
		}
	}
	// What keyward writes must take the fast path, and the full TOML
	// decoder must read it the same way.
	if _, ok := parseCanonical(data); !ok {
		t.Errorf("fast parser refused encodeIndex output:\n%s", data)
	}
	slow, err := parseTOML("index.toml", data)
	if err != nil {
		t.Fatalf("TOML decoder refused encodeIndex output: %v\n%s", err, data)
	}
	slowList, err := slow.check("index.toml")
	if err != nil || !reflect.DeepEqual(slowList, got) {
		t.Errorf("TOML decoder read %#v, %v; fast path read %#v", slowList, err, got)
	}
	// Writing is deterministic: metadata keys sorted, fixed field order.
	again, _ := encodeIndex(got)
	if string(again) != string(data) {
		t.Errorf("second encoding differs:\n%s\nvs\n%s", data, again)
	}
	return got
}

func TestIndexLayout(t *testing.T) {
	s := model.Secret{
		Name: "STRIPE_SECRET_KEY", Description: "live key", Version: 2,
		Metadata:  map[string]string{"owner": "payments", "env": "prod", "team lead": "Ana"},
		CreatedAt: t0, UpdatedAt: t0, RotatedAt: t0, RotateEvery: model.Duration(90 * model.Day),
		Generated: &model.GenSpec{Length: 40, Symbols: true}, SlotsSwapped: true,
	}
	pulled := model.Secret{
		Name: "C", Version: 2, CreatedAt: t0, UpdatedAt: t0, NoValue: true,
		Metadata: map[string]string{"env": "dev"},
		Sync: []model.SyncState{
			{Target: "v1 https://api.julep.ai/api", RemoteID: "abc-123", Version: 2, Fingerprint: "0123456789abcdef",
				RemoteUpdatedAt: t0, PushedAt: t0},
			{Target: "v3 http://localhost:8000", Version: 1, Generation: 5, PushedAt: t0.Add(time.Second)},
		},
	}
	data, err := encodeIndex([]model.Secret{s, {Name: "B", Version: 1, CreatedAt: t0, UpdatedAt: t0}, pulled})
	if err != nil {
		t.Fatal(err)
	}
	want := indexHeader + `format = 1

[[secret]]
name = "STRIPE_SECRET_KEY"
description = "live key"
created_at = 2025-03-14T09:26:53Z
updated_at = 2025-03-14T09:26:53Z
rotated_at = 2025-03-14T09:26:53Z
version = 2
rotate_every = "90d"
slots_swapped = true
generate_length = 40
generate_symbols = true

[secret.metadata]
env = "prod"
owner = "payments"
"team lead" = "Ana"

[[secret]]
name = "B"
created_at = 2025-03-14T09:26:53Z
updated_at = 2025-03-14T09:26:53Z
version = 1

[[secret]]
name = "C"
created_at = 2025-03-14T09:26:53Z
updated_at = 2025-03-14T09:26:53Z
version = 2
no_value = true

[secret.metadata]
env = "dev"

[[secret.sync]]
target = "v1 https://api.julep.ai/api"
remote_id = "abc-123"
version = 2
fingerprint = "0123456789abcdef"
remote_updated_at = 2025-03-14T09:26:53Z
pushed_at = 2025-03-14T09:26:53Z

[[secret.sync]]
target = "v3 http://localhost:8000"
version = 1
generation = 5
pushed_at = 2025-03-14T09:26:54Z
`
	if string(data) != want {
		t.Errorf("encodeIndex wrote\n%s\nwant\n%s", data, want)
	}
}

func TestEncodeIndexRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		list []model.Secret
		want string
	}{
		{"invalid name", []model.Secret{{Name: "1BAD"}}, "must start with a letter"},
		{"duplicate", []model.Secret{{Name: "A"}, {Name: "A"}}, "twice"},
		{"invalid UTF-8 description", []model.Secret{{Name: "A", Description: "\xff"}}, "UTF-8"},
		{"negative version", []model.Secret{{Name: "A", Version: -1}}, "negative"},
		{"policy not whole hours", []model.Secret{{Name: "A", RotateEvery: model.Duration(90 * time.Minute)}}, "whole number of hours"},
		{"year 10000", []model.Secret{{Name: "A", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}, "years"},
		{"control character in metadata", []model.Secret{{Name: "A", Metadata: map[string]string{"k": "a\x1bb"}}}, "control"},
		{"sync without a target", []model.Secret{{Name: "A", Sync: []model.SyncState{{Target: "x"}, {Version: 1}}}}, "sync 2 has no target"},
		{"sync target twice", []model.Secret{{Name: "A", Sync: []model.SyncState{{Target: "x"}, {Target: "y"}, {Target: "x"}}}}, `sync target "x" appears twice (sync 1 and 3)`},
		{"negative sync version", []model.Secret{{Name: "A", Sync: []model.SyncState{{Target: "x", Version: -1}}}}, "negative"},
		{"negative generation", []model.Secret{{Name: "A", Sync: []model.SyncState{{Target: "x", Generation: -1}}}}, "negative"},
		{"invalid UTF-8 target", []model.Secret{{Name: "A", Sync: []model.SyncState{{Target: "\xff"}}}}, "UTF-8"},
		{"sync time year 10000", []model.Secret{{Name: "A", Sync: []model.SyncState{{Target: "x", PushedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}}}, "years"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := encodeIndex(tc.list)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("encodeIndex(%v) = %v, want error containing %q", tc.list, err, tc.want)
			}
		})
	}
}

// handEdited are files a person might write; all must parse to want.
var handEdited = []struct {
	name, text string
	want       []model.Secret
}{
	{"comments and blank lines", "# my secrets\nformat = 1 # the format\n\n  [[secret]]  \n  name = \"A\" # comment\n\tversion = 1\n", []model.Secret{{Name: "A", Version: 1}}},
	{"no format line", "[[secret]]\nname = \"A\"\n", []model.Secret{{Name: "A"}}},
	{"literal strings", "format = 1\n[[secret]]\nname = 'A'\ndescription = 'C:\\path \"q\"'\n", []model.Secret{{Name: "A", Description: `C:\path "q"`}}},
	{"multi-line description", "format = 1\n[[secret]]\nname = \"A\"\ndescription = \"\"\"\nline one\nline two\"\"\"\n", []model.Secret{{Name: "A", Description: "line one\nline two"}}},
	{"inline metadata", "format = 1\n[[secret]]\nname = \"A\"\nmetadata = { env = \"prod\", \"a b\" = \"c=d\" }\n", []model.Secret{{Name: "A", Metadata: map[string]string{"env": "prod", "a b": "c=d"}}}},
	{"dotted metadata keys", "format = 1\n[[secret]]\nname = \"A\"\nmetadata.env = \"dev\"\n", []model.Secret{{Name: "A", Metadata: map[string]string{"env": "dev"}}}},
	{"CRLF line ends", "format = 1\r\n[[secret]]\r\nname = \"A\"\r\nversion = 2\r\n", []model.Secret{{Name: "A", Version: 2}}},
	{"spaced header", "format = 1\n[[ secret ]]\nname = \"A\"\n[ secret.metadata ]\nk = \"v\"\n", []model.Secret{{Name: "A", Metadata: map[string]string{"k": "v"}}}},
	{"offset time", "[[secret]]\nname = \"A\"\ncreated_at = 2025-03-14T10:26:53+01:00\n", []model.Secret{{Name: "A", CreatedAt: t0}}},
	{"time with space and lower-case z", "[[secret]]\nname = \"A\"\ncreated_at = 2025-03-14 09:26:53z\n", []model.Secret{{Name: "A", CreatedAt: t0}}},
	{"empty metadata table", "[[secret]]\nname = \"A\"\n[secret.metadata]\n", []model.Secret{{Name: "A"}}},
	{"rotate_every in weeks and days", "[[secret]]\nname = \"A\"\nrotate_every = \"1w2d\"\n", []model.Secret{{Name: "A", RotateEvery: model.Duration(9 * model.Day)}}},
	{"only comments", "# nothing yet\n", []model.Secret{}},
	{"empty file", "", []model.Secret{}},
	{"inline array of tables", "format = 1\nsecret = [{ name = \"A\" }, { name = \"B\", version = 3 }]\n", []model.Secret{{Name: "A"}, {Name: "B", Version: 3}}},
	{"no_value false is the default", "[[secret]]\nname = \"A\"\nno_value = false\n", []model.Secret{{Name: "A"}}},
	{"generate_symbols false, before the length", "[[secret]]\nname = \"A\"\ngenerate_symbols = false\ngenerate_length = 12 # hand-set\n", []model.Secret{{Name: "A", Generated: &model.GenSpec{Length: 12}}}},
	{"inline generated", "secret = [{ name = 'A', generate_length = 20, generate_symbols = true }]\n", []model.Secret{{Name: "A", Generated: &model.GenSpec{Length: 20, Symbols: true}}}},
	{"sync tables before metadata", "[[secret]]\nname = \"A\"\nno_value = true\n[[secret.sync]]\ntarget = \"v3 x\"\nversion = 2\n[[secret.sync]]\ntarget = \"v1 y\"\n[secret.metadata]\nk = \"v\"\n",
		[]model.Secret{{Name: "A", NoValue: true, Metadata: map[string]string{"k": "v"}, Sync: []model.SyncState{{Target: "v3 x", Version: 2}, {Target: "v1 y"}}}}},
	{"inline sync", "[[secret]]\nname = 'A'\nsync = [{ target = 'v3 x', generation = 9, pushed_at = 2025-03-14T10:26:53+01:00 }]\n",
		[]model.Secret{{Name: "A", Sync: []model.SyncState{{Target: "v3 x", Generation: 9, PushedAt: t0}}}}},
	{"sync of the second secret only", "[[secret]]\nname = \"A\"\n[[secret]]\nname = \"B\"\n[[secret.sync]]\ntarget = \"t\"\nremote_id = \"r\"\n",
		[]model.Secret{{Name: "A"}, {Name: "B", Sync: []model.SyncState{{Target: "t", RemoteID: "r"}}}}},
	// What the previous version wrote (before no_value and sync) reads
	// unchanged.
	{"previous version's layout", indexHeader + "format = 1\n\n[[secret]]\nname = \"STRIPE_SECRET_KEY\"\ndescription = \"live key\"\ncreated_at = 2025-03-14T09:26:53Z\nupdated_at = 2025-03-14T09:26:53Z\nrotated_at = 2025-03-14T09:26:53Z\nversion = 2\nrotate_every = \"90d\"\n\n[secret.metadata]\nenv = \"prod\"\n\n[[secret]]\nname = \"B\"\ncreated_at = 2025-03-14T09:26:53Z\nupdated_at = 2025-03-14T09:26:53Z\nversion = 1\n",
		[]model.Secret{
			{Name: "STRIPE_SECRET_KEY", Description: "live key", CreatedAt: t0, UpdatedAt: t0, RotatedAt: t0, Version: 2,
				RotateEvery: model.Duration(90 * model.Day), Metadata: map[string]string{"env": "prod"}},
			{Name: "B", CreatedAt: t0, UpdatedAt: t0, Version: 1},
		}},
}

func TestIndexHandEdited(t *testing.T) {
	for _, tc := range handEdited {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseIndex("index.toml", []byte(tc.text))
			if err != nil {
				t.Fatalf("parseIndex(%q): %v", tc.text, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseIndex(%q) =\n%#v\nwant\n%#v", tc.text, got, tc.want)
			}
		})
	}
}

// malformed are files keyward must refuse, with the place and a reason.
var malformed = []struct {
	name, text string
	want       string // the whole "PATH:LINE:COL: " prefix and part of the reason
}{
	{"duplicate names", "format = 1\n\n[[secret]]\nname = \"A\"\n\n[[secret]]\nname = \"B\"\n\n[[secret]]\nname = \"A\"\n",
		"index.toml:9:1: secret A is defined twice, at lines 3 and 9"},
	{"duplicate names, slow path", "format = 1\n[[secret]]\nname = 'A'\n[[secret]]\nname = 'A'\n",
		"index.toml:4:1: secret A is defined twice, at lines 2 and 4"},
	{"unknown format", "format = 2\n[[secret]]\nname = \"A\"\n", "index.toml:1:1: unknown index format 2"},
	{"unknown format, slow path", "format = 7 # from the future\r\n", "index.toml:1:1: unknown index format 7"},
	{"duplicate key", "format = 1\n[[secret]]\nname = \"A\"\nname = \"B\"\n", "index.toml:4:"},
	{"unterminated string", "format = 1\n[[secret]]\nname = \"A\n", "index.toml:3:"},
	{"garbage", "format = 1\n[[secret]]\nname = A\n", "index.toml:3:"},
	{"wrong type", "format = 1\n[[secret]]\nname = \"A\"\nversion = \"two\"\n", "index.toml:4:1: secret.version: incompatible types"},
	{"wrong type of format", "format = \"1\"\n", "index.toml:1:1: format: incompatible types"},
	{"unknown key in secret", "format = 1\n[[secret]]\nname = \"A\"\nrotate-every = \"90d\"\n", `index.toml:4:1: unknown key "rotate-every" in secret A`},
	{"unknown key in second secret", "[[secret]]\nname = \"A\"\n[[secret]]\nname = \"B\"\n  value = \"x\"\n", `index.toml:5:3: unknown key "value" in secret B`},
	{"unknown top-level key", "format = 1\ncolor = \"red\"\n", `index.toml:2:1: unknown key "color"`},
	{"invalid name", "format = 1\n[[secret]]\nname = \"1BAD\"\n", `index.toml:3:1: secret name: "1BAD" must start with a letter`},
	{"invalid name, slow path", "format = 1\n[[secret]]\n  name = '1BAD'\n", `index.toml:3:3: secret name: "1BAD" must start with a letter`},
	{"missing name", "format = 1\n[[secret]]\nversion = 1\n", "index.toml:2:1: [[secret]] table without a name"},
	{"bad policy", "format = 1\n[[secret]]\nname = \"A\"\nrotate_every = \"90x\"\n", `index.toml:2:1: secret A: duration: "90x": unknown unit`},
	{"negative version", "format = 1\n[[secret]]\nname = \"A\"\nversion = -1\n", "index.toml:2:1: secret A: version -1 is out of range"},
	{"control character in metadata", "format = 1\n[[secret]]\nname = \"A\"\n[secret.metadata]\nk = \"a\\u001bb\"\n", `index.toml:2:1: secret A: metadata: value of "k" must not contain control characters`},
	{"empty metadata key", "[[secret]]\nname = \"A\"\n[secret.metadata]\n\"\" = \"v\"\n", "index.toml:1:1: secret A: metadata: key must not be empty"},
	{"metadata not a string", "[[secret]]\nname = \"A\"\n[secret.metadata]\nn = 1\n", "index.toml:4:1: secret.metadata.n: incompatible types"},
	{"invalid UTF-8", "[[secret]]\nname = \"A\xff\"\n", "index.toml:2:"},
	{"secret not a table", "secret = 1\n", "index.toml:1:1: secret: incompatible types"},
	{"duplicate inline tables", "secret = [{ name = \"A\" }, { name = \"A\" }]\n", "index.toml: secret A is defined twice (tables 1 and 2)"},
	// The decoder's own position for a type error was the last table's
	// version (line 9) whichever table was wrong.
	{"wrong type in the first of three tables", "[[secret]]\nname = \"A\"\nversion = \"two\"\n[[secret]]\nname = \"B\"\nversion = 3\n[[secret]]\nname = \"C\"\n  version = 3\n",
		"index.toml:3:1: secret.version: incompatible types: the value is a string; want an integer"},
	{"newer format with new keys", "format = 2\n[[secret]]\nname = \"A\"\nnew_field = 'x'\n", "index.toml:1:1: unknown index format 2"},
	{"key in the wrong case", "[[secret]]\nName = \"A\"\n", `index.toml:2:1: unknown key "Name" in [[secret]] table 1`},
	{"metadata not a table", "[[secret]]\nname = \"A\"\nmetadata = 1\n", "index.toml:3:1: secret.metadata: incompatible types: the value is an integer; want a table"},
	{"generate_length too short", "[[secret]]\nname = \"A\"\ngenerate_length = 4\n", "index.toml:1:1: secret A: generate_length 4 is out of range (8 to 4096)"},
	{"generate_length zero", "[[secret]]\nname = \"A\"\ngenerate_length = 0\n", "index.toml:1:1: secret A: generate_length 0 is out of range"},
	{"generate_symbols without a length", "[[secret]]\nname = \"A\"\ngenerate_symbols = true\n", "index.toml:1:1: secret A: generate_symbols without generate_length"},
	{"generate_length not an integer", "[[secret]]\nname = \"A\"\ngenerate_length = \"40\"\n", "index.toml:3:1: secret.generate_length: incompatible types: the value is a string; want an integer"},
	{"no_value not a boolean", "[[secret]]\nname = \"A\"\nno_value = \"yes\"\n", "index.toml:3:1: secret.no_value: incompatible types: the value is a string; want a boolean"},
	{"header inside a multi-line string", "[[secret]]\nname = 'A'\n[[secret]]\nname = 'B'\ndescription = \"\"\"\n[[secret]]\n\"\"\"\n[[secret]]\nname = 'A'\n",
		"index.toml: secret A is defined twice (tables 1 and 3)"},
	{"sync without a target", "[[secret]]\nname = \"A\"\n[[secret.sync]]\ntarget = \"\"\nversion = 1\n", "index.toml:3:1: secret A: sync 1 has no target"},
	{"sync without a target, slow path", "[[secret]]\nname = 'A'\n[[secret.sync]]\ntarget = 'x'\n\n  [[secret.sync]]\nversion = 1\n", "index.toml:6:3: secret A: sync 2 has no target"},
	{"sync target twice", "[[secret]]\nname = \"A\"\n[[secret.sync]]\ntarget = \"v1 x\"\n[[secret.sync]]\ntarget = \"v1 x\"\n",
		`index.toml:5:1: secret A: sync target "v1 x" appears twice (sync 1 and 2); keep one`},
	{"sync target twice, inline", "[[secret]]\nname = 'A'\nsync = [{target = 'x'}, {target = 'x'}]\n", `index.toml:3:1: secret A: sync target "x" appears twice`},
	{"sync version wrong type", "[[secret]]\nname = 'A'\n[[secret.sync]]\ntarget = 'v1 x'\nversion = 'one'\n",
		"index.toml:5:1: secret.sync.version: incompatible types: the value is a string; want an integer"},
	{"sync version out of range", "[[secret]]\nname = \"A\"\n[[secret.sync]]\ntarget = \"x\"\nversion = 3000000000\n", "index.toml:3:1: secret A: sync 1: version 3000000000 is out of range"},
	{"negative generation", "[[secret]]\nname = \"A\"\n[[secret.sync]]\ntarget = \"x\"\ngeneration = -1\n", "index.toml:3:1: secret A: sync 1: generation must not be negative"},
	{"unknown key in sync", "[[secret]]\nname = 'A'\n[[secret.sync]]\ntarget = 'v1 x'\nremote = 'one'\n",
		`index.toml:5:1: unknown key "remote" in sync 1 of secret A; a [[secret.sync]] table has target, remote_id`},
	{"sync not an array of tables", "[[secret]]\nname = 'A'\nsync = 'x'\n", "index.toml:3:1: secret.sync: incompatible types: the value is a string; want an array of tables"},
	{"time before the year 0 in UTC", "[[secret]]\nname=\"A\"\nrotated_at=0000-01-01 00:00+01:00", "index.toml:1:1: secret A: time -0001-12-31T23:00:00Z is outside the years 0 to 9999"},
	{"policy that overflows", "[[secret]]\nname=\"A\"\nrotate_every=\"217000d\"", `index.toml:1:1: secret A: duration: "217000d" is longer than the limit of 100 years (36500d)`},
	{"policy over 100 years", "[[secret]]\nname=\"A\"\nrotate_every=\"5215w\"", `index.toml:1:1: secret A: duration: "5215w" is longer than the limit`},
	{"two bad metadata pairs, first in key order", "[[secret]]\nname = \"A\"\n[secret.metadata]\nz = \"a\\u001bb\"\n\"\" = \"v\"\n\"a=b\" = \"v\"\n",
		"index.toml:1:1: secret A: metadata: key must not be empty"},
	{"sync before any secret", "[[secret.sync]]\ntarget = 'x'\n", "index.toml:1:1: secret: incompatible types: the value is a table; want an array of tables"},
}

func TestIndexMalformed(t *testing.T) {
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseIndex("index.toml", []byte(tc.text))
			if err == nil {
				t.Fatalf("parseIndex(%q) succeeded, want error %q", tc.text, tc.want)
			}
			var ie *IndexError
			if !errors.As(err, &ie) {
				t.Errorf("parseIndex(%q) error %T, want *IndexError", tc.text, err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) && !strings.HasPrefix(tc.want, "index.toml:") {
				t.Errorf("bad test: want %q has no position", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("parseIndex(%q) error\n %q\nwant prefix\n %q", tc.text, err.Error(), tc.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}

func TestIndexErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    IndexError
		want string
	}{
		{IndexError{Path: "/x/index.toml", Line: 3, Col: 7, Msg: "bad"}, "/x/index.toml:3:7: bad"},
		{IndexError{Path: "i.toml", Line: 3, Msg: "bad"}, "i.toml:3:1: bad"},
		{IndexError{Path: "i.toml", Msg: "bad"}, "i.toml: bad"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%#v.Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestDefaultIndexPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	got, err := DefaultIndexPath()
	if err != nil {
		t.Fatal(err)
	}
	// On Linux this is $XDG_CONFIG_HOME; elsewhere the platform's own
	// config directory, so only check the tail there.
	want := filepath.Join("keyward", "index.toml")
	if !strings.HasSuffix(got, want) {
		t.Errorf("DefaultIndexPath() = %q, want it to end in %q", got, want)
	}
	if cfg, _ := os.UserConfigDir(); got != filepath.Join(cfg, want) {
		t.Errorf("DefaultIndexPath() = %q, want %q", got, filepath.Join(cfg, want))
	}
}

func newFileIndex(t testing.TB) *fileIndex {
	return &fileIndex{path: filepath.Join(t.TempDir(), "cfg", "keyward", "index.toml")}
}

func appendSecret(name string) func([]model.Secret) ([]model.Secret, error) {
	return func(list []model.Secret) ([]model.Secret, error) {
		return append(list, model.Secret{Name: name, Version: 1, CreatedAt: t0, UpdatedAt: t0}), nil
	}
}

func TestFileIndexMissingIsEmpty(t *testing.T) {
	f := newFileIndex(t)
	list, err := f.Load(context.Background(), nil)
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("Load of a missing index = %#v, %v; want an empty list, no error", list, err)
	}
	if _, err := os.Stat(filepath.Dir(f.path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load created the directory (stat: %v); only writes should", err)
	}
}

func TestFileIndexWritePermissions(t *testing.T) {
	f := newFileIndex(t)
	if err := f.Update(context.Background(), appendSecret("A"), nil); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(f.path)
	checkMode(t, dir, 0o700)
	checkMode(t, f.path, 0o600)
	checkMode(t, f.path+".lock", 0o600)
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"index.toml", "index.toml.cache", "index.toml.lock"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %v, want %v (no temporary files left behind)", names, want)
	}
	// A second write replaces the file and keeps its mode, even when
	// someone loosened it.
	if err := os.Chmod(f.path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.Update(context.Background(), appendSecret("B"), nil); err != nil {
		t.Fatal(err)
	}
	checkMode(t, f.path, 0o600)
	list, err := f.Load(context.Background(), nil)
	if err != nil || len(list) != 2 || list[0].Name != "A" || list[1].Name != "B" {
		t.Errorf("after two writes Load = %v, %v; want A, B", list, err)
	}
}

// TestFileIndexRemovesStaleTemps checks that an Update removes the temporary
// files killed writers left, but not one young enough to be a write still
// under way.
func TestFileIndexRemovesStaleTemps(t *testing.T) {
	f := newFileIndex(t)
	if err := f.Update(context.Background(), appendSecret("A"), nil); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(f.path)
	old := time.Now().Add(-2 * staleTempAge)
	for _, name := range []string{".index.toml.tmp-123", ".index.toml.tmp-4567", ".index.toml.tmp-99"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if name != ".index.toml.tmp-99" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Update(context.Background(), appendSecret("B"), nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{".index.toml.tmp-99", "index.toml", "index.toml.cache", "index.toml.lock"}; !slices.Equal(names, want) {
		t.Errorf("after an Update the directory holds %q, want %q", names, want)
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("mode of %s = %o, want %o", filepath.Base(path), got, want)
	}
}

func TestFileIndexKeepsSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "keyward.toml")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "index.toml")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	f := &fileIndex{path: link}
	if err := f.Update(context.Background(), appendSecret("A"), nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced (%v)", err)
	}
	if list, err := (&fileIndex{path: real}).Load(context.Background(), nil); err != nil || len(list) != 1 {
		t.Errorf("the file behind the symlink holds %v, %v; want A", list, err)
	}
}

func TestFileIndexNeverOverwritesMalformed(t *testing.T) {
	f := newFileIndex(t)
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		t.Fatal(err)
	}
	bad := "format = 1\n[[secret]]\nname = \"A\"\n# my notes\nname = \"oops\"\n"
	if err := os.WriteFile(f.path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	called := false
	err := f.Update(context.Background(), func(list []model.Secret) ([]model.Secret, error) {
		called = true
		return list, nil
	}, nil)
	var ie *IndexError
	if !errors.As(err, &ie) || ie.Line != 5 || ie.Path != f.path {
		t.Errorf("Update over a malformed index = %v, want an IndexError at %s:5", err, f.path)
	}
	if called {
		t.Error("Update ran fn over a malformed index")
	}
	if got, _ := os.ReadFile(f.path); string(got) != bad {
		t.Errorf("malformed index was changed to:\n%s", got)
	}
}

func TestFileIndexUpdateErrorWritesNothing(t *testing.T) {
	f := newFileIndex(t)
	if err := f.Update(context.Background(), appendSecret("A"), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(f.path)
	boom := errors.New("boom")
	err := f.Update(context.Background(), func(list []model.Secret) ([]model.Secret, error) {
		return append(list, model.Secret{Name: "B"}), boom
	}, nil)
	if !errors.Is(err, boom) {
		t.Errorf("Update = %v, want fn's error", err)
	}
	// A record that cannot be written leaves the file alone too.
	err = f.Update(context.Background(), func(list []model.Secret) ([]model.Secret, error) {
		return append(list, model.Secret{Name: "bad name"}), nil
	}, nil)
	if err == nil {
		t.Error("Update wrote an invalid name")
	}
	if after, _ := os.ReadFile(f.path); string(after) != string(before) {
		t.Errorf("failed Updates changed the file:\n%s", after)
	}
}

func TestFileIndexCancelledWhileLocked(t *testing.T) {
	f := newFileIndex(t)
	if err := f.Update(context.Background(), appendSecret("A"), nil); err != nil {
		t.Fatal(err)
	}
	entered, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- f.Update(context.Background(), func(list []model.Secret) ([]model.Secret, error) {
			close(entered)
			<-release
			return list, nil
		}, nil)
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := f.Update(ctx, appendSecret("B"), nil)
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the lock holder's Update: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Update while another holds the lock = %v, want the context's deadline", err)
	}
}

func TestFileIndexConcurrentGoroutines(t *testing.T) {
	path := newFileIndex(t).path
	const workers, each = 16, 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			f := &fileIndex{path: path} // its own lock file handle
			for i := range each {
				errs <- f.Update(context.Background(), appendSecret(fmt.Sprintf("W%d_%d", w, i)), nil)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkAllPresent(t, path, workers, each, "W")
}

func checkAllPresent(t *testing.T, path string, workers, each int, prefix string) {
	t.Helper()
	list, err := (&fileIndex{path: path}).Load(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, s := range list {
		have[s.Name] = true
	}
	if len(list) != workers*each {
		t.Errorf("index holds %d secrets, want %d: changes were lost", len(list), workers*each)
	}
	for w := range workers {
		for i := range each {
			if n := fmt.Sprintf("%s%d_%d", prefix, w, i); !have[n] {
				t.Errorf("%s is missing", n)
			}
		}
	}
}

// TestFileIndexConcurrentProcesses runs several copies of this test binary,
// each adding secrets to one index, and checks that none were lost.
func TestFileIndexConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := newFileIndex(t).path
	const procs, each = 4, 15
	cmds := make([]*exec.Cmd, procs)
	outs := make([]strings.Builder, procs)
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperIndexWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			"KEYWARD_HELPER_INDEX="+path,
			"KEYWARD_HELPER_PREFIX=P"+strconv.Itoa(p)+"_",
			"KEYWARD_HELPER_COUNT="+strconv.Itoa(each))
		cmd.Stdout, cmd.Stderr = &outs[p], &outs[p]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[p] = cmd
	}
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer process %d: %v\n%s", p, err, outs[p].String())
		}
	}
	checkAllPresent(t, path, procs, each, "P")
}

// TestHelperIndexWriter is the child of TestFileIndexConcurrentProcesses.
func TestHelperIndexWriter(t *testing.T) {
	path := os.Getenv("KEYWARD_HELPER_INDEX")
	if path == "" {
		t.Skip("helper process only")
	}
	n, _ := strconv.Atoi(os.Getenv("KEYWARD_HELPER_COUNT"))
	prefix := os.Getenv("KEYWARD_HELPER_PREFIX")
	// Through a whole store, as keyward processes would.
	s := &store{vals: &memBackend{vals: map[string]string{}}, idx: &fileIndex{path: path}, now: time.Now}
	for i := range n {
		if _, err := s.Create(context.Background(), model.Secret{Name: fmt.Sprintf("%s%d", prefix, i)}, "value"); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParseIndex checks that parsing never panics, that the fast path never
// reads a file differently from the TOML decoder, and that whatever parses
// is written back and read again exactly.
func FuzzParseIndex(f *testing.F) {
	for _, tc := range handEdited {
		f.Add([]byte(tc.text))
	}
	for _, tc := range malformed {
		f.Add([]byte(tc.text))
	}
	for _, tc := range roundTripCases {
		data, err := encodeIndex([]model.Secret{tc.sec})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, extra := range []string{
		"[[secret]]\nname = \"A\\u00e9\\U0001F511\"\ncreated_at = 2024-02-29T23:59:59.999999999-12:30\n",
		"format = 1 # c\n[[secret]]\n\"name\" = \"A\"#c\ndescription = \"\\b\\f\\t\\r\\\\ \\\"\"\nversion = 0\nrotate_every = \"36h\"\n\n[secret.metadata]\n\"a\\u0041\" = \"x\"\nb-c_d = \"\"\n",
		"[[secret]]\nname = \"B\"\nupdated_at = 2023-02-29T00:00:00Z\n",
		"[[secret]]\nname = \"B\"\nrotated_at = 1999-12-31T23:59:60Z\n",
		"[[secret]]\nname = \"B\"\nrotated_at = 2000-01-01T00:00:00+24:00\n",
		"[[secret]]\nname = \"B\"\ndescription = \"\\e\\x41\"\n",
		"[[secret]]\nname = \"B\"\nversion = 007\n",
		"[[secret]]\nname = \"B\"\nversion = 1_000\n",
		"[[secret]]\nname = \"B\"\n[secret.metadata]\nk = \"v\"\n[secret.metadata]\n",
		"[secret.metadata]\nk = \"v\"\n[[secret]]\nname = \"B\"\n",
		"[[secret]]\nname = \"B\"\nno_value = true#c\nno_value = false\n",
		"[[secret]]\nname=\"\\U80000000\"",
		"[[secret]]\nname=\"A\"\ndescription=\"\\UFFFFFFFF\\U0010FFFF\"",
		// Two bad metadata pairs: the same one is reported every time.
		"#\n[[secret]]\nname=\"B\"\n[secret.metadata]\n\"\"=\"7\\\\7\"\n\"88\"=\"\\t\"",
		"[[secret]]\nname = \"B\"\nno_value = truex\n",
		"[[secret]]\nname = \"B\"\ngenerate_length = 99999999999\ngenerate_symbols = true\n",
		"[[secret]]\nname = \"B\"\ngenerate_length = 8\ngenerate_length = 9\n",
		"[[secret]]\nname = \"B\"\n[[secret.sync]]\ntarget = \"t\"\n[secret.metadata]\n[[secret.sync]]\ntarget = \"t\"\n",
		"[[secret]]\nname = \"B\"\n[[secret.sync]]\ntarget = \"t\"\nversion = 1\nversion = 2\n",
		"[[secret.sync]]\ntarget = \"t\"\n[[secret]]\nname = \"B\"\n",
		"[[secret]]\nname = \"B\"\n[secret.metadata]\n[[secret.sync]]\ngeneration = 123456789012345678\n[secret.metadata]\n",
		"[[secret]]\nname = \"B\"\n[[secret.sync]]\ntarget = \"t\"\ngeneration = 9223372036854775807\n",
		"[[secret]]\nname = \"B\"\n[[secret.sync]]\ntarget = \"t\"\ngeneration = 9223372036854775808\n",
	} {
		f.Add([]byte(extra))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if fast, ok := parseCanonical(data); ok {
			// The TOML decoder is the reader of record: the fast path must
			// read the same values and, through check, report the same
			// error at the same place.
			var slowList []model.Secret
			slow, slowErr := parseTOML("f", data)
			if slowErr == nil {
				if !sameRaw(fast, slow) {
					t.Fatalf("fast path and TOML decoder disagree on\n%q\nfast %#v\nslow %#v", data, fast, slow)
				}
				slowList, slowErr = slow.check("f")
			}
			fastList, fastErr := fast.check("f")
			if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) {
				t.Fatalf("fast path and TOML decoder disagree on\n%q\nfast error: %v\nslow error: %v", data, fastErr, slowErr)
			}
			if !reflect.DeepEqual(fastList, slowList) {
				t.Fatalf("fast path and TOML decoder read\n%q\nfast %#v\nslow %#v", data, fastList, slowList)
			}
		}
		// The reader by record reads what the decoder reads from the
		// whole file, or leaves it to the decoder.
		if byRecord, ok := parseByRecord("f", data); ok {
			whole, err := parseTOML("f", data)
			var wholeList []model.Secret
			if err == nil {
				wholeList, err = whole.check("f")
			}
			if err != nil || !reflect.DeepEqual(byRecord, wholeList) {
				t.Fatalf("by record read\n%#v\nthe whole file\n%#v (%v) from\n%q", byRecord, wholeList, err, data)
			}
		}
		list, err := parseIndex("f", data)
		if err != nil {
			var ie *IndexError
			if !errors.As(err, &ie) {
				t.Fatalf("parseIndex error %T %v, want *IndexError", err, err)
			}
			return
		}
		for i := range list {
			// check's shortcut (plainRecord) must never pass a record
			// that Validate refuses.
			if err := list[i].ValidateStored(); err != nil {
				t.Fatalf("read %q from\n%q, which Validate refuses: %v", list[i].Name, data, err)
			}
			// get's shortcut (findOne) answers as the full parse or not at all.
			if sec, ok := findOne("f", data, list[i].Name); ok && !reflect.DeepEqual(sec, list[i]) {
				t.Fatalf("findOne(%q) read %#v from\n%q; the full parse %#v", list[i].Name, sec, data, list[i])
			}
		}
		enc, err := encodeIndex(list)
		if err != nil {
			t.Fatalf("cannot write back what was read (%v) from\n%q", err, data)
		}
		if _, ok := parseCanonical(enc); !ok {
			t.Fatalf("fast path refused encodeIndex output:\n%s", enc)
		}
		again, err := parseIndex("f", enc)
		if err != nil || !reflect.DeepEqual(again, list) {
			t.Fatalf("round trip changed\n%#v\nto\n%#v (%v)", list, again, err)
		}
		// The cache gives back exactly what the parse read.
		checkCacheRoundTrip(t, list)
		// A write that copies the records it does not change writes what
		// encoding every record writes.
		if len(list) > 0 {
			next := slices.Clone(list)
			next[len(next)/2].Version++
			want, err := encodeIndex(next)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := encodeReusing(list, enc, next); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("a write over a file keyward wrote wrote\n%s\nwant\n%s (%v)", got, want, err)
			}
		}
	})
}

// sameRaw reports whether two parses read the same values; where they were
// read is compared through the errors check makes.
func sameRaw(a, b *rawIndex) bool {
	if a.format != b.format || a.formatSet != b.formatSet || len(a.entries) != len(b.entries) {
		return false
	}
	for i := range a.entries {
		x, y := a.entries[i], b.entries[i]
		if x.version != y.version || x.rotateEvery != y.rotateEvery || !slices.Equal(x.syncVersions, y.syncVersions) {
			return false
		}
		if len(x.sec.Metadata) == 0 && len(y.sec.Metadata) == 0 {
			x.sec.Metadata, y.sec.Metadata = nil, nil
		}
		if !reflect.DeepEqual(x.sec, y.sec) {
			return false
		}
	}
	return true
}

// benchIndex writes an index of n realistic records and returns its path.
func benchIndex(b *testing.B, n int) string {
	b.Helper()
	list := make([]model.Secret, n)
	for i := range list {
		list[i] = model.Secret{
			Name:        fmt.Sprintf("SERVICE_%06d_API_KEY", i),
			Description: fmt.Sprintf("API key %d for the \"ingest\" pipeline", i),
			Metadata:    map[string]string{"env": []string{"prod", "staging", "dev"}[i%3], "owner": "growth team", "service": "svc" + strconv.Itoa(i%50)},
			CreatedAt:   t0.Add(-time.Duration(i) * time.Hour), UpdatedAt: t0, RotatedAt: t0,
			Version: 1 + i%5, RotateEvery: model.Duration(90 * model.Day),
		}
	}
	data, err := encodeIndex(list)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "index.toml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	return path
}

// BenchmarkLoadIndex100k is what `keyward secrets list` pays over a
// 100,000-entry index (List reads only the index).
func BenchmarkLoadIndex100k(b *testing.B) {
	path := benchIndex(b, 100_000)
	s := &store{idx: &fileIndex{path: path}}
	for b.Loop() {
		list, err := s.List(context.Background())
		if err != nil || len(list) != 100_000 {
			b.Fatal(len(list), err)
		}
	}
}

// BenchmarkLoadIndex100kTOML is the same file through the TOML decoder
// alone, the path hand-edited files take; it is why the fast path exists.
func BenchmarkLoadIndex100kTOML(b *testing.B) {
	path := benchIndex(b, 100_000)
	data, _ := os.ReadFile(path)
	for b.Loop() {
		raw, err := parseTOML(path, data)
		if err != nil || len(raw.entries) != 100_000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateIndex is the index part of a write that changes one
// record (a rotate's): back to back, so the index has always just been
// written and the cache is checked by hash ("hashed"), or with the index
// settled first, as for a write a second or more after the last
// ("settled": each iteration waits, untimed, for the file to settle).
// Through Update (every record decoded and the list written), and through
// UpdateRecord ("record/": the one record patched), which is what a
// rotate, a rollback and an edit use.
func BenchmarkUpdateIndex(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, c := range []struct{ settled, record bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
			settled, record := c.settled, c.record
			name := fmt.Sprintf("hashed/%d", n)
			if settled {
				name = fmt.Sprintf("settled/%d", n)
			}
			if record {
				name = "record/" + name
			}
			b.Run(name, func(b *testing.B) {
				if settled && testing.Short() {
					b.Skip("waits a second per iteration")
				}
				path := benchIndex(b, n)
				f := &fileIndex{path: path}
				update := func() {
					err := f.Update(context.Background(), func(list []model.Secret) ([]model.Secret, error) {
						list[n/2].Version++
						return list, nil
					}, nil)
					if err != nil {
						b.Fatal(err)
					}
				}
				update() // the first write encodes every record and leaves the cache
				if record {
					name := fmt.Sprintf("SERVICE_%06d_API_KEY", n/2)
					update = func() {
						err := f.UpdateRecord(context.Background(), name, func(_ int, rec *model.Secret, _ bool) error {
							rec.Version++
							return nil
						}, nil)
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				for b.Loop() {
					if settled {
						b.StopTimer()
						time.Sleep(stampSettle + 50*time.Millisecond)
						if _, err := f.Load(context.Background(), nil); err != nil { // stamps the cache
							b.Fatal(err)
						}
						b.StartTimer()
					}
					update()
				}
			})
		}
	}
}

// TestIndexRewriteDropsComments: a hand-edited index reads with its
// comments, and the next write drops them, as the header (written on every
// rewrite) and the README say (issue 11, item 14).
func TestIndexRewriteDropsComments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.toml")
	hand := "# my notes about these secrets\nformat = 1\n\n[[secret]]\n# the prod key\nname = \"A\" # inline\nversion = 1\n"
	if err := os.WriteFile(path, []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &store{vals: &memBackend{vals: map[string]string{}}, idx: &fileIndex{path: path}, now: time.Now}
	if list, err := s.List(context.Background()); err != nil || len(list) != 1 || list[0].Name != "A" {
		t.Fatalf("reading the hand-edited index: %v, %v", list, err)
	}
	if _, err := s.Create(context.Background(), model.Secret{Name: "B"}, "value"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.HasPrefix(text, indexHeader) || !strings.Contains(strings.ReplaceAll(indexHeader, "\n# ", " "), "comments and blank lines added by hand are dropped") {
		t.Errorf("the rewritten index does not open with the header that says comments go:\n%s", text)
	}
	for _, c := range []string{"my notes", "the prod key", "inline"} {
		if strings.Contains(text, c) {
			t.Errorf("comment %q kept; the header says comments are dropped", c)
		}
	}
}

func TestFindOne(t *testing.T) {
	list := genSecrets(300)
	list[7].Sync = []model.SyncState{{Target: "v1:acct", Version: 2}}
	data, err := encodeIndex(list)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range list {
		got, ok := findOne("f", data, want.Name)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("findOne(%q) = %#v, %v; want %#v", want.Name, got, ok, want)
		}
	}
	text := string(data)
	first, last := list[0].Name, list[len(list)-1].Name
	for _, tt := range []struct {
		why, text, name string
	}{
		{"absent", text, "NOT_THERE"},
		{"not a name", text, "a b"},
		{"a multi-line string", text + "[[secret]]\nname = \"ZZ\"\ndescription = \"\"\"\nx\"\"\"\n", first},
		{"written twice", text + "[[secret]]\nname = \"" + first + "\"\n", first},
		{"written twice, another way", text + "[[secret]]\nname = '" + first + "'\n", first},
		{"quoted elsewhere", strings.Replace(text, `description = "`, `description = "`+last+`"`, 1), last},
		{"an unknown key in its table", strings.Replace(text, `name = "`+last+`"`+"\n", `name = "`+last+`"`+"\nbogus = 1\n", 1), last},
		{"a newer format", strings.Replace(text, "format = 1", "format = 99", 1), last},
		{"CRLF line ends", strings.ReplaceAll(text, "\n", "\r\n"), last},
	} {
		if got, ok := findOne("f", []byte(tt.text), tt.name); ok {
			t.Errorf("%s: findOne(%q) = %#v, want no answer (the full parse decides)", tt.why, tt.name, got)
		}
	}
}
