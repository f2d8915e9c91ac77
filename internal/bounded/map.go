package bounded

import (
	"errors"
	"runtime/debug"
)

// ErrShrunk is the error of a read of a mapped file (MapFile) that another
// process truncated meanwhile: the pages past its new end are gone.
var ErrShrunk = errors.New("the file shrank while it was read")

// CatchFault, deferred by a goroutine that reads a mapped file with
// debug.SetPanicOnFault(true), turns the panic of a fault into ErrShrunk in
// *err; any other panic goes on. (A file keyward replaces by renaming
// another over it is never truncated: the mapping keeps the old one. Only
// an edit in place by another program can shrink it.)
func CatchFault(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if _, fault := r.(interface{ Addr() uintptr }); fault {
		*err = ErrShrunk
		return
	}
	panic(r)
}

// GuardFaults makes a fault of this goroutine a panic (for CatchFault) and
// returns what puts the setting back: defer bounded.GuardFaults()().
func GuardFaults() (restore func()) {
	old := debug.SetPanicOnFault(true)
	return func() { debug.SetPanicOnFault(old) }
}
