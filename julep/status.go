package julep

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/model"
)

// State is how one name compares between keyward and an account.
type State int

const (
	// InStep: the account holds what keyward last pushed, and neither side
	// changed since.
	InStep State = iota
	// LocalOnly: the account has no such secret (never pushed, or deleted
	// remotely since; see Status.Gone).
	LocalOnly
	// RemoteOnly: only the account has it.
	RemoteOnly
	// LocalNewer: changed locally since the push (value, name, or on v1
	// description or metadata); the account is as pushed.
	LocalNewer
	// RemoteChanged: someone else wrote it since the push (v1 updated_at
	// or Julep 3 generation moved); keyward's side is as pushed.
	RemoteChanged
	// Conflict: both of the above.
	Conflict
	// NeverSynced: both sides have the name, but keyward has no record of
	// pushing it there: someone else pushed it, or it was pushed before
	// keyward tracked pushes, or keyward's create landed and its answer
	// was lost without a PendingState. Nobody can tell whose value the
	// account holds, so it is treated like a conflict: a push leaves it
	// alone unless forced, and then updates it in place (never a second
	// create).
	NeverSynced
	// Interrupted: keyward started a write (PendingState) and never heard
	// back, and the account has the secret: the write may or may not have
	// landed. A push simply writes again, in place, which converges.
	Interrupted
)

var stateNames = [...]string{
	InStep:        "in step",
	LocalOnly:     "local only",
	RemoteOnly:    "remote only",
	LocalNewer:    "local newer",
	RemoteChanged: "changed remotely",
	Conflict:      "conflict",
	NeverSynced:   "never synced",
	Interrupted:   "interrupted push",
}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status compares one name.
type Status struct {
	// Name is the local name, or the remote one when only the account has
	// it.
	Name  string
	State State
	// Local, Remote and Sync are nil when absent. Sync is the state the
	// last push to this account recorded.
	Local  *model.Secret
	Remote *RemoteSecret
	Sync   *model.SyncState
	// RenamedFrom is the account's name for a secret renamed locally since
	// the push (matched by its recorded id); a push renames it in place.
	RenamedFrom string
	// RecordDiffers: on an account that keeps metadata, the local
	// description or metadata differ from the account's.
	RecordDiffers bool
	// NoValue: the local record was pulled and never given a value, so
	// there is nothing to push.
	NoValue bool
	// NameErr is set when the platform would reject the local name.
	NameErr error
	// Gone: keyward pushed it, but the account no longer has it.
	Gone bool
	// Why says in a few words what changed, for status output.
	Why string
}

// Record is the record a filter query matches for this name: the local one,
// or for a secret only the account has, its name, description and metadata.
func (s Status) Record() model.Secret {
	if s.Local != nil {
		return *s.Local
	}
	if s.Remote != nil {
		return model.Secret{Name: s.Remote.Name, Description: s.Remote.Description, Metadata: s.Remote.Metadata,
			CreatedAt: s.Remote.CreatedAt, UpdatedAt: s.Remote.UpdatedAt}
	}
	return model.Secret{Name: s.Name}
}

// Report is the comparison of a store with one account.
type Report struct {
	Target        string
	Platform      Platform
	KeepsMetadata bool
	Statuses      []Status // by name
}

// IsPending reports whether st is a PendingState: a write was started and
// its answer never recorded. A real push always records the account's
// updated_at (v1) or a generation of at least 1 (Julep 3).
func IsPending(st model.SyncState) bool {
	return st.RemoteUpdatedAt.IsZero() && st.Generation == 0
}

// Compare matches local records with an account's secrets, first by the
// remote id a push recorded (so a local rename is seen as one), then by
// name, and says how each pair stands. It does no I/O.
func Compare(acct Account, local []model.Secret, remote []RemoteSecret) Report {
	target := acct.Target()
	keeps := acct.KeepsMetadata()
	rep := Report{Target: target, Platform: acct.Platform(), KeepsMetadata: keeps}

	locals := slices.Clone(local)
	slices.SortFunc(locals, func(a, b model.Secret) int { return strings.Compare(a.Name, b.Name) })
	used := make([]bool, len(remote))
	byID := map[string]int{}
	byName := map[string]int{}
	for i, r := range remote {
		if r.ID != "" {
			byID[r.ID] = i
		}
		byName[r.Name] = i
	}
	pair := make([]int, len(locals))
	for i, l := range locals {
		pair[i] = -1
		if st, ok := l.SyncFor(target); ok && st.RemoteID != "" {
			if j, ok := byID[st.RemoteID]; ok && !used[j] {
				pair[i], used[j] = j, true
			}
		}
	}
	for i, l := range locals {
		if pair[i] >= 0 {
			continue
		}
		if j, ok := byName[l.Name]; ok && !used[j] {
			pair[i], used[j] = j, true
		}
	}

	for i := range locals {
		l := locals[i].Clone()
		s := Status{Name: l.Name, Local: &l, NoValue: l.NoValue}
		if err := acct.ValidateName(l.Name); err != nil {
			s.NameErr = err
		}
		st, hasSync := l.SyncFor(target)
		if hasSync {
			s.Sync = &st
		}
		if pair[i] < 0 {
			s.State = LocalOnly
			s.Gone = hasSync && !IsPending(st)
			if s.Gone {
				s.Why = "deleted remotely since the last push"
			}
			rep.Statuses = append(rep.Statuses, s)
			continue
		}
		r := remote[pair[i]]
		r.Metadata = maps.Clone(r.Metadata)
		s.Remote = &r
		if keeps {
			s.RecordDiffers = l.Description != r.Description || !maps.Equal(l.Metadata, r.Metadata)
		}
		if l.Name != r.Name {
			s.RenamedFrom = r.Name
		}
		s.State, s.Why = compare(l, r, st, hasSync, keeps)
		rep.Statuses = append(rep.Statuses, s)
	}
	for j, r := range remote {
		if used[j] {
			continue
		}
		r.Metadata = maps.Clone(r.Metadata)
		rep.Statuses = append(rep.Statuses, Status{Name: r.Name, State: RemoteOnly, Remote: &r})
	}
	slices.SortStableFunc(rep.Statuses, func(a, b Status) int { return strings.Compare(a.Name, b.Name) })
	return rep
}

// compare decides the state of a matched pair.
func compare(l model.Secret, r RemoteSecret, st model.SyncState, hasSync, keeps bool) (State, string) {
	switch {
	case !hasSync:
		return NeverSynced, "on both sides, but keyward has no record of pushing it there"
	case st.RemoteID != "" && st.RemoteID != r.ID:
		return NeverSynced, "deleted and created again remotely since the last push"
	case IsPending(st):
		return Interrupted, "a push was interrupted; pushing again finishes it"
	}
	local := LocalChanges(l, st)
	if l.Name != r.Name {
		local = append(local, "renamed from "+r.Name)
	}
	var remoteChanged bool
	var remoteWhy string
	if st.Generation != 0 || r.Generation != 0 {
		remoteChanged = r.Generation != st.Generation
		remoteWhy = fmt.Sprintf("written remotely (generation %d, pushed %d)", r.Generation, st.Generation)
	} else {
		remoteChanged = !r.UpdatedAt.Equal(st.RemoteUpdatedAt)
		remoteWhy = "written remotely at " + r.UpdatedAt.UTC().Format(time.RFC3339)
	}
	switch {
	case len(local) > 0 && remoteChanged:
		return Conflict, strings.Join(append(local, remoteWhy), "; ")
	case len(local) > 0:
		return LocalNewer, strings.Join(local, "; ")
	case remoteChanged:
		return RemoteChanged, remoteWhy
	}
	return InStep, ""
}

// LocalChanges lists what changed in l since the push st recorded: the
// value (its version) and, where the account keeps them (st has a
// Fingerprint), the description or metadata. Empty when nothing did. It is
// the local half of Compare, which the terminal UI shows without asking the
// account.
func LocalChanges(l model.Secret, st model.SyncState) []string {
	var local []string
	if l.Version != st.Version {
		local = append(local, fmt.Sprintf("value changed (version %d, pushed %d)", l.Version, st.Version))
	}
	if st.Fingerprint != "" && model.RecordFingerprint(l.Description, l.Metadata) != st.Fingerprint {
		local = append(local, "description or metadata changed")
	}
	return local
}

// LatestSync is the most recent push of rec to any account, and false when
// rec was never pushed.
func LatestSync(rec model.Secret) (model.SyncState, bool) {
	var out model.SyncState
	for _, st := range rec.Sync {
		if st.PushedAt.After(out.PushedAt) || out.Target == "" {
			out = st
		}
	}
	return out, out.Target != ""
}
