// Package exposure finds services and ingresses that open workloads to
// networks beyond the cluster.
package exposure

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Checks returns the exposure checks.
func Checks() []check.Check { return []check.Check{servicePublic, ingressWithoutTLS} }

// internalLBAnnotations mark a LoadBalancer as internal on the major clouds.
var internalLBAnnotations = map[string][]string{
	"service.beta.kubernetes.io/aws-load-balancer-internal":          {"true", "0.0.0.0/0"},
	"service.beta.kubernetes.io/aws-load-balancer-scheme":            {"internal"},
	"networking.gke.io/load-balancer-type":                           {"Internal"},
	"cloud.google.com/load-balancer-type":                            {"Internal"},
	"service.beta.kubernetes.io/azure-load-balancer-internal":        {"true"},
	"service.beta.kubernetes.io/oci-load-balancer-internal":          {"true"},
	"service.beta.kubernetes.io/openstack-internal-load-balancer":    {"true"},
	"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": {"private"},
}

func internalLB(ann map[string]string) bool {
	for k, vals := range internalLBAnnotations {
		if v, ok := ann[k]; ok && slices.ContainsFunc(vals, func(s string) bool { return strings.EqualFold(s, v) }) {
			return true
		}
	}
	return false
}

func openToWorld(ranges []string) bool {
	return slices.ContainsFunc(ranges, func(r string) bool {
		r = strings.TrimSpace(r)
		return r == "0.0.0.0/0" || r == "::/0"
	})
}

var servicePublic = &check.Func{
	M: check.Meta{
		ID: "exposure/service-public", Title: "Service reachable from outside the cluster", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCluster,
		Why:         "LoadBalancer, NodePort and externalIPs services accept traffic from outside the cluster, often from the whole internet.",
		Remediation: "use ClusterIP behind an ingress, or restrict the LoadBalancer with loadBalancerSourceRanges",
		Kinds:       []string{"Service"},
	},
	Fn: func(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
		svc, ok := obj.Typed.(*corev1.Service)
		if !ok {
			return
		}
		switch svc.Spec.Type {
		case corev1.ServiceTypeLoadBalancer:
			if internalLB(svc.Annotations) {
				break
			}
			ranges := svc.Spec.LoadBalancerSourceRanges
			field := "spec.loadBalancerSourceRanges"
			if len(ranges) == 0 {
				// The API server falls back to this annotation when the field is empty.
				if a := strings.TrimSpace(svc.Annotations[corev1.AnnotationLoadBalancerSourceRangesKey]); a != "" {
					for _, r := range strings.Split(a, ",") {
						ranges = append(ranges, strings.TrimSpace(r))
					}
					field = fmt.Sprintf("metadata.annotations[%q]", corev1.AnnotationLoadBalancerSourceRangesKey)
				}
			}
			if len(ranges) == 0 {
				report(check.Result{Field: "spec.type", Message: "LoadBalancer service without loadBalancerSourceRanges is open to any address"})
			} else if openToWorld(ranges) {
				report(check.Result{Field: field, Evidence: map[string]any{"ranges": ranges},
					Message: "LoadBalancer service allows 0.0.0.0/0 in loadBalancerSourceRanges"})
			}
		case corev1.ServiceTypeNodePort:
			report(check.Result{Field: "spec.type", Severity: finding.SeverityMedium,
				Message: "NodePort service is reachable on every node's address"})
		}
		if len(svc.Spec.ExternalIPs) > 0 {
			report(check.Result{Field: "spec.externalIPs", Severity: finding.SeverityMedium, Evidence: map[string]any{"externalIPs": svc.Spec.ExternalIPs},
				Message: fmt.Sprintf("service claims externalIPs %s", strings.Join(svc.Spec.ExternalIPs, ", "))})
		}
	},
}

var ingressWithoutTLS = &check.Func{
	M: check.Meta{
		ID: "exposure/ingress-without-tls", Title: "Ingress serves hosts without TLS", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCluster,
		Why:         "Without TLS, credentials and data cross the network in clear text and can be altered in transit.",
		Remediation: "add a spec.tls entry covering every host (for example with cert-manager)",
		Kinds:       []string{"Ingress"},
	},
	Fn: func(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
		ing, ok := obj.Typed.(*networkingv1.Ingress)
		if !ok {
			return
		}
		if len(ing.Spec.TLS) == 0 {
			report(check.Result{Field: "spec", Message: "ingress has no spec.tls: it serves plain HTTP"})
			return
		}
		covered := map[string]bool{}
		for _, t := range ing.Spec.TLS {
			if len(t.Hosts) == 0 {
				return // an entry without hosts covers every host (the controller's default certificate)
			}
			for _, h := range t.Hosts {
				covered[h] = true
			}
		}
		var missing []string
		for _, r := range ing.Spec.Rules {
			if r.Host != "" && !covered[r.Host] && !coveredByWildcard(r.Host, covered) {
				missing = append(missing, r.Host)
			}
		}
		if len(missing) > 0 {
			report(check.Result{Field: "spec.tls", Evidence: map[string]any{"hosts": missing},
				Message: "hosts without TLS: " + strings.Join(missing, ", ")})
		}
	},
}

func coveredByWildcard(host string, covered map[string]bool) bool {
	if i := strings.IndexByte(host, '.'); i > 0 {
		return covered["*"+host[i:]]
	}
	return false
}
