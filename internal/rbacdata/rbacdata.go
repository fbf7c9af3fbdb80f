// Package rbacdata reads, from a running API server, the two facts about
// Kubernetes that rampart's RBAC engine embeds (pkg/rbac/builtin): the
// built-in API resources (group, scope, subresources, short names) and the
// default roles and bindings the API server creates. hack/rbacdata writes
// them; a test in test/oracle regenerates them from the test cluster and
// fails when the embedded copies differ.
package rbacdata

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/rbac/builtin"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
)

// Resources lists the server's API resources, one entry per group and
// resource (its preferred version), sorted, as pkg/rbac/builtin embeds them.
func Resources(cs kubernetes.Interface) ([]byte, error) {
	groups, lists, err := cs.Discovery().ServerGroupsAndResources()
	if err != nil {
		return nil, err
	}
	preferred := map[string]string{}
	for _, g := range groups {
		preferred[g.Name] = g.PreferredVersion.Version
	}
	byKey := map[string]*builtin.Resource{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			return nil, err
		}
		if preferred[gv.Group] != gv.Version {
			continue
		}
		for _, r := range l.APIResources {
			base, sub, isSub := strings.Cut(r.Name, "/")
			key := gv.Group + "/" + base
			e := byKey[key]
			if e == nil {
				e = &builtin.Resource{Group: gv.Group, Version: gv.Version, Resource: base}
				byKey[key] = e
			}
			if isSub {
				e.Subresources = append(e.Subresources, sub)
				continue
			}
			e.Kind, e.Namespaced, e.Singular = r.Kind, r.Namespaced, r.SingularName
			e.ShortNames = append([]string(nil), r.ShortNames...)
			e.Verbs = append([]string(nil), r.Verbs...)
			sort.Strings(e.Verbs)
		}
	}
	out := builtin.Resources{}
	for _, e := range byKey {
		sort.Strings(e.Subresources)
		out.Resources = append(out.Resources, *e)
	}
	sort.Slice(out.Resources, func(i, j int) bool {
		a, b := out.Resources[i], out.Resources[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Resource < b.Resource
	})
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		return nil, err
	}
	out.Kubernetes = v.GitVersion
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Defaults returns the server's default RBAC objects (those labelled
// kubernetes.io/bootstrapping=rbac-defaults) as the JSON document
// pkg/rbac/builtin embeds (builtin.Defaults), without the server's
// bookkeeping (uid, resourceVersion, timestamps, managed fields), sorted by
// kind and name. JSON rather than YAML: rampart decodes it at every start
// of an RBAC analysis, and the YAML decoder took 20 ms for it.
func Defaults(ctx context.Context, cs kubernetes.Interface) ([]byte, error) {
	sel := metav1.ListOptions{LabelSelector: "kubernetes.io/bootstrapping=rbac-defaults"}
	rb := cs.RbacV1()
	var out builtin.Defaults
	crs, err := rb.ClusterRoles().List(ctx, sel)
	if err != nil {
		return nil, err
	}
	sort.Slice(crs.Items, func(i, j int) bool { return crs.Items[i].Name < crs.Items[j].Name })
	for i := range crs.Items {
		o := &crs.Items[i]
		o.ObjectMeta = clean(o.ObjectMeta)
		if o.AggregationRule != nil {
			// Filled by the aggregation controller, perhaps not yet;
			// rampart recomputes them from the selectors anyway.
			o.Rules = nil
		}
		o.TypeMeta = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"}
		out.ClusterRoles = append(out.ClusterRoles, o)
	}
	crbs, err := rb.ClusterRoleBindings().List(ctx, sel)
	if err != nil {
		return nil, err
	}
	sort.Slice(crbs.Items, func(i, j int) bool { return crbs.Items[i].Name < crbs.Items[j].Name })
	for i := range crbs.Items {
		o := &crbs.Items[i]
		o.ObjectMeta = clean(o.ObjectMeta)
		o.TypeMeta = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"}
		out.ClusterRoleBindings = append(out.ClusterRoleBindings, o)
	}
	rs, err := rb.Roles("").List(ctx, sel)
	if err != nil {
		return nil, err
	}
	sort.Slice(rs.Items, func(i, j int) bool { return key(rs.Items[i].ObjectMeta) < key(rs.Items[j].ObjectMeta) })
	for i := range rs.Items {
		o := &rs.Items[i]
		o.ObjectMeta = clean(o.ObjectMeta)
		o.TypeMeta = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"}
		out.Roles = append(out.Roles, o)
	}
	rbs, err := rb.RoleBindings("").List(ctx, sel)
	if err != nil {
		return nil, err
	}
	sort.Slice(rbs.Items, func(i, j int) bool { return key(rbs.Items[i].ObjectMeta) < key(rbs.Items[j].ObjectMeta) })
	for i := range rbs.Items {
		o := &rbs.Items[i]
		o.ObjectMeta = clean(o.ObjectMeta)
		o.TypeMeta = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"}
		out.RoleBindings = append(out.RoleBindings, o)
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		return nil, err
	}
	out.Comment = "The default RBAC objects of Kubernetes " + v.GitVersion +
		" (label kubernetes.io/bootstrapping=rbac-defaults), read from the test cluster by `make rbac-data` (hack/rbacdata). Do not edit."
	data, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

func key(m metav1.ObjectMeta) string { return m.Namespace + "/" + m.Name }

func clean(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, Labels: m.Labels, Annotations: m.Annotations}
}
