package controlplane

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
)

// groupResource is a resource as an EncryptionConfiguration names it:
// "secrets" (core group), "deployments.apps", "*." (every core resource),
// "*.apps", "*.*".
type groupResource struct{ group, resource string }

func parseGR(s string) groupResource {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return groupResource{group: s[i+1:], resource: s[:i]}
	}
	return groupResource{resource: s}
}

// EncryptionFor returns what protects a resource under the configuration,
// as the API server resolves it (k8s.io/apiserver encryptionconfig): the
// providers of the entries naming it exactly, else those of "*.<group>",
// else those of "*.*", in the order the entries come; no providers means
// the resource is stored as written. entry is the index of the first
// entry that applies (-1 for none).
func EncryptionFor(cfg *apiserverv1.EncryptionConfiguration, group, resource string) (providers []apiserverv1.ProviderConfiguration, entry int) {
	for _, key := range []groupResource{{group, resource}, {group, "*"}, {"*", "*"}} {
		entry = -1
		for i, rc := range cfg.Resources {
			for _, r := range rc.Resources {
				if parseGR(r) == key {
					if entry < 0 {
						entry = i
					}
					providers = append(providers, rc.Providers...)
				}
			}
		}
		if entry >= 0 {
			return providers, entry
		}
	}
	return nil, -1
}

// providerName is a provider's kind: identity, aescbc, aesgcm, secretbox,
// kms.
func providerName(p apiserverv1.ProviderConfiguration) string {
	switch {
	case p.Identity != nil:
		return "identity"
	case p.AESCBC != nil:
		return "aescbc"
	case p.AESGCM != nil:
		return "aesgcm"
	case p.Secretbox != nil:
		return "secretbox"
	case p.KMS != nil:
		if p.KMS.APIVersion == "v2" {
			return "kms v2"
		}
		return "kms v1"
	}
	return "unknown"
}

func providerKeys(p apiserverv1.ProviderConfiguration) (field string, keys []apiserverv1.Key) {
	switch {
	case p.AESCBC != nil:
		return "aescbc", p.AESCBC.Keys
	case p.AESGCM != nil:
		return "aesgcm", p.AESGCM.Keys
	case p.Secretbox != nil:
		return "secretbox", p.Secretbox.Keys
	}
	return "", nil
}

// keyBytes is a key's decoded length; the key itself never leaves here.
func keyBytes(k apiserverv1.Key) int {
	b, err := base64.StdEncoding.DecodeString(k.Secret)
	if err != nil {
		return -1
	}
	return len(b)
}

func encryptionControls() []*Control {
	mk := func(id, title string, sev finding.Severity, cis bool, why, rem string, eval func(r *reporter, o *inventory.Object, cfg *apiserverv1.EncryptionConfiguration)) *Control {
		ct := &Control{meta: check.Meta{ID: id, Title: title, Severity: sev, Category: finding.CategoryCluster, Why: why, Remediation: rem,
			Kinds: []string{"EncryptionConfiguration (apiserver.config.k8s.io/v1)"}}}
		if cis {
			ct.meta.Controls = []string{"CIS 1.2.28"}
		}
		ct.all = func(r *reporter, m *Model) {
			encryptionConfigs(r, m, func(o *inventory.Object, cfg *apiserverv1.EncryptionConfiguration) { eval(r, o, cfg) })
		}
		return ct
	}
	uncovered := mk("encryption/resources-uncovered", "Secrets not covered by the encryption configuration", finding.SeverityHigh, true,
		"Resources that no entry names (exactly, by *.<group> or by *.*) are written to etcd as they are: in plain text.",
		"add secrets (or *.*) to an entry whose first provider encrypts (kms v2, secretbox, aesgcm)",
		func(r *reporter, o *inventory.Object, cfg *apiserverv1.EncryptionConfiguration) {
			if ps, _ := EncryptionFor(cfg, "", "secrets"); len(ps) == 0 {
				r.result(o, "resources", 0, "no entry covers secrets: they are stored unencrypted", map[string]any{"resource": "secrets"})
			}
		})
	identityFirst := mk("encryption/identity-first", "Encryption configuration writes in plain text (identity first)", finding.SeverityHigh, true,
		"The first provider of an entry encrypts every new write; with identity first, nothing new is encrypted, and the providers after it only read older data.",
		"put an encrypting provider first (kms v2, secretbox or aesgcm), keeping identity after it while old data is rewritten",
		func(r *reporter, o *inventory.Object, cfg *apiserverv1.EncryptionConfiguration) {
			_, secretsEntry := EncryptionFor(cfg, "", "secrets")
			for i, rc := range cfg.Resources {
				if len(rc.Providers) == 0 || rc.Providers[0].Identity == nil {
					continue
				}
				field := fmt.Sprintf("resources[%d].providers[0]", i)
				ev := map[string]any{"resources": rc.Resources}
				if i == secretsEntry {
					r.result(o, field, 0, fmt.Sprintf("entry %d (%s) has identity first: new Secrets are written unencrypted", i, strings.Join(rc.Resources, ", ")), ev)
					continue
				}
				r.result(o, field, finding.SeverityLow, fmt.Sprintf("entry %d (%s) has identity first: its resources are written unencrypted (fine for a deliberate opt-out such as events)", i, strings.Join(rc.Resources, ", ")), ev)
			}
		})
	weak := mk("encryption/weak-provider", "Encryption with a weak or rotation-bound provider", finding.SeverityMedium, true,
		"aescbc is open to padding-oracle attacks and no longer recommended; aesgcm is safe only if its key is rotated before 2^32 writes (the docs say every 200,000), which needs automation.",
		"use kms v2 (or secretbox) as the first provider",
		func(r *reporter, o *inventory.Object, cfg *apiserverv1.EncryptionConfiguration) {
			for i, rc := range cfg.Resources {
				if len(rc.Providers) == 0 {
					continue
				}
				p := rc.Providers[0]
				field := fmt.Sprintf("resources[%d].providers[0]", i)
				what := strings.Join(rc.Resources, ", ")
				switch providerName(p) {
				case "aescbc":
					msg := fmt.Sprintf("entry %d (%s) encrypts with aescbc, which is open to padding-oracle attacks", i, what)
					if len(p.AESCBC.Keys) > 0 {
						if n := keyBytes(p.AESCBC.Keys[0]); n > 0 && n < 32 {
							msg += fmt.Sprintf("; its key %q is %d bytes, not 32", p.AESCBC.Keys[0].Name, n)
						}
					}
					r.result(o, field+".aescbc", 0, msg, map[string]any{"provider": "aescbc"})
				case "aesgcm":
					r.result(o, field+".aesgcm", finding.SeverityLow, fmt.Sprintf("entry %d (%s) encrypts with aesgcm: safe only with automated key rotation (every 200,000 writes)", i, what), map[string]any{"provider": "aesgcm"})
				}
			}
		})
	kmsV1 := mk("encryption/kms-v1", "Encryption through the deprecated KMS v1", finding.SeverityMedium, false,
		"KMS v1 is deprecated since 1.28 and off by default since 1.29 (KMSv1 feature gate); it calls the KMS for every object, and the API server will stop supporting it.",
		"migrate to kms apiVersion: v2 (add a v2 provider first, rewrite the data, then remove v1)",
		func(r *reporter, o *inventory.Object, cfg *apiserverv1.EncryptionConfiguration) {
			for i, rc := range cfg.Resources {
				for j, p := range rc.Providers {
					if providerName(p) != "kms v1" {
						continue
					}
					sev, role := finding.SeverityMedium, "encrypts new writes"
					if j > 0 {
						sev, role = finding.SeverityLow, "decrypts older data"
					}
					r.result(o, fmt.Sprintf("resources[%d].providers[%d].kms", i, j), sev,
						fmt.Sprintf("entry %d (%s): KMS v1 provider %q %s", i, strings.Join(rc.Resources, ", "), p.KMS.Name, role), map[string]any{"kms": p.KMS.Name})
				}
			}
		})
	unused := mk("encryption/unused-keys", "Encryption keys kept that no longer encrypt", finding.SeverityLow, false,
		"Only an entry's first provider, with its first key, encrypts; further keys and providers only decrypt what was written before a rotation. Kept after the rewrite, they are secrets that protect nothing but still open old backups.",
		"after a rotation, rewrite every object (kubectl get secrets -A -o json | kubectl replace -f -), check that none is left on the old key (rampart etcd encryption), then remove the old keys and providers",
		func(r *reporter, o *inventory.Object, cfg *apiserverv1.EncryptionConfiguration) {
			for i, rc := range cfg.Resources {
				for j, p := range rc.Providers {
					field, keys := providerKeys(p)
					if j == 0 && len(keys) > 1 {
						var names []string
						for _, k := range keys[1:] {
							names = append(names, k.Name)
						}
						r.result(o, fmt.Sprintf("resources[%d].providers[0].%s.keys[1]", i, field), 0,
							fmt.Sprintf("entry %d (%s): %s keys %s only decrypt; the first key, %q, encrypts", i, strings.Join(rc.Resources, ", "), field, quoteAll(names), keys[0].Name),
							map[string]any{"decryptOnly": names, "encrypting": keys[0].Name})
					}
					if j > 0 && p.Identity == nil {
						r.result(o, fmt.Sprintf("resources[%d].providers[%d]", i, j), 0,
							fmt.Sprintf("entry %d (%s): provider %d (%s) only decrypts data written before it was moved from first place", i, strings.Join(rc.Resources, ", "), j, providerName(p)),
							map[string]any{"provider": providerName(p)})
					}
				}
			}
		})
	perms := &Control{meta: check.Meta{ID: "encryption/file-permissions", Title: "Encryption configuration readable beyond root",
		Severity: finding.SeverityHigh, Category: finding.CategoryCluster,
		Why:         "The EncryptionConfiguration holds the keys (aescbc, aesgcm, secretbox) that protect every Secret in etcd; whoever reads it and etcd's data reads the Secrets.",
		Remediation: "chown root:root and chmod 600 the file named by --encryption-provider-config",
		Kinds:       []string{"File (rampart node)"}}}
	perms.all = func(r *reporter, m *Model) {
		fr := fileRule{roles: []Role{RoleEncryptionConfig}, what: "encryption configuration", maxMode: 0o600, kind: APIServer}
		if m.Host == nil {
			if len(m.Encryption) > 0 {
				r.skip("EncryptionConfiguration", "the file's mode and owner are read on the machine itself: run rampart node there")
			}
			return
		}
		files := m.fileObjects(RoleEncryptionConfig)
		if len(files) == 0 {
			return // no --encryption-provider-config (apiserver/encryption-config-missing says so)
		}
		fr.eval(r, m)
		fr.owner = true
		fr.eval(r, m)
	}
	return []*Control{uncovered, identityFirst, weak, kmsV1, unused, perms}
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// encryptionConfigs runs a review on every EncryptionConfiguration; an API
// server that names one that was not read is skipped.
func encryptionConfigs(r *reporter, m *Model, review func(o *inventory.Object, cfg *apiserverv1.EncryptionConfiguration)) {
	for _, c := range m.Of(APIServer) {
		v := c.Flag("encryption-provider-config", "")
		if v.Raw == "" {
			continue
		}
		if hp, ok := c.HostPath(v.Raw); !ok || m.objectAt(hp, "EncryptionConfiguration") == nil {
			r.skip(c.Name(), fmt.Sprintf("its encryption configuration %s was not read", v.Raw))
		}
	}
	for _, o := range m.Encryption {
		if cfg, ok := o.Typed.(*apiserverv1.EncryptionConfiguration); ok {
			review(o, cfg)
		}
	}
}
