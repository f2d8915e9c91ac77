package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

func (a *app) createCmd() *cobra.Command {
	var (
		name, desc, every string
		meta              []string
		vf                valueFlags
		asJSON            bool
	)
	cmd := &cobra.Command{
		Use:         "create --name NAME [flags]",
		Annotations: map[string]string{warmsKeyring: "yes"},
		Short:       "Create a secret",
		Long: `Create a secret. The value goes into the OS keyring; the name, description,
metadata and rotation policy go into the index.

The value comes from one of:
  (no flag)      a prompt, asked twice without echo, when stdin is a terminal;
                 otherwise all of stdin
  --value-stdin  all of stdin (a single line loses its trailing newline;
                 multi-line input is kept byte-exact)
  --value V      the argument (warns: it lands in shell history and ps output)
  --generate     a random value (default 32 letters and digits); never printed

Names start with a letter and hold letters, digits and _ (at most 255).`,
		Example: `  keyward secrets create --name OPENAI_API_KEY --description "OpenAI, prod" --metadata env=prod
  printf %s "$TOKEN" | keyward secrets create --name GITHUB_TOKEN --rotate-every 90d
  keyward secrets create --name TLS_KEY --value-stdin < server.key
  keyward secrets create --name SESSION_SECRET --generate --length 48 --symbols`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return withHint(usagef("--name is required"), "e.g. keyward secrets create --name API_KEY")
			}
			md, err := parseMetadata(meta)
			if err != nil {
				return err
			}
			policy, err := parseRotateEvery(every)
			if err != nil {
				return err
			}
			sec := model.Secret{Name: name, Description: desc, Metadata: md, RotateEvery: policy}
			if err := sec.Validate(); err != nil {
				return err
			}
			st := a.st
			ctx := cmd.Context()
			// Refuse before asking for a value that would be thrown away.
			if _, err := st.Get(ctx, name); err == nil {
				return withHint(fmt.Errorf("%w: %s", keyring.ErrExists, name),
					"change its value with 'keyward secrets rotate "+name+"', or choose another name")
			} else if !errors.Is(err, keyring.ErrNotFound) {
				return err
			}
			value, gen, err := a.readValue(cmd, &vf, name, nil)
			if err != nil {
				return err
			}
			sec.Generated = gen
			got, err := st.Create(ctx, sec, value)
			if err != nil {
				return err
			}
			if asJSON {
				return a.recordJSON(&got)
			}
			msg := fmt.Sprintf("created %s (version %d)", got.Name, got.Version)
			if gen != nil {
				msg += fmt.Sprintf(" with a generated %d-character value (not shown; 'keyward secrets get %s --reveal' shows it)", len(value), got.Name)
			}
			a.done(msg)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "secret `NAME` (required)")
	f.StringVar(&desc, "description", "", "free-text description")
	f.StringArrayVar(&meta, "metadata", nil, "metadata `key=value` (repeatable)")
	f.StringVar(&every, "rotate-every", "", "rotation policy `DUR`, e.g. 90d, 12w, 36h")
	vf.add(cmd)
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (a *app) listCmd() *cobra.Command {
	var (
		filter, sortBy string
		asJSON         bool
	)
	cmd := &cobra.Command{
		Use:   "list [--filter QUERY] [--sort KEY] [--json]",
		Short: "List secrets (never their values)",
		Long: `List secrets: name, description, metadata, age (since the last rotation, or
creation) and whether a rotation is due. Values are never read or shown: list
reads only the index, never the keyring.

Filter language (all terms must match; separate terms with spaces):
  word            case-insensitive substring of the name or the description
  key=value       metadata key (exact) has this value (case-insensitive)
  key!=value      the key is missing or has another value
  key=*           the key is present        key!=*   the key is absent
  is:due          the rotation policy says the secret is due
  is:unused       no task file in --tasks DIR (default .) references it
  age>90d         last rotated (or created) more than 90 days ago
  age<7d          ... less than 7 days ago; units h, d, w
  owner="payments team"   quote values that contain spaces

--sort: name (default), created, updated, rotated (newest first), or due
(due first, then soonest due, then secrets without a policy).

--json prints an array of objects with the fields name, description,
metadata, created_at, updated_at, rotated_at, version, rotate_every, due,
generated. Times are RFC 3339 in UTC. rotated_at is null until the first
rotation, rotate_every is null when there is no policy, and generated
({"length": N, "symbols": BOOL}) is null unless the value was generated;
metadata is always an object.`,
		Example: `  keyward secrets list
  keyward secrets list --filter 'env=prod is:due'
  keyward secrets list --filter 'stripe owner!=payments age>90d' --sort rotated
  keyward secrets list --json | jq -r '.[] | select(.due) | .name'
  keyward --tasks ./tasks secrets list --filter is:unused`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q, env, err := a.query(filter)
			if err != nil {
				return err
			}
			key, err := model.ParseSortKey(sortBy)
			if err != nil {
				return err
			}
			var keep func(*model.Secret) bool
			if !q.Empty() {
				keep = func(s *model.Secret) bool { return q.Match(s, env) }
			}
			list, err := a.st.ListMatching(cmd.Context(), keep)
			if err != nil {
				return err
			}
			now := env.Now
			model.Sort(list, key, now)
			if asJSON {
				return writeJSONList(a.stdout, list, now, a.backend)
			}
			if len(list) == 0 {
				if q.Empty() {
					fmt.Fprintln(a.stderr, "no secrets yet; add one with 'keyward secrets create --name NAME'")
				} else {
					fmt.Fprintln(a.stderr, "no secrets match the filter")
				}
				return nil
			}
			return writeTable(a.stdout, list, now)
		},
	}
	f := cmd.Flags()
	f.StringVar(&filter, "filter", "", "only secrets matching `QUERY` (see above)")
	f.StringVar(&sortBy, "sort", string(model.SortName), "order: name, created, updated, rotated or due")
	f.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	_ = cmd.RegisterFlagCompletionFunc("sort", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		keys := make([]string, len(model.SortKeys))
		for i, k := range model.SortKeys {
			keys[i] = string(k)
		}
		return keys, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func (a *app) getCmd() *cobra.Command {
	var reveal, asJSON, plain bool
	cmd := &cobra.Command{
		Use:         "get NAME [--reveal] [--json | --plain]",
		Annotations: map[string]string{warmsKeyring: "yes"},
		Short:       "Show a secret's record and its masked value",
		Long: `Show a secret's record and its value masked: eight bullets, plus the last
four characters when the value has at least 16. --reveal adds the plaintext
(as "value" in --json; on a terminal control characters are shown escaped, so
use --plain or --json for the exact bytes).

--plain prints the value alone, byte for byte, with no newline added: for
scripts and pipes. It refuses a terminal stdout unless --reveal is given too.`,
		Example: `  keyward secrets get OPENAI_API_KEY
  keyward secrets get OPENAI_API_KEY --json
  keyward secrets get TLS_KEY --plain > server.key
  curl -H "Authorization: Bearer $(keyward secrets get GITHUB_TOKEN --plain)" ...`,
		Args:              oneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, ctx := args[0], cmd.Context()
			if plain && asJSON {
				return usagef("--plain and --json cannot be combined")
			}
			if plain && !reveal && a.term.StdoutIsTerminal() {
				return withHint(usagef("refusing to print %s's value to the terminal", name),
					"add --reveal to show it, or redirect stdout: keyward secrets get "+name+" --plain > FILE")
			}
			st := a.st
			sec, err := st.Get(ctx, name)
			if err != nil {
				return a.notFound(ctx, err, name)
			}
			if plain {
				value, err := st.Value(ctx, name)
				if err != nil {
					return err
				}
				_, err = io.WriteString(a.stdout, value)
				return err
			}
			if sec.NoValue && reveal {
				_, err := st.Value(ctx, name) // ErrNotSet: says why there is nothing to reveal
				return err
			}
			var value string
			missing := false
			if !sec.NoValue {
				value, err = st.Value(ctx, name)
				switch {
				case errors.Is(err, keyring.ErrNoValue) && !reveal:
					// The record is still there and worth reading;
					// rotate sets a new value (issue 11, item 3).
					missing = true
				case err != nil:
					return err
				}
			}
			hasPrev, err := st.HasPrevious(ctx, name)
			if err != nil {
				return err
			}
			now := a.now()
			if asJSON && reveal {
				if err := storedText(name, value); err != nil {
					return err // JSON strings hold only UTF-8
				}
			}
			if asJSON {
				out := getJSON{secretJSON: toJSON(&sec, now, a.backend), HasPrevious: hasPrev}
				if !sec.NoValue && !missing {
					out.MaskedValue = model.Mask(value)
				}
				if reveal {
					out.Value = &value
				}
				if missing {
					return writeJSON(a.stdout, struct {
						getJSON
						ValueMissing bool `json:"value_missing"`
					}{out, true})
				}
				return writeJSON(a.stdout, out)
			}
			shown := model.Mask(value)
			switch {
			case missing:
				shown = "value missing from the keyring; set a new one with 'keyward secrets rotate " + model.Printable(name) + "' (the record stays)"
			case sec.NoValue:
				shown = "none yet: it came from a Julep account, which never gives values back; set one with 'keyward secrets rotate " + model.Printable(name) + "'"
			case reveal:
				shown = model.Printable(value)
			}
			return writeRecord(a.stdout, &sec, now, hasPrev, shown)
		},
	}
	cmd.Flags().BoolVar(&reveal, "reveal", false, "show the value in plaintext")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&plain, "plain", false, "print the value alone, byte-exact, no newline (refuses a terminal without --reveal)")
	return cmd
}

func (a *app) updateCmd() *cobra.Command {
	var (
		desc, rename, every string
		meta, unset         []string
		asJSON              bool
	)
	cmd := &cobra.Command{
		Use:   "update NAME [flags]",
		Short: "Change a secret's description, metadata, name or rotation policy (never its value)",
		Long: `Change a secret's record. Only the flags you give change anything. The value
is changed only by 'keyward secrets rotate'. --rotate-every none removes the
rotation policy. --rename moves the value (and the previous one) to the new
name in the keyring.`,
		Example: `  keyward secrets update OPENAI_API_KEY --description "OpenAI, production"
  keyward secrets update OPENAI_API_KEY --metadata owner=ml --unset-metadata team
  keyward secrets update OPENAI_KEY --rename OPENAI_API_KEY
  keyward secrets update GITHUB_TOKEN --rotate-every none`,
		Args:              oneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, ctx, f := args[0], cmd.Context(), cmd.Flags()
			var p model.Patch
			if f.Changed("description") {
				p.Description = &desc
			}
			md, err := parseMetadata(meta)
			if err != nil {
				return err
			}
			p.SetMetadata = md
			for _, k := range unset {
				if err := model.ValidateMetadataKey(k); err != nil {
					return err
				}
				if _, ok := md[k]; ok {
					return usagef("--metadata and --unset-metadata both name the key %q", model.Printable(k))
				}
			}
			p.UnsetMetadata = unset
			if f.Changed("rename") {
				if err := model.ValidateName(rename); err != nil {
					return err
				}
				p.Rename = rename
			}
			if f.Changed("rotate-every") {
				d, err := parseRotateEvery(every)
				if err != nil {
					return err
				}
				p.RotateEvery = &d
			}
			if p.Empty() {
				return withHint(usagef("nothing to update"),
					"give --description, --metadata, --unset-metadata, --rename or --rotate-every; change the value with 'keyward secrets rotate'")
			}
			st := a.st
			got, err := st.Update(ctx, name, p)
			if err != nil {
				return a.notFound(ctx, err, name)
			}
			if asJSON {
				return a.recordJSON(&got)
			}
			if got.Name != name {
				a.done(fmt.Sprintf("renamed %s to %s", name, got.Name))
			} else {
				a.done("updated " + got.Name)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&desc, "description", "", "new description (\"\" clears it)")
	f.StringArrayVar(&meta, "metadata", nil, "set metadata `key=value` (repeatable)")
	f.StringArrayVar(&unset, "unset-metadata", nil, "remove metadata `key` (repeatable)")
	f.StringVar(&rename, "rename", "", "new `NAME`")
	f.StringVar(&every, "rotate-every", "", "rotation policy `DUR` (90d, 12w, 36h) or none")
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (a *app) rotateCmd() *cobra.Command {
	var (
		vf     valueFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:         "rotate NAME [--value-stdin | --value V | --generate [--length N] [--symbols]]",
		Annotations: map[string]string{warmsKeyring: "yes"},
		Short:       "Give a secret a new value, keeping the current one for rollback",
		Long: `Give a secret a new value. The current value is kept as the previous one
(for 'keyward secrets rollback'), the version goes up by one and rotated_at
is set. The value comes from the same places as for create: a hidden prompt
asked twice on a terminal, else all of stdin, or --value-stdin, --value or
--generate. --generate without --length or --symbols reuses the settings
the current value was generated with (when it was); a value given any other
way forgets them. A value equal to the current one changes nothing: rotate
says "unchanged", keeps the version and the previous value, and exits 0
(on the file backend only when the passphrase comes without a prompt, from
KEYWARD_PASSPHRASE_FD or KEYWARD_PASSPHRASE: a rotation never asks for it).`,
		Example: `  keyward secrets rotate OPENAI_API_KEY                  # prompts twice, no echo
  pbpaste | keyward secrets rotate OPENAI_API_KEY
  keyward secrets rotate SESSION_SECRET --generate --length 64`,
		Args:              oneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, ctx := args[0], cmd.Context()
			st := a.st
			// Fail on an unknown name before asking for a value.
			before, err := st.Get(ctx, name)
			if err != nil {
				return a.notFound(ctx, err, name)
			}
			// A lost value is set again, and said so (issue 11, item 3).
			lost := false
			if vc, ok := st.(keyring.ValueChecker); ok && !before.NoValue {
				has, err := vc.HasValue(ctx, name)
				if err != nil {
					return err
				}
				lost = !has
			}
			value, gen, err := a.readValue(cmd, &vf, name, before.Generated)
			if err != nil {
				return err
			}
			a.unlockIfGiven()
			got, err := st.RotateGenerated(ctx, name, value, gen)
			if errors.Is(err, keyring.ErrUnchanged) {
				// Not an error: the secret already holds the value asked
				// for, and nothing was written (issue 11, item 5).
				note := fmt.Sprintf("%s unchanged: the new value is the same as the current one; "+
					"version %d and the previous value are kept", model.Printable(got.Name), got.Version)
				if asJSON {
					fmt.Fprintln(a.stderr, "note: "+note)
					return a.recordJSON(&got)
				}
				a.done(note)
				return nil
			}
			if err != nil {
				return a.notFound(ctx, err, name)
			}
			if asJSON {
				return a.recordJSON(&got)
			}
			msg := fmt.Sprintf("rotated %s to version %d; the previous value is kept for rollback", got.Name, got.Version)
			switch {
			case before.NoValue:
				msg = fmt.Sprintf("set the first value of %s (version %d)", got.Name, got.Version)
			case lost:
				msg = fmt.Sprintf("set a new value for %s (version %d): its value was missing from the keyring; "+
					"the record and any previous value are kept", got.Name, got.Version)
			}
			if gen != nil {
				msg += fmt.Sprintf(" (generated %d characters, not shown)", len(value))
			}
			a.done(msg)
			return nil
		},
	}
	vf.add(cmd)
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (a *app) rollbackCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:         "rollback NAME",
		Annotations: map[string]string{warmsKeyring: "yes"},
		Short:       "Bring back a secret's previous value (as a new version)",
		Long: `Bring back the value a secret had before its last rotate (or rollback). It
counts as a new version, and the value it replaces becomes the previous one,
so a second rollback undoes the first.`,
		Example: `  keyward secrets rotate STRIPE_KEY < new.txt
  keyward secrets rollback STRIPE_KEY        # back to the old key`,
		Args:              oneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, ctx := args[0], cmd.Context()
			st := a.st
			got, err := st.Rollback(ctx, name)
			if err != nil {
				return a.notFound(ctx, err, name)
			}
			if asJSON {
				return a.recordJSON(&got)
			}
			a.done(fmt.Sprintf("rolled %s back to its previous value (now version %d)", got.Name, got.Version))
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (a *app) deleteCmd() *cobra.Command {
	var yes, asJSON bool
	cmd := &cobra.Command{
		Use:         "delete NAME [--yes]",
		Annotations: map[string]string{warmsKeyring: "yes"},
		Short:       "Delete a secret, its value and its previous value",
		Long: `Delete a secret: its record from the index, then its value and previous value
from the keyring. On a terminal keyward asks first; without a terminal it
refuses unless --yes is given.`,
		Example: `  keyward secrets delete OLD_TOKEN            # asks: Delete secret OLD_TOKEN? [y/N]
  keyward secrets delete OLD_TOKEN --yes < /dev/null`,
		Args:              oneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, ctx := args[0], cmd.Context()
			st := a.st
			before, err := st.Get(ctx, name)
			if err != nil {
				return a.notFound(ctx, err, name)
			}
			if !yes {
				err := a.confirm(fmt.Sprintf("Delete secret %s and its values from the keyring? This cannot be undone.", name), "delete "+name, "delete")
				if errors.Is(err, errNotConfirmed) {
					return fmt.Errorf("not deleted: %s", name)
				}
				if err != nil {
					return err
				}
			}
			if err := st.Delete(ctx, name); err != nil {
				return a.notFound(ctx, err, name)
			}
			if asJSON {
				return a.recordJSON(&before) // the record as it was: the last word on it
			}
			a.done("deleted " + name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the deleted record as JSON (as it was; never a value)")
	return cmd
}

// done reports a successful change on stdout, noting that --demo keeps
// nothing. With --json, recordJSON and recordsJSON report instead.
// unlockIfGiven unlocks the file backend before a rotation when its
// passphrase comes without a prompt (KEYWARD_PASSPHRASE_FD,
// KEYWARD_PASSPHRASE), so the store can tell a value that is already the
// current one. A rotation never asks for the passphrase, and one that does
// not unlock changes nothing here: the rotation needs none.
func (a *app) unlockIfGiven() {
	fs, ok := a.st.(*keyring.FileStore)
	if ok && (a.getenv("KEYWARD_PASSPHRASE_FD") != "" || a.getenv("KEYWARD_PASSPHRASE") != "") {
		_ = fs.Unlock()
	}
}

func (a *app) done(msg string) {
	fmt.Fprintln(a.stdout, msg)
	a.demoNote()
}

func (a *app) demoNote() {
	if a.demo {
		fmt.Fprintln(a.stderr, "note: --demo keeps everything in memory; this change is gone when keyward exits")
	}
}

// jsonFlag adds --json to a command that changes secrets.
func jsonFlag(cmd *cobra.Command, asJSON *bool) {
	cmd.Flags().BoolVar(asJSON, "json", false, "print the changed record as JSON (the fields of 'secrets list --json'; never a value)")
}

// parseMetadata parses repeated --metadata key=value flags with the one rule
// of model.ParseMetadata (a key given twice is an error).
func parseMetadata(pairs []string) (map[string]string, error) {
	md, err := model.ParseMetadata(pairs)
	if err != nil {
		return nil, withHint(err, "write metadata as --metadata key=value, each key once")
	}
	return md, nil
}

// parseRotateEvery parses --rotate-every with model.ParsePolicy.
func parseRotateEvery(s string) (model.Duration, error) {
	d, err := model.ParsePolicy(s)
	if err != nil {
		return 0, withHint(err, "write a number and a unit: 90d, 12w or 36h (or none)")
	}
	return d, nil
}

// formatMetadata is model.FormatMetadata made safe for a terminal.
func formatMetadata(md map[string]string) string {
	return model.Printable(model.FormatMetadata(md))
}
