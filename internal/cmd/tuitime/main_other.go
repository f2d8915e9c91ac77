//go:build !unix

// Command tuitime times keyward's terminal UI through a pseudo-terminal
// (main.go); it needs a Unix one, and says so elsewhere.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "tuitime: needs a Unix pseudo-terminal (Linux, macOS, the BSDs)")
	os.Exit(2)
}
