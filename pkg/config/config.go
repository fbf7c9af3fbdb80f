// Package config reads .rampart.yaml: suppressions, the organisation's
// choices for checks (trusted registries, sandbox runtimes, what counts as
// untrusted) and the default threshold.
package config

import (
	"errors"
	"fmt"
	"os"
	"time"

	psaapi "k8s.io/pod-security-admission/api"
	"sigs.k8s.io/yaml"
)

// DefaultFile is read from the working directory when present.
const DefaultFile = ".rampart.yaml"

// Config is the content of .rampart.yaml.
type Config struct {
	// FailOn is the default for --fail-on.
	FailOn string `json:"failOn,omitempty"`
	// Ignore suppresses findings; each entry needs a reason.
	Ignore []IgnoreRule `json:"ignore,omitempty"`
	// Untrusted says which workloads must run in a sandbox.
	Untrusted Untrusted `json:"untrusted,omitempty"`
	// SandboxHandlers are RuntimeClass handlers (glob patterns) that isolate
	// workloads from the host kernel.
	SandboxHandlers []string `json:"sandboxHandlers,omitempty"`
	// Images configures image checks.
	Images Images `json:"images,omitempty"`
	// PodSecurity sets the level and version the pss/ checks evaluate.
	PodSecurity PodSecurity `json:"podSecurity,omitempty"`
}

// IgnoreRule suppresses the findings of one check (a glob such as "pss/*"
// is allowed) on the resources it selects.
type IgnoreRule struct {
	Check     string            `json:"check"`
	Kind      string            `json:"kind,omitempty"`
	Namespace string            `json:"namespace,omitempty"`
	Name      string            `json:"name,omitempty"` // glob
	Labels    map[string]string `json:"labels,omitempty"`
	Reason    string            `json:"reason"`
	// Expires is a date (YYYY-MM-DD) after which the finding returns.
	Expires string `json:"expires,omitempty"`
}

// Untrusted selects workloads that must be sandboxed: by their own labels
// or by their namespace's labels (any match counts).
type Untrusted struct {
	Labels          map[string]string `json:"labels,omitempty"`
	NamespaceLabels map[string]string `json:"namespaceLabels,omitempty"`
}

// Images configures the image checks.
type Images struct {
	// AllowedRegistries are registry hosts or host/path prefixes; empty
	// means any registry is allowed.
	AllowedRegistries []string `json:"allowedRegistries,omitempty"`
}

// PodSecurity is the Pod Security Standards level and version to evaluate.
type PodSecurity struct {
	Level   string `json:"level,omitempty"`   // baseline or restricted (default)
	Version string `json:"version,omitempty"` // e.g. v1.37 or latest (default)
	// Floor is the weakest enforce level a namespace may have: baseline or
	// restricted; empty for none.
	Floor string `json:"floor,omitempty"`
}

// Default returns the configuration used without a file.
func Default() *Config {
	c := &Config{}
	c.applyDefaults()
	return c
}

func (c *Config) applyDefaults() {
	if len(c.Untrusted.Labels) == 0 && len(c.Untrusted.NamespaceLabels) == 0 {
		c.Untrusted.Labels = map[string]string{"rampart.dev/trust": "untrusted"}
		c.Untrusted.NamespaceLabels = map[string]string{"rampart.dev/trust": "untrusted"}
	}
	if len(c.SandboxHandlers) == 0 {
		c.SandboxHandlers = []string{"runsc", "gvisor", "kata", "kata-*", "kata*"}
	}
	if c.PodSecurity.Level == "" {
		c.PodSecurity.Level = "restricted"
	}
	if c.PodSecurity.Version == "" {
		c.PodSecurity.Version = "latest"
	}
}

// Load reads a config file strictly: an unknown key is an error, so that a
// misspelt suppression does not silently suppress nothing.
func Load(file string) (*Config, error) {
	data, err := os.ReadFile(file) // #nosec G304 -- the user's own config file
	if err != nil {
		return nil, err
	}
	return Parse(file, data)
}

// Parse reads config text; file is used in errors.
func Parse(file string, data []byte) (*Config, error) {
	c := &Config{}
	if err := yaml.UnmarshalStrict(data, c); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	for i, r := range c.Ignore {
		if r.Check == "" {
			return nil, fmt.Errorf("%s: ignore[%d]: check is required", file, i)
		}
		if r.Reason == "" {
			return nil, fmt.Errorf("%s: ignore[%d] (%s): reason is required", file, i, r.Check)
		}
		if r.Expires != "" {
			if _, err := time.Parse(time.DateOnly, r.Expires); err != nil {
				return nil, fmt.Errorf("%s: ignore[%d] (%s): expires must be a date such as 2027-01-31", file, i, r.Check)
			}
		}
	}
	if l := c.PodSecurity.Level; l != "" && l != "baseline" && l != "restricted" {
		return nil, fmt.Errorf("%s: podSecurity.level %q: want baseline or restricted", file, l)
	}
	if l := c.PodSecurity.Floor; l != "" && l != "baseline" && l != "restricted" {
		return nil, fmt.Errorf("%s: podSecurity.floor %q: want baseline or restricted", file, l)
	}
	if v := c.PodSecurity.Version; v != "" {
		if _, err := psaapi.ParseVersion(v); err != nil {
			return nil, fmt.Errorf("%s: podSecurity.version %q: want latest or a version such as v1.30", file, v)
		}
	}
	for _, p := range append(append([]string{}, c.SandboxHandlers...), c.Images.AllowedRegistries...) {
		if p == "" {
			return nil, fmt.Errorf("%s: empty entry in sandboxHandlers or images.allowedRegistries", file)
		}
	}
	c.applyDefaults()
	return c, nil
}

// LoadDefault reads .rampart.yaml from the working directory when present.
func LoadDefault() (*Config, error) {
	if _, err := os.Stat(DefaultFile); errors.Is(err, os.ErrNotExist) {
		return Default(), nil
	}
	return Load(DefaultFile)
}
