// Package inventory holds the objects rampart analyses: each one typed (when
// Kubernetes knows its kind), raw (exactly as written) and tied to where it
// came from, plus indexes so analyzers never re-walk everything per question.
package inventory

import (
	"strings"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Object is one Kubernetes object from any source.
type Object struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	UID        string

	// Raw is the object as written, with JSON-like types (map[string]any,
	// []any, string, int64, float64, bool, nil), for kinds that have no
	// built-in type (custom resources). Objects decoded into Typed do not
	// keep it: the typed form is all checks read, and holding both would
	// double the inventory's memory.
	Raw map[string]any
	// Typed is the object decoded into its k8s.io/api type, nil when the kind
	// is not a built-in one or the document could not be decoded.
	Typed runtime.Object
	// Source says where the object was read from.
	Source Source
	// OwnedPods counts the pods that a live object controls (directly or
	// through ReplicaSets and Jobs), which the live source folds into it.
	OwnedPods int
	// PodIPs are the addresses of those pods (status.podIPs), for analyses
	// that match addresses, such as NetworkPolicy ipBlocks.
	PodIPs []string
	// FieldIssues are the problems found decoding Raw into Typed (filled by
	// pkg/schema); the fields concerned are left out of Typed.
	FieldIssues []FieldIssue

	podTemplate *PodTemplate
	podDone     bool
}

// GVK returns the object's group, version and kind.
func (o *Object) GVK() schema.GroupVersionKind {
	return schema.FromAPIVersionAndKind(o.APIVersion, o.Kind)
}

// Resource is the identity used in findings.
func (o *Object) Resource() finding.Resource {
	return finding.Resource{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, UID: o.UID}
}

// Ref is kind/namespace/name, for messages and sorting.
func (o *Object) Ref() string { return o.Resource().String() }

// Metadata returns the raw metadata map of an object kept in raw form
// (never nil).
func (o *Object) Metadata() map[string]any {
	if m, ok := o.Raw["metadata"].(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// typedMeta is the object's metadata when it was decoded into its type.
func (o *Object) typedMeta() metav1.Object {
	if o.Typed == nil {
		return nil
	}
	m, err := meta.Accessor(o.Typed)
	if err != nil {
		return nil
	}
	return m
}

// Labels returns the object's labels; non-string values are skipped.
func (o *Object) Labels() map[string]string {
	if m := o.typedMeta(); m != nil {
		return m.GetLabels()
	}
	return stringMap(o.Metadata()["labels"])
}

// Annotations returns the object's annotations.
func (o *Object) Annotations() map[string]string {
	if m := o.typedMeta(); m != nil {
		return m.GetAnnotations()
	}
	return stringMap(o.Metadata()["annotations"])
}

func stringMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		if s, ok := val.(string); ok {
			out[k] = s
		}
	}
	return out
}

// Source is where an object came from. For files the document text is kept
// (shared, not copied) so that field paths can be turned into line numbers
// on demand instead of holding a position tree for every object.
type Source struct {
	// File is the path as the user gave it (or a chart/kustomization path).
	File string
	// Line is the 1-based line where the object starts.
	Line int
	// Origin says how the object was produced when not read directly:
	// "helm", "kustomize" or "cluster".
	Origin string
	// Doc is the YAML/JSON text of the document holding the object.
	Doc []byte
	// DocLine is the line in File where Doc starts.
	DocLine int
	// PathPrefix locates the object inside Doc (for items of a List).
	PathPrefix []string
}

// Location builds a finding location for a field path of this object.
// The line is that of the field when lines are resolved later; here it is the
// object's own line.
func (o *Object) Location(field string) finding.Location {
	return finding.Location{File: o.Source.File, Line: o.Source.Line, Field: field}
}

// nsScopedKinds is not needed for files: the namespace is what the author
// wrote. clusterScoped lists built-in kinds that never carry a namespace, so
// that indexes do not invent one.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true,
	"ClusterRoleBinding": true, "StorageClass": true, "CustomResourceDefinition": true,
	"RuntimeClass": true, "PriorityClass": true, "ValidatingWebhookConfiguration": true,
	"MutatingWebhookConfiguration": true, "APIService": true, "CSIDriver": true, "CSINode": true,
	"VolumeAttachment": true, "IngressClass": true, "ValidatingAdmissionPolicy": true,
	"ValidatingAdmissionPolicyBinding": true, "MutatingAdmissionPolicy": true,
	"MutatingAdmissionPolicyBinding": true, "CertificateSigningRequest": true,
	"FlowSchema": true, "PriorityLevelConfiguration": true, "ClusterTrustBundle": true,
	"DeviceClass": true, "ResourceSlice": true, "AdminNetworkPolicy": true, "BaselineAdminNetworkPolicy": true,
}

// ClusterScoped reports whether a built-in kind is cluster-scoped.
func ClusterScoped(kind string) bool { return clusterScoped[kind] }

// key identifies an object in the indexes.
func key(kind, namespace, name string) string {
	return strings.Join([]string{kind, namespace, name}, "/")
}

// FieldIssue is a problem found while decoding an object into its
// Kubernetes type: a field the type does not have, or a value of the wrong type.
type FieldIssue struct {
	// Unknown is true for an unknown field, false for an invalid value.
	Unknown bool
	// Path is the full field path, such as spec.template.spec.securityContext.readOnlyRootFilesystem.
	Path string
	// Parent is the path of the object holding the field, and ParentType its Go/API type name.
	Parent     string
	ParentType string
	// Field is the last path element as written.
	Field string
	// Message says what is wrong, without the value when it could be secret.
	Message string
}
