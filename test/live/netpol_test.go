package live

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/internal/cli"
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
