package model

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest secret name keyward accepts.
const MaxNameLen = 255

// MaxValueLen is the largest secret value keyward accepts, in bytes.
const MaxValueLen = 64 * 1024

// ValidationError reports input that breaks one of keyward's rules. Callers
// (the command line) map it to a usage exit code. Its message never contains
// a secret value.
type ValidationError struct {
	Field string // "name", "metadata", "value", "rotate_every", "query", ...
	Msg   string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ValidName reports whether name follows Julep's rule
// ^[A-Za-z][A-Za-z0-9_]*$ and keyward's length limit.
func ValidName(name string) bool {
	return ValidateName(name) == nil
}

// ValidateName checks a secret name against Julep's rule
// (^[A-Za-z][A-Za-z0-9_]*$, case-sensitive) and the 255-character limit, and
// says what is wrong in terms a user can act on.
func ValidateName(name string) error {
	if name == "" {
		return invalid("name", "must not be empty")
	}
	if len(name) > MaxNameLen {
		return invalid("name", "is %d characters long; the limit is %d", len(name), MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		case i == 0:
			return invalid("name", "%q must start with a letter (A-Z or a-z)", Printable(name))
		default:
			return invalid("name", "%q has %q at position %d; only letters, digits and _ are allowed", Printable(name), Printable(string(nameRuneAt(name, i))), i+1)
		}
	}
	return nil
}

func nameRuneAt(s string, i int) rune {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

// Limits on the text of a record, in characters (runes): a record is shown
// on one screen and its metadata on one line, and the index is read whole.
// They apply to what a user enters (ValidateMetadataKey,
// ValidateMetadataValue, Secret.Validate); a record an older keyward wrote
// beyond them still reads (Secret.ValidateStored).
const (
	MaxDescriptionLen   = 1000
	MaxMetadataKeyLen   = 100
	MaxMetadataValueLen = 500
)

// ValidateMetadataKey checks a metadata key as a user enters it: not empty,
// no '=', no control or invisible characters (no key may look like another,
// see Invisible), at most MaxMetadataKeyLen characters.
func ValidateMetadataKey(key string) error {
	if err := checkStoredKey(key); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(key); n > MaxMetadataKeyLen {
		return invalid("metadata", "key %q is %d characters long; the limit is %d", echo(key), n, MaxMetadataKeyLen)
	}
	if r, ok := firstInvisible(key); ok {
		return invalid("metadata", "key \"%s\" has the invisible character %s; type the key without it", echo(key), runeName(r))
	}
	return nil
}

// checkStoredKey is what every metadata key keyward ever wrote passes.
func checkStoredKey(key string) error {
	if key == "" {
		return invalid("metadata", "key must not be empty")
	}
	if strings.ContainsRune(key, '=') {
		return invalid("metadata", "key %q must not contain '='", echo(key))
	}
	if hasControl(key) {
		return invalid("metadata", "key %q must not contain control characters", echo(key))
	}
	if !utf8.ValidString(key) {
		return invalid("metadata", "key %q is not valid UTF-8", echo(key))
	}
	return nil
}

// ValidateMetadataValue checks a metadata value as a user enters it: any
// text without control or invisible characters (metadata is shown on one
// line everywhere, and filtered by exact value), at most
// MaxMetadataValueLen characters.
func ValidateMetadataValue(key, value string) error {
	if err := checkStoredValue(key, value); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(value); n > MaxMetadataValueLen {
		return invalid("metadata", "value of %q is %d characters long; the limit is %d", echo(key), n, MaxMetadataValueLen)
	}
	if r, ok := firstInvisible(value); ok {
		return invalid("metadata", "value of \"%s\" has the invisible character %s; type the value without it", echo(key), runeName(r))
	}
	return nil
}

func checkStoredValue(key, value string) error {
	if hasControl(value) {
		return invalid("metadata", "value of %q must not contain control characters", echo(key))
	}
	if !utf8.ValidString(value) {
		return invalid("metadata", "value of %q is not valid UTF-8", echo(key))
	}
	return nil
}

// ParseMetadataPair splits "key=value" at the first '=' and validates both
// halves. The value may be empty and may itself contain '='.
func ParseMetadataPair(pair string) (key, value string, err error) {
	k, v, ok := strings.Cut(pair, "=")
	if !ok {
		return "", "", invalid("metadata", "%q is not key=value", echo(pair))
	}
	if err := ValidateMetadataKey(k); err != nil {
		return "", "", err
	}
	if err := ValidateMetadataValue(k, v); err != nil {
		return "", "", err
	}
	return k, v, nil
}

// ValidateValue checks a secret value: non-empty, at most 64 KiB, UTF-8
// text. Every place a value goes is text (an environment variable, a .env
// or JSON file, Julep's API, the screen), so bytes that are not UTF-8 are
// refused when a value is stored rather than mangled when it is used. The
// error never includes the value itself.
func ValidateValue(value string) error {
	if value == "" {
		return invalid("value", "must not be empty")
	}
	if len(value) > MaxValueLen {
		return invalid("value", "is %d bytes; the limit is %d bytes (64 KiB)", len(value), MaxValueLen)
	}
	if !utf8.ValidString(value) {
		at := 0
		for at < len(value) {
			r, size := utf8.DecodeRuneInString(value[at:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			at += size
		}
		return invalid("value", "is not UTF-8 text (invalid at byte %d); keyward keeps text values: encode binary data first, e.g. with base64", at+1)
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// Printable returns s with control characters, escape sequences, invalid
// UTF-8 and invisible characters (Invisible) made visible (as \x1b, \n,
// \u202e, ...), so that text from an index or a task file can be shown on a
// terminal without being interpreted by it, and nothing in it hides or
// reorders what follows. It is the one rendering of stored text on every
// surface: the CLI's table and record, the TUI's list, detail and status
// line, the task preview. Visible is the same for text that already
// carries styling.
func Printable(s string) string {
	if printable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case Invisible(r):
			b.WriteString(runeName(r))
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// printable reports whether Printable(s) is s. Every table row checks
// several cells, so ASCII, which is never Invisible, is checked without
// decoding.
func printable(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || Invisible(r) {
			return false
		}
		i += size
	}
	return true
}

// ParseMetadata reads key=value pairs, one per element (a --metadata flag, a
// line of the form's metadata field; blank elements are skipped). A key given
// twice is an error rather than a silent override, in every surface. It
// returns nil for no pairs. The error names the 1-based element.
func ParseMetadata(pairs []string) (map[string]string, error) {
	var md map[string]string
	for i, p := range pairs {
		if strings.TrimSpace(p) == "" {
			continue
		}
		k, v, err := ParseMetadataPair(p)
		if err != nil {
			return nil, &MetadataError{Index: i + 1, Err: err}
		}
		if _, dup := md[k]; dup {
			return nil, &MetadataError{Index: i + 1, Err: invalid("metadata", "key %q is given twice", echo(k))}
		}
		if md == nil {
			md = make(map[string]string, len(pairs))
		}
		md[k] = v
	}
	return md, nil
}

// MetadataError is a bad pair in ParseMetadata: which one (1-based) and why.
type MetadataError struct {
	Index int
	Err   error
}

func (e *MetadataError) Error() string { return e.Err.Error() }
func (e *MetadataError) Unwrap() error { return e.Err }
