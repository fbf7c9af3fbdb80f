package workload_test

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/config"
)

func pod(spec string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n" + spec +
		"  containers: [{name: a, image: busybox:1.37}]\n"
}

func TestDefaultServiceAccount(t *testing.T) {
	for spec, want := range map[string]int{
		"":                                1,
		"  serviceAccountName: default\n": 1,
		"  serviceAccountName: app\n":     0,
		"  serviceAccount: legacy\n":      0,
	} {
		if got := checktest.Find(checktest.Scan(t, pod(spec), nil), "workload/default-service-account"); len(got) != want {
			t.Errorf("%q: got %d findings, want %d", spec, len(got), want)
		}
	}
}

func TestAutomountToken(t *testing.T) {
	sa := func(automount string) string {
		return "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: ns}\n" + automount + "---\n"
	}
	cases := []struct {
		name, docs string
		want       int
		contains   string
	}{
		{"pod false", pod("  serviceAccountName: app\n  automountServiceAccountToken: false\n"), 0, ""},
		{"pod true wins over SA false", sa("automountServiceAccountToken: false\n") + pod("  serviceAccountName: app\n  automountServiceAccountToken: true\n"), 1, "sets automountServiceAccountToken: true"},
		{"SA false", sa("automountServiceAccountToken: false\n") + pod("  serviceAccountName: app\n"), 0, ""},
		{"SA silent", sa("") + pod("  serviceAccountName: app\n"), 1, `ServiceAccount "app" sets`},
		{"SA not scanned", pod("  serviceAccountName: app\n"), 1, "not in the scan"},
		{"SA in other namespace", strings.Replace(sa("automountServiceAccountToken: false\n"), "namespace: ns", "namespace: other", 1) + pod("  serviceAccountName: app\n"), 1, "not in the scan"},
	}
	for _, tc := range cases {
		got := checktest.Find(checktest.Scan(t, tc.docs, nil), "workload/automount-token")
		if len(got) != tc.want || tc.want > 0 && !strings.Contains(got[0].Message, tc.contains) {
			t.Errorf("%s: got %+v", tc.name, got)
		}
	}
}

func TestUntrustedWithoutSandbox(t *testing.T) {
	ns := "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns, labels: {rampart.dev/trust: untrusted}}\n---\n"
	rc := func(name, handler string) string {
		return "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: " + name + "}\nhandler: " + handler + "\n---\n"
	}
	labelled := "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: other, labels: {rampart.dev/trust: untrusted}}\nspec:\n  containers: [{name: a, image: busybox:1.37}]\n"
	cases := []struct {
		name, docs string
		want       int
	}{
		{"trusted", pod(""), 0},
		{"untrusted namespace, no runtime class", ns + pod(""), 1},
		{"untrusted label, no runtime class", labelled, 1},
		{"gvisor handler", ns + rc("sandboxed", "runsc") + pod("  runtimeClassName: sandboxed\n"), 0},
		{"kata handler", ns + rc("k", "kata-qemu") + pod("  runtimeClassName: k\n"), 0},
		{"named gvisor but runc", ns + rc("gvisor", "runc") + pod("  runtimeClassName: gvisor\n"), 1},
		{"not scanned, sandbox name", ns + pod("  runtimeClassName: gvisor\n"), 0},
		{"not scanned, other name", ns + pod("  runtimeClassName: fast\n"), 1},
	}
	for _, tc := range cases {
		got := checktest.Find(checktest.Scan(t, tc.docs, nil), "workload/untrusted-without-sandbox")
		if len(got) != tc.want {
			t.Errorf("%s: got %+v", tc.name, got)
		}
	}
	// Configurable: another label and handler list.
	cfg := config.Default()
	cfg.Untrusted = config.Untrusted{Labels: map[string]string{"tier": "tenant"}}
	cfg.SandboxHandlers = []string{"my-sandbox"}
	docs := rc("s", "my-sandbox") + "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {tier: tenant}}\nspec:\n  runtimeClassName: s\n  containers: [{name: a, image: busybox:1.37}]\n"
	if got := checktest.Find(checktest.Scan(t, docs, cfg), "workload/untrusted-without-sandbox"); len(got) != 0 {
		t.Errorf("configured handler must count as a sandbox: %+v", got)
	}
}

// Charts often stamp a namespace on cluster-scoped objects; the API server
// ignores it, and so must the lookups.
func TestClusterScopedObjectsWithANamespace(t *testing.T) {
	docs := "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns, namespace: ns, labels: {rampart.dev/trust: untrusted}}\n---\n" +
		"apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: secure, namespace: ns}\nhandler: runsc\n---\n" +
		pod("  runtimeClassName: secure\n")
	if got := checktest.Find(checktest.Scan(t, docs, nil), "workload/untrusted-without-sandbox"); len(got) != 0 {
		t.Errorf("the RuntimeClass with handler runsc must be found: %+v", got)
	}
	docs = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns, namespace: other, labels: {rampart.dev/trust: untrusted}}\n---\n" + pod("")
	if got := checktest.Find(checktest.Scan(t, docs, nil), "workload/untrusted-without-sandbox"); len(got) != 1 {
		t.Errorf("the namespace's labels must be found: %+v", got)
	}
}

// TestUntrustedLabelsOfTheWorkloadAndItsPods: a workload is untrusted by
// its own labels or its pod template's, the template's winning where both
// set a label.
func TestUntrustedLabelsOfTheWorkloadAndItsPods(t *testing.T) {
	deploy := func(labels, podLabels string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns, labels: {" + labels + "}}\n" +
			"spec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d, " + podLabels + "}}\n" +
			"    spec:\n      containers: [{name: a, image: busybox:1.37}]\n"
	}
	for _, tc := range []struct {
		labels, podLabels string
		want              int
	}{
		{"", "", 0},
		{"rampart.dev/trust: untrusted", "", 1},
		{"", "rampart.dev/trust: untrusted", 1},
		{"rampart.dev/trust: untrusted", "rampart.dev/trust: trusted", 0},
		{"rampart.dev/trust: trusted", "rampart.dev/trust: untrusted", 1},
	} {
		got := checktest.Find(checktest.Scan(t, deploy(tc.labels, tc.podLabels), nil), "workload/untrusted-without-sandbox")
		if len(got) != tc.want {
			t.Errorf("labels {%s}, pod labels {%s}: %d findings, want %d", tc.labels, tc.podLabels, len(got), tc.want)
		}
	}
}
