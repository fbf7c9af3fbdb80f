// Package rbaccheck turns the RBAC engine's answers (pkg/rbac) into scan
// findings: dangerous rules, dangerous bindings and escalation paths. The
// roles and bindings Kubernetes creates itself are recognised and not
// reported unless changed.
package rbaccheck

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/rbac"
	rbacv1 "k8s.io/api/rbac/v1"
)

// Checks returns the RBAC checks.
func Checks() []check.Check {
	return []check.Check{clusterAdminBinding{}, wildcardRule{}, secretsRead, escalationPath{}, impersonate,
		bindOrEscalate, podExec, nodesProxy, defaultSABound{}, anonymousBinding{}, clusterWideBinding{}}
}

// model is the scan's RBAC model, built once for all the checks.
func model(ctx *check.Context) *rbac.Model {
	return ctx.Shared("rbac.model", func() any {
		return rbac.NewModel(ctx.Inventory, rbac.ModelOptions{Live: ctx.Live})
	}).(*rbac.Model)
}

// ownRoles are the roles of the input that are not Kubernetes' unchanged
// defaults.
func ownRoles(ctx *check.Context) []*rbac.Role { return own(ctx).roles }

func ownBindings(ctx *check.Context) []*rbac.Binding { return own(ctx).bindings }

type ownObjects struct {
	roles    []*rbac.Role
	bindings []*rbac.Binding
}

// own is worked out once per scan for all the checks: telling a changed
// default from an unchanged one compares rules, which is not free.
func own(ctx *check.Context) *ownObjects {
	return ctx.Shared("rbac.own", func() any {
		m := model(ctx)
		o := &ownObjects{}
		for _, r := range m.Policy.Roles() {
			if r.Object != nil && !rbac.UnchangedDefaultRole(r) {
				o.roles = append(o.roles, r)
			}
		}
		for _, b := range m.Policy.Bindings() {
			if b.Object != nil && !rbac.UnchangedDefaultBinding(b) {
				o.bindings = append(o.bindings, b)
			}
		}
		return o
	}).(*ownObjects)
}

// systemSubject: Kubernetes' own users and groups.
func systemSubject(s rbacv1.Subject) bool {
	return s.Kind != rbacv1.ServiceAccountKind && strings.HasPrefix(s.Name, "system:")
}

// holders says who holds a role, for messages, and whether anyone does.
func holders(m *rbac.Model, r *rbac.Role) (string, bool) {
	var subjects []string
	seen := map[string]bool{}
	// A role aggregated into others (view, edit, admin...) is held by
	// whoever holds those.
	var bindings []*rbac.Binding
	for _, x := range append([]*rbac.Role{r}, m.Policy.AggregatedInto(r)...) {
		bindings = append(bindings, m.Policy.BindingsOf(x)...)
	}
	for _, b := range bindings {
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
				s.Namespace = b.Namespace
			}
			str := rbac.SubjectString(s)
			if b.Kind == "RoleBinding" {
				str += " in " + b.Namespace
			}
			if !seen[str] {
				seen[str] = true
				subjects = append(subjects, str)
			}
		}
	}
	if len(subjects) == 0 {
		return "no binding refers to it", false
	}
	sort.Strings(subjects)
	if len(subjects) > 5 {
		subjects = append(subjects[:5], fmt.Sprintf("%d more", len(subjects)-5))
	}
	return "held by " + strings.Join(subjects, ", "), true
}

// allWildcard: a rule of every verb on every resource of every group,
// which wildcard-rule and cluster-admin-binding report; the narrower
// checks leave it to them.
func allWildcard(r *rbacv1.PolicyRule) bool {
	return has(r.Verbs, "*") && has(r.APIGroups, "*") && has(r.Resources, "*")
}

func has(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// ruleCheck reports every rule of the input's own roles that allows one
// of the actions.
type ruleCheck struct {
	meta    check.Meta
	actions []rbac.Action
	what    string
	skipAll bool
	// namedIsFine: a rule limited by resourceNames is what the check's
	// remediation asks for, not a finding.
	namedIsFine bool
}

// Meta implements check.Check.
func (c *ruleCheck) Meta() check.Meta { return c.meta }

// CheckInventory implements check.InventoryCheck.
func (c *ruleCheck) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, r := range ownRoles(ctx) {
		held, bound := holders(m, r)
		for i := range r.Rules {
			rule := &r.Rules[i]
			if c.skipAll && allWildcard(rule) {
				continue
			}
			var allowed []string
			for _, a := range c.actions {
				// A rule limited by resourceNames still allows what it
				// names: ask with each name.
				names := []string{""}
				if len(rule.ResourceNames) > 0 {
					if c.namedIsFine {
						continue
					}
					names = rule.ResourceNames
				}
				var limited []string
				for _, n := range names {
					a.Name = n
					if rbac.RuleAllows(rule, &a) {
						limited = append(limited, n)
					}
				}
				switch {
				case len(limited) == 0:
				case limited[0] == "":
					allowed = append(allowed, a.Verb+" "+a.ResourceString())
				default:
					allowed = append(allowed, a.Verb+" "+a.ResourceString()+" ["+strings.Join(limited, ",")+"]")
				}
			}
			if len(allowed) == 0 {
				continue
			}
			sev := finding.Severity(0)
			if !bound {
				sev = finding.SeverityLow
			}
			report(check.Result{Object: r.Object, Field: fmt.Sprintf("rules[%d]", i), Severity: sev,
				Message:  fmt.Sprintf("%s %s: it allows %s (%s)", r.Ref(), c.what, strings.Join(allowed, ", "), held),
				Evidence: map[string]any{"rule": rbac.FormatRule(*rule), "allows": allowed}})
		}
	}
}

var secretsRead = &ruleCheck{
	meta: check.Meta{ID: "rbac/secrets-read", Title: "Role can read Secrets", Severity: finding.SeverityHigh, Category: finding.CategoryCluster,
		Why:         "get, list and watch on Secrets return their data: ServiceAccount tokens, cloud and CI credentials. list and watch return every Secret of the namespace at once.",
		Remediation: "grant access to named Secrets only (resourceNames), or let the workload mount the one Secret it needs",
		Controls:    []string{"CIS 5.1.2"}, Kinds: []string{"Role", "ClusterRole"}},
	actions: []rbac.Action{{Verb: "get", Resource: "secrets"}, {Verb: "list", Resource: "secrets"}, {Verb: "watch", Resource: "secrets"}},
	what:    "reads Secrets", skipAll: true, namedIsFine: true,
}

var impersonate = &ruleCheck{
	meta: check.Meta{ID: "rbac/impersonate", Title: "Role can impersonate", Severity: finding.SeverityHigh, Category: finding.CategoryCluster,
		Why:         "impersonate on users, groups or ServiceAccounts lets the holder act as them; impersonating the group system:masters bypasses authorization entirely.",
		Remediation: "remove impersonate, or restrict it with resourceNames to the identities that are needed",
		Controls:    []string{"CIS 5.1.8"}, Kinds: []string{"Role", "ClusterRole"}},
	actions: []rbac.Action{{Verb: "impersonate", Resource: "users"}, {Verb: "impersonate", Resource: "groups"},
		{Verb: "impersonate", Resource: "serviceaccounts"}, {Verb: "impersonate", APIGroup: "authentication.k8s.io", Resource: "uids"}},
	what: "impersonates", skipAll: true,
}

var bindOrEscalate = &ruleCheck{
	meta: check.Meta{ID: "rbac/bind-or-escalate", Title: "Role can bind or escalate roles", Severity: finding.SeverityHigh, Category: finding.CategoryCluster,
		Why:         "bind lets the holder grant any role it may bind, and escalate lets it write rules it does not hold itself: both lift the API server's protection against privilege escalation.",
		Remediation: "remove bind and escalate, or restrict bind with resourceNames to the roles that may be handed out",
		Controls:    []string{"CIS 5.1.8"}, Kinds: []string{"Role", "ClusterRole"}},
	actions: []rbac.Action{
		{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: "clusterroles"}, {Verb: "bind", APIGroup: rbacv1.GroupName, Resource: "roles"},
		{Verb: "escalate", APIGroup: rbacv1.GroupName, Resource: "clusterroles"}, {Verb: "escalate", APIGroup: rbacv1.GroupName, Resource: "roles"}},
	what: "lifts the escalation check", skipAll: true,
}

var podExec = &ruleCheck{
	meta: check.Meta{ID: "rbac/pod-exec", Title: "Role can exec or attach into pods", Severity: finding.SeverityMedium, Category: finding.CategoryCluster,
		Why:         "exec and attach give a shell in running pods, with their ServiceAccount tokens, mounted Secrets and network position. Before Kubernetes 1.35 get was enough over WebSockets.",
		Remediation: "grant pods/exec and pods/attach only to break-glass roles, in the namespaces that need them",
		Controls:    []string{"CIS 5.1.4"}, Kinds: []string{"Role", "ClusterRole"}},
	actions: []rbac.Action{{Verb: "create", Resource: "pods", Subresource: "exec"}, {Verb: "create", Resource: "pods", Subresource: "attach"},
		{Verb: "get", Resource: "pods", Subresource: "exec"}, {Verb: "get", Resource: "pods", Subresource: "attach"}},
	what: "enters running pods", skipAll: true,
}

var nodesProxy = &ruleCheck{
	meta: check.Meta{ID: "rbac/nodes-proxy", Title: "Role can reach the kubelet API through nodes/proxy", Severity: finding.SeverityHigh, Category: finding.CategoryCluster,
		Why:         "nodes/proxy reaches the kubelet API of every node: even get lets the holder run commands in any pod there, bypassing admission and audit.",
		Remediation: "grant nodes/metrics, nodes/stats or nodes/log for monitoring instead (KubeletFineGrainedAuthz), never nodes/proxy",
		Controls:    []string{"CIS 5.1.10"}, Kinds: []string{"ClusterRole", "Role"}},
	actions: []rbac.Action{{Verb: "get", Resource: "nodes", Subresource: "proxy"}, {Verb: "create", Resource: "nodes", Subresource: "proxy"}},
	what:    "proxies to kubelets", skipAll: true,
}

type wildcardRule struct{}

func (wildcardRule) Meta() check.Meta {
	return check.Meta{ID: "rbac/wildcard-rule", Title: "Role uses wildcards", Severity: finding.SeverityMedium, Category: finding.CategoryCluster,
		Why:         "\"*\" grants every verb, resource or group, including those added later (new resources, subresources, custom verbs such as escalate and impersonate).",
		Remediation: "list the verbs, resources and API groups the role needs",
		Controls:    []string{"CIS 5.1.3"}, Kinds: []string{"Role", "ClusterRole"}}
}

func (wildcardRule) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := model(ctx)
	for _, r := range ownRoles(ctx) {
		held, bound := holders(m, r)
		for i, rule := range r.Rules {
			var where []string
			for _, f := range []struct {
				name string
				list []string
			}{{"verbs", rule.Verbs}, {"apiGroups", rule.APIGroups}, {"resources", rule.Resources}, {"nonResourceURLs", rule.NonResourceURLs}} {
				if has(f.list, "*") {
					where = append(where, f.name)
				}
			}
			if len(where) == 0 {
				continue
			}
			sev := finding.Severity(0)
			switch {
			case !bound:
				sev = finding.SeverityLow
			case allWildcard(&rule):
				sev = finding.SeverityHigh
			}
			report(check.Result{Object: r.Object, Field: fmt.Sprintf("rules[%d]", i), Severity: sev,
				Message:  fmt.Sprintf("%s has \"*\" in %s (%s)", r.Ref(), strings.Join(where, ", "), held),
				Evidence: map[string]any{"rule": rbac.FormatRule(rule)}})
		}
	}
}
