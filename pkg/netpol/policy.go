package netpol

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Direction is Ingress or Egress.
type Direction string

// The two directions.
const (
	Ingress Direction = "Ingress"
	Egress  Direction = "Egress"
)

// Policy is a NetworkPolicy compiled for evaluation.
type Policy struct {
	Namespace, Name string
	Object          *inventory.Object
	selector        labels.Selector
	// podKeys are the pod label keys any selector of the policy reads.
	podKeys []string
	// Types are the effective policyTypes (the API's defaulting applied).
	Types        map[Direction]bool
	IngressRules []*Rule
	EgressRules  []*Rule
}

// Ref is "namespace/name".
func (p *Policy) Ref() string { return p.Namespace + "/" + p.Name }

// Rule is one ingress or egress rule.
type Rule struct {
	Policy    *Policy
	Direction Direction
	Index     int
	// AllPeers: from/to is absent or empty.
	AllPeers bool
	Peers    []Peer
	// AllPorts: ports is absent or empty.
	AllPorts bool
	Ports    []PortSpec
}

// Field is the rule's path in its policy, e.g. spec.ingress[0].
func (r *Rule) Field() string {
	if r.Direction == Ingress {
		return fmt.Sprintf("spec.ingress[%d]", r.Index)
	}
	return fmt.Sprintf("spec.egress[%d]", r.Index)
}

// Peer is one from/to entry.
type Peer struct {
	Pods       labels.Selector // nil when absent
	Namespaces labels.Selector // nil when absent
	Block      *IPBlock
}

// IPBlock is a CIDR minus its exceptions.
type IPBlock struct {
	CIDR   netip.Prefix
	Except []netip.Prefix
}

// Contains reports whether an address is in the block.
func (b *IPBlock) Contains(a netip.Addr) bool {
	if !b.CIDR.Contains(a) {
		return false
	}
	for _, e := range b.Except {
		if e.Contains(a) {
			return false
		}
	}
	return true
}

// PortSpec is one entry of a rule's ports: a protocol with all its ports
// (Lo == 0), a range, or a named port.
type PortSpec struct {
	Protocol Protocol
	Lo, Hi   int
	Named    string
}

// compile checks and converts a NetworkPolicy.
func compile(np *networkingv1.NetworkPolicy, o *inventory.Object) (*Policy, error) {
	p := &Policy{Namespace: np.Namespace, Name: np.Name, Object: o, Types: map[Direction]bool{}}
	var err error
	if p.selector, err = metav1.LabelSelectorAsSelector(&np.Spec.PodSelector); err != nil {
		return nil, fmt.Errorf("spec.podSelector: %w", err)
	}
	p.podKeys = selectorKeys(&np.Spec.PodSelector)
	for _, r := range np.Spec.Ingress {
		for _, peer := range r.From {
			p.podKeys = append(p.podKeys, selectorKeys(peer.PodSelector)...)
		}
	}
	for _, r := range np.Spec.Egress {
		for _, peer := range r.To {
			p.podKeys = append(p.podKeys, selectorKeys(peer.PodSelector)...)
		}
	}
	// The API server's defaulting: without policyTypes a policy is an
	// Ingress policy, and an Egress one too when it has egress rules.
	if len(np.Spec.PolicyTypes) == 0 {
		p.Types[Ingress] = true
		if len(np.Spec.Egress) > 0 {
			p.Types[Egress] = true
		}
	}
	for _, t := range np.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			p.Types[Ingress] = true
		case networkingv1.PolicyTypeEgress:
			p.Types[Egress] = true
		default:
			return nil, fmt.Errorf("spec.policyTypes: unknown type %q", t)
		}
	}
	for i, r := range np.Spec.Ingress {
		rule, err := compileRule(p, Ingress, i, r.From, r.Ports)
		if err != nil {
			return nil, fmt.Errorf("spec.ingress[%d]: %w", i, err)
		}
		p.IngressRules = append(p.IngressRules, rule)
	}
	for i, r := range np.Spec.Egress {
		rule, err := compileRule(p, Egress, i, r.To, r.Ports)
		if err != nil {
			return nil, fmt.Errorf("spec.egress[%d]: %w", i, err)
		}
		p.EgressRules = append(p.EgressRules, rule)
	}
	return p, nil
}

func compileRule(p *Policy, d Direction, i int, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) (*Rule, error) {
	r := &Rule{Policy: p, Direction: d, Index: i, AllPeers: len(peers) == 0, AllPorts: len(ports) == 0}
	for j, peer := range peers {
		var out Peer
		var err error
		if peer.PodSelector != nil {
			if out.Pods, err = metav1.LabelSelectorAsSelector(peer.PodSelector); err != nil {
				return nil, fmt.Errorf("peer %d podSelector: %w", j, err)
			}
		}
		if peer.NamespaceSelector != nil {
			if out.Namespaces, err = metav1.LabelSelectorAsSelector(peer.NamespaceSelector); err != nil {
				return nil, fmt.Errorf("peer %d namespaceSelector: %w", j, err)
			}
		}
		if peer.IPBlock != nil {
			if peer.PodSelector != nil || peer.NamespaceSelector != nil {
				return nil, fmt.Errorf("peer %d: ipBlock cannot be combined with selectors", j)
			}
			b, err := compileBlock(peer.IPBlock)
			if err != nil {
				return nil, fmt.Errorf("peer %d ipBlock: %w", j, err)
			}
			out.Block = b
		}
		if out.Pods == nil && out.Namespaces == nil && out.Block == nil {
			return nil, fmt.Errorf("peer %d names nothing (the API server rejects it)", j)
		}
		r.Peers = append(r.Peers, out)
	}
	for j, port := range ports {
		ps := PortSpec{Protocol: TCP}
		if port.Protocol != nil {
			switch *port.Protocol {
			case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
				ps.Protocol = Protocol(*port.Protocol)
			default:
				return nil, fmt.Errorf("ports[%d]: unknown protocol %q", j, *port.Protocol)
			}
		}
		switch {
		case port.Port == nil:
			if port.EndPort != nil {
				return nil, fmt.Errorf("ports[%d]: endPort without port", j)
			}
		case port.Port.Type == intstr.String:
			if port.EndPort != nil {
				return nil, fmt.Errorf("ports[%d]: endPort cannot go with a named port", j)
			}
			ps.Named = port.Port.StrVal
		default:
			ps.Lo, ps.Hi = int(port.Port.IntVal), int(port.Port.IntVal)
			if port.EndPort != nil {
				ps.Hi = int(*port.EndPort)
			}
			if ps.Lo < minPort || ps.Hi > maxPort || ps.Lo > ps.Hi {
				return nil, fmt.Errorf("ports[%d]: port range %d-%d is not within 1-65535", j, ps.Lo, ps.Hi)
			}
		}
		r.Ports = append(r.Ports, ps)
	}
	return r, nil
}

func compileBlock(b *networkingv1.IPBlock) (*IPBlock, error) {
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil {
		return nil, err
	}
	out := &IPBlock{CIDR: cidr.Masked()}
	for _, e := range b.Except {
		ex, err := netip.ParsePrefix(e)
		if err != nil {
			return nil, fmt.Errorf("except: %w", err)
		}
		if !out.CIDR.Contains(ex.Addr()) || ex.Bits() < out.CIDR.Bits() {
			return nil, errors.New("except " + e + " is not inside " + b.CIDR)
		}
		out.Except = append(out.Except, ex.Masked())
	}
	return out, nil
}

// selectorKeys are the label keys a selector looks at.
func selectorKeys(s *metav1.LabelSelector) []string {
	if s == nil {
		return nil
	}
	var out []string
	for k := range s.MatchLabels {
		out = append(out, k)
	}
	for _, e := range s.MatchExpressions {
		out = append(out, e.Key)
	}
	return out
}

// ports returns the connections a rule's ports allow towards a
// destination: named ports resolve against the destination workload's
// containers, and never match an external address (dst nil).
func (r *Rule) ports(dst *Workload) ConnSet {
	if r.AllPorts {
		return AllConns()
	}
	var c ConnSet
	for _, ps := range r.Ports {
		switch {
		case ps.Named != "":
			if dst == nil {
				continue
			}
			for _, cp := range dst.Ports {
				proto := Protocol(cp.Protocol)
				if proto == "" {
					proto = TCP
				}
				if cp.Name == ps.Named && proto == ps.Protocol {
					c.add(proto, int(cp.ContainerPort), int(cp.ContainerPort))
				}
			}
		case ps.Lo == 0:
			c.add(ps.Protocol, minPort, maxPort)
		default:
			c.add(ps.Protocol, ps.Lo, ps.Hi)
		}
	}
	return c
}
