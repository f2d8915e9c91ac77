package ui

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
)

// memoryLimitFloor is the least memory limit fitMemoryLimit sets.
const memoryLimitFloor = 64 << 20

// memoryLimitRoom is the least room fitMemoryLimit leaves above the heap
// after a load for the garbage of frames, filters and sorts.
const memoryLimitRoom = 24 << 20

// fitMemoryLimit sets the Go runtime's soft memory limit just above what
// the loaded list holds, so that the garbage of frames and sorts is
// collected before it doubles the resident memory, as the default GOGC=100
// lets it (at 100,000 generated secrets the list and the store's records
// are ~36 MB that stay: with the old limit of at least 100 MiB, resident
// memory reached 105 MB after tuitime's 30 rounds of keys, 76 MB with
// this one, with the same key latency). The limit leaves memoryLimitRoom
// or 15% above the heap, whichever is more, and is never under
// memoryLimitFloor, so a larger index raises it rather than making the GC
// run without pause. Run sets it after every load unless GOMEMLIMIT says
// otherwise.
func fitMemoryLimit() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	heap := int64(m.HeapAlloc)
	debug.SetMemoryLimit(max(memoryLimitFloor, heap+max(memoryLimitRoom, heap/100*15)))
}

// raiseMemoryLimit raises the memory limit by n bytes that the list keeps
// from now on (a sort's first use of a key: its order and the spare slices,
// 5 MB at 100,000 secrets), which would otherwise come out of the headroom
// for garbage and make the GC run more often: with them, the filter's
// keys at 200x60 took 5-9 ms longer in tuitime.
func raiseMemoryLimit(n int64) {
	if cur := debug.SetMemoryLimit(-1); cur < math.MaxInt64-n {
		debug.SetMemoryLimit(cur + n)
	}
}

// tuneMemory makes the model fit the memory limit after each load, unless
// the user set GOMEMLIMIT, and returns what puts the limit back.
func (a *Model) tuneMemory() (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(-1)
	a.afterLoad = fitMemoryLimit
	a.keptMore = raiseMemoryLimit
	return func() { debug.SetMemoryLimit(prev) }
}
