package keyring

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/keyward/keyward/model"
)

// tomlFile is the index as github.com/BurntSushi/toml decodes it: the slow
// path, for hand edits that leave the canonical layout (literal or
// multi-line strings, inline tables, CRLF line ends, ...).
type tomlFile struct {
	Format *int64      `toml:"format"`
	Secret []tomlEntry `toml:"secret"`
}

type tomlEntry struct {
	Name        string            `toml:"name"`
	Description string            `toml:"description"`
	CreatedAt   time.Time         `toml:"created_at"`
	UpdatedAt   time.Time         `toml:"updated_at"`
	RotatedAt   time.Time         `toml:"rotated_at"`
	Version     int64             `toml:"version"`
	RotateEvery string            `toml:"rotate_every"`
	Metadata    map[string]string `toml:"metadata"`
}

const knownSecretKeys = "name, description, created_at, updated_at, rotated_at, version, rotate_every, metadata"

func parseTOML(path string, data []byte) (*rawIndex, error) {
	text := string(data)
	var f tomlFile
	md, err := toml.Decode(text, &f)
	if err != nil {
		return nil, tomlError(path, err)
	}
	sc := scanTOML(text)
	if und := md.Undecoded(); len(und) > 0 {
		return nil, unknownKeyError(path, &md, &f, und[0], sc)
	}
	raw := &rawIndex{entries: make([]rawEntry, 0, len(f.Secret))}
	if f.Format != nil {
		raw.format, raw.formatSet = *f.Format, true
		if it, ok := sc.key(-1, "format"); ok {
			raw.formatLine = it.line
		}
	}
	headers := sc.arrayTables("secret")
	for i, e := range f.Secret {
		re := rawEntry{
			sec: model.Secret{
				Name:        e.Name,
				Description: e.Description,
				Metadata:    e.Metadata,
				CreatedAt:   utc(e.CreatedAt),
				UpdatedAt:   utc(e.UpdatedAt),
				RotatedAt:   utc(e.RotatedAt),
			},
			rotateEvery: e.RotateEvery,
			version:     e.Version,
		}
		// Tables written inline (secret = [{...}]) have no header to
		// point at; their errors name the table's number instead.
		if len(headers) == len(f.Secret) {
			re.line = sc[headers[i]].line
			if it, ok := sc.key(headers[i], "name"); ok {
				re.nameLine, re.nameCol = it.line, it.col
			}
		}
		raw.entries = append(raw.entries, re)
	}
	return raw, nil
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// lastKeyRE matches the start of the decoder's type errors, which are not
// ParseErrors: `line 4 (last key "secret.version"): incompatible types: ...`.
var lastKeyRE = regexp.MustCompile(`^line (\d+) \(last key ("(?:[^"\\]|\\.)*")\): `)

// tomlError turns a decoder error into an IndexError with its position.
func tomlError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &IndexError{Path: path, Line: pe.Position.Line, Col: pe.Position.Col, Msg: cleanTOMLMessage(pe.Message)}
	}
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	line := 0
	if m := lastKeyRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		key, qerr := strconv.Unquote(m[2])
		if qerr != nil {
			key = m[2]
		}
		msg = key + ": " + msg[len(m[0]):]
	}
	return &IndexError{Path: path, Line: line, Col: 1, Msg: cleanTOMLMessage(msg)}
}

// cleanTOMLMessage makes a decoder message read like keyward's own: one
// lower-case line, nothing that a terminal would interpret.
func cleanTOMLMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	msg = strings.TrimSuffix(msg, ".")
	if len(msg) > 1 && msg[0] >= 'A' && msg[0] <= 'Z' && msg[1] >= 'a' && msg[1] <= 'z' {
		msg = strings.ToLower(msg[:1]) + msg[1:]
	}
	return model.Printable(msg)
}

// unknownKeyError reports a key keyward does not know, which is most often a
// typo (rotate-every) that would otherwise be silently dropped on the next
// write.
func unknownKeyError(path string, md *toml.MetaData, f *tomlFile, key toml.Key, sc scan) error {
	// Find which [[secret]] table the key is in: the decoder lists keys in
	// file order, with "secret" once per table.
	entry := -1
	want := key.String()
	for _, k := range md.Keys() {
		if len(k) == 1 && k[0] == "secret" {
			entry++
		}
		if k.String() == want {
			break
		}
	}
	e := &IndexError{Path: path}
	if len(key) == 1 || entry < 0 {
		e.Msg = fmt.Sprintf("unknown key %q; the index holds only format and [[secret]] tables", model.Printable(want))
		if it, ok := sc.key(-1, key[0]); ok {
			e.Line, e.Col = it.line, it.col
		}
		return e
	}
	name := ""
	if entry < len(f.Secret) {
		name = f.Secret[entry].Name
	}
	e.Msg = fmt.Sprintf("unknown key %q in secret %s; a [[secret]] table has %s", model.Printable(strings.Join(key[1:], ".")), model.Printable(name), knownSecretKeys)
	if headers := sc.arrayTables("secret"); entry < len(headers) {
		e.Line, e.Col = sc[headers[entry]].line, 1
		if it, ok := sc.key(headers[entry], key[1]); ok {
			e.Line, e.Col = it.line, it.col
		}
	}
	return e
}

// scan lists the table headers and keys of a TOML document with their
// positions, for error messages: the TOML decoder does not expose where a
// table or key was defined. It assumes the document is valid TOML (the
// decoder accepted it) and only has to tell headers and keys from the
// inside of strings, arrays and inline tables.
type scan []scanItem

type scanItem struct {
	line, col int
	header    bool   // a [table] or [[array]] header
	array     bool   // [[array]]
	key       string // dotted key or header name; quoted parts unquoted when simple
}

func scanTOML(s string) scan {
	var items scan
	line := 1
	i, n := 0, len(s)
	for i < n {
		lineStart := i
		i = skipWS(s, i)
		if i >= n {
			break
		}
		switch s[i] {
		case '\n':
			line++
			i++
			continue
		case '\r':
			i++
			continue
		case '#':
			i = skipToEOL(s, i)
			continue
		case '[':
			it := scanItem{line: line, col: i - lineStart + 1, header: true}
			i++
			if i < n && s[i] == '[' {
				it.array = true
				i++
			}
			it.key, i = scanKey(s, i)
			items = append(items, it)
			i = skipToEOL(s, i)
			continue
		}
		it := scanItem{line: line, col: i - lineStart + 1}
		it.key, i = scanKey(s, i)
		items = append(items, it)
		for i < n && s[i] != '=' && s[i] != '\n' {
			i++
		}
		if i < n && s[i] == '=' {
			i++
		}
		i, line = scanValue(s, i, line)
	}
	return items
}

func skipToEOL(s string, i int) int {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(s)
}

// scanKey reads a possibly dotted, possibly quoted key and returns it with
// its parts joined by dots.
func scanKey(s string, i int) (string, int) {
	var parts []string
	for {
		i = skipWS(s, i)
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '"', '\'':
			q := s[i]
			j := i + 1
			for j < len(s) && s[j] != q && s[j] != '\n' {
				if q == '"' && s[j] == '\\' {
					j++
				}
				j++
			}
			part := s[i+1 : min(j, len(s))]
			if q == '"' {
				if u, err := strconv.Unquote(`"` + part + `"`); err == nil {
					part = u
				}
			}
			parts = append(parts, part)
			i = min(j+1, len(s))
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t.=[]#\"'\n\r", rune(s[j])) {
				j++
			}
			parts = append(parts, s[i:j])
			i = j
		}
		i = skipWS(s, i)
		if i < len(s) && s[i] == '.' {
			i++
			continue
		}
		break
	}
	return strings.Join(parts, "."), i
}

// scanValue skips a value, which may span lines (multi-line strings, arrays,
// inline tables), and returns the position of the newline that ends it.
func scanValue(s string, i, line int) (int, int) {
	depth := 0
	n := len(s)
	for i < n {
		switch c := s[i]; c {
		case '\n':
			if depth <= 0 {
				return i, line
			}
			line++
			i++
		case '#':
			i = skipToEOL(s, i)
		case '[', '{':
			depth++
			i++
		case ']', '}':
			depth--
			i++
		case '"', '\'':
			triple := strings.Repeat(string(c), 3)
			if strings.HasPrefix(s[i:], triple) {
				i += 3
				for i < n && !strings.HasPrefix(s[i:], triple) {
					if c == '"' && s[i] == '\\' && i+1 < n {
						i++
					}
					if s[i] == '\n' {
						line++
					}
					i++
				}
				i += 3
				// Up to two more quotes belong to the string.
				for k := 0; k < 2 && i < n && s[i] == c; k++ {
					i++
				}
				continue
			}
			i++
			for i < n && s[i] != c && s[i] != '\n' {
				if c == '"' && s[i] == '\\' {
					i++
				}
				i++
			}
			if i < n && s[i] == c {
				i++
			}
		default:
			i++
		}
	}
	return min(i, n), line
}

// arrayTables returns the indexes of the [[name]] headers, in order.
func (sc scan) arrayTables(name string) []int {
	var out []int
	for i, it := range sc {
		if it.header && it.array && it.key == name {
			out = append(out, i)
		}
	}
	return out
}

// key finds key (or a dotted key starting with it) in the table whose header
// is sc[table], or before the first header when table is -1.
func (sc scan) key(table int, key string) (scanItem, bool) {
	for i := table + 1; i < len(sc); i++ {
		it := sc[i]
		if it.header {
			break
		}
		if it.key == key || strings.HasPrefix(it.key, key+".") {
			return it, true
		}
	}
	return scanItem{}, false
}
