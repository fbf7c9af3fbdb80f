package netpol_test

// A differential test of the reachability engine against a second,
// independent implementation of NetworkPolicy semantics: the matcher
// package of github.com/mattfenwick/cyclonus (v0.5.6), used only here.
//
// Every run draws random worlds from a printed seed (RAMPART_NETPOL_SEED
// replays one): namespaces x, y and z with a few labels, bare pods with
// labels, one IP each and container ports (named or not, TCP, UDP, SCTP or
// no protocol), and random NetworkPolicies covering pod and namespace
// selectors that are nil, empty or labelled (matchLabels and every
// matchExpressions operator), both selectors in one peer (AND) and in
// separate peers (OR), ipBlocks with excepts around pod IPs and outside
// addresses, ports absent, numbered, named and ranged, every protocol,
// rules [] and [{}], nil versus empty slices, directions isolated without
// rules and rules for directions the policy does not isolate. Each world
// is then asked pod→pod, pod→address and address→pod questions on ports
// that the rules and the container ports name, over all three protocols,
// and rampart's Explain must give cyclonus's IsTrafficAllowed verdict on
// every one of them; so must rampart's workload matrix, which computes by
// classes, on the pod pairs.
//
// Where the two deliberately differ, the test does not skip anything
// silently:
//
//  1. NotIn on an absent label. Kubernetes' labels.Selector matches an
//     object that lacks the key of a NotIn requirement
//     (k8s.io/apimachinery/pkg/labels/selector.go, Requirement.Matches:
//     "case selection.NotIn ...: if !exists { return true }"; the
//     kubernetes.io Labels page: "tier notin (frontend,backend) selects ...
//     all resources with no labels with the tier key"). cyclonus does not
//     (pkg/kube/labelselector.go, IsMatchExpressionMatchForLabels: "even for
//     NotIn -- if the key isn't there, it's not a match"). cyclonus is
//     therefore given an equivalent rewrite of the policies
//     (cyclonusEquivalent): NotIn(k, V) is, in Kubernetes' semantics,
//     DoesNotExist(k) OR NotIn(k, V) in cyclonus's, so a peer splits into
//     the peers of every combination (peers are ORed) and a policy into
//     policies whose podSelectors partition the pods it selects. The
//     rewritten policies must agree everywhere; the questions on which the
//     unrewritten ones answer differently are counted and printed, and it
//     is asserted that the rewrite changes nothing when no selector uses
//     NotIn.
//  2. Traffic from a pod to itself is not asked: a pod cannot block it
//     (shared/reference/netpol-semantics.md §1.8), which neither engine
//     models, and upstream's e2e tests do not grade it.
//  3. cyclonus has no notion of hostNetwork pods (its InternalPeer has
//     labels and a namespace only), so none are generated: how rampart
//     treats them (not governed by policies, not taken in by selectors) is
//     beyond what cyclonus can judge.
//  4. cyclonus refuses policies without policyTypes (builder.go,
//     BuildTarget panics "need at least 1 type"), so every generated policy
//     states them; the API server's defaulting is tested elsewhere.
//  5. cyclonus does not resolve named ports itself: a rule's named port
//     matches when it equals the Traffic's ResolvedPortName and the
//     protocols are equal (portmatcher.go, PortProtocolMatcher). The test
//     resolves the name as a cluster does, from the destination pod's
//     container port with that number and protocol (none for an outside
//     address), which is what rampart does from the pod itself. Pods get
//     one container port per (number, protocol) and distinct port names
//     (the API rejects a name repeated in a container), so the resolution
//     is unambiguous.
//
// Neither is the simplifier of cyclonus used (BuildNetworkPolicies(false,
// ...)): it rewrites matchers for display, and the plain matchers are the
// semantics (with it, the verdicts were the same on the seeds tried).
//
// That the comparison can fail was checked by breaking it on purpose:
// dropping ResolvedPortName, hiding pod IPs from cyclonus's ipBlocks,
// forcing TCP, dropping the namespace-name label, giving cyclonus the
// unrewritten NotIn selectors, shortening its endPorts by one, dropping
// its excepts, turning its SCTP egress ports into UDP, or running rampart
// with IPBlocksIgnorePods each made the test fail on the seeds tried.

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/netpol"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

const (
	cycWorlds          = 300 // random worlds per run
	cycQueriesPerWorld = 50  // questions per world
	cycMinQueries      = 5000
)

var (
	cycNamespaces = []string{"x", "y", "z"}
	// Label pools: few values, so selectors hit.
	cycPodLabels = map[string][]string{"app": {"web", "api", "db"}, "tier": {"front", "back"}, "pod": {"a", "b", "c"}}
	cycNSLabels  = map[string][]string{"team": {"red", "blue"}, "env": {"prod", "dev"}, netpol.NamespaceNameLabel: {"x", "y", "z"}}
	cycPortNums  = []int32{53, 80, 81, 443, 8080, 9000}
	cycPortNames = []string{"http", "dns", "metrics", "serve-80-tcp", "grpc"}
	cycProtocols = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
	// Addresses outside the pods: some inside the pods' /16 and /8, some
	// far away, one IPv6.
	cycExternal = []string{"10.244.9.9", "10.0.0.1", "192.168.1.5", "8.8.8.8", "172.16.3.4", "2001:db8::1"}
)

type cycNS struct {
	name   string
	labels map[string]string // with kubernetes.io/metadata.name
}

type cycPod struct {
	ns, name string
	labels   map[string]string
	ip       string
	ports    []corev1.ContainerPort
}

type cycProbe struct {
	proto corev1.Protocol
	port  int
}

type cycWorld struct {
	namespaces map[string]*cycNS
	pods       []*cycPod
	policies   []*networkingv1.NetworkPolicy
	prefixes   []netip.Prefix // ipBlock material
	ports      []int          // port numbers worth asking about
	// probes are the (protocol, port) pairs at the edges of the rules'
	// ports: each numbered port, and each range's ends and their
	// neighbours.
	probes []cycProbe
}

// cycSeed reads RAMPART_NETPOL_SEED or draws a seed from the clock.
func cycSeed(t *testing.T) uint64 {
	if s := os.Getenv("RAMPART_NETPOL_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RAMPART_NETPOL_SEED: %v", err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func genWorld(r *rand.Rand) *cycWorld {
	w := &cycWorld{namespaces: map[string]*cycNS{}}
	for i, name := range cycNamespaces {
		ns := &cycNS{name: name, labels: map[string]string{netpol.NamespaceNameLabel: name}}
		for _, k := range []string{"team", "env"} {
			if r.IntN(10) < 6 {
				ns.labels[k] = pick(r, cycNSLabels[k])
			}
		}
		w.namespaces[name] = ns
		for j := range 2 + r.IntN(3) {
			p := &cycPod{ns: name, name: fmt.Sprintf("p%d", j), labels: map[string]string{},
				ip: fmt.Sprintf("10.244.%d.%d", i+1, 10+j)}
			for _, k := range sortedKeys(cycPodLabels) {
				if r.IntN(10) < 7 {
					p.labels[k] = pick(r, cycPodLabels[k])
				}
			}
			// One container port per (number, protocol) and unique names.
			seen, names := map[string]bool{}, map[string]bool{}
			for range 1 + r.IntN(4) {
				cp := corev1.ContainerPort{ContainerPort: pick(r, cycPortNums)}
				if r.IntN(5) > 0 { // else the protocol is left unset: TCP
					cp.Protocol = pick(r, cycProtocols)
				}
				key := fmt.Sprint(cp.ContainerPort, cycProto(cp.Protocol))
				if seen[key] {
					continue
				}
				seen[key] = true
				if n := pick(r, cycPortNames); r.IntN(10) < 7 && !names[n] {
					cp.Name, names[n] = n, true
				}
				p.ports = append(p.ports, cp)
			}
			w.pods = append(w.pods, p)
		}
	}
	// ipBlock material: every pod's /32, /30 and /24, the pods' /16, wide
	// ranges, and prefixes around the outside addresses.
	add := func(s string, bits int) {
		w.prefixes = append(w.prefixes, netip.PrefixFrom(netip.MustParseAddr(s), bits).Masked())
	}
	for _, p := range w.pods {
		add(p.ip, 32)
		add(p.ip, 24)
		add(p.ip, 30)
	}
	add("10.244.0.0", 16)
	add("10.0.0.0", 8)
	add("0.0.0.0", 0)
	add("0.0.0.0", 4)
	add("172.16.0.0", 12)
	add("192.168.0.0", 16)
	add("::", 0)
	for _, e := range cycExternal {
		a := netip.MustParseAddr(e)
		add(e, a.BitLen())
		if a.Is4() {
			add(e, 24)
		} else {
			add(e, 32)
		}
	}
	slices.SortFunc(w.prefixes, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	w.prefixes = slices.Compact(w.prefixes)

	for i := range 1 + r.IntN(6) {
		w.policies = append(w.policies, genPolicy(r, w, fmt.Sprintf("pol-%d", i)))
	}
	for _, n := range cycPortNums {
		w.ports = append(w.ports, int(n))
	}
	for _, pr := range w.probes {
		w.ports = append(w.ports, pr.port)
	}
	slices.Sort(w.ports)
	w.ports = slices.Compact(w.ports)
	return w
}

func cycProto(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// genSelector: a non-empty selector over a label pool, with matchLabels,
// matchExpressions of every operator, or both.
func genSelector(r *rand.Rand, pool map[string][]string) *metav1.LabelSelector {
	keys := sortedKeys(pool)
	sel := &metav1.LabelSelector{}
	value := func(k string) string {
		if r.IntN(12) == 0 {
			return "nothing" // a value no object has
		}
		return pick(r, pool[k])
	}
	if r.IntN(3) > 0 {
		sel.MatchLabels = map[string]string{}
		for range 1 + r.IntN(2) {
			k := pick(r, keys)
			sel.MatchLabels[k] = value(k)
		}
	}
	if len(sel.MatchLabels) == 0 || r.IntN(2) == 0 {
		for range 1 + r.IntN(2) {
			k := pick(r, keys)
			req := metav1.LabelSelectorRequirement{Key: k}
			switch r.IntN(4) {
			case 0:
				req.Operator = metav1.LabelSelectorOpIn
			case 1:
				req.Operator = metav1.LabelSelectorOpNotIn
			case 2:
				req.Operator = metav1.LabelSelectorOpExists
			default:
				req.Operator = metav1.LabelSelectorOpDoesNotExist
			}
			if req.Operator == metav1.LabelSelectorOpIn || req.Operator == metav1.LabelSelectorOpNotIn {
				for range 1 + r.IntN(2) {
					if v := value(k); !slices.Contains(req.Values, v) {
						req.Values = append(req.Values, v)
					}
				}
			}
			sel.MatchExpressions = append(sel.MatchExpressions, req)
		}
	}
	return sel
}

// genOptSelector: nil, empty (in its two spellings) or labelled.
func genOptSelector(r *rand.Rand, pool map[string][]string) *metav1.LabelSelector {
	switch r.IntN(6) {
	case 0, 1:
		return nil
	case 2:
		return &metav1.LabelSelector{}
	case 3:
		return &metav1.LabelSelector{MatchLabels: map[string]string{}, MatchExpressions: []metav1.LabelSelectorRequirement{}}
	}
	return genSelector(r, pool)
}

func genPeer(r *rand.Rand, w *cycWorld) networkingv1.NetworkPolicyPeer {
	if r.IntN(4) == 0 {
		cidr := pick(r, w.prefixes)
		b := &networkingv1.IPBlock{CIDR: cidr.String()}
		var inside []netip.Prefix
		for _, p := range w.prefixes {
			if p.Bits() > cidr.Bits() && cidr.Contains(p.Addr()) {
				inside = append(inside, p)
			}
		}
		if len(inside) > 0 {
			for range r.IntN(3) {
				if e := pick(r, inside).String(); !slices.Contains(b.Except, e) {
					b.Except = append(b.Except, e)
				}
			}
		}
		return networkingv1.NetworkPolicyPeer{IPBlock: b}
	}
	for {
		peer := networkingv1.NetworkPolicyPeer{
			PodSelector:       genOptSelector(r, cycPodLabels),
			NamespaceSelector: genOptSelector(r, cycNSLabels),
		}
		if peer.PodSelector != nil || peer.NamespaceSelector != nil {
			return peer
		}
	}
}

func genPort(r *rand.Rand, w *cycWorld) networkingv1.NetworkPolicyPort {
	var np networkingv1.NetworkPolicyPort
	proto := corev1.ProtocolTCP
	if r.IntN(4) > 0 {
		proto = pick(r, cycProtocols)
		np.Protocol = &proto
	}
	switch r.IntN(10) {
	case 0, 1: // every port of the protocol
	case 2, 3, 4:
		p := intstr.FromInt32(pick(r, cycPortNums))
		np.Port = &p
		w.probes = append(w.probes, cycProbe{proto, int(p.IntVal)})
	case 5, 6, 7:
		p := intstr.FromString(pick(r, cycPortNames))
		np.Port = &p
	default:
		lo := pick(r, cycPortNums)
		if r.IntN(4) == 0 {
			lo = 1
		}
		hi := lo + int32(r.IntN(3)*r.IntN(40))
		p := intstr.FromInt32(lo)
		np.Port, np.EndPort = &p, &hi
		for _, q := range []int32{lo - 1, lo, hi, hi + 1} {
			if q >= 1 && q <= 65535 {
				w.probes = append(w.probes, cycProbe{proto, int(q)})
			}
		}
	}
	return np
}

// genRules: nil, [], [{}] or random rules; peers and ports nil, [] or
// lists.
func genRules(r *rand.Rand, w *cycWorld) (peersOf [][]networkingv1.NetworkPolicyPeer, portsOf [][]networkingv1.NetworkPolicyPort, isNil bool) {
	switch r.IntN(10) {
	case 0, 1:
		return nil, nil, true
	case 2:
		return [][]networkingv1.NetworkPolicyPeer{}, [][]networkingv1.NetworkPolicyPort{}, false
	case 3:
		return [][]networkingv1.NetworkPolicyPeer{nil}, [][]networkingv1.NetworkPolicyPort{nil}, false
	}
	for range 1 + r.IntN(3) {
		var peers []networkingv1.NetworkPolicyPeer
		switch r.IntN(8) {
		case 0:
		case 1:
			peers = []networkingv1.NetworkPolicyPeer{}
		default:
			for range 1 + r.IntN(3) {
				peers = append(peers, genPeer(r, w))
			}
		}
		var ports []networkingv1.NetworkPolicyPort
		switch r.IntN(8) {
		case 0, 1:
		case 2:
			ports = []networkingv1.NetworkPolicyPort{}
		default:
			for range 1 + r.IntN(3) {
				ports = append(ports, genPort(r, w))
			}
		}
		peersOf, portsOf = append(peersOf, peers), append(portsOf, ports)
	}
	return peersOf, portsOf, false
}

func genPolicy(r *rand.Rand, w *cycWorld, name string) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: pick(r, cycNamespaces)},
	}
	if r.IntN(5) > 1 {
		np.Spec.PodSelector = *genSelector(r, cycPodLabels)
	}
	types := pick(r, [][]networkingv1.PolicyType{
		{networkingv1.PolicyTypeIngress},
		{networkingv1.PolicyTypeEgress},
		{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		{networkingv1.PolicyTypeEgress, networkingv1.PolicyTypeIngress},
	})
	np.Spec.PolicyTypes = types
	// Rules for a direction the policy does not isolate are written now
	// and then too: they must be ignored.
	if slices.Contains(types, networkingv1.PolicyTypeIngress) || r.IntN(5) == 0 {
		peersOf, portsOf, isNil := genRules(r, w)
		if !isNil {
			np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{}
		}
		for i := range peersOf {
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: peersOf[i], Ports: portsOf[i]})
		}
	}
	if slices.Contains(types, networkingv1.PolicyTypeEgress) || r.IntN(5) == 0 {
		peersOf, portsOf, isNil := genRules(r, w)
		if !isNil {
			np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{}
		}
		for i := range peersOf {
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: peersOf[i], Ports: portsOf[i]})
		}
	}
	return np
}

// expandNotIn rewrites a selector for cyclonus (difference 1): every NotIn
// requirement becomes either DoesNotExist or itself, and the selector the
// list of every combination, whose union under cyclonus's semantics is
// the original under Kubernetes'. The alternatives are disjoint.
func expandNotIn(sel *metav1.LabelSelector) []*metav1.LabelSelector {
	if sel == nil {
		return []*metav1.LabelSelector{nil}
	}
	out := []*metav1.LabelSelector{{MatchLabels: sel.MatchLabels}}
	for _, req := range sel.MatchExpressions {
		alts := []metav1.LabelSelectorRequirement{req}
		if req.Operator == metav1.LabelSelectorOpNotIn {
			alts = append(alts, metav1.LabelSelectorRequirement{Key: req.Key, Operator: metav1.LabelSelectorOpDoesNotExist})
		}
		var next []*metav1.LabelSelector
		for _, s := range out {
			for _, a := range alts {
				exprs := append(slices.Clone(s.MatchExpressions), a)
				next = append(next, &metav1.LabelSelector{MatchLabels: s.MatchLabels, MatchExpressions: exprs})
			}
		}
		out = next
	}
	return out
}

func expandPeers(peers []networkingv1.NetworkPolicyPeer) []networkingv1.NetworkPolicyPeer {
	if peers == nil {
		return nil
	}
	out := []networkingv1.NetworkPolicyPeer{}
	for _, p := range peers {
		if p.IPBlock != nil {
			out = append(out, p)
			continue
		}
		for _, ps := range expandNotIn(p.PodSelector) {
			for _, ns := range expandNotIn(p.NamespaceSelector) {
				out = append(out, networkingv1.NetworkPolicyPeer{PodSelector: ps, NamespaceSelector: ns})
			}
		}
	}
	return out
}

// cyclonusEquivalent is the policies rewritten for cyclonus's NotIn
// (difference 1); used reports whether any selector has a NotIn.
func cyclonusEquivalent(pols []*networkingv1.NetworkPolicy) (out []*networkingv1.NetworkPolicy, used bool) {
	for _, np := range pols {
		spec := np.Spec.DeepCopy()
		for i := range spec.Ingress {
			spec.Ingress[i].From = expandPeers(spec.Ingress[i].From)
		}
		for i := range spec.Egress {
			spec.Egress[i].To = expandPeers(spec.Egress[i].To)
		}
		sels := expandNotIn(&np.Spec.PodSelector)
		for i, sel := range sels {
			c := np.DeepCopy()
			c.Name = fmt.Sprintf("%s-%d", np.Name, i)
			c.Spec = *spec.DeepCopy()
			c.Spec.PodSelector = *sel
			out = append(out, c)
		}
	}
	for _, np := range pols {
		b, _ := yaml.Marshal(np)
		used = used || strings.Contains(string(b), "NotIn")
	}
	return out, used
}

// inventoryOf is the world as rampart reads it: Namespaces, bare Pods with
// their IPs, NetworkPolicies. A Namespace object sometimes leaves out its
// kubernetes.io/metadata.name label, or is left out when that is its only
// label: rampart must synthesise both.
func inventoryOf(r *rand.Rand, w *cycWorld) *inventory.Inventory {
	var objs []*inventory.Object
	for _, name := range cycNamespaces {
		ns := w.namespaces[name]
		if len(ns.labels) == 1 && r.IntN(2) == 0 {
			continue
		}
		lbls := maps.Clone(ns.labels)
		if r.IntN(3) == 0 {
			delete(lbls, netpol.NamespaceNameLabel)
		}
		objs = append(objs, &inventory.Object{APIVersion: "v1", Kind: "Namespace", Name: name,
			Typed: &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
				ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}}})
	}
	for _, p := range w.pods {
		pod := &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: p.name, Namespace: p.ns, Labels: p.labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "agnhost", Ports: p.ports}}},
			Status:     corev1.PodStatus{PodIP: p.ip, PodIPs: []corev1.PodIP{{IP: p.ip}}},
		}
		objs = append(objs, &inventory.Object{APIVersion: "v1", Kind: "Pod", Namespace: p.ns, Name: p.name, Typed: pod})
	}
	for _, np := range w.policies {
		objs = append(objs, &inventory.Object{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name, Typed: np})
	}
	return inventory.New(objs)
}

// cycQuery is one question: a pod or an address at each end.
type cycQuery struct {
	src, dst       *cycPod
	srcIP, dstIP   string
	proto          corev1.Protocol
	port           int
	resolvedPortNm string
}

func (q cycQuery) String() string {
	end := func(p *cycPod, ip string) string {
		if p != nil {
			return p.ns + "/" + p.name + " (" + p.ip + ")"
		}
		return ip
	}
	name := ""
	if q.resolvedPortNm != "" {
		name = " (named " + q.resolvedPortNm + ")"
	}
	return fmt.Sprintf("%s -> %s %s/%d%s", end(q.src, q.srcIP), end(q.dst, q.dstIP), q.proto, q.port, name)
}

func genQuery(r *rand.Rand, w *cycWorld) cycQuery {
	var q cycQuery
	switch n := r.IntN(20); {
	case n < 14:
		q.src = pick(r, w.pods)
		for q.dst = pick(r, w.pods); q.dst == q.src; q.dst = pick(r, w.pods) { // difference 2
		}
	case n < 17:
		q.src, q.dstIP = pick(r, w.pods), pick(r, cycExternal)
	default:
		q.srcIP, q.dst = pick(r, cycExternal), pick(r, w.pods)
	}
	// Ports: the destination's container ports (by which named ports
	// resolve), the edges of the rules' ports, or any port of the pool,
	// mostly with the protocol that goes with them.
	q.proto, q.port = pick(r, cycProtocols), pick(r, w.ports)
	switch n := r.IntN(10); {
	case n < 4 && q.dst != nil:
		cp := pick(r, q.dst.ports)
		q.port = int(cp.ContainerPort)
		if r.IntN(4) > 0 {
			q.proto = cycProto(cp.Protocol)
		}
	case n < 7 && len(w.probes) > 0:
		pr := pick(r, w.probes)
		q.port = pr.port
		if r.IntN(4) > 0 {
			q.proto = pr.proto
		}
	}
	// Difference 5: the name a cluster resolves the destination port to.
	if q.dst != nil {
		for _, cp := range q.dst.ports {
			if int(cp.ContainerPort) == q.port && cycProto(cp.Protocol) == q.proto {
				q.resolvedPortNm = cp.Name
			}
		}
	}
	return q
}

func (q cycQuery) traffic(w *cycWorld) *matcher.Traffic {
	peer := func(p *cycPod, ip string) *matcher.TrafficPeer {
		if p == nil {
			return &matcher.TrafficPeer{IP: ip}
		}
		return &matcher.TrafficPeer{IP: p.ip, Internal: &matcher.InternalPeer{
			PodLabels: p.labels, NamespaceLabels: w.namespaces[p.ns].labels, Namespace: p.ns}}
	}
	return &matcher.Traffic{Source: peer(q.src, q.srcIP), Destination: peer(q.dst, q.dstIP),
		ResolvedPort: q.port, ResolvedPortName: q.resolvedPortNm, Protocol: q.proto}
}

func (q cycQuery) rampart(m *netpol.Model, workloads map[string]*netpol.Workload) netpol.Explanation {
	end := func(p *cycPod, ip string) netpol.Endpoint {
		if p != nil {
			return netpol.Endpoint{Workload: workloads[p.ns+"/"+p.name]}
		}
		return netpol.Endpoint{Addr: netip.MustParseAddr(ip)}
	}
	return m.Explain(end(q.src, q.srcIP), end(q.dst, q.dstIP), netpol.Protocol(q.proto), q.port)
}

func (w *cycWorld) dump() string {
	var b strings.Builder
	for _, name := range cycNamespaces {
		fmt.Fprintf(&b, "namespace %s %v\n", name, w.namespaces[name].labels)
	}
	for _, p := range w.pods {
		var ports []string
		for _, cp := range p.ports {
			ports = append(ports, fmt.Sprintf("%s=%d/%s", cp.Name, cp.ContainerPort, cp.Protocol))
		}
		fmt.Fprintf(&b, "pod %s/%s %s %v ports %v\n", p.ns, p.name, p.ip, p.labels, ports)
	}
	for _, np := range w.policies {
		y, _ := yaml.Marshal(np)
		b.WriteString("---\n" + string(y))
	}
	return b.String()
}

func TestCyclonusAgreement(t *testing.T) {
	seed := cycSeed(t)
	t.Logf("seed %d (replay with RAMPART_NETPOL_SEED=%d)", seed, seed)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	total, agree, notInDiffs, allowed, isolated, shown := 0, 0, 0, 0, 0, 0
	matrixTotal, matrixWrong := 0, 0
	for wi := range cycWorlds {
		w := genWorld(r)
		m := netpol.NewModel(inventoryOf(r, w), netpol.Options{})
		if len(m.Problems) > 0 {
			t.Fatalf("world %d: rampart rejects a generated policy: %v\n%s", wi, m.Problems, w.dump())
		}
		workloads := map[string]*netpol.Workload{}
		for _, wl := range m.Workloads {
			workloads[wl.Namespace+"/"+wl.Name] = wl
		}
		if len(workloads) != len(w.pods) {
			t.Fatalf("world %d: rampart sees %d workloads, want %d", wi, len(workloads), len(w.pods))
		}
		// The workload matrix computes the same verdicts by classes; it
		// must give the same answers on pod pairs.
		mx := m.Matrix(2)
		index := map[*netpol.Workload]int{}
		for i, wl := range mx.Workloads {
			index[wl] = i
		}
		equiv, usesNotIn := cyclonusEquivalent(w.policies)
		cyc := matcher.BuildNetworkPolicies(false, equiv)
		raw := matcher.BuildNetworkPolicies(false, w.policies)
		for range cycQueriesPerWorld {
			q := genQuery(r, w)
			total++
			got := q.rampart(m, workloads)
			tr := q.traffic(w)
			res := cyc.IsTrafficAllowed(tr)
			want := res.IsAllowed()
			rawWant := raw.IsTrafficAllowed(tr).IsAllowed()
			if rawWant != want {
				notInDiffs++
				if !usesNotIn {
					t.Errorf("world %d: the NotIn rewrite changed cyclonus's verdict on %s without any NotIn", wi, q)
				}
			}
			if q.src != nil && q.dst != nil {
				matrixTotal++
				i, j := index[workloads[q.src.ns+"/"+q.src.name]], index[workloads[q.dst.ns+"/"+q.dst.name]]
				if mx.Conns[i][j].Has(netpol.Protocol(q.proto), q.port) != want {
					if matrixWrong++; matrixWrong <= 3 {
						t.Errorf("world %d: %s: rampart's matrix says %s, cyclonus allowed=%v\nworld:\n%s", wi, q, mx.Conns[i][j], want, w.dump())
					}
				}
			}
			if (got.Egress != nil && got.Egress.Isolated) || (got.Ingress != nil && got.Ingress.Isolated) {
				isolated++
			}
			if got.Allowed == want {
				agree++
				if want {
					allowed++
				}
				continue
			}
			if shown++; shown <= 3 {
				var sides []string
				for _, s := range []*netpol.Side{got.Egress, got.Ingress} {
					if s != nil {
						sides = append(sides, fmt.Sprintf("%s isolated=%v conns=%s", s.Direction, s.Isolated, s.Conns))
					}
				}
				t.Errorf("world %d: %s: rampart allowed=%v, cyclonus allowed=%v\nrampart: %s\ncyclonus:\n%s\nworld:\n%s",
					wi, q, got.Allowed, want, strings.Join(sides, "; "), res.Table(), w.dump())
			}
		}
	}
	msg := fmt.Sprintf("netpol agreement with cyclonus: %d/%d (seed %d; %d worlds; %d allowed, %d denied, %d with an isolated end; matrix %d/%d pod pairs; %d answered differently by unrewritten NotIn selectors, difference 1)",
		agree, total, seed, cycWorlds, allowed, agree-allowed, isolated, matrixTotal-matrixWrong, matrixTotal, notInDiffs)
	t.Log(msg)
	fmt.Println(msg)
	if total < cycMinQueries {
		t.Errorf("only %d questions, want at least %d", total, cycMinQueries)
	}
	if matrixWrong > 0 {
		t.Errorf("%d matrix cells disagree with cyclonus; replay with RAMPART_NETPOL_SEED=%d", matrixWrong, seed)
	}
	if agree != total {
		t.Errorf("%d disagreements with cyclonus; replay with RAMPART_NETPOL_SEED=%d", total-agree, seed)
	}
}
