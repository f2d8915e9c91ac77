package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

func (a *app) previewCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "preview [FILE|DIR...]",
		Short: "Show which secrets Julep tasks reference, resolved against the store and masked",
		Long: `Preview Julep task files: every secret reference (where, which kind, whether
the store has it, its masked value), the references Julep reads at run time by a
computed name, the look-alikes Julep never evaluates, and warnings for Julep's
traps. A folder is searched for *.yaml and *.yml task files, skipping hidden
and vendored folders; with no arguments, the tasks folder is (--tasks, else
KEYWARD_TASKS, else the current folder; with --demo, the demo's sample tasks).
A julep.yaml secrets manifest above a task is checked too.

Values are read from the keyring only to show their masks, each at most once
per file.

Exit status: 0 when every required reference resolves, 1 when one is missing
or a file cannot be read or parsed, 2 on usage errors.`,
		Example: `  keyward --demo preview
  keyward preview task.yaml
  keyward preview --model gpt-4o-mini src/tasks/
  keyward preview --json --mapping legacy tasks/*.yaml | jq '.[].warnings'
  keyward --tasks ./tasks preview`,
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := a.mapping()
			if err != nil {
				return err
			}
			return a.runPreview(cmd.Context(), args, taskpreview.Options{Model: a.agentModel, Mapping: m}, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array with one object per task file")
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

func (a *app) runPreview(ctx context.Context, args []string, opts taskpreview.Options, asJSON bool) error {
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

	if asJSON {
		if err := taskpreview.WriteJSON(a.stdout, out); err != nil {
			return err
		}
	} else {
		if err := taskpreview.WriteText(a.stdout, taskpreview.Results(out)); err != nil {
			return err
		}
		for _, f := range out {
			if f.Err != nil {
				fmt.Fprintf(a.stderr, "keyward: %s\n", model.Printable(f.Err.Error()))
			}
		}
	}
	if keyErr != nil {
		// Reported last, with its hint, so it is what the user sees.
		return fmt.Errorf("some values could not be read to show their masks: %w", keyErr)
	}
	v := taskpreview.Judge(out)
	missing, bad := v.Missing, len(v.Failed)
	switch {
	case len(missing) > 0 && bad > 0:
		return fmt.Errorf("%d required %s missing, and %d %s could not be previewed",
			len(missing), model.Plural(len(missing), "secret is", "secrets are"), bad, model.Plural(bad, "file", "files"))
	case len(missing) > 0:
		return withHint(fmt.Errorf("%d required %s missing: %s", len(missing),
			model.Plural(len(missing), "secret is", "secrets are"), strings.Join(missing, ", ")),
			"create it with 'keyward secrets create --name "+missing[0]+"', or fix the name in the task")
	case bad > 0:
		return fmt.Errorf("%d %s could not be previewed", bad, model.Plural(bad, "file", "files"))
	case !v.OK():
		return errors.New("some values could not be read to show their masks")
	}
	return nil
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
			fmt.Fprintf(a.stderr, "keyward: %s: no *.yaml or *.yml task files\n", model.Printable(arg))
		}
		files = append(files, found...)
	}
	return p, files, nil
}
