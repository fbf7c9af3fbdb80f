package netpol_test

// A differential test of the AdminNetworkPolicy layers. No second
// implementation of AdminNetworkPolicy is a light dependency
// (policy-assistant and netpol-analyzer pull in much of Kubernetes), so
// the reference here is written apart from the engine, the plain way:
// one connection at a time, reading the v1alpha1 objects themselves, in
// the order the API describes (AdminNetworkPolicies by priority then
// name, rules in order, first match; then NetworkPolicies if one selects
// the pod; then the baseline; then allow). Its NetworkPolicy layer is
// cyclonus's matcher (see cyclonus_test.go, whose random worlds and
// questions are reused, with the NotIn rewrite of difference 1), asked
// one direction at a time: a direction is isolated when some target
// applies to the pod. The engine instead works on sets of connections
// per pair of classes; the two must agree on every question, and the
// engine's matrix on every pod pair.
//
// That it can fail was checked by breaking the engine on purpose: a Pass
// that allows, a Pass that skips the NetworkPolicies, the priority order
// reversed, rules that do not stop at the first match, the baseline
// consulted under NetworkPolicies, networks that ignore pods' addresses,
// named ports of the wrong pod each made it fail on the seeds tried.

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/netpol"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	policyv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/yaml"
)

const (
	anpWorlds          = 300
	anpQueriesPerWorld = 50
)

type anpWorldPolicies struct {
	admin    []*policyv1alpha1.AdminNetworkPolicy
	baseline *policyv1alpha1.BaselineAdminNetworkPolicy
}

func genANPSubject(r *rand.Rand) policyv1alpha1.AdminNetworkPolicySubject {
	sel := func(pool map[string][]string) metav1.LabelSelector {
		if s := genOptSelector(r, pool); s != nil {
			return *s
		}
		return metav1.LabelSelector{}
	}
	if r.IntN(2) == 0 {
		s := sel(cycNSLabels)
		return policyv1alpha1.AdminNetworkPolicySubject{Namespaces: &s}
	}
	return policyv1alpha1.AdminNetworkPolicySubject{Pods: &policyv1alpha1.NamespacedPod{NamespaceSelector: sel(cycNSLabels), PodSelector: sel(cycPodLabels)}}
}

func genANPPeer(r *rand.Rand, w *cycWorld, egress bool) policyv1alpha1.AdminNetworkPolicyEgressPeer {
	sel := func(pool map[string][]string) metav1.LabelSelector {
		if s := genOptSelector(r, pool); s != nil {
			return *s
		}
		return metav1.LabelSelector{}
	}
	switch n := r.IntN(5); {
	case egress && n == 0:
		var nets []policyv1alpha1.CIDR
		for range 1 + r.IntN(2) {
			if c := policyv1alpha1.CIDR(pick(r, w.prefixes).String()); !slices.Contains(nets, c) {
				nets = append(nets, c)
			}
		}
		return policyv1alpha1.AdminNetworkPolicyEgressPeer{Networks: nets}
	case n < 3:
		s := sel(cycNSLabels)
		return policyv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: &s}
	}
	return policyv1alpha1.AdminNetworkPolicyEgressPeer{Pods: &policyv1alpha1.NamespacedPod{NamespaceSelector: sel(cycNSLabels), PodSelector: sel(cycPodLabels)}}
}

// genANPPorts: absent, or one or two ports of every kind; range edges
// become probes of the world.
func genANPPorts(r *rand.Rand, w *cycWorld) *[]policyv1alpha1.AdminNetworkPolicyPort {
	if r.IntN(5) < 2 {
		return nil
	}
	var out []policyv1alpha1.AdminNetworkPolicyPort
	for range 1 + r.IntN(2) {
		proto := pick(r, []corev1.Protocol{"", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP})
		switch r.IntN(3) {
		case 0:
			n := pick(r, w.ports)
			out = append(out, policyv1alpha1.AdminNetworkPolicyPort{PortNumber: &policyv1alpha1.Port{Protocol: proto, Port: int32(n)}})
			w.probes = append(w.probes, cycProbe{cycProto(proto), n})
		case 1:
			lo := pick(r, w.ports)
			hi := min(lo+r.IntN(200), 65535)
			out = append(out, policyv1alpha1.AdminNetworkPolicyPort{PortRange: &policyv1alpha1.PortRange{Protocol: proto, Start: int32(lo), End: int32(hi)}})
			for _, p := range []int{lo - 1, lo, hi, hi + 1} {
				if p >= 1 && p <= 65535 {
					w.probes = append(w.probes, cycProbe{cycProto(proto), p})
				}
			}
		default:
			name := pick(r, cycPortNames)
			out = append(out, policyv1alpha1.AdminNetworkPolicyPort{NamedPort: &name})
		}
	}
	return &out
}

func genAdmin(r *rand.Rand, w *cycWorld) anpWorldPolicies {
	var out anpWorldPolicies
	actions := []policyv1alpha1.AdminNetworkPolicyRuleAction{"Allow", "Deny", "Pass"}
	for i := range r.IntN(4) {
		a := &policyv1alpha1.AdminNetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy.networking.k8s.io/v1alpha1", Kind: "AdminNetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("anp-%d", i)},
			Spec:       policyv1alpha1.AdminNetworkPolicySpec{Priority: pick(r, []int32{0, 3, 3, 10, 500, 1000}), Subject: genANPSubject(r)},
		}
		for j := range r.IntN(4) {
			rule := policyv1alpha1.AdminNetworkPolicyIngressRule{Name: fmt.Sprintf("in-%d", j), Action: pick(r, actions), Ports: genANPPorts(r, w)}
			for range 1 + r.IntN(2) {
				p := genANPPeer(r, w, false)
				rule.From = append(rule.From, policyv1alpha1.AdminNetworkPolicyIngressPeer{Namespaces: p.Namespaces, Pods: p.Pods})
			}
			a.Spec.Ingress = append(a.Spec.Ingress, rule)
		}
		for j := range r.IntN(4) {
			rule := policyv1alpha1.AdminNetworkPolicyEgressRule{Name: fmt.Sprintf("out-%d", j), Action: pick(r, actions), Ports: genANPPorts(r, w)}
			for range 1 + r.IntN(2) {
				rule.To = append(rule.To, genANPPeer(r, w, true))
			}
			a.Spec.Egress = append(a.Spec.Egress, rule)
		}
		out.admin = append(out.admin, a)
	}
	if r.IntN(2) == 0 {
		b := &policyv1alpha1.BaselineAdminNetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy.networking.k8s.io/v1alpha1", Kind: "BaselineAdminNetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: "default"},
			Spec:       policyv1alpha1.BaselineAdminNetworkPolicySpec{Subject: genANPSubject(r)},
		}
		bactions := []policyv1alpha1.BaselineAdminNetworkPolicyRuleAction{"Allow", "Deny"}
		for j := range r.IntN(4) {
			rule := policyv1alpha1.BaselineAdminNetworkPolicyIngressRule{Name: fmt.Sprintf("in-%d", j), Action: pick(r, bactions), Ports: genANPPorts(r, w)}
			for range 1 + r.IntN(2) {
				p := genANPPeer(r, w, false)
				rule.From = append(rule.From, policyv1alpha1.AdminNetworkPolicyIngressPeer{Namespaces: p.Namespaces, Pods: p.Pods})
			}
			b.Spec.Ingress = append(b.Spec.Ingress, rule)
		}
		for j := range r.IntN(4) {
			rule := policyv1alpha1.BaselineAdminNetworkPolicyEgressRule{Name: fmt.Sprintf("out-%d", j), Action: pick(r, bactions), Ports: genANPPorts(r, w)}
			for range 1 + r.IntN(2) {
				p := genANPPeer(r, w, true)
				rule.To = append(rule.To, policyv1alpha1.BaselineAdminNetworkPolicyEgressPeer{Namespaces: p.Namespaces, Pods: p.Pods, Networks: p.Networks})
			}
			b.Spec.Egress = append(b.Spec.Egress, rule)
		}
		out.baseline = b
	}
	// Questions also probe the edges of the new ports.
	for _, pr := range w.probes {
		w.ports = append(w.ports, pr.port)
	}
	slices.Sort(w.ports)
	w.ports = slices.Compact(w.ports)
	return out
}

// The reference, one question at a time.

func refSelects(s metav1.LabelSelector, lbls map[string]string) bool {
	sel, err := metav1.LabelSelectorAsSelector(&s)
	if err != nil {
		panic(err)
	}
	return sel.Matches(labels.Set(lbls))
}

func refSubject(w *cycWorld, s policyv1alpha1.AdminNetworkPolicySubject, p *cycPod) bool {
	ns := w.namespaces[p.ns].labels
	if s.Namespaces != nil {
		return refSelects(*s.Namespaces, ns)
	}
	return refSelects(s.Pods.NamespaceSelector, ns) && refSelects(s.Pods.PodSelector, p.labels)
}

// refRule: does a rule take in the connection with the peer (a pod, or
// the address ip)?
func refRule(w *cycWorld, q cycQuery, peers []policyv1alpha1.AdminNetworkPolicyEgressPeer, ports *[]policyv1alpha1.AdminNetworkPolicyPort, peer *cycPod, ip string) bool {
	peerOK := false
	for _, pe := range peers {
		switch {
		case pe.Namespaces != nil:
			peerOK = peer != nil && refSelects(*pe.Namespaces, w.namespaces[peer.ns].labels)
		case pe.Pods != nil:
			peerOK = peer != nil && refSelects(pe.Pods.NamespaceSelector, w.namespaces[peer.ns].labels) && refSelects(pe.Pods.PodSelector, peer.labels)
		default:
			addr := ip
			if peer != nil {
				addr = peer.ip
			}
			for _, c := range pe.Networks {
				if netip.MustParsePrefix(string(c)).Contains(netip.MustParseAddr(addr)) {
					peerOK = true
				}
			}
		}
		if peerOK {
			break
		}
	}
	if !peerOK {
		return false
	}
	if ports == nil {
		return true
	}
	for _, p := range *ports {
		switch {
		case p.PortNumber != nil:
			if cycProto(p.PortNumber.Protocol) == q.proto && int(p.PortNumber.Port) == q.port {
				return true
			}
		case p.PortRange != nil:
			if cycProto(p.PortRange.Protocol) == q.proto && int(p.PortRange.Start) <= q.port && q.port <= int(p.PortRange.End) {
				return true
			}
		default:
			// The destination's container port of that number and
			// protocol carries the name (never an address's).
			if q.dst != nil && q.resolvedPortNm == *p.NamedPort {
				return true
			}
		}
	}
	return false
}

type refRuleOf struct {
	action string
	peers  []policyv1alpha1.AdminNetworkPolicyEgressPeer
	ports  *[]policyv1alpha1.AdminNetworkPolicyPort
}

func ingressPeers(from []policyv1alpha1.AdminNetworkPolicyIngressPeer) []policyv1alpha1.AdminNetworkPolicyEgressPeer {
	var out []policyv1alpha1.AdminNetworkPolicyEgressPeer
	for _, f := range from {
		out = append(out, policyv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: f.Namespaces, Pods: f.Pods})
	}
	return out
}

// refDirection decides one direction of a question: ingress at the
// destination, egress at the source.
func refDirection(w *cycWorld, pols anpWorldPolicies, nps *matcher.Policy, q cycQuery, ingress bool) bool {
	subject, peer, ip := q.src, q.dst, q.dstIP
	if ingress {
		subject, peer, ip = q.dst, q.src, q.srcIP
	}
	if subject == nil {
		return true
	}
	admin := slices.Clone(pols.admin)
	slices.SortStableFunc(admin, func(a, b *policyv1alpha1.AdminNetworkPolicy) int {
		if a.Spec.Priority != b.Spec.Priority {
			return int(a.Spec.Priority - b.Spec.Priority)
		}
		return strings.Compare(a.Name, b.Name)
	})
admin:
	for _, a := range admin {
		if !refSubject(w, a.Spec.Subject, subject) {
			continue
		}
		var rules []refRuleOf
		if ingress {
			for _, r := range a.Spec.Ingress {
				rules = append(rules, refRuleOf{string(r.Action), ingressPeers(r.From), r.Ports})
			}
		} else {
			for _, r := range a.Spec.Egress {
				rules = append(rules, refRuleOf{string(r.Action), r.To, r.Ports})
			}
		}
		for _, r := range rules {
			if !refRule(w, q, r.peers, r.ports, peer, ip) {
				continue
			}
			switch r.action {
			case "Allow":
				return true
			case "Deny":
				return false
			}
			break admin // Pass
		}
	}
	res := nps.IsIngressOrEgressAllowed(q.traffic(w), ingress)
	if len(res.AllowingTargets)+len(res.DenyingTargets) > 0 {
		return res.IsAllowed()
	}
	if b := pols.baseline; b != nil && refSubject(w, b.Spec.Subject, subject) {
		var rules []refRuleOf
		if ingress {
			for _, r := range b.Spec.Ingress {
				rules = append(rules, refRuleOf{string(r.Action), ingressPeers(r.From), r.Ports})
			}
		} else {
			for _, r := range b.Spec.Egress {
				var peers []policyv1alpha1.AdminNetworkPolicyEgressPeer
				for _, t := range r.To {
					peers = append(peers, policyv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: t.Namespaces, Pods: t.Pods, Networks: t.Networks})
				}
				rules = append(rules, refRuleOf{string(r.Action), peers, r.Ports})
			}
		}
		for _, r := range rules {
			if refRule(w, q, r.peers, r.ports, peer, ip) {
				return r.action == "Allow"
			}
		}
	}
	return true
}

func (p anpWorldPolicies) dump() string {
	var b strings.Builder
	for _, a := range p.admin {
		y, _ := yaml.Marshal(a)
		b.WriteString("---\n" + string(y))
	}
	if p.baseline != nil {
		y, _ := yaml.Marshal(p.baseline)
		b.WriteString("---\n" + string(y))
	}
	return b.String()
}

func TestAdminNetworkPolicyAgreement(t *testing.T) {
	seed := cycSeed(t)
	t.Logf("seed %d (replay with RAMPART_NETPOL_SEED=%d)", seed, seed)
	r := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	total, agree, allowed, adminDecided, passed, shown, matrixWrong := 0, 0, 0, 0, 0, 0, 0
	for wi := range anpWorlds {
		w := genWorld(r)
		if r.IntN(3) == 0 {
			// No NetworkPolicies: the baseline decides more, and classes
			// are told apart by the admin policies' selectors alone.
			w.policies = nil
		}
		pols := genAdmin(r, w)
		objs := inventoryOf(r, w).Objects()
		for _, a := range pols.admin {
			objs = append(objs, &inventory.Object{APIVersion: "policy.networking.k8s.io/v1alpha1", Kind: "AdminNetworkPolicy", Name: a.Name, Typed: a})
		}
		if b := pols.baseline; b != nil {
			objs = append(objs, &inventory.Object{APIVersion: "policy.networking.k8s.io/v1alpha1", Kind: "BaselineAdminNetworkPolicy", Name: b.Name, Typed: b})
		}
		m := netpol.NewModel(inventory.New(objs), netpol.Options{})
		for _, p := range m.Problems {
			if !strings.Contains(p, "share priority") {
				t.Fatalf("world %d: rampart rejects a generated policy: %v\n%s%s", wi, p, w.dump(), pols.dump())
			}
		}
		workloads := map[string]*netpol.Workload{}
		for _, wl := range m.Workloads {
			workloads[wl.Namespace+"/"+wl.Name] = wl
		}
		mx := m.Matrix(2)
		index := map[*netpol.Workload]int{}
		for i, wl := range mx.Workloads {
			index[wl] = i
		}
		equiv, _ := cyclonusEquivalent(w.policies)
		nps := matcher.BuildNetworkPolicies(false, equiv)
		for range anpQueriesPerWorld {
			q := genQuery(r, w)
			total++
			want := refDirection(w, pols, nps, q, false) && refDirection(w, pols, nps, q, true)
			got := q.rampart(m, workloads)
			for _, s := range []*netpol.Side{got.Egress, got.Ingress} {
				if s == nil {
					continue
				}
				v := s.Verdict(netpol.Protocol(q.proto), q.port)
				if v.Layer == netpol.LayerAdmin {
					adminDecided++
				}
				if v.Passed != nil {
					passed++
				}
			}
			if q.src != nil && q.dst != nil {
				i, j := index[workloads[q.src.ns+"/"+q.src.name]], index[workloads[q.dst.ns+"/"+q.dst.name]]
				if mx.Conns[i][j].Has(netpol.Protocol(q.proto), q.port) != want {
					if matrixWrong++; matrixWrong <= 3 {
						t.Errorf("world %d: %s: rampart's matrix says %s, the reference allowed=%v\nworld:\n%s%s", wi, q, mx.Conns[i][j], want, w.dump(), pols.dump())
					}
				}
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
						v := s.Verdict(netpol.Protocol(q.proto), q.port)
						sides = append(sides, fmt.Sprintf("%s: %s (%s)", s.Direction, describe(v), s.Conns))
					}
				}
				t.Errorf("world %d: %s: rampart allowed=%v, the reference allowed=%v\nrampart: %s\nworld:\n%s%s",
					wi, q, got.Allowed, want, strings.Join(sides, "; "), w.dump(), pols.dump())
			}
		}
	}
	msg := fmt.Sprintf("AdminNetworkPolicy agreement with the reference: %d/%d (seed %d; %d worlds; %d allowed, %d denied; %d sides decided by an AdminNetworkPolicy rule, %d passed on)",
		agree, total, seed, anpWorlds, allowed, agree-allowed, adminDecided, passed)
	t.Log(msg)
	fmt.Println(msg)
	if total < cycMinQueries {
		t.Errorf("only %d questions, want at least %d", total, cycMinQueries)
	}
	if matrixWrong > 0 {
		t.Errorf("%d matrix cells disagree with the reference; replay with RAMPART_NETPOL_SEED=%d", matrixWrong, seed)
	}
	if agree != total {
		t.Errorf("%d disagreements with the reference; replay with RAMPART_NETPOL_SEED=%d", total-agree, seed)
	}
}
