// Package cli is keyward's command line. It only translates between the
// terminal and the packages that do the work (model, keyring, taskpreview,
// ui): it builds the commands, picks the store and prints results and errors.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/demo"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
	"github.com/spf13/cobra"
)

// Main runs keyward with args (without the program name) on the process's
// own streams and returns the exit code.
func Main(args []string) int { return newApp().run(args) }

// app is one invocation of keyward: its streams, its terminal, its global
// flags and the store they select. Tests replace the terminal hooks.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
	term   terminal

	// Global flags, bound by the root command.
	indexFlag   string
	serviceFlag string
	backendFlag string // --backend: auto, keyring or file
	demo        bool
	tasksFlag   string // --tasks: the folder of Julep task files
	agentModel  string // --model: the agent's model for task previews
	mappingFlag string // --mapping: current or legacy provider key table

	// Set by open, the root's PersistentPreRunE, before any command runs.
	indexPath   string
	service     string
	backend     string // the backend in use: "keyring", "file" or "demo"
	st          keyring.Store
	cfg         config.Config
	cfgLoaded   bool
	cfgWarnings []string
	tasks       config.Tasks

	// readTTY reads a line from /dev/tty with echo off, after prompt;
	// tests replace it.
	readTTY func(prompt string) (string, error)
}

func newApp() *app {
	return &app{
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		getenv:  os.Getenv,
		now:     time.Now,
		term:    osTerminal{},
		readTTY: readTTYHidden,
	}
}

// run executes one command line and returns the process exit code. Every
// error is printed here, once; a panic becomes a generic error, because its
// value could hold a secret.
func (a *app) run(args []string) (code int) {
	defer func() {
		if recover() != nil {
			fmt.Fprintln(a.stderr, "keyward: internal error: the command stopped part-way")
			fmt.Fprintln(a.stderr, "hint: run 'keyward doctor' to check the store, and please report this bug")
			code = exitFailed
		}
	}()
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		return a.report(err)
	}
	return exitOK
}

// skipOpen marks a command (by its Annotations) that needs neither the
// store nor config.toml: open leaves them alone.
const skipOpen = "keyward:skip-open"

// anyBackend marks a command (by its Annotations) that touches neither the
// index nor the values, and so runs while a migration is half done or
// after one: lock, which must always be able to drop a cached unlock.
const anyBackend = "keyward:any-backend"

// warmsKeyring marks a command (by its Annotations) that reads or writes
// values: open starts the keyring's connection in the background
// (keyring.Warmer), so that it overlaps the index read.
const warmsKeyring = "keyward:warms-keyring"

// open is the root command's PersistentPreRunE, the one precondition of
// every command: it opens the store the global flags select, reads
// config.toml beside the index once, and resolves the tasks folder, so
// that every command and the terminal UI see the same ones.
func (a *app) open(cmd *cobra.Command, _ []string) error {
	if cmd.Annotations[skipOpen] != "" {
		return nil
	}
	st, err := a.store()
	if err != nil {
		return err
	}
	if w, ok := st.(keyring.Warmer); ok && cmd.Annotations[warmsKeyring] != "" {
		w.Warm()
	}
	// A migration half done, or values moved to the other backend:
	// refused before anything is read (every change checks it again
	// under the index lock).
	if cmd.Annotations[anyBackend] == "" {
		if err := keyring.CheckBackend(st); err != nil {
			return err
		}
	}
	if !a.cfgLoaded {
		a.cfg, a.cfgWarnings = config.Default(), nil
	}
	a.tasks = config.ResolveTasks(a.tasksFlag, a.getenv("KEYWARD_TASKS"), a.cfg, a.demo)
	return nil
}

// store opens the store the global flags select, once: the in-memory demo
// store with --demo, else the backend that --backend, KEYWARD_BACKEND or
// config.toml's backend names (auto: the OS keyring) with the index file.
// Opening reads neither the values nor the index, but it reads config.toml
// beside the index, once. Commands use a.st, which open sets; shell
// completion, which runs no PersistentPreRunE, calls store itself.
func (a *app) store() (keyring.Store, error) {
	if a.st != nil {
		return a.st, nil
	}
	if a.demo {
		a.st, a.indexPath, a.service, a.backend = demo.NewStore(a.now), "", "", "demo"
		return a.st, nil
	}
	if err := a.resolveIndex(); err != nil {
		return nil, err
	}
	a.cfg, a.cfgWarnings = config.Load(config.Path(a.indexPath))
	a.cfgLoaded = true
	// Others who can write the index can change what keyward shows and
	// does: said on every command (and by doctor), never refused.
	for _, w := range keyring.PermissionWarnings(a.indexPath) {
		fmt.Fprintf(a.stderr, "keyward: warning: %s\n", model.Printable(w))
	}
	backend, err := a.resolveBackend()
	if err != nil {
		return nil, err
	}
	a.backend = backend
	st, err := a.openStore(backend)
	if err != nil {
		return nil, err
	}
	a.st = st
	return st, nil
}

// openStore returns the store of backend ("keyring" or "file") over the
// index: the store of every command, and both ends of migrate.
func (a *app) openStore(backend string) (keyring.Store, error) {
	if backend == "file" {
		cache, err := a.unlockCache()
		if err != nil {
			return nil, err
		}
		return keyring.NewFileStore(keyring.FileOptions{IndexPath: a.indexPath, Now: a.now, Passphrase: a.passphrase, UnlockCache: cache, LockWait: a.cfg.LockTimeout})
	}
	a.service = firstNonEmpty(a.serviceFlag, a.getenv("KEYWARD_SERVICE"), keyring.DefaultService)
	timeout, err := a.keyringTimeout()
	if err != nil {
		return nil, err
	}
	return keyring.NewOSStore(keyring.OSOptions{
		IndexPath: a.indexPath,
		Service:   a.service,
		Timeout:   timeout,
		Now:       a.now,
		LockWait:  a.cfg.LockTimeout,
	})
}

// resolveIndex sets a.indexPath from --index, KEYWARD_INDEX or the default.
func (a *app) resolveIndex() error {
	a.indexPath = firstNonEmpty(a.indexFlag, a.getenv("KEYWARD_INDEX"))
	if a.indexPath == "" {
		p, err := keyring.DefaultIndexPath()
		if err != nil {
			return withHint(fmt.Errorf("cannot find the index file: %w", err),
				"set --index PATH or KEYWARD_INDEX")
		}
		a.indexPath = p
	}
	return nil
}

// resolveBackend picks the value store: --backend, else KEYWARD_BACKEND,
// else config.toml's backend, else auto. auto is the OS keyring: when none
// answers, keyward says so and how to choose the file backend, and never
// switches to it on its own (the values would then be split between two
// stores).
func (a *app) resolveBackend() (string, error) {
	b := firstNonEmpty(a.backendFlag, a.getenv("KEYWARD_BACKEND"), a.cfg.Backend, "auto")
	switch b {
	case "auto", "keyring":
		return "keyring", nil
	case "file":
		return "file", nil
	}
	return "", withHint(usagef("unknown backend %q", b), "use auto, keyring or file (--backend, KEYWARD_BACKEND, or backend in config.toml)")
}

// unlockCache is how long the file backend's unlock stays in the session
// keyring: KEYWARD_UNLOCK_CACHE, else unlock_cache in config.toml, else 15m.
func (a *app) unlockCache() (time.Duration, error) {
	env := a.getenv("KEYWARD_UNLOCK_CACHE")
	if env == "" {
		return a.cfg.UnlockCache, nil
	}
	d, err := config.ParseUnlockCache(env)
	if err != nil {
		return 0, withHint(usagef("KEYWARD_UNLOCK_CACHE=%q: %v", env, err), "e.g. KEYWARD_UNLOCK_CACHE=5m, or off")
	}
	return d, nil
}

// workFactor is the scrypt work factor for a new file store:
// KEYWARD_SCRYPT_WORK_FACTOR, else the default (0).
func (a *app) workFactor() (int, error) {
	env := a.getenv("KEYWARD_SCRYPT_WORK_FACTOR")
	if env == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(env)
	if err != nil || n < keyring.MinWorkFactor || n > keyring.MaxWorkFactor {
		return 0, withHint(usagef("KEYWARD_SCRYPT_WORK_FACTOR=%q: want a whole number from %d to %d", env, keyring.MinWorkFactor, keyring.MaxWorkFactor),
			"unset, it is 18 (about a second and 256 MiB per unlock); each step down halves what guessing the passphrase costs")
	}
	return n, nil
}

// keyringTimeout is the OS keyring's deadline (one per command, see
// keyring.DefaultTimeout): KEYWARD_KEYRING_TIMEOUT, exactly, else the
// default (0), which grows with the index (keyring.PerRecordTimeout).
func (a *app) keyringTimeout() (time.Duration, error) {
	env := a.getenv("KEYWARD_KEYRING_TIMEOUT")
	if env == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(env)
	if err != nil || d < keyring.MinTimeout || d > keyring.MaxTimeout {
		return 0, withHint(usagef("KEYWARD_KEYRING_TIMEOUT=%q: want a duration from %s to %s such as \"30s\"", env, keyring.MinTimeout, keyring.MaxTimeout),
			"e.g. KEYWARD_KEYRING_TIMEOUT=30s to wait longer for an unlock prompt; unset, it is "+keyring.DefaultTimeout.String()+
				" plus "+keyring.PerRecordTimeout.String()+" per secret in the index")
	}
	return d, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// names lists the secret names in the index (never the keyring), for
// suggestions and task previews: through keyring.Namer when the store is
// one (every store of keyring is), which builds no record.
func (a *app) names(ctx context.Context) ([]string, error) {
	st := a.st
	if n, ok := st.(keyring.Namer); ok {
		return n.Names(ctx)
	}
	list, err := st.List(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(list))
	for i := range list {
		names[i] = list[i].Name
	}
	return names, nil
}
