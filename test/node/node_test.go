// Package node tests rampart node against real processes: a test cluster
// (internal/testcluster) whose kube-apiserver, etcd and
// kube-controller-manager run on this machine, started once with weak
// flags and once hardened. rampart node reads them from /proc like any
// other processes, with the files they name; the findings must match the
// flags exactly.
package node

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/internal/cli"
	"github.com/rampart-k8s/rampart/internal/testcluster"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

func write(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// selfSigned writes a CA certificate and its key, for the API server's
// kubelet client certificate and kubelet CA flags.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rampart-node-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return write(t, dir, "kubelet-client.crt", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), 0o644),
		write(t, dir, "kubelet-client.key", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})), 0o600)
}

// pidsOf finds the cluster's processes: those whose command line names
// its folder (other clusters may run on this machine at the same time).
func pidsOf(t *testing.T, c *testcluster.Cluster) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmd, []byte(c.Dir)) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// nodeReport runs `rampart node` on the cluster's processes.
func nodeReport(t *testing.T, c *testcluster.Cluster) (*finding.Report, int) {
	t.Helper()
	args := []string{"node", "-o", "json", "--manifests", t.TempDir()}
	pids := pidsOf(t, c)
	if len(pids) == 0 {
		t.Fatal("no process of the cluster in /proc")
	}
	for _, p := range pids {
		args = append(args, "--pid", p)
	}
	var out, errOut bytes.Buffer
	code := cli.Run(args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	var rep finding.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("rampart node: %v (stderr %s)", err, errOut.String())
	}
	return &rep, code
}

// findingSet is each finding's check and resource (component or file).
func findingSet(rep *finding.Report, dirs ...string) []string {
	var out []string
	for _, f := range rep.Findings {
		name := f.Resource.Kind + "/" + f.Resource.Name
		for i, d := range dirs {
			name = strings.ReplaceAll(name, d, "DIR"+strconv.Itoa(i))
		}
		out = append(out, f.CheckID+" "+name)
	}
	slices.Sort(out)
	return out
}

func start(t *testing.T, opts testcluster.Options) *testcluster.Cluster {
	t.Helper()
	began := time.Now()
	c, err := testcluster.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	t.Logf("cluster started in %v", time.Since(began).Round(time.Millisecond))
	return c
}

const key32 = "c2VjcmV0LWtleS1mb3ItcmFtcGFydC1ub2RlLXRlc3Q=" // 32 bytes

// TestWeakCluster: every weak flag of the API server, plain-HTTP etcd and
// the default controller manager give exactly their findings.
func TestWeakCluster(t *testing.T) {
	dir := t.TempDir()
	policy := write(t, dir, "audit-policy.yaml", `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
  resources: [{group: ""}]
`, 0o600)
	enc := write(t, dir, "encryption.yaml", `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - identity: {}
  - aescbc:
      keys: [{name: key1, secret: `+key32+`}]
`, 0o644)
	tokens := write(t, dir, "tokens.csv", "weak-static-token-of-the-node-test,weak-user,1001\n", 0o600)
	c := start(t, testcluster.Options{Etcd: testcluster.EtcdPlain, APIServerArgs: []string{
		"--anonymous-auth=true", "--profiling", "--service-account-lookup=false", "--disable-admission-plugins=NamespaceLifecycle",
		"--audit-policy-file=" + policy, "--audit-log-path=" + filepath.Join(dir, "audit.log"), "--audit-log-maxage=7",
		"--encryption-provider-config=" + enc, "--token-auth-file=" + tokens,
		"--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_GCM_SHA256",
	}})
	rep, code := nodeReport(t, c)
	if code != cli.ExitFindings {
		t.Errorf("exit %d, want %d", code, cli.ExitFindings)
	}
	api := "Process/kube-apiserver"
	want := []string{
		"apiserver/always-pull-images-missing " + api,
		"apiserver/anonymous-auth-enabled " + api,
		"apiserver/authorization-node-missing " + api,
		"apiserver/deny-service-external-ips-missing " + api,
		"apiserver/etcd-ca-missing " + api,
		"apiserver/etcd-client-cert-missing " + api,
		"apiserver/event-rate-limit-missing " + api,
		"apiserver/kubelet-ca-missing " + api,
		"apiserver/kubelet-client-cert-missing " + api,
		"apiserver/namespace-lifecycle-disabled " + api,
		"apiserver/node-restriction-missing " + api,
		"apiserver/profiling-enabled " + api,
		"apiserver/request-timeout-review " + api,
		"apiserver/service-account-lookup-disabled " + api,
		"apiserver/service-account-token-expiration-extended " + api,
		"apiserver/token-auth-file " + api,
		"apiserver/weak-tls-cipher-suites " + api,
		"audit/policy-gaps Policy/DIR0/audit-policy.yaml",
		"audit/policy-gaps Policy/DIR0/audit-policy.yaml",
		"audit/policy-gaps Policy/DIR0/audit-policy.yaml",
		"audit/policy-leaks-secrets Policy/DIR0/audit-policy.yaml",
		"audit/policy-leaks-secrets Policy/DIR0/audit-policy.yaml",
		"audit/retention " + api,
		"auth/user-client-certificates-review " + api,
		"auth/user-service-account-tokens-review " + api,
		"controller-manager/profiling-enabled Process/kube-controller-manager",
		"controller-manager/service-account-credentials-disabled Process/kube-controller-manager",
		"controller-manager/terminated-pod-gc-threshold Process/kube-controller-manager",
		"encryption/file-permissions File/DIR0/encryption.yaml",
		"encryption/identity-first EncryptionConfiguration/DIR0/encryption.yaml",
		"encryption/unused-keys EncryptionConfiguration/DIR0/encryption.yaml",
		"etcd/client-cert-auth-disabled Process/etcd",
		"etcd/peer-client-cert-auth-disabled Process/etcd",
		"etcd/peer-tls-missing Process/etcd",
		"etcd/tls-missing Process/etcd",
		"etcd/trusted-ca-shared Process/etcd",
		"file/etcd-data-dir-owner File/DIR1/etcd", // root-owned, as kubeadm runs it
	}
	got := findingSet(rep, dir, c.Dir)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, f := range rep.Findings {
		if f.CheckID == "apiserver/anonymous-auth-enabled" {
			// The base flags say false; the later --anonymous-auth=true wins.
			if f.Evidence["value"] != "true" || f.Evidence["source"] != "flag" || !strings.HasPrefix(f.Location.File, "process ") || f.Location.Field != "--anonymous-auth" {
				t.Errorf("anonymous finding %+v", f)
			}
		}
		for _, v := range f.Evidence {
			if s, ok := v.(string); ok && (strings.Contains(s, "weak-static-token") || strings.Contains(s, key32)) {
				t.Errorf("%s: a secret in the evidence", f.CheckID)
			}
		}
	}
	for _, id := range []string{"scheduler/profiling-enabled", "kubelet/anonymous-auth-enabled", "kube-proxy/metrics-bind-address-exposed", "file/apiserver-manifest-mode"} {
		if !slices.ContainsFunc(rep.Skipped, func(s finding.Skipped) bool { return s.CheckID == id }) {
			t.Errorf("%s not skipped (no such component or manifest on the machine)", id)
		}
	}
}

// TestHardenedCluster: a hardened API server and etcd with mutual TLS give
// nothing but the benchmark's reviews and kubeadm's root-owned etcd data.
func TestHardenedCluster(t *testing.T) {
	dir := t.TempDir()
	policy := write(t, dir, "audit-policy.yaml", `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources:
  - {group: "", resources: [secrets, configmaps]}
  - {group: authentication.k8s.io, resources: [tokenreviews]}
- level: RequestResponse
  resources: [{group: "", resources: [pods/exec, pods/attach, pods/portforward]}]
- level: Metadata
`, 0o600)
	enc := write(t, dir, "encryption.yaml", `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - secretbox:
      keys: [{name: key1, secret: `+key32+`}]
  - identity: {}
`, 0o600)
	admission := write(t, dir, "admission.yaml", `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: EventRateLimit
  configuration:
    apiVersion: eventratelimit.admission.k8s.io/v1alpha1
    kind: Configuration
    limits:
    - {type: Server, qps: 5000, burst: 20000}
`, 0o600)
	cert, key := selfSigned(t, dir)
	// The base flags hold --authorization-mode=RBAC; list flags add up, so
	// Node alone makes RBAC,Node (the API server refuses RBAC twice).
	c := start(t, testcluster.Options{Etcd: testcluster.EtcdMutualTLS, NoControllerManager: true, APIServerArgs: []string{
		"--authorization-mode=Node", "--profiling=false", "--service-account-extend-token-expiration=false",
		"--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs",
		"--admission-control-config-file=" + admission,
		"--audit-policy-file=" + policy, "--audit-log-path=" + filepath.Join(dir, "audit.log"),
		"--encryption-provider-config=" + enc,
		"--kubelet-client-certificate=" + cert, "--kubelet-client-key=" + key, "--kubelet-certificate-authority=" + cert,
	}})
	rep, code := nodeReport(t, c)
	if code != cli.ExitOK {
		t.Errorf("exit %d, want %d", code, cli.ExitOK)
	}
	api := "Process/kube-apiserver"
	want := []string{
		"apiserver/request-timeout-review " + api,
		"auth/user-client-certificates-review " + api,
		"auth/user-service-account-tokens-review " + api,
		"file/etcd-data-dir-owner File/DIR1/etcd",
	}
	if got := findingSet(rep, dir, c.Dir); !slices.Equal(got, want) {
		t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if !slices.ContainsFunc(rep.Skipped, func(s finding.Skipped) bool { return s.CheckID == "controller-manager/profiling-enabled" }) {
		t.Errorf("the absent controller manager is not skipped")
	}
}
