package etcd

import (
	"errors"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime/schema"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"sigs.k8s.io/yaml"
)

// EncryptionConfig is what rampart keeps of an EncryptionConfiguration:
// for each resource, its providers in order, by key name. Key material is
// dropped as soon as the file is parsed.
type EncryptionConfig struct {
	// Path is the file it was read from.
	Path string
	// byResource maps group/resource (wildcards as the API server keeps
	// them) to the storages it may read, the first one writing.
	byResource map[schema.GroupResource][]Storage
}

var anyGroupAnyResource = schema.GroupResource{Group: "*", Resource: "*"}

// LoadEncryptionConfig reads an EncryptionConfiguration file strictly
// (unknown or duplicate fields are errors) with the upstream v1 types.
func LoadEncryptionConfig(path string) (*EncryptionConfig, error) {
	data, err := os.ReadFile(path) // #nosec G304 -- the user names the file to read
	if err != nil {
		return nil, err
	}
	c, err := ParseEncryptionConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.Path = path
	return c, nil
}

// ParseEncryptionConfig parses an EncryptionConfiguration (YAML or JSON).
func ParseEncryptionConfig(data []byte) (*EncryptionConfig, error) {
	var cfg apiserverv1.EncryptionConfiguration
	if err := yaml.UnmarshalStrict(data, &cfg); err != nil {
		return nil, fmt.Errorf("not a valid EncryptionConfiguration: %w", err)
	}
	defer clearSecrets(&cfg)
	if want := apiserverv1.SchemeGroupVersion.String(); cfg.APIVersion != want || cfg.Kind != "EncryptionConfiguration" {
		return nil, fmt.Errorf("apiVersion %q, kind %q: want %s, EncryptionConfiguration", cfg.APIVersion, cfg.Kind, want)
	}
	if len(cfg.Resources) == 0 {
		return nil, errors.New("no resources")
	}
	out := &EncryptionConfig{byResource: map[schema.GroupResource][]Storage{}}
	for i, rc := range cfg.Resources {
		if len(rc.Resources) == 0 || len(rc.Providers) == 0 {
			return nil, fmt.Errorf("resources[%d]: needs resources and providers", i)
		}
		var storages []Storage
		for j, p := range rc.Providers {
			s, err := providerStorages(p)
			if err != nil {
				return nil, fmt.Errorf("resources[%d].providers[%d]: %w", i, j, err)
			}
			storages = append(storages, s...)
		}
		for _, r := range rc.Resources {
			gr := schema.ParseGroupResource(r)
			out.byResource[gr] = append(out.byResource[gr], storages...)
		}
	}
	return out, nil
}

func providerStorages(p apiserverv1.ProviderConfiguration) ([]Storage, error) {
	var out []Storage
	n := 0
	keys := func(provider string, ks []apiserverv1.Key) error {
		n++
		if len(ks) == 0 {
			return fmt.Errorf("%s has no keys", provider)
		}
		for _, k := range ks {
			if k.Name == "" {
				return fmt.Errorf("%s has a key without a name", provider)
			}
			out = append(out, Storage{Provider: provider, Version: "v1", Key: k.Name})
		}
		return nil
	}
	if p.AESCBC != nil {
		if err := keys(ProviderAESCBC, p.AESCBC.Keys); err != nil {
			return nil, err
		}
	}
	if p.AESGCM != nil {
		if err := keys(ProviderAESGCM, p.AESGCM.Keys); err != nil {
			return nil, err
		}
	}
	if p.Secretbox != nil {
		if err := keys(ProviderSecretbox, p.Secretbox.Keys); err != nil {
			return nil, err
		}
	}
	if p.KMS != nil {
		n++
		v := p.KMS.APIVersion
		if v == "" {
			v = "v1" // the API server's default
		}
		if (v != "v1" && v != "v2") || p.KMS.Name == "" {
			return nil, fmt.Errorf("kms needs a name and apiVersion v1 or v2, has %q, %q", p.KMS.Name, p.KMS.APIVersion)
		}
		out = append(out, Storage{Provider: ProviderKMS, Version: v, Key: p.KMS.Name})
	}
	if p.Identity != nil {
		n++
		out = append(out, Storage{Provider: ProviderIdentity})
	}
	if n != 1 {
		return nil, fmt.Errorf("a provider entry names exactly one of aescbc, aesgcm, secretbox, kms, identity; this one names %d", n)
	}
	return out, nil
}

// clearSecrets overwrites the keys' secrets once parsed: rampart needs
// their names only.
func clearSecrets(cfg *apiserverv1.EncryptionConfiguration) {
	for i := range cfg.Resources {
		for j := range cfg.Resources[i].Providers {
			p := &cfg.Resources[i].Providers[j]
			for _, a := range []*apiserverv1.AESConfiguration{p.AESCBC, p.AESGCM} {
				if a != nil {
					for k := range a.Keys {
						a.Keys[k].Secret = ""
					}
				}
			}
			if p.Secretbox != nil {
				for k := range p.Secretbox.Keys {
					p.Secretbox.Keys[k].Secret = ""
				}
			}
		}
	}
}

// Storages returns the storages the API server reads resource (secrets,
// or resource.group) with, in its order: the first writes. A resource no
// entry names is stored by identity.
func (c *EncryptionConfig) Storages(resource string) []Storage {
	gr := schema.ParseGroupResource(resource)
	for _, k := range []schema.GroupResource{gr, {Group: gr.Group, Resource: "*"}, anyGroupAnyResource} {
		if s, ok := c.byResource[k]; ok {
			return s
		}
	}
	return []Storage{{Provider: ProviderIdentity}}
}

// knownKeys lists every configured key name by provider:version, for
// Classify.
func (c *EncryptionConfig) knownKeys() map[string][]string {
	if c == nil {
		return nil
	}
	out := map[string][]string{}
	for _, ss := range c.byResource {
		for _, s := range ss {
			if s.Encrypted() {
				out[s.Provider+":"+s.Version] = append(out[s.Provider+":"+s.Version], s.Key)
			}
		}
	}
	return out
}

// sameStorage compares how values are stored, ignoring the format of
// plain values and truncation.
func sameStorage(a, b Storage) bool {
	return a.Provider == b.Provider && (a.Provider == ProviderIdentity || a.Version == b.Version && a.Key == b.Key)
}

// containsStorage says whether s is among ss.
func containsStorage(ss []Storage, s Storage) bool {
	for _, t := range ss {
		if sameStorage(s, t) {
			return true
		}
	}
	return false
}
