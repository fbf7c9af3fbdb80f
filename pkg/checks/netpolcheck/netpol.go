// Package netpolcheck turns the NetworkPolicy engine's answers (pkg/netpol)
// into scan findings: namespaces and workloads without isolation, rules
// open to everyone, egress to the internet and to the cloud metadata
// service, rules without ports, selectors that select nothing,
// AdminNetworkPolicy Allow rules open to every peer.
package netpolcheck

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/netpol"
)

// Checks returns the NetworkPolicy checks.
func Checks() []check.Check {
	return []check.Check{noDefaultDeny{}, notIsolated{}, allowAll{netpol.Ingress}, allowAll{netpol.Egress}, egressToInternet{},
		metadataReachable{}, allPorts{}, selectsNothing{}, adminAllowAll{}}
}

func model(ctx *check.Context) *netpol.Model {
	return ctx.Shared("netpol.model", func() any { return netpol.NewModel(ctx.Inventory, netpol.Options{}) }).(*netpol.Model)
}

// namespaceObject is what a finding about a namespace points at: its
// Namespace object, or else its first workload.
func namespaceObject(ctx *check.Context, m *netpol.Model, ns string) *inventory.Object {
	if o := ctx.Inventory.Get("Namespace", "", ns); o != nil {
		return o
	}
	for _, w := range m.Workloads {
		if w.Namespace == ns {
			return w.Object
		}
	}
	return nil
}

type noDefaultDeny struct{}

func (noDefaultDeny) Meta() check.Meta {
	return check.Meta{ID: "netpol/no-default-deny", Title: "Namespace without a default-deny NetworkPolicy", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCluster,
		Why:         "Without a policy that selects every pod of the namespace, a new workload is open to every pod of the cluster (ingress) or may reach anything (egress) until someone writes a policy for it.",
		Remediation: "add a NetworkPolicy with podSelector: {} and policyTypes [Ingress] (and one for Egress, allowing DNS), then allow what each workload needs",
		Controls:    []string{"CIS 5.3.2"}, Kinds: []string{"Namespace"}}
}

// CheckInventory reports, per namespace with workloads, each direction no
// policy isolates for all its pods: ingress at the check's severity,
// egress one step lower.
func (noDefaultDeny) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	seen := map[string]bool{}
	for _, w := range m.Workloads {
		if seen[w.Namespace] || w.Namespace == "kube-system" {
			continue
		}
		seen[w.Namespace] = true
		for _, d := range []netpol.Direction{netpol.Ingress, netpol.Egress} {
			if m.IsolatesAll(w.Namespace, d) {
				continue
			}
			sev := finding.Severity(0)
			if d == netpol.Egress {
				sev = finding.SeverityLow
			}
			msg := fmt.Sprintf("namespace %s has workloads and no NetworkPolicy that selects all its pods for %s", w.Namespace, d)
			// The BaselineAdminNetworkPolicy decides for every pod no
			// NetworkPolicy selects: a deny-all there is a default deny,
			// as far as its peers reach.
			switch pods, outside := m.BaselineDefaultDeny(w.Namespace, d); {
			case pods && outside:
				continue
			case pods && d == netpol.Ingress:
				sev = finding.SeverityLow
				msg += ": the BaselineAdminNetworkPolicy denies ingress from pods by default, but not from outside the cluster, which only NetworkPolicies can restrict"
			case pods:
				sev = finding.SeverityInfo
				msg += ": the BaselineAdminNetworkPolicy denies egress to pods by default, but not to addresses outside the cluster"
			}
			report(check.Result{Object: namespaceObject(ctx, m, w.Namespace), Severity: sev, Message: msg,
				Evidence: map[string]any{"namespace": w.Namespace, "direction": string(d)}})
		}
	}
}

type notIsolated struct{}

func (notIsolated) Meta() check.Meta {
	return check.Meta{ID: "netpol/workload-not-isolated", Title: "Workload selected by no NetworkPolicy", Severity: finding.SeverityLow,
		Category:    finding.CategoryCluster,
		Why:         "A pod that no NetworkPolicy selects for ingress accepts connections from every pod of the cluster and from outside, on every port.",
		Remediation: "select the workload with a NetworkPolicy (or a namespace default-deny) and allow only its clients",
		Controls:    []string{"CIS 5.3.2"}, Kinds: check.WorkloadKinds}
}

func (notIsolated) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, w := range m.Workloads {
		if w.HostNetwork || w.Namespace == "kube-system" || m.Isolated(w, netpol.Ingress) {
			continue
		}
		report(check.Result{Object: w.Object, Field: "metadata",
			Message: fmt.Sprintf("no NetworkPolicy selects %s for ingress: every pod and address may connect to it on any port", w.Ref())})
	}
}

type allowAll struct{ d netpol.Direction }

func (a allowAll) Meta() check.Meta {
	dir, peer := "ingress", "source"
	if a.d == netpol.Egress {
		dir, peer = "egress", "destination"
	}
	return check.Meta{ID: "netpol/allow-all-" + dir, Title: fmt.Sprintf("NetworkPolicy %s rule open to every %s", dir, peer), Severity: finding.SeverityMedium,
		Category:    finding.CategoryCluster,
		Why:         fmt.Sprintf("A rule with no peers, namespaceSelector: {} without a podSelector, or an ipBlock of 0.0.0.0/0 or ::/0 allows every %s: the policy isolates nothing in that direction.", peer),
		Remediation: fmt.Sprintf("name the %ss the selected pods need, by podSelector and namespaceSelector", peer),
		Controls:    []string{"CIS 5.3.2"}, Kinds: []string{"NetworkPolicy"}}
}

func (a allowAll) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, p := range m.Policies {
		rules := p.IngressRules
		if a.d == netpol.Egress {
			rules = p.EgressRules
		}
		if !p.Types[a.d] {
			continue
		}
		for _, r := range rules {
			why := openTo(r)
			if why == "" {
				continue
			}
			sev := finding.Severity(0)
			if r.AllPorts {
				sev = finding.SeverityHigh
			}
			ports := "on every port"
			if !r.AllPorts {
				ports = "on its ports"
			}
			report(check.Result{Object: p.Object, Field: r.Field(), Severity: sev,
				Message: fmt.Sprintf("NetworkPolicy %s %s %s, %s", p.Ref(), r.Field(), why, ports)})
		}
	}
}

// openTo says why a rule takes in everyone, or "".
func openTo(r *netpol.Rule) string {
	if r.AllPeers {
		return "has no peers: it allows everyone"
	}
	for _, pe := range r.Peers {
		switch {
		case pe.Block != nil && pe.Block.CIDR.Bits() == 0 && len(pe.Block.Except) == 0:
			return "allows " + pe.Block.CIDR.String() + ", every address"
		case pe.Namespaces != nil && pe.Namespaces.Empty() && (pe.Pods == nil || pe.Pods.Empty()):
			return "allows every pod of every namespace (namespaceSelector: {})"
		}
	}
	return ""
}

type egressToInternet struct{}

func (egressToInternet) Meta() check.Meta {
	return check.Meta{ID: "netpol/egress-to-internet", Title: "NetworkPolicy allows egress to the internet", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCluster,
		Why:         "Egress to public addresses is how stolen data leaves and how malware reaches its controller; a policy that restricts egress should not open it wholesale.",
		Remediation: "allow the specific external ranges (or an egress proxy) the workload needs",
		Kinds:       []string{"NetworkPolicy"}}
}

// CheckInventory reports egress rules whose peers reach a public address:
// no peers, or an ipBlock holding one.
func (egressToInternet) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, p := range m.Policies {
		if !p.Types[netpol.Egress] {
			continue
		}
		for _, r := range p.EgressRules {
			var public []string
			if r.AllPeers {
				public = append(public, "every address (no peers)")
			}
			for _, pe := range r.Peers {
				if pe.Block != nil && holdsPublic(pe.Block) {
					public = append(public, pe.Block.CIDR.String())
				}
			}
			if len(public) == 0 {
				continue
			}
			report(check.Result{Object: p.Object, Field: r.Field(),
				Message: fmt.Sprintf("NetworkPolicy %s %s allows egress to public addresses: %s", p.Ref(), r.Field(), strings.Join(public, ", "))})
		}
	}
}

// notPublic are the ranges that are not the internet.
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("fe80::/10"), netip.MustParsePrefix("::1/128"),
}

// holdsPublic: does the block hold an address outside the private,
// shared, loopback and link-local ranges? (Exceptions are not subtracted:
// a block with holes still opens what is left.)
func holdsPublic(b *netpol.IPBlock) bool {
	for _, np := range notPublic {
		if np.Addr().Is4() == b.CIDR.Addr().Is4() && np.Bits() <= b.CIDR.Bits() && np.Contains(b.CIDR.Addr()) {
			return false
		}
	}
	return true
}

type metadataReachable struct{}

// metadataAddr is the cloud instance metadata service (AWS, GCP, Azure).
var metadataAddr = netip.MustParseAddr("169.254.169.254")

func (metadataReachable) Meta() check.Meta {
	return check.Meta{ID: "netpol/cloud-metadata-reachable", Title: "Workload with restricted egress can still reach the cloud metadata service", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCluster,
		Why:         "169.254.169.254 hands out the node's cloud credentials; a broad ipBlock such as 0.0.0.0/0 includes it unless it is excepted.",
		Remediation: "add 169.254.169.254/32 to the except list of broad ipBlocks (or block it at the node)",
		Kinds:       check.WorkloadKinds}
}

// CheckInventory reports workloads whose egress policies mean to restrict
// them but admit the metadata address. Workloads with no egress policy at
// all are netpol/no-default-deny's.
func (metadataReachable) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, w := range m.Workloads {
		if w.HostNetwork || !m.Isolated(w, netpol.Egress) {
			continue
		}
		e := m.Explain(netpol.Endpoint{Workload: w}, netpol.Endpoint{Addr: metadataAddr}, netpol.TCP, 80)
		if !e.Allowed {
			continue
		}
		var by []string
		for _, r := range e.Egress.Rules {
			by = append(by, r.Rule.Policy.Ref()+" "+r.Rule.Field())
		}
		report(check.Result{Object: w.Object, Field: "metadata",
			Message:  fmt.Sprintf("%s can reach the cloud metadata service %s on TCP 80 through %s", w.Ref(), metadataAddr, strings.Join(by, ", ")),
			Evidence: map[string]any{"rules": by}})
	}
}

type allPorts struct{}

func (allPorts) Meta() check.Meta {
	return check.Meta{ID: "netpol/all-ports", Title: "NetworkPolicy rule allows every port", Severity: finding.SeverityLow,
		Category:    finding.CategoryCluster,
		Why:         "A rule without ports admits every port and protocol of the peers it names, debugging and admin ports included.",
		Remediation: "list the ports (and protocols) the connection uses",
		Kinds:       []string{"NetworkPolicy"}}
}

func (allPorts) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, p := range m.Policies {
		for _, r := range append(append([]*netpol.Rule{}, p.IngressRules...), p.EgressRules...) {
			if !r.AllPorts || !p.Types[r.Direction] || openTo(r) != "" {
				continue // open rules are allow-all-*'s
			}
			report(check.Result{Object: p.Object, Field: r.Field(),
				Message: fmt.Sprintf("NetworkPolicy %s %s names its peers but no ports: every port and protocol is allowed", p.Ref(), r.Field())})
		}
	}
}

type selectsNothing struct{}

func (selectsNothing) Meta() check.Meta {
	return check.Meta{ID: "netpol/selects-nothing", Title: "NetworkPolicy or peer selects no workload", Severity: finding.SeverityLow,
		Category:    finding.CategoryCluster,
		Why:         "A selector that matches nothing is usually a typo in a label: the pods it was meant for are not protected, or not allowed, as intended.",
		Remediation: "fix the labels of the selector, or remove the policy",
		Kinds:       []string{"NetworkPolicy"}}
}

// CheckInventory reports policies whose podSelector matches no workload of
// their namespace, and peers that match no workload, where the input holds
// workloads to judge by (a policy scanned without its workloads proves
// nothing).
func (selectsNothing) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, p := range m.Policies {
		if !m.HasWorkloads(p.Namespace) {
			continue
		}
		if len(m.SelectedBy(p)) == 0 {
			report(check.Result{Object: p.Object, Field: "spec.podSelector",
				Message: fmt.Sprintf("NetworkPolicy %s selects no workload of namespace %s", p.Ref(), p.Namespace)})
		}
		for _, r := range append(append([]*netpol.Rule{}, p.IngressRules...), p.EgressRules...) {
			for i := range r.Peers {
				if r.Peers[i].Block != nil {
					continue
				}
				if judged, any := m.PeerSelectsAny(p, &r.Peers[i]); judged && !any {
					report(check.Result{Object: p.Object, Field: fmt.Sprintf("%s.%s[%d]", r.Field(), peerKey(r.Direction), i),
						Message: fmt.Sprintf("NetworkPolicy %s %s peer %d selects no workload of the input", p.Ref(), r.Field(), i)})
				}
			}
		}
	}
}

func peerKey(d netpol.Direction) string {
	if d == netpol.Ingress {
		return "from"
	}
	return "to"
}
