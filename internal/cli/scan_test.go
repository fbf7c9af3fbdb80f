package cli

import (
	"os"
	"runtime/debug"
	"testing"
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
