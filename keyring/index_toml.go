package keyring

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/keyward/keyward/model"
)

// parseTOML reads an index with github.com/BurntSushi/toml, the reader of
// record: every file the fast path refuses (literal or multi-line strings,
// inline tables, CRLF line ends, ...) and every malformed one. The decoder
// parses the TOML into plain values; keyward's own schema (which keys, of
// which types) is checked here, in a fixed order, so that a file with two
// problems always reports the same one first. The decoder's struct mapping
// would not: it matches field names case-insensitively (Name = "A" would
// be read as name) and visits keys in map order.
func parseTOML(path string, data []byte) (*rawIndex, error) {
	text := string(data)
	var doc map[string]any
	if _, err := toml.Decode(text, &doc); err != nil {
		return nil, tomlError(path, err)
	}
	loc := &locator{text: text}
	raw := &rawIndex{where: loc.where}
	d := &tomlDecoder{path: path, raw: raw, loc: loc}

	// The format first: a newer keyward's file says so rather than
	// tripping over the keys it added.
	if v, ok := doc["format"]; ok {
		n, ok := v.(int64)
		if !ok {
			return nil, d.typeError(topKey("format"), v, "an integer")
		}
		raw.format, raw.formatSet = n, true
		if err := raw.checkFormat(path); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(doc) {
		if k != "format" && k != "secret" {
			return nil, raw.errorAt(path, topKey(k), "unknown key %q; the index holds only format and [[secret]] tables", model.Printable(k))
		}
	}
	tables, err := d.tables(topKey("secret"), doc["secret"])
	if err != nil {
		return nil, err
	}
	loc.secrets, loc.syncs = len(tables), make([]int, len(tables))
	raw.entries = make([]rawEntry, len(tables))
	for i, t := range tables {
		if err := d.entry(i, t, &raw.entries[i]); err != nil {
			return nil, err
		}
	}
	return raw, nil
}

const (
	knownSecretKeys = "name, description, created_at, updated_at, rotated_at, version, rotate_every, no_value, slots_swapped, generate_length, generate_symbols, metadata, sync"
	knownSyncKeys   = "target, remote_id, version, fingerprint, remote_updated_at, generation, pushed_at"
)

var (
	secretKeys = strings.Split(knownSecretKeys, ", ")
	syncKeys   = strings.Split(knownSyncKeys, ", ")
)

// tomlDecoder maps decoded TOML values onto index records, reporting where
// a value has the wrong type.
type tomlDecoder struct {
	path string
	raw  *rawIndex
	loc  *locator
}

func (d *tomlDecoder) entry(i int, t map[string]any, e *rawEntry) error {
	name, _ := t["name"].(string)
	for _, k := range sortedKeys(t) {
		if !slices.Contains(secretKeys, k) {
			return d.raw.errorAt(d.path, secretKey(i, k), "unknown key %q in %s; a [[secret]] table has %s",
				model.Printable(k), secretLabel(i, name), knownSecretKeys)
		}
	}
	s := &e.sec
	for _, f := range []struct {
		key  string
		dest any
	}{
		{"name", &s.Name},
		{"description", &s.Description},
		{"created_at", &s.CreatedAt},
		{"updated_at", &s.UpdatedAt},
		{"rotated_at", &s.RotatedAt},
		{"version", &e.version},
		{"rotate_every", &e.rotateEvery},
		{"no_value", &s.NoValue},
		{"slots_swapped", &s.SlotsSwapped},
		{"generate_length", &e.genLength},
		{"generate_symbols", &e.genSymbols},
	} {
		if v, ok := t[f.key]; ok {
			if err := d.value(secretKey(i, f.key), v, f.dest); err != nil {
				return err
			}
		}
	}
	_, e.genSet = t["generate_length"]
	if v, ok := t["metadata"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return d.typeError(secretKey(i, "metadata"), v, "a table")
		}
		s.Metadata = make(map[string]string, len(m))
		for _, k := range sortedKeys(m) {
			str, ok := m[k].(string)
			if !ok {
				return d.typeError(secretKey(i, "metadata", k), m[k], "a string")
			}
			s.Metadata[k] = str
		}
	}
	syncs, err := d.tables(secretKey(i, "sync"), t["sync"])
	if err != nil {
		return err
	}
	d.loc.syncs[i] = len(syncs)
	if len(syncs) > 0 {
		s.Sync = make([]model.SyncState, len(syncs))
		e.syncVersions = make([]int64, len(syncs))
	}
	for j, st := range syncs {
		for _, k := range sortedKeys(st) {
			if !slices.Contains(syncKeys, k) {
				return d.raw.errorAt(d.path, place{entry: i, sync: j, key: []string{k}}, "unknown key %q in sync %d of %s; a [[secret.sync]] table has %s",
					model.Printable(k), j+1, secretLabel(i, name), knownSyncKeys)
			}
		}
		out := &s.Sync[j]
		for _, f := range []struct {
			key  string
			dest any
		}{
			{"target", &out.Target},
			{"remote_id", &out.RemoteID},
			{"version", &e.syncVersions[j]},
			{"fingerprint", &out.Fingerprint},
			{"remote_updated_at", &out.RemoteUpdatedAt},
			{"generation", &out.Generation},
			{"pushed_at", &out.PushedAt},
		} {
			if v, ok := st[f.key]; ok {
				if err := d.value(place{entry: i, sync: j, key: []string{f.key}}, v, f.dest); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// secretLabel names the i'th [[secret]] table in a message: by its name when
// it has one.
func secretLabel(i int, name string) string {
	if name == "" {
		return fmt.Sprintf("[[secret]] table %d", i+1)
	}
	return "secret " + model.Printable(name)
}

// tables returns v as an array of tables: [[name]] tables or an inline
// array of inline tables. A missing key is an empty array.
func (d *tomlDecoder) tables(at place, v any) ([]map[string]any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []map[string]any:
		return v, nil
	case []any:
		out := make([]map[string]any, len(v))
		for i, x := range v {
			t, ok := x.(map[string]any)
			if !ok {
				return nil, d.typeError(at, v, "an array of tables")
			}
			out[i] = t
		}
		return out, nil
	}
	return nil, d.typeError(at, v, "an array of tables")
}

// value stores v in dest, a *string, *int64, *bool or *time.Time.
func (d *tomlDecoder) value(at place, v any, dest any) error {
	var ok bool
	var want string
	switch dest := dest.(type) {
	case *string:
		*dest, ok = v.(string)
		want = "a string"
	case *int64:
		*dest, ok = v.(int64)
		want = "an integer"
	case *bool:
		*dest, ok = v.(bool)
		want = "a boolean"
	case *time.Time:
		var t time.Time
		t, ok = v.(time.Time)
		*dest = utc(t)
		want = "a date-time"
	default:
		panic(fmt.Sprintf("keyring: no TOML mapping for %T", dest))
	}
	if !ok {
		return d.typeError(at, v, want)
	}
	return nil
}

func (d *tomlDecoder) typeError(at place, v any, want string) error {
	key := at.key
	if at.entry >= 0 {
		key = append([]string{"secret"}, key...)
		if at.sync >= 0 {
			key = slices.Insert(key, 1, "sync")
		}
	}
	return d.raw.errorAt(d.path, at, "%s: incompatible types: the value is %s; want %s",
		model.Printable(toml.Key(key).String()), tomlType(v), want)
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date-time"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	}
	return "an array"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// tomlError turns a decoder error into an IndexError with the decoder's
// position: every syntax error is a toml.ParseError.
func tomlError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &IndexError{Path: path, Line: pe.Position.Line, Col: pe.Position.Col, Msg: cleanTOMLMessage(pe.Message)}
	}
	return &IndexError{Path: path, Msg: cleanTOMLMessage(strings.TrimPrefix(err.Error(), "toml: "))}
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
