package rbac

import (
	"slices"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/rbac/builtin"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/component-helpers/auth/rbac/validation"
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
		d, err := builtin.DecodeDefaults()
		if err != nil {
			panic(err.Error()) // our own embedded file: a build defect
		}
		defaults = Input{ClusterRoles: d.ClusterRoles, ClusterRoleBindings: d.ClusterRoleBindings, Roles: d.Roles, RoleBindings: d.RoleBindings}
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

var (
	defaultIndexOnce sync.Once
	defaultRoles     map[string]*rbacv1.ClusterRole
	defaultNSRoles   map[string]*rbacv1.Role
	defaultCRBs      map[string]*rbacv1.ClusterRoleBinding
	defaultRBs       map[string]*rbacv1.RoleBinding
)

func defaultIndex() {
	defaultIndexOnce.Do(func() {
		d := Defaults()
		defaultRoles, defaultNSRoles = map[string]*rbacv1.ClusterRole{}, map[string]*rbacv1.Role{}
		defaultCRBs, defaultRBs = map[string]*rbacv1.ClusterRoleBinding{}, map[string]*rbacv1.RoleBinding{}
		for _, o := range d.ClusterRoles {
			defaultRoles[o.Name] = o
		}
		for _, o := range d.Roles {
			defaultNSRoles[o.Namespace+"/"+o.Name] = o
		}
		for _, o := range d.ClusterRoleBindings {
			defaultCRBs[o.Name] = o
		}
		for _, o := range d.RoleBindings {
			defaultRBs[o.Namespace+"/"+o.Name] = o
		}
	})
}

// UnchangedDefaultRole reports whether a role is one Kubernetes creates,
// with no more than Kubernetes gives it: added from the defaults, or in
// the input with rules the embedded default covers. (The API server adds
// missing rules to its default roles at every start but keeps extra ones,
// so extra rules are the change that matters; an older Kubernetes' smaller
// default is covered too.) An aggregated role's rules are the
// aggregation's business and not compared; a role labelled as a default
// that this Kubernetes version does not have is taken as unchanged: there
// is nothing to compare it with.
func UnchangedDefaultRole(r *Role) bool {
	if r.Object == nil {
		return true
	}
	defaultIndex()
	var want []rbacv1.PolicyRule
	if r.Kind == "ClusterRole" {
		cr, ok := defaultRoles[r.Name]
		if !ok {
			return IsDefault(r.Labels)
		}
		if cr.AggregationRule != nil {
			return true
		}
		want = cr.Rules
	} else {
		role, ok := defaultNSRoles[r.Namespace+"/"+r.Name]
		if !ok {
			return IsDefault(r.Labels)
		}
		want = role.Rules
	}
	// Equal rules (the usual case on a live cluster of this version) need
	// no breaking down into atoms.
	if equality.Semantic.DeepEqual(want, r.Rules) {
		return true
	}
	covered, _ := validation.Covers(want, r.Rules)
	return covered
}

// UnchangedDefaultBinding is UnchangedDefaultRole for bindings: the same
// role, and no subject the default does not have.
func UnchangedDefaultBinding(b *Binding) bool {
	if b.Object == nil {
		return true
	}
	defaultIndex()
	var ref rbacv1.RoleRef
	var subjects []rbacv1.Subject
	if b.Kind == "ClusterRoleBinding" {
		d, ok := defaultCRBs[b.Name]
		if !ok {
			return IsDefault(b.Labels)
		}
		ref, subjects = d.RoleRef, d.Subjects
	} else {
		d, ok := defaultRBs[b.Namespace+"/"+b.Name]
		if !ok {
			return IsDefault(b.Labels)
		}
		ref, subjects = d.RoleRef, d.Subjects
	}
	if ref.Kind != b.RoleRef.Kind || ref.Name != b.RoleRef.Name {
		return false
	}
	// Extra subjects are the change that matters (the API server adds
	// missing ones back at start and keeps the others).
	for _, s := range b.Subjects {
		if !slices.ContainsFunc(subjects, func(d rbacv1.Subject) bool {
			return d.Kind == s.Kind && d.Name == s.Name && d.Namespace == s.Namespace
		}) {
			return false
		}
	}
	return true
}
