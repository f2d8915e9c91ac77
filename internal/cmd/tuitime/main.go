//go:build unix

// Command tuitime times keyward's terminal UI through a pseudo-terminal:
// how long the first frame that shows the list takes, and how long each kind
// of key takes to reach the screen. scripts/bench runs it; it is not part of
// the keyward binary.
//
//	go run ./internal/cmd/tuitime -size 200x60 -rounds 30 -- ./keyward --index /tmp/index-10000.toml
//
// It starts the program in a pseudo-terminal of the given size with
// TERM=xterm-256color, HOME and XDG_CONFIG_HOME, XDG_DATA_HOME,
// XDG_CACHE_HOME, XDG_STATE_HOME and XDG_RUNTIME_DIR in a temporary folder,
// KEYWARD_TASKS an empty folder there (so no task files are read), and a
// config.toml that only makes status messages stay for an hour (a
// status that expires mid-measurement would draw a frame no key asked for).
// Everything else in the environment is passed on: run it inside a private
// keyring session (.ci/run with-keyring), or with none; the list does not
// read values.
//
// What it measures:
//
//   - first-frame: from just before the program is started to the read of
//     the output that completes the list's header count ("N of M", which the
//     header shows only once the index is loaded; the "reading the index…"
//     frame before it does not count), with the ANSI sequences removed so
//     the renderer's choice of cursor moves does not matter. The program is
//     started -starts times (each one quit with q after its first frame).
//   - key → frame, per key kind, in the last start: from just before the
//     key's bytes are written to the terminal to the end of the frame it
//     causes, where the frame is the first output after the write and every
//     output that follows it with gaps shorter than -settle (2 ms); its end
//     is the time the last of those reads returned. Before each key, output
//     is drained until the terminal has been quiet for -quiet (100 ms), so
//     the frame of one key is never counted for the next, and then the
//     driver waits a random part of a tick.
//
// Bubble Tea draws on a 60 fps ticker, not after every update, so each key's
// time includes the wait for the next tick (0–16.7 ms, 8.3 ms on average) on
// top of keyward's own work. Without the random pause every key would be
// sent just after a tick (the drain ends a whole number of ticks after the
// last frame) and wait nearly a whole one. A lone esc also waits for the
// input reader's escape timeout (50 ms, ultraviolet's DefaultEscTimeout,
// which Bubble Tea v2 does not let a program change) to decide that no more
// bytes of an escape sequence follow. A terminal that speaks the kitty
// keyboard protocol, which Bubble Tea asks for, sends esc as CSI 27 u and
// does not wait: -kitty sends that instead. A key that draws nothing within
// -wait counts as missed and is left out of the times.
//
// The keys, once per round: down arrow, page down, / (opens the filter), each
// letter of -word (filter keystrokes), esc (leaves the filter, which stays),
// esc (clears the filter) and s (the next sort order). Each round starts at
// the top of the list (g, not timed): a selection that the filter and the
// sorts carried to the last row made page down move nothing, so it drew
// nothing and counted as missed (the bench's rotated secret, first by
// update and last by due, at 200x60). Then it reads the
// program's peak resident set (VmHWM in /proc/PID/status), sends q, and kills
// the program's process group if it has not left within a second. A run that
// exceeds -timeout, or an interrupt, kills it too.
//
// Output, one line each, times in milliseconds (p99 is the nearest-rank
// percentile: with fewer than 100 values, the largest):
//
//	first-frame n 5 median 123.4 p99 150.2
//	key down n 30 missed 0 median 14.2 p99 17.9
//	peak-rss-kb 123456
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tuitime:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	res, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tuitime:", err)
		os.Exit(1)
	}
	_, _ = io.WriteString(os.Stdout, res.format())
}

// config is what one run measures.
type config struct {
	cols, rows int
	starts     int
	rounds     int
	word       string
	esc        string        // the escape key's bytes
	settle     time.Duration // a gap this long ends a frame
	quiet      time.Duration // drained before each key
	wait       time.Duration // the longest wait for a key's frame
	timeout    time.Duration // the whole run
	marker     *regexp.Regexp
	argv       []string
}

// defaultMarker is the header's count, drawn once the index is loaded.
var defaultMarker = regexp.MustCompile(`[0-9]+ of [0-9]+`)

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("tuitime", flag.ContinueOnError)
	size := fs.String("size", "80x24", "the terminal's `COLSxROWS`")
	starts := fs.Int("starts", 5, "how many times the program is started for its first frame (the keys are timed in the last)")
	rounds := fs.Int("rounds", 30, "how many times each key is timed")
	word := fs.String("word", "billing", "the filter `word` typed each round, one letter at a time")
	kitty := fs.Bool("kitty", false, "send esc as a terminal with the kitty keyboard protocol does (CSI 27 u), not as a lone ESC")
	settle := fs.Duration("settle", 2*time.Millisecond, "a gap in the output this long ends a frame")
	quiet := fs.Duration("quiet", 100*time.Millisecond, "how long the output must be quiet before each key")
	wait := fs.Duration("wait", 30*time.Second, "the longest wait for a key's frame")
	timeout := fs.Duration("timeout", 10*time.Minute, "the longest the whole run may take")
	marker := fs.String("marker", defaultMarker.String(), "the `regexp` (on the output without ANSI sequences) that marks the first frame with the list")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	cols, rows, err := parseSize(*size)
	if err != nil {
		return config{}, err
	}
	re, err := regexp.Compile(*marker)
	if err != nil {
		return config{}, fmt.Errorf("-marker: %v", err)
	}
	if fs.NArg() == 0 {
		return config{}, errors.New("usage: tuitime [flags] -- PROGRAM [ARGS...]")
	}
	if *starts < 1 || *rounds < 1 || *word == "" || *settle <= 0 || *wait <= 0 || *timeout <= 0 {
		return config{}, errors.New("-starts, -rounds, -word, -settle, -wait and -timeout must be positive")
	}
	argv := fs.Args()
	esc := "\x1b"
	if *kitty {
		esc = "\x1b[27u"
	}
	return config{cols: cols, rows: rows, starts: *starts, rounds: *rounds, word: *word, esc: esc, settle: *settle, quiet: *quiet,
		wait: *wait, timeout: *timeout, marker: re, argv: argv}, nil
}

// parseSize reads "80x24".
func parseSize(s string) (cols, rows int, err error) {
	c, r, ok := strings.Cut(s, "x")
	cols, err1 := strconv.Atoi(c)
	rows, err2 := strconv.Atoi(r)
	if !ok || err1 != nil || err2 != nil || cols < 1 || rows < 1 || cols > 1000 || rows > 1000 {
		return 0, 0, fmt.Errorf("size %q: want COLSxROWS such as 80x24", s)
	}
	return cols, rows, nil
}

// A key is one kind of key press: its name in the output and its bytes.
type key struct {
	name  string
	bytes string
}

// roundStart is sent, not timed, before each round's keys: g, to the top
// of the list, so that down and page down always have a row to move to.
const roundStart = "g"

// round is the keys of one round, in order; esc is the escape key's bytes.
func round(word, esc string) []key {
	keys := []key{{"down", "\x1b[B"}, {"pgdown", "\x1b[6~"}, {"filter-open", "/"}}
	for _, r := range word {
		keys = append(keys, key{"filter-key", string(r)})
	}
	return append(keys, key{"esc-leave-filter", esc}, key{"esc-clear-filter", esc}, key{"sort", "s"})
}

// result is what a run measured.
type result struct {
	firstFrames []time.Duration
	order       []string                   // key names, first seen first
	times       map[string][]time.Duration // per key name
	missed      map[string]int
	peakRSSKB   int64
	pids        []int // the program's, for the test that checks they are gone
}

func (r *result) add(name string, d time.Duration, ok bool) {
	if r.times == nil {
		r.times, r.missed = map[string][]time.Duration{}, map[string]int{}
	}
	if _, seen := r.times[name]; !seen {
		r.order = append(r.order, name)
		r.times[name] = nil
	}
	if ok {
		r.times[name] = append(r.times[name], d)
	} else {
		r.missed[name]++
	}
}

// format is the output: one line per measurement.
func (r *result) format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "first-frame n %d median %s p99 %s\n", len(r.firstFrames), ms(percentile(r.firstFrames, 50)), ms(percentile(r.firstFrames, 99)))
	for _, name := range r.order {
		ts := r.times[name]
		fmt.Fprintf(&b, "key %s n %d missed %d median %s p99 %s\n", name, len(ts), r.missed[name],
			ms(percentile(ts, 50)), ms(percentile(ts, 99)))
	}
	fmt.Fprintf(&b, "peak-rss-kb %d\n", r.peakRSSKB)
	return b.String()
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

// percentile is the nearest-rank percentile p (0–100] of ds, 0 for none: the
// smallest value with at least p% of the values at or below it. The median
// of an even count is the lower middle value.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100 + 0.999999999)
	return s[min(max(rank, 1), len(s))-1]
}

// A chunk is one read of the terminal's output and when it returned.
type chunk struct {
	at   time.Time
	data []byte
}

// readChunks sends every read of r to the channel it returns, closed at
// the end of the output.
func readChunks(r io.Reader) <-chan chunk {
	ch := make(chan chunk, 1024)
	go func() {
		defer close(ch)
		buf := make([]byte, 64<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				ch <- chunk{at: time.Now(), data: slices.Clone(buf[:n])}
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

var trace = os.Getenv("TUITIME_TRACE") != ""

var errEnded = errors.New("the program's output ended")

// tick is Bubble Tea's frame interval at its default 60 fps.
const tick = time.Second / 60

// maxScan bounds the output kept to look for the marker.
const maxScan = 8 << 20

// waitMarker reads chunks until the output, without its ANSI sequences,
// matches marker, and returns the time of the read that completed it.
func waitMarker(ctx context.Context, chunks <-chan chunk, marker *regexp.Regexp) (time.Time, error) {
	var raw []byte
	for {
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("no frame matched %q: %w (output so far: %q)", marker, ctx.Err(), tail(ansi.Strip(string(raw)), 300))
		case c, ok := <-chunks:
			if !ok {
				return time.Time{}, fmt.Errorf("no frame matched %q: %w (output: %q)", marker, errEnded, tail(ansi.Strip(string(raw)), 300))
			}
			raw = append(raw, c.data...)
			if len(raw) > maxScan {
				raw = raw[len(raw)-maxScan:]
			}
			if marker.MatchString(ansi.Strip(string(raw))) {
				return c.at, nil
			}
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// drain discards output until there has been none for quiet, or until
// limit has passed.
func drain(chunks <-chan chunk, quiet, limit time.Duration) error {
	end := time.After(limit)
	t := time.NewTimer(quiet)
	defer t.Stop()
	for {
		select {
		case <-end:
			return nil
		case <-t.C:
			return nil
		case _, ok := <-chunks:
			if !ok {
				return errEnded
			}
			t.Reset(quiet)
		}
	}
}

// frameAfter waits up to wait for the first output, then reads until a gap
// of settle, and returns the time from sent to the last read of that frame.
// ok is false when nothing came within wait.
func frameAfter(chunks <-chan chunk, sent time.Time, settle, wait time.Duration) (d time.Duration, ok bool, err error) {
	var last time.Time
	select {
	case c, open := <-chunks:
		if !open {
			return 0, false, errEnded
		}
		last = c.at
		if trace {
			fmt.Fprintf(os.Stderr, "first %.2f ms %d bytes\n", float64(c.at.Sub(sent))/1e6, len(c.data))
		}
	case <-time.After(wait):
		return 0, false, nil
	}
	t := time.NewTimer(settle)
	defer t.Stop()
	for {
		select {
		case c, open := <-chunks:
			if !open {
				return last.Sub(sent), true, nil
			}
			last = c.at
			if trace {
				fmt.Fprintf(os.Stderr, "  more %.2f ms %d bytes\n", float64(c.at.Sub(sent))/1e6, len(c.data))
			}
			t.Reset(settle)
		case <-t.C:
			return last.Sub(sent), true, nil
		}
	}
}

// peakRSSKB reads VmHWM, the peak resident set, from /proc/PID/status.
func peakRSSKB(pid int) (int64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	return parseVmHWM(string(data))
}

func parseVmHWM(status string) (int64, error) {
	for line := range strings.SplitSeq(status, "\n") {
		v, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, errors.New("no VmHWM line in /proc/PID/status")
}

// env is the child's environment: the driver's, with the terminal and the
// per-user folders replaced.
func env(base []string, dir string) []string {
	set := map[string]string{
		"TERM":            "xterm-256color",
		"HOME":            dir,
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"XDG_DATA_HOME":   filepath.Join(dir, "data"),
		"XDG_CACHE_HOME":  filepath.Join(dir, "cache"),
		"XDG_STATE_HOME":  filepath.Join(dir, "state"),
		"XDG_RUNTIME_DIR": filepath.Join(dir, "runtime"),
		"KEYWARD_TASKS":   filepath.Join(dir, "tasks"),
	}
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, replaced := set[k]; replaced || k == "COLUMNS" || k == "LINES" || k == "NO_COLOR" {
			continue
		}
		out = append(out, kv)
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range set {
			if !yield(k) {
				return
			}
		}
	}) {
		out = append(out, k+"="+set[k])
	}
	return out
}

// A session is one start of the program in its own pseudo-terminal.
type session struct {
	cmd    *exec.Cmd
	ptmx   *os.File
	chunks <-chan chunk
	exited chan struct{}
	start  time.Time // just before the program was started
}

// startSession starts cfg's program in a terminal of cfg's size, in dir.
// Its end (the timeout, an interrupt) kills the program, which ends the
// output every wait reads.
func startSession(ctx context.Context, cfg config, dir string) (*session, error) {
	cmd := exec.Command(cfg.argv[0], cfg.argv[1:]...)
	cmd.Env = env(os.Environ(), dir)
	s := &session{cmd: cmd, exited: make(chan struct{}), start: time.Now()}
	// pty.Start makes the program a session (and process group) leader
	// with the terminal as its controlling terminal.
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cfg.cols), Rows: uint16(cfg.rows)})
	if err != nil {
		return nil, err
	}
	s.ptmx = ptmx
	go func() { _ = cmd.Wait(); close(s.exited) }()
	go func() {
		select {
		case <-ctx.Done():
			s.kill()
		case <-s.exited:
		}
	}()
	s.chunks = readChunks(ptmx)
	return s, nil
}

// kill kills the program's process group (a no-op once it has left).
func (s *session) kill() {
	select {
	case <-s.exited:
	default:
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// stop asks the program to quit (q), kills its process group if it has not
// left within a second, reads the rest of its output (so the reader is not
// left blocked) and closes the terminal.
func (s *session) stop() {
	_, _ = io.WriteString(s.ptmx, "q")
	select {
	case <-s.exited:
	case <-time.After(time.Second):
		s.kill()
		<-s.exited
	}
	end := time.After(time.Second)
rest:
	for {
		select {
		case _, open := <-s.chunks:
			if !open {
				break rest
			}
		case <-end:
			break rest
		}
	}
	_ = s.ptmx.Close()
}

// firstFrame is the time from the start to the first frame with the list.
func (s *session) firstFrame(ctx context.Context, marker *regexp.Regexp) (time.Duration, error) {
	at, err := waitMarker(ctx, s.chunks, marker)
	if err != nil {
		return 0, fmt.Errorf("first frame: %w", err)
	}
	return at.Sub(s.start), nil
}

// run starts the program -starts times, measures, and stops it: on every way
// out, the program's process group is killed if it is still there.
func run(ctx context.Context, cfg config) (res result, err error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	defer func() {
		// The program was killed for it: say why rather than what broke.
		switch {
		case err == nil:
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			err = fmt.Errorf("the run took longer than -timeout %s (%w)", cfg.timeout, err)
		case ctx.Err() != nil:
			err = fmt.Errorf("interrupted (%w)", err)
		}
	}()
	dir, err := os.MkdirTemp("", "tuitime-")
	if err != nil {
		return res, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	for _, sub := range []string{"config/keyward", "data", "cache", "state", "runtime", "tasks"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return res, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config/keyward/config.toml"), []byte("status_timeout = \"1h\"\n"), 0o600); err != nil {
		return res, err
	}

	var s *session
	defer func() {
		if s != nil {
			s.stop()
		}
	}()
	for range cfg.starts {
		if s != nil {
			s.stop()
		}
		if s, err = startSession(ctx, cfg, dir); err != nil {
			return res, err
		}
		res.pids = append(res.pids, s.cmd.Process.Pid)
		d, err := s.firstFrame(ctx, cfg.marker)
		if err != nil {
			return res, err
		}
		res.firstFrames = append(res.firstFrames, d)
	}

	keys := round(cfg.word, cfg.esc)
	for range cfg.rounds {
		// To the top, not timed: the drain before the first key takes
		// its frame.
		if _, err := io.WriteString(s.ptmx, roundStart); err != nil {
			return res, fmt.Errorf("writing g: %w", err)
		}
		for _, k := range keys {
			if err := drain(s.chunks, cfg.quiet, cfg.wait); err != nil {
				return res, fmt.Errorf("before %s: %w", k.name, err)
			}
			// The drain ended a whole number of ticks after the last
			// frame, near the start of a tick; a random pause spreads
			// the keys over the tick instead.
			time.Sleep(rand.N(tick))
			sent := time.Now()
			if _, err := io.WriteString(s.ptmx, k.bytes); err != nil {
				return res, fmt.Errorf("writing %s: %w", k.name, err)
			}
			d, ok, err := frameAfter(s.chunks, sent, cfg.settle, cfg.wait)
			if err != nil {
				return res, fmt.Errorf("after %s: %w", k.name, err)
			}
			res.add(k.name, d, ok)
		}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	res.peakRSSKB, err = peakRSSKB(s.cmd.Process.Pid)
	return res, err
}
