package cli

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestLiveGC: a live scan paces the collector at liveGCPercent and restores
// the previous pace; a GOGC set in the environment wins.
func TestLiveGC(t *testing.T) {
	prev := debug.SetGCPercent(123)
	defer debug.SetGCPercent(prev)

	if v, ok := os.LookupEnv("GOGC"); ok {
		defer os.Setenv("GOGC", v)
	}
	os.Unsetenv("GOGC")
	restore := liveGC()
	if got := debug.SetGCPercent(liveGCPercent); got != liveGCPercent {
		t.Errorf("during a live scan GOGC is %d, want %d", got, liveGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(123); got != 123 {
		t.Errorf("after a live scan GOGC is %d, want 123 back", got)
	}

	t.Setenv("GOGC", "50")
	restore = liveGC()
	if got := debug.SetGCPercent(123); got != 123 {
		t.Errorf("with GOGC set, a live scan changed the pace to %d", got)
	}
	restore()
}

// TestGCPercentBoundsTheHeapGoal: the faster pace while the live heap is
// small, then lower so that the heap goal stays under liveHeapGoal, never
// below the default.
func TestGCPercentBoundsTheHeapGoal(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, liveGCPercent},
		{1, liveGCPercent},
		{20 * mib, liveGCPercent},
		{liveHeapGoal / 16, 1500}, // goal: liveHeapGoal
		{liveHeapGoal / 5, 400},
		{liveHeapGoal / 4, 300},
		{liveHeapGoal / 3, 200},
		{liveHeapGoal / 2, 100},
		{4 * liveHeapGoal, 100},
	} {
		got := gcPercentFor(tc.live)
		if got != tc.want {
			t.Errorf("live heap %d MiB: GOGC %d, want %d", tc.live/mib, got, tc.want)
		}
		if tc.live > 0 && tc.live < liveHeapGoal/2 && tc.live*uint64(100+got)/100 > liveHeapGoal {
			t.Errorf("live heap %d MiB: goal above %d MiB", tc.live/mib, liveHeapGoal/mib)
		}
	}
}

// TestGCTunerFollowsCollections: the pace is adjusted after each
// collection, and no longer once the scan is over.
func TestGCTunerFollowsCollections(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	tuner := &gcTuner{prev: 100}
	tuner.arm()
	seen := func() int {
		tuner.mu.Lock()
		defer tuner.mu.Unlock()
		return tuner.tuned
	}
	for i := 0; seen() < 2 && i < 200; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond) // finalizers run on their own goroutine
	}
	if n := seen(); n < 2 {
		t.Fatalf("the tuner saw %d collections, want at least 2", n)
	}
	if got := debug.SetGCPercent(liveGCPercent); got < 100 || got > liveGCPercent {
		t.Errorf("GOGC %d after tuning, want between 100 and %d", got, liveGCPercent)
	}
	tuner.stop()
	n := seen()
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if seen() != n {
		t.Error("the tuner kept tuning after the scan")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after the scan GOGC is %d, want 100 back", got)
	}
}

func TestFileMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	restore := fileMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != fileHeapLimit {
		t.Errorf("limit during a file scan: %d, want %d", got, fileHeapLimit)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after: %d, want %d", got, before)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	fileMemoryLimit()()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("with GOMEMLIMIT set the limit is the user's: %d", got)
	}
}
