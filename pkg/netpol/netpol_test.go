package netpol

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/internal/testobjects"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

func model(t *testing.T, docs string, opts Options) *Model {
	t.Helper()
	m := NewModel(inventory.New(testobjects.FromYAML(t, docs)), opts)
	if len(m.Problems) > 0 {
		t.Fatalf("problems: %v", m.Problems)
	}
	return m
}

func (m *Model) workload(t *testing.T, ref string) *Workload {
	t.Helper()
	for _, w := range m.Workloads {
		if w.Namespace+"/"+w.Name == ref {
			return w
		}
	}
	t.Fatalf("no workload %s", ref)
	return nil
}

// The seeds' scenario: the frontend reaches the database only through
// the data manager.
const threeTier = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: shop}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend, tier: web}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: data-manager, namespace: shop}
spec:
  selector: {matchLabels: {app: data-manager}}
  template:
    metadata: {labels: {app: data-manager}}
    spec: {containers: [{name: c, image: x, ports: [{name: api, containerPort: 9000}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: database, namespace: shop}
spec:
  selector: {matchLabels: {app: database}}
  template:
    metadata: {labels: {app: database}}
    spec: {containers: [{name: c, image: x, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: database-only-from-data-manager, namespace: shop}
spec:
  podSelector: {matchLabels: {app: database}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: data-manager}}}]
      ports: [{port: pg}]
`

func TestThreeTier(t *testing.T) {
	m := model(t, threeTier, Options{})
	fe, dm, db := m.workload(t, "shop/frontend"), m.workload(t, "shop/data-manager"), m.workload(t, "shop/database")
	if e := m.Explain(Endpoint{Workload: fe}, Endpoint{Workload: db}, TCP, 5432); e.Allowed {
		t.Errorf("frontend reaches the database: %+v", e)
	} else if !e.Ingress.Isolated || len(e.Ingress.Rules) != 0 || e.Egress.Isolated {
		t.Errorf("explanation: %+v %+v", e.Ingress, e.Egress)
	}
	e := m.Explain(Endpoint{Workload: dm}, Endpoint{Workload: db}, TCP, 5432)
	if !e.Allowed || len(e.Ingress.Rules) != 1 || e.Ingress.Rules[0].Rule.Field() != "spec.ingress[0]" {
		t.Errorf("data manager to database: %+v", e.Ingress)
	}
	if e := m.Explain(Endpoint{Workload: dm}, Endpoint{Workload: db}, TCP, 5433); e.Allowed {
		t.Error("another port is allowed")
	}
	if e := m.Explain(Endpoint{Workload: dm}, Endpoint{Workload: db}, UDP, 5432); e.Allowed {
		t.Error("UDP is allowed by a TCP named port")
	}
	if got := m.Conns(Endpoint{Workload: dm}, Endpoint{Workload: db}).String(); got != "TCP 5432" {
		t.Errorf("data manager to database: %s", got)
	}
	if got := m.Conns(Endpoint{Workload: fe}, Endpoint{Workload: dm}).String(); got != "All connections" {
		t.Errorf("frontend to data manager: %s", got)
	}
	mx := m.Matrix(2)
	if len(mx.Workloads) != 3 {
		t.Fatalf("workloads %d", len(mx.Workloads))
	}
}

func TestConnSet(t *testing.T) {
	var a, b ConnSet
	a.add(TCP, 80, 90)
	a.add(TCP, 91, 100)
	a.add(UDP, 53, 53)
	b.add(TCP, 95, 200)
	if a.String() != "TCP 80-100; UDP 53" || a.Intersect(b).String() != "TCP 95-100" || a.Union(b).String() != "TCP 80-200; UDP 53" {
		t.Errorf("%s / %s / %s", a, a.Intersect(b), a.Union(b))
	}
	if !AllConns().All() || (ConnSet{}).String() != "No connections" {
		t.Error("all / none")
	}
}

func TestExternalRanges(t *testing.T) {
	m := model(t, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: a}
spec:
  podSelector: {}
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]
`, Options{})
	var got []string
	for _, r := range m.ExternalRanges() {
		got = append(got, r.String())
	}
	want := "0.0.0.0-9.255.255.255 10.0.0.0/16 10.1.0.0/16 10.2.0.0-10.255.255.255 11.0.0.0-255.255.255.255 ::/0"
	if strings.Join(got, " ") != want {
		t.Errorf("ranges\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestNamespacelessManifests: objects without metadata.namespace are in
// default, as kubectl apply puts them.
func TestNamespacelessManifests(t *testing.T) {
	m := model(t, `apiVersion: v1
kind: Pod
metadata: {name: a, labels: {app: a}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {}}
`, Options{})
	w := m.workload(t, "default/a")
	if !m.Isolated(w, Ingress) {
		t.Error("the namespace-less policy does not isolate the namespace-less pod: both are in default")
	}
}
