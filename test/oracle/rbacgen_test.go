package oracle_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/rampart-k8s/rampart/pkg/rbac"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rbacGen generates random, well-formed RBAC objects and questions about
// them. The pools are small on purpose, so that random rules and random
// questions meet often, and they hold every trap of
// shared/reference/rbac-semantics.md §13: "*/scale", "pods/*", "/healthz*",
// resourceNames with list and watch, RoleBindings to ClusterRoles with
// URLs, the namespace object itself, ServiceAccounts without a namespace,
// case-sensitive names, missing roles, nested aggregation.
type rbacGen struct {
	rng        *rand.Rand
	namespaces []string
}

var (
	genVerbs     = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "impersonate", "bind", "escalate", "use", "frob", "*"}
	genGroups    = []string{"", "apps", "batch", "rbac.authorization.k8s.io", "example.com", "*"}
	genResources = []string{"pods", "pods/log", "pods/exec", "pods/*", "*/scale", "deployments", "deployments/scale", "secrets",
		"namespaces", "nodes", "configmaps", "widgets", "serviceaccounts/token", "*/status", "roles", "*"}
	genNames    = []string{"n0", "n1", "rt-0", "*"}
	genURLs     = []string{"/healthz", "/healthz*", "/metrics", "/api/*", "/logs/", "/logs/*", "/a**", "*", "/version"}
	genURLVerbs = []string{"get", "post", "put", "delete", "head", "*"}
	genUsers    = []string{"u0", "u1", "u2", "u3", "U0", "system:anonymous"}
	genGroupSet = []string{"g0", "g1", "g2", "system:authenticated", "system:unauthenticated"}
	genSAs      = []string{"sa0", "sa1", "default"}
	// Aggregation labels: aggregated role i selects aggLabels[i] and may
	// carry only its own label or labels of a higher index, so nesting never
	// cycles.
	aggLabels = []string{"rt.example/agg-0", "rt.example/agg-1", "rt.example/agg-2"}
)

func (g *rbacGen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *rbacGen) some(xs []string, max int) []string {
	n := 1 + g.rng.IntN(max)
	out := make([]string, 0, n)
	for range n {
		x := g.pick(xs)
		out = append(out, x)
	}
	return out
}

func (g *rbacGen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *rbacGen) rule(clusterScoped bool) rbacv1.PolicyRule {
	if clusterScoped && g.chance(0.2) {
		return rbacv1.PolicyRule{Verbs: g.some(genURLVerbs, 2), NonResourceURLs: g.some(genURLs, 2)}
	}
	r := rbacv1.PolicyRule{Verbs: g.some(genVerbs, 3), APIGroups: g.some(genGroups, 2), Resources: g.some(genResources, 3)}
	if g.chance(0.25) {
		r.ResourceNames = g.some(genNames, 2)
	}
	return r
}

func (g *rbacGen) rules(clusterScoped bool) []rbacv1.PolicyRule {
	n := 1 + g.rng.IntN(3)
	out := make([]rbacv1.PolicyRule, n)
	for i := range out {
		out[i] = g.rule(clusterScoped)
	}
	return out
}

func (g *rbacGen) subjects(namespaced bool) []rbacv1.Subject {
	n := 1 + g.rng.IntN(3)
	var out []rbacv1.Subject
	for range n {
		switch g.rng.IntN(3) {
		case 0:
			out = append(out, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: g.pick(genUsers)})
		case 1:
			name := g.pick(genGroupSet)
			if g.chance(0.2) {
				name = "system:serviceaccounts:" + g.pick(g.namespaces)
			}
			out = append(out, rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name})
		default:
			s := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: g.pick(genSAs), Namespace: g.pick(g.namespaces)}
			if namespaced && g.chance(0.4) {
				s.Namespace = "" // defaults to the RoleBinding's namespace
			}
			out = append(out, s)
		}
	}
	return out
}

// input generates one RBAC set; every name starts with "rt-".
func (g *rbacGen) input(clusterRoles, roles, clusterBindings, bindings int) rbac.Input {
	var in rbac.Input
	for i := range clusterRoles {
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rt-%d", i), Labels: map[string]string{}}}
		if i < len(aggLabels) {
			cr.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{g.selector(aggLabels[i])}}
			// Rules written by hand are replaced by aggregation, and a role
			// that its own selector picks is skipped: the first aggregated
			// role always has both, so every run tests them.
			if i == 0 || g.chance(0.5) {
				cr.Rules = g.rules(true)
			}
			if i == 0 {
				cr.Labels[aggLabels[0]] = "true"
			}
			for j := i; j < len(aggLabels); j++ { // its own label too: the controller skips the role itself
				if g.chance(0.5) {
					cr.Labels[aggLabels[j]] = "true"
				}
			}
		} else {
			cr.Rules = g.rules(true)
			for _, l := range aggLabels {
				if g.chance(0.2) {
					cr.Labels[l] = "true"
				}
			}
			// Into the built-in view, edit and admin roles, as a CRD's
			// roles do.
			if g.chance(0.05) {
				cr.Labels["rbac.authorization.k8s.io/aggregate-to-"+g.pick([]string{"view", "edit", "admin"})] = "true"
			}
		}
		in.ClusterRoles = append(in.ClusterRoles, cr)
	}
	for i := range roles {
		ns := g.pick(g.namespaces)
		in.Roles = append(in.Roles, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rt-%d", i), Namespace: ns}, Rules: g.rules(false)})
	}
	for i := range clusterBindings {
		in.ClusterRoleBindings = append(in.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rt-%d", i)},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: g.roleName(clusterRoles)},
			Subjects:   g.subjects(false),
		})
	}
	for i := range bindings {
		ns := g.pick(g.namespaces)
		ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: g.roleName(clusterRoles)}
		if g.chance(0.5) {
			ref = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "rt-missing"}
			var here []string
			for _, r := range in.Roles {
				if r.Namespace == ns {
					here = append(here, r.Name)
				}
			}
			if len(here) > 0 && !g.chance(0.05) {
				ref.Name = g.pick(here)
			}
		}
		in.RoleBindings = append(in.RoleBindings, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rt-%d", i), Namespace: ns},
			RoleRef:    ref,
			Subjects:   g.subjects(true),
		})
	}
	return in
}

// roleName is an existing role name mostly, a missing one sometimes
// (per namespace, a Role named rt-i exists only where it was put).
func (g *rbacGen) roleName(n int) string {
	if g.chance(0.05) {
		return "rt-missing"
	}
	return fmt.Sprintf("rt-%d", g.rng.IntN(n))
}

func (g *rbacGen) selector(label string) metav1.LabelSelector {
	switch g.rng.IntN(3) {
	case 0:
		return metav1.LabelSelector{MatchLabels: map[string]string{label: "true"}}
	case 1:
		return metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: label, Operator: metav1.LabelSelectorOpExists}}}
	default:
		return metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: label, Operator: metav1.LabelSelectorOpIn, Values: []string{"true", "yes"}}}}
	}
}

// principal is a random requester with the groups an authenticator might
// give it (SubjectAccessReview adds none, and neither does Decide).
func (g *rbacGen) principal() rbac.Principal {
	var p rbac.Principal
	if g.chance(0.4) {
		ns := g.pick(g.namespaces)
		p.User = "system:serviceaccount:" + ns + ":" + g.pick(genSAs)
		if g.chance(0.8) {
			p.Groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
		}
	} else {
		p.User = g.pick(genUsers)
		for _, grp := range genGroupSet {
			if g.chance(0.3) {
				p.Groups = append(p.Groups, grp)
			}
		}
	}
	if g.chance(0.01) {
		p.Groups = append(p.Groups, "system:masters")
	}
	return p
}

func (g *rbacGen) action() rbac.Action {
	if g.chance(0.15) {
		paths := []string{"/healthz", "/healthzfoo", "/healthz/ready", "/metrics", "/api", "/api/v1", "/apis", "/logs/", "/logs/a", "/a", "/abc", "/version", "/", "/readyz", "/livez", "/openid/v1/jwks"}
		return rbac.Action{NonResource: true, Verb: g.pick(genURLVerbs[:5]), Path: g.pick(paths)}
	}
	a := rbac.Action{
		Verb:      g.pick(genVerbs[:len(genVerbs)-1]),
		APIGroup:  g.pick([]string{"", "", "apps", "batch", "rbac.authorization.k8s.io", "example.com", "other.io"}),
		Resource:  g.pick([]string{"pods", "deployments", "secrets", "namespaces", "nodes", "configmaps", "widgets", "serviceaccounts", "roles"}),
		Namespace: g.pick(append([]string{"", "", "elsewhere"}, g.namespaces...)),
	}
	if g.chance(0.4) {
		a.Subresource = g.pick([]string{"log", "exec", "scale", "status", "token", "*"})
	}
	if g.chance(0.5) {
		a.Name = g.pick(append([]string{"n2", "other"}, genNames...))
	}
	// A request on a Namespace object carries that namespace: the case of
	// a RoleBinding granting rights on its own namespace object.
	if a.Resource == "namespaces" && a.Namespace != "" && g.chance(0.5) {
		a.Name = a.Namespace
	}
	return a
}
