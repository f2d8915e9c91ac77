package cli

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// progressMin is the number of secrets from which doctor shows progress.
const progressMin = 50

func (a *app) doctorCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check that the keyring answers, the index parses and every secret has a value",
		Long: `Check the store: which backend holds the values, that it answers, that the
index file parses, and that every secret in the index has a value. Values are
read to check they exist, never printed (the file backend asks for its
passphrase once). First it finishes what an interrupted or timed-out change
left: a delete whose values were not yet removed, a value a timed-out create
or rotation may have left, and says what it did. Exits 1 and lists the
problems if any.`,
		Example: `  keyward doctor
  keyward --index ./team.toml --service keyward-team doctor`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st := a.st
			var problems []string
			ok := func(msg string) { fmt.Fprintln(a.stdout, "ok       "+msg) }
			problem := func(msg string) {
				problems = append(problems, msg)
				fmt.Fprintln(a.stdout, "PROBLEM  "+model.Printable(msg))
			}
			where := "the in-memory demo store"
			switch {
			case a.backend == "file":
				where = "values in " + keyring.ValuesDir(a.indexPath)
			case !a.demo:
				where = fmt.Sprintf("service %q", a.service)
			}
			ok(fmt.Sprintf("backend: %s (%s)", a.backend, where))
			keyringOK, hint := true, ""
			if err := st.Ping(ctx); err != nil {
				keyringOK, hint = false, a.hintFor(err)
				problem(a.backend + ": " + err.Error())
			} else if a.backend == "file" {
				ok("the file store is set up")
			} else {
				ok("keyring answers (" + where + ")")
			}
			indexName := "index"
			if !a.demo {
				indexName = a.indexPath
			}
			list, err := st.List(ctx)
			if err != nil {
				hint = firstNonEmpty(hint, a.hintFor(err))
				problem("index: " + err.Error())
			} else {
				ok(fmt.Sprintf("%s parses (%d %s)", indexName, len(list), model.Plural(len(list), "secret", "secrets")))
			}
			if r, isR := st.(keyring.Reconciler); isR && keyringOK && err == nil {
				// Finish what a timed-out or interrupted change left, before
				// the values are checked.
				did, rerr := r.Reconcile(ctx)
				for _, d := range did {
					fmt.Fprintln(a.stdout, "fixed    "+model.Printable(d))
				}
				if rerr != nil {
					hint = firstNonEmpty(hint, a.hintFor(rerr))
					problem("unfinished changes: " + rerr.Error())
				}
				if len(did) > 0 {
					list, err = st.List(ctx)
				}
			}
			if keyringOK && err == nil {
				missing := a.checkValues(cmd, st, list, problem)
				if missing == 0 {
					ok(fmt.Sprintf("every secret has a value (%d checked)", len(list)))
				} else {
					hint = "keyward cannot recover a lost value: delete the secret ('keyward secrets delete NAME') and create it again"
				}
			}
			if len(problems) > 0 {
				return withHint(fmt.Errorf("doctor found %d %s", len(problems), model.Plural(len(problems), "problem", "problems")), hint)
			}
			return nil
		},
	}
}

// checkValues reads every value (discarding it) and reports each one that is
// missing. It stops at the first keyring failure that is not a missing
// value, since every later read would fail the same way. Progress goes to
// stderr when there are many secrets and stderr is a terminal.
func (a *app) checkValues(cmd *cobra.Command, st keyring.Store, list []model.Secret, problem func(string)) (bad int) {
	ctx := cmd.Context()
	progress := len(list) >= progressMin && a.term.StderrIsTerminal()
	total := strconv.Itoa(len(list))
	defer func() {
		if progress {
			fmt.Fprint(a.stderr, "\r\x1b[K")
		}
	}()
	for i := range list {
		if progress && (i%10 == 0 || i == len(list)-1) {
			fmt.Fprintf(a.stderr, "\rchecking values %d/%s", i+1, total)
		}
		_, err := st.Value(ctx, list[i].Name)
		switch {
		case err == nil:
		case errors.Is(err, keyring.ErrNoValue):
			bad++
			problem(list[i].Name + ": value missing from the keyring")
		default:
			bad++
			problem(list[i].Name + ": " + err.Error() + " (stopped checking)")
			return bad
		}
	}
	return bad
}
