package netpol

// AdminNetworkPolicy and BaselineAdminNetworkPolicy
// (policy.networking.k8s.io/v1alpha1, shared/reference/netpol-semantics.md
// §3). Per direction, a connection of a pod is judged in layers:
//
//  1. the AdminNetworkPolicies whose subject takes in the pod, lowest
//     spec.priority first, and within one policy its rules in order: the
//     first rule whose peers and ports take in the connection decides
//     it: Allow (no NetworkPolicy is consulted), Deny, or Pass (the
//     remaining AdminNetworkPolicy rules are skipped);
//  2. what no AdminNetworkPolicy decided (or a Pass handed on): if some
//     NetworkPolicy selects the pod for the direction, the NetworkPolicies
//     decide, as they do without AdminNetworkPolicies;
//  3. otherwise the BaselineAdminNetworkPolicy, when its subject takes in
//     the pod: its first matching rule, Allow or Deny;
//  4. otherwise the connection is allowed.
//
// Choices where the API leaves room:
//   - Two AdminNetworkPolicies with the same priority: the API leaves
//     their order to the implementation; rampart takes them by name
//     (and says so in the model's Problems).
//   - nodes peers (experimental) select node addresses, which rampart does
//     not model: they take in no workload and no address. domainNames peers
//     (experimental) likewise take in nothing.
//   - networks peers hold every address in their CIDRs, pods' addresses
//     included, as the API says, whatever Options.IPBlocksIgnorePods says
//     of NetworkPolicy ipBlocks.
//   - A peer with none of its fields set (the CRD rejects it) fails closed
//     as the API asks: in an Allow rule it takes in nothing; a Deny or
//     Pass rule that holds one denies everything.
//   - Host-network pods are never a subject and never a namespaces or pods
//     peer.
//
// Objects the API server would reject (priority outside 0-1000, a subject
// or port with none or several of its fields, an unknown action, a
// BaselineAdminNetworkPolicy not named default, a bad CIDR) are left out
// and reported in the model's Problems.

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	policyv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// The kinds of the AdminNetworkPolicy API.
const (
	KindAdmin    = "AdminNetworkPolicy"
	KindBaseline = "BaselineAdminNetworkPolicy"
)

// Action is what an AdminNetworkPolicy or BaselineAdminNetworkPolicy rule
// does with the connections it takes in.
type Action string

// The actions.
const (
	Allow Action = "Allow"
	Deny  Action = "Deny"
	Pass  Action = "Pass"
)

// AdminPolicy is an AdminNetworkPolicy, or the BaselineAdminNetworkPolicy,
// compiled for evaluation.
type AdminPolicy struct {
	Name string
	// Baseline: a BaselineAdminNetworkPolicy (which has no priority).
	Baseline bool
	Priority int
	Object   *inventory.Object
	idx      int // in Model.Admin
	// The subject: pods of the namespaces subjectNS selects, and of
	// those the pods subjectPods selects (nil: all).
	subjectNS, subjectPods labels.Selector
	podKeys                []string
	IngressRules           []*AdminRule
	EgressRules            []*AdminRule
}

// Kind is AdminNetworkPolicy or BaselineAdminNetworkPolicy.
func (p *AdminPolicy) Kind() string {
	if p.Baseline {
		return KindBaseline
	}
	return KindAdmin
}

// Ref is "AdminNetworkPolicy/name".
func (p *AdminPolicy) Ref() string { return p.Kind() + "/" + p.Name }

// String is "AdminNetworkPolicy name (priority 10)" or
// "BaselineAdminNetworkPolicy default".
func (p *AdminPolicy) String() string {
	if p.Baseline {
		return KindBaseline + " " + p.Name
	}
	return fmt.Sprintf("%s %s (priority %d)", KindAdmin, p.Name, p.Priority)
}

// Subject reports whether the policy's subject takes in a workload of a
// namespace (host-network workloads never).
func (p *AdminPolicy) Subject(w *Workload, ns *Namespace) bool {
	if w.HostNetwork || ns == nil || !p.subjectNS.Matches(labelsOf(ns.Labels)) {
		return false
	}
	return p.subjectPods == nil || p.subjectPods.Matches(labelsOf(w.Labels))
}

// AdminRule is one ingress or egress rule of an AdminPolicy.
type AdminRule struct {
	Policy    *AdminPolicy
	Direction Direction
	Index     int
	Name      string
	Action    Action
	Peers     []AdminPeer
	// AllPorts: ports is absent.
	AllPorts bool
	Ports    []PortSpec
	// FailClosed: a Deny or Pass rule with a peer that sets no field,
	// which the API says to treat as denying everything.
	FailClosed bool
	// fixed are the connections of ports that name no port (hasFixed).
	fixed    ConnSet
	hasFixed bool
}

// Effective is the action the rule takes: Deny for a rule that fails
// closed, else its own.
func (r *AdminRule) Effective() Action {
	if r.FailClosed {
		return Deny
	}
	return r.Action
}

// Field is the rule's path in its policy, e.g. spec.ingress[0].
func (r *AdminRule) Field() string {
	if r.Direction == Ingress {
		return fmt.Sprintf("spec.ingress[%d]", r.Index)
	}
	return fmt.Sprintf("spec.egress[%d]", r.Index)
}

// String names the rule: `AdminNetworkPolicy p (priority 10)
// spec.ingress[0] "rule name"`.
func (r *AdminRule) String() string {
	s := r.Policy.String() + " " + r.Field()
	if r.Name != "" {
		s += fmt.Sprintf(" %q", r.Name)
	}
	return s
}

// AdminPeer is one from/to entry of an AdminRule.
type AdminPeer struct {
	// Namespaces selects the namespaces (a namespaces peer, or the
	// namespaceSelector of a pods peer); Pods the pods in them (nil: all).
	Namespaces, Pods labels.Selector
	// Networks are the CIDRs of a networks peer (egress only).
	Networks []netip.Prefix
	// Unmodelled is set for nodes and domainNames peers, which take in
	// nothing here.
	Unmodelled string
	// Empty: no field is set (fail closed).
	Empty bool
}

// compileAdmin checks and converts an AdminNetworkPolicy.
func compileAdmin(anp *policyv1alpha1.AdminNetworkPolicy, o *inventory.Object) (*AdminPolicy, []string, error) {
	p := &AdminPolicy{Name: anp.Name, Priority: int(anp.Spec.Priority), Object: o}
	if anp.Spec.Priority < 0 || anp.Spec.Priority > 1000 {
		return nil, nil, fmt.Errorf("spec.priority %d is outside 0-1000", anp.Spec.Priority)
	}
	if err := p.compileSubject(&anp.Spec.Subject); err != nil {
		return nil, nil, err
	}
	var notes []string
	for i, r := range anp.Spec.Ingress {
		peers := make([]policyv1alpha1.AdminNetworkPolicyEgressPeer, len(r.From))
		for j, f := range r.From {
			peers[j] = policyv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: f.Namespaces, Pods: f.Pods}
		}
		rule, n, err := compileAdminRule(p, Ingress, i, r.Name, Action(r.Action), peers, r.Ports)
		if err != nil {
			return nil, nil, err
		}
		notes = append(notes, n...)
		p.IngressRules = append(p.IngressRules, rule)
	}
	for i, r := range anp.Spec.Egress {
		rule, n, err := compileAdminRule(p, Egress, i, r.Name, Action(r.Action), r.To, r.Ports)
		if err != nil {
			return nil, nil, err
		}
		notes = append(notes, n...)
		p.EgressRules = append(p.EgressRules, rule)
	}
	return p, notes, nil
}

// compileBaseline checks and converts a BaselineAdminNetworkPolicy.
func compileBaseline(banp *policyv1alpha1.BaselineAdminNetworkPolicy, o *inventory.Object) (*AdminPolicy, []string, error) {
	p := &AdminPolicy{Name: banp.Name, Baseline: true, Object: o}
	if banp.Name != "default" {
		return nil, nil, errors.New("a BaselineAdminNetworkPolicy must be named default")
	}
	if err := p.compileSubject(&banp.Spec.Subject); err != nil {
		return nil, nil, err
	}
	var notes []string
	for i, r := range banp.Spec.Ingress {
		peers := make([]policyv1alpha1.AdminNetworkPolicyEgressPeer, len(r.From))
		for j, f := range r.From {
			peers[j] = policyv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: f.Namespaces, Pods: f.Pods}
		}
		rule, n, err := compileAdminRule(p, Ingress, i, r.Name, Action(r.Action), peers, r.Ports)
		if err != nil {
			return nil, nil, err
		}
		notes = append(notes, n...)
		p.IngressRules = append(p.IngressRules, rule)
	}
	for i, r := range banp.Spec.Egress {
		peers := make([]policyv1alpha1.AdminNetworkPolicyEgressPeer, len(r.To))
		for j, t := range r.To {
			peers[j] = policyv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: t.Namespaces, Pods: t.Pods, Nodes: t.Nodes, Networks: t.Networks}
		}
		rule, n, err := compileAdminRule(p, Egress, i, r.Name, Action(r.Action), peers, r.Ports)
		if err != nil {
			return nil, nil, err
		}
		notes = append(notes, n...)
		p.EgressRules = append(p.EgressRules, rule)
	}
	return p, notes, nil
}

func (p *AdminPolicy) compileSubject(s *policyv1alpha1.AdminNetworkPolicySubject) error {
	var err error
	switch {
	case s.Namespaces != nil && s.Pods != nil:
		return errors.New("spec.subject sets both namespaces and pods; it must set one")
	case s.Namespaces != nil:
		if p.subjectNS, err = metav1.LabelSelectorAsSelector(s.Namespaces); err != nil {
			return fmt.Errorf("spec.subject.namespaces: %w", err)
		}
	case s.Pods != nil:
		if p.subjectNS, err = metav1.LabelSelectorAsSelector(&s.Pods.NamespaceSelector); err != nil {
			return fmt.Errorf("spec.subject.pods.namespaceSelector: %w", err)
		}
		if p.subjectPods, err = metav1.LabelSelectorAsSelector(&s.Pods.PodSelector); err != nil {
			return fmt.Errorf("spec.subject.pods.podSelector: %w", err)
		}
		p.podKeys = append(p.podKeys, selectorKeys(&s.Pods.PodSelector)...)
	default:
		return errors.New("spec.subject sets neither namespaces nor pods")
	}
	return nil
}

// compileAdminRule converts one rule; ingress peers come as egress peers
// without the egress-only fields. notes are what the rule holds that
// rampart does not model.
func compileAdminRule(p *AdminPolicy, d Direction, i int, name string, action Action, peers []policyv1alpha1.AdminNetworkPolicyEgressPeer,
	ports *[]policyv1alpha1.AdminNetworkPolicyPort) (*AdminRule, []string, error) {
	r := &AdminRule{Policy: p, Direction: d, Index: i, Name: name, Action: action, AllPorts: ports == nil}
	field := r.Field()
	switch action {
	case Allow, Deny:
	case Pass:
		if p.Baseline {
			return nil, nil, fmt.Errorf("%s: action Pass is for AdminNetworkPolicies only (want Allow or Deny)", field)
		}
	default:
		return nil, nil, fmt.Errorf("%s: unknown action %q (want Allow, Deny or Pass)", field, action)
	}
	key := "to"
	if d == Ingress {
		key = "from"
	}
	if len(peers) == 0 {
		return nil, nil, fmt.Errorf("%s.%s: at least one peer is required", field, key)
	}
	var notes []string
	for j, pe := range peers {
		at := fmt.Sprintf("%s.%s[%d]", field, key, j)
		var out AdminPeer
		set := 0
		var err error
		if pe.Namespaces != nil {
			set++
			if out.Namespaces, err = metav1.LabelSelectorAsSelector(pe.Namespaces); err != nil {
				return nil, nil, fmt.Errorf("%s.namespaces: %w", at, err)
			}
		}
		if pe.Pods != nil {
			set++
			if out.Namespaces, err = metav1.LabelSelectorAsSelector(&pe.Pods.NamespaceSelector); err != nil {
				return nil, nil, fmt.Errorf("%s.pods.namespaceSelector: %w", at, err)
			}
			if out.Pods, err = metav1.LabelSelectorAsSelector(&pe.Pods.PodSelector); err != nil {
				return nil, nil, fmt.Errorf("%s.pods.podSelector: %w", at, err)
			}
			p.podKeys = append(p.podKeys, selectorKeys(&pe.Pods.PodSelector)...)
		}
		if len(pe.Networks) > 0 {
			set++
			for _, c := range pe.Networks {
				pr, err := netip.ParsePrefix(string(c))
				if err != nil {
					return nil, nil, fmt.Errorf("%s.networks: %w", at, err)
				}
				out.Networks = append(out.Networks, pr.Masked())
			}
		}
		if pe.Nodes != nil {
			set++
			out.Unmodelled = "nodes"
		}
		if len(pe.DomainNames) > 0 {
			set++
			out.Unmodelled = "domainNames"
		}
		switch {
		case set > 1:
			return nil, nil, fmt.Errorf("%s: a peer sets exactly one of namespaces, pods, networks, nodes, domainNames", at)
		case set == 0:
			out.Empty = true
			r.FailClosed = action != Allow
			notes = append(notes, fmt.Sprintf("%s: the peer sets none of its fields (the API server rejects it); taken as the API says to fail closed: it takes in nothing in an Allow rule, and a Deny or Pass rule that holds it denies everything", at))
		case out.Unmodelled != "":
			notes = append(notes, fmt.Sprintf("%s: %s peers are not modelled; the peer takes in no workload and no address", at, out.Unmodelled))
		}
		r.Peers = append(r.Peers, out)
	}
	if ports != nil {
		if len(*ports) == 0 {
			return nil, nil, fmt.Errorf("%s.ports: empty (leave it out to take in every port)", field)
		}
		for j, port := range *ports {
			ps, err := compileAdminPort(port)
			if err != nil {
				return nil, nil, fmt.Errorf("%s.ports[%d]: %w", field, j, err)
			}
			r.Ports = append(r.Ports, ps)
		}
	}
	r.hasFixed = true
	for _, ps := range r.Ports {
		r.hasFixed = r.hasFixed && ps.Named == ""
	}
	if r.hasFixed {
		r.fixed = r.ports(nil)
	}
	return r, notes, nil
}

// portsTo is ports, from the connections worked out once when no port is
// named.
func (r *AdminRule) portsTo(dst *Workload) ConnSet {
	if r.hasFixed {
		return r.fixed
	}
	return r.ports(dst)
}

func adminProtocol(p corev1.Protocol) (Protocol, error) {
	switch p {
	case "":
		return TCP, nil
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return Protocol(p), nil
	}
	return "", fmt.Errorf("unknown protocol %q", p)
}

func compileAdminPort(port policyv1alpha1.AdminNetworkPolicyPort) (PortSpec, error) {
	var ps PortSpec
	set := 0
	if port.PortNumber != nil {
		set++
		proto, err := adminProtocol(port.PortNumber.Protocol)
		if err != nil {
			return ps, err
		}
		n := int(port.PortNumber.Port)
		if n < minPort || n > maxPort {
			return ps, fmt.Errorf("portNumber.port %d is not within 1-65535", n)
		}
		ps = PortSpec{Protocol: proto, Lo: n, Hi: n}
	}
	if port.PortRange != nil {
		set++
		proto, err := adminProtocol(port.PortRange.Protocol)
		if err != nil {
			return ps, err
		}
		lo, hi := int(port.PortRange.Start), int(port.PortRange.End)
		if lo < minPort || hi > maxPort || lo > hi {
			return ps, fmt.Errorf("portRange %d-%d is not a range within 1-65535", lo, hi)
		}
		ps = PortSpec{Protocol: proto, Lo: lo, Hi: hi}
	}
	if port.NamedPort != nil {
		set++
		if *port.NamedPort == "" {
			return ps, errors.New("namedPort is empty")
		}
		ps = PortSpec{Named: *port.NamedPort}
	}
	if set != 1 {
		return ps, errors.New("a port sets exactly one of portNumber, portRange, namedPort")
	}
	return ps, nil
}

// ports returns the connections a rule's ports take in towards a
// destination: a named port is any container port of the destination of
// that name, whatever its protocol, and never an external address's.
func (r *AdminRule) ports(dst *Workload) ConnSet {
	if r.AllPorts || r.FailClosed {
		return AllConns()
	}
	var c ConnSet
	for _, ps := range r.Ports {
		if ps.Named == "" {
			c.add(ps.Protocol, ps.Lo, ps.Hi)
			continue
		}
		if dst == nil {
			continue
		}
		for _, cp := range dst.Ports {
			if cp.Name != ps.Named {
				continue
			}
			proto := Protocol(cp.Protocol)
			if proto == "" {
				proto = TCP
			}
			c.add(proto, int(cp.ContainerPort), int(cp.ContainerPort))
		}
	}
	return c
}

// matches: does one of the rule's peers take in the workloads of class y,
// or the address a (y nil)?
func (r *AdminRule) matches(y *class, a netip.Addr) bool {
	if r.FailClosed {
		return true
	}
	for i := range r.Peers {
		pe := &r.Peers[i]
		switch {
		case pe.Networks != nil:
			if y == nil {
				if prefixesContain(pe.Networks, a) {
					return true
				}
				continue
			}
			for _, ip := range y.rep.IPs {
				if prefixesContain(pe.Networks, ip) {
					return true
				}
			}
		case pe.Namespaces != nil:
			if y == nil || y.rep.HostNetwork || y.ns == nil || !pe.Namespaces.Matches(labelsOf(y.ns.Labels)) {
				continue
			}
			if pe.Pods == nil || pe.Pods.Matches(labelsOf(y.rep.Labels)) {
				return true
			}
		}
	}
	return false
}

func prefixesContain(ps []netip.Prefix, a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func dirIndex(d Direction) int {
	if d == Ingress {
		return 0
	}
	return 1
}

func (p *AdminPolicy) rules(d Direction) []*AdminRule {
	if d == Ingress {
		return p.IngressRules
	}
	return p.EgressRules
}

// indexAdmin works out, once per class, which AdminNetworkPolicies'
// subjects take it in and which rules' peers do, so that evaluating a
// pair of classes touches only the rules that concern both.
func (m *Model) indexAdmin() {
	if len(m.Admin) == 0 && m.Baseline == nil {
		return
	}
	words := (len(m.Admin) + 63) / 64
	for i, p := range m.Admin {
		p.idx = i
		m.subjectClasses(p, func(c *class) {
			if c.subjectOf == nil {
				c.subjectOf = make([]uint64, words)
			}
			c.subjectOf[i/64] |= 1 << (i % 64)
			c.hasAdmin[0] = c.hasAdmin[0] || len(p.IngressRules) > 0
			c.hasAdmin[1] = c.hasAdmin[1] || len(p.EgressRules) > 0
		})
	}
	if m.Baseline != nil {
		m.subjectClasses(m.Baseline, func(c *class) { c.baselineSubject = true })
	}
	for _, p := range m.adminPolicies() {
		for _, d := range []Direction{Ingress, Egress} {
			di := dirIndex(d)
			for _, r := range p.rules(d) {
				m.peerClasses(r, func(c *class) {
					list := &c.peerOf[di]
					if p.Baseline {
						list = &c.basePeerOf[di]
					}
					if n := len(*list); n == 0 || (*list)[n-1] != r { // once per rule
						*list = append(*list, r)
					}
				})
			}
		}
	}
}

// namespacesOf lists the namespaces a selector takes in.
func (m *Model) namespacesOf(sel labels.Selector) []string {
	var out []string
	for name, ns := range m.Namespaces {
		if sel.Matches(labelsOf(ns.Labels)) {
			out = append(out, name)
		}
	}
	return out
}

// subjectClasses calls visit with each class a policy's subject takes in.
func (m *Model) subjectClasses(p *AdminPolicy, visit func(*class)) {
	for _, ns := range m.namespacesOf(p.subjectNS) {
		for _, c := range m.classesIn(ns) {
			if p.Subject(c.rep, c.ns) {
				visit(c)
			}
		}
	}
}

// peerClasses calls visit with each class a rule's peers take in (a class
// may come more than once); it agrees with AdminRule.matches.
func (m *Model) peerClasses(r *AdminRule, visit func(*class)) {
	if r.FailClosed {
		for _, c := range m.classes {
			visit(c)
		}
		return
	}
	for i := range r.Peers {
		pe := &r.Peers[i]
		switch {
		case pe.Networks != nil:
			for _, c := range m.classes {
				for _, ip := range c.rep.IPs {
					if prefixesContain(pe.Networks, ip) {
						visit(c)
						break
					}
				}
			}
		case pe.Namespaces != nil:
			for _, ns := range m.namespacesOf(pe.Namespaces) {
				for _, c := range m.classesIn(ns) {
					if !c.rep.HostNetwork && (pe.Pods == nil || pe.Pods.Matches(labelsOf(c.rep.Labels))) {
						visit(c)
					}
				}
			}
		}
	}
}

func (c *class) subject(p *AdminPolicy) bool {
	return p.idx/64 < len(c.subjectOf) && c.subjectOf[p.idx/64]&(1<<(p.idx%64)) != 0
}

// AdminConns is an AdminNetworkPolicy or BaselineAdminNetworkPolicy rule
// and the connections with the other end it decided (or, for Pass,
// handed on): those no earlier rule had decided.
type AdminConns struct {
	Rule  *AdminRule
	Conns ConnSet
}

// layer is one run of rules over the connections of a side.
type layer struct {
	undecided, allowed, passed ConnSet
	dst                        *Workload
	record                     bool
	out                        []AdminConns
}

// try applies a rule that takes in the other end; false once nothing is
// left undecided.
func (l *layer) try(r *AdminRule) bool {
	p := r.portsTo(l.dst)
	all := p.All() // the rule takes all that is left: no set algebra
	c := l.undecided
	if !all {
		c = p.Intersect(l.undecided)
		if c.Empty() {
			return true
		}
	}
	if l.record {
		l.out = append(l.out, AdminConns{r, c})
	}
	switch r.Effective() {
	case Allow:
		l.allowed = l.allowed.Union(c)
	case Pass:
		l.passed = l.passed.Union(c)
	}
	if all {
		l.undecided = ConnSet{}
		return false
	}
	l.undecided = l.undecided.Minus(c)
	return !l.undecided.Empty()
}

// adminLayer runs, over the connections of start, the rules in
// evaluation order of the AdminNetworkPolicies (or, baseline, of the
// BaselineAdminNetworkPolicy) whose subject takes in class x and whose
// peers take in the other end (class y, or the address a). It returns
// what the rules allowed, what they left to the next layer (connections
// no rule took in, and those a Pass rule handed on) and, with record,
// what each rule decided or passed on.
func (m *Model) adminLayer(x *class, d Direction, baseline bool, y *class, a netip.Addr, dst *Workload, start ConnSet, record bool) (allowed, next ConnSet, decided []AdminConns) {
	l := layer{undecided: start, dst: dst, record: record}
	if y != nil {
		list := y.peerOf[dirIndex(d)]
		if baseline {
			list = y.basePeerOf[dirIndex(d)]
		}
		for _, r := range list {
			if (baseline || x.subject(r.Policy)) && !l.try(r) {
				break
			}
		}
		return l.allowed, l.undecided.Union(l.passed), l.out
	}
	policies := m.Admin
	if baseline {
		policies = []*AdminPolicy{m.Baseline}
	}
policies:
	for _, p := range policies {
		if !baseline && !x.subject(p) {
			continue
		}
		for _, r := range p.rules(d) {
			if r.matches(nil, a) && !l.try(r) {
				break policies
			}
		}
	}
	return l.allowed, l.undecided.Union(l.passed), l.out
}

// readAdmin reads the AdminNetworkPolicies and the
// BaselineAdminNetworkPolicy of an inventory into the model.
func (m *Model) readAdmin(inv *inventory.Inventory) {
	for _, o := range inv.ByKind(KindAdmin) {
		anp, ok := o.Typed.(*policyv1alpha1.AdminNetworkPolicy)
		if !ok {
			continue
		}
		p, notes, err := compileAdmin(anp, o)
		if err != nil {
			m.Problems = append(m.Problems, fmt.Sprintf("%s %s: %v (the API server rejects it); left out", KindAdmin, anp.Name, err))
			continue
		}
		for _, n := range notes {
			m.Problems = append(m.Problems, fmt.Sprintf("%s %s: %s", KindAdmin, anp.Name, n))
		}
		m.Admin = append(m.Admin, p)
	}
	// Lowest priority value first; the API leaves the order of equal
	// priorities to implementations: rampart takes them by name.
	sort.SliceStable(m.Admin, func(i, j int) bool {
		if m.Admin[i].Priority != m.Admin[j].Priority {
			return m.Admin[i].Priority < m.Admin[j].Priority
		}
		return m.Admin[i].Name < m.Admin[j].Name
	})
	for i := 0; i < len(m.Admin); {
		j := i + 1
		for j < len(m.Admin) && m.Admin[j].Priority == m.Admin[i].Priority {
			j++
		}
		if j-i > 1 {
			var names []string
			for _, p := range m.Admin[i:j] {
				names = append(names, p.Name)
			}
			m.Problems = append(m.Problems, fmt.Sprintf("AdminNetworkPolicies %s share priority %d: the API leaves their order to the implementation; rampart evaluates them by name",
				strings.Join(names, ", "), m.Admin[i].Priority))
		}
		i = j
	}
	for _, o := range inv.ByKind(KindBaseline) {
		banp, ok := o.Typed.(*policyv1alpha1.BaselineAdminNetworkPolicy)
		if !ok {
			continue
		}
		p, notes, err := compileBaseline(banp, o)
		if err != nil {
			m.Problems = append(m.Problems, fmt.Sprintf("%s %s: %v (the API server rejects it); left out", KindBaseline, banp.Name, err))
			continue
		}
		if m.Baseline != nil {
			m.Problems = append(m.Problems, fmt.Sprintf("%s %s: a second object of the same name; the first is used", KindBaseline, banp.Name))
			continue
		}
		for _, n := range notes {
			m.Problems = append(m.Problems, fmt.Sprintf("%s %s: %s", KindBaseline, banp.Name, n))
		}
		m.Baseline = p
	}
}

// adminPolicies are the admin and baseline policies of the model.
func (m *Model) adminPolicies() []*AdminPolicy {
	if m.Baseline == nil {
		return m.Admin
	}
	return append(m.Admin[:len(m.Admin):len(m.Admin)], m.Baseline)
}

// BaselineDefaultDeny says how far the BaselineAdminNetworkPolicy stands in
// for a default-deny NetworkPolicy in a namespace and direction: pods, when
// it takes in every pod of the namespace and a Deny rule holds every pod
// of every namespace on every port; outside, when (egress only) Deny rules
// also hold every address (0.0.0.0/0 and ::/0). Ingress from outside the
// cluster is never covered: ingress peers are pods only.
func (m *Model) BaselineDefaultDeny(namespace string, d Direction) (pods, outside bool) {
	p := m.Baseline
	ns := m.Namespaces[namespace]
	if p == nil || ns == nil || !p.subjectNS.Matches(labelsOf(ns.Labels)) || (p.subjectPods != nil && !p.subjectPods.Empty()) {
		return false, false
	}
	var v4, v6 bool
	for _, r := range p.rules(d) {
		if r.Effective() != Deny || !r.AllPorts {
			continue
		}
		if r.FailClosed {
			return true, d == Egress
		}
		for _, pe := range r.Peers {
			if pe.Namespaces != nil && pe.Namespaces.Empty() && (pe.Pods == nil || pe.Pods.Empty()) {
				pods = true
			}
			for _, n := range pe.Networks {
				if n.Bits() == 0 {
					v4, v6 = v4 || n.Addr().Is4(), v6 || n.Addr().Is6()
				}
			}
		}
	}
	return pods, d == Egress && v4 && v6
}
