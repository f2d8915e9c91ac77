package cli

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/importfile"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// maxImportSize bounds how much of an import file is read.
const maxImportSize = 64 << 20

func (a *app) importCmd() *cobra.Command {
	var (
		format            string
		meta              []string
		overwrite, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE [--format env|json] [--metadata k=v]... [--overwrite]",
		Short: "Import secrets from a .env or JSON file",
		Long: `Import secrets from a file (or - for stdin).

.env: NAME=value lines; blank lines and # comments are skipped; an "export "
prefix is allowed; values may be 'single-quoted' (literal, \' and \\ escape) or
"double-quoted" (escapes \n \r \t \" \\ \$), and quoted values may span lines.
An unquoted value ends at " #". There is no variable expansion.

JSON: an object of name → value, or an array of objects
{"name", "value", "description", "metadata"} as Julep's API takes them.

The format comes from the extension (.json, .env), else from the content;
--format overrides. Every entry is checked first: if any name, value or
metadata is invalid, nothing is imported. Existing names are skipped unless
--overwrite, which rotates them (the old value is kept for rollback); an
entry whose value is already the current one is counted as unchanged and
keeps its version and previous value (its description and metadata are
still applied).
--metadata is added to every imported secret.

--json prints the records created or overwritten (the fields of 'secrets list
--json', never a value): [] when every entry was skipped; if the import stops
part-way, the ones done before it stopped.`,
		Example: `  keyward secrets import .env --metadata env=dev
  keyward secrets import secrets.json --overwrite
  cat prod.env | keyward secrets import - --format env`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return withHint(usagef("import needs exactly one FILE"), "use - to read stdin")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			extra, err := parseMetadata(meta)
			if err != nil {
				return err
			}
			data, err := a.readImportFile(file)
			if err != nil {
				return err
			}
			if format == "" {
				format = importfile.DetectFormat(file, data)
			}
			var entries []importfile.Entry
			switch format {
			case "env":
				entries, err = importfile.ParseDotenv(data)
			case "json":
				entries, err = importfile.ParseJSON(data)
			default:
				return usagef("--format must be env or json, not %q", model.Printable(format))
			}
			var ve *model.ValidationError
			if errors.As(err, &ve) {
				return &model.ValidationError{Field: "import", Msg: displayName(file) + ": " + ve.Msg}
			} else if err != nil {
				return err
			}
			if len(entries) == 0 {
				return fmt.Errorf("import: %s: no secrets found", displayName(file))
			}
			for i := range entries {
				if len(extra) > 0 {
					if entries[i].Metadata == nil {
						entries[i].Metadata = map[string]string{}
					}
					maps.Copy(entries[i].Metadata, extra)
				}
			}
			if problems := importfile.Check(entries); len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintf(a.stderr, "%s: %s\n", displayName(file), model.Printable(p))
				}
				return &model.ValidationError{Field: "import", Msg: fmt.Sprintf("%s: %d invalid %s; nothing was imported",
					displayName(file), len(problems), model.Plural(len(problems), "entry", "entries"))}
			}
			return a.importEntries(cmd, entries, overwrite, asJSON, displayName(file))
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "", "file format: env or json (default: from the extension or content)")
	f.StringArrayVar(&meta, "metadata", nil, "add metadata `key=value` to every imported secret (repeatable)")
	f.BoolVar(&overwrite, "overwrite", false, "rotate existing secrets to the imported value instead of skipping them")
	f.BoolVar(&asJSON, "json", false, "print the created and overwritten records as JSON (never a value)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"env", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (a *app) readImportFile(file string) ([]byte, error) {
	var r io.Reader = a.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxImportSize+1))
	if err != nil {
		return nil, fmt.Errorf("import: read %s: %w", displayName(file), err)
	}
	if len(data) > maxImportSize {
		return nil, fmt.Errorf("import: %s is larger than %d MiB", displayName(file), maxImportSize>>20)
	}
	return data, nil
}

func displayName(file string) string {
	if file == "-" {
		return "stdin"
	}
	return file
}

// importEntries creates new secrets and skips or rotates existing ones. A
// keyring failure stops the import and says what was done so far; with
// --json the records done so far are printed first. New secrets are created
// in runs (keyring.Store.CreateAll: one index write per batch, not per
// secret); a rotation ends a run, so that everything happens in file order.
func (a *app) importEntries(cmd *cobra.Command, entries []importfile.Entry, overwrite, asJSON bool, file string) (err error) {
	ctx := cmd.Context()
	st := a.st
	list, err := st.List(ctx)
	if err != nil {
		return err
	}
	exists := make(map[string]bool, len(list))
	for i := range list {
		exists[list[i].Name] = true
	}
	if overwrite {
		a.unlockIfGiven()
	}
	var created, skipped, overwritten, unchanged int
	changed := []model.Secret{}
	counts := func() string {
		return fmt.Sprintf("%d created, %d skipped, %d overwritten, %d unchanged", created, skipped, overwritten, unchanged)
	}
	if asJSON {
		defer func() {
			if jerr := a.recordsJSON(changed); err == nil {
				err = jerr
			}
		}()
	}
	step, end := a.progress("importing", len(entries))
	defer end()
	// run is the new secrets not created yet, at entries[at[i]].
	var run []keyring.NewSecret
	var at []int
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		got, err := st.CreateAll(ctx, run, func(done int) { step(at[done-1] + 1) })
		changed = append(changed, got...)
		created += len(got)
		if err != nil {
			return fmt.Errorf("import stopped at %s (%s so far): %w", run[len(got)].Secret.Name, counts(), err)
		}
		run, at = run[:0], at[:0]
		return nil
	}
	for i, e := range entries {
		if !exists[e.Name] {
			run = append(run, keyring.NewSecret{Secret: model.Secret{Name: e.Name, Description: e.Description, Metadata: e.Metadata}, Value: e.Value})
			at = append(at, i)
			continue
		}
		if !overwrite {
			skipped++
			if len(run) == 0 {
				step(i + 1) // else the run's progress passes it
			}
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		got, err := st.Rotate(ctx, e.Name, e.Value)
		same := errors.Is(err, keyring.ErrUnchanged) // nothing written (issue 11, item 5)
		if err != nil && !same {
			return fmt.Errorf("import stopped at %s (%s so far): %w", e.Name, counts(), err)
		}
		step(i + 1)
		p := recordPatch(got, e)
		if same && p.Empty() {
			unchanged++
			continue
		}
		if !p.Empty() {
			updated, err := st.Update(ctx, e.Name, p)
			if err != nil {
				changed = append(changed, got) // rotated all the same
				what := "its value was rotated"
				if same {
					what = "its value was unchanged"
				}
				return fmt.Errorf("import stopped at %s (%s so far; %s): %w", e.Name, counts(), what, err)
			}
			got = updated
		}
		changed = append(changed, got)
		if same {
			unchanged++ // the value; its description or metadata changed
		} else {
			overwritten++
		}
	}
	if err := flush(); err != nil {
		return err
	}
	end()
	if asJSON {
		fmt.Fprintf(a.stderr, "imported %s: %s\n", file, counts())
	} else {
		a.done(fmt.Sprintf("imported %s: %s", file, counts()))
	}
	if skipped > 0 {
		fmt.Fprintln(a.stderr, "note: skipped secrets already exist; --overwrite rotates them to the imported value")
	}
	return nil
}

// recordPatch is what an overwriting import entry changes in rec besides
// the value: its description when it has one, and its metadata pairs, each
// only where it differs from the record.
func recordPatch(rec model.Secret, e importfile.Entry) model.Patch {
	var p model.Patch
	if e.Description != "" && e.Description != rec.Description {
		p.Description = &e.Description
	}
	for k, v := range e.Metadata {
		if old, ok := rec.Metadata[k]; !ok || old != v {
			if p.SetMetadata == nil {
				p.SetMetadata = map[string]string{}
			}
			p.SetMetadata[k] = v
		}
	}
	return p
}
