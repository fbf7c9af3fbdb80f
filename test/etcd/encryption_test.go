package etcd

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/internal/cli"
	"github.com/rampart-k8s/rampart/internal/testcluster"
	"github.com/rampart-k8s/rampart/pkg/etcd"
	"github.com/rampart-k8s/rampart/pkg/finding"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// key is a provider key of an EncryptionConfiguration.
type key struct{ provider, name string }

// writeConfig writes an EncryptionConfiguration for secrets: the keys in
// order (one provider entry each, as a rotation puts them), then identity
// to read what was written before encryption. No keys: identity alone.
func writeConfig(t *testing.T, dir, file string, keys ...key) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "  - %s:\n      keys:\n      - name: %s\n        secret: %s\n", k.provider, k.name, secretFor(k))
	}
	b.WriteString("  - identity: {}\n")
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// secrets of the keys, made once per key name for the whole test run.
var keySecrets = map[string]string{}

func secretFor(k key) string {
	if s, ok := keySecrets[k.name]; ok {
		return s
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	keySecrets[k.name] = base64.StdEncoding.EncodeToString(b)
	return keySecrets[k.name]
}

func etcdKV(t *testing.T, c *testcluster.Cluster) etcd.KV {
	t.Helper()
	cfg := clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()}
	if c.EtcdSecurity != testcluster.EtcdPlain {
		cfg.TLS = &tls.Config{RootCAs: mustRoots(t, c.EtcdCAFile), Certificates: []tls.Certificate{*loadCert(t, c.EtcdAPIServerCert)}, MinVersion: tls.VersionTLS12}
	}
	cl, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl.KV
}

func createSecrets(t *testing.T, admin *kubernetes.Clientset, ns string, names ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: n, Namespace: ns}, StringData: map[string]string{"password": "not-a-real-" + n}}
		if _, err := admin.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// storageByObject maps namespace/name to the storage's name, for the
// secrets of the given namespaces.
func storageByObject(res *etcd.EncryptionResult, namespaces ...string) map[string]string {
	out := map[string]string{}
	for _, o := range res.Objects {
		if o.Resource == "secrets" && slices.Contains(namespaces, o.Namespace) {
			out[o.Ref()] = o.Storage.String()
		}
	}
	return out
}

func findingsIn(fs []finding.Finding, ns string) []string {
	var out []string
	for _, f := range fs {
		if f.Resource.Namespace == ns {
			out = append(out, f.CheckID+" "+f.Resource.Name)
		}
	}
	return out
}

// TestEncryptionProviders starts an API server with no
// EncryptionConfiguration, then restarts it against the same etcd with
// identity, aescbc, aesgcm and secretbox in turn, creating Secrets in a
// namespace per configuration; rampart must read every Secret's provider
// and key as its configuration wrote it, and the API server's metrics
// must name the same transformer.
func TestEncryptionProviders(t *testing.T) {
	ctx := context.Background()
	c := start(t, testcluster.EtcdMutualTLS)
	admin, err := c.Admin()
	if err != nil {
		t.Fatal(err)
	}
	adminCfg, err := c.UserConfig("rampart-test-admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	kv := etcdKV(t, c)
	dir := t.TempDir()
	// Each configuration keeps the keys before it (after its own), as an
	// operator must: the API server lists Secrets at start and is not
	// ready until it can read them all.
	cbc, gcm, sb := key{"aescbc", "cbc-1"}, key{"aesgcm", "gcm-1"}, key{"secretbox", "sb-1"}
	phases := []struct {
		name string
		keys []key // nil: no --encryption-provider-config at all
		want string
		// writes are the transformers the API server's metrics record
		// for Secrets written since its start.
		writes []string
	}{
		{"none", nil, "identity (protobuf)", nil},
		{"identity", []key{}, "identity (protobuf)", []string{"identity"}},
		{"aescbc", []key{cbc}, "aescbc cbc-1", []string{"key cbc-1", "aescbc"}},
		{"aesgcm", []key{gcm, cbc}, "aesgcm gcm-1", []string{"key gcm-1", "aesgcm"}},
		{"secretbox", []key{sb, gcm, cbc}, "secretbox sb-1", []string{"key sb-1", "secretbox"}},
	}
	wantAll := map[string]string{}
	var namespaces []string
	var lastConfig string
	for i, p := range phases {
		var cfg *etcd.EncryptionConfig
		if p.keys != nil {
			lastConfig = writeConfig(t, dir, p.name+".yaml", p.keys...)
			began := time.Now()
			if err := c.RestartAPIServer(ctx, "--encryption-provider-config="+lastConfig); err != nil {
				t.Fatal(err)
			}
			t.Logf("API server restarted with %s in %v", p.name, time.Since(began).Round(time.Millisecond))
			if cfg, err = etcd.LoadEncryptionConfig(lastConfig); err != nil {
				t.Fatal(err)
			}
		} else if i != 0 {
			t.Fatal("only the first phase runs without a configuration")
		}
		ns := "enc-" + p.name
		names := []string{"a", "b", "c"}
		createSecrets(t, admin, ns, names...)
		namespaces = append(namespaces, ns)
		for _, n := range names {
			wantAll[ns+"/"+n] = p.want
		}

		res := etcd.ScanEncryption(ctx, kv, etcd.EncryptionOptions{Config: cfg, BatchSize: 2, PageSize: 2})
		if len(res.Errors) > 0 {
			t.Fatalf("%s: %v", p.name, res.Errors)
		}
		got := storageByObject(res, ns)
		for _, n := range names {
			if got[ns+"/"+n] != p.want {
				t.Errorf("%s: secret %s/%s stored as %q, want %q", p.name, ns, n, got[ns+"/"+n], p.want)
			}
		}
		wantFindings := []string(nil)
		if p.want == "identity (protobuf)" {
			wantFindings = []string{etcd.IDSecretsUnencrypted + " "}
		}
		if f := findingsIn(res.Findings, ns); !slices.Equal(f, wantFindings) {
			t.Errorf("%s: findings in %s: %v, want %v", p.name, ns, f, wantFindings)
		}
		for _, d := range res.Distribution {
			if cfg != nil && d.Storage.String() == p.want && d.Expected != "write" {
				t.Errorf("%s: %s should be the configuration's write storage, is %q", p.name, d.Storage, d.Expected)
			}
		}

		// The API server's own account of its writes since it started.
		tr, err := etcd.ReadTransformations(ctx, adminCfg)
		if err != nil {
			t.Fatal(err)
		}
		var writes []string
		for _, s := range tr.Series {
			if s.Resource == "secrets" && s.Type == "to_storage" {
				writes = append(writes, s.Storage.String())
			}
		}
		slices.Sort(writes)
		slices.Sort(p.writes)
		if !slices.Equal(writes, p.writes) {
			t.Errorf("%s: secrets written with %v, want %v", p.name, writes, p.writes)
		}
		plainly := len(tr.Findings) == 1 && tr.Findings[0].CheckID == etcd.IDAPIServerWritesPlainly
		if plainly != (p.name == "identity") {
			t.Errorf("%s: metric findings %v", p.name, tr.Findings)
		}
	}

	// All of it at once, as the last configuration sees it.
	cfg, err := etcd.LoadEncryptionConfig(lastConfig)
	if err != nil {
		t.Fatal(err)
	}
	res := etcd.ScanEncryption(ctx, kv, etcd.EncryptionOptions{Config: cfg})
	got := storageByObject(res, namespaces...)
	if len(got) != len(wantAll) {
		t.Errorf("read %d secrets of ours, want %d", len(got), len(wantAll))
	}
	for ref, want := range wantAll {
		if got[ref] != want {
			t.Errorf("secret %s stored as %q, want %q", ref, got[ref], want)
		}
	}
	// The last configuration still reads what aescbc and aesgcm wrote,
	// and no longer writes with them; a configuration with secretbox
	// alone (and identity) cannot read them at all.
	alone, err := etcd.LoadEncryptionConfig(writeConfig(t, dir, "secretbox-alone.yaml", sb))
	if err != nil {
		t.Fatal(err)
	}
	resAlone := etcd.ScanEncryption(ctx, kv, etcd.EncryptionOptions{Config: alone})
	for _, ns := range namespaces {
		var want, wantAlone []string
		switch ns {
		case "enc-none", "enc-identity":
			want = []string{etcd.IDSecretsUnencrypted + " "}
			wantAlone = want
		case "enc-aescbc", "enc-aesgcm":
			want = []string{etcd.IDRotationIncomplete + " a", etcd.IDRotationIncomplete + " b", etcd.IDRotationIncomplete + " c"}
			wantAlone = []string{etcd.IDKeyNotInConfig + " a", etcd.IDKeyNotInConfig + " b", etcd.IDKeyNotInConfig + " c"}
		}
		if f := findingsIn(res.Findings, ns); !slices.Equal(f, want) {
			t.Errorf("findings in %s: %v, want %v", ns, f, want)
		}
		if f := findingsIn(resAlone.Findings, ns); !slices.Equal(f, wantAlone) {
			t.Errorf("findings in %s against secretbox alone: %v, want %v", ns, f, wantAlone)
		}
	}

	// The command line, with the metrics of a kubeconfig.
	kubeconfig := filepath.Join(dir, "admin.kubeconfig")
	if err := c.WriteKubeconfig(kubeconfig, "rampart-test-admin", "system:masters"); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "etcd", "encryption", "--endpoints", c.EtcdURL, "--cacert", c.EtcdCAFile,
		"--cert", c.EtcdAPIServerCert.CertFile, "--key", c.EtcdAPIServerCert.KeyFile,
		"--encryption-config", lastConfig, "--kubeconfig", kubeconfig, "-o", "json")
	if code != cli.ExitFindings {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	var rep struct {
		finding.Report
		Etcd struct {
			Encryption      etcd.EncryptionResult `json:"encryption"`
			Transformations []etcd.Transformation `json:"transformations"`
		} `json:"etcd"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Etcd.Encryption.Objects) < len(wantAll) || len(rep.Etcd.Transformations) == 0 || len(rep.Findings) != len(res.Findings) {
		t.Errorf("JSON: %d objects, %d transformation series, %d findings (want %d)", len(rep.Etcd.Encryption.Objects),
			len(rep.Etcd.Transformations), len(rep.Findings), len(res.Findings))
	}
	for name, secret := range keySecrets {
		if strings.Contains(out, secret) {
			t.Errorf("the report shows the secret of key %s", name)
		}
	}
	if strings.Contains(out, "not-a-real-") {
		t.Errorf("the report shows a stored value")
	}

	// Credentials without /metrics: skipped, said so, not an error.
	nobody := filepath.Join(dir, "nobody.kubeconfig")
	if err := c.WriteKubeconfig(nobody, "nobody"); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "etcd", "encryption", "--kubeconfig", nobody)
	if code != cli.ExitOK || !strings.Contains(out, "SKIPPED "+etcd.IDAPIServerWritesPlainly) || !strings.Contains(out, "may not read") {
		t.Errorf("metrics forbidden: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestEncryptionRotation: ten Secrets under aescbc key k1; k2 is put in
// front and the API server restarted; half the Secrets are rewritten
// (three changed, two replaced unchanged, as kubectl replace does).
// rampart must name exactly the five left on k1.
func TestEncryptionRotation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k1, k2 := key{"aescbc", "k1"}, key{"aescbc", "k2"}
	c := start(t, testcluster.EtcdMutualTLS, "--encryption-provider-config="+writeConfig(t, dir, "before.yaml", k1))
	admin, err := c.Admin()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range 10 {
		names = append(names, fmt.Sprintf("s%02d", i))
	}
	createSecrets(t, admin, "rot", names...)
	after := writeConfig(t, dir, "after.yaml", k2, k1)
	if err := c.RestartAPIServer(ctx, "--encryption-provider-config="+after); err != nil {
		t.Fatal(err)
	}
	for i, n := range names[:5] {
		s, err := admin.CoreV1().Secrets("rot").Get(ctx, n, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			s.Labels = map[string]string{"rotated": "yes"}
		}
		if _, err := admin.CoreV1().Secrets("rot").Update(ctx, s, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := etcd.LoadEncryptionConfig(after)
	if err != nil {
		t.Fatal(err)
	}
	res := etcd.ScanEncryption(ctx, etcdKV(t, c), etcd.EncryptionOptions{Config: cfg})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	got := storageByObject(res, "rot")
	for i, n := range names {
		want := "aescbc k1"
		if i < 5 {
			want = "aescbc k2"
		}
		if got["rot/"+n] != want {
			t.Errorf("rot/%s stored as %q, want %q", n, got["rot/"+n], want)
		}
	}
	var left []string
	for _, f := range res.Findings {
		if f.Resource.Namespace != "rot" {
			continue
		}
		if f.CheckID != etcd.IDRotationIncomplete || f.Resource.Kind != "Secret" || f.Evidence["stored"] != "aescbc k1" {
			t.Errorf("unexpected finding %s %s: %s", f.CheckID, f.Resource, f.Message)
			continue
		}
		left = append(left, f.Resource.Name)
	}
	if !slices.Equal(left, names[5:]) {
		t.Errorf("rotation-incomplete names %v, want exactly %v", left, names[5:])
	}

	// The same through the command line, as a person reads it.
	code, out, errOut := runCLI(t, "etcd", "encryption", "--endpoints", c.EtcdURL, "--cacert", c.EtcdCAFile,
		"--cert", c.EtcdAPIServerCert.CertFile, "--key", c.EtcdAPIServerCert.KeyFile, "--encryption-config", after, "--fail-on", "medium")
	if code != cli.ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"aescbc k2", "first (writes)", "aescbc k1", "read only", "Secret/rot/s05", "Secret/rot/s09", "rotation-incomplete"} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("encryption table:\n%s", out)
	if strings.Contains(out, "Secret/rot/s04") {
		t.Errorf("table names a rewritten secret:\n%s", out)
	}
}
