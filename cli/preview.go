package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/taskpreview"
)

// previewFile is one task file's outcome: its results, or why it has none.
type previewFile struct {
	path    string // as the user named it (or as found in a folder)
	results []*taskpreview.Result
	err     error
}

// previewFailure is the JSON object for a file that could not be previewed.
// It has the fields of a result, empty, plus the error.
type previewFailure struct {
	File       string   `json:"file"`
	Model      string   `json:"model"`
	References []string `json:"references"`
	Dynamic    []string `json:"dynamic"`
	Inert      []string `json:"inert"`
	Warnings   []string `json:"warnings"`
	Error      string   `json:"error"`
}

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
	fsys, dir := a.tasks.FS, a.tasks.Label
	files, err := taskpreview.FindTasks(fsys, ".")
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
	var results []*taskpreview.Result
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			continue
		}
		res, err := taskpreview.Preview(f, src, taskpreview.Options{Model: a.agentModel, Mapping: m})
		if err != nil {
			fmt.Fprintf(a.stderr, "keyward: skipping %s\n", model.Printable(err.Error()))
			continue
		}
		results = append(results, res...)
	}
	used := taskpreview.UsedBy(results)
	return func(name string) bool { return len(used[name]) > 0 }, nil
}

func (a *app) runPreview(ctx context.Context, args []string, opts taskpreview.Options, asJSON bool) error {
	var fsys fs.FS // nil: the files named on the command line
	if len(args) == 0 {
		if a.tasks.Demo {
			fsys = a.tasks.FS
		} else {
			args = []string{a.tasks.Dir}
		}
	}
	var files []string
	var err error
	if fsys != nil {
		files, err = taskpreview.FindTasks(fsys, ".")
	} else {
		files, err = expandTaskArgs(args, a.stderr)
	}
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

	var out []previewFile
	for _, file := range files {
		var src []byte
		if fsys != nil {
			src, err = fs.ReadFile(fsys, file)
		} else {
			src, err = os.ReadFile(file)
		}
		if err != nil {
			out = append(out, previewFile{path: file, err: readError(file, err)})
			continue
		}
		res, err := taskpreview.Preview(file, src, opts)
		out = append(out, previewFile{path: file, results: res, err: err})
	}
	checkManifests(out)

	// One pass: the results for text and the exit status, and the JSON
	// array in file order, with a failure object where a file had none.
	var results []*taskpreview.Result
	all := make([]any, 0, len(out))
	badFiles := 0
	for _, pf := range out {
		if pf.err != nil {
			badFiles++
			all = append(all, previewFailure{File: pf.path, Error: pf.err.Error(),
				References: []string{}, Dynamic: []string{}, Inert: []string{}, Warnings: []string{}})
			continue
		}
		results = append(results, pf.results...)
		for _, r := range pf.results {
			all = append(all, r)
		}
	}

	if asJSON {
		if err := writeJSON(a.stdout, all); err != nil {
			return err
		}
	} else {
		if err := taskpreview.WriteText(a.stdout, results); err != nil {
			return err
		}
		for _, pf := range out {
			if pf.err != nil {
				fmt.Fprintf(a.stderr, "keyward: %s\n", model.Printable(pf.err.Error()))
			}
		}
	}
	if keyErr != nil {
		// Reported last, with its hint, so it is what the user sees.
		return fmt.Errorf("some values could not be read to show their masks: %w", keyErr)
	}
	missing := missingRequired(results)
	switch {
	case len(missing) > 0 && badFiles > 0:
		return fmt.Errorf("%d required %s missing, and %d %s could not be previewed",
			len(missing), model.Plural(len(missing), "secret is", "secrets are"), badFiles, model.Plural(badFiles, "file", "files"))
	case len(missing) > 0:
		return withHint(fmt.Errorf("%d required %s missing: %s", len(missing),
			model.Plural(len(missing), "secret is", "secrets are"), strings.Join(missing, ", ")),
			"create it with 'keyward secrets create --name "+missing[0]+"', or fix the name in the task")
	case badFiles > 0:
		return fmt.Errorf("%d %s could not be previewed", badFiles, model.Plural(badFiles, "file", "files"))
	}
	return nil
}

// missingRequired lists, once each and in order of first use, the names of
// required references that did not resolve.
func missingRequired(results []*taskpreview.Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range results {
		for _, ref := range r.References {
			if ref.Required() && ref.Status == taskpreview.StatusMissing && !seen[ref.Name] {
				seen[ref.Name] = true
				out = append(out, ref.Name)
			}
		}
	}
	return out
}

func readError(file string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file", file)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", file)
	}
	return fmt.Errorf("%s: %w", file, err)
}

// expandTaskArgs turns the FILE|DIR arguments into task files: a file is
// taken as named, a folder is searched with taskpreview.FindTasks.
func expandTaskArgs(args []string, stderr interface{ Write([]byte) (int, error) }) ([]string, error) {
	var files []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			files = append(files, arg) // reading it reports the problem
			continue
		}
		found, err := taskpreview.FindTasks(os.DirFS(arg), ".")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		if len(found) == 0 {
			fmt.Fprintf(stderr, "keyward: %s: no *.yaml or *.yml task files\n", model.Printable(arg))
		}
		for _, f := range found {
			files = append(files, filepath.Join(arg, filepath.FromSlash(f)))
		}
	}
	return files, nil
}

// checkManifests compares each julep.yaml found in or above the previewed
// files' folders with what those files reference, and adds the findings to
// their warnings (taskpreview.ManifestWarnings). Manifests are shown
// relative to the current folder, as the user would type them.
func checkManifests(files []previewFile) {
	cwd, _ := os.Getwd()
	manifests := map[string][]byte{} // by absolute slash path
	var tree []taskpreview.FileResults
	byPath := map[string]*previewFile{}
	for i := range files {
		pf := &files[i]
		abs, err := filepath.Abs(pf.path)
		if pf.err != nil || len(pf.results) == 0 || err != nil {
			continue
		}
		key := filepath.ToSlash(abs)
		tree = append(tree, taskpreview.FileResults{Path: key, Results: pf.results})
		byPath[key] = pf
		// The nearest julep.yaml on disk, each read once.
		for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
			m := filepath.Join(dir, taskpreview.ManifestName)
			if _, seen := manifests[filepath.ToSlash(m)]; seen {
				break
			}
			if src, err := os.ReadFile(m); err == nil {
				manifests[filepath.ToSlash(m)] = src
				break
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for p, ws := range taskpreview.ManifestWarnings(manifests, tree) {
		for i := range ws {
			m := filepath.FromSlash(ws[i].Path)
			if rel, err := filepath.Rel(cwd, m); err == nil && cwd != "" {
				ws[i].Message = strings.ReplaceAll(ws[i].Message, ws[i].Path, filepath.ToSlash(rel))
				ws[i].Path = filepath.ToSlash(rel)
			}
		}
		rs := byPath[p].results
		rs[0].Warnings = append(rs[0].Warnings, ws...)
	}
}
