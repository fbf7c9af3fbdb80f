package netpol

import (
	"net/netip"
	"sort"
	"strings"
	"sync"
)

// class is a set of workloads no policy can tell apart: same namespace,
// same values of every label key some selector reads, same named ports,
// same host networking, same addresses where ipBlocks could see them.
type class struct {
	id        int
	rep       *Workload
	members   []*Workload
	ns        *Namespace
	selecting map[Direction][]*Policy
	// subjectOf has a bit per AdminNetworkPolicy (by its index in
	// Model.Admin) whose subject takes in the class, hasAdmin whether one
	// of those has rules for a direction (index dirIndex), and
	// baselineSubject whether the baseline's subject takes it in.
	subjectOf       []uint64
	hasAdmin        [2]bool
	baselineSubject bool
	// peerOf are, per direction, the AdminNetworkPolicy rules whose peers
	// take in the class, in evaluation order; basePeerOf the baseline's.
	peerOf, basePeerOf [2][]*AdminRule
}

func (m *Model) classify() {
	keySet := map[string]bool{}
	blocks := false
	for _, p := range m.Policies {
		for _, k := range p.podKeys {
			keySet[k] = true
		}
		for _, r := range append(append([]*Rule{}, p.IngressRules...), p.EgressRules...) {
			for _, pe := range r.Peers {
				blocks = blocks || pe.Block != nil
			}
		}
	}
	blocks = blocks && !m.Options.IPBlocksIgnorePods
	for _, p := range m.adminPolicies() {
		for _, k := range p.podKeys {
			keySet[k] = true
		}
		for _, r := range p.EgressRules {
			for _, pe := range r.Peers {
				// networks peers see pods' addresses whatever the option.
				blocks = blocks || pe.Networks != nil
			}
		}
	}
	keys := make([]string, 0, len(keySet))
	for k := range keySet {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	byKey := map[string]*class{}
	var b strings.Builder
	for _, w := range m.Workloads {
		b.Reset()
		b.WriteString(w.Namespace)
		for _, k := range keys {
			b.WriteByte(0)
			if v, ok := w.Labels[k]; ok {
				b.WriteString(k + "=" + v)
			} else {
				b.WriteString(k + "!")
			}
		}
		b.WriteByte(0)
		for _, cp := range w.Ports {
			if cp.Name != "" {
				b.WriteString(cp.Name + "/" + string(cp.Protocol) + "/" + itoa(int(cp.ContainerPort)) + ",")
			}
		}
		if w.HostNetwork {
			b.WriteString("\x00host")
		}
		if blocks {
			for _, ip := range w.IPs {
				b.WriteString("\x00" + ip.String())
			}
		}
		key := b.String()
		c := byKey[key]
		if c == nil {
			c = &class{id: len(m.classes), rep: w, ns: m.Namespaces[w.Namespace], selecting: map[Direction][]*Policy{}}
			for _, p := range m.byNS[w.Namespace] {
				if w.HostNetwork || !p.selector.Matches(labelsOf(w.Labels)) {
					continue
				}
				for _, d := range []Direction{Ingress, Egress} {
					if p.Types[d] {
						c.selecting[d] = append(c.selecting[d], p)
					}
				}
			}
			byKey[key] = c
			m.classes = append(m.classes, c)
		}
		c.members = append(c.members, w)
		w.class = c
	}
	m.indexAdmin()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// Endpoint is one end of a connection: a workload, or an address outside
// the cluster's workloads.
type Endpoint struct {
	Workload *Workload
	Addr     netip.Addr
}

func (e Endpoint) String() string {
	if e.Workload != nil {
		return e.Workload.Ref()
	}
	return e.Addr.String()
}

// peerMatches: does a rule's peer (of policy p) take in the workloads of
// class y, or the address a (y nil)?
func (m *Model) peerMatches(p *Policy, pe *Peer, y *class, a netip.Addr) bool {
	if y == nil {
		return pe.Block != nil && pe.Block.Contains(a)
	}
	w := y.rep
	if pe.Block != nil {
		if m.Options.IPBlocksIgnorePods {
			return false
		}
		for _, ip := range w.IPs {
			if pe.Block.Contains(ip) {
				return true
			}
		}
		return false
	}
	// Host-network pods are the node's traffic: no selector takes them in.
	if w.HostNetwork {
		return false
	}
	if pe.Namespaces == nil {
		if w.Namespace != p.Namespace {
			return false
		}
	} else if !pe.Namespaces.Matches(labelsOf(y.ns.Labels)) {
		return false
	}
	return pe.Pods == nil || pe.Pods.Matches(labelsOf(w.Labels))
}

func (m *Model) ruleMatches(r *Rule, y *class, a netip.Addr) bool {
	if r.AllPeers {
		return true
	}
	for i := range r.Peers {
		if m.peerMatches(r.Policy, &r.Peers[i], y, a) {
			return true
		}
	}
	return false
}

// Side is what one end of a connection allows: the source's egress or the
// destination's ingress.
type Side struct {
	Direction Direction
	Workload  *Workload
	// Admin are the AdminNetworkPolicy rules that take in the other end,
	// in evaluation order, each with the connections it decided or (Pass)
	// handed on to the NetworkPolicies; the connections of different
	// entries are disjoint.
	Admin []AdminConns
	// Isolated: some NetworkPolicy selects the workload for this direction.
	Isolated bool
	// Selecting are those policies.
	Selecting []*Policy
	// Rules are the NetworkPolicy rules that take in the other end, with
	// what they allow (NetworkPolicies decide only what no
	// AdminNetworkPolicy rule decided).
	Rules []RuleConns
	// Baseline are the BaselineAdminNetworkPolicy rules that decided
	// connections with the other end: what no AdminNetworkPolicy decided,
	// when no NetworkPolicy isolates the workload.
	Baseline []AdminConns
	// Conns is what this side allows with the other end.
	Conns ConnSet
	// Note says why policies do not apply (host networking).
	Note string
}

// Layer names who decides a connection on one side.
type Layer string

// The layers, in the order they are consulted.
const (
	LayerHostNetwork Layer = "host-network"
	LayerAdmin       Layer = "AdminNetworkPolicy"
	LayerPolicy      Layer = "NetworkPolicy"
	LayerBaseline    Layer = "BaselineAdminNetworkPolicy"
	LayerDefault     Layer = "default"
)

// Verdict is how one side decides one connection.
type Verdict struct {
	Allowed bool
	Layer   Layer
	// Rule is the AdminNetworkPolicy or BaselineAdminNetworkPolicy rule
	// that decided (layers AdminNetworkPolicy and
	// BaselineAdminNetworkPolicy).
	Rule *AdminRule
	// Passed is the AdminNetworkPolicy rule that handed the connection on
	// (action Pass), if one did.
	Passed *AdminRule
}

// Verdict says which layer decides a connection on this side.
func (s *Side) Verdict(proto Protocol, port int) Verdict {
	v := Verdict{Allowed: s.Conns.Has(proto, port)}
	if s.Note != "" {
		v.Layer = LayerHostNetwork
		return v
	}
	for _, a := range s.Admin {
		if !a.Conns.Has(proto, port) {
			continue
		}
		if a.Rule.Effective() == Pass {
			v.Passed = a.Rule
			break
		}
		v.Layer, v.Rule = LayerAdmin, a.Rule
		return v
	}
	if s.Isolated {
		v.Layer = LayerPolicy
		return v
	}
	for _, b := range s.Baseline {
		if b.Conns.Has(proto, port) {
			v.Layer, v.Rule = LayerBaseline, b.Rule
			return v
		}
	}
	v.Layer = LayerDefault
	return v
}

// RuleConns is a rule and the connections it allows with the other end.
type RuleConns struct {
	Rule  *Rule
	Conns ConnSet
}

// side evaluates the workload x's direction d against the other end (y,
// or the address a when y is nil); dst is the connection's destination,
// against which named ports resolve (nil for an address). Without record
// only Conns is filled (for the matrix), not the rules that decided.
//
// The layers: AdminNetworkPolicy rules first; what they leave undecided
// or pass on goes to the NetworkPolicies when one isolates x, else to the
// BaselineAdminNetworkPolicy, else is allowed.
func (m *Model) side(x *class, d Direction, y *class, a netip.Addr, dst *Workload, record bool) Side {
	s := Side{Direction: d, Workload: x.rep, Selecting: x.selecting[d]}
	if x.rep.HostNetwork {
		s.Conns, s.Note = AllConns(), "host-network pods are not governed by NetworkPolicies"
		return s
	}
	// Without AdminNetworkPolicy rules that take in the other end, every
	// connection goes on to the NetworkPolicies (the common case: no set
	// algebra beyond what NetworkPolicies need).
	var adminAllowed, rest ConnSet
	admin := false
	if x.hasAdmin[dirIndex(d)] {
		adminAllowed, rest, s.Admin = m.adminLayer(x, d, false, y, a, dst, AllConns(), record)
		// Passed connections go on like undecided ones: unless some rule
		// decided something, the layer changed nothing.
		admin = !rest.All()
	}
	if len(s.Selecting) == 0 {
		if !admin {
			rest = AllConns()
		}
		if x.baselineSubject && !rest.Empty() {
			var allowed, undecided ConnSet
			allowed, undecided, s.Baseline = m.adminLayer(x, d, true, y, a, dst, rest, record)
			rest = allowed.Union(undecided)
		}
		if admin {
			s.Conns = adminAllowed.Union(rest)
		} else {
			s.Conns = rest
		}
		return s
	}
	s.Isolated = true
	var np ConnSet
	for _, p := range s.Selecting {
		rules := p.IngressRules
		if d == Egress {
			rules = p.EgressRules
		}
		for _, r := range rules {
			if !m.ruleMatches(r, y, a) {
				continue
			}
			c := r.ports(dst)
			if c.Empty() {
				continue
			}
			if record {
				s.Rules = append(s.Rules, RuleConns{r, c})
			}
			np = np.Union(c)
		}
	}
	s.Conns = np
	if admin {
		s.Conns = adminAllowed.Union(rest.Intersect(np))
	}
	return s
}

// Explanation is the verdict on one connection, with both sides.
type Explanation struct {
	From, To Endpoint
	Protocol Protocol
	Port     int
	Allowed  bool
	// Egress is the source's side (nil for an address), Ingress the
	// destination's (nil for an address).
	Egress, Ingress *Side
	// Conns is everything allowed from From to To.
	Conns ConnSet
}

// Explain decides one connection. At least one end must be a workload.
func (m *Model) Explain(from, to Endpoint, proto Protocol, port int) Explanation {
	e := Explanation{From: from, To: to, Protocol: proto, Port: port, Conns: AllConns()}
	var fc, tc *class
	if from.Workload != nil {
		fc = from.Workload.class
	}
	if to.Workload != nil {
		tc = to.Workload.class
	}
	if fc != nil {
		s := m.side(fc, Egress, tc, to.Addr, to.Workload, true)
		e.Egress = &s
		e.Conns = e.Conns.Intersect(s.Conns)
	}
	if tc != nil {
		s := m.side(tc, Ingress, fc, from.Addr, to.Workload, true)
		e.Ingress = &s
		e.Conns = e.Conns.Intersect(s.Conns)
	}
	e.Allowed = e.Conns.Has(proto, port)
	return e
}

// Conns is everything allowed from one endpoint to another.
func (m *Model) Conns(from, to Endpoint) ConnSet {
	return m.Explain(from, to, TCP, 0).Conns
}

// Matrix is the allowed connections between every pair of workloads.
type Matrix struct {
	Workloads []*Workload
	// Conns[i][j] is what workload i may open to workload j.
	Conns [][]ConnSet
}

// Matrix computes the workload matrix, once per pair of classes, in
// parallel.
func (m *Model) Matrix(workers int) *Matrix {
	n := len(m.classes)
	byClass := make([][]ConnSet, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				row := make([]ConnSet, n)
				src := m.classes[i]
				for j, dst := range m.classes {
					eg := m.side(src, Egress, dst, netip.Addr{}, dst.rep, false)
					if eg.Conns.Empty() {
						continue
					}
					in := m.side(dst, Ingress, src, netip.Addr{}, dst.rep, false)
					row[j] = eg.Conns.Intersect(in.Conns)
				}
				byClass[i] = row
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	out := &Matrix{Workloads: m.Workloads, Conns: make([][]ConnSet, len(m.Workloads))}
	for i, a := range m.Workloads {
		out.Conns[i] = make([]ConnSet, len(m.Workloads))
		for j, b := range m.Workloads {
			out.Conns[i][j] = byClass[a.class.id][b.class.id]
		}
	}
	return out
}

// Isolated reports whether some policy selects the workload for a
// direction.
func (m *Model) Isolated(w *Workload, d Direction) bool { return len(w.class.selecting[d]) > 0 }

// IsolatesAll reports whether a policy of the namespace selects all its
// pods (an empty podSelector) for a direction: a default-deny, or a
// default that allows only what its rules say.
func (m *Model) IsolatesAll(namespace string, d Direction) bool {
	for _, p := range m.byNS[namespace] {
		if p.Types[d] && p.selector.Empty() {
			return true
		}
	}
	return false
}

// HasWorkloads reports whether the input has workloads in a namespace.
func (m *Model) HasWorkloads(namespace string) bool { return len(m.classesIn(namespace)) > 0 }

// SelectedBy lists the workloads a policy's podSelector picks (host-network
// ones included, which the policy then does not govern).
func (m *Model) SelectedBy(p *Policy) []*Workload {
	var out []*Workload
	for _, c := range m.classesIn(p.Namespace) {
		if p.selector.Matches(labelsOf(c.rep.Labels)) {
			out = append(out, c.members...)
		}
	}
	return out
}

// classesIn lists the classes of a namespace (indexed on first use).
func (m *Model) classesIn(ns string) []*class {
	m.nsOnce.Do(func() {
		m.nsClasses = map[string][]*class{}
		for _, c := range m.classes {
			m.nsClasses[c.rep.Namespace] = append(m.nsClasses[c.rep.Namespace], c)
		}
	})
	return m.nsClasses[ns]
}

// PeerSelectsAny reports whether a selector peer of policy p takes in some
// workload of the input; judged is false when the input cannot tell (the
// namespaces it could select have no workloads in the input).
func (m *Model) PeerSelectsAny(p *Policy, pe *Peer) (judged, any bool) {
	// Policies repeat their peers (the same team selector in every
	// namespace's policy): the answer is kept per pair of selectors.
	var key strings.Builder
	if pe.Namespaces == nil {
		key.WriteString("in:" + p.Namespace)
	} else {
		key.WriteString("ns:" + pe.Namespaces.String())
	}
	if pe.Pods != nil {
		key.WriteString("\x00pods:" + pe.Pods.String())
	}
	m.peerMu.Lock()
	known, ok := m.peerAnswers[key.String()]
	m.peerMu.Unlock()
	if ok {
		return known[0], known[1]
	}
	judged, any = m.peerSelectsAny(p, pe)
	m.peerMu.Lock()
	if m.peerAnswers == nil {
		m.peerAnswers = map[string][2]bool{}
	}
	m.peerAnswers[key.String()] = [2]bool{judged, any}
	m.peerMu.Unlock()
	return judged, any
}

func (m *Model) peerSelectsAny(p *Policy, pe *Peer) (judged, any bool) {
	var candidates []*class
	if pe.Namespaces == nil {
		candidates = m.classesIn(p.Namespace)
	} else {
		for name, ns := range m.Namespaces {
			if pe.Namespaces.Matches(labelsOf(ns.Labels)) {
				candidates = append(candidates, m.classesIn(name)...)
			}
		}
	}
	for _, c := range candidates {
		judged = true
		// By labels alone: a host-network workload the labels pick is what
		// the author meant, even though policies do not govern it.
		if pe.Pods == nil || pe.Pods.Matches(labelsOf(c.rep.Labels)) {
			return true, true
		}
	}
	if pe.Namespaces == nil {
		return m.HasWorkloads(p.Namespace), false
	}
	return judged, false
}
