package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/model"
)

// importEntry is one secret read from an import file. where locates it in
// the file for messages ("line 3", "entry 2"); messages never quote a value.
type importEntry struct {
	where       string
	name        string
	value       string
	description string
	metadata    map[string]string
}

// maxImportSize bounds how much of an import file is read.
const maxImportSize = 64 << 20

func (a *app) importCmd() *cobra.Command {
	var (
		format    string
		meta      []string
		overwrite bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE [--format env|json] [--metadata k=v]... [--overwrite]",
		Short: "Import secrets from a .env or JSON file",
		Long: `Import secrets from a file (or - for stdin).

.env: NAME=value lines; blank lines and # comments are skipped; an "export "
prefix is allowed; values may be 'single-quoted' (literal, \' and \\ escape) or
"double-quoted" (escapes \n \r \t \" \\ \$), and quoted values may span lines.
An unquoted value ends at " #". There is no variable expansion.

JSON: an object of name → value, or an array of objects
{"name", "value", "description", "metadata"} as Julep's API takes them.

The format comes from the extension (.json, .env), else from the content;
--format overrides. Every entry is checked first: if any name, value or
metadata is invalid, nothing is imported. Existing names are skipped unless
--overwrite, which rotates them (the old value is kept for rollback).
--metadata is added to every imported secret.`,
		Example: `  keyward secrets import .env --metadata env=dev
  keyward secrets import secrets.json --overwrite
  cat prod.env | keyward secrets import - --format env`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return withHint(usagef("import needs exactly one FILE"), "use - to read stdin")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			extra, err := parseMetadata(meta)
			if err != nil {
				return err
			}
			data, err := a.readImportFile(file)
			if err != nil {
				return err
			}
			if format == "" {
				format = detectFormat(file, data)
			}
			var entries []importEntry
			switch format {
			case "env":
				entries, err = parseDotenv(data)
			case "json":
				entries, err = parseImportJSON(data)
			default:
				return usagef("--format must be env or json, not %q", model.Printable(format))
			}
			var ve *model.ValidationError
			if errors.As(err, &ve) {
				return &model.ValidationError{Field: "import", Msg: displayName(file) + ": " + ve.Msg}
			} else if err != nil {
				return err
			}
			if len(entries) == 0 {
				return fmt.Errorf("import: %s: no secrets found", displayName(file))
			}
			for i := range entries {
				if len(extra) > 0 {
					if entries[i].metadata == nil {
						entries[i].metadata = map[string]string{}
					}
					maps.Copy(entries[i].metadata, extra)
				}
			}
			if problems := checkEntries(entries); len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintf(a.stderr, "%s: %s\n", displayName(file), model.Printable(p))
				}
				return &model.ValidationError{Field: "import", Msg: fmt.Sprintf("%s: %d invalid %s; nothing was imported",
					displayName(file), len(problems), model.Plural(len(problems), "entry", "entries"))}
			}
			return a.importEntries(cmd, entries, overwrite, displayName(file))
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "", "file format: env or json (default: from the extension or content)")
	f.StringArrayVar(&meta, "metadata", nil, "add metadata `key=value` to every imported secret (repeatable)")
	f.BoolVar(&overwrite, "overwrite", false, "rotate existing secrets to the imported value instead of skipping them")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"env", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (a *app) readImportFile(file string) ([]byte, error) {
	var r io.Reader = a.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxImportSize+1))
	if err != nil {
		return nil, fmt.Errorf("import: read %s: %w", displayName(file), err)
	}
	if len(data) > maxImportSize {
		return nil, fmt.Errorf("import: %s is larger than %d MiB", displayName(file), maxImportSize>>20)
	}
	return data, nil
}

func displayName(file string) string {
	if file == "-" {
		return "stdin"
	}
	return file
}

// detectFormat picks json for a .json file or content that starts like
// JSON, env otherwise.
func detectFormat(file string, data []byte) string {
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

// checkEntries validates every entry and finds duplicate names. It returns
// one message per problem; none quotes a value.
func checkEntries(entries []importEntry) []string {
	var problems []string
	seen := map[string]string{}
	for _, e := range entries {
		sec := model.Secret{Name: e.name, Description: e.description, Metadata: e.metadata}
		if err := sec.Validate(); err != nil {
			problems = append(problems, e.where+": "+err.Error())
			continue
		}
		if err := model.ValidateValue(e.value); err != nil {
			problems = append(problems, e.where+": "+e.name+": "+err.Error())
		}
		if first, ok := seen[e.name]; ok {
			problems = append(problems, fmt.Sprintf("%s: %s is also defined at %s", e.where, e.name, first))
		}
		seen[e.name] = e.where
	}
	return problems
}

// importEntries creates new secrets and skips or rotates existing ones. A
// keyring failure stops the import and says what was done so far.
func (a *app) importEntries(cmd *cobra.Command, entries []importEntry, overwrite bool, file string) error {
	ctx := cmd.Context()
	st := a.st
	list, err := st.List(ctx)
	if err != nil {
		return err
	}
	exists := make(map[string]bool, len(list))
	for i := range list {
		exists[list[i].Name] = true
	}
	var created, skipped, overwritten int
	counts := func() string {
		return fmt.Sprintf("%d created, %d skipped, %d overwritten", created, skipped, overwritten)
	}
	for _, e := range entries {
		switch {
		case !exists[e.name]:
			sec := model.Secret{Name: e.name, Description: e.description, Metadata: e.metadata}
			if _, err := st.Create(ctx, sec, e.value); err != nil {
				return fmt.Errorf("import stopped at %s (%s so far): %w", e.name, counts(), err)
			}
			created++
		case !overwrite:
			skipped++
		default:
			if _, err := st.Rotate(ctx, e.name, e.value); err != nil {
				return fmt.Errorf("import stopped at %s (%s so far): %w", e.name, counts(), err)
			}
			var p model.Patch
			if e.description != "" {
				p.Description = &e.description
			}
			p.SetMetadata = e.metadata
			if !p.Empty() {
				if _, err := st.Update(ctx, e.name, p); err != nil {
					return fmt.Errorf("import stopped at %s (%s so far; its value was rotated): %w", e.name, counts(), err)
				}
			}
			overwritten++
		}
	}
	a.done(fmt.Sprintf("imported %s: %s", file, counts()))
	if skipped > 0 {
		fmt.Fprintln(a.stderr, "note: skipped secrets already exist; --overwrite rotates them to the imported value")
	}
	return nil
}

// parseDotenv reads a .env file. Errors name a line, never a value.
func parseDotenv(data []byte) ([]importEntry, error) {
	s := strings.TrimPrefix(string(data), "\ufeff")
	var out []importEntry
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
		out = append(out, importEntry{where: fmt.Sprintf("line %d", start), name: name, value: value})
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

// parseImportJSON reads an object of name → value, or an array of
// {name, value, description, metadata}. Errors never quote the input: a
// syntax error could sit inside a value.
func parseImportJSON(data []byte) ([]importEntry, error) {
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

func parseJSONObject(data []byte) ([]importEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return nil, jsonErr("malformed JSON")
	}
	var out []importEntry
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
		out = append(out, importEntry{where: fmt.Sprintf("key %d", i), name: name, value: value})
	}
	return out, nil
}

func parseJSONArray(data []byte) ([]importEntry, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, jsonErr("expected an array of objects {name, value, description, metadata}")
	}
	out := make([]importEntry, 0, len(items))
	for i, it := range items {
		e := importEntry{where: fmt.Sprintf("entry %d", i+1)}
		str := func(field string, dst *string) error {
			raw, ok := it[field]
			if !ok || string(raw) == "null" {
				return nil
			}
			if json.Unmarshal(raw, dst) != nil {
				return jsonErr(fmt.Sprintf("%s: %q must be a string", e.where, field))
			}
			return nil
		}
		if err := str("name", &e.name); err != nil {
			return nil, err
		}
		if err := str("value", &e.value); err != nil {
			return nil, err
		}
		if err := str("description", &e.description); err != nil {
			return nil, err
		}
		if raw, ok := it["metadata"]; ok && string(raw) != "null" {
			var md map[string]json.RawMessage
			if json.Unmarshal(raw, &md) != nil {
				return nil, jsonErr(fmt.Sprintf("%s: \"metadata\" must be an object", e.where))
			}
			if len(md) > 0 {
				e.metadata = make(map[string]string, len(md))
			}
			for k, v := range md {
				s, err := metadataScalar(v)
				if err != nil {
					return nil, jsonErr(fmt.Sprintf("%s: metadata %q: %v", e.where, model.Printable(k), err))
				}
				e.metadata[k] = s
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// metadataScalar turns a JSON metadata value into keyward's string metadata:
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
