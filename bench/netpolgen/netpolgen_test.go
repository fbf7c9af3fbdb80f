package netpolgen

import (
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/netpol"
)

func BenchmarkMatrix(b *testing.B) {
	m := netpol.NewModel(inventory.New(Generate(1, Large)), netpol.Options{})
	for b.Loop() {
		m.Matrix(2)
	}
}

func TestGenerate(t *testing.T) {
	m := netpol.NewModel(inventory.New(Generate(1, Sizes{Namespaces: 3, WorkloadsPerNamespace: 4, PodsPerWorkload: 2, PoliciesPerNamespace: 6})), netpol.Options{})
	if len(m.Workloads) != 12 || len(m.Policies) != 18 || len(m.Problems) > 0 {
		t.Errorf("%d workloads, %d policies, problems %v", len(m.Workloads), len(m.Policies), m.Problems)
	}
}
