package bounded

import (
	"bytes"
	"testing"
)

// FuzzIndexYAMLControl checks the byte scan against the rune scan it
// replaces, on any bytes, valid UTF-8 or not.
func FuzzIndexYAMLControl(f *testing.F) {
	for _, s := range []string{"", "a: b\n", "a:\x00", "é\x7f", "\xff\x01", "\xe2\x80", "x\ty\r\n\x1b[0m", "日本\x1f"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := indexYAMLControl(data), bytes.IndexFunc(data, isYAMLControl); got != want {
			t.Fatalf("indexYAMLControl(%q) = %d, want %d", data, got, want)
		}
	})
}
