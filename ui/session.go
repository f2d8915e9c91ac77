package ui

// A rotation session: r with marks walks the marked secrets one by one in
// the rotate form (enter a value, generate one, or skip), then asks once
// for all of them, and rotates each through the store (marks.go's batch).

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/model"
)

// session is a rotation session in progress: the marked secrets, the one
// the form is on, and the values given so far (wiped once the question is
// built, or when the session ends).
type session struct {
	names []string
	i     int
	given []sessionValue // one per name walked so far
}

type sessionValue struct {
	value     []byte // nil when skipped
	generated bool
	gen       *model.GenSpec // how value was generated; nil when typed
}

func (s *session) wipe() {
	for _, v := range s.given {
		for i := range v.value {
			v.value[i] = 0
		}
	}
	s.given = nil
}

// startSession is r with marks.
func (a *Model) startSession() tea.Cmd {
	if cmd := a.refuseWhileBusy(); cmd != nil {
		return cmd
	}
	names := a.markedNames()
	if len(names) == 0 {
		return nil
	}
	a.session = &session{names: names}
	a.openSessionStep()
	return nil
}

// openSessionStep opens the rotate form on the session's current secret.
func (a *Model) openSessionStep() {
	s := a.session
	// A name the list lost meanwhile (the index changed on disk) gets a
	// bare record: its write then fails as "not found", by name.
	sec := model.Secret{Name: s.names[s.i]}
	if it, ok := a.list.find(sec.Name); ok {
		sec = *it.sec
	}
	// The list and detail pane show the secret the form is for, when
	// the filter does.
	before := a.list.selectedName()
	a.list.selectName(sec.Name)
	a.selectionChanged(before)
	a.form = newForm(formRotate, sec, a.formInputWidth())
	a.form.step = itoa(s.i+1) + " of " + itoa(len(s.names))
	a.form.about = a.sessionAbout(&sec)
	a.mode = modeRotate
}

// sessionAbout is what the form says of the secret: its age, whether it is
// due, the tasks that use it, and the Julep account it was pushed to.
func (a *Model) sessionAbout(s *model.Secret) string {
	now := a.now()
	parts := []string{"value set " + model.HumanAge(s.Age(now)) + " ago"}
	if s.Due(now) {
		parts[0] += ", due"
	}
	parts = append(parts, a.usedByText(s.Name))
	if st, ok := julep.LatestSync(*s); ok {
		parts = append(parts, "pushed to "+model.Printable(st.Target))
	}
	return strings.Join(parts, " · ")
}

// sessionNext keeps the form's value (nil: skip) and moves on: the next
// secret's form, or the one question for all of them.
func (a *Model) sessionNext(skip bool) tea.Cmd {
	s, f := a.session, a.form
	v := sessionValue{}
	if !skip {
		f.validate(a.exists)
		f.submitted = true
		if !f.valid() {
			return a.setStatus(statusError, "fix the value first, or ctrl+x skips this one")
		}
		v.value = append([]byte(nil), f.value.buf...)
		v.generated = f.value.generated
		v.gen = f.value.genSpec()
	}
	s.given = append(s.given, v)
	a.closeForm()
	s.i++
	if s.i < len(s.names) {
		a.openSessionStep()
		return nil
	}
	return a.askSession()
}

// endSession drops the session and every value given in it.
func (a *Model) endSession() {
	if a.session != nil {
		a.session.wipe()
	}
	a.session = nil
}

// askSession builds the one question of the session, which carries the
// writes and their values; the session's own copies are wiped.
func (a *Model) askSession() tea.Cmd {
	s := a.session
	defer a.endSession()
	var steps []batchStep
	var listed, skipped []string
	for i, v := range s.given {
		name := s.names[i]
		if v.value == nil {
			skipped = append(skipped, name)
			continue
		}
		how := " (entered)"
		if v.generated {
			how = " (generated)"
		}
		steps = append(steps, batchStep{op: opRotate, name: name, value: string(v.value), gen: v.gen})
		listed = append(listed, name+how)
	}
	if len(steps) == 0 {
		return a.setStatus(statusInfo, "nothing rotated: all "+model.Count(len(skipped), "secret")+" skipped")
	}
	names := make([]string, len(steps))
	for i, st := range steps {
		names[i] = st.name
	}
	prompt := "Rotate " + model.Count(len(steps), "secret") + ": " + namesText(listed) + "? y/N"
	if len(skipped) > 0 {
		prompt += " · skips " + namesText(skipped)
	}
	a.batch = batchRun{op: opRotate, skipped: skipped}
	a.ask(confirmation{
		prompt: prompt + " · " + a.usedByAllText(names) + " · R then rolls " + model.Plural(len(steps), "it", "them all") + " back",
		yes:    writeBatch(a.newWrite(), steps, 0),
		busy:   "rotating " + model.Count(len(steps), "secret"),
		no:     "nothing was rotated; the values given are dropped",
	})
	return nil
}
