package rbaccheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/rbac"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/user"
)

// adminEquivalent: a role with a rule of every verb on every resource.
func adminEquivalent(r *rbac.Role) bool {
	for i := range r.Rules {
		if allWildcard(&r.Rules[i]) {
			return true
		}
	}
	return false
}

type clusterAdminBinding struct{}

func (clusterAdminBinding) Meta() check.Meta {
	return check.Meta{ID: "rbac/cluster-admin-binding", Title: "Subject bound to cluster-admin or an equivalent role", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCluster,
		Why:         "cluster-admin (or any role with every verb on every resource) is full control: of the whole cluster through a ClusterRoleBinding, of the namespace and its Secrets through a RoleBinding.",
		Remediation: "bind a role with the rights the subject needs; keep cluster-admin for break-glass accounts",
		Controls:    []string{"CIS 5.1.1"}, Kinds: []string{"ClusterRoleBinding", "RoleBinding"}}
}

func (clusterAdminBinding) CheckInventory(ctx *check.Context, report func(check.Result)) {
	for _, b := range ownBindings(ctx) {
		if b.Role == nil || !adminEquivalent(b.Role) {
			continue
		}
		for i, s := range b.Subjects {
			if systemSubject(s) {
				continue
			}
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
				s.Namespace = b.Namespace
			}
			sev, scope := finding.SeverityCritical, "the whole cluster"
			if b.Kind == "RoleBinding" {
				sev, scope = finding.SeverityHigh, "namespace "+b.Namespace
			}
			report(check.Result{Object: b.Object, Field: fmt.Sprintf("subjects[%d]", i), Severity: sev,
				Message:  fmt.Sprintf("%s gives %s every right on %s through %s", b.Ref(), rbac.SubjectString(s), scope, b.Role.Ref()),
				Evidence: map[string]any{"subject": rbac.SubjectString(s), "role": b.Role.Ref()}})
		}
	}
}

type defaultSABound struct{}

func (defaultSABound) Meta() check.Meta {
	return check.Meta{ID: "rbac/default-service-account-bound", Title: "Role bound to a namespace's default ServiceAccount", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCluster,
		Why:         "Every pod that names no ServiceAccount runs as default, so rights given to it go to every such pod of the namespace.",
		Remediation: "create a ServiceAccount for the workload that needs the rights and bind the role to it",
		Controls:    []string{"CIS 5.1.5"}, Kinds: []string{"RoleBinding", "ClusterRoleBinding"}}
}

func (defaultSABound) CheckInventory(ctx *check.Context, report func(check.Result)) {
	for _, b := range ownBindings(ctx) {
		if b.Role == nil {
			continue
		}
		for i, s := range b.Subjects {
			if s.Kind != rbacv1.ServiceAccountKind || s.Name != "default" {
				continue
			}
			ns := s.Namespace
			if ns == "" {
				ns = b.Namespace
			}
			report(check.Result{Object: b.Object, Field: fmt.Sprintf("subjects[%d]", i),
				Message:  fmt.Sprintf("%s binds %s to the default ServiceAccount of namespace %s: every pod there without its own ServiceAccount gets it", b.Ref(), b.Role.Ref(), ns),
				Evidence: map[string]any{"role": b.Role.Ref(), "namespace": ns}})
		}
	}
}

type anonymousBinding struct{}

func (anonymousBinding) Meta() check.Meta {
	return check.Meta{ID: "rbac/anonymous-or-all-authenticated", Title: "Role bound to anonymous or to every authenticated user", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCluster,
		Why:         "system:anonymous and system:unauthenticated are anyone who can reach the API server; system:authenticated is every user and every ServiceAccount of every namespace. Kubernetes binds them to discovery roles only.",
		Remediation: "bind the role to the users, groups or ServiceAccounts that need it",
		Controls:    []string{"CIS 5.1.2", "CIS 5.1.7"}, Kinds: []string{"RoleBinding", "ClusterRoleBinding"}}
}

func (anonymousBinding) CheckInventory(ctx *check.Context, report func(check.Result)) {
	for _, b := range ownBindings(ctx) {
		if b.Role == nil {
			continue
		}
		for i, s := range b.Subjects {
			who := ""
			switch {
			case s.Kind == rbacv1.UserKind && s.Name == user.Anonymous:
				who = "anonymous requests"
			case s.Kind == rbacv1.GroupKind && s.Name == user.AllUnauthenticated:
				who = "every unauthenticated request"
			case s.Kind == rbacv1.GroupKind && s.Name == user.AllAuthenticated:
				who = "every user and ServiceAccount"
			default:
				continue
			}
			sev := finding.Severity(0)
			if adminEquivalent(b.Role) {
				sev = finding.SeverityCritical
			}
			report(check.Result{Object: b.Object, Field: fmt.Sprintf("subjects[%d]", i), Severity: sev,
				Message:  fmt.Sprintf("%s gives %s to %s (%s)", b.Ref(), b.Role.Ref(), who, s.Name),
				Evidence: map[string]any{"subject": rbac.SubjectString(s), "role": b.Role.Ref()}})
		}
	}
}

type clusterWideBinding struct{}

func (clusterWideBinding) Meta() check.Meta {
	return check.Meta{ID: "rbac/cluster-wide-binding", Title: "ClusterRoleBinding where RoleBindings would do", Severity: finding.SeverityLow,
		Category:    finding.CategoryCluster,
		Why:         "A ClusterRoleBinding grants its role in every namespace, present and future. When the role holds only namespaced resources, RoleBindings in the namespaces that need it grant the same with less reach.",
		Remediation: "replace the ClusterRoleBinding with RoleBindings (to the same ClusterRole) in the namespaces that need it",
		Controls:    []string{"CIS 5.1.1"}, Kinds: []string{"ClusterRoleBinding"}}
}

func (clusterWideBinding) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, b := range ownBindings(ctx) {
		if b.Kind != "ClusterRoleBinding" || b.Role == nil || len(b.Role.Rules) == 0 || !allNamespaced(m, b.Role) {
			continue
		}
		var subjects []string
		for _, s := range b.Subjects {
			if !systemSubject(s) {
				subjects = append(subjects, rbac.SubjectString(s))
			}
		}
		if len(subjects) == 0 {
			continue
		}
		report(check.Result{Object: b.Object, Field: "roleRef",
			Message:  fmt.Sprintf("%s grants %s, whose rules are all on namespaced resources, in every namespace to %s", b.Ref(), b.Role.Ref(), strings.Join(subjects, ", ")),
			Evidence: map[string]any{"role": b.Role.Ref(), "subjects": subjects}})
	}
}

// allNamespaced: every rule names namespaced resources only (no "*", no
// URL, no cluster-scoped or unknown resource).
func allNamespaced(m *rbac.Model, r *rbac.Role) bool {
	for _, rule := range r.Rules {
		if len(rule.NonResourceURLs) > 0 {
			return false
		}
		for _, g := range rule.APIGroups {
			for _, res := range rule.Resources {
				base, _, _ := strings.Cut(res, "/")
				if g == "*" || base == "*" {
					return false
				}
				if api, ok := m.Catalog.Lookup(g, base); !ok || !api.Namespaced {
					return false
				}
			}
		}
	}
	return true
}

type escalationPath struct{}

func (escalationPath) Meta() check.Meta {
	return check.Meta{ID: "rbac/escalation-path", Title: "Subject can escalate to more rights than it was given", Severity: finding.SeverityHigh,
		Category: finding.CategoryCluster,
		Why: "Permissions combine: creating a Deployment runs a pod as any ServiceAccount of the namespace, exec takes over running pods, bind and impersonate hand out other identities. " +
			"What a subject can reach is what it effectively holds.",
		Remediation: "break the first step of the path (the rule named in the finding), or take the rights off the identity it leads to",
		Controls:    []string{"CIS 5.1.1", "CIS 5.1.4", "CIS 5.1.8"}, Kinds: []string{"RoleBinding", "ClusterRoleBinding"}}
}

// CheckInventory reports, for every subject that the input's own bindings
// name (Kubernetes' system: users and groups aside), the most severe
// identity it can reach with rights beyond its own: cluster-admin, root on
// a node, or another identity or role; on the subject's first binding.
// Lengthy: the escalation graph is the longest analysis of a scan.
func (escalationPath) Lengthy() bool { return true }

func (escalationPath) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	// A graph of its own, dropped when the check is done: no other check
	// needs it, and it is the largest part of the analysis.
	g := rbac.NewGraph(m.Policy, m.State)
	type place struct {
		b *rbac.Binding
		i int
	}
	first := map[string]place{}
	var order []string
	for _, b := range ownBindings(ctx) {
		for i, s := range b.Subjects {
			if systemSubject(s) {
				continue
			}
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
				s.Namespace = b.Namespace
			}
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
				continue
			}
			key := rbac.SubjectString(s)
			if _, ok := first[key]; !ok {
				first[key] = place{b, i}
				order = append(order, key)
			}
		}
	}
	starts := make([]*rbac.Node, len(order))
	for i, subject := range order {
		who, err := rbac.ParseSubject(subject)
		if err != nil {
			continue
		}
		starts[i] = g.IdentityNode(subject, who)
	}
	g.Prepare(slices.DeleteFunc(slices.Clone(starts), func(n *rbac.Node) bool { return n == nil }))
	for i, subject := range order {
		if starts[i] == nil {
			continue
		}
		worst, path := g.Worst(starts[i])
		if worst == nil {
			continue
		}
		sev := finding.SeverityHigh
		if worst.Kind == rbac.ClusterAdmin {
			sev = finding.SeverityCritical
		}
		var steps, how []string
		for _, e := range path {
			if e.Primitive != "" {
				steps = append(steps, e.Primitive)
			}
			how = append(how, e.To.String()+": "+e.How)
		}
		at := first[subject]
		report(check.Result{Object: at.b.Object, Field: fmt.Sprintf("subjects[%d]", at.i), Severity: sev,
			Message: fmt.Sprintf("%s can reach %s in %d step(s): %s (see rampart rbac paths %s)", subject, worst, len(steps),
				strings.Join(steps, " → "), subject),
			Evidence: map[string]any{"subject": subject, "reaches": worst.String(), "path": how}})
	}
}
