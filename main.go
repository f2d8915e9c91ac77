// Command keyward is a keyboard-driven terminal secrets manager: values live
// in the OS keyring, everything else in a small TOML index beside it.
package main

import (
	"os"

	"github.com/keyward/keyward/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
