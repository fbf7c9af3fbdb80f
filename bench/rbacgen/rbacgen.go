// Package rbacgen generates an RBAC estate the size of a large real
// cluster (shared/reference/rbac-semantics.md §11: about 900 ClusterRoles,
// 700 ClusterRoleBindings, 1,400 Roles, 4,500 RoleBindings, 5,000
// ServiceAccounts in 300 namespaces), with the shapes real clusters have:
// operator ClusterRoles bound to their ServiceAccounts, aggregated roles,
// teams bound to view/edit/admin per namespace, a few dangerous rules, and
// pods that mount their ServiceAccount tokens. Deterministic for a seed.
package rbacgen

import (
	"fmt"
	"math/rand/v2"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Sizes are how many objects of each kind to make.
type Sizes struct {
	Namespaces, ServiceAccounts, ClusterRoles, ClusterRoleBindings, Roles, RoleBindings, Deployments int
}

// Large is the size of the benchmark.
var Large = Sizes{Namespaces: 300, ServiceAccounts: 5000, ClusterRoles: 900, ClusterRoleBindings: 700, Roles: 1400, RoleBindings: 4500, Deployments: 3000}

// Estate is a generated set of objects.
type Estate struct {
	Objects []*inventory.Object
	// Counts per kind, for reports.
	Counts map[string]int
}

var (
	groups    = []string{"", "apps", "batch", "networking.k8s.io", "policy", "autoscaling", "monitoring.coreos.com", "cert-manager.io", "argoproj.io", "example.com"}
	resources = map[string][]string{
		"":                      {"pods", "pods/log", "services", "endpoints", "configmaps", "secrets", "serviceaccounts", "events", "persistentvolumeclaims", "nodes", "namespaces", "pods/exec"},
		"apps":                  {"deployments", "statefulsets", "daemonsets", "replicasets", "deployments/scale"},
		"batch":                 {"jobs", "cronjobs"},
		"networking.k8s.io":     {"ingresses", "networkpolicies"},
		"policy":                {"poddisruptionbudgets"},
		"autoscaling":           {"horizontalpodautoscalers"},
		"monitoring.coreos.com": {"servicemonitors", "prometheusrules", "podmonitors"},
		"cert-manager.io":       {"certificates", "issuers", "certificaterequests"},
		"argoproj.io":           {"applications", "appprojects", "workflows"},
		"example.com":           {"widgets", "gadgets"},
	}
	readVerbs  = []string{"get", "list", "watch"}
	writeVerbs = []string{"create", "update", "patch", "delete"}
)

type gen struct {
	rng  *rand.Rand
	objs []*inventory.Object
	n    map[string]int
}

func (g *gen) add(kind, apiVersion, ns, name string, o runtime.Object) {
	g.objs = append(g.objs, &inventory.Object{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name, Typed: o,
		Source: inventory.Source{Origin: "generated"}})
	g.n[kind]++
}

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *gen) rule(namespaced bool) rbacv1.PolicyRule {
	grp := g.pick(groups)
	var res []string
	for range 1 + g.rng.IntN(3) {
		r := g.pick(resources[grp])
		if namespaced && (r == "nodes" || r == "namespaces") {
			r = "configmaps"
		}
		res = append(res, r)
	}
	verbs := readVerbs
	if g.rng.IntN(3) == 0 {
		verbs = append(append([]string{}, readVerbs...), writeVerbs[:1+g.rng.IntN(len(writeVerbs))]...)
	}
	r := rbacv1.PolicyRule{APIGroups: []string{grp}, Resources: res, Verbs: verbs}
	if g.rng.IntN(20) == 0 {
		r.ResourceNames = []string{fmt.Sprintf("obj-%d", g.rng.IntN(50))}
	}
	return r
}

func (g *gen) rules(namespaced bool) []rbacv1.PolicyRule {
	out := make([]rbacv1.PolicyRule, 2+g.rng.IntN(6))
	for i := range out {
		out[i] = g.rule(namespaced)
	}
	return out
}

func user(i int) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("user-%d@example.com", i)}
}

func group(i int) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("team-%d", i)}
}

// Generate makes an estate.
func Generate(seed uint64, s Sizes) *Estate {
	g := &gen{rng: rand.New(rand.NewPCG(seed, 0x7262_6163)), n: map[string]int{}} // #nosec G404 -- reproducible test data, not secrets
	nss := make([]string, s.Namespaces)
	for i := range nss {
		nss[i] = fmt.Sprintf("ns-%03d", i)
		labels := map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}
		if i%10 == 0 {
			labels = nil // a tenth without Pod Security: privileged pods get in
		}
		g.add("Namespace", "v1", "", nss[i], &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nss[i], Labels: labels}})
	}
	type sa struct{ ns, name string }
	sas := make([]sa, s.ServiceAccounts)
	for i := range sas {
		sas[i] = sa{nss[i%len(nss)], fmt.Sprintf("sa-%d", i)}
		g.add("ServiceAccount", "v1", sas[i].ns, sas[i].name, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sas[i].name, Namespace: sas[i].ns}})
	}
	saSubject := func(x sa) rbacv1.Subject {
		return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: x.name, Namespace: x.ns}
	}
	var clusterRoles []string
	for i := range s.ClusterRoles {
		name := fmt.Sprintf("cr-%d", i)
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}, Rules: g.rules(false)}
		switch {
		case i%25 == 0: // a CRD's roles pushed into view/edit
			cr.Labels["rbac.authorization.k8s.io/aggregate-to-"+g.pick([]string{"view", "edit"})] = "true"
		case i%97 == 1: // the occasional operator with too much
			cr.Rules = append(cr.Rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}},
				rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"create", "delete"}})
		case i%211 == 2:
			cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}
		case i%50 == 3: // aggregated roles of its own
			cr.Rules = nil
			cr.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"agg": name}}}}
		}
		if i%7 == 0 && i > 3 {
			cr.Labels["agg"] = fmt.Sprintf("cr-%d", (i/50)*50+3)
		}
		clusterRoles = append(clusterRoles, name)
		g.add("ClusterRole", "rbac.authorization.k8s.io/v1", "", name, cr)
	}
	for i := range s.ClusterRoleBindings {
		var subjects []rbacv1.Subject
		switch {
		case i%10 < 7: // operators
			subjects = []rbacv1.Subject{saSubject(sas[g.rng.IntN(len(sas))])}
		case i%10 < 9:
			subjects = []rbacv1.Subject{group(g.rng.IntN(60))}
		default:
			subjects = []rbacv1.Subject{user(g.rng.IntN(400)), user(g.rng.IntN(400))}
		}
		name := fmt.Sprintf("crb-%d", i)
		g.add("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "", name, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: g.pick(clusterRoles)}, Subjects: subjects})
	}
	rolesIn := map[string][]string{}
	for i := range s.Roles {
		ns := nss[i%len(nss)]
		name := fmt.Sprintf("role-%d", i)
		rolesIn[ns] = append(rolesIn[ns], name)
		g.add("Role", "rbac.authorization.k8s.io/v1", ns, name, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Rules: g.rules(true)})
	}
	builtins := []string{"view", "edit", "admin"}
	for i := range s.RoleBindings {
		ns := nss[g.rng.IntN(len(nss))]
		ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: g.pick(builtins)}
		switch r := g.rng.IntN(10); {
		case r < 5 && len(rolesIn[ns]) > 0:
			ref = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: g.pick(rolesIn[ns])}
		case r < 7:
			ref.Name = g.pick(clusterRoles)
		}
		var subjects []rbacv1.Subject
		switch g.rng.IntN(3) {
		case 0:
			subjects = []rbacv1.Subject{group(g.rng.IntN(60))}
		case 1:
			subjects = []rbacv1.Subject{user(g.rng.IntN(400))}
		default:
			subjects = []rbacv1.Subject{saSubject(sas[g.rng.IntN(len(sas))])}
		}
		name := fmt.Sprintf("rb-%d", i)
		g.add("RoleBinding", "rbac.authorization.k8s.io/v1", ns, name, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			RoleRef: ref, Subjects: subjects})
	}
	one := int32(1)
	for i := range s.Deployments {
		x := sas[g.rng.IntN(len(sas))]
		name := fmt.Sprintf("app-%d", i)
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: x.ns}, Spec: appsv1.DeploymentSpec{Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{ServiceAccountName: x.name, Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/app:1"}}}}}}
		g.add("Deployment", "apps/v1", x.ns, name, d)
	}
	return &Estate{Objects: g.objs, Counts: g.n}
}
