package netpolcheck

import (
	"fmt"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/netpol"
)

type adminAllowAll struct{}

func (adminAllowAll) Meta() check.Meta {
	return check.Meta{ID: "netpol/admin-allow-all", Title: "AdminNetworkPolicy Allow rule open to every peer", Severity: finding.SeverityMedium,
		Category: finding.CategoryCluster,
		Why: "An AdminNetworkPolicy Allow is final: no NetworkPolicy of the pods it selects can restrict what it admits. A rule that allows every pod of every " +
			"namespace, or 0.0.0.0/0 or ::/0, takes isolation away from every pod of its subject (on every port when it names none).",
		Remediation: "name the peers and ports the rule is for, or use action Pass to leave the decision to the namespaces' NetworkPolicies",
		Kinds:       []string{"AdminNetworkPolicy"}}
}

// CheckInventory reports Allow rules of AdminNetworkPolicies whose peers
// take in everything: high when they name no ports either.
func (adminAllowAll) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, p := range m.Admin {
		for _, r := range append(append([]*netpol.AdminRule{}, p.IngressRules...), p.EgressRules...) {
			if r.Effective() != netpol.Allow {
				continue
			}
			why := adminOpenTo(r)
			if why == "" {
				continue
			}
			sev, ports := finding.Severity(0), "on its ports"
			if r.AllPorts {
				sev, ports = finding.SeverityHigh, "on every port"
			}
			report(check.Result{Object: p.Object, Field: r.Field(), Severity: sev,
				Message:  fmt.Sprintf("%s allows %s %s; no NetworkPolicy can restrict it", r, why, ports),
				Evidence: map[string]any{"priority": p.Priority, "rule": r.Name, "direction": string(r.Direction)}})
		}
	}
}

// adminOpenTo says why a rule's peers take in everything, or "".
func adminOpenTo(r *netpol.AdminRule) string {
	for _, pe := range r.Peers {
		switch {
		case pe.Namespaces != nil && pe.Namespaces.Empty() && (pe.Pods == nil || pe.Pods.Empty()):
			return "every pod of every namespace"
		case pe.Networks != nil:
			for _, n := range pe.Networks {
				if n.Bits() == 0 {
					return "every address (" + n.String() + ")"
				}
			}
		}
	}
	return ""
}
