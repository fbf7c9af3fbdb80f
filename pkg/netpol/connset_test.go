package netpol

import (
	"math/rand/v2"
	"testing"
)

// TestPortSetAlgebra compares union, intersection and difference of port
// sets with the same operations on plain membership tables, over random
// sets of spans (overlapping, adjacent, nested, at the ends of the range).
func TestPortSetAlgebra(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const top = 64 // ports 1..top; maxPort stands in for the end of the range
	port := func(i int) int {
		if i == top {
			return maxPort
		}
		return i
	}
	gen := func() (ports, [top + 1]bool) {
		var p ports
		var in [top + 1]bool
		for range r.IntN(5) {
			lo := 1 + r.IntN(top)
			hi := min(lo+r.IntN(8), top)
			p = p.union(ports{{port(lo), port(hi)}})
			for i := lo; i <= hi; i++ {
				in[i] = true
			}
		}
		return p, in
	}
	valid := func(p ports) bool {
		for i, s := range p {
			if s.lo > s.hi || (i > 0 && s.lo <= p[i-1].hi+1) {
				return false
			}
		}
		return true
	}
	for n := range 20000 {
		p, pin := gen()
		q, qin := gen()
		for _, op := range []struct {
			name string
			got  ports
			want func(a, b bool) bool
		}{
			{"union", p.union(q), func(a, b bool) bool { return a || b }},
			{"intersect", p.intersect(q), func(a, b bool) bool { return a && b }},
			{"minus", p.minus(q), func(a, b bool) bool { return a && !b }},
		} {
			if !valid(op.got) {
				t.Fatalf("%d: %s of %v and %v = %v: not sorted, disjoint and apart", n, op.name, p, q, op.got)
			}
			for i := 1; i <= top; i++ {
				if op.got.has(port(i)) != op.want(pin[i], qin[i]) {
					t.Fatalf("%d: %s of %v and %v = %v: wrong at %d", n, op.name, p, q, op.got, port(i))
				}
			}
		}
	}
}
