package netpol

import (
	"fmt"
	"slices"
	"strings"
)

// Protocol is a transport protocol NetworkPolicies name.
type Protocol string

// The protocols NetworkPolicy knows.
const (
	TCP  Protocol = "TCP"
	UDP  Protocol = "UDP"
	SCTP Protocol = "SCTP"
)

// Protocols in the order results print them.
var Protocols = []Protocol{TCP, UDP, SCTP}

const minPort, maxPort = 1, 65535

// span is an inclusive range of ports.
type span struct{ lo, hi int }

// ports is a set of ports: sorted, disjoint, non-adjacent spans.
type ports []span

func (p ports) union(q ports) ports {
	if len(q) == 0 {
		return p
	}
	if len(p) == 0 {
		return q
	}
	// Merge the two sorted lists, joining overlapping and adjacent spans.
	out := make(ports, 0, len(p)+len(q))
	i, j := 0, 0
	for i < len(p) || j < len(q) {
		var s span
		if j == len(q) || (i < len(p) && p[i].lo <= q[j].lo) {
			s, i = p[i], i+1
		} else {
			s, j = q[j], j+1
		}
		if n := len(out); n > 0 && s.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, s.hi)
		} else {
			out = append(out, s)
		}
	}
	return out
}

func (p ports) intersect(q ports) ports {
	var out ports
	i, j := 0, 0
	for i < len(p) && j < len(q) {
		lo, hi := max(p[i].lo, q[j].lo), min(p[i].hi, q[j].hi)
		if lo <= hi {
			out = append(out, span{lo, hi})
		}
		if p[i].hi < q[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// minus returns p without the ports of q.
func (p ports) minus(q ports) ports {
	if len(q) == 0 || len(p) == 0 {
		return p
	}
	out := make(ports, 0, len(p)+len(q))
	j := 0
	for _, s := range p {
		lo := s.lo
		for j < len(q) && q[j].hi < lo {
			j++
		}
		k := j
		for ; k < len(q) && q[k].lo <= s.hi; k++ {
			if q[k].lo > lo {
				out = append(out, span{lo, q[k].lo - 1})
			}
			lo = max(lo, q[k].hi+1)
		}
		if lo <= s.hi {
			out = append(out, span{lo, s.hi})
		}
	}
	return out
}

func (p ports) has(port int) bool {
	for _, s := range p {
		if port >= s.lo && port <= s.hi {
			return true
		}
	}
	return false
}

func (p ports) all() bool { return len(p) == 1 && p[0].lo == minPort && p[0].hi == maxPort }

func (p ports) String() string {
	parts := make([]string, 0, len(p))
	for _, s := range p {
		if s.lo == s.hi {
			parts = append(parts, fmt.Sprint(s.lo))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", s.lo, s.hi))
		}
	}
	return strings.Join(parts, ",")
}

// ConnSet is a set of connections: ports per protocol.
type ConnSet struct {
	byProto [3]ports // indexed like Protocols
}

func protoIndex(p Protocol) int {
	switch p {
	case UDP:
		return 1
	case SCTP:
		return 2
	}
	return 0
}

// AllConns is every port of every protocol.
func AllConns() ConnSet {
	all := ports{{minPort, maxPort}}
	return ConnSet{byProto: [3]ports{all, all, all}}
}

// add puts a port range of a protocol into the set.
func (c *ConnSet) add(p Protocol, lo, hi int) {
	i := protoIndex(p)
	c.byProto[i] = c.byProto[i].union(ports{{lo, hi}})
}

// Union returns c ∪ d.
func (c ConnSet) Union(d ConnSet) ConnSet {
	var out ConnSet
	for i := range out.byProto {
		out.byProto[i] = c.byProto[i].union(d.byProto[i])
	}
	return out
}

// Intersect returns c ∩ d.
func (c ConnSet) Intersect(d ConnSet) ConnSet {
	var out ConnSet
	for i := range out.byProto {
		out.byProto[i] = c.byProto[i].intersect(d.byProto[i])
	}
	return out
}

// Minus returns c without the connections of d.
func (c ConnSet) Minus(d ConnSet) ConnSet {
	var out ConnSet
	for i := range out.byProto {
		out.byProto[i] = c.byProto[i].minus(d.byProto[i])
	}
	return out
}

// Has reports whether the set holds a port of a protocol.
func (c ConnSet) Has(p Protocol, port int) bool { return c.byProto[protoIndex(p)].has(port) }

// Empty reports whether the set holds nothing.
func (c ConnSet) Empty() bool {
	return len(c.byProto[0]) == 0 && len(c.byProto[1]) == 0 && len(c.byProto[2]) == 0
}

// All reports whether the set holds every connection.
func (c ConnSet) All() bool { return c.byProto[0].all() && c.byProto[1].all() && c.byProto[2].all() }

// Equal compares two sets.
func (c ConnSet) Equal(d ConnSet) bool {
	for i := range c.byProto {
		if !slices.Equal(c.byProto[i], d.byProto[i]) {
			return false
		}
	}
	return true
}

// String writes the set as "All connections", "No connections" or
// "TCP 80,8080-8090; UDP 53".
func (c ConnSet) String() string {
	switch {
	case c.All():
		return "All connections"
	case c.Empty():
		return "No connections"
	}
	var parts []string
	for i, p := range Protocols {
		switch {
		case len(c.byProto[i]) == 0:
		case c.byProto[i].all():
			parts = append(parts, string(p))
		default:
			parts = append(parts, string(p)+" "+c.byProto[i].String())
		}
	}
	return strings.Join(parts, "; ")
}
