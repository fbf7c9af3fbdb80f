package controlplane_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/source"
)

// TestNodeExamples: examples/node gives what its comments promise, and
// nothing else of the configuration controls.
func TestNodeExamples(t *testing.T) {
	res := source.Load([]string{"../../examples/node"}, source.Options{})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	rep := run(t, inventory.New(res.Objects).Objects()...)
	var got []string
	for _, id := range ids(rep) {
		if !strings.HasPrefix(id, "schema/") {
			got = append(got, id)
		}
	}
	want := []string{
		"apiserver/authorization-always-allow", "apiserver/authorization-node-missing", "apiserver/authorization-rbac-missing",
		"apiserver/kubelet-ca-missing", "apiserver/node-restriction-missing", "apiserver/profiling-enabled",
		"apiserver/request-timeout-review", "apiserver/service-account-lookup-disabled",
		"audit/policy-gaps", "audit/policy-gaps", "audit/policy-gaps", "audit/policy-leaks-secrets", "audit/policy-leaks-secrets", "audit/retention",
		"auth/user-client-certificates-review", "auth/user-service-account-tokens-review",
		"encryption/identity-first", "encryption/unused-keys",
		"etcd/auto-tls-enabled", "etcd/client-cert-auth-disabled", "etcd/peer-tls-missing", "etcd/trusted-ca-shared",
		"kubelet/client-ca-missing", "kubelet/client-cert-rotation-disabled", "kubelet/event-qps-review", "kubelet/pod-pids-limit-missing",
		"kubelet/read-only-port-enabled", "kubelet/seccomp-default-disabled", "kubelet/tls-cert-missing",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n  %v\nwant\n  %v", got, want)
	}
	for _, id := range []string{"file/apiserver-manifest-mode", "file/etcd-data-dir-owner", "file/kubelet-config-mode", "encryption/file-permissions"} {
		if len(skipped(rep, id)) == 0 {
			t.Errorf("%s not skipped in a scan of files", id)
		}
	}
}
