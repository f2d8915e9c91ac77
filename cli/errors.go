package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// Exit codes, part of keyward's contract with scripts.
const (
	exitOK     = 0 // success
	exitFailed = 1 // the operation failed: not found, exists, keyring error, ...
	exitUsage  = 2 // usage or validation error: bad flag, invalid name, bad query
)

// usageError is a mistake in how keyward was called; it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// hintError attaches a hint (something the user can do) to an error.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hintError{err: err, hint: hint}
}

// exitCode maps an error to keyward's exit codes.
func exitCode(err error) int {
	var es *exitStatus
	if errors.As(err, &es) {
		return es.code // run: the command's own status, or 127/126
	}
	var ue *usageError
	var ve *model.ValidationError
	var qe *model.QueryError
	if errors.As(err, &ue) || errors.As(err, &ve) || errors.As(err, &qe) {
		return exitUsage
	}
	return exitFailed
}

// report prints err as one line, plus a hint line where the user can act,
// and returns the exit code.
func (a *app) report(err error) int {
	var es *exitStatus
	if errors.As(err, &es) && es.err == nil {
		return es.code // the command of 'keyward run' spoke for itself
	}
	// Printable keeps the message on one line and stops a name from a
	// hand-edited index from sending escape sequences to the terminal.
	fmt.Fprintf(a.stderr, "keyward: %s\n", model.Printable(err.Error()))
	if h := a.hintFor(err); h != "" {
		fmt.Fprintf(a.stderr, "hint: %s\n", model.Printable(h))
	}
	return exitCode(err)
}

func (a *app) hintFor(err error) string {
	var he *hintError
	if errors.As(err, &he) {
		return he.hint
	}
	var ue *usageError
	var qe *model.QueryError
	var ie *keyring.IndexError
	switch {
	case errors.As(err, &ie):
		return "fix the file by hand (keyward never overwrites an index it cannot read), or point --index elsewhere"
	case errors.As(err, &qe):
		return "see 'keyward secrets list --help' for the filter language"
	case errors.As(err, &ue):
		return "see 'keyward --help'"
	case keyring.Advice(err) != "":
		return keyring.Advice(err)
	case errors.Is(err, keyring.ErrExists):
		return "choose another name, or change the value with 'keyward secrets rotate NAME'"
	case errors.Is(err, keyring.ErrNoPrevious):
		return "a previous value is kept only after 'keyward secrets rotate'"
	case errors.Is(err, keyring.ErrNotFound):
		return "list the names with 'keyward secrets list'"
	}
	return ""
}

// notFound adds close names from the index to a not-found error about
// name. It reads the index only, never the keyring.
func (a *app) notFound(ctx context.Context, err error, name string) error {
	if !errors.Is(err, keyring.ErrNotFound) {
		return err
	}
	names, nerr := a.names(ctx)
	if nerr != nil {
		return err
	}
	if close := model.SimilarNames(names, name); len(close) > 0 {
		return withHint(err, "did you mean "+strings.Join(close, ", ")+"?")
	}
	return err
}
