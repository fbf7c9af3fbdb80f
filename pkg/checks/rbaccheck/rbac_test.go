package rbaccheck_test

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/rbac/builtin"
	"sigs.k8s.io/yaml"
)

func role(rules string) string {
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: " + rules + "\n---\n"
}

func crb(subjects string) string {
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\nsubjects: " + subjects + "\n---\n"
}

func rb(ns, roleKind, roleName, subjects string) string {
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: " + ns + "}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: " + roleKind + ", name: " + roleName + "}\nsubjects: " + subjects + "\n---\n"
}

const alice = "[{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]"

func TestRuleChecks(t *testing.T) {
	cases := []struct {
		check, rules string
		want         int
	}{
		{"rbac/secrets-read", `[{apiGroups: [""], resources: [secrets], verbs: [list]}]`, 1},
		{"rbac/secrets-read", `[{apiGroups: ["*"], resources: ["*"], verbs: [get]}]`, 1},
		{"rbac/secrets-read", `[{apiGroups: [""], resources: [configmaps], verbs: [list]}]`, 0},
		{"rbac/secrets-read", `[{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [one]}]`, 0},
		{"rbac/secrets-read", `[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]`, 0}, // wildcard-rule's
		{"rbac/impersonate", `[{apiGroups: [""], resources: [users, groups], verbs: [impersonate]}]`, 1},
		{"rbac/impersonate", `[{apiGroups: [""], resources: [serviceaccounts], verbs: ["*"]}]`, 1},
		{"rbac/impersonate", `[{apiGroups: [""], resources: [users], verbs: [get]}]`, 0},
		{"rbac/bind-or-escalate", `[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}]`, 1},
		{"rbac/bind-or-escalate", `[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate]}]`, 1},
		{"rbac/bind-or-escalate", `[{apiGroups: [""], resources: [clusterroles], verbs: [bind]}]`, 0}, // wrong group
		{"rbac/bind-or-escalate", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [bind]}]`, 0},
		{"rbac/pod-exec", `[{apiGroups: [""], resources: [pods/exec], verbs: [create]}]`, 1},
		{"rbac/pod-exec", `[{apiGroups: [""], resources: ["pods/*"], verbs: [create]}]`, 0},
		{"rbac/pod-exec", `[{apiGroups: [""], resources: ["*/attach"], verbs: [get]}]`, 1},
		{"rbac/nodes-proxy", `[{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}]`, 1},
		{"rbac/nodes-proxy", `[{apiGroups: [""], resources: [nodes/metrics], verbs: [get]}]`, 0},
		{"rbac/wildcard-rule", `[{apiGroups: [apps], resources: ["*"], verbs: [get]}]`, 1},
		{"rbac/wildcard-rule", `[{apiGroups: [apps], resources: [deployments], verbs: [get]}, {nonResourceURLs: ["*"], verbs: [get]}]`, 1},
		{"rbac/wildcard-rule", `[{apiGroups: [apps], resources: [deployments], verbs: [get]}]`, 0},
	}
	for _, c := range cases {
		got := checktest.Find(checktest.Scan(t, role(c.rules)+crb(alice), nil), c.check)
		if len(got) != c.want {
			t.Errorf("%s on %s: %d findings, want %d: %+v", c.check, c.rules, len(got), c.want, got)
		}
		for _, f := range got {
			if f.Location.Line == 0 || !strings.HasPrefix(f.Location.Field, "rules[") {
				t.Errorf("%s: finding not located on its rule: %+v", c.check, f.Location)
			}
		}
	}
	// An unbound role is reported at low severity.
	got := checktest.Find(checktest.Scan(t, role(`[{apiGroups: [""], resources: [secrets], verbs: [list]}]`), nil), "rbac/secrets-read")
	if len(got) != 1 || got[0].Severity != finding.SeverityLow {
		t.Errorf("unbound role: %+v", got)
	}
}

func TestBindingChecks(t *testing.T) {
	admin := role(`[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]`)
	view := role(`[{apiGroups: [""], resources: [pods, configmaps], verbs: [get, list]}, {apiGroups: [apps], resources: [deployments], verbs: [get]}]`)
	cases := []struct {
		name, docs, check string
		want              []finding.Severity
	}{
		{"cluster-admin cluster-wide", admin + crb(alice), "rbac/cluster-admin-binding", []finding.Severity{finding.SeverityCritical}},
		{"cluster-admin in a namespace", admin + rb("ns", "ClusterRole", "r", alice), "rbac/cluster-admin-binding", []finding.Severity{finding.SeverityHigh}},
		{"the built-in cluster-admin", rb("ns", "ClusterRole", "cluster-admin", alice), "rbac/cluster-admin-binding", []finding.Severity{finding.SeverityHigh}},
		{"system subjects are Kubernetes' own", admin + crb("[{kind: Group, name: system:masters, apiGroup: rbac.authorization.k8s.io}]"), "rbac/cluster-admin-binding", nil},
		{"a view role", view + crb(alice), "rbac/cluster-admin-binding", nil},
		{"default ServiceAccount", view + rb("ns", "ClusterRole", "r", "[{kind: ServiceAccount, name: default}]"), "rbac/default-service-account-bound", []finding.Severity{finding.SeverityMedium}},
		{"named ServiceAccount", view + rb("ns", "ClusterRole", "r", "[{kind: ServiceAccount, name: app}]"), "rbac/default-service-account-bound", nil},
		{"all authenticated", view + crb("[{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}]"), "rbac/anonymous-or-all-authenticated", []finding.Severity{finding.SeverityHigh}},
		{"anonymous admin", admin + crb("[{kind: User, name: system:anonymous, apiGroup: rbac.authorization.k8s.io}]"), "rbac/anonymous-or-all-authenticated", []finding.Severity{finding.SeverityCritical}},
		{"namespaced-only role cluster-wide", view + crb(alice), "rbac/cluster-wide-binding", []finding.Severity{finding.SeverityLow}},
		{"nodes need a ClusterRoleBinding", role(`[{apiGroups: [""], resources: [nodes], verbs: [get]}]`) + crb(alice), "rbac/cluster-wide-binding", nil},
		{"a RoleBinding is fine", view + rb("ns", "ClusterRole", "r", alice), "rbac/cluster-wide-binding", nil},
	}
	for _, c := range cases {
		got := checktest.Find(checktest.Scan(t, c.docs, nil), c.check)
		var sevs []finding.Severity
		for _, f := range got {
			sevs = append(sevs, f.Severity)
		}
		if len(sevs) != len(c.want) || (len(sevs) == 1 && sevs[0] != c.want[0]) {
			t.Errorf("%s: %s gave %v, want %v: %+v", c.name, c.check, sevs, c.want, got)
		}
	}
}

func TestEscalationPathFinding(t *testing.T) {
	docs := `apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: prod}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: prod}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: rollout, namespace: prod}
rules: [{apiGroups: [apps], resources: [deployments], verbs: [create]}]
---
` + rb("prod", "Role", "rollout", alice) + rb("prod", "ClusterRole", "view", "[{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]")
	docs = strings.Replace(docs, "metadata: {name: b, namespace: prod}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}", "metadata: {name: bob, namespace: prod}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}", 1)
	got := checktest.Find(checktest.Scan(t, docs, nil), "rbac/escalation-path")
	if len(got) != 1 || got[0].Severity != finding.SeverityCritical || !strings.Contains(got[0].Message, "user:alice can reach cluster-admin in 3 step(s): create deployments.apps → run as → all rights") {
		t.Fatalf("escalation path: %+v", got)
	}
	if got[0].Resource.Name != "b" || got[0].Location.Field != "subjects[0]" {
		t.Errorf("reported on %+v %+v", got[0].Resource, got[0].Location)
	}
}

// TestDefaultsAreQuiet: Kubernetes' own roles and bindings, scanned as
// manifests, give no RBAC finding above info.
func TestDefaultsAreQuiet(t *testing.T) {
	defaults := defaultsYAML(t)
	rep := checktest.Scan(t, defaults, nil)
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.CheckID, "rbac/") && f.Severity > finding.SeverityInfo {
			t.Errorf("%s on %s: %s", f.CheckID, f.Resource, f.Message)
		}
	}
	// A default binding that was changed is reported like any other.
	marker := "  name: cluster-admin\nsubjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: Group\n  name: system:masters\n"
	if !strings.Contains(defaults, marker) {
		t.Fatal("the cluster-admin ClusterRoleBinding is not where the test expects it")
	}
	changed := strings.Replace(defaults, marker, marker+"- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: mallory\n", 1)
	got := checktest.Find(checktest.Scan(t, changed, nil), "rbac/cluster-admin-binding")
	if len(got) != 1 || !strings.Contains(got[0].Message, "user:mallory") {
		t.Errorf("a user added to the default cluster-admin binding: %+v", got)
	}
}

// defaultsYAML writes the embedded default RBAC objects as manifests.
func defaultsYAML(t *testing.T) string {
	d, err := builtin.DecodeDefaults()
	if err != nil {
		t.Fatal(err)
	}
	var objs []any
	for _, o := range d.ClusterRoles {
		objs = append(objs, o)
	}
	for _, o := range d.ClusterRoleBindings {
		objs = append(objs, o)
	}
	for _, o := range d.Roles {
		objs = append(objs, o)
	}
	for _, o := range d.RoleBindings {
		objs = append(objs, o)
	}
	var b strings.Builder
	for _, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.String()
}

func TestRuleChecksSeeResourceNamesAndAggregation(t *testing.T) {
	got := checktest.Find(checktest.Scan(t, role(`[{apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: [system:masters]}]`)+crb(alice), nil), "rbac/impersonate")
	if len(got) != 1 || !strings.Contains(got[0].Message, "impersonate groups [system:masters]") {
		t.Errorf("impersonate limited by resourceNames: %+v", got)
	}
	// A CRD's role aggregated into view is held by whoever holds view.
	docs := `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: widgets-view, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
` + rb("prod", "ClusterRole", "view", "[{kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}]")
	got = checktest.Find(checktest.Scan(t, docs, nil), "rbac/secrets-read")
	if len(got) != 1 || got[0].Severity != finding.SeverityHigh || !strings.Contains(got[0].Message, "group:devs in prod") {
		t.Errorf("aggregated into view: %+v", got)
	}
}
