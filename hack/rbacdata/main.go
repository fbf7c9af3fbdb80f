// Command rbacdata refreshes pkg/rbac/builtin from the test cluster: the
// API resources Kubernetes serves and its default RBAC objects. Run it with
// `make rbac-data` after moving the test cluster to a new Kubernetes.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rampart-k8s/rampart/internal/rbacdata"
	"github.com/rampart-k8s/rampart/internal/testcluster"
	"k8s.io/client-go/kubernetes"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rbacdata:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	c, err := testcluster.Start(ctx, testcluster.Options{})
	if err != nil {
		return err
	}
	defer c.Stop()
	cfg, err := c.UserConfig("rampart-rbacdata", "system:masters")
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	res, err := rbacdata.Resources(cs)
	if err != nil {
		return err
	}
	def, err := rbacdata.Defaults(ctx, cs)
	if err != nil {
		return err
	}
	dir := filepath.Join("pkg", "rbac", "builtin")
	if err := os.WriteFile(filepath.Join(dir, "resources.json"), res, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "defaults.json"), def, 0o600); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes) and %s (%d bytes) from Kubernetes %s\n",
		filepath.Join(dir, "resources.json"), len(res), filepath.Join(dir, "defaults.json"), len(def), c.Version)
	return nil
}
