// Package namespace checks namespaces themselves: whether Pod Security
// admission enforces a level in them.
package namespace

import (
	"fmt"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"k8s.io/pod-security-admission/api"
)

// Checks returns the namespace checks.
func Checks() []check.Check { return []check.Check{noPodSecurityEnforce, psaMismatch{}} }

var noPodSecurityEnforce = &check.Func{
	M: check.Meta{
		ID: "namespace/no-pod-security-enforce", Title: "Namespace does not enforce Pod Security", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCluster,
		Why:         "Without an enforce label (or with privileged), Pod Security admission lets any pod, privileged ones included, into the namespace.",
		Remediation: "label the namespace pod-security.kubernetes.io/enforce: restricted (or baseline)",
		Controls:    []string{"CIS 5.2.1", "PSS"},
		Kinds:       []string{"Namespace"},
	},
	Fn: func(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
		if obj.Kind != "Namespace" || obj.APIVersion != "v1" {
			return
		}
		level, ok := obj.Labels()[api.EnforceLevelLabel]
		field := fmt.Sprintf("metadata.labels[%q]", api.EnforceLevelLabel)
		switch {
		case !ok:
			report(check.Result{Field: "metadata", Message: "namespace has no " + api.EnforceLevelLabel + " label"})
		case level == string(api.LevelPrivileged):
			report(check.Result{Field: field, Message: "namespace enforces the privileged level, which allows every pod"})
		default:
			if _, err := api.ParseLevel(level); err != nil {
				report(check.Result{Field: field, Severity: finding.SeverityHigh,
					Message: fmt.Sprintf("namespace sets %s to %q, which is not a level: the API server rejects the namespace", api.EnforceLevelLabel, level)})
			}
		}
	},
}
