package netpol

// The upstream Kubernetes NetworkPolicy end-to-end model
// (kubernetes/kubernetes test/e2e/network/netpol/network_policy.go) as
// offline fixtures: namespaces x, y and z; pods a, b and c in each,
// labelled pod=<name>, each serving TCP, UDP and SCTP on ports 80 and 81
// under the container-port names serve-<port>-<proto>. Every published
// case is written here as its policies plus the truth table it expects
// for each (port, protocol) it probes, and the engine must reproduce each
// table cell for cell (shared/reference/netpol-semantics.md §4).
//
// Tables start with every connection allowed and then apply the case's
// overrides in order, as upstream's Reachability does. Traffic from a pod
// to itself is not graded (upstream ignores loopback).
//
// Upstream now starts only the pods a case needs; these fixtures always
// hold all nine, so where a case's published overrides name only the pods
// it starts, the table here also states what the policy does to the
// others (case 4: x/c is denied like x/b; case 11: z/a is denied like
// y/a), as the older nine-pod version of the same tests did.

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/internal/testobjects"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	e2eNamespaces = []string{"x", "y", "z"}
	e2ePodNames   = []string{"a", "b", "c"}
	e2ePorts      = []int32{80, 81}
)

// e2ePodIP is a pod's synthetic address: 10.244.<ns>.<pod>, so every pod
// lies in the /4 around x/b (0.0.0.0/4), as the CIDR cases assume of a
// real cluster's pod network.
func e2ePodIP(ns, pod string) netip.Addr {
	i := strings.Index("xyz", ns) + 1
	j := strings.Index("abc", pod) + 10
	return netip.AddrFrom4([4]byte{10, 244, byte(i), byte(j)})
}

// e2ePlaceholders are the addresses the CIDR cases write into their
// policies, as upstream reads them from the running pods.
func e2ePlaceholders() *strings.Replacer {
	xb, yb := e2ePodIP("x", "b"), e2ePodIP("y", "b")
	return strings.NewReplacer(
		"$XB_HOST", netip.PrefixFrom(xb, 32).String(),
		"$XB_LARGE", netip.PrefixFrom(xb, 4).Masked().String(),
		"$YB_HOST", netip.PrefixFrom(yb, 32).String(),
	)
}

// e2eOverride sets the expectation of every pair whose source matches
// From and whose destination matches To. Patterns are "ns/pod", with "*"
// for either part, or "*" alone for every pod.
type e2eOverride struct {
	From, To string
	Allowed  bool
}

func e2eDeny(from, to string) e2eOverride  { return e2eOverride{from, to, false} }
func e2eAllow(from, to string) e2eOverride { return e2eOverride{from, to, true} }

// e2eProbe is one truth table: a (port, protocol) and the overrides that
// turn the all-allowed table into the expected one.
type e2eProbe struct {
	Protocol Protocol
	Port     int
	Expect   []e2eOverride
	// IgnorePods is the table expected instead with
	// Options{IPBlocksIgnorePods: true} (CIDR cases only).
	IgnorePods []e2eOverride
}

// e2eStep is one static state of a case: the policies in force, the
// labels added to namespaces and pods, and the tables to check.
type e2eStep struct {
	Name      string
	Policies  string                       // NetworkPolicy YAML documents
	NSLabels  map[string]map[string]string // namespace → added labels
	PodLabels map[string]map[string]string // "ns/pod" → added labels
	Probes    []e2eProbe
}

type e2eCase struct {
	ID    string // the number in the reference table, or UDP-a...
	Title string // upstream's test name
	CIDR  bool   // needs ipBlocks to match pod IPs
	Steps []e2eStep
}

func (c e2eCase) name() string { return c.ID + " " + c.Title }

func e2eTCP(port int, o ...e2eOverride) e2eProbe {
	return e2eProbe{Protocol: TCP, Port: port, Expect: o}
}
func e2eUDP(port int, o ...e2eOverride) e2eProbe {
	return e2eProbe{Protocol: UDP, Port: port, Expect: o}
}
func e2eSCTP(port int, o ...e2eOverride) e2eProbe {
	return e2eProbe{Protocol: SCTP, Port: port, Expect: o}
}

func e2eStepOf(policies string, probes ...e2eProbe) e2eStep {
	return e2eStep{Policies: policies, Probes: probes}
}

// Policies reused by several cases. The namespace name y is always quoted:
// YAML 1.1 reads a bare y as true.
const (
	e2eDenyIngressX = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: []
`
	e2eDenyAllX = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: []
  egress: []
`
	e2eXAFromPodB = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: x-a-allows-x-b, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {pod: b}}}]
`
	e2eXAFromNSYPort81 = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-ns-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]
      ports: [{port: 81, protocol: TCP}]
`
	e2eXAToYA = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-to-ns-y-pod-a, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
          podSelector: {matchLabels: {pod: a}}
`
	e2eXAEgressExceptXB = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: "$XB_LARGE", except: ["$XB_HOST"]}}]
`
)

// e2eXAFromNSYOn: x/a admits namespace y on one port of a protocol (the
// "should enforce policy based on Ports" cases of the three contexts).
func e2eXAFromNSYOn(name string, proto Protocol, port int) string {
	return fmt.Sprintf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %s, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]
      ports: [{port: %d, protocol: %s}]
`, name, port, proto)
}

// e2eXAFromYA: x/a admits only y/a (namespace and pod in one peer).
const e2eXAFromYA = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ns-y-pod-a-via-namespace-pod-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
          podSelector: {matchLabels: {pod: a}}
`

// e2eXAOnlyOn: x/a admits anyone, but only on one port of a protocol.
func e2eXAOnlyOn(name string, proto Protocol, port int) string {
	return fmt.Sprintf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %s, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - ports: [{port: %d, protocol: %s}]
`, name, port, proto)
}

var e2eCases = []e2eCase{
	{ID: "01", Title: "should support a 'default-deny-ingress' policy", Steps: []e2eStep{
		e2eStepOf(e2eDenyIngressX, e2eTCP(80, e2eDeny("*", "x/*"))),
	}},
	{ID: "02", Title: "should support a 'default-deny-all' policy", Steps: []e2eStep{
		e2eStepOf(e2eDenyAllX, e2eTCP(80, e2eDeny("*", "x/*"), e2eDeny("x/*", "*"))),
	}},
	{ID: "03", Title: "should enforce policy to allow traffic from pods within server namespace based on PodSelector", Steps: []e2eStep{
		e2eStepOf(e2eXAFromPodB, e2eTCP(80, e2eDeny("*", "x/a"), e2eAllow("x/b", "x/a"))),
	}},
	{ID: "04", Title: "should enforce policy to allow ingress traffic for a target", Steps: []e2eStep{
		e2eStepOf(strings.Replace(e2eDenyIngressX, "deny-ingress", "deny-all", 1)+`---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-to-a, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {}, namespaceSelector: {}}]
`, e2eTCP(80, e2eAllow("*", "x/a"), e2eDeny("*", "x/b"), e2eDeny("*", "x/c"))),
	}},
	{ID: "05", Title: "should enforce policy to allow ingress traffic from pods in all namespaces", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-from-another-ns, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {}}}]
`, e2eTCP(80)),
	}},
	{ID: "06", Title: "should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-ns-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]
`, e2eTCP(80, e2eDeny("x/*", "x/a"), e2eDeny("z/*", "x/a"))),
	}},
	{ID: "07", Title: "should enforce policy based on PodSelector with MatchExpressions", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: x-a-allows-x-b, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchExpressions: [{key: pod, operator: In, values: [b]}]}}]
`, e2eTCP(80, e2eDeny("*", "x/a"), e2eAllow("x/b", "x/a"))),
	}},
	{ID: "08", Title: "should enforce policy based on NamespaceSelector with MatchExpressions", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ns-y-match-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: ["y"]}]}}]
`, e2eTCP(80, e2eDeny("x/*", "x/a"), e2eDeny("z/*", "x/a"))),
	}},
	{ID: "09", Title: "should enforce policy based on PodSelector or NamespaceSelector", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ns-y-match-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: ["x"]}]}
        - podSelector: {matchLabels: {pod: b}}
`, e2eTCP(80, e2eDeny("x/c", "x/a"))),
	}},
	{ID: "10", Title: "should enforce policy based on PodSelector and NamespaceSelector", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ns-y-podselector-and-nsselector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: ["x"]}]}
          podSelector: {matchLabels: {pod: b}}
`, e2eTCP(80, e2eDeny("*", "x/a"), e2eAllow("y/b", "x/a"), e2eAllow("z/b", "x/a"))),
	}},
	{ID: "11", Title: "should enforce policy based on Multiple PodSelectors and NamespaceSelectors", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ns-y-z-pod-b-c, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: ["x"]}]}
          podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}
`, e2eTCP(80, e2eDeny("x/*", "x/a"), e2eDeny("y/a", "x/a"), e2eDeny("z/a", "x/a"))),
	}},
	{ID: "12", Title: "should enforce policy based on any PodSelectors", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ns-x-pod-b-c, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {pod: b}}
        - podSelector: {matchLabels: {pod: c}}
`, e2eTCP(80, e2eDeny("*", "x/a"), e2eAllow("x/b", "x/a"), e2eAllow("x/c", "x/a"))),
	}},
	{ID: "13", Title: "should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector", Steps: []e2eStep{
		e2eStepOf(e2eXAFromYA, e2eTCP(80, e2eDeny("*", "x/a"), e2eAllow("y/a", "x/a"))),
	}},
	{ID: "14", Title: "should enforce policy based on Ports", Steps: []e2eStep{
		e2eStepOf(e2eXAFromNSYPort81, e2eTCP(81, e2eDeny("x/*", "x/a"), e2eAllow("y/*", "x/a"), e2eDeny("z/*", "x/a"))),
	}},
	{ID: "15", Title: "should enforce multiple, stacked policies with overlapping podSelectors", Steps: []e2eStep{
		{Name: "port 81 only", Policies: e2eXAFromNSYPort81, Probes: []e2eProbe{
			e2eTCP(81, e2eDeny("x/*", "x/a"), e2eAllow("y/*", "x/a"), e2eDeny("z/*", "x/a")),
			e2eTCP(80, e2eDeny("*", "x/a")),
		}},
		{Name: "port 80 added", Policies: e2eXAFromNSYPort81 + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-ns-selector-80, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]
      ports: [{port: 80, protocol: TCP}]
`, Probes: []e2eProbe{
			e2eTCP(80, e2eDeny("x/*", "x/a"), e2eAllow("y/*", "x/a"), e2eDeny("z/*", "x/a")),
			e2eTCP(81, e2eDeny("x/*", "x/a"), e2eAllow("y/*", "x/a"), e2eDeny("z/*", "x/a")),
		}},
	}},
	{ID: "16", Title: "should support allow-all policy", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{}]
`, e2eTCP(80), e2eTCP(81)),
	}},
	{ID: "17", Title: "should allow ingress access on one named port", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - ports: [{port: serve-81-tcp}]
`, e2eTCP(81), e2eTCP(80, e2eDeny("*", "x/*"))),
	}},
	{ID: "18", Title: "should allow ingress access from namespace on one named port", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-ns-selector-80, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]
      ports: [{port: serve-80-tcp, protocol: TCP}]
`, e2eTCP(80, e2eDeny("x/*", "x/a"), e2eDeny("z/*", "x/a")), e2eTCP(81, e2eDeny("*", "x/a"))),
	}},
	{ID: "19", Title: "should allow egress access on one named port", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-egress, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - ports: [{port: serve-80-tcp}]
`, e2eTCP(80), e2eTCP(81, e2eDeny("x/*", "*"))),
	}},
	{ID: "20", Title: "should enforce updated policy", Steps: []e2eStep{
		{Name: "allow all", Policies: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-mutate-to-deny-all, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{}]
`, Probes: []e2eProbe{e2eTCP(81)}},
		{Name: "updated to deny all", Policies: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-mutate-to-deny-all, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: []
`, Probes: []e2eProbe{e2eTCP(81, e2eDeny("*", "x/*"))}},
	}},
	{ID: "21", Title: "should allow ingress access from updated namespace", Steps: func() []e2eStep {
		const p = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-ns-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {ns2: updated}}}]
`
		return []e2eStep{
			{Name: "before", Policies: p, Probes: []e2eProbe{e2eTCP(80, e2eDeny("*", "x/a"))}},
			{Name: "y labelled ns2=updated", Policies: p, NSLabels: map[string]map[string]string{"y": {"ns2": "updated"}},
				Probes: []e2eProbe{e2eTCP(80, e2eDeny("*", "x/a"), e2eAllow("y/*", "*"))}},
		}
	}()},
	{ID: "22", Title: "should allow ingress access from updated pod", Steps: func() []e2eStep {
		const p = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-pod-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {pod: b, pod2: updated}}}]
`
		return []e2eStep{
			{Name: "before", Policies: p, Probes: []e2eProbe{e2eTCP(80, e2eDeny("*", "x/a"))}},
			{Name: "x/b labelled pod2=updated", Policies: p, PodLabels: map[string]map[string]string{"x/b": {"pod2": "updated"}},
				Probes: []e2eProbe{e2eTCP(80, e2eDeny("*", "x/a"), e2eAllow("x/b", "x/a"))}},
		}
	}()},
	{ID: "23", Title: "should deny ingress from pods on other namespaces", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-empty-policy, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {}}}]
`, e2eTCP(80, e2eDeny("y/*", "x/*"), e2eDeny("z/*", "x/*"))),
	}},
	{ID: "24", Title: "should deny ingress access to updated pod", Steps: func() []e2eStep {
		const p = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress-via-label-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {target: isolated}}
  policyTypes: [Ingress]
  ingress: []
`
		return []e2eStep{
			{Name: "before", Policies: p, Probes: []e2eProbe{e2eTCP(80)}},
			{Name: "x/a labelled target=isolated", Policies: p, PodLabels: map[string]map[string]string{"x/a": {"target": "isolated"}},
				Probes: []e2eProbe{e2eTCP(80, e2eDeny("*", "x/a"))}},
		}
	}()},
	{ID: "25", Title: "should deny egress from pods based on PodSelector", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress-pod-a, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: []
`, e2eTCP(80, e2eDeny("x/a", "*"))),
	}},
	{ID: "26", Title: "should deny egress from all pods in a namespace", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress-ns-x, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: []
`, e2eTCP(80, e2eDeny("x/*", "*"))),
	}},
	{ID: "27", Title: "should work with Ingress, Egress specified together", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-pod-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress, Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {pod: b}}}]
  egress:
    - ports: [{port: 80}]
`, e2eTCP(80, e2eDeny("*", "x/a"), e2eAllow("x/b", "x/a")),
			e2eTCP(81, e2eDeny("*", "x/a"), e2eDeny("x/a", "*"), e2eAllow("x/b", "x/a"))),
	}},
	{ID: "28", Title: "should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)", Steps: []e2eStep{
		e2eStepOf(e2eXAToYA+`---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-from-xa-on-ya-match-selector, namespace: "y"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "x"}}
          podSelector: {matchLabels: {pod: a}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-from-xa-on-yb-match-selector, namespace: "y"}
spec:
  podSelector: {matchLabels: {pod: b}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "x"}}
          podSelector: {matchLabels: {pod: a}}
`, e2eTCP(80, e2eDeny("x/a", "*"), e2eDeny("*", "y/a"), e2eAllow("x/a", "y/a"), e2eDeny("*", "y/b"))),
	}},
	{ID: "29", Title: "should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector", Steps: []e2eStep{
		e2eStepOf(e2eXAToYA, e2eTCP(80, e2eDeny("x/a", "*"), e2eAllow("x/a", "y/a"))),
	}},
	{ID: "30", Title: "should enforce ingress policy allowing any port traffic to a server on a specific protocol", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ingress-by-proto, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - ports: [{protocol: TCP}]
`, e2eTCP(80), e2eUDP(80, e2eDeny("*", "x/a"))),
	}},
	{ID: "31", Title: "should enforce multiple ingress policies with ingress allow-all policy taking precedence", Steps: func() []e2eStep {
		const p = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ingress-port-80, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - ports: [{port: 80}]
`
		return []e2eStep{
			{Name: "port 80 only", Policies: p, Probes: []e2eProbe{e2eTCP(81, e2eDeny("*", "x/*"))}},
			{Name: "allow-all added", Policies: p + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ingress, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{}]
`, Probes: []e2eProbe{e2eTCP(81)}},
		}
	}()},
	{ID: "32", Title: "should enforce multiple egress policies with egress allow-all policy taking precedence", Steps: func() []e2eStep {
		const p = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-egress-port-80, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - ports: [{port: 80}]
`
		return []e2eStep{
			{Name: "port 80 only", Policies: p, Probes: []e2eProbe{e2eTCP(81, e2eDeny("x/*", "*"))}},
			{Name: "allow-all added", Policies: p + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-egress, namespace: "x"}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{}]
`, Probes: []e2eProbe{e2eTCP(81)}},
		}
	}()},
	{ID: "33", Title: "should stop enforcing policies after they are deleted", Steps: []e2eStep{
		{Name: "deny all", Policies: e2eDenyAllX, Probes: []e2eProbe{e2eTCP(80, e2eDeny("x/*", "*"), e2eDeny("*", "x/*"))}},
		{Name: "deleted", Policies: "", Probes: []e2eProbe{e2eTCP(80)}},
	}},
	{ID: "34", Title: "should allow egress access to server in CIDR block", CIDR: true, Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: "$YB_HOST"}}]
`, e2eProbe{Protocol: TCP, Port: 80,
			Expect:     []e2eOverride{e2eDeny("x/a", "*"), e2eAllow("x/a", "y/b")},
			IgnorePods: []e2eOverride{e2eDeny("x/a", "*")}}),
	}},
	{ID: "35", Title: "should enforce except clause while egress access to server in CIDR block", CIDR: true, Steps: []e2eStep{
		e2eStepOf(e2eXAEgressExceptXB, e2eProbe{Protocol: TCP, Port: 80,
			Expect:     []e2eOverride{e2eDeny("x/a", "x/b")},
			IgnorePods: []e2eOverride{e2eDeny("x/a", "*")}}),
	}},
	{ID: "36", Title: "should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed", CIDR: true, Steps: []e2eStep{
		{Name: "large CIDR except x/b", Policies: e2eXAEgressExceptXB, Probes: []e2eProbe{{Protocol: TCP, Port: 80,
			Expect:     []e2eOverride{e2eDeny("x/a", "x/b")},
			IgnorePods: []e2eOverride{e2eDeny("x/a", "*")}}}},
		// Upstream updates the same-named policy: a replacement, not a
		// second policy next to the first.
		{Name: "replaced by x/b only", Policies: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: "$XB_HOST"}}]
`, Probes: []e2eProbe{{Protocol: TCP, Port: 80,
			Expect:     []e2eOverride{e2eDeny("x/a", "*"), e2eAllow("x/a", "x/b")},
			IgnorePods: []e2eOverride{e2eDeny("x/a", "*")}}}},
	}},
	{ID: "37", Title: "should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector", Steps: func() []e2eStep {
		const p = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-egress-for-target, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{}]
`
		return []e2eStep{
			{Name: "egress allow-all", Policies: p, Probes: []e2eProbe{e2eTCP(80)}},
			{Name: "ingress deny added", Policies: p + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress-via-label-selector, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress: []
`, Probes: []e2eProbe{e2eTCP(80, e2eDeny("*", "x/a"))}},
		}
	}()},
	{ID: "38", Title: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP", Steps: []e2eStep{
		e2eStepOf(e2eDenyIngressX+"---\n"+e2eXAOnlyOn("allow-only-sctp-ingress-on-port-81", SCTP, 81),
			e2eTCP(81, e2eDeny("*", "x/*"))),
	}},
	{ID: "39", Title: "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP", Steps: []e2eStep{
		e2eStepOf(e2eXAOnlyOn("allow-only-sctp-ingress-on-port-80", SCTP, 80), e2eTCP(81, e2eDeny("*", "x/a"))),
	}},
	{ID: "40", Title: "should not allow access by TCP when a policy specifies only UDP", Steps: []e2eStep{
		e2eStepOf(e2eXAOnlyOn("allow-only-udp-ingress-on-port-81", UDP, 81), e2eTCP(81, e2eDeny("*", "x/a"))),
	}},
	{ID: "41", Title: "should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-ns-selector-for-immutable-ns-label, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]
`, e2eTCP(80, e2eDeny("x/*", "x/a"), e2eDeny("z/*", "x/a"))),
	}},
	{ID: "42", Title: "should enforce policy based on NamespaceSelector with MatchExpressions using default ns label", Steps: []e2eStep{
		e2eStepOf(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ns-y-match-selector-for-immutable-ns-label, namespace: "x"}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: ["y"]}]}}]
`, e2eTCP(80, e2eDeny("x/a", "y/*"))),
	}},

	// The UDP context ([LinuxOnly]).
	{ID: "UDP-a", Title: "should support a 'default-deny-ingress' policy", Steps: []e2eStep{
		e2eStepOf(strings.Replace(e2eDenyIngressX, "deny-ingress", "deny-all", 1), e2eUDP(80, e2eDeny("*", "x/*"))),
	}},
	{ID: "UDP-b", Title: "should enforce policy based on Ports", Steps: []e2eStep{
		e2eStepOf(e2eXAFromNSYOn("allow-ingress-on-port-81-ns-x", UDP, 81), e2eUDP(81, e2eDeny("x/*", "x/a"), e2eDeny("z/*", "x/a"))),
	}},
	{ID: "UDP-c", Title: "should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector", Steps: []e2eStep{
		e2eStepOf(e2eXAFromYA, e2eUDP(80, e2eDeny("*", "x/a"), e2eAllow("y/a", "x/a"))),
	}},

	// The SCTP context (SCTPConnectivity, [LinuxOnly]).
	{ID: "SCTP-a", Title: "should support a 'default-deny-ingress' policy", Steps: []e2eStep{
		e2eStepOf(strings.Replace(e2eDenyIngressX, "deny-ingress", "deny-all", 1), e2eSCTP(80, e2eDeny("*", "x/*"))),
	}},
	{ID: "SCTP-b", Title: "should enforce policy based on Ports", Steps: []e2eStep{
		e2eStepOf(e2eXAFromNSYOn("allow-ingress-on-port-81-ns-x", SCTP, 81), e2eSCTP(81, e2eDeny("x/*", "x/a"), e2eDeny("z/*", "x/a"))),
	}},
	{ID: "SCTP-c", Title: "should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector", Steps: []e2eStep{
		e2eStepOf(e2eXAFromYA, e2eSCTP(80, e2eDeny("*", "x/a"), e2eAllow("y/a", "x/a"))),
	}},
}

// e2eModel builds the nine-pod model of one step.
func e2eModel(t *testing.T, s e2eStep, opts Options) *Model {
	t.Helper()
	var objs []*inventory.Object
	for _, ns := range e2eNamespaces {
		lbls := map[string]string{NamespaceNameLabel: ns}
		for k, v := range s.NSLabels[ns] {
			lbls[k] = v
		}
		o := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: lbls}}
		objs = append(objs, &inventory.Object{APIVersion: "v1", Kind: "Namespace", Name: ns, Typed: o})
	}
	for _, ns := range e2eNamespaces {
		for _, pod := range e2ePodNames {
			objs = append(objs, &inventory.Object{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: pod, Typed: e2ePod(ns, pod, s.PodLabels[ns+"/"+pod])})
		}
	}
	objs = append(objs, testobjects.FromYAML(t, e2ePlaceholders().Replace(s.Policies))...)
	m := NewModel(inventory.New(objs), opts)
	if len(m.Problems) > 0 {
		t.Fatalf("problems: %v", m.Problems)
	}
	if len(m.Workloads) != len(e2eNamespaces)*len(e2ePodNames) {
		t.Fatalf("%d workloads, want 9", len(m.Workloads))
	}
	return m
}

// e2ePod is one server pod of the model: labelled pod=<name>, one
// container per (port, protocol) with the port named serve-<port>-<proto>.
func e2ePod(ns, name string, extra map[string]string) *corev1.Pod {
	lbls := map[string]string{"pod": name}
	for k, v := range extra {
		lbls[k] = v
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls}}
	for _, port := range e2ePorts {
		for _, proto := range []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP} {
			suffix := fmt.Sprintf("%d-%s", port, strings.ToLower(string(proto)))
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{
				Name:  "cont-" + suffix,
				Image: "registry.k8s.io/e2e-test-images/agnhost",
				Ports: []corev1.ContainerPort{{Name: "serve-" + suffix, ContainerPort: port, Protocol: proto}},
			})
		}
	}
	ip := e2ePodIP(ns, name).String()
	p.Status.PodIP = ip
	p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	return p
}

func e2ePatternMatches(pattern, pod string) bool {
	if pattern == "*" {
		return true
	}
	pns, ppod, _ := strings.Cut(pattern, "/")
	ns, name, _ := strings.Cut(pod, "/")
	return (pns == "*" || pns == ns) && (ppod == "*" || ppod == name)
}

// e2eTable is the expected verdict of every ordered pair of distinct pods.
func e2eTable(overrides []e2eOverride) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, from := range e2eAllPods() {
		for _, to := range e2eAllPods() {
			if from == to {
				continue
			}
			v := true
			for _, o := range overrides {
				if e2ePatternMatches(o.From, from) && e2ePatternMatches(o.To, to) {
					v = o.Allowed
				}
			}
			out[[2]string{from, to}] = v
		}
	}
	return out
}

func e2eAllPods() []string {
	var out []string
	for _, ns := range e2eNamespaces {
		for _, p := range e2ePodNames {
			out = append(out, ns+"/"+p)
		}
	}
	return out
}

// e2eCompare evaluates every pair of distinct pods on one (port,
// protocol) and compares with a table: how many cells agree, and a report
// of each one that does not.
func e2eCompare(m *Model, proto Protocol, port int, want map[[2]string]bool) (agree int, bad []string) {
	byRef := map[string]*Workload{}
	for _, w := range m.Workloads {
		byRef[w.Namespace+"/"+w.Name] = w
	}
	for _, from := range e2eAllPods() {
		for _, to := range e2eAllPods() {
			if from == to {
				continue
			}
			exp := want[[2]string{from, to}]
			e := m.Explain(Endpoint{Workload: byRef[from]}, Endpoint{Workload: byRef[to]}, proto, port)
			if e.Allowed == exp {
				agree++
				continue
			}
			bad = append(bad, fmt.Sprintf("  %s -> %s: want %s, got %s\n%s", from, to, e2eVerdict(exp), e2eVerdict(e.Allowed), e2eDescribe(e)))
		}
	}
	return agree, bad
}

// e2eCheck requires the engine to reproduce a table; it returns how many
// cells agree.
func e2eCheck(t *testing.T, label string, m *Model, proto Protocol, port int, want map[[2]string]bool) int {
	t.Helper()
	agree, bad := e2eCompare(m, proto, port, want)
	if len(bad) > 0 {
		t.Errorf("%s %s/%d: %d of %d pairs disagree\n%s\nexpected:\n%s", label, proto, port, len(bad), len(bad)+agree, strings.Join(bad, "\n"), e2eFormat(want))
	}
	return agree
}

func e2eVerdict(b bool) string {
	if b {
		return "allowed"
	}
	return "denied"
}

// e2eFormat prints a table as upstream does: rows are sources, columns
// destinations, "." allowed, "X" denied, "-" not graded.
func e2eFormat(tab map[[2]string]bool) string {
	var b strings.Builder
	pods := e2eAllPods()
	b.WriteString("    -  ")
	for _, p := range pods {
		b.WriteString(" " + p)
	}
	b.WriteByte('\n')
	for _, from := range pods {
		b.WriteString("    " + from)
		for _, to := range pods {
			c := "-"
			if from != to {
				c = "X"
				if tab[[2]string{from, to}] {
					c = "."
				}
			}
			b.WriteString("   " + c)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// describeExplanation prints both sides of a verdict.
func e2eDescribe(e Explanation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "    %s -> %s %s/%d: %s (allowed overall: %s)\n", e.From, e.To, e.Protocol, e.Port, e2eVerdict(e.Allowed), e.Conns)
	for _, s := range []*Side{e.Egress, e.Ingress} {
		if s == nil {
			continue
		}
		fmt.Fprintf(&b, "      %s of %s: ", s.Direction, s.Workload.Ref())
		if !s.Isolated {
			b.WriteString("not isolated")
		} else {
			var refs []string
			for _, p := range s.Selecting {
				refs = append(refs, p.Ref())
			}
			fmt.Fprintf(&b, "isolated by %s", strings.Join(refs, ", "))
			for _, r := range s.Rules {
				fmt.Fprintf(&b, "; %s %s allows %s", r.Rule.Policy.Ref(), r.Rule.Field(), r.Conns)
			}
			if len(s.Rules) == 0 {
				b.WriteString("; no rule takes in the other end")
			}
		}
		if s.Note != "" {
			b.WriteString(" (" + s.Note + ")")
		}
		fmt.Fprintf(&b, " => %s\n", s.Conns)
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s e2eStep) label(i int) string {
	if s.Name == "" {
		return fmt.Sprintf("step %d", i+1)
	}
	return fmt.Sprintf("step %d (%s)", i+1, s.Name)
}

// TestUpstreamE2E reproduces every truth table of the upstream e2e suite.
func TestUpstreamE2E(t *testing.T) {
	cases, checks, tables := 0, 0, 0
	for _, c := range e2eCases {
		t.Run(c.name(), func(t *testing.T) {
			cases++
			for i, s := range c.Steps {
				m := e2eModel(t, s, Options{})
				for _, p := range s.Probes {
					tables++
					checks += e2eCheck(t, s.label(i), m, p.Protocol, p.Port, e2eTable(p.Expect))
				}
			}
		})
	}
	t.Logf("%d cases, %d truth tables, %d (pair, port, protocol) checks agree", cases, tables, checks)
}

// TestUpstreamE2ECIDRIgnoringPods runs the CIDR cases with ipBlocks that
// see external addresses only (Cilium's behaviour, Options.IPBlocksIgnorePods):
// the egress rules then take in no pod, so x/a may reach no pod at all,
// and every table differs from upstream's.
func TestUpstreamE2ECIDRIgnoringPods(t *testing.T) {
	n, checks, diffs := 0, 0, 0
	for _, c := range e2eCases {
		if !c.CIDR {
			continue
		}
		n++
		t.Run(c.name(), func(t *testing.T) {
			for i, s := range c.Steps {
				m := e2eModel(t, s, Options{IPBlocksIgnorePods: true})
				for _, p := range s.Probes {
					if p.IgnorePods == nil {
						t.Fatalf("%s: no table for IPBlocksIgnorePods", s.label(i))
					}
					upstream, ignoring := e2eTable(p.Expect), e2eTable(p.IgnorePods)
					differ := 0
					for k, v := range upstream {
						if ignoring[k] != v {
							differ++
						}
					}
					if differ == 0 {
						t.Errorf("%s: the IPBlocksIgnorePods table equals upstream's", s.label(i))
					}
					checks += e2eCheck(t, s.label(i)+" with IPBlocksIgnorePods", m, p.Protocol, p.Port, ignoring)
					// The default options really answer otherwise, in
					// exactly the cells where the two tables differ.
					_, bad := e2eCompare(e2eModel(t, s, Options{}), p.Protocol, p.Port, ignoring)
					if len(bad) != differ {
						t.Errorf("%s: default options differ from the IPBlocksIgnorePods table in %d pairs, want %d", s.label(i), len(bad), differ)
					}
					diffs += differ
				}
			}
		})
	}
	t.Logf("%d CIDR cases, %d checks agree with IPBlocksIgnorePods, %d cells differ from upstream", n, checks, diffs)
	if n != 3 {
		t.Errorf("%d CIDR cases, want 3 (34-36)", n)
	}
}

// TestUpstreamE2EModel checks the fixture itself: the addresses the CIDR
// cases rely on, and that the tables can fail.
func TestUpstreamE2EModel(t *testing.T) {
	xb, xc := e2ePodIP("x", "b"), e2ePodIP("x", "c")
	large := netip.PrefixFrom(xb, 4).Masked()
	seen := map[netip.Addr]string{}
	for _, ns := range e2eNamespaces {
		for _, p := range e2ePodNames {
			ip := e2ePodIP(ns, p)
			if other, ok := seen[ip]; ok {
				t.Errorf("%s/%s and %s share %s", ns, p, other, ip)
			}
			seen[ip] = ns + "/" + p
			if !large.Contains(ip) {
				t.Errorf("%s/%s (%s) is outside %s", ns, p, ip, large)
			}
		}
	}
	if !large.Contains(xc) {
		t.Errorf("x/c %s is not in the /4 of x/b %s", xc, large)
	}
	if len(e2eCases) != 42+6 {
		t.Errorf("%d cases, want 42 + 3 UDP + 3 SCTP", len(e2eCases))
	}
	// Every override names pods that exist (a typo would match nothing
	// and silently leave cells allowed).
	for _, c := range e2eCases {
		for _, s := range c.Steps {
			for _, p := range s.Probes {
				for _, o := range append(append([]e2eOverride{}, p.Expect...), p.IgnorePods...) {
					var from, to bool
					for _, pod := range e2eAllPods() {
						from = from || e2ePatternMatches(o.From, pod)
						to = to || e2ePatternMatches(o.To, pod)
					}
					if !from || !to {
						t.Errorf("case %s: override %s -> %s matches no pod", c.ID, o.From, o.To)
					}
				}
			}
		}
	}
	// A flipped cell must be caught, and reported once.
	m := e2eModel(t, e2eStepOf(e2eDenyIngressX), Options{})
	want := e2eTable([]e2eOverride{e2eDeny("*", "x/*")})
	if agree, bad := e2eCompare(m, TCP, 80, want); len(bad) != 0 || agree != 72 {
		t.Fatalf("default-deny-ingress: %d agree, %d disagree", agree, len(bad))
	}
	want[[2]string{"y/a", "x/b"}] = true
	if _, bad := e2eCompare(m, TCP, 80, want); len(bad) != 1 || !strings.Contains(bad[0], "y/a -> x/b: want allowed, got denied") {
		t.Errorf("a table with one flipped cell: %q", bad)
	}
}
