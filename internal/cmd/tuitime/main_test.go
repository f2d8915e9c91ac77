//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.M{M: m}.Run()) }

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in         string
		cols, rows int
		ok         bool
	}{
		{"80x24", 80, 24, true},
		{"200x60", 200, 60, true},
		{"80", 0, 0, false},
		{"80x", 0, 0, false},
		{"x24", 0, 0, false},
		{"0x24", 0, 0, false},
		{"80x-1", 0, 0, false},
		{"80X24", 0, 0, false},
		{"5000x24", 0, 0, false},
	} {
		cols, rows, err := parseSize(tc.in)
		if (err == nil) != tc.ok || cols != tc.cols || rows != tc.rows {
			t.Errorf("parseSize(%q) = %d, %d, %v; want %d, %d, ok %v", tc.in, cols, rows, err, tc.cols, tc.rows, tc.ok)
		}
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-size", "200x60", "-rounds", "3", "--", "keyward", "--index", "i.toml"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.cols != 200 || cfg.rows != 60 || cfg.rounds != 3 || cfg.esc != "\x1b" || !slices.Equal(cfg.argv, []string{"keyward", "--index", "i.toml"}) {
		t.Errorf("parseFlags = %+v", cfg)
	}
	if cfg, err = parseFlags([]string{"-kitty", "keyward"}); err != nil || cfg.esc != "\x1b[27u" {
		t.Errorf("parseFlags(-kitty) = esc %q, %v; want CSI 27 u", cfg.esc, err)
	}
	for _, args := range [][]string{{}, {"-rounds", "0", "keyward"}, {"-marker", "(", "keyward"}, {"-size", "big", "keyward"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded", args)
		}
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // 1..100 ms, unsorted
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ds, 50, 50 * time.Millisecond},
		{ds, 99, 99 * time.Millisecond},
		{ds, 100, 100 * time.Millisecond},
		{ds[:1], 99, 100 * time.Millisecond},
		{[]time.Duration{3, 1, 2}, 50, 2},
		{[]time.Duration{4, 1, 3, 2}, 50, 2},
		{[]time.Duration{4, 1, 3, 2}, 99, 4},
	} {
		if got := percentile(tc.ds, tc.p); got != tc.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(tc.ds), tc.p, got, tc.want)
		}
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("percentile sorted its argument")
	}
}

func TestParseVmHWM(t *testing.T) {
	status := "Name:\tkeyward\nVmPeak:\t 1300000 kB\nVmHWM:\t   24340 kB\nVmRSS:\t   20000 kB\n"
	if got, err := parseVmHWM(status); got != 24340 || err != nil {
		t.Errorf("parseVmHWM = %d, %v; want 24340", got, err)
	}
	if _, err := parseVmHWM("Name:\tkeyward\n"); err == nil {
		t.Error("parseVmHWM without VmHWM succeeded")
	}
}

func TestRound(t *testing.T) {
	var names []string
	for _, k := range round("ab", "\x1b") {
		names = append(names, k.name+"="+fmt.Sprintf("%q", k.bytes))
	}
	want := []string{`down="\x1b[B"`, `pgdown="\x1b[6~"`, `filter-open="/"`, `filter-key="a"`, `filter-key="b"`,
		`esc-leave-filter="\x1b"`, `esc-clear-filter="\x1b"`, `sort="s"`}
	if !slices.Equal(names, want) {
		t.Errorf("round(\"ab\") = %q, want %q", names, want)
	}
}

func TestFormat(t *testing.T) {
	var r result
	r.firstFrames = []time.Duration{1234567 * time.Microsecond / 10, 200 * time.Millisecond, 100 * time.Millisecond}
	r.add("down", 10*time.Millisecond, true)
	r.add("down", 20*time.Millisecond, true)
	r.add("down", 0, false)
	r.add("sort", 0, false)
	r.peakRSSKB = 2048
	want := "first-frame n 3 median 123.5 p99 200.0\n" +
		"key down n 2 missed 1 median 10.0 p99 20.0\n" +
		"key sort n 0 missed 1 median 0.0 p99 0.0\n" +
		"peak-rss-kb 2048\n"
	if got := r.format(); got != want {
		t.Errorf("format =\n%s\nwant\n%s", got, want)
	}
}

// feed returns a channel holding the chunks, closed after them when end.
func feed(end bool, cs ...chunk) <-chan chunk {
	ch := make(chan chunk, len(cs))
	for _, c := range cs {
		ch <- c
	}
	if end {
		close(ch)
	}
	return ch
}

func TestFrameAfter(t *testing.T) {
	sent := time.Now()
	at := func(ms int) time.Time { return sent.Add(time.Duration(ms) * time.Millisecond) }

	// The frame ends at the last read before a quiet gap: the reads' own
	// times count, not when frameAfter saw them.
	d, ok, err := frameAfter(feed(false, chunk{at(12), []byte("a")}, chunk{at(13), []byte("b")}), sent, time.Millisecond, time.Second)
	if d != 13*time.Millisecond || !ok || err != nil {
		t.Errorf("frameAfter(two reads) = %v, %v, %v; want 13ms, true", d, ok, err)
	}
	// Nothing within wait: missed, not an error.
	d, ok, err = frameAfter(feed(false), sent, time.Millisecond, 10*time.Millisecond)
	if d != 0 || ok || err != nil {
		t.Errorf("frameAfter(no output) = %v, %v, %v; want 0, false, nil", d, ok, err)
	}
	// The program left.
	if _, _, err = frameAfter(feed(true), sent, time.Millisecond, time.Second); !errors.Is(err, errEnded) {
		t.Errorf("frameAfter(ended) = %v, want errEnded", err)
	}
	// A frame the end of the output cuts short still counts.
	d, ok, err = frameAfter(feed(true, chunk{at(5), []byte("a")}), sent, time.Second, time.Second)
	if d != 5*time.Millisecond || !ok || err != nil {
		t.Errorf("frameAfter(a read, then the end) = %v, %v, %v; want 5ms, true", d, ok, err)
	}
}

func TestWaitMarker(t *testing.T) {
	t0 := time.Now()
	// The marker spans two reads and a style, and an escape sequence is
	// cut between the reads; the loading frame before it has no count.
	ch := feed(true,
		chunk{t0, []byte("\x1b[?1049hkeyward  reading the index…")},
		chunk{t0.Add(time.Millisecond), []byte("\x1b[2;1Hkeyward   1000 o\x1b[")},
		chunk{t0.Add(2 * time.Millisecond), []byte("2mf 1000 · sort: updated\x1b[m")},
		chunk{t0.Add(3 * time.Millisecond), []byte("later")},
	)
	got, err := waitMarker(context.Background(), ch, defaultMarker)
	if err != nil || !got.Equal(t0.Add(2*time.Millisecond)) {
		t.Errorf("waitMarker = %v, %v; want the third read's time", got.Sub(t0), err)
	}
	_, err = waitMarker(context.Background(), feed(true, chunk{t0, []byte("reading the index…")}), defaultMarker)
	if !errors.Is(err, errEnded) || !strings.Contains(err.Error(), "reading the index") {
		t.Errorf("waitMarker(no count) = %v, want errEnded with the output", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err = waitMarker(ctx, feed(false), regexp.MustCompile("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("waitMarker(cancelled) = %v", err)
	}
}

func TestEnv(t *testing.T) {
	got := env([]string{"PATH=/bin", "HOME=/root", "TERM=dumb", "COLUMNS=10", "KEYWARD_TASKS=/src/tasks", "XDG_CONFIG_HOME=/root/.config", "DBUS_SESSION_BUS_ADDRESS=unix:x"}, "/tmp/d")
	want := []string{"PATH=/bin", "DBUS_SESSION_BUS_ADDRESS=unix:x", "HOME=/tmp/d", "KEYWARD_TASKS=/tmp/d/tasks", "TERM=xterm-256color",
		"XDG_CACHE_HOME=/tmp/d/cache", "XDG_CONFIG_HOME=/tmp/d/config", "XDG_DATA_HOME=/tmp/d/data",
		"XDG_RUNTIME_DIR=/tmp/d/runtime", "XDG_STATE_HOME=/tmp/d/state"}
	if !slices.Equal(got, want) {
		t.Errorf("env =\n%q\nwant\n%q", got, want)
	}
}

// writeIndex writes an index of n secrets in the shape of keyring's
// generator (gen_test.go).
func writeIndex(t *testing.T, path string, n int) {
	t.Helper()
	words := []string{"billing", "search", "ingest", "auth", "mailer", "reports", "storage", "metrics"}
	envs := []string{"prod", "staging", "dev"}
	var b strings.Builder
	b.WriteString("format = 1\n")
	for i := range n {
		w := words[i%len(words)]
		fmt.Fprintf(&b, "\n[[secret]]\nname = \"TENANT_%06d_%s_KEY\"\ndescription = \"%s API key for tenant %d\"\n", i, strings.ToUpper(w), w, i)
		b.WriteString("created_at = 2025-03-14T09:26:53Z\nupdated_at = 2025-03-14T09:26:53Z\nrotated_at = 2025-03-14T09:26:53Z\n")
		fmt.Fprintf(&b, "version = %d\nrotate_every = \"90d\"\n\n[secret.metadata]\nenv = %q\nowner = \"%s team\"\nregion = \"eu-%d\"\n", 1+i%5, envs[i%3], w, i%4)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSmoke times the built keyward on a 1,000-secret index, checks that
// every key drew a frame, and that the program is gone afterwards. It
// asserts no times.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs keyward in a pseudo-terminal")
	}
	bin := testkit.Binary(t)
	idx := filepath.Join(t.TempDir(), "index.toml")
	writeIndex(t, idx, 1000)
	cfg, err := parseFlags([]string{"-starts", "2", "-rounds", "2", "-word", "bil", "-quiet", "50ms", "-timeout", "2m", "--", bin, "--index", idx})
	if err != nil {
		t.Fatal(err)
	}
	res, err := run(context.Background(), cfg)
	for _, pid := range res.pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("keyward (pid %d) is still there after the run: kill 0 = %v", pid, err)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	wantN := map[string]int{"down": 2, "pgdown": 2, "filter-open": 2, "filter-key": 6, "esc-leave-filter": 2, "esc-clear-filter": 2, "sort": 2}
	if !slices.Equal(res.order, []string{"down", "pgdown", "filter-open", "filter-key", "esc-leave-filter", "esc-clear-filter", "sort"}) {
		t.Errorf("keys timed: %q", res.order)
	}
	for name, n := range wantN {
		if got := len(res.times[name]); got != n || res.missed[name] != 0 {
			t.Errorf("%s: %d frames, %d missed; want %d, 0", name, got, res.missed[name], n)
		}
	}
	if len(res.pids) != 2 || len(res.firstFrames) != 2 || slices.Min(res.firstFrames) <= 0 || res.peakRSSKB <= 0 {
		t.Errorf("%d starts, first frames %v, peak RSS %d kB; want 2 starts, and times and RSS above 0", len(res.pids), res.firstFrames, res.peakRSSKB)
	}
	t.Logf("\n%s", res.format())
}
