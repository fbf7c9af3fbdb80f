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

// TestWorstIsShortestWhateverTheOrder: Graph.Worst's memoised search gives
// every subject the shortest path to cluster-admin (the one a plain
// breadth-first Reach finds), whichever order the subjects are analysed.
func TestWorstIsShortestWhateverTheOrder(t *testing.T) {
	// The benchmark's estate: its ServiceAccounts bound to admin-like roles
	// give many subjects a path.
	m := rbac.NewModel(inventory.New(Generate(20261123, Large).Objects), rbac.ModelOptions{})
	subjects := m.Subjects()
	shortest := map[string]int{}
	plain := rbac.NewGraph(m.Policy, m.State)
	// A plain search from every fourth subject is the reference (every
	// subject would take half a minute); Worst runs on all, so that its
	// memory of earlier answers is in play.
	checked := map[string]bool{}
	for i, s := range subjects {
		if i%4 != 0 {
			continue
		}
		checked[s] = true
		who, _ := rbac.ParseSubject(s)
		r := plain.Reach(plain.IdentityNode(s, who))
		for _, n := range r.Reached() {
			if p := r.Path(n); n.Kind == rbac.ClusterAdmin && (len(p) > 1 || (p[0].Primitive != "system:masters" && p[0].Primitive != "all rights")) {
				shortest[s] = len(p) // subjects that hold every right already have no path to it
			}
		}
	}
	if len(shortest) < 50 {
		t.Fatalf("only %d subjects reach cluster-admin: the test proves little", len(shortest))
	}
	for _, mode := range []string{"forward", "reverse", "prepared"} {
		reverse := mode == "reverse"
		g := rbac.NewGraph(m.Policy, m.State)
		if mode == "prepared" {
			var starts []*rbac.Node
			for _, s := range subjects {
				who, _ := rbac.ParseSubject(s)
				starts = append(starts, g.IdentityNode(s, who))
			}
			g.Prepare(starts)
		}
		for i := range subjects {
			s := subjects[i]
			if reverse {
				s = subjects[len(subjects)-1-i]
			}
			who, _ := rbac.ParseSubject(s)
			worst, path := g.Worst(g.IdentityNode(s, who))
			if !checked[s] {
				continue
			}
			want, reaches := shortest[s]
			if !reaches && plain.Reach(plain.IdentityNode(s, who)).Find(rbac.ClusterAdmin) != nil {
				continue // an admin already
			}
			switch {
			case reaches && (worst == nil || worst.Kind != rbac.ClusterAdmin):
				t.Errorf("%s (%s): reaches cluster-admin in %d steps, Worst says %v", s, mode, want, worst)
			case reaches && len(path) != want:
				t.Errorf("%s (%s): Worst's path has %d steps, the shortest %d", s, mode, len(path), want)
			case !reaches && worst != nil && worst.Kind == rbac.ClusterAdmin:
				t.Errorf("%s (%s): Worst reaches cluster-admin, Reach does not", s, mode)
			}
			for j := 1; j < len(path); j++ {
				if path[j].From != path[j-1].To {
					t.Fatalf("%s: broken path at step %d", s, j)
				}
			}
		}
	}
	t.Logf("%d of %d subjects checked reach cluster-admin; Worst agrees in both orders and prepared", len(shortest), len(checked))
}
