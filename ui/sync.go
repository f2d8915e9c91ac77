package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/model"
)

// JulepConnect opens the Julep account that the command line's settings
// name (platform, base URL, API key), with a warning to show (a key that
// expires soon) or "". It runs inside a Cmd: resolving the key may read it
// from the store.
type JulepConnect func(ctx context.Context) (julep.Remote, string, error)

// syncTimeout bounds listing the account and planning; a push has no
// deadline of its own (each request has the client's), so a long one is not
// cut half-way.
const syncTimeout = 2 * time.Minute

// The push flow: P → planJulepPush (connect, list, compare, plan) →
// syncPlannedMsg → a y/N confirmation that carries runJulepPush → one
// syncProgressMsg per step → syncPushedMsg.
type (
	syncPlannedMsg struct {
		seq    int
		remote julep.Remote
		plan   julep.Plan
		scope  string // what P pushes: "SECRET" or "12 secrets matching env=prod"
		warn   string // from JulepConnect
		err    error
	}
	syncProgressMsg struct {
		seq    int
		i, n   int
		action julep.Action
		next   <-chan tea.Msg
	}
	syncPushedMsg struct {
		seq    int
		target string
		result julep.PushResult
	}
)

// pushKey is P: plan a push of the marked secrets, else the filtered ones
// (when a filter is on), else the selected one.
func (a *Model) pushKey() tea.Cmd {
	if cmd := a.refuseWhileBusy(); cmd != nil {
		return cmd
	}
	if a.julep == nil {
		return a.setStatus(statusError, "no Julep account: keyward --demo pushes nowhere; set JULEP_API_KEY and see 'keyward julep --help'")
	}
	names := map[string]bool{}
	scope := ""
	if marked := a.markedNames(); len(marked) > 0 {
		for _, n := range marked {
			names[n] = true
		}
		scope = model.Count(len(marked), "marked secret")
	} else if q := strings.TrimSpace(a.filter.Value()); q != "" && a.filtErr == "" {
		for _, i := range a.list.vis {
			names[a.list.all[i].sec.Name] = true
		}
		scope = model.Count(len(names), "secret") + " matching " + model.Printable(q)
	} else if sel, ok := a.list.selected(); ok {
		if sel.NoValue {
			return a.setStatus(statusError, model.Printable(sel.Name)+" has no local value yet: r sets its first one, then P pushes it")
		}
		names[sel.Name] = true
		scope = model.Printable(sel.Name)
	}
	if len(names) == 0 {
		return a.setStatus(statusError, "nothing to push: no secret is selected or matches the filter")
	}
	a.syncSeq++
	a.busy = "listing the Julep account"
	return tea.Batch(planJulepPush(a.ctx, a.julep, a.store, names, scope, a.syncSeq),
		a.setStatus(statusInfo, "listing the Julep account to plan the push of "+scope+"…"))
}

// planJulepPush connects, lists the account and plans the push of names.
func planJulepPush(ctx context.Context, connect JulepConnect, st Store, names map[string]bool, scope string, seq int) tea.Cmd {
	return safe(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, syncTimeout)
		defer cancel()
		remote, warn, err := connect(ctx)
		if err != nil {
			return syncPlannedMsg{seq: seq, err: err}
		}
		local, err := st.List(ctx)
		if err != nil {
			return syncPlannedMsg{seq: seq, err: err}
		}
		list, err := remote.List(ctx)
		if err != nil {
			return syncPlannedMsg{seq: seq, err: err}
		}
		rep := julep.Compare(remote, local, list)
		plan := julep.PlanPush(rep, julep.PushOptions{Only: func(s julep.Status) bool { return names[s.Name] }})
		return syncPlannedMsg{seq: seq, remote: remote, plan: plan, scope: scope, warn: warn}
	})
}

// syncPlanned asks to run the plan, or says why there is nothing to do.
func (a *Model) syncPlanned(msg syncPlannedMsg) tea.Cmd {
	if msg.seq != a.syncSeq {
		return nil
	}
	a.busy = ""
	if msg.err != nil {
		return a.setStatus(statusError, "cannot plan the push: "+describeSyncErr(msg.err))
	}
	p := msg.plan
	sending := len(p.Actions) - p.Count(julep.Skip)
	skips := skipSummary(p)
	if sending == 0 {
		if skips == "" {
			return a.setStatus(statusSuccess, "nothing to push: "+msg.scope+": in step with "+p.Target)
		}
		return a.setStatus(statusInfo, "nothing to push to "+p.Target+": "+skips)
	}
	var steps []string
	for _, act := range p.Actions {
		if act.Kind != julep.Skip {
			steps = append(steps, act.Kind.String()+" "+model.Printable(act.Name))
		}
	}
	prompt := fmt.Sprintf("Push to %s? y/N · %s", p.Target, strings.Join(steps, ", "))
	if skips != "" {
		prompt += " · " + skips
	}
	for _, w := range append(p.Warnings, msg.warn) {
		if w != "" {
			prompt += " · " + w
		}
	}
	a.syncSeq++
	a.ask(confirmation{
		prompt: prompt,
		yes:    runJulepPush(a.ctx, msg.remote, a.store, p, a.now, a.syncSeq),
		busy:   "pushing to " + p.Target,
		no:     "nothing was pushed",
	})
	return nil
}

// skipSummary names what the plan leaves alone and why, in short.
func skipSummary(p julep.Plan) string {
	var out []string
	for _, act := range p.Actions {
		if act.Kind == julep.Skip {
			out = append(out, "skips "+model.Printable(act.Name)+" ("+act.Reason+")")
		}
	}
	return strings.Join(out, "; ")
}

// runJulepPush runs the plan with julep.Push in the background; each step
// comes back as a syncProgressMsg that carries the channel of the next.
// Nothing starts until the Cmd runs: it is the y of a y/N question, and
// building the question must not push (it did, racing the answer).
func runJulepPush(ctx context.Context, remote julep.Remote, st Store, plan julep.Plan, now func() time.Time, seq int) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 1)
		go func() {
			defer func() {
				if recover() != nil {
					ch <- cmdPanickedMsg{}
				}
				close(ch)
			}()
			res := julep.Push(ctx, remote, st, plan, now, func(i, n int, act julep.Action) {
				ch <- syncProgressMsg{seq: seq, i: i, n: n, action: act}
			})
			ch <- syncPushedMsg{seq: seq, target: remote.Target(), result: res}
		}()
		return waitSync(ch)()
	}
}

// waitSync delivers the push's next message.
func waitSync(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		if p, isProgress := msg.(syncProgressMsg); isProgress {
			p.next = ch
			return p
		}
		return msg
	}
}

func (a *Model) syncProgress(msg syncProgressMsg) tea.Cmd {
	if msg.seq != a.syncSeq {
		return waitSync(msg.next)
	}
	a.status = statusLine{text: fmt.Sprintf("pushing %d/%d: %s %s…", msg.i, msg.n, msg.action.Kind, model.Printable(msg.action.Name)),
		kind: statusInfo, seq: a.status.seq + 1}
	return waitSync(msg.next)
}

// syncPushed reports every step that did not end as planned, and reads the
// index again: it now records what was pushed.
func (a *Model) syncPushed(msg syncPushedMsg) tea.Cmd {
	if msg.seq != a.syncSeq {
		return nil
	}
	a.busy = ""
	res := msg.result
	total := 0
	var bad []string
	for _, st := range res.Steps {
		if st.Action.Kind == julep.Skip {
			continue
		}
		total++
		name := model.Printable(st.Action.Name)
		switch st.Outcome {
		case julep.Failed:
			bad = append(bad, name+" failed: "+describeSyncErr(st.Err))
		case julep.Unknown:
			bad = append(bad, name+": outcome unknown, it may still land (push again to converge)")
		case julep.Skipped:
			bad = append(bad, name+" not tried")
		}
	}
	text := fmt.Sprintf("pushed %d of %d to %s", res.Count(julep.Done), total, msg.target)
	kind := statusSuccess
	if len(bad) > 0 {
		text += " · " + strings.Join(bad, " · ")
		kind = statusError
	}
	return tea.Batch(a.reload(a.list.selectedName()), a.setStatus(kind, text))
}

// describeSyncErr is one line for a push or plan error; never the key or a
// value (the julep package's errors carry neither).
func describeSyncErr(err error) string {
	msg := model.Printable(err.Error())
	switch {
	case errors.Is(err, julep.ErrUnauthorized):
		return msg + " — check the key ('keyward julep status' says where it came from)"
	case errors.Is(err, julep.ErrConflict):
		return msg
	}
	if d := describeErr(err); d != msg {
		return d
	}
	return msg
}

// syncMark is the list's one-cell sync state of s, from the record alone:
// "∅" no local value (pulled), "?" a push never heard back, "↑" changed
// since the last push, "✓" as pushed, " " never pushed.
func syncMark(s *model.Secret) string {
	if s.NoValue {
		return "∅"
	}
	st, ok := julep.LatestSync(*s)
	switch {
	case !ok:
		return " "
	case julep.IsPending(st):
		return "?"
	case len(julep.LocalChanges(*s, st)) > 0:
		return "↑"
	}
	return "✓"
}

// syncLines describe, for the detail pane, what was pushed where and how the
// record stands since, as far as keyward knows without asking the account.
func syncLines(s *model.Secret, now time.Time) []string {
	var out []string
	for _, st := range s.Sync {
		when := model.HumanAge(now.Sub(st.PushedAt)) + " ago"
		var state string
		switch changes := julep.LocalChanges(*s, st); {
		case s.NoValue:
			state = "pulled " + when + "; no local value (Julep never gives values back): r sets one"
		case julep.IsPending(st):
			state = "a push started " + when + " never heard back; P pushes again"
		case len(changes) > 0:
			state = "version " + itoa(st.Version) + " pushed " + when + "; " + strings.Join(changes, ", ") + "; P pushes"
		default:
			state = "version " + itoa(st.Version) + " pushed " + when + "; unchanged here since"
		}
		out = append(out, model.Printable(st.Target)+": "+state)
	}
	if s.NoValue && len(out) == 0 {
		out = append(out, "no local value (Julep never gives values back): r sets one")
	}
	return out
}
