package contract

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/rbac"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestParseErrorsNameFileAndLine(t *testing.T) {
	cases := map[string]string{
		"":          "empty contract",
		"name: x\n": "no assertions",
		"rbac:\n  - subject: user:a\n    cannot: {verb: get}\n":                                                       "c.yaml:2: rbac[0]: no resource",
		"rbac:\n  - subject: user:a\n    can: {verb: get, resource: pods}\n    cannot: {verb: get, resource: pods}\n": "exactly one of the keys can and cannot",
		"rbac:\n  - subject: user:a\n    can: {verb: get, resource: pods, namespaces: [a]}\n":                         "line 3: field namespaces not found",
		"rbac:\n  - can: {verb: get, resource: pods}\n":                                                               "no subject",
		"rbac: [\n":    "c.yaml:",
		"rbac:\n  -\n": "rbac[0] is empty",
	}
	for in, want := range cases {
		_, err := Parse("c.yaml", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

func model() *rbac.Model {
	objs := []*inventory.Object{
		{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role", Namespace: "prod", Name: "r",
			Typed: &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "prod"},
				Rules: []rbacv1.PolicyRule{{Verbs: []string{"create"}, APIGroups: []string{"apps"}, Resources: []string{"deployments"}}}}},
		{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding", Namespace: "prod", Name: "b",
			Typed: &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "prod"},
				RoleRef:  rbacv1.RoleRef{Kind: "Role", Name: "r"},
				Subjects: []rbacv1.Subject{{Kind: "User", Name: "dev"}}}},
		{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "sa-admin",
			Typed: &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "sa-admin"},
				RoleRef:  rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"},
				Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "ci", Namespace: "prod"}}}},
	}
	return rbac.NewModel(inventory.New(objs), rbac.ModelOptions{})
}

func TestEvaluate(t *testing.T) {
	c, err := Parse("c.yaml", []byte(`rbac:
  - subject: user:dev
    can: {verb: create, resource: deployments, namespace: prod}
  - subject: user:dev
    cannot: {verbs: [get, list], resources: [secrets, configmaps], namespace: prod}
  - subject: user:dev
    cannot: {verb: list, resource: secrets, namespace: prod}
    transitive: true
  - subject: user:dev
    can: {verb: delete, resource: deployments, namespace: prod}
  - subject: nobody
    can: {verb: get, resource: pods}
`))
	if err != nil {
		t.Fatal(err)
	}
	rs := Evaluate(c, model())
	want := []string{"pass", "pass", "fail", "fail", "error"}
	for i, r := range rs {
		got := "pass"
		switch {
		case r.Error != "":
			got = "error"
		case !r.Passed:
			got = "fail"
		}
		if got != want[i] {
			t.Errorf("assertion %d (line %d) %s: %s, want %s %v %s", i, r.Assertion.Line, r.Assertion.Title(), got, want[i], r.Evidence, r.Error)
		}
	}
	if rs[2].Assertion.Line != 6 {
		t.Errorf("line of the third assertion: %d", rs[2].Assertion.Line)
	}
	if ev := strings.Join(rs[2].Evidence, "\n"); !strings.Contains(ev, "by escalation") || !strings.Contains(ev, "sa:prod/ci") {
		t.Errorf("evidence of the transitive failure: %s", ev)
	}
	if ev := strings.Join(rs[3].Evidence, "\n"); !strings.Contains(ev, "may not delete deployments.apps in namespace prod") {
		t.Errorf("evidence of the can failure: %s", ev)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("rbac:\n  - subject: user:a\n    can: {verb: get, resource: pods, namespace: x}\n    transitive: true\n"))
	f.Add([]byte("name: n\nrbac: [{subject: 'sa:a/b', cannot: {verbs: [a], resources: [b]}}]"))
	f.Add([]byte("rbac:\n  - &a {subject: user:a}\n  - *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err == nil && (len(c.RBAC) == 0 || c.RBAC[0].Title() == "") {
			t.Errorf("a contract without assertions was accepted: %q", data)
		}
	})
}
