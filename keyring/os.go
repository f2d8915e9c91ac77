package keyring

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/keyward/keyward/model"
)

// DefaultService is the keyring service name keyward stores values under.
const DefaultService = "keyward"

// DefaultTimeout is how long a single keyring call may take before OSStore
// gives up on it, with an empty index; PerRecordTimeout adds to it for each
// secret. A frozen keyring daemon, or one waiting for an unlock
// prompt nobody sees, would otherwise hang keyward forever. It is also the
// budget of a whole command: once a call has timed out, every later call
// fails at once while that call is still out (see osValues.call), so a
// frozen daemon costs one deadline, not one per call.
const DefaultTimeout = 10 * time.Second

// PerRecordTimeout is what the default deadline adds for each secret in the
// index: a keyring daemon's work grows with the items it holds
// (gnome-keyring rewrites its whole file on every change and searches every
// item: one `secret-tool store` took 36 ms, 0.4 s and 6.1 s at 1,000,
// 10,000 and 100,000 items on a 2-core machine), and keyward's secrets are
// most of them, each with up to two items (its value and previous value).
// 0.25 ms is about twice that per-record cost, so a healthy but loaded
// machine stays inside it: the default deadline is 10 s up to a few
// thousand secrets, 12.5 s at 10,000 and 35 s at 100,000. A frozen daemon
// still fails after one such deadline.
const PerRecordTimeout = 250 * time.Microsecond

// MinTimeout and MaxTimeout bound the deadline a user may set
// (KEYWARD_KEYRING_TIMEOUT): shorter would time out a keyring that answers,
// longer is a hang. MaxTimeout bounds the scaled default too.
const (
	MinTimeout = 100 * time.Millisecond
	MaxTimeout = 10 * time.Minute
)

// OSOptions configures an OSStore. The zero value of each field means its
// default.
type OSOptions struct {
	// IndexPath is the index file; default DefaultIndexPath().
	IndexPath string
	// Service is the keyring service name; default DefaultService.
	Service string
	// Timeout bounds each keyring call, whatever the index holds. When 0,
	// the deadline is DefaultTimeout plus PerRecordTimeout for each
	// secret in the index (as of the store's last look at it), at most
	// MaxTimeout.
	Timeout time.Duration
	// Now is the clock for created_at, updated_at and rotated_at; default
	// time.Now.
	Now func() time.Time
	// LockWait is how long a write waits for another process's lock on
	// the index before it fails with ErrIndexBusy; default
	// DefaultLockWait.
	LockWait time.Duration
}

// OSStore is the real Store: values in the OS keyring (the Secret Service on
// Linux, the Keychain on macOS, the Credential Manager on Windows, through
// github.com/zalando/go-keyring) under the service name with the secret's
// name as the user, and records in the TOML index file. It is safe for
// concurrent use, and several processes may share one index.
type OSStore struct {
	store
	indexPath string
	service   string
}

// NewOSStore returns a store over the OS keyring and the index file in opts.
// It touches neither until used: a missing index is an empty store, created
// on the first write.
func NewOSStore(opts OSOptions) (*OSStore, error) {
	if opts.IndexPath == "" {
		p, err := DefaultIndexPath()
		if err != nil {
			return nil, err
		}
		opts.IndexPath = p
	}
	if opts.Service == "" {
		opts.Service = DefaultService
	}
	scaled := opts.Timeout <= 0
	if scaled {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	vals := &osValues{service: opts.Service, timeout: opts.Timeout, scaled: scaled, kr: goKeyring{}, bus: busCheck,
		mark: serviceMarkFor(opts.IndexPath, opts.Service)}
	return &OSStore{
		store: store{vals: vals, idx: &fileIndex{path: opts.IndexPath, lockWait: opts.LockWait}, now: opts.Now, jr: journalFor(opts.IndexPath),
			bk: &backendGuard{index: opts.IndexPath, kind: "keyring"}},
		indexPath: opts.IndexPath,
		service:   opts.Service,
	}, nil
}

// IndexPath returns the index file's path, for messages.
func (s *OSStore) IndexPath() string { return s.indexPath }

// Backend names where the values live, for the terminal UI's header.
func (s *OSStore) Backend() string { return "keyring" }

// Service returns the keyring service name values are stored under.
func (s *OSStore) Service() string { return s.service }

// Warmer is a store that can start, in the background, what its first
// keyring call will need, so that it overlaps the work before that call
// (the index read). A command that reads or writes a value calls Warm
// first; nothing is read or written by it, and an error is left for the
// call that needs the keyring to report.
type Warmer interface{ Warm() }

// Warm implements Warmer: on the Secret Service it connects to the session
// bus, looks the collection up and opens the session (about 2 ms of round
// trips). It does nothing without a session bus, so it never autolaunches
// one, nor for a stand-in keyring.
func (s *OSStore) Warm() {
	v, ok := s.vals.(*osValues)
	if !ok {
		return
	}
	if _, real := v.kr.(goKeyring); !real || v.bus != nil && v.bus() != nil {
		return
	}
	go warmKeyring()
}

// keyringAPI is the part of go-keyring we use, so tests can put a slow or
// failing keyring in its place.
type keyringAPI interface {
	Get(service, user string) (string, error)
	Set(service, user, value string) error
	Delete(service, user string) error
}

type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyringGet(service, user) }
func (goKeyring) Set(service, user, value string) error    { return keyringSet(service, user, value) }
func (goKeyring) Delete(service, user string) error        { return keyringDelete(service, user) }

// osValues is the values backend over the OS keyring. Every call runs with a
// deadline; errors wrap the Store sentinels and never contain a value.
type osValues struct {
	service string
	timeout time.Duration
	// scaled says timeout is the default, which grows with the index:
	// records is the number of secrets it held when the store last read
	// it (see deadline).
	scaled  bool
	records atomic.Int64
	kr      keyringAPI
	// bus is checked before every call: on D-Bus systems it refuses when
	// no session bus exists, so that godbus never autolaunches one. Nil
	// means no check.
	bus func() error
	// mark refuses the keyring when the index records another service,
	// and records this one at the first write. Nil means no check.
	mark *serviceMark

	mu sync.Mutex
	// pending is closed when the last call that timed out returns at
	// last; nil when no call is out.
	pending chan struct{}
}

// call runs fn against the keyring: at once ErrUnavailable without a
// session bus, at once ErrTimeout while an earlier call that timed out has
// still not returned (the daemon is frozen or waits for a prompt: a second
// call would wait as long, and its result would land in an unknown order),
// else fn with the deadline.
func (v *osValues) call(ctx context.Context, fn func() error) error {
	if v.mark != nil {
		if err := v.mark.check(); err != nil {
			return err
		}
	}
	if v.bus != nil {
		if err := v.bus(); err != nil {
			return &noBusError{err}
		}
	}
	v.mu.Lock()
	pending := v.pending
	v.mu.Unlock()
	if pending != nil {
		select {
		case <-pending:
		default:
			return fmt.Errorf("%w (an earlier call is still waiting for it)", ErrTimeout)
		}
	}
	done := make(chan struct{})
	err := withDeadline(ctx, v.deadline(), func() error {
		defer close(done)
		return fn()
	})
	if errors.Is(err, ErrTimeout) {
		v.mu.Lock()
		v.pending = done
		v.mu.Unlock()
	}
	return err
}

// deadline is how long one call may take: the timeout a user set, or the
// default scaled to the secrets in the index (PerRecordTimeout).
func (v *osValues) deadline() time.Duration {
	if !v.scaled {
		return v.timeout
	}
	return min(v.timeout+time.Duration(v.records.Load())*PerRecordTimeout, MaxTimeout)
}

// sized implements sizer.
func (v *osValues) sized(records int) { v.records.Store(int64(records)) }

// unsent marks a keyring error after which nothing can have changed: the
// call never reached the keyring (no session bus, no connection, the index
// of another service) or the keyring refused it before any write (locked).
// Unlike a timeout, nothing of it can land later. It adds no text.
type unsent struct{ error }

func (e unsent) Unwrap() error { return e.error }

// changedNothing reports whether err says the keyring call certainly
// changed nothing (see unsent).
func changedNothing(err error) bool {
	var u unsent
	return errors.As(err, &u)
}

// noBusError is a call refused before it reached go-keyring: no session
// bus to talk to.
type noBusError struct{ err error }

func (e *noBusError) Error() string { return e.err.Error() }
func (e *noBusError) Unwrap() error { return e.err }

// pingUser is the keyring user Ping reads. '@' keeps it apart from every
// valid secret name.
const pingUser = "@ping"

func (v *osValues) Get(ctx context.Context, user string) (string, error) {
	var val string
	err := v.call(ctx, func() error {
		var err error
		val, err = v.kr.Get(v.service, user)
		return err
	})
	if err != nil {
		return "", v.wrap("read", user, err)
	}
	return val, nil
}

// Has reports whether the keyring holds user's value without reading it:
// one search of the Secret Service; elsewhere, and for a stand-in keyring
// in tests, a read.
func (v *osValues) Has(ctx context.Context, user string) (bool, error) {
	if _, real := v.kr.(goKeyring); real {
		var has bool
		err := v.call(ctx, func() error {
			var err error
			has, err = hasItem(v.service, user)
			return err
		})
		if !errors.Is(err, errors.ErrUnsupported) {
			if err != nil {
				return false, v.wrap("read", user, err)
			}
			return has, nil
		}
	}
	_, err := v.Get(ctx, user)
	if errors.Is(err, ErrNoValue) {
		return false, nil
	}
	return err == nil, err
}

func (v *osValues) Set(ctx context.Context, user, value string) error {
	return v.write(ctx, user, func() error { return v.kr.Set(v.service, user, value) })
}

// write runs fn, a write of user's value, as a keyring call, and records
// the index's service at the first write that succeeds.
func (v *osValues) write(ctx context.Context, user string, fn func() error) error {
	err := v.call(ctx, fn)
	if err != nil {
		return v.wrap("write", user, err)
	}
	if v.mark != nil {
		v.mark.record()
	}
	return nil
}

// tags implements tagger: the real Secret Service labels its items; the
// Keychain, the Credential Manager and the stand-in keyrings of tests do not.
func (v *osValues) tags() bool {
	_, real := v.kr.(goKeyring)
	return real && canTag
}

// SetTagged implements tagger.
func (v *osValues) SetTagged(ctx context.Context, user, value, tag string) error {
	return v.write(ctx, user, func() error { return setTagged(v.service, user, value, tag) })
}

// Tag implements tagger.
func (v *osValues) Tag(ctx context.Context, user string) (string, error) {
	var tag string
	err := v.call(ctx, func() error {
		var err error
		tag, err = itemTag(v.service, user)
		return err
	})
	if err != nil {
		return "", v.wrap("read", user, err)
	}
	return tag, nil
}

func (v *osValues) Delete(ctx context.Context, user string) error {
	err := v.call(ctx, func() error {
		return v.kr.Delete(v.service, user)
	})
	if err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
		return v.wrap("delete", user, err)
	}
	return nil
}

// Ping reports whether the keyring answers and is unlocked (a prompt where
// one can be shown, as for a read): on the Secret Service one Unlock of
// the collection, elsewhere a read of a user no secret has.
func (v *osValues) Ping(ctx context.Context) error {
	err := v.call(ctx, func() error {
		if _, real := v.kr.(goKeyring); real {
			return keyringPing(v.service)
		}
		_, err := v.kr.Get(v.service, pingUser)
		return err
	})
	if err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
		return v.wrap("reach", "", err)
	}
	return nil
}

// wrap maps a go-keyring error to the Store sentinels. The messages carry
// the operation and the keyring user (a secret's name), never a value.
func (v *osValues) wrap(op, user string, err error) error {
	what := "the keyring"
	if user != "" {
		what = fmt.Sprintf("%s in the keyring (service %s)", model.Printable(user), model.Printable(v.service))
	}
	switch {
	case errors.Is(err, ErrWrongService):
		return unsent{err} // says both services; nothing was asked of the keyring
	case errors.Is(err, ErrTimeout) && (op == "write" || op == "delete"):
		// The call may still land when the keyring wakes up.
		return fmt.Errorf("%s %s: outcome unknown: %w", op, what, err)
	case errors.Is(err, ErrTimeout), errors.Is(err, context.Canceled):
		return fmt.Errorf("%s %s: %w", op, what, err)
	case errors.As(err, new(*noBusError)):
		return unsent{fmt.Errorf("%s %s: %w: %w", op, what, ErrUnavailable, err)}
	case locked(err):
		return unsent{fmt.Errorf("%s %s: %w: %w", op, what, ErrLocked, err)}
	case errors.Is(err, gokeyring.ErrNotFound):
		return fmt.Errorf("%w: %s", ErrNoValue, model.Printable(user))
	case errors.Is(err, gokeyring.ErrSetDataTooBig):
		return fmt.Errorf("%s %s: %w: %w", op, what, ErrTooLarge, err)
	case unavailable(err):
		err = fmt.Errorf("%s %s: %w: %w", op, what, ErrUnavailable, err)
		if mayHaveLanded(err) {
			return err
		}
		return unsent{err}
	}
	return fmt.Errorf("%s %s: %w", op, what, err)
}

// withDeadline runs fn, which cannot be cancelled, in a goroutine and waits
// at most timeout (or until ctx ends) for it. On timeout the goroutine is
// left to finish on its own: go-keyring offers no way to stop a call, and a
// frozen call must not freeze keyward. Its result is then dropped.
func withDeadline(ctx context.Context, timeout time.Duration, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1) // buffered: a late fn must not block forever
	go func() { done <- fn() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return fmt.Errorf("%w (waited %s; is the keyring daemon frozen, or waiting for an unlock prompt?)", ErrTimeout, timeout)
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		}
		return ctx.Err()
	}
}
