package julep

import "strings"

// The servers' name rules, as they state them.
const (
	// V1NameRule is the CHECK constraint on v1's secrets table
	// (memory-store migration 000040): case-sensitive, no length limit.
	V1NameRule = `^[a-zA-Z][a-zA-Z0-9_]*$`
	// V3NameRule is Julep 3's validate_secret_name: lower case, at most 64.
	V3NameRule = `^[a-z0-9][a-z0-9_-]{0,63}$`
)

// ValidateV1Name checks name against V1NameRule. The error is a *NameError.
func ValidateV1Name(name string) error {
	if validV1(name) {
		return nil
	}
	return &NameError{Platform: V1, Name: name, Rule: V1NameRule, Suggestion: SuggestV1Name(name)}
}

// ValidateV3Name checks name against V3NameRule. The error is a *NameError
// whose suggestion is usually the lower-cased name (OPENAI_API_KEY →
// openai_api_key).
func ValidateV3Name(name string) error {
	if validV3(name) {
		return nil
	}
	return &NameError{Platform: V3, Name: name, Rule: V3NameRule, Suggestion: SuggestV3Name(name)}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLower(c byte) bool  { return c >= 'a' && c <= 'z' }

func validV1(name string) bool {
	if name == "" || !isLetter(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isLetter(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

func validV3(name string) bool {
	if name == "" || len(name) > 64 || !isLower(name[0]) && !isDigit(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isLower(c) && !isDigit(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// SuggestV1Name turns name into one v1 accepts: every other character
// becomes _, and leading characters that are not letters are dropped. It
// returns "" when nothing usable is left.
func SuggestV1Name(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isLetter(c):
			b.WriteByte(c)
		case b.Len() == 0:
			// a name starts with a letter
		case isDigit(c) || c == '_':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// SuggestV3Name turns name into one Julep 3 accepts: lower-cased, every
// other character becomes _, leading _ and - dropped, cut to 64. It
// returns "" when nothing usable is left.
func SuggestV3Name(name string) string {
	var b strings.Builder
	for i := 0; i < len(name) && b.Len() < 64; i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch {
		case isLower(c) || isDigit(c):
			b.WriteByte(c)
		case b.Len() == 0:
		case c == '_' || c == '-':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
