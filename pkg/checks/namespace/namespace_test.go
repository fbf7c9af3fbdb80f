package namespace_test

import (
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

func TestNoPodSecurityEnforce(t *testing.T) {
	ns := func(labels string) string {
		return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n" + labels
	}
	cases := []struct {
		labels string
		want   []finding.Severity
	}{
		{"", []finding.Severity{finding.SeverityMedium}},
		{"  labels: {pod-security.kubernetes.io/warn: restricted}\n", []finding.Severity{finding.SeverityMedium}},
		{"  labels: {pod-security.kubernetes.io/enforce: privileged}\n", []finding.Severity{finding.SeverityMedium}},
		{"  labels: {pod-security.kubernetes.io/enforce: restrictd}\n", []finding.Severity{finding.SeverityHigh}},
		{"  labels: {pod-security.kubernetes.io/enforce: baseline}\n", nil},
		{"  labels: {pod-security.kubernetes.io/enforce: restricted}\n", nil},
	}
	for _, tc := range cases {
		got := checktest.Find(checktest.Scan(t, ns(tc.labels), nil), "namespace/no-pod-security-enforce")
		if len(got) != len(tc.want) || len(got) == 1 && got[0].Severity != tc.want[0] {
			t.Errorf("%q: got %+v", tc.labels, got)
		}
	}
}

func TestPodSecurityAdmissionMismatch(t *testing.T) {
	ns := func(level string) string {
		return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app\n  labels: {pod-security.kubernetes.io/enforce: " + level + "}\n---\n"
	}
	hardened := "apiVersion: v1\nkind: Pod\nmetadata: {name: ok, namespace: app}\nspec:\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: a, image: busybox:1.37, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]\n---\n"
	privileged := "apiVersion: v1\nkind: Pod\nmetadata: {name: priv, namespace: app}\nspec:\n  containers: [{name: a, image: busybox:1.37, securityContext: {privileged: true}}]\n"
	cases := []struct {
		name, docs string
		floor      string
		want       []finding.Severity
	}{
		{"restricted fits", ns("restricted") + hardened, "", nil},
		{"could be tightened", ns("baseline") + hardened, "", []finding.Severity{finding.SeverityLow}},
		{"violators", ns("baseline") + hardened + privileged, "", []finding.Severity{finding.SeverityHigh}},
		{"privileged workload in privileged namespace", ns("privileged") + privileged, "", nil},
		{"below floor", ns("privileged") + privileged, "baseline", []finding.Severity{finding.SeverityHigh}},
		{"no workloads", ns("baseline"), "", nil},
	}
	for _, tc := range cases {
		cfg := config.Default()
		cfg.PodSecurity.Floor = tc.floor
		got := checktest.Find(checktest.Scan(t, tc.docs, cfg), "cluster/pod-security-admission-mismatch")
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %+v", tc.name, got)
			continue
		}
		for i := range got {
			if got[i].Severity != tc.want[i] {
				t.Errorf("%s: severity %s, want %s (%s)", tc.name, got[i].Severity, tc.want[i], got[i].Message)
			}
		}
	}
}
