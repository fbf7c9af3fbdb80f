package etcd

import (
	"slices"
	"strings"
	"testing"
)

const rotatingConfig = `
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [events]
  providers:
  - identity: {}
- resources: [secrets, configmaps]
  providers:
  - aescbc:
      keys:
      - name: new
        secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==
      - name: old
        secret: c2VjcmV0IGlzIHNlY3VyZQ==
  - identity: {}
- resources: ['*.apps']
  providers:
  - kms: {apiVersion: v2, name: corp, endpoint: unix:///kms.sock}
- resources: ['*.*']
  providers:
  - secretbox:
      keys:
      - name: sb
        secret: c2VjcmV0IGlzIHNlY3VyZQ==
`

func TestParseEncryptionConfig(t *testing.T) {
	c, err := ParseEncryptionConfig([]byte(rotatingConfig))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		resource string
		want     []string
	}{
		{"secrets", []string{"aescbc new", "aescbc old", "identity"}},
		{"configmaps", []string{"aescbc new", "aescbc old", "identity"}},
		{"events", []string{"identity"}},
		{"deployments.apps", []string{"kms v2 corp"}},
		{"pods", []string{"secretbox sb"}},
		{"widgets.example.com", []string{"secretbox sb"}},
	} {
		var got []string
		for _, s := range c.Storages(tc.resource) {
			got = append(got, s.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.resource, got, tc.want)
		}
	}
	none, err := ParseEncryptionConfig([]byte("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [configmaps]\n  providers: [{identity: {}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := none.Storages("secrets"); len(s) != 1 || s[0].Encrypted() {
		t.Errorf("secrets not named: %v, want identity", s)
	}
}

func TestParseEncryptionConfigStrict(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":      "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  provider: [{identity: {}}]\n",
		"misplaced key":      "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc: {name: k, secret: eA==}\n",
		"duplicate field":    "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nkind: EncryptionConfiguration\nresources: []\n",
		"wrong kind":         "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfig\nresources:\n- resources: [secrets]\n  providers: [{identity: {}}]\n",
		"old apiVersion":     "apiVersion: apiserver.config.k8s.io/v1alpha1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{identity: {}}]\n",
		"two providers":      "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n    secretbox: {keys: [{name: a, secret: eA==}]}\n",
		"no keys":            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{aesgcm: {keys: []}}]\n",
		"no resources":       "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n",
		"kms without name":   "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{kms: {apiVersion: v2, endpoint: x}}]\n",
		"not yaml":           "{",
		"empty provider":     "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{}]\n",
		"key without name":   "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{aescbc: {keys: [{secret: eA==}]}}]\n",
		"kms unknown apiVer": "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{kms: {apiVersion: v3, name: k, endpoint: x}}]\n",
	} {
		_, err := ParseEncryptionConfig([]byte(doc))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "eA==") {
			t.Errorf("%s: the error shows key material: %v", name, err)
		}
	}
}

func obj(resource, ns, name, value string, known map[string][]string) StoredObject {
	return StoredObject{Resource: resource, Namespace: ns, Name: name, Storage: Classify([]byte(value), known)}
}

func TestAnalyze(t *testing.T) {
	cfg, err := ParseEncryptionConfig([]byte(rotatingConfig))
	if err != nil {
		t.Fatal(err)
	}
	known := cfg.knownKeys()
	objs := []StoredObject{
		obj("secrets", "shop", "db", "k8s:enc:aescbc:v1:new:xx", known),
		obj("secrets", "shop", "api", "k8s:enc:aescbc:v1:old:xx", known),
		obj("secrets", "shop", "plain", "k8s\x00proto", known),
		obj("secrets", "kube-system", "a", "k8s\x00proto", known),
		obj("secrets", "kube-system", "b", "k8s\x00proto", known),
		obj("secrets", "lost", "gone", "k8s:enc:aesgcm:v1:dropped:xx", known),
		obj("configmaps", "shop", "cfg", "k8s:enc:aescbc:v1:old:xx", known),
		obj("configmaps", "shop", "plain", "k8s\x00proto", known),
		obj("widgets.example.com", "", "w1", `{"kind":"Widget"}`, known),
	}
	res := &EncryptionResult{Objects: objs}
	analyze(res, EncryptionOptions{Prefix: "/registry", Config: cfg})
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.CheckID+" "+f.Resource.Kind+" "+f.Resource.Namespace+"/"+f.Resource.Name)
	}
	want := []string{
		"encryption/key-not-in-config widgets.example.com /w1",
		"encryption/secrets-unencrypted Secret kube-system/",
		"encryption/key-not-in-config Secret lost/gone",
		"encryption/rotation-incomplete ConfigMap shop/cfg",
		"encryption/secrets-unencrypted Secret shop/",
		"encryption/rotation-incomplete Secret shop/api",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range res.Findings {
		if f.CheckID == IDSecretsUnencrypted && f.Resource.Namespace == "shop" {
			if f.Evidence["unencrypted"] != 1 || f.Evidence["secrets"] != 3 {
				t.Errorf("shop counts: %v", f.Evidence)
			}
			if !strings.Contains(f.Message, "never rewritten") {
				t.Errorf("message: %s", f.Message)
			}
		}
	}
	var dist []string
	for _, d := range res.Distribution {
		dist = append(dist, d.Resource+" "+d.Storage.String()+" "+d.Expected)
	}
	wantDist := []string{
		"configmaps aescbc old read", "configmaps identity (protobuf) read",
		"secrets identity (protobuf) read", "secrets aescbc new write", "secrets aescbc old read", "secrets aesgcm dropped unknown",
		"widgets.example.com identity (json) unknown",
	}
	if !slices.Equal(dist, wantDist) {
		t.Errorf("distribution\n%s\nwant\n%s", strings.Join(dist, "\n"), strings.Join(wantDist, "\n"))
	}

	// Without a configuration: only the plain Secrets.
	res = &EncryptionResult{Objects: objs}
	analyze(res, EncryptionOptions{Prefix: "/registry"})
	if len(res.Findings) != 2 || res.Findings[0].CheckID != IDSecretsUnencrypted {
		t.Errorf("without a configuration: %v", res.Findings)
	}
}

func TestSplitKeyAndPrefix(t *testing.T) {
	if got := ResourceKeyPrefix("/registry", "secrets"); got != "/registry/secrets/" {
		t.Error(got)
	}
	if got := ResourceKeyPrefix("/kubernetes.io", "widgets.example.com"); got != "/kubernetes.io/example.com/widgets/" {
		t.Error(got)
	}
	if ns, name := splitKey("shop/db"); ns != "shop" || name != "db" {
		t.Error(ns, name)
	}
	if ns, name := splitKey("cluster-thing"); ns != "" || name != "cluster-thing" {
		t.Error(ns, name)
	}
}

func TestParseTransformations(t *testing.T) {
	text := `# HELP apiserver_storage_transformation_operations_total [ALPHA] Total number of transformations.
# TYPE apiserver_storage_transformation_operations_total counter
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="from_storage",transformer_prefix="identity"} 3
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="from_storage",transformer_prefix="k8s:enc:aescbc:v1:k1:"} 7
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix=""} 2
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix="k8s:enc:aescbc:v1:"} 5
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix="k1:"} 5
apiserver_storage_transformation_operations_total{resource="configmaps",status="Unknown",transformation_type="from_storage",transformer_prefix="unknown"} 1
apiserver_storage_transformation_operations_total{resource="odd\"name",status="OK",transformation_type="to_storage",transformer_prefix="k8s:enc:kms:v2:a:"} 1e+00 1700000000
apiserver_storage_transformation_duration_seconds_bucket{transformation_type="to_storage",transformer_prefix="",le="5e-06"} 0
`
	series, err := ParseTransformations(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range series {
		got = append(got, s.Resource+"|"+s.Type+"|"+s.Storage.String()+"|"+s.Status)
	}
	want := []string{
		"configmaps|from_storage|unknown provider|Unknown",
		`odd"name|to_storage|kms v2 a|OK`,
		"secrets|to_storage|identity|OK", "secrets|to_storage|key k1|OK", "secrets|to_storage|aescbc|OK",
		"secrets|from_storage|identity|OK", "secrets|from_storage|aescbc k1|OK",
	}
	if !slices.Equal(got, want) {
		t.Errorf("series\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	tr := &Transformations{Series: series}
	tr.judge("https://api")
	if len(tr.Findings) != 1 || tr.Findings[0].CheckID != IDAPIServerWritesPlainly || tr.Findings[0].Evidence["identity"] != 2.0 || tr.Findings[0].Evidence["encrypted"] != 5.0 {
		t.Errorf("findings %+v", tr.Findings)
	}
	for _, bad := range []string{
		`apiserver_storage_transformation_operations_total{resource="x} 1`,
		`apiserver_storage_transformation_operations_total{resource=x} 1`,
		`apiserver_storage_transformation_operations_total{resource="x"}`,
		`apiserver_storage_transformation_operations_total{resource="x"} one`,
	} {
		if _, err := ParseTransformations(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestProbeJudgeUnreachableIsNoPass(t *testing.T) {
	res := &ProbeResult{}
	er := EndpointResult{Endpoint: "10.0.0.1:2379", Role: "client", Verdict: VerdictUnreachable,
		Attempts: []Attempt{{Outcome: OutcomeUnreachable, Answer: "i/o timeout"}, {Outcome: OutcomeUnreachable}}}
	er.setDecisive(0, false)
	judge(res, er, ProbeOptions{})
	if len(res.Findings) != 0 || len(res.Errors) != 1 || len(res.Skipped) != 2 {
		t.Errorf("unreachable: findings %v errors %v skipped %v", res.Findings, res.Errors, res.Skipped)
	}
}

func TestClassifyTLSAndHTTP(t *testing.T) {
	if o, _ := classifyHTTP(200, []byte(`{"etcdserver":"3.7.0","etcdcluster":"3.7.0"}`)); o != OutcomeAnswered {
		t.Error(o)
	}
	if o, _ := classifyHTTP(403, nil); o != OutcomeRefused {
		t.Error(o)
	}
	if o, a := classifyHTTP(400, []byte("Client sent an HTTP request to an HTTPS server.\n")); o != OutcomeInconclusive || !strings.Contains(a, "HTTPS server") {
		t.Error(o, a)
	}
	for _, tc := range []struct{ hp, role, want string }{
		{"https://10.0.0.1:2379", "client", "10.0.0.1:2379"},
		{"10.0.0.1", "client", "10.0.0.1:2379"},
		{"http://etcd.local", "peer", "etcd.local:2380"},
		{"[::1]:4001", "client", "[::1]:4001"},
	} {
		if got, err := hostPort(tc.hp, tc.role); err != nil || got != tc.want {
			t.Errorf("hostPort(%q) = %q, %v; want %q", tc.hp, got, err, tc.want)
		}
	}
	for _, bad := range []string{"ftp://x:1", "unix:///run/etcd.sock", "://"} {
		if _, err := hostPort(bad, "client"); err == nil {
			t.Errorf("hostPort(%q) accepted", bad)
		}
	}
}
