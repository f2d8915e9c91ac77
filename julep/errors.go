package julep

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// The kinds of failure a caller can act on. Every error the clients return
// for a request is an *APIError that wraps exactly one of them.
var (
	// ErrUnauthorized: the account rejected the API key (401 or 403).
	ErrUnauthorized = errors.New("the API key was rejected")
	// ErrNotFound: no such secret (404), e.g. deleted remotely.
	ErrNotFound = errors.New("no such secret")
	// ErrConflict: a secret with that name already exists (409).
	ErrConflict = errors.New("a secret with that name already exists remotely")
	// ErrInvalid: the account rejected the request's content (400, 422),
	// or a name breaks the platform's rule before anything was sent.
	ErrInvalid = errors.New("rejected as invalid")
	// ErrUnavailable: the account did not answer usefully (5xx or 429 after
	// the retries, or a network failure).
	ErrUnavailable = errors.New("unavailable")
	// ErrUnknownOutcome: a create failed after it may have reached the
	// server, so it may still have landed. It is not retried: run the
	// push again, which finds the secret by name instead of creating it.
	ErrUnknownOutcome = errors.New("the request may still have landed")
)

// APIError is a failed request to a Julep account. Its message names the
// operation, the secret and the account, never the API key or a value.
type APIError struct {
	Op       string // "list", "create", "update", "delete"
	Name     string // the secret's name, when the request was about one
	Status   int    // the HTTP status, or 0 when none came back
	Platform Platform
	BaseURL  string
	// Detail is what the server said was wrong, with the key and the
	// value scrubbed out; empty when it said nothing readable.
	Detail   string
	Attempts int   // how many requests were made
	Kind     error // one of the Err* sentinels
	Cause    error // the network error, when there was one
}

func (e *APIError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("julep ")
	b.WriteString(e.Op)
	if e.Name != "" {
		b.WriteString(" ")
		b.WriteString(quote(e.Name))
	}
	b.WriteString(": ")
	where := string(e.Platform) + " at " + redactURL(e.BaseURL)
	switch e.Kind {
	case ErrUnauthorized:
		fmt.Fprintf(&b, "the API key was rejected by %s", where)
	case ErrNotFound:
		fmt.Fprintf(&b, "%s has no such secret (deleted remotely?)", where)
	case ErrConflict:
		b.WriteString("a secret with that name already exists remotely: run `keyward julep pull`")
	case ErrInvalid:
		fmt.Fprintf(&b, "%s rejected the request", where)
	case ErrUnknownOutcome:
		fmt.Fprintf(&b, "no answer from %s after the request was sent, so it may still have landed; push again to converge", where)
	default:
		fmt.Fprintf(&b, "%s is unavailable", where)
	}
	var paren []string
	if e.Status != 0 {
		paren = append(paren, "HTTP "+strconv.Itoa(e.Status))
	}
	if e.Attempts > 1 {
		paren = append(paren, strconv.Itoa(e.Attempts)+" attempts")
	}
	if len(paren) > 0 {
		b.WriteString(" (" + strings.Join(paren, ", ") + ")")
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// NameError is a name that a platform's server would reject. It wraps
// ErrInvalid and carries a suggested name that would pass.
type NameError struct {
	Platform   Platform
	Name       string
	Rule       string // the server's rule, as a regular expression
	Suggestion string // a name that passes the rule, or ""
}

func (e *NameError) Error() string {
	msg := fmt.Sprintf("name %s is not valid on %s: it must match %s", quote(e.Name), platformTitle(e.Platform), e.Rule)
	if e.Suggestion != "" {
		msg += fmt.Sprintf("; rename it, e.g. `keyward secrets update %s --rename %s`", e.Name, e.Suggestion)
	}
	return msg
}

func (e *NameError) Unwrap() error { return ErrInvalid }

func platformTitle(p Platform) string {
	switch p {
	case V1:
		return "Julep v1"
	case V3:
		return "Julep 3"
	}
	return string(p)
}

// maxDetail bounds the server's explanation kept in an error.
const maxDetail = 300

// parseDetail extracts what a FastAPI server said was wrong: the string
// detail, or each validation error's location and message. It never keeps
// pydantic's "input" (which echoes the request body, value included).
// Anything in secrets is scrubbed. A body that is not a JSON detail is kept
// only when it is plain text.
func parseDetail(body []byte, contentType string, secrets ...string) string {
	var env struct {
		Detail json.RawMessage `json:"detail"`
	}
	var out string
	if err := json.Unmarshal(body, &env); err == nil && len(env.Detail) > 0 {
		var s string
		var items []struct {
			Loc []any  `json:"loc"`
			Msg string `json:"msg"`
		}
		switch {
		case json.Unmarshal(env.Detail, &s) == nil:
			out = s
		case json.Unmarshal(env.Detail, &items) == nil:
			var parts []string
			for _, it := range items {
				var loc []string
				for _, l := range it.Loc {
					if l == "body" {
						continue
					}
					loc = append(loc, fmt.Sprint(l))
				}
				if len(loc) > 0 {
					parts = append(parts, strings.Join(loc, ".")+": "+it.Msg)
				} else {
					parts = append(parts, it.Msg)
				}
			}
			out = strings.Join(parts, "; ")
		}
	} else if ct := strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]); ct == "" || ct == "text/plain" {
		out = string(body)
	}
	return cleanDetail(out, secrets...)
}

// cleanDetail scrubs secrets from s, folds it onto one line of printable
// text and bounds its length.
func cleanDetail(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDetail {
		cut := maxDetail
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// redactURL hides a password in a base URL's user info.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

func quote(s string) string { return strconv.Quote(s) }
