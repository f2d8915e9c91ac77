// Package clipboard is where a copied value goes and the one rule for
// taking it back: the system clipboard (the platform's tools), the
// terminal's clipboard (OSC 52), and the verified clear that both the
// terminal UI's c and 'keyward secrets copy' use. A value is cleared only
// while the clipboard still holds it, checked against a digest, so a clear
// never wipes what the user copied since. Nothing here keeps a value, and
// no error holds one.
package clipboard

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Clipboard is the system clipboard. It can be read back, which is what
// lets a copied value be cleared only while the clipboard still holds it.
type Clipboard interface {
	WriteText(ctx context.Context, text string) error
	ReadText(ctx context.Context) (string, error)
}

// systemClipboard runs the platform's clipboard tools. The value goes through
// stdin, never argv, so it cannot be seen in the process list.
type systemClipboard struct {
	write, read []string
}

// System picks the clipboard tool for this session, or returns nil when
// there is none (for example over SSH without X forwarding).
func System() Clipboard {
	has := func(name string) bool { _, err := exec.LookPath(name); return err == nil }
	switch {
	case runtime.GOOS == "darwin" && has("pbcopy"):
		return systemClipboard{write: []string{"pbcopy"}, read: []string{"pbpaste"}}
	case os.Getenv("WAYLAND_DISPLAY") != "" && has("wl-copy"):
		return systemClipboard{write: []string{"wl-copy"}, read: []string{"wl-paste", "--no-newline"}}
	case os.Getenv("DISPLAY") != "" && has("xclip"):
		return systemClipboard{write: []string{"xclip", "-selection", "clipboard", "-in"}, read: []string{"xclip", "-selection", "clipboard", "-out"}}
	case os.Getenv("DISPLAY") != "" && has("xsel"):
		return systemClipboard{write: []string{"xsel", "--clipboard", "--input"}, read: []string{"xsel", "--clipboard", "--output"}}
	}
	return nil
}

func (c systemClipboard) WriteText(ctx context.Context, text string) error {
	cmd := exec.CommandContext(ctx, c.write[0], c.write[1:]...)
	cmd.Stdin = strings.NewReader(text)
	if err := cmd.Run(); err != nil {
		return errors.New("clipboard: " + c.write[0] + " failed")
	}
	return nil
}

func (c systemClipboard) ReadText(ctx context.Context) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, c.read[0], c.read[1:]...)
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		// An empty X selection makes xclip fail: treat it as empty.
		return "", nil
	}
	return out.String(), nil
}

// Digest is what is kept of a copied value instead of the value: enough
// to tell later whether the clipboard still holds it.
func Digest(value string) [32]byte { return sha256.Sum256([]byte(value)) }

// Holds reports whether content is the value whose digest is sum.
func Holds(content string, sum [32]byte) bool { return Digest(content) == sum }

// ClearIfHolds empties c if it still holds the value whose digest is sum,
// and reports whether it did; false (and no error) means the clipboard
// holds something else now and was left alone.
func ClearIfHolds(ctx context.Context, c Clipboard, sum [32]byte) (cleared bool, err error) {
	cur, err := c.ReadText(ctx)
	if err != nil {
		return false, err
	}
	if !Holds(cur, sum) {
		return false, nil
	}
	if err := c.WriteText(ctx, ""); err != nil {
		return false, err
	}
	return true, nil
}

// OSC 52 is the terminal's clipboard: an escape sequence that sets it
// (which works over SSH), and one that asks for it, which many terminals
// do not answer.
const (
	osc52Prefix = "\x1b]52;c;"
	// OSC52Query asks the terminal for its clipboard; ParseOSC52Reply
	// reads the answer.
	OSC52Query = osc52Prefix + "?\a"
)

// OSC52Set is the sequence that puts text on the terminal's clipboard;
// OSC52Set("") empties it.
func OSC52Set(text string) string {
	return osc52Prefix + base64.StdEncoding.EncodeToString([]byte(text)) + "\a"
}

// ParseOSC52Reply reads a terminal's answer to OSC52Query from b, which
// may hold other bytes before it. done is false while the answer is
// incomplete (read more); a complete answer that is not base64 is an
// error. Terminals name the selection ("c", "p", "s", or none) and end
// with BEL or ST (ESC \).
func ParseOSC52Reply(b []byte) (text string, done bool, err error) {
	i := bytes.Index(b, []byte("\x1b]52;"))
	if i < 0 {
		return "", false, nil
	}
	rest := b[i+len("\x1b]52;"):]
	end := bytes.IndexByte(rest, '\a')
	if st := bytes.Index(rest, []byte("\x1b\\")); st >= 0 && (end < 0 || st < end) {
		end = st
	}
	if end < 0 {
		return "", false, nil
	}
	body := rest[:end]
	semi := bytes.IndexByte(body, ';')
	if semi < 0 {
		return "", true, errors.New("clipboard: the terminal's OSC 52 answer has no selection")
	}
	data, err := base64.StdEncoding.DecodeString(string(body[semi+1:]))
	if err != nil {
		return "", true, errors.New("clipboard: the terminal's OSC 52 answer is not base64")
	}
	return string(data), true, nil
}
