// Command demo shows a live scan without a cluster of your own: it starts
// the test cluster (a real etcd, kube-apiserver and kube-controller-manager
// on loopback), loads examples/manifests into it, runs
// `rampart scan --cluster` against it, and stops it. Run it with `make demo`.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/rampart-k8s/rampart/internal/cli"
	"github.com/rampart-k8s/rampart/internal/testcluster"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx := context.Background()
	fmt.Fprintln(os.Stderr, "starting etcd, kube-apiserver and kube-controller-manager on loopback...")
	c, err := testcluster.Start(ctx, testcluster.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 2
	}
	defer c.Stop()
	fmt.Fprintf(os.Stderr, "cluster %s is up (Kubernetes %s)\n", c.URL, c.Version)
	files, _ := filepath.Glob("examples/manifests/*.yaml")
	applied, err := c.Apply(ctx, files...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 2
	}
	fmt.Fprintf(os.Stderr, "loaded %d objects from examples/manifests\n", len(applied.Docs))
	var refs []string
	for ref := range applied.Rejected {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	for _, ref := range refs {
		fmt.Fprintf(os.Stderr, "  the API server refused %s (rampart's file scan reports why): %s\n", ref, applied.Rejected[ref])
	}
	kubeconfig := filepath.Join(c.Dir, "demo.kubeconfig")
	if err := c.WriteKubeconfig(kubeconfig, "rampart-demo", "system:masters"); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 2
	}
	fmt.Fprintf(os.Stderr, "\n$ rampart scan --cluster --kubeconfig %s\n\n", kubeconfig)
	code := cli.Run([]string{"scan", "--cluster", "--kubeconfig", kubeconfig}, cli.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	if code == cli.ExitError {
		return 2
	}
	return 0 // findings are what the demo is for
}
