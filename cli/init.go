package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/keyring"
)

func (a *app) initCmd() *cobra.Command {
	var backend string
	cmd := &cobra.Command{
		Use:         "init --backend file|keyring",
		Annotations: map[string]string{skipOpen: "yes"},
		Short:       "Choose where values live, and set up the encrypted file backend",
		Long: `Choose the backend for values and record the choice as backend in config.toml
beside the index, so every later command uses it.

--backend file keeps values encrypted (age, X25519) in a folder beside the
index: for machines without an OS keyring (SSH sessions, containers, CI, WSL).
It asks for a new passphrase twice on the terminal (or reads it once from
KEYWARD_PASSPHRASE_FD). Writes never need the passphrase; reading a value asks
for it once per command, or on Linux once per terminal session (unlock_cache
in config.toml, default 15m; 'keyward lock' forgets it).

--backend keyring uses the OS keyring (the default, auto) and checks it answers.`,
		Example: `  keyward init --backend file
  KEYWARD_PASSPHRASE_FD=3 keyward init --backend file 3< pass.txt`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.resolveIndex(); err != nil {
				return err
			}
			switch backend {
			case "file":
				if keyring.FileInitialized(a.indexPath) {
					fmt.Fprintf(a.stdout, "the file backend is already set up in %s\n", keyring.ValuesDir(a.indexPath))
				} else if err := a.setUpFile(a.stdout); err != nil {
					return err
				}
			case "keyring":
				a.backendFlag = "keyring"
				st, err := a.store()
				if err != nil {
					return err
				}
				if err := st.Ping(cmd.Context()); err != nil {
					return err
				}
			default:
				return withHint(usagef("init needs --backend file or --backend keyring"), "see 'keyward init --help'")
			}
			path := config.Path(a.indexPath)
			if err := setConfigBackend(path, backend); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "recorded backend = %q in %s\n", backend, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&backend, "backend", "", "`file` or keyring")
	return cmd
}

// setUpFile sets up the file backend of the index with a new passphrase
// and says so on w: init, and migrate --to file on its way.
func (a *app) setUpFile(w io.Writer) error {
	wf, err := a.workFactor()
	if err != nil {
		return err
	}
	pass, err := a.newPassphrase()
	if err != nil {
		return err
	}
	if err := keyring.InitFile(a.indexPath, pass, wf); err != nil {
		return err
	}
	fmt.Fprintf(w, "set up the file backend in %s\n", keyring.ValuesDir(a.indexPath))
	return nil
}

var backendLine = regexp.MustCompile(`(?m)^[ \t]*backend[ \t]*=.*$`)

// setConfigBackend sets backend = "b" in config.toml at path, keeping every
// other line: it replaces a top-level backend line or adds one at the top
// (before any [table], where a top-level key must be).
func setConfigBackend(path, b string) error {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	line := fmt.Sprintf("backend = %q", b)
	text := string(data)
	if loc := backendLine.FindStringIndex(text); loc != nil && !strings.Contains(text[:loc[0]], "[") {
		text = text[:loc[0]] + line + text[loc[1]:]
	} else {
		text = line + "\n" + text
	}
	if err := os.MkdirAll(dirOf(path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, []byte(text), 0o600)
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		return path[:i]
	}
	return "."
}

// passphrase is the file backend's passphrase source, asked at most once
// per process (the store keeps the unlocked identity): the file descriptor
// named by KEYWARD_PASSPHRASE_FD, else KEYWARD_PASSPHRASE (with a warning),
// else a prompt on /dev/tty with echo off.
func (a *app) passphrase() (string, error) {
	if fd := a.getenv("KEYWARD_PASSPHRASE_FD"); fd != "" {
		return readPassphraseFD(fd)
	}
	if p := a.getenv("KEYWARD_PASSPHRASE"); p != "" {
		fmt.Fprintln(a.stderr, "keyward: warning: KEYWARD_PASSPHRASE puts the passphrase where other processes can read it; prefer KEYWARD_PASSPHRASE_FD")
		return p, nil
	}
	p, err := a.readTTY("passphrase for " + keyring.ValuesDir(a.indexPath) + ": ")
	if err != nil {
		return "", fmt.Errorf("%w: %w", keyring.ErrNoPassphrase, err)
	}
	return p, nil
}

// newPassphrase asks for a new passphrase: twice on the terminal, once from
// the file descriptor or the environment.
func (a *app) newPassphrase() (string, error) {
	if a.getenv("KEYWARD_PASSPHRASE_FD") != "" || a.getenv("KEYWARD_PASSPHRASE") != "" {
		p, err := a.passphrase()
		if err == nil && p == "" {
			err = keyring.ErrNoPassphrase
		}
		return p, err
	}
	p, err := a.readTTY("new passphrase for the file backend: ")
	if err != nil {
		return "", fmt.Errorf("%w: %w", keyring.ErrNoPassphrase, err)
	}
	if len(p) < 8 {
		return "", usagef("the passphrase is too short: use at least 8 characters")
	}
	again, err := a.readTTY("the same passphrase again: ")
	if err != nil {
		return "", fmt.Errorf("%w: %w", keyring.ErrNoPassphrase, err)
	}
	if again != p {
		return "", usagef("the two passphrases differ; nothing was set up")
	}
	return p, nil
}

// readPassphraseFD reads the passphrase from file descriptor fd: its first
// line, at most 4 KiB.
func readPassphraseFD(fd string) (string, error) {
	n, err := strconv.Atoi(fd)
	if err != nil || n < 0 {
		return "", usagef("KEYWARD_PASSPHRASE_FD must be a file descriptor number, got %q", fd)
	}
	f := os.NewFile(uintptr(n), "passphrase-fd")
	if f == nil {
		return "", fmt.Errorf("%w: KEYWARD_PASSPHRASE_FD=%d is not open", keyring.ErrNoPassphrase, n)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4<<10))
	if err != nil {
		return "", fmt.Errorf("%w: read KEYWARD_PASSPHRASE_FD=%d: %w", keyring.ErrNoPassphrase, n, err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// readTTYHidden prompts on /dev/tty and reads a line with echo off: the
// passphrase never comes from stdin, which may carry a value.
func readTTYHidden(prompt string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", errors.New("no terminal to ask on (set KEYWARD_PASSPHRASE_FD)")
	}
	defer tty.Close()
	fmt.Fprint(tty, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
