// Package netpolgen generates a cluster for the NetworkPolicy benchmark:
// namespaces of teams, each with workloads in tiers (web, api, db, cache,
// worker), their pods (owned by the workloads, as a live cluster lists
// them), and the policies real teams write: default-deny (egress too in
// prod), DNS
// egress, tier-to-tier ingress on named and numbered ports, cross-namespace
// access by namespace labels, and egress to external ranges. Deterministic
// for a seed.
package netpolgen

import (
	"fmt"
	"math/rand/v2"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Sizes are how many of each to make.
type Sizes struct{ Namespaces, WorkloadsPerNamespace, PodsPerWorkload, PoliciesPerNamespace int }

// Large is the benchmark: 10,000 pods in 1,000 workloads across
// 100 namespaces, 2,000 policies.
var Large = Sizes{Namespaces: 100, WorkloadsPerNamespace: 10, PodsPerWorkload: 10, PoliciesPerNamespace: 20}

var tiers = []string{"web", "api", "db", "cache", "worker"}

var tierPort = map[string]int32{"web": 8080, "api": 9000, "db": 5432, "cache": 6379, "worker": 7000}

// Generate makes the objects.
func Generate(seed uint64, s Sizes) []*inventory.Object {
	rng := rand.New(rand.NewPCG(seed, 0x6e70)) // #nosec G404 -- reproducible test data, not secrets
	var out []*inventory.Object
	add := func(kind, apiVersion, ns, name string, o runtime.Object) {
		out = append(out, &inventory.Object{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name, Typed: o})
	}
	proto := func(p corev1.Protocol) *corev1.Protocol { return &p }
	port := func(n int32) *intstr.IntOrString { v := intstr.FromInt32(n); return &v }
	named := func(n string) *intstr.IntOrString { v := intstr.FromString(n); return &v }
	yes := true
	for i := range s.Namespaces {
		ns := fmt.Sprintf("team-%03d", i)
		env := []string{"prod", "staging", "dev"}[i%3]
		add("Namespace", "v1", "", ns, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{"kubernetes.io/metadata.name": ns, "env": env, "team": fmt.Sprintf("t%d", i%25)}}})
		for j := range s.WorkloadsPerNamespace {
			tier := tiers[j%len(tiers)]
			name := fmt.Sprintf("%s-%d", tier, j)
			labels := map[string]string{"app": name, "tier": tier, "version": fmt.Sprintf("v%d", rng.IntN(3))}
			replicas := int32(s.PodsPerWorkload) // #nosec G115 -- small
			spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.example.com/" + name + ":1",
				Ports: []corev1.ContainerPort{{Name: tier, ContainerPort: tierPort[tier], Protocol: corev1.ProtocolTCP},
					{Name: "metrics", ContainerPort: 9102, Protocol: corev1.ProtocolTCP}}}}}
			d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("d-" + ns + "-" + name)},
				Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}}}
			add("Deployment", "apps/v1", ns, name, d)
			for k := range s.PodsPerWorkload {
				pn := fmt.Sprintf("%s-%d", name, k)
				pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: pn, Namespace: ns, Labels: labels,
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name, UID: d.UID, Controller: &yes}}},
					Spec:   spec,
					Status: corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: fmt.Sprintf("10.%d.%d.%d", i, j, k+1)}}}}
				add("Pod", "v1", ns, pn, pod)
			}
		}
		np := func(name string, spec networkingv1.NetworkPolicySpec) {
			add("NetworkPolicy", "networking.k8s.io/v1", ns, name, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: spec})
		}
		// Every namespace denies ingress by default; prod denies egress too.
		deny := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if env == "prod" {
			deny = append(deny, networkingv1.PolicyTypeEgress)
		}
		np("default-deny", networkingv1.NetworkPolicySpec{PolicyTypes: deny})
		// DNS egress policy everywhere but dev (it isolates egress too).
		dnsTypes := []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
		if env == "dev" {
			dnsTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		}
		np("dns", networkingv1.NetworkPolicySpec{PolicyTypes: dnsTypes,
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
					PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: proto(corev1.ProtocolUDP), Port: port(53)}, {Protocol: proto(corev1.ProtocolTCP), Port: port(53)}}}}})
		for k := 2; k < s.PoliciesPerNamespace; k++ {
			from, to := tiers[rng.IntN(len(tiers))], tiers[rng.IntN(len(tiers))]
			spec := networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"tier": to}}}
			switch k % 5 {
			case 0: // same-namespace tier to tier on the named port
				spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": from}}}},
					Ports: []networkingv1.NetworkPolicyPort{{Port: named(to)}}}}
			case 1: // from the same team's other environments
				spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": fmt.Sprintf("t%d", i%25)}},
					PodSelector:       &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{from, "web"}}}}}},
					Ports: []networkingv1.NetworkPolicyPort{{Port: port(tierPort[to])}}}}
			case 2: // monitoring scrapes from the prod namespaces
				spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}},
					Ports: []networkingv1.NetworkPolicyPort{{Port: named("metrics")}}}}
			case 3: // egress to a tier elsewhere and to partner ranges
				spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
				spec.Egress = []networkingv1.NetworkPolicyEgressRule{
					{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": from}}}},
						Ports: []networkingv1.NetworkPolicyPort{{Port: port(tierPort[from])}}},
					{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: fmt.Sprintf("203.0.%d.0/24", rng.IntN(256))}}},
						Ports: []networkingv1.NetworkPolicyPort{{Port: port(443), EndPort: ptr32(450)}}}}
			default: // a version-pinned client
				spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": from, "version": fmt.Sprintf("v%d", rng.IntN(3))}}}}}}
			}
			np(fmt.Sprintf("p-%d", k), spec)
		}
	}
	return out
}

func ptr32(n int32) *int32 { return &n }
