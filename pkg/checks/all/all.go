// Package all assembles every check into the registry that the scan, the
// `rampart checks` command and docs/checks.md share.
package all

import (
	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/checks/cloudcheck"
	"github.com/rampart-k8s/rampart/pkg/checks/clusterprobe"
	"github.com/rampart-k8s/rampart/pkg/checks/container"
	"github.com/rampart-k8s/rampart/pkg/checks/dockerfilecheck"
	"github.com/rampart-k8s/rampart/pkg/checks/exposure"
	"github.com/rampart-k8s/rampart/pkg/checks/image"
	"github.com/rampart-k8s/rampart/pkg/checks/namespace"
	"github.com/rampart-k8s/rampart/pkg/checks/netpolcheck"
	"github.com/rampart-k8s/rampart/pkg/checks/pss"
	"github.com/rampart-k8s/rampart/pkg/checks/rbaccheck"
	"github.com/rampart-k8s/rampart/pkg/checks/schemacheck"
	"github.com/rampart-k8s/rampart/pkg/checks/secret"
	"github.com/rampart-k8s/rampart/pkg/checks/workload"
	"github.com/rampart-k8s/rampart/pkg/controlplane"
	"github.com/rampart-k8s/rampart/pkg/etcd"
)

// Registry returns a registry with every check. It panics only if a check's
// metadata is invalid, which the tests catch before release.
func Registry() *check.Registry {
	var cs []check.Check
	cs = append(cs, schemacheck.Checks()...)
	cs = append(cs, pss.Checks()...)
	cs = append(cs, container.Checks()...)
	cs = append(cs, workload.Checks()...)
	cs = append(cs, image.Checks()...)
	cs = append(cs, exposure.Checks()...)
	cs = append(cs, namespace.Checks()...)
	cs = append(cs, secret.Checks()...)
	cs = append(cs, clusterprobe.Checks()...)
	cs = append(cs, rbaccheck.Checks()...)
	cs = append(cs, netpolcheck.Checks()...)
	cs = append(cs, etcd.Checks()...)
	cs = append(cs, controlplane.Checks()...)
	cs = append(cs, cloudcheck.Checks()...)
	cs = append(cs, dockerfilecheck.Checks()...)
	r, err := check.NewRegistry(cs...)
	if err != nil {
		panic(err)
	}
	return r
}
