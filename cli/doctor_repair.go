package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// repairOpts are doctor's repair flags.
type repairOpts struct {
	repair, yes, deleteOrphans bool
}

func (r *repairOpts) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&r.repair, "repair", false, "adopt orphan values as records and remove leftover temporary files, after listing them and a y/N")
	f.BoolVar(&r.yes, "yes", false, "with --repair: repair without asking")
	f.BoolVar(&r.deleteOrphans, "delete-orphans", false, "with --repair: delete orphan values instead of adopting them")
}

// repairAction is one thing --repair would do: what it says first, and
// what it does once confirmed (the line it prints then).
type repairAction struct {
	plan string
	do   func() (string, error)
}

// doctorAudit is doctor's check beyond the records: orphan values in the
// keyring and leftover temporary files (issue 11, item 2), and with --repair
// their repair. Each is a problem unless repaired. It returns a hint, or "".
func (a *app) doctorAudit(cmd *cobra.Command, st keyring.Store, rep repairOpts, problem func(string)) string {
	ctx := cmd.Context()
	au, ok := st.(keyring.Auditor)
	if !ok {
		return ""
	}
	say := func(tag, msg string) { fmt.Fprintln(a.stdout, tag+model.Printable(msg)) }
	var actions []repairAction
	var left []string // problems --repair does not fix as asked
	orphans, err := au.Orphans(ctx)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		say("ok       ", "orphan values: this keyring cannot be listed; not checked")
	case err != nil:
		problem("orphan values: " + err.Error())
	case len(orphans) == 0:
		say("ok       ", "no orphan values in the keyring")
	}
	adopted := map[string]bool{}
	for _, o := range orphans {
		adopted[o.User] = o.Adoptable() && !o.NoValue
	}
	for _, o := range orphans {
		switch {
		case !rep.deleteOrphans && o.User == keyring.PreviousUser(o.Name()) && adopted[o.Name()]:
			// Becomes the adopted record's previous value.
		case rep.deleteOrphans:
			actions = append(actions, repairAction{"delete " + o.Describe(), func() (string, error) {
				return "deleted " + o.Describe(), au.DropOrphan(ctx, o)
			}})
		case o.Adoptable():
			plan := fmt.Sprintf("adopt %s as a record (version 1; its value and any previous value untouched)", o.User)
			if o.NoValue {
				plan = fmt.Sprintf("record the value of %s as its next version", o.User)
			}
			actions = append(actions, repairAction{plan, func() (string, error) {
				rec, err := au.AdoptOrphan(ctx, o.User)
				return fmt.Sprintf("adopted %s (version %d)", o.User, rec.Version), err
			}})
		default:
			left = append(left, o.Describe()+" (--repair --delete-orphans deletes it)")
		}
	}
	stale, err := au.StaleFiles()
	if err != nil {
		problem("temporary files: " + err.Error())
	}
	if len(stale) > 0 {
		actions = append(actions, repairAction{fmt.Sprintf("remove %s a killed keyward left: %s",
			model.Count(len(stale), "temporary file"), joinPaths(stale)), func() (string, error) {
			removed, err := au.RemoveStaleFiles(ctx)
			return fmt.Sprintf("removed %s", model.Count(len(removed), "temporary file")), err
		}})
	} else if err == nil {
		say("ok       ", "no leftover temporary files")
	}
	for _, l := range left {
		problem(l)
	}
	if len(actions) == 0 {
		return ""
	}
	if !rep.repair {
		for _, act := range actions {
			problem("to repair: " + act.plan)
		}
		return "'keyward doctor --repair' lists these repairs and asks before it makes them (--delete-orphans deletes orphan values instead of adopting them)"
	}
	for _, act := range actions {
		say("repair   ", act.plan)
	}
	if !rep.yes {
		if !a.term.StdinIsTerminal() {
			problem(fmt.Sprintf("%s listed, none made: no terminal to ask on", model.Count(len(actions), "repair")))
			return "add --yes to make the repairs listed above without asking"
		}
		if err := a.confirm(fmt.Sprintf("make these %s?", model.Count(len(actions), "repair")), "repair", "repair"); err != nil {
			problem(fmt.Sprintf("%s listed, none made: %v", model.Count(len(actions), "repair"), err))
			return ""
		}
	}
	for _, act := range actions {
		msg, err := act.do()
		if err != nil {
			problem("repair failed: " + act.plan + ": " + err.Error())
			continue
		}
		say("fixed    ", msg)
	}
	return ""
}

// joinPaths lists paths for one line: the first three, then how many more.
func joinPaths(paths []string) string {
	const show = 3
	out := ""
	for i, p := range paths {
		if i == show {
			return out + fmt.Sprintf(" and %d more", len(paths)-show)
		}
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out
}
