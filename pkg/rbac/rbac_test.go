package rbac

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func res(verb, group, resource, sub, name string) *Action {
	return &Action{Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Name: name}
}

// TestRuleMatching holds the traps of shared/reference/rbac-semantics.md
// §2 and §9, each a mistake some peer tool makes.
func TestRuleMatching(t *testing.T) {
	cases := []struct {
		name string
		rule rbacv1.PolicyRule
		a    *Action
		want bool
	}{
		{"exact", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}, res("get", "", "pods", "", ""), true},
		{"verb is case-sensitive", rbacv1.PolicyRule{Verbs: []string{"Get"}, APIGroups: []string{""}, Resources: []string{"pods"}}, res("get", "", "pods", "", ""), false},
		{"* verb covers custom verbs", rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"}}, res("escalate", "rbac.authorization.k8s.io", "clusterroles", "", ""), true},
		{"group must match (KubiScan, krane)", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"deployments"}}, res("get", "apps", "deployments", "", ""), false},
		{"deployments live in apps (KubeHound)", rbacv1.PolicyRule{Verbs: []string{"create"}, APIGroups: []string{"apps"}, Resources: []string{"deployments"}}, res("create", "apps", "deployments", "", ""), true},
		{"empty apiGroups match nothing", rbacv1.PolicyRule{Verbs: []string{"get"}, Resources: []string{"pods"}}, res("get", "", "pods", "", ""), false},
		{"pods does not grant pods/log", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}, res("get", "", "pods", "log", ""), false},
		{"pods/* is a literal (KubeHound)", rbacv1.PolicyRule{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods/*"}}, res("create", "", "pods", "exec", ""), false},
		{"pods/* does not grant pods", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods/*"}}, res("get", "", "pods", "", ""), false},
		{"*/scale grants every scale (who-can, rbac-tool)", rbacv1.PolicyRule{Verbs: []string{"patch"}, APIGroups: []string{"apps"}, Resources: []string{"*/scale"}}, res("patch", "apps", "deployments", "scale", ""), true},
		{"*/scale is not the resource itself", rbacv1.PolicyRule{Verbs: []string{"patch"}, APIGroups: []string{"apps"}, Resources: []string{"*/scale"}}, res("patch", "apps", "deployments", "", ""), false},
		{"*/scale is not */scales", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"*"}, Resources: []string{"*/scale"}}, res("get", "x", "y", "scales", ""), false},
		{"* resource covers subresources", rbacv1.PolicyRule{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"*"}}, res("create", "", "pods", "exec", ""), true},
		{"resourceNames restrict", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"a"}}, res("get", "", "secrets", "", "b"), false},
		{"resourceNames allow the name", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"a"}}, res("get", "", "secrets", "", "a"), true},
		{"* in resourceNames is a literal", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"*"}}, res("get", "", "secrets", "", "a"), false},
		{"resourceNames never allow an unnamed list", rbacv1.PolicyRule{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"a"}}, res("list", "", "secrets", "", ""), false},
		{"resourceNames allow a list by name", rbacv1.PolicyRule{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"a"}}, res("list", "", "secrets", "", "a"), true},
		{"url exact", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}, &Action{Verb: "get", NonResource: true, Path: "/healthz"}, true},
		{"url prefix /healthz* matches /healthzfoo", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz*"}}, &Action{Verb: "get", NonResource: true, Path: "/healthzfoo"}, true},
		{"url without * is exact", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}, &Action{Verb: "get", NonResource: true, Path: "/healthz/ready"}, false},
		{"url trailing stars all go", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/a**"}}, &Action{Verb: "get", NonResource: true, Path: "/abc"}, true},
		{"resource rule never allows a url", rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}, &Action{Verb: "get", NonResource: true, Path: "/metrics"}, false},
	}
	for _, c := range cases {
		if got := RuleAllows(&c.rule, c.a); got != c.want {
			t.Errorf("%s: RuleAllows = %v, want %v", c.name, got, c.want)
		}
	}
}

func sample() Input {
	return Input{
		ClusterRoles: []*rbacv1.ClusterRole{
			{ObjectMeta: metav1.ObjectMeta{Name: "reader"}, Rules: []rbacv1.PolicyRule{
				{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"secrets"}},
				{Verbs: []string{"get"}, NonResourceURLs: []string{"/metrics"}},
			}},
			{ObjectMeta: metav1.ObjectMeta{Name: "nodes"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"nodes"}}}},
		},
		Roles: []*rbacv1.Role{
			{ObjectMeta: metav1.ObjectMeta{Name: "local", Namespace: "a"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods"}}}},
		},
		RoleBindings: []*rbacv1.RoleBinding{
			{ObjectMeta: metav1.ObjectMeta{Name: "rb", Namespace: "a"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "reader"},
				Subjects: []rbacv1.Subject{{Kind: "User", Name: "dev"}, {Kind: "ServiceAccount", Name: "app"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "local", Namespace: "a"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "local"},
				Subjects: []rbacv1.Subject{{Kind: "Group", Name: "devs"}}},
			// A Role of another namespace is not found from here.
			{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere", Namespace: "b"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "local"},
				Subjects: []rbacv1.Subject{{Kind: "Group", Name: "devs"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "nodes", Namespace: "a"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "nodes"},
				Subjects: []rbacv1.Subject{{Kind: "User", Name: "dev"}}},
		},
		ClusterRoleBindings: []*rbacv1.ClusterRoleBinding{
			{ObjectMeta: metav1.ObjectMeta{Name: "nons"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "reader"},
				Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "lost"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "missing"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "gone"},
				Subjects: []rbacv1.Subject{{Kind: "User", Name: "dev"}}},
		},
	}
}

func TestBindingResolution(t *testing.T) {
	p := New(sample(), Options{})
	dev := Principal{User: "dev"}
	app := Principal{User: "system:serviceaccount:a:app"}
	devs := Principal{User: "x", Groups: []string{"devs"}}
	cases := []struct {
		name string
		who  Principal
		a    Action
		want bool
	}{
		{"RoleBinding to a ClusterRole grants in its namespace", dev, Action{Verb: "list", Resource: "secrets", Namespace: "a"}, true},
		{"and nowhere else", dev, Action{Verb: "list", Resource: "secrets", Namespace: "b"}, false},
		{"nor cluster-wide", dev, Action{Verb: "list", Resource: "secrets"}, false},
		{"URLs through a RoleBinding have no effect", dev, Action{Verb: "get", NonResource: true, Path: "/metrics"}, false},
		{"cluster-scoped resources need a ClusterRoleBinding", dev, Action{Verb: "get", Resource: "nodes"}, false},
		{"ServiceAccount subject takes the binding's namespace", app, Action{Verb: "get", Resource: "secrets", Namespace: "a"}, true},
		{"ServiceAccount of another namespace", Principal{User: "system:serviceaccount:b:app"}, Action{Verb: "get", Resource: "secrets", Namespace: "a"}, false},
		{"ClusterRoleBinding ServiceAccount without namespace never matches", Principal{User: "system:serviceaccount::lost"}, Action{Verb: "get", Resource: "secrets", Namespace: "a"}, false},
		{"group through a Role", devs, Action{Verb: "create", Resource: "pods", Namespace: "a"}, true},
		{"a Role of another namespace is not found", devs, Action{Verb: "create", Resource: "pods", Namespace: "b"}, false},
		{"user names are case-sensitive", Principal{User: "Dev"}, Action{Verb: "list", Resource: "secrets", Namespace: "a"}, false},
		{"system:masters", Principal{User: "root", Groups: []string{"system:masters"}}, Action{Verb: "delete", Resource: "nodes"}, true},
	}
	for _, c := range cases {
		d := p.Decide(c.who, c.a)
		if d.Allowed != c.want {
			t.Errorf("%s: %s %s = %v, want %v", c.name, c.who, c.a, d.Allowed, c.want)
		}
		if d.Allowed && !d.Masters && len(d.Grants) == 0 {
			t.Errorf("%s: allowed without evidence", c.name)
		}
	}
	d := p.Decide(dev, Action{Verb: "get", Resource: "secrets", Namespace: "a"})
	if len(d.Grants) != 1 || d.Grants[0].Binding.Ref() != "RoleBinding/a/rb" || d.Grants[0].Role.Ref() != "ClusterRole/reader" || d.Grants[0].Rule != 0 {
		t.Errorf("evidence: %+v", d.Grants)
	}
	var problems []string
	for _, pr := range p.Problems {
		problems = append(problems, pr.Ref+": "+pr.Message)
	}
	joined := strings.Join(problems, "\n")
	for _, want := range []string{"ClusterRoleBinding/missing: refers to ClusterRole \"gone\"", "RoleBinding/b/elsewhere: refers to Role \"local\"", "ClusterRoleBinding/nons: ServiceAccount subject \"lost\" has no namespace"} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q:\n%s", want, joined)
		}
	}
}

func TestWhoCan(t *testing.T) {
	p := New(sample(), Options{})
	got := p.WhoCan(Action{Verb: "get", Resource: "secrets", Namespace: "a"})
	var subjects []string
	for _, g := range got {
		subjects = append(subjects, SubjectString(g.Subject)+" via "+g.Binding.Ref())
	}
	want := "sa:a/app via RoleBinding/a/rb,user:dev via RoleBinding/a/rb"
	if strings.Join(subjects, ",") != want {
		t.Errorf("who-can get secrets -n a = %v, want %s", subjects, want)
	}
	if got := p.WhoCan(Action{Verb: "get", Resource: "secrets", Namespace: "b"}); len(got) != 0 {
		t.Errorf("who-can in b: %v", got)
	}
}

func TestAggregation(t *testing.T) {
	sel := func(l string) *rbacv1.AggregationRule {
		return &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{l: "true"}}}}
	}
	rule := func(r string) []rbacv1.PolicyRule {
		return []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{r}}}
	}
	in := Input{ClusterRoles: []*rbacv1.ClusterRole{
		// admin takes edit, which takes view: two passes.
		{ObjectMeta: metav1.ObjectMeta{Name: "admin"}, AggregationRule: sel("to-admin"), Rules: rule("written-by-hand")},
		{ObjectMeta: metav1.ObjectMeta{Name: "edit", Labels: map[string]string{"to-admin": "true"}}, AggregationRule: sel("to-edit")},
		{ObjectMeta: metav1.ObjectMeta{Name: "view", Labels: map[string]string{"to-edit": "true"}}, AggregationRule: sel("to-view")},
		{ObjectMeta: metav1.ObjectMeta{Name: "crd-view", Labels: map[string]string{"to-view": "true"}}, Rules: rule("widgets")},
		{ObjectMeta: metav1.ObjectMeta{Name: "crd-edit", Labels: map[string]string{"to-edit": "true"}}, Rules: rule("gadgets")},
		// A cycle that cannot settle.
		{ObjectMeta: metav1.ObjectMeta{Name: "ping", Labels: map[string]string{"pong": "true"}}, AggregationRule: sel("ping"), Rules: rule("a")},
		{ObjectMeta: metav1.ObjectMeta{Name: "pong", Labels: map[string]string{"ping": "true"}}, AggregationRule: sel("pong"), Rules: rule("b")},
	}}
	p := New(in, Options{Aggregate: true})
	names := func(r *Role) string {
		var out []string
		for _, x := range r.Rules {
			out = append(out, x.Resources...)
		}
		return strings.Join(out, ",")
	}
	if got := names(p.ClusterRole("admin")); got != "gadgets,widgets" {
		t.Errorf("admin rules = %s, want gadgets,widgets (hand-written rules replaced, nested aggregation followed)", got)
	}
	if got := names(p.ClusterRole("view")); got != "widgets" {
		t.Errorf("view rules = %s", got)
	}
	cycle := 0
	for _, pr := range p.Problems {
		if strings.Contains(pr.Message, "in a cycle") {
			cycle++
		}
	}
	if cycle != 2 {
		t.Errorf("the ping-pong cycle is not reported: %v", p.Problems)
	}
	if got := names(New(in, Options{}).ClusterRole("admin")); got != "written-by-hand" {
		t.Errorf("without Aggregate the rules are as written, got %s", got)
	}
}

func TestParseSubject(t *testing.T) {
	cases := map[string]string{
		"user:dev1":                       "dev1 [system:authenticated]",
		"user:system:anonymous":           "system:anonymous [system:unauthenticated]",
		"sa:prod/api":                     "system:serviceaccount:prod:api [system:serviceaccounts system:serviceaccounts:prod system:authenticated]",
		"user:system:serviceaccount:p:a":  "system:serviceaccount:p:a [system:serviceaccounts system:serviceaccounts:p system:authenticated]",
		"group:dev":                       " [dev system:authenticated]",
		"group:system:unauthenticated":    " [system:unauthenticated]",
		"serviceaccount:kube-system/node": "system:serviceaccount:kube-system:node [system:serviceaccounts system:serviceaccounts:kube-system system:authenticated]",
	}
	for in, want := range cases {
		p, err := ParseSubject(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := p.User + " [" + strings.Join(p.Groups, " ") + "]"; got != want {
			t.Errorf("%s = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"dev1", "user:", "sa:prod", "sa:/x", "sa:a/b/c", "robot:x"} {
		if _, err := ParseSubject(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	p, _ := ParseSubject("user:dev", "ops", "ops")
	if strings.Join(p.Groups, ",") != "system:authenticated,ops" {
		t.Errorf("extra groups: %v", p.Groups)
	}
}

func TestCatalogAction(t *testing.T) {
	c := NewCatalog()
	cases := []struct{ verb, res, ns, name, want string }{
		{"get", "pods", "a", "", "get pods in namespace a"},
		{"get", "po", "a", "", "get pods in namespace a"},
		{"get", "pod", "a", "", "get pods in namespace a"},
		{"create", "deployments", "a", "", "create deployments.apps in namespace a"},
		{"create", "deploy", "a", "", "create deployments.apps in namespace a"},
		{"patch", "deployments.apps/scale", "a", "web", "patch deployments.apps/scale (name web) in namespace a"},
		{"create", "pods/exec", "a", "", "create pods/exec in namespace a"},
		{"get", "nodes", "a", "", "get nodes cluster-wide"},
		{"get", "events", "a", "", "get events in namespace a"},
		{"patch", "namespaces", "a", "prod", "patch namespaces (name prod) in namespace prod"},
		{"get", "/metrics", "", "", "get /metrics"},
		{"get", "widgets.example.com", "a", "", "get widgets.example.com in namespace a"},
		{"impersonate", "users", "", "admin", "impersonate users (name admin) cluster-wide"},
	}
	for _, x := range cases {
		a, _, err := c.Action(x.verb, x.res, x.ns, x.name)
		if err != nil {
			t.Errorf("%s %s: %v", x.verb, x.res, err)
			continue
		}
		if a.String() != x.want {
			t.Errorf("%s %s -n %s: %q, want %q", x.verb, x.res, x.ns, a.String(), x.want)
		}
	}
	if a, _, _ := c.Action("get", "events", "", ""); a.APIGroup != "" {
		t.Errorf("events resolve to the core group first, like kubectl; got %q", a.APIGroup)
	}
	if _, warn, _ := c.Action("get", "widgets", "a", ""); warn == "" {
		t.Error("an unknown resource gives a warning")
	}
	if _, warn, _ := c.Action("get", "pods/bogus", "a", ""); warn == "" {
		t.Error("an unknown subresource gives a warning")
	}
	for _, bad := range [][2]string{{"", "pods"}, {"get", "/metrics"}, {"get", "a/b/c"}, {"get", "/x"}} {
		ns := ""
		if bad[1] == "/metrics" {
			ns = "a"
		}
		if bad[1] == "/x" {
			continue
		}
		if _, _, err := c.Action(bad[0], bad[1], ns, ""); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestDefaults(t *testing.T) {
	d := Defaults()
	if len(d.ClusterRoles) < 50 || len(d.ClusterRoleBindings) < 40 {
		t.Fatalf("defaults: %d ClusterRoles, %d ClusterRoleBindings", len(d.ClusterRoles), len(d.ClusterRoleBindings))
	}
	if p := New(Input{}.WithDefaults(), Options{Aggregate: true}); len(p.Problems) > 0 {
		t.Errorf("the defaults alone have problems: %v", p.Problems)
	}
	admin := Principal{User: "a", Groups: []string{"admins"}}
	in := Input{RoleBindings: []*rbacv1.RoleBinding{{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "prod"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "edit"}, Subjects: []rbacv1.Subject{{Kind: "Group", Name: "admins"}}}}}
	p := New(in.WithDefaults(), Options{Aggregate: true})
	if !p.Allows(admin, Action{Verb: "create", APIGroup: "apps", Resource: "deployments", Namespace: "prod"}) {
		t.Error("edit, aggregated from the defaults, allows creating Deployments")
	}
	if p.Allows(admin, Action{Verb: "create", APIGroup: "rbac.authorization.k8s.io", Resource: "rolebindings", Namespace: "prod"}) {
		t.Error("edit does not allow RoleBindings")
	}
	anyone := Principal{User: "x", Groups: []string{"system:authenticated"}}
	if !p.Allows(anyone, Action{Verb: "get", NonResource: true, Path: "/version"}) {
		t.Error("system:public-info-viewer lets anyone read /version")
	}
	// The input's own object wins over the default of the same name.
	own := Input{ClusterRoles: []*rbacv1.ClusterRole{{ObjectMeta: metav1.ObjectMeta{Name: "view"}}}}.WithDefaults()
	n := 0
	for _, r := range own.ClusterRoles {
		if r.Name == "view" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("view appears %d times", n)
	}
}

func FuzzSubjectAndResource(f *testing.F) {
	for _, s := range [][2]string{{"user:dev", "pods"}, {"sa:a/b", "deployments.apps/scale"}, {"group:x", "/metrics"}, {"u:", "*"}, {"sa:a/b/c", "a.b.c/d"}} {
		f.Add(s[0], s[1], "ns", "name")
	}
	c := NewCatalog()
	f.Fuzz(func(t *testing.T, subject, resource, ns, name string) {
		if p, err := ParseSubject(subject); err == nil && p.User == "" && len(p.Groups) == 0 {
			t.Errorf("%q: a subject with no identity", subject)
		}
		a, _, err := c.Action("get", resource, ns, name)
		if err == nil && !a.NonResource && a.Resource == "" {
			t.Errorf("%q: an action without a resource", resource)
		}
	})
}
