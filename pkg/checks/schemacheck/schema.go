// Package schemacheck reports what strict decoding against the Kubernetes
// API types found: unknown and misplaced fields, wrongly typed values, and
// apiVersion/kind pairs that Kubernetes does not serve.
package schemacheck

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/schema"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// Checks returns the schema checks.
func Checks() []check.Check {
	return []check.Check{unknownField{}, invalidValue{}, unknownKind{}, customResource{}}
}

type unknownField struct{}

func (unknownField) Meta() check.Meta {
	return check.Meta{
		ID: "schema/unknown-field", Title: "Unknown or misplaced field", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCode,
		Why:         "The API server drops or rejects a field its type does not have; a misplaced security setting is silently not applied.",
		Remediation: "move the field to where the schema declares it, or remove it",
		Kinds:       []string{"all built-in kinds"},
	}
}

func (unknownField) CheckObject(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
	var root reflect.Type // looked up at the first unknown field: most objects have none
	for _, is := range obj.FieldIssues {
		if !is.Unknown {
			continue
		}
		if root == nil {
			root = schema.TypeFor(obj.GVK())
		}
		sug := schema.Suggest(root, is.Path, is.Parent, is.Field)
		sev := finding.SeverityMedium
		if schema.IsSecuritySetting(obj.Kind, is.Path, is.Field, sug.Paths) {
			sev = finding.SeverityHigh
		}
		where := is.Parent
		if where == "" {
			where = "the top level"
		}
		msg := fmt.Sprintf("field %q is not part of %s", is.Field, where)
		if is.ParentType != "" {
			msg += " (" + is.ParentType + ")"
		}
		ev := map[string]any{"field": is.Field, "path": is.Path}
		switch {
		case sug.Spelling != "" && len(sug.Paths) > 0 && sameParent(sug.Paths, is.Parent):
			msg += fmt.Sprintf("; it is spelt %q", sug.Spelling)
			ev["spelling"] = sug.Spelling
		case len(sug.Paths) > 0:
			msg += "; it belongs in " + strings.Join(sug.Paths, " or ")
			if sug.Spelling != "" {
				msg += fmt.Sprintf(" (spelt %q)", sug.Spelling)
			}
			ev["belongsIn"] = sug.Paths
		}
		if sev == finding.SeverityHigh {
			msg += ": as written, this security setting is not applied"
		}
		report(check.Result{Field: is.Path, Message: msg, Severity: sev, Evidence: ev})
	}
}

// sameParent reports whether the correctly spelt field sits where it was written.
func sameParent(paths []string, parent string) bool {
	p := schema.GenericPath(parent)
	return slices.ContainsFunc(paths, func(s string) bool {
		i := strings.LastIndex(s, ".")
		return i >= 0 && s[:i] == p || i < 0 && p == ""
	})
}

type invalidValue struct{}

func (invalidValue) Meta() check.Meta {
	return check.Meta{
		ID: "schema/invalid-value", Title: "Value of the wrong type", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCode,
		Why:         "A value of the wrong type (a string where a boolean is expected) makes the API server reject the object, or a tool silently drop the setting.",
		Remediation: "write the value with the type the field expects (for example true, not \"true\")",
		Kinds:       []string{"all built-in kinds"},
	}
}

func (invalidValue) CheckObject(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
	for _, is := range obj.FieldIssues {
		if is.Unknown {
			continue
		}
		sev := finding.SeverityMedium
		if schema.IsSecuritySetting(obj.Kind, is.Path, is.Field, nil) {
			sev = finding.SeverityHigh
		}
		report(check.Result{Field: is.Path, Severity: sev, Message: fmt.Sprintf("%s: %s", is.Path, is.Message),
			Evidence: map[string]any{"path": is.Path}})
	}
}

type unknownKind struct{}

func (unknownKind) Meta() check.Meta {
	return check.Meta{
		ID: "schema/unknown-kind", Title: "apiVersion/kind not served by Kubernetes", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCode,
		Why:         "An object whose apiVersion/kind Kubernetes does not serve is rejected; for a NetworkPolicy or an RBAC object the protection then does not exist.",
		Remediation: "use the apiVersion where the kind is served (for example networking.k8s.io/v1 for NetworkPolicy)",
		Kinds:       []string{"all"},
	}
}

func (unknownKind) CheckObject(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
	st := schema.Kind(obj.APIVersion, obj.Kind)
	if st.Served || !st.BuiltInGroup {
		return
	}
	sev := finding.SeverityMedium
	if schema.SecurityKinds[obj.Kind] || schema.SecurityKinds[st.KindSpelling] {
		sev = finding.SeverityHigh
	}
	ev := map[string]any{"apiVersion": obj.APIVersion, "kind": obj.Kind}
	if len(st.Suggest) > 0 {
		ev["servedIn"] = st.Suggest
	}
	report(check.Result{Field: "apiVersion", Severity: sev, Message: st.Describe(obj.APIVersion, obj.Kind), Evidence: ev})
}

type customResource struct{}

func (customResource) Meta() check.Meta {
	return check.Meta{
		ID: "schema/custom-resource", Title: "Custom resource kind not validated", Severity: finding.SeverityInfo,
		Category:    finding.CategoryCode,
		Why:         "rampart validates built-in kinds only; custom resources without their CustomResourceDefinition in the scan are not checked.",
		Remediation: "include the CustomResourceDefinition in the scan, or ignore this note",
		Kinds:       []string{"custom resources"},
	}
}

// CheckInventory reports each unknown custom kind once, on its first object,
// unless a CustomResourceDefinition in the inventory defines it.
func (customResource) CheckInventory(ctx *check.Context, report func(check.Result)) {
	defined := map[string]bool{}
	for _, o := range ctx.Inventory.ByKind("CustomResourceDefinition") {
		if crd, ok := o.Typed.(*apiextensionsv1.CustomResourceDefinition); ok {
			defined[crd.Spec.Group+"/"+crd.Spec.Names.Kind] = true
		}
	}
	seen := map[string]*inventory.Object{}
	count := map[string]int{}
	var order []string
	for _, o := range ctx.Inventory.Objects() {
		st := schema.Kind(o.APIVersion, o.Kind)
		if st.Served || st.BuiltInGroup || defined[o.GVK().Group+"/"+o.Kind] {
			continue
		}
		k := o.APIVersion + " " + o.Kind
		if seen[k] == nil {
			seen[k] = o
			order = append(order, k)
		}
		count[k]++
	}
	for _, k := range order {
		o := seen[k]
		report(check.Result{Object: o, Field: "kind", Message: fmt.Sprintf("%d object(s) of custom kind %s %s were not validated: no CustomResourceDefinition for it was scanned", count[k], o.APIVersion, o.Kind),
			Evidence: map[string]any{"apiVersion": o.APIVersion, "kind": o.Kind, "objects": count[k]}})
	}
}
