package julep

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/model"
)

// ActionKind is what a push does with one name.
type ActionKind int

const (
	// Create: Remote.Create with the local record and value.
	Create ActionKind = iota
	// Update: Remote.Update(Action.Remote.ID, ...) with the local record
	// and value; renames on v1 when Action.From is set.
	Update
	// Delete: Remote.Delete(Action.Remote); only with PushOptions.Prune.
	Delete
	// Skip: nothing is sent; Reason says why, Hint what to do.
	Skip
)

func (k ActionKind) String() string {
	switch k {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	case Skip:
		return "skip"
	}
	return fmt.Sprintf("ActionKind(%d)", int(k))
}

// Action is one step of a push. It names secrets and never holds a value:
// the caller reads the value from the store when it runs the step.
type Action struct {
	Kind ActionKind
	// Name is the name written (the local one), or the one deleted.
	Name string
	// From is the account's current name when an update renames.
	From string
	// Remote is the account's secret an update or a delete is about.
	Remote RemoteSecret
	Reason string
	Hint   string
}

// Plan is an ordered push: deletes (which free names), updates (ordered so
// that a rename never lands on a name still taken), creates, then skips.
type Plan struct {
	Target  string
	Actions []Action
	// Hidden lists, newest first, the secrets a task on a v1 account will
	// not see after the push, because they are not among the newest 100
	// by creation time.
	Hidden   []string
	Warnings []string
}

// Count returns how many actions are of kind k.
func (p Plan) Count(k ActionKind) int {
	n := 0
	for _, a := range p.Actions {
		if a.Kind == k {
			n++
		}
	}
	return n
}

// PushOptions change what a push may do.
type PushOptions struct {
	// Force overwrites what someone else wrote: RemoteChanged, Conflict
	// and NeverSynced names are updated in place instead of skipped.
	Force bool
	// Prune deletes the account's secrets that keyward does not have.
	Prune bool
	// Only, when set, limits the push to the names it accepts (a --filter
	// or the TUI's selection); the others are left alone, but still count
	// for the 100-secret warning.
	Only func(Status) bool
}

// PlanPush decides what a push does with each name of rep. It does no I/O.
func PlanPush(rep Report, opt PushOptions) Plan {
	p := Plan{Target: rep.Target}
	var deletes, updates, creates, skips []Action
	skip := func(s Status, reason, hint string) {
		a := Action{Kind: Skip, Name: s.Name, Reason: reason, Hint: hint}
		if s.Remote != nil {
			a.Remote = *s.Remote
		}
		skips = append(skips, a)
	}
	for _, s := range rep.Statuses {
		if opt.Only != nil && !opt.Only(s) {
			continue
		}
		if s.State == RemoteOnly {
			if opt.Prune {
				deletes = append(deletes, Action{Kind: Delete, Name: s.Name, Remote: *s.Remote, Reason: "only in the account (--prune)"})
			} else {
				skip(s, "only in the account", "`keyward julep pull` to track it, or push --prune to delete it")
			}
			continue
		}
		var reason string
		switch s.State {
		case InStep:
			continue
		case LocalOnly:
			reason = "not in the account"
			if s.Gone {
				reason = "deleted remotely since the last push; creating it again"
			}
		case LocalNewer:
			reason = s.Why
		case Interrupted:
			reason = s.Why
		case RemoteChanged, Conflict, NeverSynced:
			if !opt.Force {
				skip(s, s.State.String()+": "+s.Why, "push --force to overwrite the account's value with keyward's")
				continue
			}
			reason = s.State.String() + ", forced: " + s.Why
		}
		if s.NoValue {
			skip(s, "no local value: it was pulled, and the account never gives values back",
				"give it a value in keyward (keyward secrets rotate "+s.Name+"), then push")
			continue
		}
		if s.NameErr != nil {
			skip(s, s.NameErr.Error(), "")
			continue
		}
		if s.Remote == nil {
			creates = append(creates, Action{Kind: Create, Name: s.Name, Reason: reason})
			continue
		}
		a := Action{Kind: Update, Name: s.Name, Remote: *s.Remote, Reason: reason}
		if s.Remote.Name != s.Name {
			a.From = s.Remote.Name
		}
		updates = append(updates, a)
	}

	// Simulate the names the account holds, so that no step asks for a
	// name that is still taken (which would be a 409 half-way).
	held := map[string]bool{}
	for _, s := range rep.Statuses {
		if s.Remote != nil {
			held[s.Remote.Name] = true
		}
	}
	for _, a := range deletes {
		delete(held, a.Remote.Name)
	}
	var ordered []Action
	for len(updates) > 0 {
		progress := false
		rest := updates[:0]
		for _, a := range updates {
			if a.From == "" || !held[a.Name] {
				if a.From != "" {
					delete(held, a.From)
					held[a.Name] = true
				}
				ordered = append(ordered, a)
				progress = true
			} else {
				rest = append(rest, a)
			}
		}
		updates = rest
		if !progress {
			for _, a := range updates {
				skips = append(skips, Action{Kind: Skip, Name: a.Name, From: a.From, Remote: a.Remote,
					Reason: fmt.Sprintf("renamed locally from %s, but the account has another secret named %s", a.From, a.Name),
					Hint:   "delete that one (push --prune if keyward does not have it), or rename again"})
			}
			break
		}
	}
	var created []Action
	for _, a := range creates {
		if held[a.Name] {
			skips = append(skips, Action{Kind: Skip, Name: a.Name,
				Reason: "the account's secret named " + a.Name + " is tracked under another local name whose push is skipped",
				Hint:   "resolve the skipped rename first"})
			continue
		}
		held[a.Name] = true
		created = append(created, a)
	}
	slices.SortStableFunc(skips, func(a, b Action) int { return strings.Compare(a.Name, b.Name) })
	p.Actions = slices.Concat(deletes, ordered, created, skips)
	p.Hidden, p.Warnings = hiddenAfter(rep, deletes, ordered, created)
	return p
}

// hiddenAfter works out v1's visibility cap: tasks see only the newest
// TaskVisibleLimit secrets by created_at, so after the push anything older
// is invisible to them. Secrets the push creates are the newest, the last
// created first.
func hiddenAfter(rep Report, deletes, updates, creates []Action) ([]string, []string) {
	limit := TaskVisibleLimit(rep.Platform)
	if limit == 0 {
		return nil, nil
	}
	deleted := map[string]bool{}
	for _, a := range deletes {
		deleted[a.Remote.Name] = true
	}
	var existing []RemoteSecret
	for _, s := range rep.Statuses {
		if s.Remote != nil && !deleted[s.Remote.Name] {
			existing = append(existing, *s.Remote)
		}
	}
	// created_at DESC, as the server orders them; ties by id, the uuid7
	// that the server also assigns in time order.
	slices.SortFunc(existing, func(a, b RemoteSecret) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	// Names after the push, newest first. A renamed secret keeps its
	// created_at and takes its local name.
	renamed := map[string]string{}
	for _, a := range updates {
		if a.From != "" {
			renamed[a.From] = a.Name
		}
	}
	var after []string
	for i := len(creates) - 1; i >= 0; i-- {
		after = append(after, creates[i].Name)
	}
	for _, r := range existing {
		if n, ok := renamed[r.Name]; ok {
			r.Name = n
		}
		after = append(after, r.Name)
	}
	if len(after) <= limit {
		return nil, nil
	}
	hidden := slices.Clone(after[limit:])
	shown := hidden
	more := ""
	if len(shown) > 10 {
		more = fmt.Sprintf(" and %d more", len(shown)-10)
		shown = shown[:10]
	}
	w := fmt.Sprintf("after this push the account holds %d secrets, but tasks see only the newest %d by creation: tasks will not see %s%s",
		len(after), limit, strings.Join(shown, ", "), more)
	return hidden, []string{w}
}

// PullPlan is what a pull adds to the store.
type PullPlan struct {
	// New are records for the account's secrets keyward lacks: no value
	// (NoValue), with a SyncState so that they read as in step.
	New []model.Secret
	// Skipped are remote names keyward cannot hold as they are.
	Skipped []Action
}

// PlanPull turns the account's remote-only secrets into new local records
// marked NoValue, at now. It does no I/O.
func PlanPull(rep Report, now time.Time) PullPlan {
	var p PullPlan
	for _, s := range rep.Statuses {
		if s.State != RemoteOnly {
			continue
		}
		r := *s.Remote
		// Version 0: no local value yet. The first value set here is
		// version 1, which then reads as newer than what was pulled.
		rec := model.Secret{Name: r.Name, CreatedAt: now, UpdatedAt: now, Version: 0, NoValue: true}
		if rep.KeepsMetadata {
			rec.Description = r.Description
			if len(r.Metadata) > 0 {
				rec.Metadata = maps.Clone(r.Metadata)
			}
		}
		if err := rec.Validate(); err != nil {
			p.Skipped = append(p.Skipped, Action{Kind: Skip, Name: r.Name, Remote: r,
				Reason: "keyward cannot hold it: " + err.Error(), Hint: "rename it in the account"})
			continue
		}
		st := model.SyncState{Target: rep.Target, RemoteID: r.ID, Version: rec.Version,
			RemoteUpdatedAt: r.UpdatedAt, Generation: r.Generation, PushedAt: now}
		if rep.KeepsMetadata {
			st.Fingerprint = model.RecordFingerprint(rec.Description, rec.Metadata)
		}
		p.New = append(p.New, rec.WithSync(st))
	}
	return p
}

// StateAfterPush is the SyncState to record on local after a write to acct
// succeeded and answered resp, at now.
func StateAfterPush(acct Account, local model.Secret, resp RemoteSecret, now time.Time) model.SyncState {
	st := model.SyncState{Target: acct.Target(), RemoteID: resp.ID, Version: local.Version,
		RemoteUpdatedAt: resp.UpdatedAt, Generation: resp.Generation, PushedAt: now}
	if acct.KeepsMetadata() {
		st.Fingerprint = model.RecordFingerprint(local.Description, local.Metadata)
	}
	return st
}

// PendingState is the SyncState to record on local just before a create
// or an update is sent (remoteID is the v1 id an update is about, or "").
// If the answer is lost, the next Compare finds it (IsPending) and reports
// Interrupted, so that the next push writes in place, by id or by name,
// instead of creating again or calling it a conflict.
func PendingState(acct Account, local model.Secret, remoteID string, now time.Time) model.SyncState {
	return model.SyncState{Target: acct.Target(), RemoteID: remoteID, Version: local.Version, PushedAt: now}
}

// WriteFor is the Write that pushes local with value.
func WriteFor(local model.Secret, value string) Write {
	return Write{Name: local.Name, Value: value, Description: local.Description, Metadata: maps.Clone(local.Metadata)}
}
