package cli

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// liveGCPercent paces the garbage collector during live scans. A live scan
// keeps every object it lists until the report is written, so most of what
// it allocates stays live; at the default pace (GOGC=100) the collector
// runs each time the heap doubles and marks the growing inventory again
// each time, while the listing and the API server already keep the cores
// busy. At 1600 the 10,000-object benchmark (docs/PERFORMANCE.md) runs one
// collection after start-up (two at 400, seven at 100) and spends about a
// tenth less CPU time than at 400 (a fifth less at 400 than at 100), for
// about the same peak memory: the heap goal is bounded (liveHeapGoal)
// whatever the pace.
const liveGCPercent = 1600

// liveHeapGoal bounds what the faster pace may cost: after each cycle the
// pace is lowered so that the next heap goal stays under it, down to the
// default pace (GOGC=100) once the live heap passes half of it. A large
// cluster, or an analysis that makes much garbage, then uses no more
// memory than with the default.
const liveHeapGoal = 512 << 20

// gcPercentFor is the pace for a live heap of live bytes: the heap goal
// live*(1+pace/100) stays under liveHeapGoal, the pace between 100 and
// liveGCPercent.
func gcPercentFor(live uint64) int {
	switch {
	case live == 0:
		return liveGCPercent
	case live >= liveHeapGoal/2:
		return 100
	}
	if p := liveHeapGoal*100/live - 100; p < liveGCPercent {
		return int(p)
	}
	return liveGCPercent
}

// liveGC sets the live scan's collector pace, unless GOGC is set in the
// environment (GOMEMLIMIT, when set, bounds the heap either way), and
// returns the function that restores the previous pace.
func liveGC() (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	t := &gcTuner{prev: debug.SetGCPercent(liveGCPercent)}
	t.arm()
	return t.stop
}

// gcTuner adjusts the pace after each collection, from the live heap it
// left.
type gcTuner struct {
	mu      sync.Mutex
	prev    int
	stopped bool
	tuned   int // collections seen, for tests
}

// gcSentinel is garbage as soon as it is made: its finalizer runs after
// the next collection.
type gcSentinel struct{ t *gcTuner }

func (t *gcTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{t}, func(s *gcSentinel) { s.t.tune() })
}

func (t *gcTuner) tune() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.tuned++
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		debug.SetGCPercent(gcPercentFor(sample[0].Value.Uint64()))
	}
	t.arm()
}

func (t *gcTuner) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	debug.SetGCPercent(t.prev)
}

// fileHeapLimit is the soft heap limit of a file scan. A file scan's
// parsers make much short-lived garbage; at the default pace the heap may
// grow to twice what is live before a collection. Near this limit the
// collector runs sooner instead, which costs some CPU time on large inputs
// and keeps the peak memory down (docs/PERFORMANCE.md). An input whose live
// data alone exceeds it is still scanned: the limit is soft.
const fileHeapLimit = 224 << 20

// fileMemoryLimit sets the file scan's soft memory limit, unless
// GOMEMLIMIT is set, and returns the function that restores the previous
// one.
func fileMemoryLimit() (restore func()) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return func() {}
	}
	prev := debug.SetMemoryLimit(fileHeapLimit)
	return func() { debug.SetMemoryLimit(prev) }
}
