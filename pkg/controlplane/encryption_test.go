package controlplane_test

import (
	"slices"
	"strings"
	"testing"

	cp "github.com/rampart-k8s/rampart/pkg/controlplane"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
)

const goodEncryption = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [events]
  providers:
  - identity: {}
- resources: [secrets, configmaps]
  providers:
  - kms:
      apiVersion: v2
      name: corp-kms
      endpoint: unix:///var/run/kms.sock
  - identity: {}
`

func encryptionIDs(t *testing.T, yaml string) []string {
	t.Helper()
	var out []string
	for _, id := range ids(run(t, parse(t, "enc.yaml", yaml)...)) {
		if strings.HasPrefix(id, "encryption/") {
			out = append(out, id)
		}
	}
	return out
}

func TestEncryptionReview(t *testing.T) {
	// The events opt-out is reported, low.
	if got := encryptionIDs(t, goodEncryption); !slices.Equal(got, []string{"encryption/identity-first"}) {
		t.Fatalf("good configuration: %v", got)
	}
	const key32 = "c2VjcmV0IGlzIHNlY3VyZSwgaXMgaXQgc2VjdXJlPz8/Pz8/Pz8/Pz8/Pz8/Pw==" // 48 bytes: not 32 either, decoded length shown
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"secrets not named", strings.Replace(goodEncryption, "[secrets, configmaps]", "[configmaps]", 1), []string{"encryption/identity-first", "encryption/resources-uncovered"}},
		{"secrets through *.* (no finding)", strings.Replace(goodEncryption, "[secrets, configmaps]", "['*.*']", 1), []string{"encryption/identity-first"}},
		{"secrets through *. (core group)", strings.Replace(goodEncryption, "[secrets, configmaps]", "['*.']", 1), []string{"encryption/identity-first"}},
		{"*.apps does not cover secrets", strings.Replace(goodEncryption, "[secrets, configmaps]", "['*.apps']", 1), []string{"encryption/identity-first", "encryption/resources-uncovered"}},
		{"identity first for secrets", strings.Replace(goodEncryption, "  - kms:\n      apiVersion: v2\n      name: corp-kms\n      endpoint: unix:///var/run/kms.sock\n  - identity: {}\n",
			"  - identity: {}\n  - kms:\n      apiVersion: v2\n      name: corp-kms\n      endpoint: unix:///var/run/kms.sock\n", 1),
			[]string{"encryption/identity-first", "encryption/identity-first", "encryption/unused-keys"}},
		{"aescbc", `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc:
      keys:
      - {name: key2, secret: "` + key32 + `"}
      - {name: key1, secret: "c2hvcnQ="}
  - identity: {}
`, []string{"encryption/unused-keys", "encryption/weak-provider"}},
		{"aesgcm", `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aesgcm:
      keys: [{name: k, secret: "` + key32 + `"}]
`, []string{"encryption/weak-provider"}},
		{"secretbox is fine", `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - secretbox:
      keys: [{name: k, secret: "` + key32 + `"}]
`, nil},
		{"kms v1 first, and later", `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms: {name: old, endpoint: "unix:///k.sock"}
  - kms: {apiVersion: v1, name: older, endpoint: "unix:///k.sock"}
`, []string{"encryption/kms-v1", "encryption/kms-v1", "encryption/unused-keys"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := encryptionIDs(t, c.yaml); !slices.Equal(got, c.want) {
				t.Errorf("findings %v, want %v", got, c.want)
			}
		})
	}
	// Key material never reaches a finding.
	rep := run(t, parse(t, "enc.yaml", cases[5].yaml)...)
	for _, f := range rep.Findings {
		if strings.Contains(f.Message, key32) || strings.Contains(f.Message, "c2hvcnQ=") {
			t.Errorf("a key in %s", f.Message)
		}
		for _, v := range f.Evidence {
			if s, ok := v.(string); ok && (strings.Contains(s, key32) || strings.Contains(s, "c2hvcnQ=")) {
				t.Errorf("a key in the evidence of %s", f.CheckID)
			}
		}
	}
	if fs := find(rep, "encryption/weak-provider"); len(fs) != 1 || fs[0].Location.Field != "resources[0].providers[0].aescbc" || fs[0].Resource.Name != "enc.yaml" {
		t.Errorf("aescbc finding %+v", fs)
	}
}

// TestEncryptionFor: the API server's resolution order, exact before
// *.group before *.*, whatever the entries' order.
func TestEncryptionFor(t *testing.T) {
	cfg := &apiserverv1.EncryptionConfiguration{Resources: []apiserverv1.ResourceConfiguration{
		{Resources: []string{"*.*"}, Providers: []apiserverv1.ProviderConfiguration{{Secretbox: &apiserverv1.SecretboxConfiguration{}}}},
		{Resources: []string{"*.apps"}, Providers: []apiserverv1.ProviderConfiguration{{AESGCM: &apiserverv1.AESConfiguration{}}}},
		{Resources: []string{"secrets"}, Providers: []apiserverv1.ProviderConfiguration{{Identity: &apiserverv1.IdentityConfiguration{}}}},
		{Resources: []string{"secrets"}, Providers: []apiserverv1.ProviderConfiguration{{AESCBC: &apiserverv1.AESConfiguration{}}}},
	}}
	for _, c := range []struct {
		group, resource string
		entry           int
		first           string
		n               int
	}{
		{"", "secrets", 2, "identity", 2},
		{"apps", "deployments", 1, "aesgcm", 1},
		{"", "configmaps", 0, "secretbox", 1},
	} {
		ps, entry := cp.EncryptionFor(cfg, c.group, c.resource)
		if entry != c.entry || len(ps) != c.n || (ps[0].Identity != nil) != (c.first == "identity") || (ps[0].AESGCM != nil) != (c.first == "aesgcm") {
			t.Errorf("%s.%s: entry %d, %d providers", c.resource, c.group, entry, len(ps))
		}
	}
	if ps, entry := cp.EncryptionFor(&apiserverv1.EncryptionConfiguration{}, "", "secrets"); ps != nil || entry != -1 {
		t.Errorf("empty configuration")
	}
}
