package rbac

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/rbac/builtin"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// BootstrapLabel marks the RBAC objects the API server creates itself.
const BootstrapLabel = "kubernetes.io/bootstrapping"

var (
	defaultsOnce sync.Once
	defaults     Input
)

// Defaults returns the default roles and bindings every cluster of the
// embedded Kubernetes version has (aggregated ClusterRoles without rules:
// aggregation fills them). Callers must not modify the objects.
func Defaults() Input {
	defaultsOnce.Do(func() {
		for _, doc := range bytes.Split(builtin.DefaultsYAML(), []byte("\n---\n")) {
			var head struct {
				Kind string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &head); err != nil {
				panic(fmt.Sprintf("pkg/rbac/builtin/defaults.yaml: %v", err))
			}
			var err error
			switch head.Kind {
			case "ClusterRole":
				o := &rbacv1.ClusterRole{}
				err = yaml.UnmarshalStrict(doc, o)
				defaults.ClusterRoles = append(defaults.ClusterRoles, o)
			case "ClusterRoleBinding":
				o := &rbacv1.ClusterRoleBinding{}
				err = yaml.UnmarshalStrict(doc, o)
				defaults.ClusterRoleBindings = append(defaults.ClusterRoleBindings, o)
			case "Role":
				o := &rbacv1.Role{}
				err = yaml.UnmarshalStrict(doc, o)
				defaults.Roles = append(defaults.Roles, o)
			case "RoleBinding":
				o := &rbacv1.RoleBinding{}
				err = yaml.UnmarshalStrict(doc, o)
				defaults.RoleBindings = append(defaults.RoleBindings, o)
			}
			if err != nil {
				panic(fmt.Sprintf("pkg/rbac/builtin/defaults.yaml: %v", err))
			}
		}
	})
	return defaults
}

// WithDefaults adds the default RBAC objects that the input does not
// define itself (by kind, namespace and name): what a manifest meets once
// applied to a cluster. The input's own objects win.
func (in Input) WithDefaults() Input {
	d := Defaults()
	out := in
	have := map[string]bool{}
	for _, o := range in.ClusterRoles {
		have["ClusterRole/"+o.Name] = true
	}
	for _, o := range in.Roles {
		have["Role/"+o.Namespace+"/"+o.Name] = true
	}
	for _, o := range in.ClusterRoleBindings {
		have["ClusterRoleBinding/"+o.Name] = true
	}
	for _, o := range in.RoleBindings {
		have["RoleBinding/"+o.Namespace+"/"+o.Name] = true
	}
	// Defaults go first, so that the input's objects come later and win
	// wherever New sees both.
	out.ClusterRoles, out.Roles, out.ClusterRoleBindings, out.RoleBindings = nil, nil, nil, nil
	for _, o := range d.ClusterRoles {
		if !have["ClusterRole/"+o.Name] {
			out.ClusterRoles = append(out.ClusterRoles, o)
		}
	}
	for _, o := range d.Roles {
		if !have["Role/"+o.Namespace+"/"+o.Name] {
			out.Roles = append(out.Roles, o)
		}
	}
	for _, o := range d.ClusterRoleBindings {
		if !have["ClusterRoleBinding/"+o.Name] {
			out.ClusterRoleBindings = append(out.ClusterRoleBindings, o)
		}
	}
	for _, o := range d.RoleBindings {
		if !have["RoleBinding/"+o.Namespace+"/"+o.Name] {
			out.RoleBindings = append(out.RoleBindings, o)
		}
	}
	out.ClusterRoles = append(out.ClusterRoles, in.ClusterRoles...)
	out.Roles = append(out.Roles, in.Roles...)
	out.ClusterRoleBindings = append(out.ClusterRoleBindings, in.ClusterRoleBindings...)
	out.RoleBindings = append(out.RoleBindings, in.RoleBindings...)
	return out
}

// IsDefault reports whether a role or binding carries the label of the
// objects Kubernetes creates itself.
func IsDefault(labels map[string]string) bool { return labels[BootstrapLabel] == "rbac-defaults" }
