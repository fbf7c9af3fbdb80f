package netpolcheck_test

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

const app = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x}]}
---
`

func policy(spec string) string {
	return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n" + spec + "\n---\n"
}

func anp(rules string) string {
	return "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: p}\nspec:\n  priority: 10\n  subject: {namespaces: {}}\n" + rules + "\n---\n"
}

func banp(rules string) string {
	return "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n" + rules + "\n---\n"
}

func TestChecks(t *testing.T) {
	denyAll := policy("  podSelector: {}\n  policyTypes: [Ingress, Egress]")
	cases := []struct {
		name, docs, check string
		want              int
	}{
		{"no policies", app, "netpol/no-default-deny", 2},
		{"default deny both ways", app + denyAll, "netpol/no-default-deny", 0},
		{"ingress only", app + policy("  podSelector: {}"), "netpol/no-default-deny", 1},
		{"baseline denies pods both ways", app + banp("  ingress: [{name: deny, action: Deny, from: [{namespaces: {}}]}]\n  egress: [{name: deny, action: Deny, to: [{namespaces: {}}]}]"), "netpol/no-default-deny", 2},
		{"baseline denies pods and addresses out", app + banp("  egress: [{name: deny, action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0, '::/0']}]}]"), "netpol/no-default-deny", 1},
		{"baseline denies some ports only", app + banp("  egress: [{name: deny, action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0, '::/0']}], ports: [{portNumber: {protocol: TCP, port: 80}}]}]"), "netpol/no-default-deny", 2},
		{"baseline for other namespaces", app + strings.Replace(banp("  egress: [{name: deny, action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0, '::/0']}]}]"), "subject: {namespaces: {}}", "subject: {namespaces: {matchLabels: {team: x}}}", 1), "netpol/no-default-deny", 2},
		{"not isolated", app, "netpol/workload-not-isolated", 1},
		{"isolated by default deny", app + denyAll, "netpol/workload-not-isolated", 0},
		{"rule with no peers", app + policy("  podSelector: {}\n  ingress: [{ports: [{port: 80}]}]"), "netpol/allow-all-ingress", 1},
		{"every namespace", app + policy("  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}}]}]"), "netpol/allow-all-ingress", 1},
		{"every namespace, some pods", app + policy("  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: x}}}]}]"), "netpol/allow-all-ingress", 0},
		{"egress to 0.0.0.0/0", app + policy("  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]"), "netpol/allow-all-egress", 1},
		{"egress open, but not an egress policy", app + policy("  podSelector: {}\n  policyTypes: [Ingress]\n  egress: [{}]"), "netpol/allow-all-egress", 0},
		{"internet", app + policy("  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 8.8.8.0/24}}]}]"), "netpol/egress-to-internet", 1},
		{"private only", app + policy("  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 10.20.0.0/16}}]}]"), "netpol/egress-to-internet", 0},
		{"metadata through 0.0.0.0/0", app + policy("  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]"), "netpol/cloud-metadata-reachable", 1},
		{"metadata excepted", app + policy("  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]"), "netpol/cloud-metadata-reachable", 0},
		{"no egress policy is no-default-deny's", app, "netpol/cloud-metadata-reachable", 0},
		{"all ports", app + policy("  podSelector: {}\n  ingress: [{from: [{podSelector: {matchLabels: {app: db}}}]}]"), "netpol/all-ports", 1},
		{"ports given", app + policy("  podSelector: {}\n  ingress: [{from: [{podSelector: {}}], ports: [{port: 80}]}]"), "netpol/all-ports", 0},
		{"selects nothing", app + policy("  podSelector: {matchLabels: {app: wbe}}"), "netpol/selects-nothing", 1},
		{"peer selects nothing", app + policy("  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: fronted}}}]}]"), "netpol/selects-nothing", 1},
		{"no workloads to judge by", policy("  podSelector: {matchLabels: {app: wbe}}"), "netpol/selects-nothing", 0},
		{"admin Allow to every namespace", app + anp("  ingress: [{name: all, action: Allow, from: [{namespaces: {}}]}]"), "netpol/admin-allow-all", 1},
		{"admin Allow to every pod, ports given", app + anp("  egress: [{name: all, action: Allow, to: [{pods: {namespaceSelector: {}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 443}}]}]"), "netpol/admin-allow-all", 1},
		{"admin Allow to the internet", app + anp("  egress: [{name: all, action: Allow, to: [{networks: [10.0.0.0/8, '::/0']}]}]"), "netpol/admin-allow-all", 1},
		{"admin Pass to every namespace", app + anp("  ingress: [{name: all, action: Pass, from: [{namespaces: {}}]}]"), "netpol/admin-allow-all", 0},
		{"admin Allow to some namespaces", app + anp("  ingress: [{name: mon, action: Allow, from: [{namespaces: {matchLabels: {team: monitoring}}}]}]"), "netpol/admin-allow-all", 0},
		{"selects its workload", app + policy("  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]"), "netpol/selects-nothing", 0},
	}
	for _, c := range cases {
		got := checktest.Find(checktest.Scan(t, c.docs, nil), c.check)
		if len(got) != c.want {
			t.Errorf("%s: %s gave %d findings, want %d: %+v", c.name, c.check, len(got), c.want, got)
		}
		for _, f := range got {
			if f.Location.Line == 0 || f.Message == "" {
				t.Errorf("%s: finding without a line: %+v", c.name, f)
			}
		}
	}
}

// TestBaselineStandsInForDefaultDeny: a BaselineAdminNetworkPolicy that
// denies every pod stands in for a default deny as far as its peers
// reach: ingress from outside the cluster stays open (low), egress to
// addresses too unless it denies them (info), and nothing is left when it
// denies both.
func TestBaselineStandsInForDefaultDeny(t *testing.T) {
	rep := checktest.Scan(t, app+banp("  ingress: [{name: deny, action: Deny, from: [{namespaces: {}}]}]\n  egress: [{name: deny, action: Deny, to: [{namespaces: {}}]}]"), nil)
	got := map[string]finding.Severity{}
	for _, f := range checktest.Find(rep, "netpol/no-default-deny") {
		got[f.Evidence["direction"].(string)] = f.Severity
		if !strings.Contains(f.Message, "BaselineAdminNetworkPolicy") {
			t.Errorf("the message must say what the baseline covers: %s", f.Message)
		}
	}
	if got["Ingress"] != finding.SeverityLow || got["Egress"] != finding.SeverityInfo {
		t.Errorf("severities by direction: %v, want Ingress low and Egress info", got)
	}
}
