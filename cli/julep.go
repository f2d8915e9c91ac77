package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// julepFlags are the flags every julep subcommand shares.
type julepFlags struct {
	platform, environment, keySecret string
	timeout                          time.Duration
}

func (a *app) julepCmd() *cobra.Command {
	var jf julepFlags
	cmd := &cobra.Command{
		Use:   "julep",
		Short: "Push secrets to the Julep account whose tasks read them; compare and pull names",
		Long: `Values are edited and rotated in keyward and pushed to a Julep account, where
tasks read them. The account never gives a value back: status compares names,
versions and (on v1) descriptions and metadata; pull brings remote-only names in
without values.

Platforms:
  v1  Julep's hosted platform (the YAML tasks keyward previews): api.julep.ai.
      Tasks see only the 100 most recently created secrets of the account.
  v3  Julep 3's self-hosted control plane; an admin key; names must be
      lower-case (a-z, 0-9, _ and -); descriptions and metadata stay local.

Settings, first found wins:
  platform   --platform, config.toml [julep] platform, v1
  base URL   --environment (production, dev or a URL), then JULEP_BASE_URL or
             JULEP_ENVIRONMENT (v1) / JULEP_API_URL (v3), then config.toml
             [julep] base_url or environment, then ~/.config/julep/config.yml
             (v1), then production (v1)
  API key    the keyward secret named by --api-key-secret, JULEP_API_KEY,
             the keyward secret named by config.toml [julep] api_key_secret,
             the keyward secret JULEP_API_KEY if it exists,
             ~/.config/julep/config.yml api_key (v1). Never a flag.
status and push --dry-run say where each one came from.`,
		Example: `  keyward julep status
  keyward julep push --dry-run
  keyward julep push --filter env=prod --yes
  keyward julep --platform v3 --environment http://localhost:8000 push
  keyward julep pull`,
		Args: unknownSubcommand,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&jf.platform, "platform", "", "the Julep `PLATFORM`: v1 (hosted, default) or v3 (Julep 3)")
	pf.StringVar(&jf.environment, "environment", "", "`ENV`: production, dev, or the base URL")
	pf.StringVar(&jf.keySecret, "api-key-secret", "", "the keyward secret `NAME` that holds the API key")
	pf.DurationVar(&jf.timeout, "timeout", julep.DefaultTimeout, "how long one request may take (`DUR`)")
	cmd.AddCommand(a.julepStatusCmd(&jf), a.julepPushCmd(&jf), a.julepPullCmd(&jf))
	return cmd
}

// julepAccount resolves the settings and the client, and prints the
// warning of a key that expires soon or has expired on stderr.
func (a *app) julepAccount(ctx context.Context, jf *julepFlags) (julep.Settings, julep.Remote, error) {
	s, r, warn, err := a.julepConnect(ctx, jf)
	if warn != "" {
		fmt.Fprintf(a.stderr, "warning: %s\n", warn)
	}
	return s, r, err
}

// julepConnect is julepAccount for the terminal UI too, which shows the
// warning itself rather than on stderr.
func (a *app) julepConnect(ctx context.Context, jf *julepFlags) (s julep.Settings, r julep.Remote, warn string, err error) {
	in := julep.Inputs{
		Flags:     julep.Flags{Platform: jf.platform, Environment: jf.environment, APIKeySecret: jf.keySecret},
		LookupEnv: func(k string) (string, bool) { v := a.getenv(k); return v, v != "" },
		TOML: julep.TOMLSettings{Platform: a.cfg.Julep.Platform, Environment: a.cfg.Julep.Environment,
			BaseURL: a.cfg.Julep.BaseURL, APIKeySecret: a.cfg.Julep.APIKeySecret},
		StoreSecret: func(name string) (string, error) { return a.st.Value(ctx, name) },
		HasSecret:   func(name string) bool { _, err := a.st.Get(ctx, name); return err == nil },
	}
	if home := a.getenv("HOME"); home != "" {
		data, err := os.ReadFile(filepath.Join(home, ".config", "julep", "config.yml"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return julep.Settings{}, nil, "", fmt.Errorf("read ~/.config/julep/config.yml: %w", err)
		}
		in.CLIConfig = data
	}
	s, err = julep.Resolve(in)
	var se *julep.SettingError
	if errors.As(err, &se) && se.Err == nil {
		// A setting keyward cannot use is a mistake in how it was called.
		return s, nil, "", withHint(&usageError{msg: err.Error()}, "see 'keyward julep --help' for where each setting comes from")
	}
	if err != nil {
		return s, nil, "", withHint(err, "see 'keyward julep --help' for where each setting comes from")
	}
	if w, ok := s.APIKey.ExpiryWarning(a.now()); ok {
		warn = w
	}
	if jf.timeout <= 0 {
		return s, nil, warn, usagef("--timeout must be positive, not %s", jf.timeout)
	}
	r, err = s.Remote(julep.Options{Timeout: jf.timeout, UserAgent: "keyward"})
	if err != nil {
		return s, nil, warn, withHint(err, "set JULEP_API_KEY, or keep the key in keyward: 'keyward secrets create --name JULEP_API_KEY'")
	}
	return s, r, warn, nil
}

// julepCompare opens the account and compares it with the index: the start
// of status, push and pull.
func (a *app) julepCompare(ctx context.Context, jf *julepFlags, filter string) (julep.Settings, julep.Remote, julep.Report, func(julep.Status) bool, error) {
	s, r, err := a.julepAccount(ctx, jf)
	if err != nil {
		return s, nil, julep.Report{}, nil, err
	}
	rep, only, err := a.julepReport(ctx, r, filter)
	return s, r, rep, only, err
}

// julepReport lists the account and compares it with the index. filter
// limits what the caller shows or plans; the comparison itself always sees
// every name (a rename is matched by id, and the 100-secret limit counts
// all).
func (a *app) julepReport(ctx context.Context, r julep.Remote, filter string) (julep.Report, func(julep.Status) bool, error) {
	q, env, err := a.query(filter)
	if err != nil {
		return julep.Report{}, nil, err
	}
	local, err := a.st.List(ctx)
	if err != nil {
		return julep.Report{}, nil, err
	}
	if a.term.StderrIsTerminal() {
		fmt.Fprintf(a.stderr, "listing the secrets of %s…\n", r.Target())
	}
	remote, err := r.List(ctx)
	if err != nil {
		return julep.Report{}, nil, julepHint(err)
	}
	only := func(s julep.Status) bool {
		rec := s.Record()
		return q.Match(&rec, env)
	}
	return julep.Compare(r, local, remote), only, nil
}

// julepHint adds what to do to a client error.
func julepHint(err error) error {
	switch {
	case errors.Is(err, julep.ErrUnauthorized):
		return withHint(err, "check the key: 'keyward julep status' says where it came from (a Julep 3 push needs an admin key)")
	case errors.Is(err, julep.ErrConflict):
		return withHint(err, "run 'keyward julep pull' to track the account's secret, then push again")
	case errors.Is(err, julep.ErrUnknownOutcome):
		return withHint(err, "run the same push again: it finds what landed and converges")
	case errors.Is(err, julep.ErrUnavailable):
		return withHint(err, "the account did not answer; try again later, or check --environment")
	}
	return err
}

func (a *app) julepStatusCmd(jf *julepFlags) *cobra.Command {
	var filter string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--filter QUERY] [--json]",
		Short: "Compare keyward's secrets with the Julep account's",
		Long: `Compare each secret with the account: in step, local only, remote only, local
newer (rotated or edited since the last push), changed remotely (someone else
wrote it since), conflict (both), never synced (both have it, keyward never
pushed it there), interrupted (a push never heard back). On v1 a description
or metadata that differs from the account's is shown too.

Exit status: 0 when every secret shown is in step, 1 otherwise (so CI can gate
on it), 2 on usage errors.`,
		Example: `  keyward julep status
  keyward julep status --filter env=prod --json | jq '.secrets[] | select(.state != "in step")'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, _, rep, only, err := a.julepCompare(ctx, jf, filter)
			if err != nil {
				return err
			}
			var shown []julep.Status
			for _, st := range rep.Statuses {
				if only(st) {
					shown = append(shown, st)
				}
			}
			if asJSON {
				if err := writeJSON(a.stdout, statusJSON(s, rep, shown, a.backend)); err != nil {
					return err
				}
			} else {
				writeSettings(a.stdout, s)
				fmt.Fprintln(a.stdout)
				writeStatuses(a.stdout, shown)
			}
			out := 0
			for _, st := range shown {
				if st.State != julep.InStep || st.NoValue {
					out++
				}
			}
			if out > 0 {
				return withHint(fmt.Errorf("%d of %d %s not in step with %s", out, len(shown), model.Plural(len(shown), "secret is", "secrets are"), rep.Target),
					"'keyward julep push' sends what changed here; 'keyward julep pull' tracks the account's own")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&filter, "filter", "", "only secrets matching `QUERY` (the filter language of 'secrets list')")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) julepPushCmd(jf *julepFlags) *cobra.Command {
	var filter string
	var dryRun, prune, force, yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "push [--filter QUERY] [--dry-run] [--prune] [--force] [--yes]",
		Short: "Send new and changed secrets to the Julep account",
		Long: `Create the secrets the account lacks and update the ones changed here since the
last push: the value from the keyring (and on v1 the description and metadata).
A secret someone else changed on the account (or a conflict) is skipped unless
--force. --prune deletes the account's secrets that keyward does not have,
after a confirmation that lists them.

On a terminal push shows its plan and asks; without one it needs --yes.
--dry-run shows the plan and the settings and sends nothing. After each write
the index records what was pushed, so an interrupted push (killed, network cut)
can be run again and converges, with no duplicates.

--json prints, on stdout, the local records the push wrote to (the fields of
'secrets list --json', never a value; each "julep" entry says what the account
now has, "pending" when the outcome is unknown), [] when nothing was sent; the
plan and the summary go to stderr instead.

Exit status: 0 when every planned step is done, 1 when a step failed or its
outcome is unknown, 2 on usage errors.`,
		Example: `  keyward julep push --dry-run
  keyward julep push --filter env=prod
  keyward julep push --prune --yes          # CI: make the account match keyward`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.demo && !dryRun {
				return withHint(usagef("--demo pushes nothing: its secrets are samples, kept in memory"),
					"push from your own store (without --demo); --dry-run shows what a push would do")
			}
			ctx := cmd.Context()
			s, r, rep, only, err := a.julepCompare(ctx, jf, filter)
			if err != nil {
				return err
			}
			plan := julep.PlanPush(rep, julep.PushOptions{Force: force, Prune: prune, Only: only})
			sending := len(plan.Actions) - plan.Count(julep.Skip)
			// With --json, stdout holds the JSON alone; the words go to stderr.
			human := a.stdout
			if asJSON {
				human = a.stderr
			}
			if dryRun {
				writeSettings(human, s)
				fmt.Fprintln(human)
			}
			writePlan(human, plan)
			for _, w := range plan.Warnings {
				fmt.Fprintf(a.stderr, "warning: %s\n", w)
			}
			if dryRun || sending == 0 {
				if dryRun {
					fmt.Fprintln(human, "dry run: nothing was sent")
				} else {
					fmt.Fprintln(human, "nothing to push")
				}
				if asJSON {
					return a.recordsJSON(nil)
				}
				return nil
			}
			if !yes {
				prompt := fmt.Sprintf("Push %s to %s?", model.Count(sending-plan.Count(julep.Delete), "secret"), r.Target())
				if n := plan.Count(julep.Delete); n > 0 {
					prompt = fmt.Sprintf("Push %s and DELETE %s listed above from %s?",
						model.Count(sending-n, "secret"), model.Count(n, "secret"), r.Target())
				}
				if err := a.confirm(prompt, "push", "push"); err != nil {
					return err
				}
			}
			res := julep.Push(ctx, r, a.st, plan, a.now, func(i, n int, act julep.Action) {
				fmt.Fprintf(a.stderr, "[%d/%d] %s %s\n", i, n, act.Kind, model.Printable(act.Name))
			})
			err = a.reportPush(human, r, res)
			if asJSON {
				if jerr := a.pushedJSON(ctx, res); err == nil {
					err = jerr
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&filter, "filter", "", "only secrets matching `QUERY`")
	f.BoolVar(&dryRun, "dry-run", false, "show the plan and the settings; send nothing")
	f.BoolVar(&prune, "prune", false, "delete the account's secrets that keyward does not have (asks first)")
	f.BoolVar(&force, "force", false, "overwrite secrets changed on the account since the last push")
	f.BoolVarP(&yes, "yes", "y", false, "push without asking")
	f.BoolVar(&asJSON, "json", false, "print the local records the push wrote to as JSON (never a value or the key)")
	return cmd
}

// pushedJSON prints the records of the creates and updates that landed or
// may have landed (their "julep" entry says which), read back after the
// push. Deletes on the account change no local record.
func (a *app) pushedJSON(ctx context.Context, res julep.PushResult) error {
	recs := []model.Secret{}
	for _, st := range res.Steps {
		k := st.Action.Kind
		if (k != julep.Create && k != julep.Update) || (st.Outcome != julep.Done && st.Outcome != julep.Unknown) {
			continue
		}
		rec, err := a.st.Get(ctx, st.Action.Name)
		if err != nil {
			return err
		}
		recs = append(recs, rec)
	}
	return a.recordsJSON(recs)
}

// reportPush prints each step that did not end as planned and a summary,
// and returns the error that sets the exit status.
func (a *app) reportPush(w io.Writer, r julep.Remote, res julep.PushResult) error {
	for _, st := range res.Steps {
		name := model.Printable(st.Action.Name)
		switch {
		case st.Outcome == julep.Failed:
			fmt.Fprintf(a.stderr, "keyward: %s %s failed: %s\n", st.Action.Kind, name, model.Printable(st.Err.Error()))
		case st.Outcome == julep.Unknown:
			fmt.Fprintf(a.stderr, "keyward: %s %s: outcome unknown, it may still land: %s\n", st.Action.Kind, name, model.Printable(st.Err.Error()))
		case st.Outcome == julep.Skipped && st.Action.Kind != julep.Skip:
			fmt.Fprintf(a.stderr, "keyward: %s %s not tried: an earlier step failed\n", st.Action.Kind, name)
		}
	}
	done, failed, unknown := res.Count(julep.Done), res.Count(julep.Failed), res.Count(julep.Unknown)
	notTried := 0
	for _, st := range res.Steps {
		if st.Outcome == julep.Skipped && st.Action.Kind != julep.Skip {
			notTried++
		}
	}
	fmt.Fprintf(w, "pushed %d of %d to %s\n", done, done+failed+unknown+notTried, r.Target())
	if res.OK() {
		return nil
	}
	var first error
	for _, st := range res.Steps {
		if st.Err != nil && st.Outcome != julep.Skipped {
			first = st.Err
			break
		}
	}
	msg := fmt.Sprintf("%d failed, %d with an unknown outcome, %d not tried", failed, unknown, notTried)
	if unknown > 0 {
		return withHint(errors.New(msg), "run the same push again: it finds what landed and converges")
	}
	return julepHint(fmt.Errorf("%s: %w", msg, first))
}

func (a *app) julepPullCmd(jf *julepFlags) *cobra.Command {
	var filter string
	var dryRun, asJSON bool
	cmd := &cobra.Command{
		Use:   "pull [--filter QUERY] [--dry-run]",
		Short: "Track the account's own secrets: names, descriptions and metadata, no values",
		Long: `Add the secrets that only the account has to the index: the name, and on v1 the
description and metadata. Julep never gives a value back, so each is marked "no
local value" until you set one with 'keyward secrets rotate NAME' (r in the
terminal UI); until then push leaves it alone.

--json prints the records added (the fields of 'secrets list --json'), [] when
none; the words go to stderr.`,
		Example: `  keyward julep pull --dry-run
  keyward julep pull && keyward secrets rotate SLACK_BOT_TOKEN`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, r, rep, only, err := a.julepCompare(ctx, jf, filter)
			if err != nil {
				return err
			}
			pp := julep.PlanPull(rep, a.now().UTC())
			var add []model.Secret
			for _, rec := range pp.New {
				if only(julep.Status{Name: rec.Name, Local: &rec}) {
					add = append(add, rec)
				}
			}
			for _, sk := range pp.Skipped {
				if only(julep.Status{Name: sk.Name, Remote: &sk.Remote}) {
					fmt.Fprintf(a.stderr, "skipped %s: %s\n", model.Printable(sk.Name), model.Printable(sk.Reason))
				}
			}
			human := a.stdout
			if asJSON {
				human = a.stderr
			}
			if dryRun {
				writeSettings(human, s)
				fmt.Fprintln(human)
				for _, rec := range add {
					fmt.Fprintf(human, "pull  %s\n", model.Printable(rec.Name))
				}
				fmt.Fprintf(human, "dry run: %s would be added, with no local value\n", model.Count(len(add), "secret"))
				if asJSON {
					return a.recordsJSON(nil)
				}
				return nil
			}
			if len(add) == 0 {
				fmt.Fprintln(human, "nothing to pull: keyward tracks every secret of the account")
				if asJSON {
					return a.recordsJSON(nil)
				}
				return nil
			}
			added := []model.Secret{}
			for _, rec := range add {
				got, err := a.st.AddRecord(ctx, rec)
				if err != nil {
					if asJSON {
						_ = a.recordsJSON(added)
					}
					return fmt.Errorf("pull %s: %w", rec.Name, err)
				}
				added = append(added, got)
				fmt.Fprintf(human, "pulled %s (no local value)\n", model.Printable(rec.Name))
			}
			if asJSON {
				fmt.Fprintf(a.stderr, "pulled %s from %s; set their values with 'keyward secrets rotate NAME'\n", model.Count(len(add), "secret"), r.Target())
				return a.recordsJSON(added)
			}
			a.done(fmt.Sprintf("pulled %s from %s; set their values with 'keyward secrets rotate NAME'", model.Count(len(add), "secret"), r.Target()))
			return nil
		},
	}
	cmd.Flags().StringVar(&filter, "filter", "", "only secrets matching `QUERY`")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would be added; change nothing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the added records as JSON")
	return cmd
}

// writeSettings says which account and where each setting came from; never
// the key.
func writeSettings(w io.Writer, s julep.Settings) {
	fmt.Fprintf(w, "platform  %s\nbase URL  %s\nAPI key   %s\n", s.Platform, s.BaseURL, s.APIKey)
}

func writeStatuses(w io.Writer, list []julep.Status) {
	if len(list) == 0 {
		fmt.Fprintln(w, "no secrets to compare")
		return
	}
	rows := [][]string{{"NAME", "STATE", "DETAIL"}}
	counts := map[string]int{}
	var order []string
	for _, st := range list {
		state := statusWord(st)
		if counts[state] == 0 {
			order = append(order, state)
		}
		counts[state]++
		rows = append(rows, []string{model.Printable(st.Name), state, model.Printable(statusDetail(st))})
	}
	writeAligned(w, "", rows)
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = fmt.Sprintf("%d %s", counts[s], s)
	}
	fmt.Fprintf(w, "%s: %s\n", model.Count(len(list), "secret"), strings.Join(parts, ", "))
}

// statusWord is a status's state, or "no local value" for a pulled record
// that was never given one.
func statusWord(st julep.Status) string {
	if st.NoValue {
		return "no local value"
	}
	return st.State.String()
}

func statusDetail(st julep.Status) string {
	var parts []string
	switch {
	case st.Why != "":
		parts = append(parts, st.Why)
	case st.State == julep.LocalOnly:
		parts = append(parts, "not in the account")
	case st.State == julep.RemoteOnly:
		parts = append(parts, "only in the account")
	case st.NoValue:
		parts = append(parts, "pulled; set its first value with 'keyward secrets rotate "+st.Name+"'")
	}
	if st.RenamedFrom != "" {
		parts = append(parts, "renamed from "+st.RenamedFrom)
	}
	if st.RecordDiffers {
		parts = append(parts, "description or metadata differ")
	}
	if st.NameErr != nil {
		parts = append(parts, st.NameErr.Error())
	}
	return strings.Join(parts, "; ")
}

func writePlan(w io.Writer, p julep.Plan) {
	fmt.Fprintf(w, "plan for %s: %d to create, %d to update, %d to delete, %d skipped\n", p.Target,
		p.Count(julep.Create), p.Count(julep.Update), p.Count(julep.Delete), p.Count(julep.Skip))
	rows := make([][]string, 0, len(p.Actions))
	for _, act := range p.Actions {
		detail := act.Reason
		if act.From != "" {
			detail = "rename from " + act.From + "; " + detail
		}
		if act.Hint != "" {
			detail += " (" + act.Hint + ")"
		}
		rows = append(rows, []string{act.Kind.String(), model.Printable(act.Name), model.Printable(detail)})
	}
	writeAligned(w, "  ", rows)
}

type syncStatusJSON struct {
	Name          string `json:"name"`
	State         string `json:"state"`
	NoValue       bool   `json:"no_local_value"`
	RemoteID      string `json:"remote_id,omitempty"`
	LocalVersion  int    `json:"local_version,omitempty"`
	PushedVersion int    `json:"pushed_version,omitempty"`
	PushedAt      string `json:"pushed_at,omitempty"`
	RenamedFrom   string `json:"renamed_from,omitempty"`
	RecordDiffers bool   `json:"record_differs"`
	Detail        string `json:"detail,omitempty"`
}

type settingJSON struct {
	Value  string `json:"value"`
	Source string `json:"source"`
}

type julepStatusJSON struct {
	Backend  string           `json:"backend"` // where local values live, as in every --json
	Platform settingJSON      `json:"platform"`
	BaseURL  settingJSON      `json:"base_url"`
	APIKey   string           `json:"api_key"`
	Target   string           `json:"target"`
	Secrets  []syncStatusJSON `json:"secrets"`
}

func statusJSON(s julep.Settings, rep julep.Report, list []julep.Status, backend string) julepStatusJSON {
	out := julepStatusJSON{
		Backend:  backend,
		Platform: settingJSON{s.Platform.Value, s.Platform.Source},
		BaseURL:  settingJSON{s.BaseURL.Value, s.BaseURL.Source},
		APIKey:   s.APIKey.String(), Target: rep.Target, Secrets: []syncStatusJSON{},
	}
	for _, st := range list {
		j := syncStatusJSON{Name: st.Name, State: st.State.String(), NoValue: st.NoValue, RenamedFrom: st.RenamedFrom,
			RecordDiffers: st.RecordDiffers, Detail: statusDetail(st)}
		if st.Remote != nil {
			j.RemoteID = st.Remote.ID
		}
		if st.Local != nil {
			j.LocalVersion = st.Local.Version
		}
		if st.Sync != nil {
			j.PushedVersion = st.Sync.Version
			j.PushedAt = jsonTime(st.Sync.PushedAt)
		}
		out.Secrets = append(out.Secrets, j)
	}
	return out
}

// errNotConfirmed is a y/N answered no; nothing was done.
var errNotConfirmed = errors.New("not confirmed: nothing was changed")

// confirm asks prompt [y/N] on the terminal. Without a terminal it refuses:
// "refusing to WHAT without confirmation", with the hint "add --yes to VERB
// without asking".
func (a *app) confirm(prompt, what, verb string) error {
	if !a.term.StdinIsTerminal() {
		return withHint(usagef("refusing to %s without confirmation: stdin is not a terminal", what),
			"add --yes to "+verb+" without asking")
	}
	fmt.Fprintf(a.stderr, "%s [y/N] ", prompt)
	answer, err := a.term.ReadLine()
	if err != nil {
		return fmt.Errorf("read the answer: %w", err)
	}
	if ans := strings.ToLower(strings.TrimSpace(answer)); ans != "y" && ans != "yes" {
		return errNotConfirmed
	}
	return nil
}

// query parses a --filter and the Env it needs (the task usage only when
// the query asks is:unused).
func (a *app) query(filter string) (model.Query, model.Env, error) {
	q, err := model.ParseQuery(filter)
	if err != nil {
		return q, model.Env{}, err
	}
	env := model.Env{Now: a.now()}
	if q.NeedsUsage() {
		if env.Used, err = a.usedNames(); err != nil {
			return q, env, err
		}
	}
	return q, env, nil
}

var _ julep.Local = keyring.Store(nil)
