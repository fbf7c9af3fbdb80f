// Package workload holds checks on a workload's identity and isolation:
// which ServiceAccount it runs as, whether it mounts an API token, and
// whether untrusted code runs in a sandbox.
package workload

import (
	"fmt"
	"slices"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/glob"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
)

// Checks returns the workload checks.
func Checks() []check.Check {
	return []check.Check{defaultServiceAccount, automountToken, untrustedWithoutSandbox}
}

func serviceAccountName(spec *corev1.PodSpec) string {
	if spec.ServiceAccountName != "" {
		return spec.ServiceAccountName
	}
	if spec.DeprecatedServiceAccount != "" {
		return spec.DeprecatedServiceAccount
	}
	return "default"
}

var defaultServiceAccount = &check.Func{
	M: check.Meta{
		ID: "workload/default-service-account", Title: "Runs as the default ServiceAccount", Severity: finding.SeverityMedium,
		Category:    finding.CategoryContainer,
		Why:         "Every pod of the namespace shares the default ServiceAccount, so permissions granted to it reach them all.",
		Remediation: "create a ServiceAccount for the workload and set spec.serviceAccountName",
		Controls:    []string{"CIS 5.1.5"},
		Kinds:       check.WorkloadKinds,
	},
	Fn: func(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
		pod := obj.PodTemplate()
		if pod == nil || serviceAccountName(pod.Spec) != "default" {
			return
		}
		report(check.Result{Field: pod.SpecPath + ".serviceAccountName", Message: "the pod runs as the namespace's default ServiceAccount"})
	},
}

var automountToken = &check.Func{
	M: check.Meta{
		ID: "workload/automount-token", Title: "Mounts a ServiceAccount token it may not need", Severity: finding.SeverityMedium,
		Category:    finding.CategoryContainer,
		Why:         "A mounted token lets anyone who gets into the container call the API server as the pod's ServiceAccount.",
		Remediation: "set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless it calls the API",
		Controls:    []string{"CIS 5.1.6"},
		Kinds:       check.WorkloadKinds,
	},
	ReadsInventory: true, // the pod's ServiceAccount
	Fn: func(ctx *check.Context, obj *inventory.Object, report func(check.Result)) {
		pod := obj.PodTemplate()
		if pod == nil {
			return
		}
		if v := pod.Spec.AutomountServiceAccountToken; v != nil {
			if *v {
				report(check.Result{Field: pod.SpecPath + ".automountServiceAccountToken",
					Message: "the pod sets automountServiceAccountToken: true"})
			}
			return
		}
		name := serviceAccountName(pod.Spec)
		ev := map[string]any{"serviceAccount": name}
		if sa := ctx.Inventory.Get("ServiceAccount", obj.Namespace, name); sa != nil {
			if t, ok := sa.Typed.(*corev1.ServiceAccount); ok && t.AutomountServiceAccountToken != nil && !*t.AutomountServiceAccountToken {
				return
			}
			report(check.Result{Field: pod.SpecPath, Evidence: ev,
				Message: fmt.Sprintf("neither the pod nor its ServiceAccount %q sets automountServiceAccountToken: false", name)})
			return
		}
		report(check.Result{Field: pod.SpecPath, Evidence: ev,
			Message: fmt.Sprintf("the pod does not set automountServiceAccountToken: false (ServiceAccount %q is not in the scan)", name)})
	},
}

// selected reports whether labels contain every pair of the selector.
func selected(labels, selector map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// selectedPod reports whether a workload's labels, with its pod template's
// labels over them, contain every pair of the selector.
func selectedPod(labels, podLabels, selector map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		got, ok := podLabels[k]
		if !ok {
			got = labels[k]
		}
		if got != v {
			return false
		}
	}
	return true
}

var untrustedWithoutSandbox = &check.Func{
	M: check.Meta{
		ID: "workload/untrusted-without-sandbox", Title: "Untrusted workload without a sandbox runtime", Severity: finding.SeverityHigh,
		Category:    finding.CategoryContainer,
		Why:         "Untrusted code shares the node's kernel unless it runs under a sandboxed runtime such as gVisor or Kata Containers.",
		Remediation: "set spec.runtimeClassName to a RuntimeClass whose handler is a sandbox (runsc, kata)",
		Kinds:       check.WorkloadKinds,
	},
	ReadsInventory: true, // the Namespace and the RuntimeClass
	Fn: func(ctx *check.Context, obj *inventory.Object, report func(check.Result)) {
		pod := obj.PodTemplate()
		if pod == nil {
			return
		}
		cfg := ctx.Config
		why := ""
		if selectedPod(obj.Labels(), pod.Meta.Labels, cfg.Untrusted.Labels) {
			why = "its labels mark it untrusted"
		} else if ns := ctx.Inventory.Get("Namespace", "", obj.Namespace); ns != nil && selected(ns.Labels(), cfg.Untrusted.NamespaceLabels) {
			why = fmt.Sprintf("namespace %q is marked untrusted", obj.Namespace)
		}
		if why == "" {
			return
		}
		field := pod.SpecPath + ".runtimeClassName"
		rc := pod.Spec.RuntimeClassName
		if rc == nil || *rc == "" {
			report(check.Result{Field: pod.SpecPath, Message: why + " but it sets no runtimeClassName, so it runs on the node's default runtime"})
			return
		}
		if o := ctx.Inventory.Get("RuntimeClass", "", *rc); o != nil {
			if t, ok := o.Typed.(*nodev1.RuntimeClass); ok {
				if glob.Any(cfg.SandboxHandlers, t.Handler) {
					return
				}
				report(check.Result{Field: field, Evidence: map[string]any{"runtimeClass": *rc, "handler": t.Handler},
					Message: fmt.Sprintf("%s but RuntimeClass %q uses handler %q, which is not a sandbox (%v)", why, *rc, t.Handler, slices.Clone(cfg.SandboxHandlers))})
				return
			}
		}
		if glob.Any(cfg.SandboxHandlers, *rc) {
			return // judged by name: the RuntimeClass object is not in the scan
		}
		report(check.Result{Field: field, Evidence: map[string]any{"runtimeClass": *rc},
			Message: fmt.Sprintf("%s but runtimeClassName %q does not name a sandbox runtime (RuntimeClass not in the scan)", why, *rc)})
	},
}
