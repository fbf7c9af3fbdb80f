package pss_test

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/checks/pss"
	"github.com/rampart-k8s/rampart/pkg/config"
	"k8s.io/pod-security-admission/policy"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
%s
      containers:
        - name: app
          image: nginx:1.27
%s
        - name: sidecar
          image: envoy:1.30
%s
`

func indent(s string, n int) string {
	if s == "" {
		return ""
	}
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n")
}

func manifest(pod, app, sidecar string) string {
	return strings.ReplaceAll(
		strings.Replace(strings.Replace(strings.Replace(deployment, "%s", indent(pod, 6), 1), "%s", indent(app, 10), 1), "%s", indent(sidecar, 10), 1),
		"\n\n", "\n")
}

const restrictedContainer = `securityContext:
  allowPrivilegeEscalation: false
  capabilities: {drop: ["ALL"]}`

func TestInheritedPodLevelSettings(t *testing.T) {
	// Pod-level runAsNonRoot and seccompProfile cover every container: peers
	// get this wrong; the library, and so rampart, do not.
	pod := `securityContext:
  runAsNonRoot: true
  seccompProfile: {type: RuntimeDefault}`
	rep := checktest.Scan(t, manifest(pod, restrictedContainer, restrictedContainer), nil)
	for _, id := range checktest.IDs(rep) {
		if strings.HasPrefix(id, "pss/") {
			t.Errorf("pod-level settings cover the containers, but %s fired: %v", id, checktest.Find(rep, id))
		}
	}
	// A container may still override the pod: runAsNonRoot false on one container.
	override := restrictedContainer + "\n  runAsNonRoot: false"
	rep = checktest.Scan(t, manifest(pod, restrictedContainer, override), nil)
	got := checktest.Find(rep, "pss/run-as-non-root")
	if len(got) != 1 || !strings.Contains(got[0].Message, `"sidecar"`) {
		t.Fatalf("want one run-as-non-root finding naming the sidecar, got %v", got)
	}
	if !strings.HasSuffix(got[0].Location.Field, "containers[1].securityContext.runAsNonRoot") {
		t.Errorf("finding should point at the sidecar's field, got %q", got[0].Location.Field)
	}
}

func TestFindingsPerCheck(t *testing.T) {
	cases := []struct {
		name, pod, app string
		want           string
		field          string
	}{
		{"privileged", "", "securityContext: {privileged: true}", "pss/privileged", "containers[0].securityContext.privileged"},
		{"host network", "hostNetwork: true", "", "pss/host-namespaces", "spec.template.spec.hostNetwork"},
		{"host pid", "hostPID: true", "", "pss/host-namespaces", "spec.template.spec.hostPID"},
		{"host path", "volumes: [{name: h, hostPath: {path: /}}]", "", "pss/host-path-volumes", "spec.template.spec.volumes"},
		{"host port", "", "ports: [{containerPort: 80, hostPort: 80}]", "pss/host-ports", "containers[0].ports"},
		{"added capability", "", "securityContext: {capabilities: {add: [SYS_ADMIN]}}", "pss/capabilities-baseline", "containers[0].securityContext.capabilities"},
		{"escalation", "", "", "pss/allow-privilege-escalation", "securityContext.allowPrivilegeEscalation"},
		{"root user", "securityContext: {runAsUser: 0}", "", "pss/run-as-user", "spec.template.spec.securityContext"},
		{"unconfined seccomp", "securityContext: {seccompProfile: {type: Unconfined}}", "", "pss/seccomp-profile-baseline", "spec.template.spec.securityContext"},
		{"unsafe sysctl", "securityContext: {sysctls: [{name: kernel.msgmax, value: '1'}]}", "", "pss/sysctls", "securityContext.sysctls"},
		{"proc mount", "", "securityContext: {procMount: Unmasked}", "pss/proc-mount", "containers[0].securityContext.procMount"},
		{"selinux", "", "securityContext: {seLinuxOptions: {type: spc_t}}", "pss/se-linux-options", "containers[0].securityContext.seLinuxOptions"},
		{"windows host process", "securityContext: {windowsOptions: {hostProcess: true}}", "", "pss/windows-host-process", "securityContext"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := checktest.Scan(t, manifest(tc.pod, tc.app, ""), nil)
			got := checktest.Find(rep, tc.want)
			if len(got) == 0 {
				t.Fatalf("%s did not fire; findings: %v", tc.want, checktest.IDs(rep))
			}
			if !strings.Contains(got[0].Location.Field, tc.field) {
				t.Errorf("field %q does not contain %q", got[0].Location.Field, tc.field)
			}
			if got[0].Location.Line < 1 || got[0].Location.File != "test.yaml" {
				t.Errorf("location %+v has no file and line", got[0].Location)
			}
		})
	}
}

func TestBaselineLevelSkipsRestrictedChecks(t *testing.T) {
	cfg := config.Default()
	cfg.PodSecurity.Level = "baseline"
	rep := checktest.Scan(t, manifest("", "", ""), cfg)
	for _, id := range checktest.IDs(rep) {
		if strings.HasPrefix(id, "pss/") {
			t.Errorf("a default pod passes baseline, but %s fired", id)
		}
	}
	rep = checktest.Scan(t, manifest("", "securityContext: {privileged: true}", ""), cfg)
	if len(checktest.Find(rep, "pss/privileged")) != 1 {
		t.Errorf("privileged must fail baseline")
	}
}

func TestIDs(t *testing.T) {
	for lib, want := range map[policy.CheckID]string{
		"runAsNonRoot": "pss/run-as-non-root", "allowPrivilegeEscalation": "pss/allow-privilege-escalation",
		"privileged": "pss/privileged", "hostNamespaces": "pss/host-namespaces", "hostPathVolumes": "pss/host-path-volumes",
		"capabilities_restricted": "pss/capabilities-restricted", "seccompProfile_restricted": "pss/seccomp-profile-restricted",
	} {
		if got := pss.ID(lib); got != want {
			t.Errorf("ID(%s) = %s, want %s", lib, got, want)
		}
	}
}

// Every library check has rampart metadata, so a library upgrade that adds
// a check is noticed here rather than shipping a neutral description.
func TestEveryLibraryCheckHasMetadata(t *testing.T) {
	for _, c := range pss.Checks() {
		m := c.Meta()
		if strings.HasPrefix(m.Title, "Pod Security check ") {
			t.Errorf("%s has no rampart metadata", m.ID)
		}
		if !strings.HasPrefix(m.Controls[0], "PSS ") {
			t.Errorf("%s: first control %q is not the PSS level", m.ID, m.Controls[0])
		}
	}
}

// Kubernetes reads YAML 1.1: "privileged: yes" is true there, so it must be
// reported as privileged, not as a string where a boolean belongs.
func TestYAML11Booleans(t *testing.T) {
	rep := checktest.Scan(t, manifest("hostNetwork: on", "securityContext: {privileged: yes}", ""), nil)
	if len(checktest.Find(rep, "pss/privileged")) != 1 || len(checktest.Find(rep, "pss/host-namespaces")) != 1 {
		t.Errorf("yes/on must count as true: %v", checktest.IDs(rep))
	}
	if got := checktest.Find(rep, "schema/invalid-value"); len(got) != 0 {
		t.Errorf("yes/on are valid booleans: %+v", got)
	}
}
