package outmask

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// mask writes in to a Writer for secrets in the given chunk sizes (the
// last repeats; none means all at once) and closes it.
func mask(t testing.TB, secrets []Secret, in string, chunks ...int) string {
	t.Helper()
	var out bytes.Buffer
	w := New(secrets).Writer(&out)
	rest := []byte(in)
	for i := 0; len(rest) > 0; i++ {
		n := len(rest)
		if len(chunks) > 0 {
			n = min(chunks[min(i, len(chunks)-1)], len(rest))
		}
		if got, err := w.Write(rest[:n]); got != n || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", n, got, err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return out.String()
}

var (
	key   = Secret{"OPENAI_API_KEY", "sk-proj-Abc123+/xyz?&= ~é"}
	token = Secret{"TOKEN", "ghp_0123456789abcdef"}
	short = Secret{"PIN", "1234"}
)

func TestMask(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secrets []Secret
		in      string
		want    string
	}{
		{"nothing", []Secret{key}, "plain text\n", "plain text\n"},
		{"raw", []Secret{token}, "token=ghp_0123456789abcdef\n", "token=<keyward:TOKEN>\n"},
		{"twice", []Secret{token}, "ghp_0123456789abcdefghp_0123456789abcdef", "<keyward:TOKEN><keyward:TOKEN>"},
		{"at the end, no newline", []Secret{token}, "x ghp_0123456789abcdef", "x <keyward:TOKEN>"},
		{"a prefix stays", []Secret{token}, "ghp_0123456789abcde.", "ghp_0123456789abcde."},
		{"short values are not masked", []Secret{short, token}, "1234 ghp_0123456789abcdef", "1234 <keyward:TOKEN>"},
		{"prefix-sharing, the longer wins", []Secret{{"A", "secret1"}, {"B", "secret12"}},
			"secret12 secret1 secret13", "<keyward:B> <keyward:A> <keyward:A>3"},
		{"prefix-sharing, other order", []Secret{{"B", "secret12"}, {"A", "secret1"}},
			"secret12 secret1", "<keyward:B> <keyward:A>"},
		{"overlapping values cover both", []Secret{{"A", "abcdef12"}, {"B", "ef123456"}},
			"[abcdef123456]", "[<keyward:A><keyward:B>]"},
		{"a value inside another", []Secret{{"A", "xxsecretxx"}, {"B", "secret"}},
			"xxsecretxx secret", "<keyward:A> <keyward:B>"},
		{"a value overlapping itself", []Secret{{"A", "aaaaaa"}}, "baaaaaaaaab", "b<keyward:A>b"},
		{"same value, first name", []Secret{{"A", "same-value"}, {"B", "same-value"}}, "same-value", "<keyward:A>"},
		{"multi-line value", []Secret{{"PEM", "-----BEGIN\nabc\n-----END"}}, "x\n-----BEGIN\nabc\n-----END\ny", "x\n<keyward:PEM>\ny"},
		{"std base64 padded", []Secret{token}, base64.StdEncoding.EncodeToString([]byte(token.Value)) + "\n", "<keyward:TOKEN>\n"},
		{"hex upper", []Secret{token}, strings.ToUpper(hex.EncodeToString([]byte(token.Value))), "<keyward:TOKEN>"},
		{"percent lower", []Secret{key}, "q=" + lowerHexEscapes(url.QueryEscape(key.Value)), "q=<keyward:OPENAI_API_KEY>"},
		{"percent upper", []Secret{key}, "q=" + url.QueryEscape(key.Value), "q=<keyward:OPENAI_API_KEY>"},
		{"path escape", []Secret{key}, "/" + url.PathEscape(key.Value), "/<keyward:OPENAI_API_KEY>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mask(t, tc.secrets, tc.in); got != tc.want {
				t.Errorf("mask(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := mask(t, tc.secrets, tc.in, 1); got != tc.want {
				t.Errorf("mask(%q) a byte at a time = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// values are the test's secrets: printable, with every special character
// percent-encoding cares about, binary, and multi-line; of every length mod 3.
var values = []Secret{
	{"PRINTABLE", "sk-proj-Abc123+/xyz?&= ~é"},
	{"ALNUM6", "abc123"},
	{"ALNUM7", "abc1234"},
	{"ALNUM8", "abc12345"},
	{"BINARY", "\x00\xff\xfe\x80 binary\x01\x7f"},
	{"MULTILINE", "line one\nline two\r\n\tend"},
}

// encodedForms are the forms the package promises to catch, computed with
// the standard library, not with Forms.
func encodedForms(v string) map[string]string {
	b := []byte(v)
	out := map[string]string{
		"raw":                v,
		"base64 std":         base64.StdEncoding.EncodeToString(b),
		"base64 std raw":     base64.RawStdEncoding.EncodeToString(b),
		"base64 url":         base64.URLEncoding.EncodeToString(b),
		"base64 url raw":     base64.RawURLEncoding.EncodeToString(b),
		"query escape":       url.QueryEscape(v),
		"query escape lower": lowerHexEscapes(url.QueryEscape(v)),
		"path escape":        url.PathEscape(v),
		"path escape lower":  lowerHexEscapes(url.PathEscape(v)),
		"hex":                hex.EncodeToString(b),
		"HEX":                strings.ToUpper(hex.EncodeToString(b)),
	}
	var all strings.Builder
	for _, c := range b {
		fmt.Fprintf(&all, "%%%02X", c)
	}
	out["every byte percent-encoded"] = all.String()
	out["every byte percent-encoded lower"] = strings.ToLower(all.String())
	return out
}

func lowerHexEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			b.WriteString(strings.ToLower(s[i : i+3]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestEveryFormEverySplit puts each value in each form between other text
// and writes it split at every byte boundary (and a byte at a time): the
// output never holds the form and always names the secret.
func TestEveryFormEverySplit(t *testing.T) {
	for _, s := range values {
		for form, enc := range encodedForms(s.Value) {
			in := "before «" + enc + "» after\n"
			want := "before «<keyward:" + s.Name + ">» after\n"
			for i := 0; i <= len(in); i++ {
				if got := mask(t, values, in, i, len(in)); got != want {
					t.Fatalf("%s in %s, split at %d: got %q, want %q", s.Name, form, i, got, want)
				}
			}
			if got := mask(t, values, in, 1); got != want {
				t.Fatalf("%s in %s, a byte at a time: got %q, want %q", s.Name, form, got, want)
			}
		}
	}
}

// TestBase64InsideLongerText encodes the value with text before it (so it
// starts 0, 1 or 2 bytes into a 3-byte group) and after it, as
// `echo "KEY=$KEY" | base64` does: every character that carries only the
// value's bits is masked.
func TestBase64InsideLongerText(t *testing.T) {
	for _, s := range values {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			for _, pre := range []string{"", "K", "KE", "KEY=", "export KEY="} {
				for _, post := range []string{"\n", "!!", "\x00tail"} {
					e := enc.EncodeToString([]byte(pre + s.Value + post))
					// Characters [a, b) hold only bits of the value.
					a, b := (8*len(pre)+5)/6, 8*(len(pre)+len(s.Value))/6
					want := e[:a] + "<keyward:" + s.Name + ">" + e[b:]
					// With nothing before it, the value's own unpadded
					// encoding may match one character more, when the
					// bits after the value happen to be zeros.
					raw := enc.WithPadding(base64.NoPadding).EncodeToString([]byte(s.Value))
					alsoOK := want
					if pre == "" && strings.HasPrefix(e, raw) {
						alsoOK = "<keyward:" + s.Name + ">" + e[len(raw):]
					}
					if got := mask(t, values, e, 3); got != want && got != alsoOK {
						t.Errorf("base64(%q+%s+%q) masked = %q, want %q", pre, s.Name, post, got, want)
					}
				}
			}
		}
	}
}

// TestWrapped masks forms wrapped across lines as base64(1), openssl and
// xxd -p wrap them, and a multi-line value printed with CRLF line ends.
func TestWrapped(t *testing.T) {
	long := Secret{"LONG", "sk-ant-api03-" + strings.Repeat("AbCdEfGhIj0123456789", 5)}
	wrap := func(s string, width int, eol string) string {
		var b strings.Builder
		for len(s) > width {
			b.WriteString(s[:width] + eol)
			s = s[width:]
		}
		return b.String() + s + eol
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(long.Value + "\n"))
	for _, tc := range []struct{ name, in string }{
		{"base64 at 76", wrap(b64, 76, "\n")},
		{"openssl base64 at 64", wrap(b64, 64, "\n")},
		{"xxd -p at 60", wrap(hex.EncodeToString([]byte(long.Value)), 60, "\n")},
		{"CRLF", wrap(long.Value, 40, "\r\n")},
	} {
		for _, chunk := range []int{1, 7, 4096} {
			got := mask(t, []Secret{long}, "start\n"+tc.in+"end\n", chunk)
			if !strings.HasPrefix(got, "start\n<keyward:LONG>") || strings.Count(got, "\n") > 4 || len(got) > 40 {
				t.Errorf("%s in %d-byte writes: %q", tc.name, chunk, got)
			}
		}
	}
}

// TestHoldsBackOnlyPossibleStarts checks what reaches the underlying writer
// before Close: everything that cannot start a match, and finished
// matches nothing can extend.
func TestHoldsBackOnlyPossibleStarts(t *testing.T) {
	var out bytes.Buffer
	w := New([]Secret{token}).Writer(&out)
	step := func(in, want string) {
		t.Helper()
		if _, err := w.Write([]byte(in)); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Fatalf("after Write(%q) the output is %q, want %q", in, out.String(), want)
		}
	}
	step("prompt> ", "prompt> ")
	step("gh", "prompt> ")       // could start the token
	step("p_01", "prompt> ")     // still could
	step("x", "prompt> ghp_01x") // no longer can
	// Nothing can extend the token: its name is written at once.
	step("ghp_0123456789abcdef", "prompt> ghp_01x<keyward:TOKEN>")
	step(".", "prompt> ghp_01x<keyward:TOKEN>.")
	step("\ngh", "prompt> ghp_01x<keyward:TOKEN>.\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "prompt> ghp_01x<keyward:TOKEN>.\ngh"; out.String() != want {
		t.Fatalf("after Close the output is %q, want %q", out.String(), want)
	}
}

// TestReleasesFinishedMatch checks that a match nothing can extend reaches
// the underlying writer with its Write, not at the next byte or at Close
// (a program that prints a value and waits for input on a pty), and that a
// value that is a prefix of a longer one stays held while the longer one
// can still match.
func TestReleasesFinishedMatch(t *testing.T) {
	one := Secret{"S", "hunter2-secret-value"}
	pre := Secret{"P", "hunter2-secret"}
	for _, tc := range []struct {
		name    string
		secrets []Secret
		writes  []string
		want    []string // the output after each Write
		final   string   // after Close
	}{
		{"one value", []Secret{one},
			[]string{"x hunter2-secret-value"},
			[]string{"x <keyward:S>"}, "x <keyward:S>"},
		{"and the line break after it", []Secret{one},
			[]string{"x hunter2-secret-value\r\n", "> "},
			[]string{"x <keyward:S>\r\n", "x <keyward:S>\r\n> "}, "x <keyward:S>\r\n> "},
		{"in pieces", []Secret{one},
			[]string{"x hunter2-", "secret-val", "ue"},
			[]string{"x ", "x ", "x <keyward:S>"}, "x <keyward:S>"},
		{"base64", []Secret{one},
			[]string{"b64=" + base64.StdEncoding.EncodeToString([]byte(one.Value))},
			[]string{"b64=<keyward:S>"}, "b64=<keyward:S>"},
		{"the shorter waits for the longer", []Secret{pre, one},
			[]string{"x hunter2-secret", "-val", "ue"},
			[]string{"x ", "x ", "x <keyward:S>"}, "x <keyward:S>"},
		{"the shorter, longer order", []Secret{one, pre},
			[]string{"x hunter2-secret", "-value"},
			[]string{"x ", "x <keyward:S>"}, "x <keyward:S>"},
		{"the shorter once the longer cannot match", []Secret{pre, one},
			[]string{"x hunter2-secret", "-vax"},
			[]string{"x ", "x <keyward:P>-vax"}, "x <keyward:P>-vax"},
		{"the shorter at Close", []Secret{pre, one},
			[]string{"x hunter2-secret"},
			[]string{"x "}, "x <keyward:P>"},
		{"a value overlapping itself waits", []Secret{{"A", "aaaaaa"}},
			[]string{"baaaaaa", "ab"},
			[]string{"b", "b<keyward:A>b"}, "b<keyward:A>b"},
		{"overlapping values wait for each other", []Secret{{"A", "abcdef12"}, {"B", "ef123456"}},
			[]string{"[abcdef12", "3456", "]"},
			[]string{"[", "[", "[<keyward:A><keyward:B>]"}, "[<keyward:A><keyward:B>]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			w := New(tc.secrets).Writer(&out)
			for i, in := range tc.writes {
				if _, err := w.Write([]byte(in)); err != nil {
					t.Fatal(err)
				}
				if out.String() != tc.want[i] {
					t.Fatalf("after Write(%q) the output is %q, want %q", in, out.String(), tc.want[i])
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.final {
				t.Fatalf("after Close the output is %q, want %q", out.String(), tc.final)
			}
		})
	}
}

func TestShort(t *testing.T) {
	m := New([]Secret{short, token, {"EMPTY", ""}, {"FIVE", "12345"}, {"SIX", "123456"}})
	if got := strings.Join(m.Short(), ","); got != "PIN,EMPTY,FIVE" {
		t.Errorf("Short() = %q, want PIN,EMPTY,FIVE", got)
	}
	if m.Len() != 2 {
		t.Errorf("Len() = %d, want 2", m.Len())
	}
}

func TestNothingToMask(t *testing.T) {
	if got := mask(t, nil, "abc", 1); got != "abc" {
		t.Errorf("mask with no secrets = %q, want abc", got)
	}
	if got := mask(t, []Secret{short}, "1234", 1); got != "1234" {
		t.Errorf("mask with a short secret = %q, want 1234", got)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, fmt.Errorf("disk full")
}

func TestWriteError(t *testing.T) {
	f := &failWriter{}
	w := New([]Secret{token}).Writer(f)
	if _, err := w.Write([]byte("some text\n")); err == nil {
		t.Fatal("Write to a failing writer: no error")
	}
	if _, err := w.Write([]byte("more")); err == nil || f.n != 1 {
		t.Fatalf("second Write: err %v after %d writes, want the first error and no new write", err, f.n)
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a failed write: no error")
	}
}

// reference masks in without streaming: it marks every byte inside any
// occurrence of any form (line breaks in the forms and the input left out,
// and those inside an occurrence marked with it), and writes each run of
// marked bytes as one NUL. The Writer's output, with its tags written as
// NUL, must be the same.
func reference(secrets []Secret, in string) string {
	var text []byte
	var at []int // at[i]: the offset in in of text[i]
	for i := 0; i < len(in); i++ {
		if in[i] != '\n' && in[i] != '\r' {
			text, at = append(text, in[i]), append(at, i)
		}
	}
	covered := make([]bool, len(in))
	for _, s := range secrets {
		if len(s.Value) < MinLen {
			continue
		}
		for _, f := range Forms([]byte(s.Value)) {
			f = strings.NewReplacer("\n", "", "\r", "").Replace(f)
			if len(f) < MinLen {
				continue
			}
			for i := 0; i+len(f) <= len(text); i++ {
				if string(text[i:i+len(f)]) == f {
					for j := at[i]; j <= at[i+len(f)-1]; j++ {
						covered[j] = true
					}
				}
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		if !covered[i] {
			b.WriteByte(in[i])
		} else if i == 0 || !covered[i-1] {
			b.WriteByte(0)
		}
	}
	return b.String()
}

func tagsAsNUL(secrets []Secret, out string) string {
	for _, s := range secrets {
		out = strings.ReplaceAll(out, "<keyward:"+s.Name+">", "\x00")
	}
	for strings.Contains(out, "\x00\x00") {
		out = strings.ReplaceAll(out, "\x00\x00", "\x00")
	}
	return out
}

// FuzzWriter puts two values, each in a form the fuzzer picks, between
// text the fuzzer picks, writes it in chunks the fuzzer picks, and checks
// the output against the reference and against writing it all at once.
func FuzzWriter(f *testing.F) {
	f.Add("secret1", "secret12", "a", "b", "c", uint8(0), uint8(1), []byte{1, 2, 3})
	f.Add("abcdef12", "ef123456", "", "", "", uint8(3), uint8(3), []byte{5})
	f.Add("aaaaaa", "aaaaab", "aa", "a", "b", uint8(0), uint8(0), []byte{1})
	f.Add("line one\nline two", "ab\r\ncdefgh", "x\n", "\r\n", "\n", uint8(0), uint8(1), []byte{3, 1})
	f.Add("sk-proj-Abc123+/xyz?&= ~é", "\x00\xff\xfe\x80 binary", "K=", "\n", "", uint8(7), uint8(17), []byte{2, 9})
	for i, s := range values {
		f.Add(s.Value, values[(i+1)%len(values)].Value, "x", "y", "z", uint8(i), uint8(i*3), []byte{byte(i + 1)})
	}
	f.Fuzz(func(t *testing.T, v1, v2, pre, mid, post string, f1, f2 uint8, cuts []byte) {
		secrets := []Secret{{"ONE", v1}, {"TWO", v2}}
		all := pre + mid + post + v1 + v2
		if strings.Contains(all, "<keyward:") || strings.Contains(all, "\x00") {
			t.Skip() // the comparison writes tags as NUL
		}
		form := func(v string, k uint8) string {
			fs := Forms([]byte(v))
			return fs[int(k)%len(fs)]
		}
		in := pre + form(v1, f1) + mid + form(v2, f2) + post
		var chunks []int
		for _, c := range cuts {
			chunks = append(chunks, int(c)%17+1)
		}
		whole := mask(t, secrets, in)
		if len(chunks) > 0 {
			if got := mask(t, secrets, in, chunks...); got != whole {
				t.Fatalf("in chunks %v: %q, all at once: %q", chunks, got, whole)
			}
		}
		if got, want := tagsAsNUL(secrets, whole), tagsAsNUL(secrets, reference(secrets, in)); got != want {
			t.Fatalf("mask(%q) = %q, reference %q", in, got, want)
		}
	})
}

// BenchmarkWriter masks build-log-like text with ten secrets in 32 KiB
// writes, as run copies a child's output.
func BenchmarkWriter(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var secrets []Secret
	for i := range 10 {
		v := make([]byte, 40)
		for j := range v {
			v[j] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"[r.IntN(64)]
		}
		secrets = append(secrets, Secret{fmt.Sprintf("SECRET_%d", i), string(v)})
	}
	var log bytes.Buffer
	for i := 0; log.Len() < 8<<20; i++ {
		fmt.Fprintf(&log, "2026-05-01T12:00:%02d.%03dZ INFO compiling package github.com/example/pkg%d (step %d of 900): ok, 0x%x bytes, sk-ish token prefix sk-\n",
			i%60, i%1000, i%97, i, r.Uint32())
		if i%5000 == 0 {
			log.WriteString("leaked: " + secrets[i%10].Value + "\n")
		}
	}
	in := log.Bytes()
	m := New(secrets)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		w := m.Writer(discard{})
		for p := in; len(p) > 0; {
			n := min(32<<10, len(p))
			_, _ = w.Write(p[:n])
			p = p[n:]
		}
		_ = w.Close()
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
