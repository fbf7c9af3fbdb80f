// Package container holds checks on how each container runs, beyond the
// Pod Security Standards.
package container

import (
	"fmt"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// Checks returns the container checks.
func Checks() []check.Check {
	return []check.Check{readOnlyRootFS}
}

var readOnlyRootFS = &check.Func{
	M: check.Meta{
		ID: "container/read-only-root-filesystem", Title: "Writable root filesystem", Severity: finding.SeverityMedium,
		Category:    finding.CategoryContainer,
		Why:         "A writable root filesystem lets an attacker drop tools and change binaries inside the container.",
		Remediation: "set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the app writes",
		Controls:    []string{"CIS 5.7.3"},
		Kinds:       check.WorkloadKinds,
	},
	Fn: func(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
		pod := obj.PodTemplate()
		if pod == nil {
			return
		}
		for _, c := range pod.Containers() {
			if c.Kind == "ephemeral container" {
				continue // debug containers are added by hand and short-lived
			}
			sc := c.C.SecurityContext
			if sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
				continue
			}
			report(check.Result{Field: c.Path + ".securityContext.readOnlyRootFilesystem",
				Message:  fmt.Sprintf("%s %q does not set securityContext.readOnlyRootFilesystem: true", c.Kind, c.C.Name),
				Evidence: map[string]any{"container": c.C.Name}})
		}
	},
}
