package netpol_test

// Table tests of the AdminNetworkPolicy and BaselineAdminNetworkPolicy
// layers, on fixtures of our own written after the scenarios of the
// network-policy-api conformance suite (sigs.k8s.io/network-policy-api
// conformance/tests): houses as namespaces, one pod per house, rules in
// every order and action, priorities, Pass into NetworkPolicies or the
// baseline, ports by number, range and name, egress networks.
//
// The fixtures are decoded strictly, through rampart's own file source:
// an unknown or misspelt field, or a kind rampart would not type, fails
// the test instead of silently dropping a rule.

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/netpol"
	"github.com/rampart-k8s/rampart/pkg/source"
)

// The houses: namespaces labelled house=<name>, one pod each, with pod
// IPs; two in gryffindor, whose web ports differ, and two in slytherin
// that only their addresses tell apart; the centaur of the forbidden
// forest runs on the host network.
const anpWorld = `apiVersion: v1
kind: Namespace
metadata: {name: gryffindor, labels: {house: gryffindor}}
---
apiVersion: v1
kind: Namespace
metadata: {name: slytherin, labels: {house: slytherin}}
---
apiVersion: v1
kind: Namespace
metadata: {name: hufflepuff, labels: {house: hufflepuff}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ravenclaw, labels: {house: ravenclaw}}
---
apiVersion: v1
kind: Namespace
metadata: {name: forbidden-forest, labels: {house: forbidden-forest}}
---
apiVersion: v1
kind: Pod
metadata: {name: harry-potter, namespace: gryffindor, labels: {house: gryffindor, role: seeker}}
spec:
  containers:
  - {name: server, image: agnhost, ports: [{name: web, containerPort: 80}, {name: dns, containerPort: 53, protocol: UDP}]}
status: {podIP: 10.1.1.10, podIPs: [{ip: 10.1.1.10}]}
---
apiVersion: v1
kind: Pod
metadata: {name: hermione-granger, namespace: gryffindor, labels: {house: gryffindor, role: prefect}}
spec:
  containers:
  - {name: server, image: agnhost, ports: [{name: web, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]}
status: {podIP: 10.1.1.11, podIPs: [{ip: 10.1.1.11}]}
---
apiVersion: v1
kind: Pod
metadata: {name: draco-malfoy, namespace: slytherin, labels: {house: slytherin}}
spec:
  containers:
  - {name: server, image: agnhost, ports: [{name: web, containerPort: 80}, {name: dns, containerPort: 53, protocol: UDP}]}
status: {podIP: 10.1.2.10, podIPs: [{ip: 10.1.2.10}]}
---
apiVersion: v1
kind: Pod
metadata: {name: gregory-goyle, namespace: slytherin, labels: {house: slytherin}}
spec:
  containers:
  - {name: server, image: agnhost, ports: [{name: web, containerPort: 80}, {name: dns, containerPort: 53, protocol: UDP}]}
status: {podIP: 10.1.2.11, podIPs: [{ip: 10.1.2.11}]}
---
apiVersion: v1
kind: Pod
metadata: {name: cedric-diggory, namespace: hufflepuff, labels: {house: hufflepuff}}
spec:
  containers:
  - {name: server, image: agnhost, ports: [{name: web, containerPort: 80}, {name: dns, containerPort: 53, protocol: UDP}]}
status: {podIP: 10.1.3.10, podIPs: [{ip: 10.1.3.10}]}
---
apiVersion: v1
kind: Pod
metadata: {name: luna-lovegood, namespace: ravenclaw, labels: {house: ravenclaw}}
spec:
  containers:
  - name: server
    image: agnhost
    ports:
    - {name: web, containerPort: 80}
    - {name: dns, containerPort: 53, protocol: UDP}
    - {name: assoc, containerPort: 9003, protocol: SCTP}
status: {podIP: 10.1.4.10, podIPs: [{ip: 10.1.4.10}]}
---
apiVersion: v1
kind: Pod
metadata: {name: centaur, namespace: forbidden-forest, labels: {house: forbidden-forest}}
spec:
  hostNetwork: true
  containers:
  - {name: server, image: agnhost, ports: [{name: web-36363, containerPort: 36363}]}
status: {podIP: 192.168.0.5, podIPs: [{ip: 192.168.0.5}]}
`

// strictObjects decodes documents through rampart's file source and
// returns every way they fall short of strict decoding: input errors,
// unknown or ill-typed fields, kinds that are not typed.
func strictObjects(docs string) ([]*inventory.Object, []string) {
	objs, errs := source.Parse("fixture.yaml", []byte(docs), source.Limits{})
	var issues []string
	for _, e := range errs {
		issues = append(issues, e.Message)
	}
	for _, o := range objs {
		if o.Typed == nil {
			issues = append(issues, fmt.Sprintf("%s %s %s is not a kind rampart types", o.APIVersion, o.Kind, o.Name))
		}
		for _, is := range o.FieldIssues {
			issues = append(issues, fmt.Sprintf("%s %s: %s: %s", o.Kind, o.Name, is.Path, is.Message))
		}
	}
	return objs, issues
}

// anpModel builds the model of the houses plus policies, strictly.
func anpModel(t *testing.T, policies string) *netpol.Model {
	t.Helper()
	objs, issues := strictObjects(anpWorld + "---\n" + policies)
	if len(issues) > 0 {
		t.Fatalf("fixture does not decode strictly: %v", issues)
	}
	return netpol.NewModel(inventory.New(objs), netpol.Options{})
}

// describe writes a verdict compactly: "ANP policy/rule Action",
// "BANP default/rule Action", "NP", "default" or "host-network", after
// "Pass policy/rule > " when a Pass handed the connection on.
func describe(v netpol.Verdict) string {
	s := ""
	if v.Passed != nil {
		s = "Pass " + v.Passed.Policy.Name + "/" + v.Passed.Name + " > "
	}
	switch v.Layer {
	case netpol.LayerAdmin:
		return s + "ANP " + v.Rule.Policy.Name + "/" + v.Rule.Name + " " + string(v.Rule.Effective())
	case netpol.LayerBaseline:
		return s + "BANP " + v.Rule.Policy.Name + "/" + v.Rule.Name + " " + string(v.Rule.Effective())
	case netpol.LayerPolicy:
		return s + "NP"
	}
	return s + string(v.Layer)
}

type anpExpect struct {
	from, to, port string
	allowed        bool
	// egress and ingress are the expected describe() of each side; ""
	// leaves a side unchecked.
	egress, ingress string
}

type anpCase struct {
	name     string
	policies string
	expect   []anpExpect
	// problems are substrings the model's Problems must hold, one each;
	// none are allowed otherwise.
	problems []string
}

func endpoint(t *testing.T, m *netpol.Model, s string) netpol.Endpoint {
	t.Helper()
	if a, err := netip.ParseAddr(s); err == nil {
		return netpol.Endpoint{Addr: a}
	}
	eps, err := m.Select(s)
	if err != nil || len(eps) != 1 {
		t.Fatalf("%s: %v (%d)", s, err, len(eps))
	}
	return eps[0]
}

func parsePort(t *testing.T, s string) (netpol.Protocol, int) {
	t.Helper()
	var n int
	var p string
	if _, err := fmt.Sscanf(strings.Replace(s, "/", " ", 1), "%d %s", &n, &p); err != nil {
		t.Fatalf("port %q: %v", s, err)
	}
	return netpol.Protocol(p), n
}

func runANPCase(t *testing.T, c anpCase) {
	m := anpModel(t, c.policies)
	if len(m.Problems) != len(c.problems) {
		t.Fatalf("problems %q, want %d holding %q", m.Problems, len(c.problems), c.problems)
	}
	for i, want := range c.problems {
		if !strings.Contains(m.Problems[i], want) {
			t.Errorf("problem %d: %q, want it to hold %q", i, m.Problems[i], want)
		}
	}
	mx := m.Matrix(2)
	index := map[*netpol.Workload]int{}
	for i, w := range mx.Workloads {
		index[w] = i
	}
	for _, x := range c.expect {
		from, to := endpoint(t, m, x.from), endpoint(t, m, x.to)
		proto, port := parsePort(t, x.port)
		e := m.Explain(from, to, proto, port)
		what := fmt.Sprintf("%s → %s %s", x.from, x.to, x.port)
		if e.Allowed != x.allowed {
			t.Errorf("%s: allowed=%v, want %v", what, e.Allowed, x.allowed)
		}
		for _, side := range []struct {
			s    *netpol.Side
			want string
		}{{e.Egress, x.egress}, {e.Ingress, x.ingress}} {
			if side.want == "" {
				continue
			}
			if side.s == nil {
				t.Errorf("%s: no side for %q", what, side.want)
				continue
			}
			if got := describe(side.s.Verdict(proto, port)); got != side.want {
				t.Errorf("%s: %s decided by %q, want %q", what, side.s.Direction, got, side.want)
			}
		}
		if from.Workload != nil && to.Workload != nil {
			if got := mx.Conns[index[from.Workload]][index[to.Workload]].Has(proto, port); got != x.allowed {
				t.Errorf("%s: the matrix says allowed=%v", what, got)
			}
		}
	}
	// The matrix, computed by classes, equals Explain on every pair.
	for i, a := range mx.Workloads {
		for j, b := range mx.Workloads {
			if want := m.Conns(netpol.Endpoint{Workload: a}, netpol.Endpoint{Workload: b}); !mx.Conns[i][j].Equal(want) {
				t.Errorf("matrix %s → %s = %s, Explain says %s", a.Ref(), b.Ref(), mx.Conns[i][j], want)
			}
		}
	}
}

const (
	harry    = "gryffindor/harry-potter"
	hermione = "gryffindor/hermione-granger"
	draco    = "slytherin/draco-malfoy"
	cedric   = "hufflepuff/cedric-diggory"
	luna     = "ravenclaw/luna-lovegood"
	centaur  = "forbidden-forest/centaur"
)

// anp writes an AdminNetworkPolicy.
func anp(name string, priority int, subject, rules string) string {
	return fmt.Sprintf("apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: %s}\nspec:\n  priority: %d\n  subject: %s\n%s---\n",
		name, priority, subject, rules)
}

// banp writes the BaselineAdminNetworkPolicy.
func banp(subject, rules string) string {
	return fmt.Sprintf("apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: %s\n%s---\n",
		subject, rules)
}

func np(ns, name, spec string) string {
	return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: %s, namespace: %s}\nspec:\n%s---\n", name, ns, spec)
}

const (
	gryffindorNS   = "{namespaces: {matchLabels: {house: gryffindor}}}"
	gryffindorPods = "{pods: {namespaceSelector: {matchLabels: {house: gryffindor}}, podSelector: {matchLabels: {house: gryffindor}}}}"
)

// house is a namespaces peer.
func house(h string) string { return "{namespaces: {matchLabels: {house: " + h + "}}}" }

// housePods is a pods peer.
func housePods(h string) string {
	return "{pods: {namespaceSelector: {matchLabels: {house: " + h + "}}, podSelector: {matchLabels: {house: " + h + "}}}}"
}

func rule(name, action, key, peers, ports string) string {
	s := fmt.Sprintf("  - name: %s\n    action: %s\n    %s: [%s]\n", name, action, key, peers)
	if ports != "" {
		s += "    ports: [" + ports + "]\n"
	}
	return s
}

// The ingress rules of the conformance suite's TCP case, in its order:
// each house is first taken in by a rule of one action, so later rules
// for the same house never decide.
var ingressInOrder = anp("ingress-rules", 3, gryffindorNS, "  ingress:\n"+
	rule("allow-from-ravenclaw", "Allow", "from", house("ravenclaw"), "")+
	rule("deny-from-ravenclaw", "Deny", "from", house("ravenclaw"), "")+
	rule("pass-from-ravenclaw", "Pass", "from", house("ravenclaw"), "")+
	rule("deny-slytherin-web", "Deny", "from", house("slytherin"), "{portNumber: {protocol: TCP, port: 80}}")+
	rule("pass-slytherin-web", "Pass", "from", house("slytherin"), "{portNumber: {protocol: TCP, port: 80}}")+
	rule("allow-hufflepuff-web", "Allow", "from", house("hufflepuff"), "{portNumber: {protocol: TCP, port: 80}}")+
	rule("deny-hufflepuff", "Deny", "from", house("hufflepuff"), ""))

// The same with Pass rules first.
var ingressPassFirst = anp("ingress-rules", 3, gryffindorNS, "  ingress:\n"+
	rule("pass-from-ravenclaw", "Pass", "from", house("ravenclaw"), "")+
	rule("deny-from-ravenclaw", "Deny", "from", house("ravenclaw"), "")+
	rule("pass-slytherin-web", "Pass", "from", house("slytherin"), "{portNumber: {protocol: TCP, port: 80}}")+
	rule("deny-slytherin-web", "Deny", "from", house("slytherin"), "{portNumber: {protocol: TCP, port: 80}}"))

// The priority case: a Deny at 50, a Pass at 60 (or 40), a baseline that
// allows.
func priorityCase(passPriority int) string {
	return anp("deny-at-50", 50, gryffindorPods, "  ingress:\n"+
		rule("deny-ingress-from-slytherin", "Deny", "from", housePods("slytherin"), "")+
		"  egress:\n"+rule("deny-egress-to-slytherin", "Deny", "to", housePods("slytherin"), "")) +
		anp("pass", passPriority, gryffindorPods, "  ingress:\n"+
			rule("pass-ingress-from-slytherin", "Pass", "from", housePods("slytherin"), "")+
			"  egress:\n"+rule("pass-egress-to-slytherin", "Pass", "to", housePods("slytherin"), "")) +
		banp(gryffindorPods, "  ingress:\n"+
			rule("allow-ingress-from-slytherin", "Allow", "from", housePods("slytherin"), "")+
			"  egress:\n"+rule("allow-egress-to-slytherin", "Allow", "to", housePods("slytherin"), ""))
}

// The integration case: an ANP whose rules are Deny or Pass, a
// NetworkPolicy in gryffindor that admits slytherin both ways, a baseline
// that denies slytherin both ways.
func integration(action string, withNP bool) string {
	s := anp("pass-example", 10, gryffindorNS, "  ingress:\n"+
		rule("ingress-from-slytherin", action, "from", house("slytherin"), "")+
		"  egress:\n"+rule("egress-to-slytherin", action, "to", house("slytherin"), ""))
	if withNP {
		s += np("gryffindor", "allow-slytherin", `  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {house: slytherin}}}]}]
  egress: [{to: [{namespaceSelector: {matchLabels: {house: slytherin}}}]}]
`)
	}
	return s + banp(gryffindorNS, "  ingress:\n"+
		rule("deny-ingress-from-slytherin", "Deny", "from", house("slytherin"), "")+
		"  egress:\n"+rule("deny-egress-to-slytherin", "Deny", "to", house("slytherin"), ""))
}

var anpCases = []anpCase{
	{name: "rules in order: the first that takes the connection in decides", policies: ingressInOrder, expect: []anpExpect{
		{from: luna, to: harry, port: "80/TCP", allowed: true, ingress: "ANP ingress-rules/allow-from-ravenclaw Allow"},
		{from: luna, to: harry, port: "53/UDP", allowed: true, ingress: "ANP ingress-rules/allow-from-ravenclaw Allow"},
		{from: draco, to: harry, port: "80/TCP", allowed: false, egress: "default", ingress: "ANP ingress-rules/deny-slytherin-web Deny"},
		{from: draco, to: harry, port: "8080/TCP", allowed: true, ingress: "default"},
		{from: draco, to: harry, port: "80/UDP", allowed: true, ingress: "default"},
		{from: draco, to: hermione, port: "80/TCP", allowed: false, ingress: "ANP ingress-rules/deny-slytherin-web Deny"},
		{from: cedric, to: harry, port: "80/TCP", allowed: true, ingress: "ANP ingress-rules/allow-hufflepuff-web Allow"},
		{from: cedric, to: harry, port: "81/TCP", allowed: false, ingress: "ANP ingress-rules/deny-hufflepuff Deny"},
		{from: cedric, to: harry, port: "53/UDP", allowed: false, ingress: "ANP ingress-rules/deny-hufflepuff Deny"},
		{from: harry, to: draco, port: "80/TCP", allowed: true, egress: "default", ingress: "default"},
		{from: draco, to: cedric, port: "80/TCP", allowed: true, ingress: "default"},
		{from: hermione, to: harry, port: "80/TCP", allowed: true, ingress: "default"},
		{from: "203.0.113.9", to: harry, port: "80/TCP", allowed: true, ingress: "default"},
	}},
	{name: "Pass first: the later Deny is skipped", policies: ingressPassFirst, expect: []anpExpect{
		{from: luna, to: harry, port: "80/TCP", allowed: true, ingress: "Pass ingress-rules/pass-from-ravenclaw > default"},
		{from: draco, to: harry, port: "80/TCP", allowed: true, ingress: "Pass ingress-rules/pass-slytherin-web > default"},
		{from: draco, to: harry, port: "443/TCP", allowed: true, ingress: "default"},
	}},
	{name: "priority: the lower number is evaluated first", policies: priorityCase(60), expect: []anpExpect{
		{from: draco, to: harry, port: "80/TCP", allowed: false, egress: "default", ingress: "ANP deny-at-50/deny-ingress-from-slytherin Deny"},
		{from: harry, to: draco, port: "80/TCP", allowed: false, egress: "ANP deny-at-50/deny-egress-to-slytherin Deny", ingress: "default"},
		{from: cedric, to: harry, port: "80/TCP", allowed: true, ingress: "default"},
	}},
	{name: "priority: a Pass at 40 goes first, to the baseline", policies: priorityCase(40), expect: []anpExpect{
		{from: draco, to: harry, port: "80/TCP", allowed: true, ingress: "Pass pass/pass-ingress-from-slytherin > BANP default/allow-ingress-from-slytherin Allow"},
		{from: harry, to: draco, port: "8080/TCP", allowed: true, egress: "Pass pass/pass-egress-to-slytherin > BANP default/allow-egress-to-slytherin Allow"},
	}},
	{name: "an Allow beats a Deny of lower precedence", policies: anp("allow-web", 10, gryffindorNS, "  ingress:\n"+
		rule("allow-slytherin-web", "Allow", "from", house("slytherin"), "{portNumber: {protocol: TCP, port: 80}}")) +
		anp("deny-slytherin", 20, gryffindorNS, "  ingress:\n"+rule("deny-all-slytherin", "Deny", "from", house("slytherin"), "")),
		expect: []anpExpect{
			{from: draco, to: harry, port: "80/TCP", allowed: true, ingress: "ANP allow-web/allow-slytherin-web Allow"},
			{from: draco, to: harry, port: "8080/TCP", allowed: false, ingress: "ANP deny-slytherin/deny-all-slytherin Deny"},
			{from: draco, to: harry, port: "80/UDP", allowed: false, ingress: "ANP deny-slytherin/deny-all-slytherin Deny"},
		}},
	{name: "a Deny of higher precedence beats the Allow", policies: anp("allow-web", 30, gryffindorNS, "  ingress:\n"+
		rule("allow-slytherin-web", "Allow", "from", house("slytherin"), "{portNumber: {protocol: TCP, port: 80}}")) +
		anp("deny-slytherin", 20, gryffindorNS, "  ingress:\n"+rule("deny-all-slytherin", "Deny", "from", house("slytherin"), "")),
		expect: []anpExpect{
			{from: draco, to: harry, port: "80/TCP", allowed: false, ingress: "ANP deny-slytherin/deny-all-slytherin Deny"},
		}},
	{name: "Deny overrides a NetworkPolicy's allow, Allow its isolation", policies: np("gryffindor", "from-slytherin", `  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {house: slytherin}}}]}]
`) + anp("admin", 1, gryffindorNS, "  ingress:\n"+
		rule("deny-slytherin-web", "Deny", "from", house("slytherin"), "{portNumber: {protocol: TCP, port: 80}}")+
		rule("allow-hufflepuff", "Allow", "from", house("hufflepuff"), "")),
		expect: []anpExpect{
			{from: draco, to: harry, port: "80/TCP", allowed: false, ingress: "ANP admin/deny-slytherin-web Deny"},
			{from: draco, to: harry, port: "8080/TCP", allowed: true, ingress: "NP"},
			{from: cedric, to: harry, port: "80/TCP", allowed: true, ingress: "ANP admin/allow-hufflepuff Allow"},
			{from: luna, to: harry, port: "80/TCP", allowed: false, ingress: "NP"},
		}},
	{name: "Pass hands over to the NetworkPolicies", policies: integration("Pass", true), expect: []anpExpect{
		{from: draco, to: harry, port: "80/TCP", allowed: true, egress: "default", ingress: "Pass pass-example/ingress-from-slytherin > NP"},
		{from: draco, to: harry, port: "8080/TCP", allowed: true, ingress: "Pass pass-example/ingress-from-slytherin > NP"},
		{from: harry, to: draco, port: "80/TCP", allowed: true, egress: "Pass pass-example/egress-to-slytherin > NP", ingress: "default"},
		{from: luna, to: harry, port: "80/TCP", allowed: false, ingress: "NP"},
		{from: harry, to: luna, port: "80/TCP", allowed: false, egress: "NP"},
	}},
	{name: "Pass with no NetworkPolicy goes to the baseline", policies: integration("Pass", false), expect: []anpExpect{
		{from: draco, to: harry, port: "80/TCP", allowed: false, ingress: "Pass pass-example/ingress-from-slytherin > BANP default/deny-ingress-from-slytherin Deny"},
		{from: harry, to: draco, port: "80/TCP", allowed: false, egress: "Pass pass-example/egress-to-slytherin > BANP default/deny-egress-to-slytherin Deny"},
		{from: luna, to: harry, port: "80/TCP", allowed: true, ingress: "default"},
	}},
	{name: "Deny decides before the NetworkPolicies are asked", policies: integration("Deny", true), expect: []anpExpect{
		{from: draco, to: harry, port: "80/TCP", allowed: false, ingress: "ANP pass-example/ingress-from-slytherin Deny"},
		{from: harry, to: draco, port: "80/TCP", allowed: false, egress: "ANP pass-example/egress-to-slytherin Deny"},
	}},
	{name: "the baseline applies only where no NetworkPolicy selects the pod for the direction", policies: banp(gryffindorNS, "  ingress:\n"+
		rule("deny-from-slytherin", "Deny", "from", house("slytherin"), "")+
		"  egress:\n"+rule("deny-to-hufflepuff", "Deny", "to", house("hufflepuff"), "")) +
		np("gryffindor", "seeker-web", `  podSelector: {matchLabels: {role: seeker}}
  policyTypes: [Ingress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {house: slytherin}}}], ports: [{port: 80}]}]
`) + np("gryffindor", "prefect-egress", `  podSelector: {matchLabels: {role: prefect}}
  policyTypes: [Egress]
  egress: [{}]
`),
		expect: []anpExpect{
			{from: draco, to: harry, port: "80/TCP", allowed: true, ingress: "NP"},
			{from: draco, to: harry, port: "8080/TCP", allowed: false, ingress: "NP"},
			{from: draco, to: hermione, port: "80/TCP", allowed: false, ingress: "BANP default/deny-from-slytherin Deny"},
			{from: hermione, to: cedric, port: "80/TCP", allowed: true, egress: "NP"},
			{from: harry, to: cedric, port: "80/TCP", allowed: false, egress: "BANP default/deny-to-hufflepuff Deny"},
			{from: luna, to: hermione, port: "80/TCP", allowed: true, ingress: "default"},
		}},
	{name: "ports by name, number and range, per protocol", policies: anp("port-kinds", 5, gryffindorNS, "  ingress:\n"+
		rule("allow-named-web", "Allow", "from", house("ravenclaw"), "{namedPort: web}")+
		rule("deny-named-dns", "Deny", "from", house("ravenclaw"), "{namedPort: dns}")+
		rule("deny-tcp-range", "Deny", "from", house("ravenclaw"), "{portRange: {protocol: TCP, start: 8000, end: 8100}}")+
		rule("deny-udp-5353", "Deny", "from", house("ravenclaw"), "{portNumber: {protocol: UDP, port: 5353}}")+
		rule("deny-sctp-range", "Deny", "from", house("ravenclaw"), "{portRange: {protocol: SCTP, start: 9000, end: 9010}}")),
		expect: []anpExpect{
			{from: luna, to: harry, port: "80/TCP", allowed: true, ingress: "ANP port-kinds/allow-named-web Allow"},
			{from: luna, to: hermione, port: "80/TCP", allowed: true, ingress: "default"},
			{from: luna, to: hermione, port: "8080/TCP", allowed: true, ingress: "ANP port-kinds/allow-named-web Allow"},
			{from: luna, to: harry, port: "8080/TCP", allowed: false, ingress: "ANP port-kinds/deny-tcp-range Deny"},
			{from: luna, to: harry, port: "8000/TCP", allowed: false, ingress: "ANP port-kinds/deny-tcp-range Deny"},
			{from: luna, to: harry, port: "8100/TCP", allowed: false, ingress: "ANP port-kinds/deny-tcp-range Deny"},
			{from: luna, to: harry, port: "8101/TCP", allowed: true, ingress: "default"},
			{from: luna, to: harry, port: "7999/TCP", allowed: true, ingress: "default"},
			{from: luna, to: harry, port: "8050/UDP", allowed: true, ingress: "default"},
			{from: luna, to: harry, port: "53/UDP", allowed: false, ingress: "ANP port-kinds/deny-named-dns Deny"},
			{from: luna, to: harry, port: "53/TCP", allowed: true, ingress: "default"},
			{from: luna, to: harry, port: "5353/UDP", allowed: false, ingress: "ANP port-kinds/deny-udp-5353 Deny"},
			{from: luna, to: harry, port: "5353/TCP", allowed: true, ingress: "default"},
			{from: luna, to: harry, port: "9003/SCTP", allowed: false, ingress: "ANP port-kinds/deny-sctp-range Deny"},
			{from: luna, to: harry, port: "9003/TCP", allowed: true, ingress: "default"},
			{from: draco, to: harry, port: "8080/TCP", allowed: true, ingress: "default"},
		}},
	{name: "egress named ports resolve against the destination", policies: anp("egress-named", 6, house("ravenclaw"), "  egress:\n"+
		rule("deny-web", "Deny", "to", house("gryffindor"), "{namedPort: web}")+
		rule("deny-assoc", "Deny", "to", "{networks: [0.0.0.0/0]}", "{portNumber: {protocol: SCTP, port: 9003}}")),
		expect: []anpExpect{
			{from: luna, to: hermione, port: "8080/TCP", allowed: false, egress: "ANP egress-named/deny-web Deny"},
			{from: luna, to: hermione, port: "80/TCP", allowed: true, egress: "default"},
			{from: luna, to: harry, port: "80/TCP", allowed: false, egress: "ANP egress-named/deny-web Deny"},
			{from: luna, to: harry, port: "8080/TCP", allowed: true, egress: "default"},
			{from: luna, to: "8.8.8.8", port: "80/TCP", allowed: true, egress: "default"},
			{from: luna, to: harry, port: "9003/SCTP", allowed: false, egress: "ANP egress-named/deny-assoc Deny"},
			{from: harry, to: luna, port: "9003/SCTP", allowed: true, egress: "default"},
		}},
	{name: "egress networks take in addresses, pods' included", policies: anp("inline-cidr", 85,
		"{pods: {namespaceSelector: {matchLabels: {house: gryffindor}}, podSelector: {matchLabels: {role: seeker}}}}", "  egress:\n"+
			rule("allow-slytherin", "Allow", "to", housePods("slytherin"), "")+
			rule("allow-luna", "Allow", "to", "{networks: [10.1.4.10/32]}", "")+
			rule("deny-everything", "Deny", "to", "{networks: [0.0.0.0/0, '::/0']}", "")),
		expect: []anpExpect{
			{from: harry, to: draco, port: "80/TCP", allowed: true, egress: "ANP inline-cidr/allow-slytherin Allow"},
			{from: harry, to: luna, port: "80/TCP", allowed: true, egress: "ANP inline-cidr/allow-luna Allow"},
			{from: harry, to: cedric, port: "80/TCP", allowed: false, egress: "ANP inline-cidr/deny-everything Deny"},
			{from: harry, to: hermione, port: "8080/TCP", allowed: false, egress: "ANP inline-cidr/deny-everything Deny"},
			{from: harry, to: "8.8.8.8", port: "443/TCP", allowed: false, egress: "ANP inline-cidr/deny-everything Deny"},
			{from: harry, to: "2001:db8::1", port: "443/TCP", allowed: false, egress: "ANP inline-cidr/deny-everything Deny"},
			{from: harry, to: centaur, port: "36363/TCP", allowed: false, egress: "ANP inline-cidr/deny-everything Deny"},
			{from: hermione, to: "8.8.8.8", port: "443/TCP", allowed: true, egress: "default"},
			{from: cedric, to: harry, port: "80/TCP", allowed: true, ingress: "default"},
		}},
	{name: "pods that only their addresses tell apart", policies: anp("one-address", 9, gryffindorNS, "  egress:\n"+
		rule("deny-goyle", "Deny", "to", "{networks: [10.1.2.11/32]}", "")),
		expect: []anpExpect{
			{from: harry, to: "slytherin/gregory-goyle", port: "80/TCP", allowed: false, egress: "ANP one-address/deny-goyle Deny"},
			{from: harry, to: draco, port: "80/TCP", allowed: true, egress: "default"},
			{from: harry, to: "10.1.2.11", port: "80/TCP", allowed: false, egress: "ANP one-address/deny-goyle Deny"},
		}},
	{name: "a connection needs both directions", policies: anp("slytherin-out", 1, house("slytherin"), "  egress:\n"+
		rule("deny-to-gryffindor", "Deny", "to", house("gryffindor"), "")) +
		anp("gryffindor-in", 2, gryffindorNS, "  ingress:\n"+rule("allow-from-slytherin", "Allow", "from", house("slytherin"), "")),
		expect: []anpExpect{
			{from: draco, to: harry, port: "80/TCP", allowed: false, egress: "ANP slytherin-out/deny-to-gryffindor Deny", ingress: "ANP gryffindor-in/allow-from-slytherin Allow"},
			{from: harry, to: draco, port: "80/TCP", allowed: true, egress: "default", ingress: "default"},
		}},
	{name: "host-network pods are neither subjects nor peers", policies: anp("everyone", 1, "{namespaces: {}}", "  ingress:\n"+
		rule("deny-ingress", "Deny", "from", "{namespaces: {}}", "")+"  egress:\n"+rule("deny-egress", "Deny", "to", "{namespaces: {}}", "")),
		expect: []anpExpect{
			{from: draco, to: harry, port: "80/TCP", allowed: false, egress: "ANP everyone/deny-egress Deny", ingress: "ANP everyone/deny-ingress Deny"},
			{from: centaur, to: harry, port: "80/TCP", allowed: true, egress: "host-network", ingress: "default"},
			{from: harry, to: centaur, port: "36363/TCP", allowed: true, egress: "default", ingress: "host-network"},
			{from: "203.0.113.9", to: harry, port: "80/TCP", allowed: true, ingress: "default"},
			{from: harry, to: "203.0.113.9", port: "80/TCP", allowed: true, egress: "default"},
		}},
	{name: "a pods subject takes in only the pods its selector picks", policies: anp("prefects", 4,
		"{pods: {namespaceSelector: {matchLabels: {house: gryffindor}}, podSelector: {matchLabels: {role: prefect}}}}", "  ingress:\n"+
			rule("deny-all", "Deny", "from", "{namespaces: {}}", "")),
		expect: []anpExpect{
			{from: draco, to: hermione, port: "80/TCP", allowed: false, ingress: "ANP prefects/deny-all Deny"},
			{from: harry, to: hermione, port: "8080/TCP", allowed: false, ingress: "ANP prefects/deny-all Deny"},
			{from: draco, to: harry, port: "80/TCP", allowed: true, ingress: "default"},
		}},
	{name: "a pods peer takes in only the pods its selector picks", policies: anp("no-prefects", 4, house("ravenclaw"), "  egress:\n"+
		rule("deny-prefects", "Deny", "to", "{pods: {namespaceSelector: {matchLabels: {house: gryffindor}}, podSelector: {matchLabels: {role: prefect}}}}", "")),
		expect: []anpExpect{
			{from: luna, to: hermione, port: "8080/TCP", allowed: false, egress: "ANP no-prefects/deny-prefects Deny"},
			{from: luna, to: harry, port: "80/TCP", allowed: true, egress: "default"},
			{from: cedric, to: hermione, port: "8080/TCP", allowed: true, egress: "default"},
		}},
	{name: "a rule applies only to its own policy's subject", policies: anp("gryffindor-rule", 1, gryffindorNS, "  ingress:\n"+
		rule("deny-slytherin", "Deny", "from", house("slytherin"), "")) +
		anp("hufflepuff-rule", 2, house("hufflepuff"), "  ingress:\n"+rule("allow-ravenclaw", "Allow", "from", house("ravenclaw"), "")),
		expect: []anpExpect{
			{from: draco, to: cedric, port: "80/TCP", allowed: true, ingress: "default"},
			{from: draco, to: harry, port: "80/TCP", allowed: false, ingress: "ANP gryffindor-rule/deny-slytherin Deny"},
			{from: luna, to: cedric, port: "80/TCP", allowed: true, ingress: "ANP hufflepuff-rule/allow-ravenclaw Allow"},
			{from: luna, to: harry, port: "80/TCP", allowed: true, ingress: "default"},
		}},
	{name: "equal priorities are taken by name, and flagged", policies: anp("b-deny", 7, gryffindorNS, "  ingress:\n"+
		rule("deny-slytherin", "Deny", "from", house("slytherin"), "")) +
		anp("a-allow", 7, gryffindorNS, "  ingress:\n"+rule("allow-slytherin", "Allow", "from", house("slytherin"), "")),
		expect: []anpExpect{
			{from: draco, to: harry, port: "80/TCP", allowed: true, ingress: "ANP a-allow/allow-slytherin Allow"},
		},
		problems: []string{"AdminNetworkPolicies a-allow, b-deny share priority 7"}},
	{name: "a policy without rules in a direction does not touch it", policies: anp("ingress-only", 1, gryffindorNS, "  ingress:\n"+
		rule("deny-slytherin", "Deny", "from", house("slytherin"), "")) + banp(gryffindorNS, ""),
		expect: []anpExpect{
			{from: harry, to: draco, port: "80/TCP", allowed: true, egress: "default"},
			{from: draco, to: harry, port: "80/TCP", allowed: false, ingress: "ANP ingress-only/deny-slytherin Deny"},
		}},
}

func TestAdminNetworkPolicyLayers(t *testing.T) {
	checked := 0
	for _, c := range anpCases {
		t.Run(c.name, func(t *testing.T) { runANPCase(t, c) })
		checked += len(c.expect)
	}
	t.Logf("%d cases, %d connections", len(anpCases), checked)
}

// TestAdminNetworkPolicyProblems: what the API server would reject is
// reported, never a panic, and left out of the evaluation; what rampart
// does not model is said.
func TestAdminNetworkPolicyProblems(t *testing.T) {
	denyAll := "  ingress:\n" + rule("deny-all", "Deny", "from", "{namespaces: {}}", "")
	cases := []struct {
		name, doc, problem string
		// denied: whether the document still denies draco → harry 80.
		denied bool
	}{
		{"priority above 1000", anp("p", 1001, gryffindorNS, denyAll), "spec.priority 1001 is outside 0-1000", false},
		{"negative priority", anp("p", -1, gryffindorNS, denyAll), "spec.priority -1 is outside 0-1000", false},
		{"empty subject", anp("p", 1, "{}", denyAll), "spec.subject sets neither namespaces nor pods", false},
		{"two subjects", anp("p", 1, "{namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}", denyAll), "sets both namespaces and pods", false},
		{"unknown action", anp("p", 1, gryffindorNS, "  ingress:\n"+rule("r", "deny", "from", "{namespaces: {}}", "")), `unknown action "deny"`, false},
		{"no peers", anp("p", 1, gryffindorNS, "  ingress:\n  - {name: r, action: Deny, from: []}\n"), "spec.ingress[0].from: at least one peer is required", false},
		{"empty ports", anp("p", 1, gryffindorNS, "  ingress:\n  - {name: r, action: Deny, from: [{namespaces: {}}], ports: []}\n"), "spec.ingress[0].ports: empty", false},
		{"port with two kinds", anp("p", 1, gryffindorNS, "  ingress:\n"+rule("r", "Deny", "from", "{namespaces: {}}", "{portNumber: {protocol: TCP, port: 80}, namedPort: web}")), "exactly one of portNumber, portRange, namedPort", false},
		{"port with none", anp("p", 1, gryffindorNS, "  ingress:\n"+rule("r", "Deny", "from", "{namespaces: {}}", "{}")), "exactly one of portNumber, portRange, namedPort", false},
		{"inverted range", anp("p", 1, gryffindorNS, "  ingress:\n"+rule("r", "Deny", "from", "{namespaces: {}}", "{portRange: {start: 90, end: 80}}")), "portRange 90-80", false},
		{"port zero", anp("p", 1, gryffindorNS, "  ingress:\n"+rule("r", "Deny", "from", "{namespaces: {}}", "{portNumber: {protocol: TCP, port: 0}}")), "portNumber.port 0", false},
		{"unknown protocol", anp("p", 1, gryffindorNS, "  ingress:\n"+rule("r", "Deny", "from", "{namespaces: {}}", "{portNumber: {protocol: ICMP, port: 80}}")), `unknown protocol "ICMP"`, false},
		{"bad CIDR", anp("p", 1, house("slytherin"), "  egress:\n"+rule("r", "Deny", "to", "{networks: [10.0.0.0/33]}", "")), "spec.egress[0].to[0].networks", false},
		{"peer with two kinds", anp("p", 1, house("slytherin"), "  egress:\n"+rule("r", "Deny", "to", "{namespaces: {}, networks: [0.0.0.0/0]}", "")), "a peer sets exactly one of", false},
		{"bad selector", anp("p", 1, "{namespaces: {matchExpressions: [{key: house, operator: Near}]}}", denyAll), "spec.subject.namespaces", false},
		{"baseline not named default", strings.Replace(banp(gryffindorNS, denyAll), "name: default", "name: other", 1), "must be named default", false},
		{"Pass in the baseline", banp(gryffindorNS, "  ingress:\n"+rule("r", "Pass", "from", "{namespaces: {}}", "")), "action Pass is for AdminNetworkPolicies only", false},
		{"two baselines", banp(gryffindorNS, denyAll) + banp("{namespaces: {matchLabels: {house: nobody}}}", ""), "a second object of the same name", true},
		{"empty spec", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: p}\nspec: {}\n", "spec.subject sets neither", false},
		// Kept, with a note: the peer fails closed.
		{"peer without fields in a Deny rule", anp("p", 1, gryffindorNS, "  ingress:\n"+rule("r", "Deny", "from", "{}", "{portNumber: {protocol: TCP, port: 443}}")), "fail closed", true},
		{"peer without fields in an Allow rule", anp("p", 1, gryffindorNS, "  ingress:\n"+rule("r", "Allow", "from", "{}", "")+
			rule("deny", "Deny", "from", "{namespaces: {}}", "")), "fail closed", true},
		{"nodes peer", anp("p", 1, house("slytherin"), "  egress:\n"+rule("r", "Deny", "to", "{nodes: {}}", "")), "nodes peers are not modelled", false},
		{"domainNames peer", anp("p", 1, house("slytherin"), "  egress:\n"+rule("r", "Allow", "to", "{domainNames: [example.com]}", "")), "domainNames peers are not modelled", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := anpModel(t, c.doc)
			if len(m.Problems) != 1 || !strings.Contains(m.Problems[0], c.problem) {
				t.Fatalf("problems %q, want one holding %q", m.Problems, c.problem)
			}
			e := m.Explain(endpoint(t, m, draco), endpoint(t, m, harry), netpol.TCP, 80)
			if e.Allowed == c.denied {
				t.Errorf("draco → harry 80: allowed=%v, want %v", e.Allowed, !c.denied)
			}
			m.Matrix(1) // no panic
			m.ExternalRanges()
		})
	}
}

// TestFixturesDecodeStrictly: the strict decoding the fixtures go
// through catches a misspelt field of an AdminNetworkPolicy, and a kind
// rampart would not type.
func TestFixturesDecodeStrictly(t *testing.T) {
	good := anp("p", 1, gryffindorNS, "  ingress:\n"+rule("r", "Deny", "from", house("slytherin"), "{portNumber: {protocol: TCP, port: 80}}"))
	if _, issues := strictObjects(good); len(issues) > 0 {
		t.Fatalf("a good policy: %v", issues)
	}
	for _, bad := range []string{
		strings.Replace(good, "action:", "acton:", 1),
		strings.Replace(good, "portNumber:", "portNumbers:", 1),
		strings.Replace(good, "priority: 1", "priority: high", 1),
		strings.Replace(good, "policy.networking.k8s.io/v1alpha1", "policy.networking.k8s.io/v1alpha2", 1),
		strings.Replace(banp(gryffindorNS, ""), "subject:", "subjects:", 1),
	} {
		if _, issues := strictObjects(bad); len(issues) == 0 {
			t.Errorf("no issue found in\n%s", bad)
		}
	}
}

// TestConnSetMinus: set difference, which the layers are built on.
func TestConnSetMinus(t *testing.T) {
	m := anpModel(t, anp("p", 1, gryffindorNS, "  ingress:\n"+
		rule("r", "Deny", "from", house("slytherin"), "{portRange: {protocol: TCP, start: 10, end: 20}}, {portRange: {protocol: TCP, start: 30, end: 40}}, {portNumber: {protocol: UDP, port: 53}}")))
	e := m.Explain(endpoint(t, m, draco), endpoint(t, m, harry), netpol.TCP, 80)
	if got, want := e.Conns.String(), "TCP 1-9,21-29,41-65535; UDP 1-52,54-65535; SCTP"; got != want {
		t.Errorf("conns %q, want %q", got, want)
	}
	all := netpol.AllConns()
	if !all.Minus(all).Empty() || !all.Minus(netpol.ConnSet{}).Equal(all) {
		t.Error("all minus all must be empty, all minus nothing all")
	}
}
