// Package importfile reads the files 'keyward secrets import' takes: .env
// and JSON (an object of name → value, or Julep's array of secrets). It is
// pure (bytes in, entries out) and fuzzed; an error names a line or an entry,
// never a value.
package importfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/keyward/keyward/model"
)

// Entry is one secret read from an import file. where locates it in
// the file for messages ("line 3", "entry 2"); messages never quote a value.
type Entry struct {
	Where       string
	Name        string
	Value       string
	Description string
	Metadata    map[string]string
}

// DetectFormat picks json for a .json file or content that starts like
// JSON, env otherwise.
func DetectFormat(file string, data []byte) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".json":
		return "json"
	case ".env":
		return "env"
	}
	if strings.HasPrefix(filepath.Base(file), ".env") {
		return "env"
	}
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return "json"
	}
	return "env"
}

// Check validates every entry and finds duplicate names. It returns
// one message per problem; none quotes a value.
func Check(entries []Entry) []string {
	var problems []string
	seen := map[string]string{}
	for _, e := range entries {
		sec := model.Secret{Name: e.Name, Description: e.Description, Metadata: e.Metadata}
		if err := sec.Validate(); err != nil {
			problems = append(problems, e.Where+": "+err.Error())
			continue
		}
		if err := model.ValidateValue(e.Value); err != nil {
			problems = append(problems, e.Where+": "+e.Name+": "+err.Error())
		}
		if first, ok := seen[e.Name]; ok {
			problems = append(problems, fmt.Sprintf("%s: %s is also defined at %s", e.Where, e.Name, first))
		}
		seen[e.Name] = e.Where
	}
	return problems
}

// ParseDotenv reads a .env file. Errors name a line, never a value.
func ParseDotenv(data []byte) ([]Entry, error) {
	s := strings.TrimPrefix(string(data), "\ufeff")
	var out []Entry
	line := 1
	// lineEnd returns the end of the line holding pos and the start of the
	// next one.
	lineEnd := func(pos int) (end, next int) {
		if i := strings.IndexByte(s[pos:], '\n'); i >= 0 {
			return pos + i, pos + i + 1
		}
		return len(s), len(s)
	}
	for pos := 0; pos < len(s); {
		start := line
		end, next := lineEnd(pos)
		t := strings.TrimLeft(s[pos:end], " \t")
		if strings.TrimSpace(t) == "" || t[0] == '#' {
			pos, line = next, line+1
			continue
		}
		if after, ok := strings.CutPrefix(t, "export"); ok && after != "" && (after[0] == ' ' || after[0] == '\t') {
			t = strings.TrimLeft(after, " \t")
		}
		eq := strings.IndexByte(t, '=')
		if eq < 0 {
			return nil, dotenvErr(start, "expected NAME=value")
		}
		name := strings.TrimRight(t[:eq], " \t")
		v := strings.TrimLeft(t[eq+1:], " \t") // a suffix of the line
		var value string
		if v != "" && (v[0] == '"' || v[0] == '\'') {
			// A quoted value may span lines.
			val, n, newlines, ok := unquoteDotenv(s[end-len(v):])
			if !ok {
				return nil, dotenvErr(start, fmt.Sprintf("%s: unterminated %c quote", model.Printable(name), v[0]))
			}
			value, line = val, line+newlines
			after := end - len(v) + n
			end, next = lineEnd(after)
			// Only blanks and a comment may follow the closing quote.
			if tail := strings.TrimSpace(s[after:end]); tail != "" && tail[0] != '#' {
				return nil, dotenvErr(line, fmt.Sprintf("%s: unexpected text after the closing quote", model.Printable(name)))
			}
		} else {
			value = strings.TrimRight(v, "\r")
			if i := strings.Index(value, " #"); i >= 0 {
				value = value[:i]
			} else if i := strings.Index(value, "\t#"); i >= 0 {
				value = value[:i]
			}
			value = strings.TrimRight(value, " \t")
		}
		pos, line = next, line+1
		out = append(out, Entry{Where: fmt.Sprintf("line %d", start), Name: name, Value: value})
	}
	return out, nil
}

func dotenvErr(line int, msg string) error {
	return &model.ValidationError{Msg: fmt.Sprintf("line %d: %s", line, msg)}
}

// unquoteDotenv reads a quoted value at the start of s. It returns the
// value, the bytes consumed (quotes included), the newlines inside, and
// whether a closing quote was found.
func unquoteDotenv(s string) (val string, n, newlines int, ok bool) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, newlines, true
		case c == '\\' && i+1 < len(s):
			next := s[i+1]
			r, known := dotenvEscape(q, next)
			if !known {
				b.WriteByte(c) // unknown escapes stay as written
				continue
			}
			b.WriteByte(r)
			i++
		default:
			if c == '\n' {
				newlines++
			}
			b.WriteByte(c)
		}
	}
	return "", 0, newlines, false
}

func dotenvEscape(quote, c byte) (byte, bool) {
	if quote == '\'' {
		if c == '\'' || c == '\\' {
			return c, true
		}
		return 0, false
	}
	switch c {
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case '"', '\\', '$':
		return c, true
	}
	return 0, false
}

// ParseJSON reads an object of name → value, or an array of
// {name, value, description, metadata}. Errors never quote the input: a
// syntax error could sit inside a value.
func ParseJSON(data []byte) ([]Entry, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 {
		return nil, jsonErr("is empty")
	}
	if !json.Valid(data) {
		var raw any
		err := json.Unmarshal(data, &raw)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, jsonErr(fmt.Sprintf("malformed JSON at line %d", 1+bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))))
		}
		return nil, jsonErr("malformed JSON")
	}
	switch t[0] {
	case '{':
		return parseJSONObject(data)
	case '[':
		return parseJSONArray(data)
	}
	return nil, jsonErr("expected an object of name → value or an array of {name, value, ...}")
}

func jsonErr(msg string) error { return &model.ValidationError{Msg: msg} }

func parseJSONObject(data []byte) ([]Entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return nil, jsonErr("malformed JSON")
	}
	var out []Entry
	for i := 1; dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr("malformed JSON")
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonErr("malformed JSON")
		}
		var value string
		if err := json.Unmarshal(raw, &value); err != nil {
			return nil, jsonErr(fmt.Sprintf("key %d (%s): the value must be a string", i, model.Printable(name)))
		}
		out = append(out, Entry{Where: fmt.Sprintf("key %d", i), Name: name, Value: value})
	}
	return out, nil
}

func parseJSONArray(data []byte) ([]Entry, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, jsonErr("expected an array of objects {name, value, description, metadata}")
	}
	out := make([]Entry, 0, len(items))
	for i, it := range items {
		e := Entry{Where: fmt.Sprintf("entry %d", i+1)}
		str := func(field string, dst *string) error {
			raw, ok := it[field]
			if !ok || string(raw) == "null" {
				return nil
			}
			if json.Unmarshal(raw, dst) != nil {
				return jsonErr(fmt.Sprintf("%s: %q must be a string", e.Where, field))
			}
			return nil
		}
		if err := str("name", &e.Name); err != nil {
			return nil, err
		}
		if err := str("value", &e.Value); err != nil {
			return nil, err
		}
		if err := str("description", &e.Description); err != nil {
			return nil, err
		}
		if raw, ok := it["metadata"]; ok && string(raw) != "null" {
			var md map[string]json.RawMessage
			if json.Unmarshal(raw, &md) != nil {
				return nil, jsonErr(fmt.Sprintf("%s: \"metadata\" must be an object", e.Where))
			}
			if len(md) > 0 {
				e.Metadata = make(map[string]string, len(md))
			}
			for k, v := range md {
				s, err := metadataScalar(v)
				if err != nil {
					return nil, jsonErr(fmt.Sprintf("%s: metadata %q: %v", e.Where, model.Printable(k), err))
				}
				e.Metadata[k] = s
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// metadataScalar turns a JSON metadata value into keyward's string Metadata:
// strings as they are, numbers and booleans as written.
func metadataScalar(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	switch t := bytes.TrimSpace(raw); {
	case bytes.Equal(t, []byte("true")), bytes.Equal(t, []byte("false")):
		return string(t), nil
	case len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9'):
		return string(t), nil
	}
	return "", errors.New("must be a string, number or boolean")
}
