package cli

import (
	"fmt"
	"strconv"
)

// progressMin is the number of secrets from which a command shows progress.
const progressMin = 50

// progress returns a count line for a command that goes through many
// secrets ("importing 120/10000"), on stderr, rewriting itself: only when
// there are at least progressMin and stderr is a terminal, so that logs and
// pipes get nothing. step(done) updates it (every tenth secret, and the
// last); end clears it, once, before the command's own output. doctor,
// migrate and import use it.
func (a *app) progress(verb string, total int) (step func(done int), end func()) {
	if total < progressMin || !a.term.StderrIsTerminal() {
		return func(int) {}, func() {}
	}
	of := "/" + strconv.Itoa(total)
	shown := false
	step = func(done int) {
		if done%10 == 0 || done == total {
			fmt.Fprintf(a.stderr, "\r%s %d%s", verb, done, of)
			shown = true
		}
	}
	end = func() {
		if shown {
			fmt.Fprint(a.stderr, "\r\x1b[K")
			shown = false
		}
	}
	return step, end
}
