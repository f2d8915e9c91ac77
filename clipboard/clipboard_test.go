package clipboard

import (
	"context"
	"errors"
	"testing"
)

// memClipboard is a system clipboard in memory.
type memClipboard struct {
	text           string
	readErr, wrErr error
	writes, reads  int
}

func (m *memClipboard) WriteText(_ context.Context, s string) error {
	m.writes++
	if m.wrErr != nil {
		return m.wrErr
	}
	m.text = s
	return nil
}

func (m *memClipboard) ReadText(context.Context) (string, error) {
	m.reads++
	return m.text, m.readErr
}

func TestClearIfHolds(t *testing.T) {
	const v = "sk-live-0123456789"
	boom := errors.New("clipboard: xclip failed")
	for _, tc := range []struct {
		name        string
		clip        memClipboard
		wantCleared bool
		wantErr     error
		wantText    string
	}{
		{"still ours", memClipboard{text: v}, true, nil, ""},
		{"copied over", memClipboard{text: "something else"}, false, nil, "something else"},
		{"emptied already", memClipboard{text: ""}, false, nil, ""},
		{"a prefix of ours", memClipboard{text: v[:5]}, false, nil, v[:5]},
		{"unreadable", memClipboard{text: v, readErr: boom}, false, boom, v},
		{"unwritable", memClipboard{text: v, wrErr: boom}, false, boom, v},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.clip
			cleared, err := ClearIfHolds(context.Background(), &c, Digest(v))
			if cleared != tc.wantCleared || !errors.Is(err, tc.wantErr) {
				t.Errorf("ClearIfHolds = %v, %v; want %v, %v", cleared, err, tc.wantCleared, tc.wantErr)
			}
			if c.text != tc.wantText {
				t.Errorf("clipboard holds %q, want %q", c.text, tc.wantText)
			}
		})
	}
}

func TestOSC52(t *testing.T) {
	if got := OSC52Set("hi"); got != "\x1b]52;c;aGk=\a" {
		t.Errorf("OSC52Set(%q) = %q", "hi", got)
	}
	if got := OSC52Set(""); got != "\x1b]52;c;\a" {
		t.Errorf("OSC52Set(\"\") = %q, want the empty set", got)
	}
	for _, tc := range []struct {
		in       string
		text     string
		done, ok bool
	}{
		{"\x1b]52;c;aGk=\a", "hi", true, true},
		{"\x1b]52;c;aGk=\x1b\\", "hi", true, true},        // ST instead of BEL
		{"typed\x1b]52;p;aGk=\a", "hi", true, true},       // bytes before it, another selection
		{"\x1b]52;;aGk=\a", "hi", true, true},             // no selection named
		{"\x1b]52;c;\a", "", true, true},                  // empty
		{"\x1b]52;c;aG", "", false, true},                 // not all here yet
		{"", "", false, true},                             //
		{"\x1b]11;rgb:0000/0000/0000\a", "", false, true}, // another answer
		{"\x1b]52;c;!!!\a", "", true, false},              // not base64
		{"\x1b]52;aGk=\a", "", true, false},               // no selection field
	} {
		text, done, err := ParseOSC52Reply([]byte(tc.in))
		if text != tc.text || done != tc.done || (err == nil) != tc.ok {
			t.Errorf("ParseOSC52Reply(%q) = %q, %v, %v; want %q, %v, ok=%v", tc.in, text, done, err, tc.text, tc.done, tc.ok)
		}
	}
}

// FuzzOSC52 checks that a set sequence parses back to its text, whatever
// comes before it, and that no input makes the parser panic.
func FuzzOSC52(f *testing.F) {
	f.Add("hi", []byte("typed"))
	f.Add("", []byte{})
	f.Add("pässwörd\x00\x1b\a", []byte("\x1b]52;"))
	f.Fuzz(func(t *testing.T, text string, before []byte) {
		_, _, _ = ParseOSC52Reply(append(before, text...))
		if containsOSC52(before) {
			return // an earlier (partial) answer wins; that is the parser's rule
		}
		in := append(append([]byte{}, before...), OSC52Set(text)...)
		got, done, err := ParseOSC52Reply(in)
		if err != nil || !done || got != text {
			t.Fatalf("ParseOSC52Reply(%q + OSC52Set(%q)) = %q, %v, %v", before, text, got, done, err)
		}
	})
}

func containsOSC52(b []byte) bool {
	for i := 0; i+5 <= len(b); i++ {
		if string(b[i:i+5]) == "\x1b]52;" {
			return true
		}
	}
	return false
}
