package namespace_test

import (
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
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
