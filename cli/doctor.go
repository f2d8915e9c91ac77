package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

func (a *app) doctorCmd() *cobra.Command {
	var rep repairOpts
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that the keyring answers, the index parses and every secret has a value",
		Long: `Check the store: which backend holds the values, that it answers, that the
index file parses, and that every secret in the index has a value. Values are
read to check they exist, never printed (the file backend asks for its
passphrase once). First it finishes what an interrupted or timed-out change
left: a delete whose values were not yet removed, a value a timed-out create
or rotation may have left, and says what it did. Exits 1 and lists the
problems if any.

It also looks for values in the keyring that no record accounts for (orphans)
and for temporary files that a killed keyward left. --repair lists what it
would do, asks y/N on a terminal (--yes for scripts; without a terminal and
without --yes it only lists), then adopts each orphan value as a record (its
value untouched, a description saying where it came from) or, with
--delete-orphans, deletes the orphans instead; and removes the temporary
files. An orphan that is not a value (a lone previous value) is only deleted
with --delete-orphans. It never makes up a value: a record whose value is
missing stays a problem until 'keyward secrets rotate' sets one.`,
		Example: `  keyward doctor
  keyward doctor --repair
  keyward doctor --repair --delete-orphans --yes
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
			} else if fs, isFile := st.(*keyring.FileStore); isFile {
				ok("the file store is set up")
				ok(a.unlockLine(fs))
			} else {
				ok("keyring answers (" + where + ")")
			}
			// Bad config.toml settings (every one) and paths others can
			// write (issue 11): problems, though keyward runs with them.
			for _, w := range a.cfgWarnings {
				problem(w)
			}
			if len(a.cfgWarnings) > 0 {
				hint = firstNonEmpty(hint, "fix the config.toml lines named above; until then keyward uses the default for each")
			}
			if !a.demo {
				for _, w := range keyring.PermissionWarnings(a.indexPath) {
					problem(w)
				}
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
				missing, stopped := a.checkValues(cmd, st, list, problem)
				switch {
				case stopped:
				case missing == 0:
					ok(fmt.Sprintf("every secret has a value (%d checked)", len(list)))
				case missing == len(list) && missing > 1:
					// Every value gone at once is far likelier a store
					// looked up in the wrong place than a loss: never
					// advise anything that would lose the records.
					hint = a.wrongPlaceHint()
				default:
					hint = keyring.Advice(keyring.ErrNoValue)
				}
				if h := a.doctorAudit(cmd, st, rep, problem); h != "" {
					hint = firstNonEmpty(hint, h)
				}
			}
			if len(problems) > 0 {
				return withHint(fmt.Errorf("doctor found %d %s", len(problems), model.Plural(len(problems), "problem", "problems")), hint)
			}
			return nil
		},
	}
	rep.flags(cmd)
	return cmd
}

// checkValues reads every value (discarding it) and reports each one that is
// missing. It stops at the first keyring failure that is not a missing
// value, since every later read would fail the same way. Progress goes to
// stderr when there are many secrets and stderr is a terminal.
// wrongPlaceHint is doctor's hint when every value is missing (issue 11,
// item 4).
func (a *app) wrongPlaceHint() string {
	if a.backend == "file" {
		return "every value is missing: is this the right index (--index, KEYWARD_INDEX)? " +
			"values are looked up in " + keyring.ValuesDir(a.indexPath) + "; change nothing until they are found"
	}
	return fmt.Sprintf("every value is missing: wrong service? this command looks under service %q "+
		"(--service, KEYWARD_SERVICE); run it with the service the values were stored under, and change nothing until they are found", a.service)
}

func (a *app) checkValues(cmd *cobra.Command, st keyring.Store, list []model.Secret, problem func(string)) (missing int, stopped bool) {
	ctx := cmd.Context()
	step, end := a.progress("checking values", len(list))
	defer end()
	for i := range list {
		step(i + 1)
		if list[i].NoValue {
			// Pulled from Julep, never given a value here: nothing to
			// read (and each read would parse the index again).
			continue
		}
		var err error
		if rv, ok := st.(keyring.RecordValuer); ok {
			_, err = rv.RecordValue(ctx, list[i])
		} else {
			_, err = st.Value(ctx, list[i].Name)
		}
		switch {
		case err == nil:
		case errors.Is(err, keyring.ErrNoValue):
			missing++
			problem(list[i].Name + ": value missing from the keyring")
		case errors.Is(err, keyring.ErrNotSet):
			// Pulled from Julep, never given a value here: nothing is
			// lost (rotate sets the first one).
		case errors.Is(err, keyring.ErrNoPassphrase), errors.Is(err, keyring.ErrWrongPassphrase):
			// Not this secret's problem: no value can be read.
			problem("values not checked: " + err.Error())
			return missing, true
		default:
			problem(list[i].Name + ": " + err.Error() + " (stopped checking)")
			return missing, true
		}
	}
	return missing, false
}
