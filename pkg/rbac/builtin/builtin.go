// Package builtin embeds what rampart knows of Kubernetes itself for RBAC:
// the built-in API resources (to read "deployments" as deployments.apps
// and to know which resources are cluster-scoped) and the default roles
// and bindings every cluster has (so that a RoleBinding in a manifest that
// names "edit" means what it means in a cluster). Both files are read from
// a real API server of the pinned Kubernetes version by `make rbac-data`,
// and a test fails when they drift from it.
package builtin

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"
)

//go:embed resources.json
var resourcesJSON []byte

//go:embed defaults.json
var defaultsJSON []byte

// Resource is one API resource as discovery describes it.
type Resource struct {
	Group        string   `json:"group"`
	Version      string   `json:"version"`
	Resource     string   `json:"resource"`
	Kind         string   `json:"kind"`
	Singular     string   `json:"singular,omitempty"`
	Namespaced   bool     `json:"namespaced"`
	ShortNames   []string `json:"shortNames,omitempty"`
	Verbs        []string `json:"verbs,omitempty"`
	Subresources []string `json:"subresources,omitempty"`
}

// Resources is the embedded discovery data.
type Resources struct {
	Kubernetes string     `json:"kubernetes"`
	Resources  []Resource `json:"resources"`
}

var (
	loadOnce sync.Once
	loaded   Resources
)

// APIResources returns the built-in API resources, in group then name
// order. The embedded file is ours and checked by tests; a broken one is a
// build defect, hence the panic.
func APIResources() Resources {
	loadOnce.Do(func() {
		if err := json.Unmarshal(resourcesJSON, &loaded); err != nil {
			panic("pkg/rbac/builtin: resources.json: " + err.Error())
		}
	})
	return loaded
}

// ResourcesJSON is the embedded file as is (for the freshness test).
func ResourcesJSON() []byte { return resourcesJSON }

// Defaults are the default RBAC objects of the embedded Kubernetes
// version, by kind.
type Defaults struct {
	Comment             string                       `json:"comment"`
	ClusterRoles        []*rbacv1.ClusterRole        `json:"clusterRoles"`
	ClusterRoleBindings []*rbacv1.ClusterRoleBinding `json:"clusterRoleBindings"`
	Roles               []*rbacv1.Role               `json:"roles"`
	RoleBindings        []*rbacv1.RoleBinding        `json:"roleBindings"`
}

// DecodeDefaults decodes the embedded default RBAC objects, strictly: the
// file is ours, and a field it has that the types lack is a defect.
func DecodeDefaults() (*Defaults, error) {
	dec := json.NewDecoder(bytes.NewReader(defaultsJSON))
	dec.DisallowUnknownFields()
	d := &Defaults{}
	if err := dec.Decode(d); err != nil {
		return nil, fmt.Errorf("pkg/rbac/builtin/defaults.json: %w", err)
	}
	return d, nil
}

// DefaultsJSON is the embedded file as is (for the freshness test).
func DefaultsJSON() []byte { return defaultsJSON }
