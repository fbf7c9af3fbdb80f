package rbacgen

import (
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/rbac"
)

// tenth is a tenth of the large estate, for quick benchmarks.
var tenth = Sizes{Namespaces: 30, ServiceAccounts: 500, ClusterRoles: 90, ClusterRoleBindings: 70, Roles: 140, RoleBindings: 450, Deployments: 300}

func model(s Sizes) *rbac.Model {
	return rbac.NewModel(inventory.New(Generate(1, s).Objects), rbac.ModelOptions{})
}

// BenchmarkEscalationAnalysis is the reach of every subject with the gain
// test, as rbac/escalation-path runs it (a fresh graph each time).
func BenchmarkEscalationAnalysis(b *testing.B) {
	for b.Loop() {
		m := model(tenth)
		g := m.Graph()
		for _, s := range m.Subjects() {
			who, err := rbac.ParseSubject(s)
			if err != nil {
				continue
			}
			g.Worst(g.IdentityNode(s, who))
		}
	}
}

func BenchmarkWhoCan(b *testing.B) {
	m := model(Large)
	a, _, _ := m.Catalog.Action("get", "secrets", "ns-001", "")
	for b.Loop() {
		m.Policy.WhoCan(a)
	}
}

func TestGenerateSizes(t *testing.T) {
	e := Generate(1, tenth)
	if e.Counts["ClusterRole"] != 90 || e.Counts["RoleBinding"] != 450 || e.Counts["ServiceAccount"] != 500 {
		t.Errorf("counts %v", e.Counts)
	}
}
