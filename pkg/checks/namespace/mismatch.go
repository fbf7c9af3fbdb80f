package namespace

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/checks/pss"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"k8s.io/pod-security-admission/api"
)

var levelRank = map[api.Level]int{api.LevelPrivileged: 0, api.LevelBaseline: 1, api.LevelRestricted: 2}

// psaMismatch compares each namespace's enforced Pod Security level with
// the workloads in it and with the configured floor.
type psaMismatch struct{}

func (psaMismatch) Meta() check.Meta {
	return check.Meta{
		ID: "cluster/pod-security-admission-mismatch", Title: "Namespace's Pod Security level does not fit its workloads", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCluster,
		Why:         "An enforce level weaker than the workloads need leaves room for worse pods; one below the organisation's floor breaks policy; workloads that violate the enforced level are rejected when they are recreated.",
		Remediation: "set pod-security.kubernetes.io/enforce to the strictest level all workloads pass (and at least podSecurity.floor), or fix the workloads that violate it",
		Controls:    []string{"CIS 5.2.1", "PSS"},
		Kinds:       []string{"Namespace"},
	}
}

func (psaMismatch) CheckInventory(ctx *check.Context, report func(check.Result)) {
	floor := api.Level(ctx.Config.PodSecurity.Floor)
	workloads := map[string][]*inventory.Object{}
	for _, o := range ctx.Inventory.Objects() {
		if o.PodTemplate() != nil && o.Namespace != "" {
			workloads[o.Namespace] = append(workloads[o.Namespace], o)
		}
	}
	for _, ns := range ctx.Inventory.ByKind("Namespace") {
		labels := ns.Labels()
		raw, ok := labels[api.EnforceLevelLabel]
		if !ok {
			continue // reported by namespace/no-pod-security-enforce
		}
		enforced, err := api.ParseLevel(raw)
		if err != nil {
			continue // an invalid level is reported by namespace/no-pod-security-enforce
		}
		version := api.LatestVersion()
		if v, ok := labels[api.EnforceVersionLabel]; ok {
			if pv, err := api.ParseVersion(v); err == nil {
				version = pv
			}
		}
		field := fmt.Sprintf("metadata.labels[%q]", api.EnforceLevelLabel)
		if floor != "" && levelRank[enforced] < levelRank[floor] {
			report(check.Result{Object: ns, Field: field, Severity: finding.SeverityHigh,
				Evidence: map[string]any{"enforced": string(enforced), "floor": string(floor)},
				Message:  fmt.Sprintf("namespace enforces %s, below the configured floor %s", enforced, floor)})
		}
		ws := workloads[ns.Name]
		if len(ws) == 0 {
			continue
		}
		weakest := api.LevelRestricted
		var violators []string
		for _, w := range ws {
			l := pss.Strongest(w.PodTemplate(), version)
			if levelRank[l] < levelRank[weakest] {
				weakest = l
			}
			if levelRank[l] < levelRank[enforced] {
				violators = append(violators, w.Kind+"/"+w.Name)
			}
		}
		slices.Sort(violators)
		switch {
		case len(violators) > 0:
			report(check.Result{Object: ns, Field: field, Severity: finding.SeverityHigh,
				Evidence: map[string]any{"enforced": string(enforced), "violating": violators},
				Message: fmt.Sprintf("namespace enforces %s, but %d workload(s) violate it and will be rejected when recreated: %s",
					enforced, len(violators), strings.Join(head(violators, 5), ", "))})
		case levelRank[weakest] > levelRank[enforced]:
			report(check.Result{Object: ns, Field: field, Severity: finding.SeverityLow,
				Evidence: map[string]any{"enforced": string(enforced), "workloadsPass": string(weakest), "workloads": len(ws)},
				Message:  fmt.Sprintf("namespace enforces %s, but all %d workload(s) in it pass %s: enforce %s", enforced, len(ws), weakest, weakest)})
		}
	}
}

func head(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("and %d more", len(s)-n))
}
