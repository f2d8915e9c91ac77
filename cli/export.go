package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/importfile"
	"github.com/keyward/keyward/model"
)

func (a *app) exportCmd() *cobra.Command {
	var (
		filter, format, output string
		force, reveal          bool
	)
	cmd := &cobra.Command{
		Use:         "export [--filter QUERY | NAME...] [--format env|json] [--output FILE] [--force]",
		Annotations: map[string]string{warmsKeyring: "yes"},
		Short:       "Write secrets and their values as a .env or JSON file that import reads",
		Long: `Write secrets with their values, all of them, the ones named, or the ones a
--filter matches, in a form 'keyward secrets import' reads back exactly:

  env   NAME="value" lines, with the escapes import reads (\\ \" \$ \n \r \t),
        so multi-line values stay on one line; the default
  json  an array of {"name", "value", "description", "metadata"}

--output FILE creates FILE readable by you alone (0600) and never replaces an
existing file unless --force. Without --output the file goes to stdout, which
must not be a terminal unless --reveal is given. Records pulled from Julep
without a local value are left out, with a note.`,
		Example: `  keyward secrets export --filter env=dev --output dev.env
  keyward secrets export OPENAI_API_KEY JULEP_API_KEY --format json > keys.json
  keyward secrets export --output backup.env --force`,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format != "env" && format != "json" {
				return usagef("--format must be env or json, not %q", model.Printable(format))
			}
			if len(args) > 0 && cmd.Flags().Changed("filter") {
				return withHint(usagef("give NAMEs or --filter, not both"), "see 'keyward secrets export --help'")
			}
			if output == "" && !reveal && a.term.StdoutIsTerminal() {
				return withHint(usagef("refusing to print secret values to the terminal"),
					"write them to a file with --output FILE, redirect stdout, or add --reveal")
			}
			if output != "" {
				if _, err := os.Lstat(output); err == nil && !force {
					return withHint(fmt.Errorf("%s exists; nothing was written", model.Printable(output)),
						"add --force to replace it, or choose another --output")
				}
			}
			list, err := a.st.List(ctx)
			if err != nil {
				return err
			}
			var chosen []model.Secret
			switch {
			case len(args) > 0:
				for _, name := range args {
					i := slices.IndexFunc(list, func(s model.Secret) bool { return s.Name == name })
					if i < 0 {
						_, err := a.st.Get(ctx, name)
						return a.notFound(ctx, err, name)
					}
					chosen = append(chosen, list[i])
				}
			default:
				q, env, err := a.query(filter)
				if err != nil {
					return err
				}
				for i := range list {
					if q.Match(&list[i], env) {
						chosen = append(chosen, list[i])
					}
				}
			}
			var entries []importfile.Entry
			var skipped []string
			for _, s := range chosen {
				if s.NoValue {
					skipped = append(skipped, s.Name)
					continue
				}
				v, err := a.st.Value(ctx, s.Name)
				if err != nil {
					return err
				}
				if err := storedText(s.Name, v); err != nil {
					return err // nothing written: import would refuse it
				}
				entries = append(entries, importfile.Entry{Name: s.Name, Value: v, Description: s.Description, Metadata: s.Metadata})
			}
			if len(skipped) > 0 {
				fmt.Fprintf(a.stderr, "keyward: note: not exported, no local value (pulled from Julep): %s\n", model.Printable(fmt.Sprint(skipped)))
			}
			if len(entries) == 0 {
				return errors.New("no secrets to export; nothing was written")
			}
			data := importfile.FormatDotenv(entries)
			if format == "json" {
				if data, err = importfile.FormatJSON(entries); err != nil {
					return fmt.Errorf("export: %w", err) // storedText has ruled out the one cause
				}
			}
			if output == "" {
				_, err := a.stdout.Write(data)
				return err
			}
			if err := writePrivate(output, data, force); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "exported %s to %s (mode 0600)\n", model.Count(len(entries), "secret"), model.Printable(output))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&filter, "filter", "", "only secrets matching `QUERY` (see 'keyward secrets list --help')")
	f.StringVar(&format, "format", "env", "env or json")
	f.StringVar(&output, "output", "", "write to `FILE` (created 0600) instead of stdout")
	f.BoolVar(&force, "force", false, "replace an existing --output file")
	f.BoolVar(&reveal, "reveal", false, "allow printing the values to a terminal")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"env", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// writePrivate writes data to a file that is 0600 from the moment it
// exists. Without force an existing file is an error (O_EXCL, so no race);
// with force it is truncated and its mode set to 0600 before any byte is
// written.
func writePrivate(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return withHint(fmt.Errorf("%s exists; nothing was written", model.Printable(path)), "add --force to replace it")
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("export: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("export: %w", err)
	}
	return f.Close()
}
