// Package netpol evaluates Kubernetes NetworkPolicies exactly as the API
// specifies them (shared/reference/netpol-semantics.md), with the
// AdminNetworkPolicies and the BaselineAdminNetworkPolicy of
// policy.networking.k8s.io/v1alpha1 layered around them (admin.go): which
// workload may open which connection to which, and why. Workloads that no
// selector can tell apart are grouped, and connections are sets of port
// ranges per protocol, so a whole-cluster matrix costs classes², not
// pods² × policies.
package netpol

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
)

// NamespaceNameLabel is the label the API server puts on every namespace.
const NamespaceNameLabel = "kubernetes.io/metadata.name"

// Workload is a set of pods that run from one template (a Deployment, a
// bare Pod, a CronJob...), the unit rampart reports on.
type Workload struct {
	Namespace string
	Name      string
	Kind      string
	Labels    map[string]string // the pods' labels
	// Ports are the containers' ports, by which named ports resolve.
	Ports       []corev1.ContainerPort
	HostNetwork bool
	// IPs are the pods' addresses when known (live pods, and live owners
	// with the pods folded into them).
	IPs    []netip.Addr
	Object *inventory.Object

	class *class
}

// Ref is "namespace/name[Kind]".
func (w *Workload) Ref() string { return fmt.Sprintf("%s/%s[%s]", w.Namespace, w.Name, w.Kind) }

// Namespace is a namespace with its labels (always including
// kubernetes.io/metadata.name).
type Namespace struct {
	Name   string
	Labels map[string]string
	// Declared is false for namespaces that objects only name.
	Declared bool
}

// Options are the points where implementations disagree
// (shared/reference/netpol-semantics.md §2).
type Options struct {
	// IPBlocksIgnorePods makes ipBlocks match external addresses only, as
	// Cilium does. By default an ipBlock also matches pods whose IPs it
	// holds, as the API's reference e2e tests expect.
	IPBlocksIgnorePods bool
	// BareOwnedPods keeps pods that a controller owns as endpoints of
	// their own instead of leaving them to their owner (for the
	// benchmark's pod-by-pod baseline).
	BareOwnedPods bool
}

// Model is the workloads, namespaces and policies of an input.
type Model struct {
	Workloads  []*Workload
	Namespaces map[string]*Namespace
	Policies   []*Policy
	// Admin are the AdminNetworkPolicies in the order they are evaluated:
	// by priority, and by name where priorities are equal (the API leaves
	// that order to implementations).
	Admin []*AdminPolicy
	// Baseline is the BaselineAdminNetworkPolicy (named default), if any.
	Baseline *AdminPolicy
	Options  Options

	classes   []*class
	nsOnce    sync.Once
	nsClasses map[string][]*class
	// peerAnswers remembers PeerSelectsAny by selectors.
	peerMu      sync.Mutex
	peerAnswers map[string][2]bool
	byNS        map[string][]*Policy
	// Problems found while building (bad selectors...).
	Problems []string
}

// NewModel reads the workloads, namespaces, NetworkPolicies,
// AdminNetworkPolicies and BaselineAdminNetworkPolicy of an inventory. Objects a controller owns (a Deployment's ReplicaSets) are
// left to their owner.
func NewModel(inv *inventory.Inventory, opts Options) *Model {
	m := &Model{Namespaces: map[string]*Namespace{}, byNS: map[string][]*Policy{}, Options: opts}
	for _, o := range inv.ByKind("Namespace") {
		if ns, ok := o.Typed.(*corev1.Namespace); ok {
			lbls := map[string]string{}
			for k, v := range ns.Labels {
				lbls[k] = v
			}
			lbls[NamespaceNameLabel] = ns.Name
			m.Namespaces[ns.Name] = &Namespace{Name: ns.Name, Labels: lbls, Declared: true}
		}
	}
	for _, o := range inv.Objects() {
		if inventory.ClusterScoped(o.Kind) {
			continue
		}
		ns := namespaceOf(o)
		if _, ok := m.Namespaces[ns]; !ok {
			m.Namespaces[ns] = &Namespace{Name: ns, Labels: map[string]string{NamespaceNameLabel: ns}}
		}
		if w := workloadOf(o, opts.BareOwnedPods); w != nil {
			w.Namespace = ns
			m.Workloads = append(m.Workloads, w)
		}
	}
	sortByRef(m.Workloads)
	for _, o := range inv.ByKind("NetworkPolicy") {
		np, ok := o.Typed.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		if np.Namespace == "" { // a manifest without metadata.namespace
			c := *np
			c.Namespace = namespaceOf(o)
			np = &c
		}
		p, err := compile(np, o)
		if err != nil {
			m.Problems = append(m.Problems, fmt.Sprintf("NetworkPolicy %s/%s: %v", np.Namespace, np.Name, err))
			continue
		}
		m.Policies = append(m.Policies, p)
		m.byNS[p.Namespace] = append(m.byNS[p.Namespace], p)
	}
	// Policies in name order, whatever order the input had (a file, a
	// listing): explanations read the same for the same objects.
	sortByRef(m.Policies)
	for _, list := range m.byNS {
		sortByRef(list)
	}
	m.readAdmin(inv)
	m.classify()
	return m
}

// sortByRef sorts by Ref, each ref made once (not twice per comparison).
func sortByRef[T interface{ Ref() string }](xs []T) {
	type keyed struct {
		ref string
		x   T
	}
	ks := make([]keyed, len(xs))
	for i, x := range xs {
		ks[i] = keyed{x.Ref(), x}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return strings.Compare(a.ref, b.ref) })
	for i := range ks {
		xs[i] = ks[i].x
	}
}

// namespaceOf is an object's namespace; a manifest that names none is in
// default, where kubectl apply without -n puts it.
func namespaceOf(o *inventory.Object) string {
	if o.Namespace == "" {
		return "default"
	}
	return o.Namespace
}

// workloadOf turns an object that runs pods into a workload; objects a
// controller owns are skipped.
func workloadOf(o *inventory.Object, bareOwned bool) *Workload {
	t := o.PodTemplate()
	if t == nil || o.Kind == "PodTemplate" {
		return nil
	}
	if hasController(o) && !(bareOwned && o.Kind == "Pod") {
		return nil
	}
	w := &Workload{Namespace: o.Namespace, Name: o.Name, Kind: o.Kind, Labels: t.Meta.Labels, HostNetwork: t.Spec.HostNetwork, Object: o}
	if w.Labels == nil {
		w.Labels = map[string]string{}
	}
	for _, c := range t.Spec.Containers {
		w.Ports = append(w.Ports, c.Ports...)
	}
	var ips []string
	if pod, ok := o.Typed.(*corev1.Pod); ok {
		for _, ip := range pod.Status.PodIPs {
			ips = append(ips, ip.IP)
		}
	}
	// A live owner (a Deployment) carries the addresses of the pods the
	// live source folded into it.
	for _, ip := range append(ips, o.PodIPs...) {
		if a, err := netip.ParseAddr(ip); err == nil {
			w.IPs = append(w.IPs, a)
		}
	}
	return w
}

// hasController: an object created by another (a Job of a CronJob, a
// ReplicaSet of a Deployment), which its owner stands for.
func hasController(o *inventory.Object) bool {
	m, err := meta.Accessor(o.Typed)
	if err != nil {
		return false
	}
	for _, r := range m.GetOwnerReferences() {
		if r.Controller != nil && *r.Controller {
			return true
		}
	}
	return false
}

// labelsOf is a labels.Labels view of a map.
func labelsOf(m map[string]string) labels.Set { return labels.Set(m) }

// Select reads a selector of endpoints: NAMESPACE/NAME, NAMESPACE/NAME[Kind],
// NAMESPACE/* (every workload of the namespace), LABEL=VALUE (every
// workload whose pods carry it), or an IP address.
func (m *Model) Select(sel string) ([]Endpoint, error) {
	if a, err := netip.ParseAddr(sel); err == nil {
		return []Endpoint{{Addr: a}}, nil
	}
	var out []Endpoint
	for _, w := range m.Workloads {
		if w.Selected(sel) {
			out = append(out, Endpoint{Workload: w})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s selects no workload of the input (want NAMESPACE/NAME, NAMESPACE/NAME[Kind], NAMESPACE/*, LABEL=VALUE or an IP address)", sel)
	}
	return out, nil
}

// Selected reports whether a selector (see Model.Select) takes in the
// workload; "" takes in every one.
func (w *Workload) Selected(sel string) bool {
	switch {
	case sel == "":
		return true
	case strings.Contains(sel, "="):
		k, v, _ := strings.Cut(sel, "=")
		return w.Labels[k] == v
	case strings.HasSuffix(sel, "/*"):
		return w.Namespace == strings.TrimSuffix(sel, "/*")
	}
	ref, kind, _ := strings.Cut(strings.TrimSuffix(sel, "]"), "[")
	return w.Namespace+"/"+w.Name == ref && (kind == "" || strings.EqualFold(kind, w.Kind))
}
