package rbac

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/bench/rbacgen"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// TestInertShortcutChangesNothing holds the shortcut for ServiceAccounts
// and users bound only to inert roles (inertIn) to the long way: on
// generated estates, the graph with it and the graph without it have the
// same edges, in the same order, with the same evidence, out of every node
// any subject reaches.
func TestInertShortcutChangesNothing(t *testing.T) {
	estates := map[string]*inventory.Inventory{
		"rbacgen seed 1": inventory.New(rbacgen.Generate(1, tenthEstate).Objects),
		"rbacgen seed 7": inventory.New(rbacgen.Generate(7, tenthEstate).Objects),
		"one step each":  objects(t, primitiveShape(8)),
	}
	for name, inv := range estates {
		t.Run(name, func(t *testing.T) {
			m := NewModel(inv, ModelOptions{})
			fast, exact := NewGraph(m.Policy, m.State), NewGraph(m.Policy, m.State)
			exact.exact = true
			var shortcuts int
			seen := map[string]bool{}
			for _, s := range m.Subjects() {
				who, err := ParseSubject(s)
				if err != nil {
					continue
				}
				queue := [][2]*Node{{fast.IdentityNode(s, who), exact.IdentityNode(s, who)}}
				for len(queue) > 0 {
					a, b := queue[0][0], queue[0][1]
					queue = queue[1:]
					if seen[a.Key()] {
						continue
					}
					seen[a.Key()] = true
					if a.Kind == Rights && a.groupRights != nil {
						for _, bd := range a.bound {
							if fast.inertIn(a, bd.ns) {
								shortcuts++
							}
						}
					}
					ea, eb := fast.Edges(a), exact.Edges(b)
					if got, want := edgesText(ea), edgesText(eb); got != want {
						t.Fatalf("edges out of %s differ\nwith the shortcut:\n%s\nwithout:\n%s", a.Key(), got, want)
					}
					for i := range ea {
						queue = append(queue, [2]*Node{ea[i].To, eb[i].To})
					}
				}
			}
			// The comparison must have covered the shortcut, many times.
			if shortcuts < 20 {
				t.Errorf("only %d namespaces of identities took the shortcut: the test compares too little", shortcuts)
			}
			t.Logf("%d nodes compared, %d shortcuts taken", len(seen), shortcuts)
		})
	}
}

// tenthEstate is a tenth of rbacgen.Large.
var tenthEstate = rbacgen.Sizes{Namespaces: 30, ServiceAccounts: 500, ClusterRoles: 90, ClusterRoleBindings: 70, Roles: 140, RoleBindings: 450, Deployments: 300}

func edgesText(es []Edge) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "%s -> %s [%s] %s;", e.From.Key(), e.To.Key(), e.Primitive, e.How)
		for _, g := range e.Evidence {
			b.WriteString(" " + GrantString(g) + " as " + g.Subject.Kind + "/" + g.Subject.Namespace + "/" + g.Subject.Name)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// primitiveShape is an estate of n namespaces where each ServiceAccount
// is bound to a role that reads ConfigMaps and may take at most one step
// (or is inert), the groups of the namespace's ServiceAccounts, or all
// authenticated users, hold something of their own in some namespaces,
// and a token Secret lies in each: every step of namespaced() is met with
// and without what the groups add.
func primitiveShape(n int) string {
	extras := []string{
		``, // inert
		`, {apiGroups: [""], resources: [pods, services], verbs: [get, list, watch]}`, // inert
		`, {apiGroups: [""], resources: [secrets], verbs: [get]}`,
		`, {apiGroups: [""], resources: [secrets], verbs: [list]}`,
		`, {apiGroups: [""], resources: ["*"], verbs: [get]}`,
		`, {apiGroups: [apps], resources: [deployments], verbs: [patch]}`,
		`, {apiGroups: [batch], resources: [cronjobs], verbs: [update]}`,
		`, {apiGroups: [""], resources: [pods], verbs: [create]}`,
		`, {apiGroups: [""], resources: [pods/exec], verbs: [create]}`,
		`, {apiGroups: [""], resources: [pods/ephemeralcontainers], verbs: [patch]}`,
		`, {apiGroups: [""], resources: [secrets], verbs: [create]}`,
		`, {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}`,
		`, {apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate], resourceNames: [app-0]}`,
		`, {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}, {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind]}`,
		`, {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate, update]}`,
		`, {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [update], resourceNames: [app-0]}, {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind]}`,
		`, {apiGroups: [""], resources: [namespaces], verbs: [patch]}, {apiGroups: [""], resources: [pods], verbs: [create]}`,
		`, {nonResourceURLs: ["/healthz"], verbs: [get]}`, // inert
	}
	groupRules := []string{
		`[{apiGroups: [""], resources: [secrets], verbs: [create]}]`,
		`[{apiGroups: [""], resources: [secrets], verbs: [get, list]}]`,
		`[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate, update, bind]}]`,
		`[{apiGroups: [""], resources: [configmaps], verbs: [get]}]`,
	}
	var b strings.Builder
	doc := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n---\n", args...) }
	for ns := 0; ns < n; ns++ {
		doc("apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-%d}", ns)
		doc("apiVersion: v1\nkind: Secret\nmetadata: {name: app-0-token, namespace: ns-%d, annotations: {kubernetes.io/service-account.name: app-0}}\ntype: kubernetes.io/service-account-token", ns)
		group := "system:serviceaccounts:ns-" + fmt.Sprint(ns)
		if ns%2 == 1 {
			group = "system:authenticated"
		}
		doc("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: groups, namespace: ns-%d}\nrules: %s", ns, groupRules[ns%len(groupRules)])
		doc("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: groups, namespace: ns-%d}\n"+
			"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: groups}\nsubjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: %q}]", ns, group)
		for i, extra := range extras {
			doc("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app-%d, namespace: ns-%d}", i, ns)
			doc("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: app-%d, namespace: ns-%d}\n"+
				"rules: [{apiGroups: [\"\"], resources: [configmaps], verbs: [get, list, watch]}%s]", i, ns, extra)
			doc("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: app-%d, namespace: ns-%d}\n"+
				"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app-%d}\nsubjects: [{kind: ServiceAccount, name: app-%d, namespace: ns-%d}]", i, ns, i, i, ns)
			doc("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-%d, namespace: ns-%d}\n"+
				"spec: {selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, spec: {serviceAccountName: app-%d, containers: [{name: c, image: x}]}}}", i, ns, i)
		}
	}
	return b.String()
}
