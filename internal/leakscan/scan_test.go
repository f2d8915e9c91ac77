// Package leakscan holds the leak scan: the built keyward driven through a
// scripted command-line session and a terminal UI session with known random
// values, after which every file it wrote, every output not asked to reveal,
// the tmux scrollback and the environment and command line of each helper
// process it started are searched for every value in every encoded form.
// The package has no code of its own: only the tests.
package leakscan

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/keyward/keyward/outmask"
)

// A scanner holds the values to look for, each in its forms, and the places
// to look in. Findings name the value's label, the form and the place, never
// the value.
type scanner struct {
	values  []string // labels, in the order added
	needles []needle
	seen    map[string]bool // values already added
	places  []place
}

type needle struct {
	label, kind string
	form        []byte
}

type place struct {
	label string
	data  []byte
}

func newScanner() *scanner { return &scanner{seen: map[string]bool{}} }

// addValue adds value (labelled, e.g. "LEAK_ALPHA v2") in the forms run's
// masker knows (outmask.Forms: the value, standard and URL-safe base64,
// padded or not and inside a longer encoded text, percent-encoding in six
// flavours and two cases, hex in two cases); for a value of several lines,
// each line alone, which is what a value written with its newlines escaped
// (JSON, TOML, .env) would still show; and the ends of long lines.
func (s *scanner) addValue(label, value string) {
	if value == "" || s.seen[value] {
		return
	}
	s.seen[value] = true
	s.values = append(s.values, label)
	forms := map[string]bool{}
	add := func(kind, form string) {
		if form == "" || forms[form] {
			return
		}
		forms[form] = true
		s.needles = append(s.needles, needle{label: label, kind: kind, form: []byte(form)})
	}
	for i, f := range outmask.Forms([]byte(value)) {
		add(formKind(value, f, i), f)
	}
	// A screen wraps or cuts a long value: the first and the last 12
	// characters of each long line are looked for on their own too
	// (the mask shows at most the last four).
	lines := strings.Split(value, "\n")
	for i, line := range lines {
		what := ""
		if len(lines) > 1 {
			what = fmt.Sprintf(" of line %d", i+1)
			if len(line) >= 12 {
				add("line "+fmt.Sprint(i+1), line)
			}
		}
		if len(line) >= 24 {
			add("first 12 characters"+what, line[:12])
			add("last 12 characters"+what, line[len(line)-12:])
		}
	}
}

// formKind names what outmask.Forms's i-th form of value is, for a finding.
func formKind(value, form string, i int) string {
	switch {
	case i == 0:
		return "plain"
	case strings.Contains(form, "%"):
		return "url-encoded"
	case len(form) == 2*len(value) && strings.Trim(strings.ToLower(form), "0123456789abcdef") == "":
		return "hex"
	default:
		return "base64"
	}
}

// addPlace adds data (an output, a screen, a process's environment) under
// label.
func (s *scanner) addPlace(label string, data []byte) {
	s.places = append(s.places, place{label: label, data: bytes.Clone(data)})
}

// addFiles adds every regular file under each root, labelled by its path
// relative to base, except those skip says are where values are meant to be
// in plain text (none of keyward's own files are).
func (s *scanner) addFiles(t *testing.T, base string, roots ...string) {
	t.Helper()
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && path == root {
					return nil
				}
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(base, path)
			s.addPlace("file "+rel, data)
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", root, err)
		}
	}
}

// findings searches every place for every form of every value. Forms that
// are found at the same spot (a padded and an unpadded base64) are one
// finding.
func (s *scanner) findings() []string {
	var out []string
	for _, p := range s.places {
		at := map[string]bool{}
		for _, n := range s.needles {
			i := bytes.Index(p.data, n.form)
			spot := fmt.Sprint(n.label, i)
			if i < 0 || at[spot] {
				continue
			}
			at[spot] = true
			out = append(out, fmt.Sprintf("%s (%s) in %s at byte %d", n.label, n.kind, p.label, i))
		}
	}
	sort.Strings(out)
	return out
}

// searches is how many (value form, place) pairs findings looks at.
func (s *scanner) searches() int { return len(s.needles) * len(s.places) }

// check fails t on any finding and logs what was searched.
func (s *scanner) check(t *testing.T) {
	t.Helper()
	if len(s.values) == 0 || len(s.places) == 0 {
		t.Fatalf("nothing to search: %d values, %d places", len(s.values), len(s.places))
	}
	for _, f := range s.findings() {
		t.Errorf("leak: %s", f)
	}
	t.Logf("leak scan: %d values, %d forms, %d places: %d searches, %d found",
		len(s.values), len(s.needles), len(s.places), s.searches(), len(s.findings()))
}

// newValue returns a random value of 46 characters that percent-encoding
// changes (space / + = : @) and that no serializer keyward uses escapes
// (no quote, backslash, &, < or >), so its plain form is what a JSON, TOML
// or .env writer would write too. It starts and ends with a letter or
// digit, so nothing trims it.
func newValue(t *testing.T) string {
	t.Helper()
	const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	pick := func() byte {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
		if err != nil {
			t.Fatal(err)
		}
		return alnum[n.Int64()]
	}
	var b []byte
	for range 12 {
		b = append(b, pick())
	}
	for _, c := range []byte("-_.~ /+=:@") {
		b = append(b, c, pick())
	}
	for range 14 {
		b = append(b, pick())
	}
	return string(b)
}

// TestScannerFindsEveryForm is the scan's own check that it can fail: each
// form of a value planted inside other text is found and named, and a
// value's absence is not a finding.
func TestScannerFindsEveryForm(t *testing.T) {
	value := newValue(t)
	pem := "-----BEGIN LEAK-----\n" + newValue(t) + "\n-----END LEAK-----\n"
	s := newScanner()
	s.addValue("V", value)
	s.addValue("PEM", pem)
	s.addValue("V again", value) // a value is searched once, under its first label
	if len(s.values) != 2 {
		t.Fatalf("values = %v, want V and PEM", s.values)
	}
	kinds := map[string]bool{}
	for _, n := range s.needles {
		kinds[n.kind] = true
	}
	for _, k := range []string{"plain", "base64", "url-encoded", "hex", "line 2", "first 12 characters", "last 12 characters of line 2"} {
		if !kinds[k] {
			t.Errorf("no %s form among %v", k, kinds)
		}
	}
	s.addPlace("clean", []byte("nothing here: "+value[:10]+" and "+value[len(value)-10:]+" are only parts"))
	if f := s.findings(); len(f) != 0 {
		t.Fatalf("findings in a clean place: %v", f)
	}
	for i, n := range s.needles {
		one := newScanner()
		one.addValue(n.label, map[string]string{"V": value, "PEM": pem}[n.label])
		one.addPlace(fmt.Sprint("planted ", i), []byte("before>"+string(n.form)+"<after"))
		f := one.findings()
		if len(f) == 0 {
			t.Errorf("the %s form %d of %s planted in a place was not found", n.kind, i, n.label)
			continue
		}
		if !strings.Contains(strings.Join(f, "\n"), n.label+" (") || strings.Contains(strings.Join(f, "\n"), value) {
			t.Errorf("findings %q should name %s and never hold the value", f, n.label)
		}
	}
}
