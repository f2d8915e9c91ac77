package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// previewFlags are the preview command's own flags.
type previewFlags struct {
	format    string // text, json or github
	asJSON    bool   // --json, the same as --format json
	namesOnly bool
	strict    bool
	against   string // index or julep
	julep     julepFlags
}

func (a *app) previewCmd() *cobra.Command {
	var pf previewFlags
	cmd := &cobra.Command{
		Use:         "preview [FILE|DIR...]",
		Annotations: map[string]string{warmsKeyring: "yes"},
		Short:       "Show which secrets Julep tasks reference, resolved against the store and masked",
		Long: `Preview Julep task files: every secret reference (where, which kind, whether
the store has it, its masked value), the references Julep reads at run time by a
computed name, the look-alikes Julep never evaluates, and warnings for Julep's
traps. A folder is searched for *.yaml and *.yml task files, and for the
pyproject.toml and julep.toml of Julep 3 projects (whole-string secret://NAME
values in MCP server headers), skipping hidden and vendored folders; with no
arguments, the tasks folder is (--tasks, else KEYWARD_TASKS, else the current
folder; with --demo, the demo's sample tasks). A julep.yaml secrets manifest
above a task is checked too. YAML files that are not Julep tasks
(docker-compose.yml, CI workflows) and a pyproject.toml without [tool.julep]
are listed as skipped; a file with a task's keys that fails to parse is an
error.

Values are read from the keyring only to show their masks, each at most once
per run. With --names-only, or when the keyring does not answer, references
are checked against the index's names alone: no value is read, no mask shown.
With --against julep, they are checked against the names on the Julep account
instead (the settings of 'keyward julep': --platform, --environment, then
JULEP_* variables and config.toml): names only, never a value; the account is
contacted only then.

Each reference counts as one of: resolved, missing (required: the run fails
without it), optional missing (.get(), in, LLM provider keys), guarded missing
(only reached when a condition on the same name holds), unreadable (the name
exists; its value could not be read for the mask).

Exit status: 0 when no required reference is missing and every task file was
previewed; 1 when a required secret is missing or a task file cannot be read or
parsed (with --strict, also a YAML file that is not a task); 2 on usage errors.`,
		Example: `  keyward --demo preview
  keyward preview task.yaml
  keyward preview --model gpt-4o-mini src/tasks/
  keyward preview --names-only --format github .        # a CI job without a keyring
  keyward preview --against julep tasks/                 # the names on the Julep account
  keyward preview --json --mapping legacy tasks/*.yaml | jq '.[].warnings'
  keyward --tasks ./tasks preview`,
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml", "toml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := a.mapping()
			if err != nil {
				return err
			}
			switch {
			case pf.asJSON && cmd.Flags().Changed("format") && pf.format != "json":
				return usagef("--json and --format %s disagree", pf.format)
			case pf.asJSON:
				pf.format = "json"
			}
			switch pf.format {
			case "text", "json", "github":
			default:
				return withHint(usagef("--format %q: want text, json or github", pf.format), "see 'keyward preview --help'")
			}
			switch pf.against {
			case "index", "julep":
			default:
				return withHint(usagef("--against %q: want index or julep", pf.against), "see 'keyward preview --help'")
			}
			return a.runPreview(cmd.Context(), args, taskpreview.Options{Model: a.agentModel, Mapping: m, Strict: pf.strict}, pf)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&pf.asJSON, "json", false, "print a JSON array with one object per task document (same as --format json)")
	f.StringVar(&pf.format, "format", "text", "output `FORMAT`: text, json, or github (workflow annotations)")
	f.BoolVar(&pf.namesOnly, "names-only", false, "check names against the index only: read no value, show no mask")
	f.BoolVar(&pf.strict, "strict", false, "a YAML file that is not a Julep task is an error, not skipped")
	f.StringVar(&pf.against, "against", "index", "check names against `WHERE`: index (keyward's) or julep (the account's names)")
	// The account's settings, as 'keyward julep' takes them.
	f.StringVar(&pf.julep.platform, "platform", "", "with --against julep: the Julep `PLATFORM`, v1 or v3")
	f.StringVar(&pf.julep.environment, "environment", "", "with --against julep: `ENV`: production, dev, or the base URL")
	pf.julep.timeout = julep.DefaultTimeout
	return cmd
}

// mapping checks the --mapping flag.
func (a *app) mapping() (taskpreview.Mapping, error) {
	m, err := taskpreview.ParseMapping(a.mappingFlag)
	if err != nil {
		return "", usagef("--mapping: %v", err)
	}
	return m, nil
}

// usedNames previews every task file in the tasks folder, by name only (no
// keyring reads), and returns the set of secret names some task references,
// for is:unused.
func (a *app) usedNames() (func(string) bool, error) {
	p := taskpreview.OpenProject(a.tasks.Dir, a.tasks.FS)
	dir := a.tasks.Label
	files, _, err := p.Tasks(".", 0)
	if err != nil {
		return nil, withHint(fmt.Errorf("cannot read the tasks folder %s: %w", dir, err), "point --tasks or KEYWARD_TASKS at your Julep task files")
	}
	if len(files) == 0 {
		fmt.Fprintf(a.stderr, "note: no task files in %s; every secret counts as unused\n", model.Printable(dir))
	}
	m, err := a.mapping()
	if err != nil {
		return nil, err
	}
	out := p.PreviewAll(files, taskpreview.Options{Model: a.agentModel, Mapping: m})
	for _, f := range out {
		if f.Err != nil {
			fmt.Fprintf(a.stderr, "keyward: skipping %s\n", model.Printable(f.Err.Error()))
		}
	}
	used := taskpreview.UsedBy(taskpreview.Results(out))
	return func(name string) bool { return len(used[name]) > 0 }, nil
}

func (a *app) runPreview(ctx context.Context, args []string, opts taskpreview.Options, pf previewFlags) error {
	p, files, err := a.previewFiles(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return withHint(errors.New("no task files to preview"), "name task files or a folder: 'keyward preview tasks/'")
	}
	st := a.st
	names, err := a.names(ctx)
	if err != nil {
		return err
	}
	opts.NamesOnly = pf.namesOnly
	var acct *previewAccount
	if pf.against == "julep" {
		if acct, err = a.previewAccount(ctx, &pf.julep, names); err != nil {
			return err
		}
		// The account's names are what is checked; it gives no value.
		names, opts.NamesOnly, opts.Against = acct.names, true, acct.target
	}
	if !opts.NamesOnly && len(names) > 0 {
		// A CI runner or a container has no keyring: then the names are
		// all a preview can check, and it says so once, not per reference.
		if err := st.Ping(ctx); err != nil {
			opts.NamesOnly = true
			fmt.Fprintf(a.stderr, "note: the keyring does not answer, so only names were checked (no value read, no mask): %s\n", model.Printable(err.Error()))
		}
	}
	// The first keyring failure is kept: without it the preview would only
	// say "unreadable", not why or what to do.
	var keyErr error
	opts.Lookup = taskpreview.NewLookup(names, func(name string) (string, error) {
		v, err := st.Value(ctx, name)
		if err != nil && keyErr == nil {
			keyErr = err
		}
		return v, err
	})
	out := p.PreviewAll(files, opts)
	p.CheckManifests(out)
	v := taskpreview.Judge(out)

	switch pf.format {
	case "json":
		if err := taskpreview.WriteJSON(a.stdout, out); err != nil {
			return err
		}
	case "github":
		if err := taskpreview.WriteGitHub(a.stdout, out); err != nil {
			return err
		}
	default:
		if err := a.textOptions().Write(a.stdout, taskpreview.Results(out)); err != nil {
			return err
		}
		a.writeTotals(out, v)
	}
	for _, f := range out {
		if f.Err != nil && !f.Skipped {
			fmt.Fprintf(a.stderr, "keyward: %s\n", model.Printable(f.Err.Error()))
		}
	}
	if len(v.Unreadable) > 0 {
		// Not a failure: the names exist for Julep to find; only their
		// masks could not be shown.
		fmt.Fprintf(a.stderr, "note: %s could not be read to show %s mask (the name exists, so this does not fail the preview): %s\n",
			model.Plural(len(v.Unreadable), "1 value", fmt.Sprintf("%d values", len(v.Unreadable))),
			model.Plural(len(v.Unreadable), "its", "their"), strings.Join(printable(v.Unreadable), ", "))
		if keyErr != nil {
			fmt.Fprintf(a.stderr, "note: %s\n", model.Printable(keyErr.Error()))
			if h := keyring.Advice(keyErr); h != "" {
				fmt.Fprintf(a.stderr, "hint: %s\n", model.Printable(h))
			}
		}
	}
	if acct != nil {
		a.previewPullNote(out, acct)
	}
	return a.previewVerdict(v, acct)
}

// previewAccount is what --against julep checks against: the account's
// names, and the index's, for the hints.
type previewAccount struct {
	target string
	names  []string
	local  map[string]bool
}

// previewAccount lists the Julep account's secret names (names only: the
// API gives no value) with the settings of 'keyward julep'.
func (a *app) previewAccount(ctx context.Context, jf *julepFlags, local []string) (*previewAccount, error) {
	_, r, err := a.julepAccount(ctx, jf)
	if err != nil {
		return nil, err
	}
	list, err := r.List(ctx)
	if err != nil {
		return nil, julepHint(err)
	}
	acct := &previewAccount{target: r.Target(), local: make(map[string]bool, len(local))}
	for _, s := range list {
		acct.names = append(acct.names, s.Name)
	}
	for _, n := range local {
		acct.local[n] = true
	}
	fmt.Fprintf(a.stderr, "note: names checked against %s (%s; no value read)\n",
		model.Printable(acct.target), model.Count(len(acct.names), "secret"))
	return acct, nil
}

// previewPullNote names the referenced secrets that the account has and
// keyward does not: the preview passes for them, and 'keyward julep pull'
// brings their names in so that a preview against the index passes too.
func (a *app) previewPullNote(out []taskpreview.FilePreview, acct *previewAccount) {
	var there []string
	seen := map[string]bool{}
	for _, r := range taskpreview.Results(out) {
		for _, ref := range r.References {
			if ref.Status == taskpreview.StatusResolved && !acct.local[ref.Name] && !seen[ref.Name] {
				seen[ref.Name] = true
				there = append(there, ref.Name)
			}
		}
	}
	if len(there) > 0 {
		fmt.Fprintf(a.stderr, "note: %s on %s but not in keyward: %s\nhint: 'keyward julep pull' tracks %s here\n",
			model.Plural(len(there), "1 referenced secret is", fmt.Sprintf("%d referenced secrets are", len(there))),
			model.Printable(acct.target), strings.Join(printable(there), ", "), model.Plural(len(there), "it", "them"))
	}
}

// previewVerdict turns the one exit rule (taskpreview.Judge) into the
// error the command exits with: every missing required secret named, with
// one command per secret that creates it. Against the index, the account is
// not contacted (a pre-commit hook or a CI job may have no network or key):
// a line says where to look if the secrets live on the account. Against the
// account (acct), a secret keyward has is pushed, one it lacks is created
// and then pushed.
func (a *app) previewVerdict(v taskpreview.Verdict, acct *previewAccount) error {
	missing, bad := v.Missing, len(v.Failed)
	where := ""
	switch {
	case len(missing) > 0 && acct == nil:
		fmt.Fprintf(a.stderr, "to create the missing required %s (each asks for its value, or reads it from stdin):\n",
			model.Plural(len(missing), "secret", "secrets"))
		for _, n := range missing {
			if model.ValidateName(n) != nil {
				// A Julep 3 name may hold "-"; keyward's may not.
				fmt.Fprintf(a.stderr, "  (%s cannot be a keyward name: rename it in the config, or check the account with --against julep)\n", model.Printable(n))
				continue
			}
			fmt.Fprintf(a.stderr, "  keyward secrets create --name %s\n", model.Printable(n))
		}
		fmt.Fprintf(a.stderr, "if %s on your Julep account, 'keyward preview --against julep' checks there and 'keyward julep pull' tracks %s here\n",
			model.Plural(len(missing), "it is", "they are"), model.Plural(len(missing), "it", "them"))
	case len(missing) > 0:
		where = " on " + model.Printable(acct.target)
		fmt.Fprintf(a.stderr, "to send the missing required %s to %s:\n", model.Plural(len(missing), "secret", "secrets"), model.Printable(acct.target))
		for _, n := range missing {
			if !acct.local[n] && model.ValidateName(n) == nil {
				fmt.Fprintf(a.stderr, "  keyward secrets create --name %s\n", model.Printable(n))
			}
		}
		fmt.Fprintf(a.stderr, "  keyward julep push\n")
	}
	what := ""
	if len(missing) > 0 {
		refs := ""
		if n := v.Summary.RequiredMissing; n != len(missing) {
			refs = fmt.Sprintf(" (%d references)", n)
		}
		what = fmt.Sprintf("%d required %s missing%s%s: %s", len(missing),
			model.Plural(len(missing), "secret is", "secrets are"), where, refs, strings.Join(printable(missing), ", "))
	}
	if bad > 0 {
		if what != "" {
			what += "; and "
		}
		what += fmt.Sprintf("%d %s could not be previewed", bad, model.Plural(bad, "file", "files"))
	}
	switch {
	case v.OK():
		return nil
	case len(missing) > 0:
		return withHint(errors.New(what), "run the lines above, or fix the names in the tasks")
	}
	return errors.New(what)
}

// writeTotals ends the text output: the skipped files, and the counts over
// every file when there is more than one, so that the last line on stdout
// is the story the exit status tells.
func (a *app) writeTotals(out []taskpreview.FilePreview, v taskpreview.Verdict) {
	if len(v.Skipped) > 0 {
		fmt.Fprintf(a.stdout, "\nskipped (not Julep tasks; --strict makes them errors):\n")
		for _, f := range out {
			if f.Skipped {
				fmt.Fprintf(a.stdout, "  %s\n", model.Printable(f.Err.Error()))
			}
		}
	}
	if v.Files+len(v.Failed) > 1 || len(v.Skipped) > 0 {
		line := model.Count(v.Files, "task file") + " · " + v.Summary.String()
		if n := len(v.Failed); n > 0 {
			line += " · " + model.Count(n, "file") + " failed"
		}
		if n := len(v.Skipped); n > 0 {
			line += fmt.Sprintf(" · %d skipped", n)
		}
		fmt.Fprintf(a.stdout, "\ntotal: %s\n", line)
	}
}

func printable(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = model.Printable(n)
	}
	return out
}

// previewFiles is the project a preview reads and its task files. Files and
// folders named on the command line are read in a project at the current
// folder, so that task files and julep.yaml manifests are named as the user
// would type them; with no arguments, the tasks folder (the demo's sample
// tasks see no julep.yaml but their own).
func (a *app) previewFiles(args []string) (*taskpreview.Project, []string, error) {
	if len(args) == 0 {
		if a.tasks.Dir == "" {
			p := taskpreview.OpenProject("", a.tasks.FS)
			files, _, err := p.Tasks(".", 0)
			return p, files, err
		}
		args = []string{a.tasks.Dir}
	}
	p, err := taskpreview.DirProject(".")
	if err != nil {
		return nil, nil, err
	}
	var files []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			files = append(files, filepath.ToSlash(arg)) // reading it reports the problem
			continue
		}
		found, _, err := p.Tasks(filepath.ToSlash(arg), 0)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", arg, err)
		}
		if len(found) == 0 {
			fmt.Fprintf(a.stderr, "keyward: %s: no *.yaml, *.yml, pyproject.toml or julep.toml files\n", model.Printable(arg))
		}
		files = append(files, found...)
	}
	return p, files, nil
}

// widthTerminal is a terminal that knows how wide standard output is.
type widthTerminal interface {
	StdoutWidth() int
}

// StdoutWidth is the width of the terminal standard output is on, or 0.
func (osTerminal) StdoutWidth() int {
	w, _, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// textOptions lays the text output out for a terminal: colour unless
// NO_COLOR is set (https://no-color.org) or TERM is dumb, and rows fitted
// to its width. A pipe or a file gets plain rows of any length, for grep.
func (a *app) textOptions() taskpreview.TextOptions {
	if !a.term.StdoutIsTerminal() {
		return taskpreview.TextOptions{}
	}
	var o taskpreview.TextOptions
	o.Color = a.getenv("NO_COLOR") == "" && a.getenv("TERM") != "dumb"
	if wt, ok := a.term.(widthTerminal); ok {
		o.Width = wt.StdoutWidth()
	}
	return o
}
