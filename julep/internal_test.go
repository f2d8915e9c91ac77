package julep

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{"Sun, 01 Mar 2026 12:00:07 GMT", 7 * time.Second, true},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0, true}, // in the past: now
		{"99999999", 24 * time.Hour, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseDetail(t *testing.T) {
	tests := []struct {
		name, body, ctype string
		want              string
	}{
		{"string", `{"detail":"Could not validate API KEY"}`, "application/json", "Could not validate API KEY"},
		{"fastapi list drops input", `{"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required","input":{"value":"hunter2-value"}}]}`, "application/json", "name: Field required"},
		{"two items", `{"detail":[{"loc":["body","name"],"msg":"a"},{"loc":["query","limit"],"msg":"b"}]}`, "application/json", "name: a; query.limit: b"},
		{"plain text scrubbed", "bad key sekrit-key here", "text/plain", "bad key [redacted] here"},
		{"html dropped", "<html><body>502</body></html>", "text/html", ""},
		{"json without detail", `{"error":"x"}`, "application/json", ""},
		{"control chars", "a\x1b[31mb\nc", "text/plain", "a [31mb c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseDetail([]byte(tt.body), tt.ctype, "sekrit-key", "hunter2-value"); got != tt.want {
				t.Errorf("parseDetail(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
	long := strings.Repeat("é", 400)
	if got := parseDetail([]byte(long), "text/plain"); len(got) > maxDetail+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("parseDetail(long) = %d bytes, want at most %d ending in …", len(got), maxDetail+3)
	}
}

func TestBackoffBounds(t *testing.T) {
	c := newClient(V1, "http://x", "k", Options{BaseDelay: 100 * time.Millisecond})
	for n, max := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 20: 8 * time.Second} {
		for range 50 {
			if d := c.backoff(n); d < max/2 || d > max {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, max/2, max)
			}
		}
	}
}

func FuzzDecodeV1List(f *testing.F) {
	f.Add(`[]`)
	f.Add(`[{"id":"0190a000-0000-7000-8000-000000000001","name":"A","description":null,"value":"ENCRYPTED","metadata":{"n":1,"s":"x"},"created_at":"2026-01-01T00:00:01Z","updated_at":"2026-01-01T00:00:01.123456"}]`)
	f.Add(`{"items":[{"id":"x","name":"B","created_at":"","updated_at":""}]}`)
	f.Add(`[{"id":"x","name":"B","metadata":[1]}]`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, body string) {
		list, err := decodeV1List([]byte(body))
		if err != nil {
			return
		}
		for _, s := range list {
			if s.ID == "" || s.Name == "" {
				t.Fatalf("decodeV1List(%q) kept a secret without id or name: %+v", body, s)
			}
		}
	})
}

var (
	v1Re = regexp.MustCompile(V1NameRule)
	v3Re = regexp.MustCompile(V3NameRule)
)

func FuzzNames(f *testing.F) {
	for _, s := range []string{"OPENAI_API_KEY", "openai-key", "1password", "_x", "", "a", strings.Repeat("a", 65), "é", "A-B c", "--", "9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := ValidateV1Name(name) == nil, v1Re.MatchString(name); got != want {
			t.Fatalf("ValidateV1Name(%q) ok = %v, want %v", name, got, want)
		}
		if got, want := ValidateV3Name(name) == nil, v3Re.MatchString(name); got != want {
			t.Fatalf("ValidateV3Name(%q) ok = %v, want %v", name, got, want)
		}
		if s := SuggestV1Name(name); s != "" && !v1Re.MatchString(s) {
			t.Fatalf("SuggestV1Name(%q) = %q, which v1 rejects", name, s)
		}
		if s := SuggestV3Name(name); s != "" && !v3Re.MatchString(s) {
			t.Fatalf("SuggestV3Name(%q) = %q, which Julep 3 rejects", name, s)
		}
	})
}
