package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/outmask"
	"github.com/keyward/keyward/taskpreview"
)

// childEnvDrop are keyward's own settings that never reach a command run
// by 'keyward run': a passphrase (the file backend's) unlocks every value.
var childEnvDrop = []string{"KEYWARD_PASSPHRASE", "KEYWARD_PASSPHRASE_FD"}

// julep3Drop are removed from the environment with --julep3: Julep 3 reads
// its secrets only from its control plane when either is set.
var julep3Drop = []string{"JULEP_API_KEY", "JULEP_API_URL"}

type runFlags struct {
	only     []string
	filter   string
	task     string
	envNames []string
	julep3   bool
	noMask   bool
	pty      bool
}

func (a *app) runCmd() *cobra.Command {
	var rf runFlags
	cmd := &cobra.Command{
		Use:         "run [--only NAME,...] [--filter QUERY] [--task FILE|DIR] [--env-name SECRET=VAR]... [--julep3] [--no-mask] [--pty] -- COMMAND [ARG...]",
		Annotations: map[string]string{warmsKeyring: "yes"},
		Short:       "Run a command with secrets in its environment, masking them in its output",
		Long: `Run COMMAND with the chosen secrets as environment variables (named like the
secret, unless --env-name or --julep3 says otherwise). Values are read from the
store once, before the command starts, and never appear on any command line.

Choose the secrets with one or more of (together, their union):
  --only NAME,...   these secrets (repeatable)
  --filter QUERY    the secrets the filter matches (see 'keyward secrets list --help')
  --task FILE|DIR   exactly the secrets the Julep task files reference and the
                    store has (what 'keyward preview' shows)
With none of them keyward refuses rather than inject every secret.

--julep3 names each variable JULEP_SECRET_<NAME> and removes JULEP_API_KEY and
JULEP_API_URL from the command's environment, as local Julep 3 runs need.

Masking: when stdout or stderr is not a terminal (a pipe, a file, CI, an agent),
that stream passes through a masker that replaces each value, and its base64
(standard and URL-safe, padded or not), percent-encoded and hex forms, with
<keyward:NAME>. A value split across writes or lines is still caught; only the
bytes that could still start a value are held back, until the command exits.
Values shorter than 6 bytes are not masked (keyward says which). A stream that
is a terminal is handed to the command as it is, unmasked, so colours, prompts
and full-screen programs work. --no-mask turns masking off. Masking is
accident-proofing, not a security boundary: a command that wants to print a
value in some other form can.

--pty (stdout must be a terminal) runs the command on a pseudo-terminal of its
own instead: keyward's terminal goes into raw mode, the keys typed, window
resizes and signals (INT and QUIT sent to keyward too) are passed through, and
everything the command shows (stdout and stderr alike) passes through the
masker on its way to the screen. Echo is not delayed: only bytes that could
still be part of a value are held back.

Exit status: the command's own; 128+N when a signal N ended it; 127 when the
command is not found, 126 when it cannot be run. Before the command starts,
keyward's own failures exit 1, and usage errors 2. TERM and HUP sent to keyward
are passed on to the command (INT and QUIT too, unless they came from the
terminal, which sends them to the command itself); if keyward is killed, so is
the command.`,
		Example: `  keyward run --only OPENAI_API_KEY,JULEP_API_KEY -- python agent.py
  keyward run --filter env=prod -- ./deploy.sh
  keyward run --task tasks/report.yaml --julep3 -- julep run tasks/report.yaml
  keyward run --only STRIPE_KEY --env-name STRIPE_KEY=STRIPE_API_KEY -- npm test
  keyward run --only OPENAI_API_KEY -- sh -c 'curl -H "Authorization: Bearer $OPENAI_API_KEY" ...' | tee log`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return withHint(usagef("run needs a COMMAND to run"), "e.g. keyward run --only API_KEY -- ./script.sh")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runCommand(cmd, &rf, args)
		},
	}
	f := cmd.Flags()
	// Flags after COMMAND are the command's own.
	f.SetInterspersed(false)
	f.StringSliceVar(&rf.only, "only", nil, "inject these secrets: `NAME,...` (repeatable)")
	f.StringVar(&rf.filter, "filter", "", "inject the secrets matching `QUERY`")
	f.StringVar(&rf.task, "task", "", "inject the secrets the Julep task `FILE` (or the task files in DIR) reference")
	f.StringArrayVar(&rf.envNames, "env-name", nil, "put secret SECRET in variable VAR: `SECRET=VAR` (repeatable)")
	f.BoolVar(&rf.julep3, "julep3", false, "name variables JULEP_SECRET_<NAME> and remove JULEP_API_KEY/JULEP_API_URL (local Julep 3 runs)")
	f.BoolVar(&rf.noMask, "no-mask", false, "do not mask values in the command's output")
	f.BoolVar(&rf.pty, "pty", false, "run the command on a pseudo-terminal and mask its output to the terminal too")
	_ = cmd.RegisterFlagCompletionFunc("only", func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return a.completeName(c, nil, toComplete)
	})
	return cmd
}

// injected is one secret as the command gets it.
type injected struct {
	name, variable, value string
}

func (a *app) runCommand(cmd *cobra.Command, rf *runFlags, args []string) error {
	ctx := cmd.Context()
	if len(rf.only) == 0 && !cmd.Flags().Changed("filter") && rf.task == "" {
		return withHint(usagef("run needs to be told which secrets to inject"),
			"choose them with --only NAME,..., --filter QUERY or --task FILE; keyward never injects every secret")
	}
	if rf.pty && !a.term.StdoutIsTerminal() {
		return errPtyNeedsTerminal()
	}
	rename, err := parseEnvNames(rf.envNames)
	if err != nil {
		return err
	}
	names, err := a.runSelection(cmd, rf)
	if err != nil {
		return err
	}
	for secret := range rename {
		if !slices.Contains(names, secret) {
			return withHint(usagef("--env-name names %s, which no selector chose", secret),
				"add it with --only "+secret)
		}
	}

	// Read every value once, before anything starts.
	secrets := make([]injected, 0, len(names))
	vars := map[string]string{}
	for _, name := range names {
		v, err := a.st.Value(ctx, name)
		if err != nil {
			return a.notFound(ctx, err, name)
		}
		if err := storedText(name, v); err != nil {
			return err
		}
		if strings.IndexByte(v, 0) >= 0 {
			return fmt.Errorf("%s: the value holds a NUL byte, which an environment variable cannot", name)
		}
		variable := name
		if rename[name] != "" {
			variable = rename[name]
		} else if rf.julep3 {
			variable = julep3Variable(name)
		}
		if other, ok := vars[variable]; ok {
			return usagef("%s and %s would both be the variable %s", other, name, variable)
		}
		vars[variable] = name
		secrets = append(secrets, injected{name: name, variable: variable, value: v})
	}

	env := childEnv(os.Environ(), secrets, rf.julep3)
	if rf.pty {
		return a.startChildPty(args, env, secrets, rf.noMask)
	}
	return a.startChild(args, env, secrets, rf.noMask)
}

// runSelection resolves --only, --filter and --task to secret names (sorted,
// each once). Secrets without a local value are an error when named, and
// left out with a note when a filter or a task chose them.
func (a *app) runSelection(cmd *cobra.Command, rf *runFlags) ([]string, error) {
	ctx := cmd.Context()
	list, err := a.st.List(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*model.Secret, len(list))
	for i := range list {
		byName[list[i].Name] = &list[i]
	}
	chosen := map[string]bool{}
	for _, n := range rf.only {
		n = strings.TrimSpace(n)
		s, ok := byName[n]
		if !ok {
			if err := model.ValidateName(n); err != nil {
				return nil, err
			}
			return nil, a.notFound(ctx, fmt.Errorf("%w: %s", keyring.ErrNotFound, n), n)
		}
		if s.NoValue {
			_, err := a.st.Value(ctx, n) // says why there is no value
			return nil, err
		}
		chosen[n] = true
	}
	var skipped []string
	add := func(s *model.Secret) {
		if s.NoValue {
			skipped = append(skipped, s.Name)
			return
		}
		chosen[s.Name] = true
	}
	if cmd.Flags().Changed("filter") {
		q, env, err := a.query(rf.filter)
		if err != nil {
			return nil, err
		}
		matched := 0
		for i := range list {
			if q.Match(&list[i], env) {
				matched++
				add(&list[i])
			}
		}
		if matched == 0 {
			return nil, withHint(errors.New("--filter matched no secrets; nothing was run"),
				"check it with 'keyward secrets list --filter QUERY'")
		}
	}
	if rf.task != "" {
		names, err := a.taskNames(rf.task)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if s, ok := byName[n]; ok {
				add(s)
			} else {
				fmt.Fprintf(a.stderr, "keyward: note: the task references %s, which is not in the store; it is not injected\n", model.Printable(n))
			}
		}
	}
	if len(skipped) > 0 {
		slices.Sort(skipped)
		fmt.Fprintf(a.stderr, "keyward: note: not injected, no local value (pulled from Julep): %s\n", strings.Join(slices.Compact(skipped), ", "))
	}
	return slices.Sorted(func(yield func(string) bool) {
		for n := range chosen {
			if !yield(n) {
				return
			}
		}
	}), nil
}

// taskNames previews the task file (or the task files in a folder) by name
// only and returns the names its references read at run time: required and
// optional ones, not the documented forms Julep never reads.
func (a *app) taskNames(arg string) ([]string, error) {
	p, files, err := a.previewFiles([]string{arg})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, withHint(fmt.Errorf("--task %s: no task files", model.Printable(arg)), "name a task file or a folder of *.yaml task files")
	}
	m, err := a.mapping()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, f := range p.PreviewAll(files, taskpreview.Options{Model: a.agentModel, Mapping: m}) {
		if f.Err != nil {
			// Without the file's references, any choice would be a guess.
			return nil, withHint(fmt.Errorf("--task: %w", f.Err), "fix the task file; 'keyward preview "+model.Printable(arg)+"' shows the problem")
		}
		for _, r := range f.Results {
			for _, ref := range r.References {
				switch {
				case ref.InvalidName, seen[ref.Name],
					ref.Kind == taskpreview.KindSecretNameField,
					ref.Kind == taskpreview.KindSecretsMapping,
					ref.Kind == taskpreview.KindSecretRef:
					continue
				}
				seen[ref.Name] = true
				names = append(names, ref.Name)
			}
			for _, d := range r.Dynamic {
				fmt.Fprintf(a.stderr, "keyward: note: %s: %s reads a secret whose name is decided at run time; add it with --only\n",
					model.Printable(r.File), model.Printable(d.Path))
			}
		}
	}
	return names, nil
}

// parseEnvNames parses --env-name SECRET=VAR flags.
func parseEnvNames(pairs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range pairs {
		secret, variable, ok := strings.Cut(p, "=")
		if !ok || !validVariable(variable) {
			return nil, withHint(usagef("--env-name %q: want SECRET=VAR, VAR made of letters, digits and _", model.Printable(p)),
				"e.g. --env-name STRIPE_KEY=STRIPE_API_KEY")
		}
		if err := model.ValidateName(secret); err != nil {
			return nil, err
		}
		if _, dup := out[secret]; dup {
			return nil, usagef("--env-name names %s twice", secret)
		}
		out[secret] = variable
	}
	return out, nil
}

func validVariable(s string) bool {
	if s == "" || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// julep3Variable is the variable Julep 3 reads a secret from locally.
func julep3Variable(name string) string {
	return "JULEP_SECRET_" + strings.ReplaceAll(strings.ToUpper(name), "-", "_")
}

// childEnv is base without keyward's own settings (and, for Julep 3, the
// variables that would send it to its control plane), plus the secrets.
func childEnv(base []string, secrets []injected, julep3 bool) []string {
	drop := slices.Clone(childEnvDrop)
	if julep3 {
		drop = append(drop, julep3Drop...)
	}
	for _, s := range secrets {
		drop = append(drop, s.variable)
	}
	env := make([]string, 0, len(base)+len(secrets))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			env = append(env, kv)
		}
	}
	for _, s := range secrets {
		env = append(env, s.variable+"="+s.value)
	}
	return env
}

// exitStatus is how run ends: the command's exit status, or 127/126 with
// err saying why it could not start. report prints err, if any, and exits
// with code.
type exitStatus struct {
	code int
	err  error
}

func (e *exitStatus) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return fmt.Sprintf("the command exited with status %d", e.code)
}

func (e *exitStatus) Unwrap() error { return e.err }

// startChild runs args with env, masks its non-terminal output streams,
// passes signals on, and returns its exit status.
func (a *app) startChild(args, env []string, secrets []injected, noMask bool) error {
	path, err := exec.LookPath(args[0])
	if err != nil {
		return cannotStart(args[0], err)
	}
	c := exec.Command(path, args[1:]...)
	c.Args[0] = args[0]
	c.Env = env
	c.Stdin, c.Stdout, c.Stderr = a.stdin, a.stdout, a.stderr

	maskOut := !a.term.StdoutIsTerminal()
	maskErr := !a.term.StderrIsTerminal()
	var closers []*outmask.Writer
	switch {
	case noMask:
		fmt.Fprintln(a.stderr, "keyward: --no-mask: the command's output is not masked")
	case maskOut || maskErr:
		m := a.masker(secrets)
		if m == nil {
			break
		}
		if maskOut {
			w := m.Writer(a.stdout)
			closers = append(closers, w)
			c.Stdout = w
		}
		if maskErr {
			if maskOut && sameFile(a.stdout, a.stderr) {
				// One stream (2>&1): one pipe, one masker, the order kept.
				c.Stderr = c.Stdout
			} else {
				w := m.Writer(a.stderr)
				closers = append(closers, w)
				c.Stderr = w
			}
		}
	}

	// Signals are caught before the command starts, so none is lost, and
	// passed on once it runs.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	fromTerminal := foregroundOfTerminal()

	unlock := killWithParent(c)
	defer unlock()
	if err := c.Start(); err != nil {
		return cannotStart(args[0], err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				if (sig == syscall.SIGINT || sig == syscall.SIGQUIT) && fromTerminal {
					continue // the terminal sent it to the command too
				}
				_ = c.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	waitErr := c.Wait()
	close(done)
	for _, w := range closers {
		_ = w.Close()
	}
	return childExit(c, waitErr)
}

// masker compiles the values to mask, noting on stderr the ones too short
// to mask; it is nil when no value is long enough.
func (a *app) masker(secrets []injected) *outmask.Masker {
	ms := make([]outmask.Secret, len(secrets))
	for i, s := range secrets {
		ms[i] = outmask.Secret{Name: s.name, Value: s.value}
	}
	m := outmask.New(ms)
	if short := m.Short(); len(short) > 0 {
		fmt.Fprintf(a.stderr, "keyward: note: shorter than %d bytes, so not masked in the output: %s\n", outmask.MinLen, strings.Join(short, ", "))
	}
	if m.Len() == 0 {
		return nil
	}
	return m
}

// childExit is run's result for a command that has been waited for: nil,
// or its exit status (128+N when signal N ended it).
func childExit(c *exec.Cmd, waitErr error) error {
	st := c.ProcessState
	if st == nil {
		return waitErr
	}
	code := st.ExitCode()
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	if code == 0 {
		return nil
	}
	return &exitStatus{code: code}
}

// cannotStart is 127 for a command that is not found, 126 for one that
// cannot be run.
func cannotStart(name string, err error) error {
	name = model.Printable(name)
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return &exitStatus{code: 127, err: withHint(fmt.Errorf("run: %s: command not found", name), "check the name and PATH")}
	}
	if errors.Is(err, fs.ErrPermission) {
		return &exitStatus{code: 126, err: fmt.Errorf("run: %s: permission denied (not executable)", name)}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &exitStatus{code: 126, err: fmt.Errorf("run: %s: cannot run: %v", name, err)}
}

// sameFile reports whether two of keyward's streams are one open file (as
// after 2>&1).
func sameFile(w1, w2 io.Writer) bool {
	f1, ok1 := w1.(*os.File)
	f2, ok2 := w2.(*os.File)
	if !ok1 || !ok2 {
		return false
	}
	s1, err1 := f1.Stat()
	s2, err2 := f2.Stat()
	return err1 == nil && err2 == nil && os.SameFile(s1, s2)
}
