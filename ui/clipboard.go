package ui

import "github.com/keyward/keyward/clipboard"

// Clipboard is the system clipboard (package clipboard, shared with
// 'keyward secrets copy'). keyward also copies through the terminal (OSC
// 52), which works over SSH; this is the local clipboard beside it, which
// can also be read back, so a copied value is cleared only while the
// clipboard still holds it.
type Clipboard = clipboard.Clipboard

// newSystemClipboard picks the clipboard tool for this session, or returns
// nil when there is none.
func newSystemClipboard() Clipboard { return clipboard.System() }
