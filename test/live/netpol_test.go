package live

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/internal/cli"
	"github.com/rampart-k8s/rampart/pkg/source/cluster"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
)

// TestNetpolOnCluster: the shop of examples/netpol, applied to the test
// cluster, gives the same answers with --cluster as from the files.
func TestNetpolOnCluster(t *testing.T) {
	files, _ := filepath.Glob("../../examples/netpol/*.yaml")
	applied, err := shared.Apply(t.Context(), files...)
	if err != nil {
		t.Fatal(err)
	}
	for ref, why := range applied.Rejected {
		// The shop namespace may be there already (the examples of
		// examples/manifests use it too).
		if !strings.Contains(why, "already exists") || !strings.HasPrefix(ref, "Namespace/") {
			t.Fatalf("the API server rejected %s: %s", ref, why)
		}
	}
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := shared.WriteKubeconfig(kubeconfig, "rampart-test-admin", "system:masters"); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		var out, errOut strings.Builder
		code := cli.Run(args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		return out.String() + errOut.String(), code
	}
	for _, q := range []struct {
		from, to, port string
		want           int
	}{
		{"shop/frontend", "shop/database", "5432", 1},
		{"shop/data-manager", "shop/database", "5432", 0},
		{"shop/frontend", "shop/data-manager", "9000", 0},
		{"shop/data-manager", "shop/frontend", "9000", 1},
		{"203.0.113.7", "shop/frontend", "8080", 0},
	} {
		files, codeFiles := run("netpol", "explain", q.from, q.to, q.port, "-f", "../../examples/netpol")
		live, codeLive := run("netpol", "explain", q.from, q.to, q.port, "--cluster", "--kubeconfig", kubeconfig)
		if codeFiles != q.want || codeLive != q.want {
			t.Errorf("%s → %s %s: files exit %d, cluster exit %d, want %d\n%s\n%s", q.from, q.to, q.port, codeFiles, codeLive, q.want, files, live)
		}
		if files != live {
			t.Errorf("%s → %s %s: the explanations differ\nfiles:\n%s\ncluster:\n%s", q.from, q.to, q.port, files, live)
		}
	}
	out, code := run("test", "../../examples/contracts/shop-network.yaml", "--cluster", "--kubeconfig", kubeconfig)
	if code != 0 {
		t.Errorf("the shop's network contract on the cluster: exit %d\n%s", code, out)
	}
}

// TestAdminNetpolOnCluster: without the AdminNetworkPolicy CRDs a live
// read skips their kinds quietly; with the CRDs of
// sigs.k8s.io/network-policy-api installed and examples/netpol-admin
// applied, explanations read from the cluster are those read from the
// files, and the houses' contract holds.
func TestAdminNetpolOnCluster(t *testing.T) {
	ctx := t.Context()
	cfg := adminConfig(t)
	res := cluster.Load(ctx, cluster.Options{Config: cfg})
	for _, s := range res.Skipped {
		if strings.Contains(s.Resource, "adminnetworkpolicies") {
			t.Errorf("a cluster without the CRDs must be read quietly: skipped %+v", s)
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/network-policy-api").Output()
	if err != nil {
		t.Fatalf("locating sigs.k8s.io/network-policy-api: %v", err)
	}
	crds, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "standard", "policy.networking.k8s.io_*.yaml"))
	if len(crds) != 2 {
		t.Fatalf("want the two standard CRDs, found %v", crds)
	}
	applied, err := shared.Apply(ctx, crds...)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied.Rejected) > 0 {
		t.Fatalf("the API server rejected the CRDs: %v", applied.Rejected)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	t.Cleanup(func() {
		for _, name := range []string{"adminnetworkpolicies.policy.networking.k8s.io", "baselineadminnetworkpolicies.policy.networking.k8s.io"} {
			if err := dyn.Resource(crdGVR).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
				t.Errorf("deleting CRD %s: %v", name, err)
			}
		}
	})
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		l, err := disc.ServerResourcesForGroupVersion("policy.networking.k8s.io/v1alpha1")
		if err != nil {
			return false, nil
		}
		served := 0
		for _, r := range l.APIResources {
			if r.Name == "adminnetworkpolicies" || r.Name == "baselineadminnetworkpolicies" {
				served++
			}
		}
		return served == 2, nil
	})
	if err != nil {
		t.Fatalf("the CRDs are not served: %v", err)
	}
	files, _ := filepath.Glob("../../examples/netpol-admin/*.yaml")
	applied, err = shared.Apply(ctx, files...)
	if err != nil {
		t.Fatal(err)
	}
	for ref, why := range applied.Rejected {
		t.Errorf("the API server rejected %s: %s", ref, why)
	}
	// A live read takes a 404 for a cluster without the CRDs; make sure
	// reads see the policies, several times in a row, before comparing.
	seen := 0
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		counts := map[string]int{}
		for _, o := range cluster.Load(ctx, cluster.Options{Config: cfg}).Objects {
			counts[o.Kind]++
		}
		if counts["AdminNetworkPolicy"] == 3 && counts["BaselineAdminNetworkPolicy"] == 1 {
			seen++
		} else {
			seen = 0
		}
		return seen >= 3, nil
	})
	if err != nil {
		t.Fatalf("a live read does not see the policies steadily: %v", err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := shared.WriteKubeconfig(kubeconfig, "rampart-test-admin", "system:masters"); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		var out, errOut strings.Builder
		code := cli.Run(args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		return out.String() + errOut.String(), code
	}
	for _, q := range []struct {
		from, to, port string
		want           int
		says           string
	}{
		{"slytherin/draco-malfoy", "gryffindor/harry-potter", "80", 1, `"no-slytherin": Deny`},
		{"hufflepuff/cedric-diggory", "gryffindor/harry-potter", "80", 0, `"hufflepuff-to-namespace-policies": Pass; isolated by gryffindor/web-from-hufflepuff`},
		{"hufflepuff/cedric-diggory", "gryffindor/harry-potter", "53/UDP", 1, `Pass; isolated by`},
		{"ravenclaw/luna-lovegood", "slytherin/draco-malfoy", "80", 1, `BaselineAdminNetworkPolicy default spec.ingress[0] "no-other-houses": Deny`},
		{"monitoring/prometheus", "gryffindor/harry-potter", "9090", 0, `"scrape-metrics": Allow`},
		{"gryffindor/harry-potter", "8.8.8.8", "443", 1, `"deny-internet": Deny`},
	} {
		files, codeFiles := run("netpol", "explain", q.from, q.to, q.port, "-f", "../../examples/netpol-admin")
		live, codeLive := run("netpol", "explain", q.from, q.to, q.port, "--cluster", "--kubeconfig", kubeconfig)
		if codeFiles != q.want || codeLive != q.want || !strings.Contains(live, q.says) {
			t.Errorf("%s → %s %s: files exit %d, cluster exit %d, want %d and %q\n%s\n%s", q.from, q.to, q.port, codeFiles, codeLive, q.want, q.says, files, live)
		}
		if files != live {
			t.Errorf("%s → %s %s: the explanations differ\nfiles:\n%s\ncluster:\n%s", q.from, q.to, q.port, files, live)
		}
	}
	if out, code := run("test", "../../examples/contracts/houses-network.yaml", "--cluster", "--kubeconfig", kubeconfig); code != 0 {
		t.Errorf("the houses' network contract on the cluster: exit %d\n%s", code, out)
	}
}

// TestIPBlocksMatchLivePodsOfOwners: on a live cluster, the pods a
// Deployment runs are folded into it with their addresses, so an ipBlock
// that holds them selects the Deployment; read from files, where pods
// have no address yet, it does not.
func TestIPBlocksMatchLivePodsOfOwners(t *testing.T) {
	ctx := t.Context()
	cs := mustAdmin(t)
	const ns = "ipblocks"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	manifests := filepath.Join(dir, "ipblocks.yaml")
	var docs strings.Builder
	for _, app := range []string{"web", "db", "other"} {
		docs.WriteString(strings.ReplaceAll(`apiVersion: apps/v1
kind: Deployment
metadata: {name: APP, namespace: ipblocks}
spec:
  selector: {matchLabels: {app: APP}}
  template:
    metadata: {labels: {app: APP}}
    spec: {containers: [{name: c, image: registry.example/APP:1, ports: [{containerPort: 5432}]}]}
---
`, "APP", app))
	}
	docs.WriteString(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web-subnet, namespace: ipblocks}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{ipBlock: {cidr: 10.96.1.0/24}}]
    ports: [{port: 5432}]
`)
	if err := os.WriteFile(manifests, []byte(docs.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.Apply(ctx, manifests); err != nil {
		t.Fatal(err)
	}
	// No controller runs ReplicaSets or pods here: write what they would,
	// a ReplicaSet per Deployment and a pod per ReplicaSet with its address.
	yes := true
	for app, ip := range map[string]string{"web": "10.96.1.7", "db": "10.96.2.7", "other": "10.96.3.7"} {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, app, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: app + "-1", Namespace: ns,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: app, UID: d.UID, Controller: &yes}}},
			Spec: appsv1.ReplicaSetSpec{Selector: d.Spec.Selector, Template: d.Spec.Template}}
		if rs, err = cs.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: app + "-1-a", Namespace: ns, Labels: d.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &yes}}},
			Spec: d.Spec.Template.Spec}
		if pod, err = cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pod.Status.PodIP, pod.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
		if _, err := cs.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	kubeconfig := filepath.Join(dir, "config")
	if err := shared.WriteKubeconfig(kubeconfig, "rampart-test-admin", "system:masters"); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		var out strings.Builder
		code := cli.Run(args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out})
		return out.String(), code
	}
	for _, q := range []struct {
		from        string
		live, files int
	}{
		{"ipblocks/web", 0, 1},   // its pod is in 10.96.1.0/24
		{"ipblocks/other", 1, 1}, // its pod is not
	} {
		out, code := run("netpol", "explain", q.from, "ipblocks/db", "5432", "--cluster", "--kubeconfig", kubeconfig)
		if code != q.live {
			t.Errorf("%s → ipblocks/db 5432 on the cluster: exit %d, want %d\n%s", q.from, code, q.live, out)
		}
		if q.live == 0 && !strings.Contains(out, "db-from-web-subnet spec.ingress[0] allows TCP 5432") {
			t.Errorf("the explanation must name the rule that lets %s in:\n%s", q.from, out)
		}
		out, code = run("netpol", "explain", q.from, "ipblocks/db", "5432", "-f", manifests)
		if code != q.files {
			t.Errorf("%s → ipblocks/db 5432 from the files: exit %d, want %d\n%s", q.from, code, q.files, out)
		}
	}
}
