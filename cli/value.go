package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/keyward/keyward/model"
)

// terminal is what keyward asks of the terminal it runs in. Tests replace it
// to drive the prompts that only appear on a terminal.
type terminal interface {
	// StdinIsTerminal, StdoutIsTerminal and StderrIsTerminal report
	// whether the streams are attached to a terminal.
	StdinIsTerminal() bool
	StdoutIsTerminal() bool
	StderrIsTerminal() bool
	// ReadHidden reads one line from the terminal without echoing it.
	ReadHidden() (string, error)
	// ReadLine reads one line from the terminal, echoed.
	ReadLine() (string, error)
}

type osTerminal struct{}

func (osTerminal) StdinIsTerminal() bool  { return term.IsTerminal(int(os.Stdin.Fd())) }
func (osTerminal) StdoutIsTerminal() bool { return term.IsTerminal(int(os.Stdout.Fd())) }
func (osTerminal) StderrIsTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }

func (osTerminal) ReadHidden() (string, error) {
	fd := int(os.Stdin.Fd())
	// ReadPassword turns echo off; if ctrl-c kills us mid-prompt the shell
	// would be left without echo, so restore the terminal first.
	if st, err := term.GetState(fd); err == nil {
		sig := make(chan os.Signal, 1)
		done := make(chan struct{})
		signal.Notify(sig, os.Interrupt)
		defer func() { signal.Stop(sig); close(done) }()
		go func() {
			select {
			case <-sig:
				_ = term.Restore(fd, st)
				fmt.Fprintln(os.Stderr)
				os.Exit(130)
			case <-done:
			}
		}()
	}
	b, err := term.ReadPassword(fd)
	return string(b), err
}

func (osTerminal) ReadLine() (string, error) {
	// One byte at a time, so nothing past the line is consumed.
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := os.Stdin.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return strings.TrimSuffix(b.String(), "\r"), nil
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return b.String(), nil
			}
			return "", err
		}
	}
}

// valueFlags are the ways create and rotate take a value.
type valueFlags struct {
	stdin    bool
	value    string
	generate bool
	length   int
	symbols  bool
}

func (vf *valueFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&vf.stdin, "value-stdin", false, "read the value from stdin (byte-exact; one trailing newline of a single line is dropped)")
	f.StringVar(&vf.value, "value", "", "the value `V` itself (warning: lands in shell history and process listings)")
	f.BoolVar(&vf.generate, "generate", false, "generate a random value with crypto/rand; it is never printed")
	f.IntVar(&vf.length, "length", model.DefaultGenerateLength, "length of a generated value (8-4096)")
	f.BoolVar(&vf.symbols, "symbols", false, "add punctuation to a generated value")
}

// readValue gets the value for name from the flags, stdin or a prompt, and
// returns how it was generated (nil for a value not generated), which the
// record keeps and the success message reports. --generate without --length
// or --symbols takes them from recorded, the spec the current value was
// generated with (nil for none); a flag given wins. It never prints the
// value.
func (a *app) readValue(cmd *cobra.Command, vf *valueFlags, name string, recorded *model.GenSpec) (value string, gen *model.GenSpec, err error) {
	f := cmd.Flags()
	sources := 0
	for _, n := range []string{"value-stdin", "value", "generate"} {
		if f.Changed(n) {
			sources++
		}
	}
	if sources > 1 {
		return "", nil, usagef("--value-stdin, --value and --generate cannot be combined")
	}
	if !vf.generate && (f.Changed("length") || f.Changed("symbols")) {
		return "", nil, usagef("--length and --symbols need --generate")
	}
	switch {
	case vf.generate:
		spec := model.GenSpec{Length: vf.length, Symbols: vf.symbols}
		if recorded != nil {
			if !f.Changed("length") {
				spec.Length = recorded.Length
			}
			if !f.Changed("symbols") {
				spec.Symbols = recorded.Symbols
			}
		}
		v, err := spec.Generate()
		if err != nil {
			return "", nil, err
		}
		return v, &spec, nil
	case f.Changed("value"):
		fmt.Fprintln(a.stderr, "keyward: warning: --value leaves the value in your shell history and in process listings; prefer the prompt or --value-stdin")
		return vf.value, nil, model.ValidateValue(vf.value)
	case vf.stdin || !a.term.StdinIsTerminal():
		if a.term.StdinIsTerminal() {
			fmt.Fprintln(a.stderr, "keyward: reading the value from the terminal until ctrl-d; it echoes what you type (omit --value-stdin to be asked without echo)")
		}
		v, err := readStdinValue(a.stdin)
		if err != nil {
			return "", nil, err
		}
		if err := model.ValidateValue(v); err != nil {
			if v == "" {
				return "", nil, withHint(err, "pipe the value on stdin, use --generate, or run keyward on a terminal to be prompted")
			}
			return "", nil, err
		}
		return v, nil, nil
	}
	v, err := a.promptValue(name)
	return v, nil, err
}

// promptValue asks twice on the terminal, without echo.
func (a *app) promptValue(name string) (string, error) {
	fmt.Fprintf(a.stderr, "Value for %s (input hidden): ", name)
	v1, err := a.term.ReadHidden()
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("read the value: %w", err)
	}
	if err := model.ValidateValue(v1); err != nil {
		return "", err
	}
	fmt.Fprintf(a.stderr, "Repeat the value for %s: ", name)
	v2, err := a.term.ReadHidden()
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("read the value: %w", err)
	}
	if v1 != v2 {
		return "", &model.ValidationError{Field: "value", Msg: "the two entries differ; nothing was changed"}
	}
	return v1, nil
}

// readStdinValue reads all of r. A single line loses its one trailing
// newline (as typed or as echo prints it); multi-line input stays
// byte-exact.
func readStdinValue(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), model.MaxValueLen+3))
	if err != nil {
		return "", fmt.Errorf("read the value from stdin: %w", err)
	}
	if len(b) > model.MaxValueLen+2 {
		return "", &model.ValidationError{Field: "value", Msg: fmt.Sprintf("is larger than the limit of %d bytes (64 KiB)", model.MaxValueLen)}
	}
	return trimSingleLine(b), nil
}

func trimSingleLine(b []byte) string {
	line, ok := bytes.CutSuffix(b, []byte("\n"))
	if !ok || bytes.IndexByte(line, '\n') >= 0 {
		return string(b)
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	return string(line)
}

// storedText checks a value read from the store before it goes anywhere as
// text (get --reveal --json, export, run, copy). model.ValidateValue keeps
// bytes that are not UTF-8 out of the store; a value stored before that
// rule, or by another program under keyward's service, is refused here
// rather than mangled. get --plain still prints it byte for byte: the way
// to get it out.
func storedText(name, value string) error {
	if utf8.ValidString(value) {
		return nil
	}
	name = model.Printable(name)
	return withHint(fmt.Errorf("%s: the stored value is not UTF-8 text, which keyward's values must be", name),
		"save its bytes with 'keyward secrets get "+name+" --plain > FILE', then store text (base64 of FILE, say) with 'keyward secrets rotate "+name+"'")
}
