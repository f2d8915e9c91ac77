// Package juleptest runs stand-ins for Julep's secrets APIs, v1 and Julep
// 3, on 127.0.0.1, for tests. They behave like Julep's own handlers, quirks
// included (see the package julep doc), keep the values they were sent so
// that a test can assert what landed, log requests without bodies, and
// inject faults: 429s, 500s, stalls and cut connections, before or after a
// write is applied.
package juleptest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Request is one logged request: never a body or a header.
type Request struct {
	Method string
	Path   string
	Query  string
}

// FaultKind is what an injected fault does.
type FaultKind int

const (
	// Status429 answers 429 Too Many Requests with Fault.RetryAfter.
	Status429 FaultKind = iota
	// Status500 answers 500 Internal Server Error.
	Status500
	// Stall holds the request until the client gives up (or Fault.Stall
	// passes), then answers 504.
	Stall
	// CutBefore closes the connection without applying the request.
	CutBefore
	// CutAfter applies the request, then closes the connection without an
	// answer: the interrupted write.
	CutAfter
)

// Fault is injected into the next Times requests that match Method (or any
// when "") and whose path starts with Path (or any when "").
type Fault struct {
	Kind       FaultKind
	Method     string
	Path       string
	Times      int           // 0 means 1
	RetryAfter string        // for Status429: seconds or an HTTP date; "" sends none
	Stall      time.Duration // for Stall: the longest hold; 0 means 10s
}

// base is what both stand-ins share: the listener, the log, the faults
// and a fake clock.
type base struct {
	*httptest.Server
	mu     sync.Mutex
	log    []Request
	faults []Fault
	now    time.Time
}

// Epoch is when the stand-ins' clocks start; each write moves them on by a
// second, so that created_at orders are strict and reproducible.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (b *base) start(h http.Handler) {
	b.now = Epoch
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("juleptest: listen on 127.0.0.1: " + err.Error())
	}
	b.Server = &httptest.Server{Listener: l, Config: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	b.Server.Start()
}

// tick advances the clock; called with mu held.
func (b *base) tick() time.Time {
	b.now = b.now.Add(time.Second)
	return b.now
}

// Inject queues a fault.
func (b *base) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = append(b.faults, f)
}

// Requests returns the log so far.
func (b *base) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Request(nil), b.log...)
}

// Count returns how many logged requests had method (any when "") and a
// path starting with prefix.
func (b *base) Count(method, prefix string) int {
	n := 0
	for _, r := range b.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// ResetRequests empties the log.
func (b *base) ResetRequests() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log = nil
}

// logAndFault logs r and takes the first fault that matches it.
func (b *base) logAndFault(r *http.Request) (Fault, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log = append(b.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery})
	for i, f := range b.faults {
		if (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.Path) {
			b.faults[i].Times--
			if b.faults[i].Times <= 0 {
				b.faults = append(b.faults[:i], b.faults[i+1:]...)
			}
			return f, true
		}
	}
	return Fault{}, false
}

// response is what a handler decided, written by serve unless a fault
// cuts the connection.
type response struct {
	status int
	header http.Header
	body   []byte
}

func jsonResponse(status int, v any) response {
	body, _ := json.Marshal(v)
	return response{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

func detail(status int, msg string) response {
	return jsonResponse(status, map[string]any{"detail": msg})
}

// serve runs handle under the fault rules.
func (b *base) serve(w http.ResponseWriter, r *http.Request, handle func(*http.Request) response) {
	f, faulty := b.logAndFault(r)
	if faulty {
		switch f.Kind {
		case Status429:
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			writeResponse(w, detail(http.StatusTooManyRequests, "Too Many Requests"))
			return
		case Status500:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("Internal Server Error"))
			return
		case Stall:
			// Drain the body: only then does the server watch the
			// connection and cancel r.Context when the client hangs up.
			io.Copy(io.Discard, r.Body)
			d := f.Stall
			if d <= 0 {
				d = 10 * time.Second
			}
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-r.Context().Done():
			case <-t.C:
			}
			writeResponse(w, detail(http.StatusGatewayTimeout, "stalled"))
			return
		case CutBefore:
			cut(w)
			return
		case CutAfter:
			handle(r)
			cut(w)
			return
		}
	}
	writeResponse(w, handle(r))
}

func writeResponse(w http.ResponseWriter, resp response) {
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

// cut closes the connection with no answer at all.
func cut(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("juleptest: cannot hijack the connection")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic("juleptest: hijack: " + err.Error())
	}
	conn.Close()
}

// bearer returns the key of an Authorization header, or of the header
// named alt (v1's X-Auth-Key); agents-api strips a "Bearer " prefix.
func bearer(r *http.Request, alt string) string {
	h := r.Header.Get("Authorization")
	if h == "" && alt != "" {
		h = r.Header.Get(alt)
	}
	return strings.TrimPrefix(h, "Bearer ")
}

// readJSON decodes a request body as a JSON object; ok is false when it is
// not one.
func readJSON(r *http.Request) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// validationError is FastAPI's 422 body. Like pydantic it echoes the
// input, which is how a careless client leaks a value into its errors.
func validationError(items ...map[string]any) response {
	return jsonResponse(http.StatusUnprocessableEntity, map[string]any{"detail": items})
}

func fieldError(typ, field, msg string, input any) map[string]any {
	return map[string]any{"type": typ, "loc": []any{"body", field}, "msg": msg, "input": input}
}
