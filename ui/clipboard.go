package ui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Clipboard is the system clipboard. keyward also copies through the
// terminal (OSC 52), which works over SSH; this is the local clipboard beside
// it, which can also be read back, so a copied value is cleared only while
// the clipboard still holds it.
type Clipboard interface {
	WriteText(ctx context.Context, text string) error
	ReadText(ctx context.Context) (string, error)
}

// systemClipboard runs the platform's clipboard tools. The value goes through
// stdin, never argv, so it cannot be seen in the process list.
type systemClipboard struct {
	write, read []string
}

// newSystemClipboard picks the clipboard tool for this session, or returns
// nil when there is none (for example over SSH without X forwarding).
func newSystemClipboard() Clipboard {
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
