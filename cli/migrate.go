package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/config"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// migrateJSON is what migrate --json prints. The field names are a contract
// with users' scripts.
type migrateJSON struct {
	Backend  string   `json:"backend"` // the backend in use once done: to (from for a dry run)
	From     string   `json:"from"`
	To       string   `json:"to"`
	Moved    int      `json:"moved"`
	Previous int      `json:"previous"`
	Already  int      `json:"already"`
	Missing  []string `json:"missing"` // [] when none
	Resumed  bool     `json:"resumed"`
	DryRun   bool     `json:"dry_run"`
	SetUp    bool     `json:"set_up"` // the file backend was (dry run: would be) set up
}

func (a *app) migrateCmd() *cobra.Command {
	var to string
	var asJSON, dryRun bool
	cmd := &cobra.Command{
		Use: "migrate --to file|keyring",
		// Not opened as usual: migrate opens both backends itself, and is
		// the one command that runs while a migration is half done.
		Annotations: map[string]string{skipOpen: "yes"},
		Short:       "Move every value to the other backend (the keyring or the encrypted file backend)",
		Long: `Move every value of the index, previous values included, from the other
backend to the one --to names, then record the choice as backend in
config.toml beside the index, so every later command uses it.

Each value is written to the destination and read back and compared before it
is removed from the source (for the file backend, the encrypted file is read
back and compared byte for byte, which needs no passphrase). Going to the file
backend needs no passphrase; if it is not set up yet, migrate sets it up first
and asks for a new passphrase, as 'keyward init --backend file' does. Leaving
the file backend asks for its passphrase once.

A migration that is interrupted (killed, or a keyring that stops answering)
loses nothing: run the same command again and it continues where it stopped.
Until it is finished every other keyward command but lock refuses to run, and
once it is, the old backend refuses changes. Progress is kept in INDEX.migrate (names
only, never values); the backend the values are in, in INDEX.backend.

--dry-run counts what would move and changes nothing; it needs no passphrase.`,
		Example: `  keyward migrate --to file          # leave the OS keyring (SSH, containers, CI)
  keyward migrate --to keyring       # back to the OS keyring
  keyward migrate --to file --dry-run --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if to != "file" && to != "keyring" {
				return withHint(usagef("migrate needs --to file or --to keyring"), "see 'keyward migrate --help'")
			}
			if a.demo {
				return withHint(usagef("--demo has no values to migrate"), "run 'keyward migrate' without --demo")
			}
			if err := a.resolveIndex(); err != nil {
				return err
			}
			a.cfg, a.cfgWarnings = config.Load(config.Path(a.indexPath))
			a.cfgLoaded = true
			from := map[string]string{"file": "keyring", "keyring": "file"}[to]
			src, err := a.openStore(from)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			// The source answers before anything is set up or asked.
			if err := src.Ping(ctx); err != nil {
				if from == "file" && errors.Is(err, keyring.ErrNotInitialized) {
					return withHint(fmt.Errorf("no values to move: %w", err), "the file backend was never set up for this index")
				}
				return fmt.Errorf("cannot migrate from %s: %w", keyring.BackendName(from), err)
			}
			setUp := false
			if to == "file" && !keyring.FileInitialized(a.indexPath) {
				setUp = true
				if !dryRun {
					if err := a.setUpFile(a.stderr); err != nil {
						return err
					}
				}
			}
			dst, err := a.openStore(to)
			if err != nil {
				return err
			}
			if fs, ok := src.(*keyring.FileStore); ok && !dryRun {
				// The one passphrase prompt, once the keyring answers
				// and before the index is locked.
				if err := dst.Ping(ctx); err != nil {
					return fmt.Errorf("cannot migrate to %s: %w", keyring.BackendName(to), err)
				}
				if err := fs.Unlock(); err != nil {
					return err
				}
			}
			res, err := keyring.Migrate(ctx, src, dst, keyring.MigrateOptions{DryRun: dryRun, Progress: a.migrateProgress()})
			if err != nil {
				return err
			}
			cfgPath := config.Path(a.indexPath)
			if !dryRun {
				if err := setConfigBackend(cfgPath, to); err != nil {
					return fmt.Errorf("the values are in %s, but: %w", keyring.BackendName(to), err)
				}
			}
			res.SetUp = res.SetUp || setUp
			if asJSON {
				return a.printMigrateJSON(res, dryRun)
			}
			a.printMigrate(res, dryRun, cfgPath)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "the backend to move the values to: `file` or keyring")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.BoolVar(&dryRun, "dry-run", false, "count what would move; change nothing")
	return cmd
}

// migrateProgress returns migrate's progress callback: a count line on
// stderr that rewrites itself, when there are many secrets and stderr is a
// terminal (progress).
func (a *app) migrateProgress() func(done, total int) {
	var step func(int)
	var end func()
	return func(done, total int) {
		if step == nil {
			step, end = a.progress("migrating values", total)
		}
		step(done)
		if done == total {
			end()
		}
	}
}

func (a *app) printMigrate(res keyring.MigrateResult, dryRun bool, cfgPath string) {
	toName := keyring.BackendName(res.To)
	if res.Finished {
		fmt.Fprintf(a.stdout, "the values are in %s already; nothing to move\n", toName)
	} else {
		verb := "moved"
		if dryRun {
			verb = "would move"
			if res.SetUp {
				fmt.Fprintln(a.stdout, "would set up the file backend first (it asks for a new passphrase)")
			}
		}
		line := fmt.Sprintf("%s %d %s (%d previous %s) to %s", verb, res.Moved, model.Plural(res.Moved, "secret", "secrets"),
			res.Previous, model.Plural(res.Previous, "value", "values"), toName)
		if res.Resumed {
			line += ", continuing the interrupted migration"
		}
		fmt.Fprintln(a.stdout, line)
		if res.Already > 0 {
			fmt.Fprintf(a.stdout, "%d %s in %s already\n", res.Already, model.Plural(res.Already, "secret was", "secrets were"), toName)
		}
		if len(res.Missing) > 0 {
			fmt.Fprintf(a.stdout, "no value to move for %s (missing from both backends; set a new one with 'keyward secrets rotate NAME')\n",
				model.Printable(strings.Join(res.Missing, ", ")))
		}
	}
	if !dryRun {
		fmt.Fprintf(a.stdout, "recorded backend = %q in %s\n", res.To, cfgPath)
	}
}

func (a *app) printMigrateJSON(res keyring.MigrateResult, dryRun bool) error {
	out := migrateJSON{Backend: res.To, From: res.From, To: res.To, Moved: res.Moved, Previous: res.Previous,
		Already: res.Already, Missing: res.Missing, Resumed: res.Resumed, DryRun: dryRun, SetUp: res.SetUp}
	if dryRun {
		out.Backend = res.From
	}
	if out.Missing == nil {
		out.Missing = []string{}
	}
	return writeJSON(a.stdout, out)
}
