package julep

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults for Options.
const (
	DefaultTimeout       = 15 * time.Second
	DefaultRetries       = 3
	DefaultMaxRetryAfter = 30 * time.Second
	// MaxResponseBytes bounds how much of a response body is read.
	MaxResponseBytes = 8 << 20
)

// Options tune a client. The zero value is ready to use.
type Options struct {
	// HTTPClient sends the requests; nil means a plain http.Client. Its own
	// Timeout, if any, applies on top of Timeout.
	HTTPClient *http.Client
	// Timeout bounds every attempt, body included; 0 means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a request is retried after a 429, a 5xx or
	// (where safe) a network failure; 0 means DefaultRetries, negative none.
	Retries int
	// BaseDelay is the first backoff; it doubles per retry, with jitter.
	// 0 means 500ms.
	BaseDelay time.Duration
	// MaxRetryAfter caps a server's Retry-After; 0 means
	// DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Sleep waits between attempts; nil means a timer that stops early
	// when ctx is done. Tests inject one that records and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// AuthHeader is where the key goes, as "Bearer KEY"; "" means
	// Authorization. A self-hosted v1 agents-api reads X-Auth-Key unless
	// configured otherwise (AGENTS_API_KEY_HEADER_NAME).
	AuthHeader string
	// UserAgent, when set, is sent as User-Agent.
	UserAgent string
}

// client is what V1 and V3 share: the account, the key, and one careful
// request loop.
type client struct {
	platform Platform
	baseURL  string
	key      string
	opt      Options
}

func newClient(p Platform, baseURL, key string, opt Options) client {
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{}
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.Retries == 0 {
		opt.Retries = DefaultRetries
	} else if opt.Retries < 0 {
		opt.Retries = 0
	}
	if opt.BaseDelay <= 0 {
		opt.BaseDelay = 500 * time.Millisecond
	}
	if opt.MaxRetryAfter <= 0 {
		opt.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if opt.Sleep == nil {
		opt.Sleep = sleepCtx
	}
	if opt.AuthHeader == "" {
		opt.AuthHeader = "Authorization"
	}
	return client{platform: p, baseURL: strings.TrimRight(baseURL, "/"), key: key, opt: opt}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call is one logical request.
type call struct {
	op, name string
	method   string
	path     string // below the base URL, already escaped
	body     []byte // JSON, or nil
	value    string // the secret value in body, to scrub from errors
	ok       []int  // statuses that mean success
}

// idempotent reports whether repeating the call cannot do harm: everything
// but v1's POST.
func (c call) idempotent() bool { return c.method != http.MethodPost }

// do runs c with retries and returns the body of a successful answer.
//
// The rules: 429 and 5xx are retried with backoff (Retry-After honoured,
// capped); other 4xx never are (a 409 is an answer, not a hiccup). A
// network failure is retried when the request was never written, or when
// the call is idempotent; a POST that failed after it was written returns
// ErrUnknownOutcome. A POST is also not retried on a 5xx other than 503,
// which may come from a proxy after the server acted.
func (cl *client) do(ctx context.Context, c call) ([]byte, error) {
	mkErr := func(kind error, status, attempts int, detail string, cause error) *APIError {
		return &APIError{Op: c.op, Name: c.name, Status: status, Platform: cl.platform, BaseURL: cl.baseURL,
			Detail: detail, Attempts: attempts, Kind: kind, Cause: cause}
	}
	uncertain := false // an earlier attempt may have been applied
	for attempt := 1; ; attempt++ {
		status, hdr, body, wrote, err := cl.attempt(ctx, c)
		last := attempt > cl.opt.Retries
		if err != nil {
			if ctx.Err() != nil {
				// The caller gave up; that is not the server's fault.
				kind := ErrUnavailable
				if wrote && !c.idempotent() {
					kind = ErrUnknownOutcome
				}
				return nil, mkErr(kind, 0, attempt, "", ctx.Err())
			}
			if wrote && !c.idempotent() {
				return nil, mkErr(ErrUnknownOutcome, 0, attempt, "", cleanNetErr(err, cl.key, c.value))
			}
			if last {
				return nil, mkErr(ErrUnavailable, 0, attempt, "", cleanNetErr(err, cl.key, c.value))
			}
			uncertain = uncertain || wrote
			if err := cl.opt.Sleep(ctx, cl.backoff(attempt)); err != nil {
				return nil, mkErr(ErrUnavailable, 0, attempt, "", err)
			}
			continue
		}
		for _, ok := range c.ok {
			if status == ok {
				return body, nil
			}
		}
		if status == http.StatusNotFound && uncertain && c.method == http.MethodDelete {
			// An earlier attempt deleted it and its answer was lost.
			return nil, nil
		}
		detail := parseDetail(body, hdr.Get("Content-Type"), cl.key, c.value)
		retryable := status == http.StatusTooManyRequests || status >= 500
		if !c.idempotent() && status >= 500 && status != http.StatusServiceUnavailable {
			return nil, mkErr(ErrUnknownOutcome, status, attempt, detail, nil)
		}
		if !retryable {
			return nil, mkErr(kindOf(status), status, attempt, detail, nil)
		}
		if last {
			return nil, mkErr(ErrUnavailable, status, attempt, detail, nil)
		}
		d := cl.backoff(attempt)
		if ra, ok := parseRetryAfter(hdr.Get("Retry-After"), time.Now()); ok {
			d = min(ra, cl.opt.MaxRetryAfter)
		}
		if err := cl.opt.Sleep(ctx, d); err != nil {
			return nil, mkErr(ErrUnavailable, status, attempt, detail, err)
		}
	}
}

func kindOf(status int) error {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusConflict:
		return ErrConflict
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return ErrInvalid
	}
	if status >= 500 || status == http.StatusTooManyRequests {
		return ErrUnavailable
	}
	return ErrInvalid
}

// attempt sends c once. wrote reports whether the request was written to
// the connection, i.e. whether the server may have acted on it.
func (cl *client) attempt(ctx context.Context, c call) (status int, hdr http.Header, body []byte, wrote bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, cl.opt.Timeout)
	defer cancel()
	// The transport calls these from its own goroutine. Set as soon as any
	// byte may have gone out, not only when all did.
	var sent atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { sent.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { sent.Store(true) },
	})
	var rd io.Reader
	if c.body != nil {
		rd = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, cl.baseURL+c.path, rd)
	if err != nil {
		return 0, nil, nil, false, err
	}
	req.Header.Set(cl.opt.AuthHeader, "Bearer "+cl.key)
	req.Header.Set("Accept", "application/json")
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.opt.UserAgent != "" {
		req.Header.Set("User-Agent", cl.opt.UserAgent)
	}
	resp, err := cl.opt.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, nil, sent.Load(), err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return 0, nil, nil, true, err
	}
	if len(body) > MaxResponseBytes {
		return 0, nil, nil, true, fmt.Errorf("the response is larger than %d bytes", MaxResponseBytes)
	}
	return resp.StatusCode, resp.Header, body, true, nil
}

// backoff is the wait before retry number n (1-based): BaseDelay doubled
// per retry, capped at 8s, with equal jitter so that clients spread out.
func (cl *client) backoff(n int) time.Duration {
	d := cl.opt.BaseDelay << min(n-1, 10)
	d = min(d, 8*time.Second)
	return d/2 + rand.N(d/2+1)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(h); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, 24*3600)) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// cleanNetErr keeps a network error's chain (for errors.Is on timeouts)
// while making sure its text names neither the key nor the value.
func cleanNetErr(err error, secrets ...string) error {
	msg := err.Error()
	clean := cleanDetail(msg, secrets...)
	if clean == msg {
		return err
	}
	return &scrubbed{msg: clean, err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

// escape is a path segment.
func escape(s string) string { return url.PathEscape(s) }
