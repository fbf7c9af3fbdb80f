package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress shows what a live scan is listing, on stderr and only on a
// terminal, at most ten times a second.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	on      bool
	objects int
	last    string
	shown   time.Time
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, on: isTerminal(w)}
}

func (p *progress) add(resource string, n int) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.objects += n
	p.last = resource
	if time.Since(p.shown) < 100*time.Millisecond {
		return
	}
	p.shown = time.Now()
	fmt.Fprintf(p.w, "\r\x1b[Klisting %s: %d objects so far", p.last, p.objects)
}

func (p *progress) done() {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\x1b[Klisted %d objects\n", p.objects)
}
