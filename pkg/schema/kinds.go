package schema

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
)

// removed lists built-in API versions that Kubernetes no longer serves,
// with the release that removed them. The types still exist in k8s.io/api,
// so "the scheme knows it" is not "the API server serves it".
var removed = map[k8sschema.GroupVersion]string{
	{Group: "extensions", Version: "v1beta1"}:                   "1.22",
	{Group: "apps", Version: "v1beta1"}:                         "1.16",
	{Group: "apps", Version: "v1beta2"}:                         "1.16",
	{Group: "networking.k8s.io", Version: "v1beta1"}:            "1.22",
	{Group: "rbac.authorization.k8s.io", Version: "v1beta1"}:    "1.22",
	{Group: "rbac.authorization.k8s.io", Version: "v1alpha1"}:   "1.22",
	{Group: "policy", Version: "v1beta1"}:                       "1.25",
	{Group: "batch", Version: "v1beta1"}:                        "1.25",
	{Group: "apiextensions.k8s.io", Version: "v1beta1"}:         "1.22",
	{Group: "apiregistration.k8s.io", Version: "v1beta1"}:       "1.22",
	{Group: "authentication.k8s.io", Version: "v1beta1"}:        "1.22",
	{Group: "authorization.k8s.io", Version: "v1beta1"}:         "1.22",
	{Group: "certificates.k8s.io", Version: "v1beta1"}:          "1.22",
	{Group: "coordination.k8s.io", Version: "v1beta1"}:          "1.22",
	{Group: "scheduling.k8s.io", Version: "v1beta1"}:            "1.22",
	{Group: "scheduling.k8s.io", Version: "v1alpha1"}:           "1.22",
	{Group: "discovery.k8s.io", Version: "v1beta1"}:             "1.25",
	{Group: "events.k8s.io", Version: "v1beta1"}:                "1.25",
	{Group: "autoscaling", Version: "v2beta1"}:                  "1.25",
	{Group: "autoscaling", Version: "v2beta2"}:                  "1.26",
	{Group: "node.k8s.io", Version: "v1beta1"}:                  "1.25",
	{Group: "node.k8s.io", Version: "v1alpha1"}:                 "1.22",
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta1"}: "1.26",
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta2"}: "1.29",
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta3"}: "1.32",
}

// removedKinds are kinds removed from a version that otherwise stays.
var removedKinds = map[k8sschema.GroupVersionKind]string{
	{Group: "admissionregistration.k8s.io", Version: "v1beta1", Kind: "MutatingWebhookConfiguration"}:   "1.22",
	{Group: "admissionregistration.k8s.io", Version: "v1beta1", Kind: "ValidatingWebhookConfiguration"}: "1.22",
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "CSIDriver"}:                                    "1.22",
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "CSINode"}:                                      "1.22",
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "StorageClass"}:                                 "1.22",
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "VolumeAttachment"}:                             "1.22",
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "CSIStorageCapacity"}:                           "1.27",
}

// extraKnown are served built-in kinds whose Go types are not in the
// client-go scheme; rampart knows them but does not validate their fields.
var extraKnown = map[k8sschema.GroupVersionKind]bool{
	{Group: "apiregistration.k8s.io", Version: "v1", Kind: "APIService"}: true,
	{Group: "", Version: "v1", Kind: "List"}:                             true,
}

// SecurityKinds are kinds whose whole purpose is protection: when one is
// written under a wrong apiVersion the protection silently does not exist.
var SecurityKinds = map[string]bool{
	"NetworkPolicy": true, "Role": true, "RoleBinding": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"PodSecurityPolicy": true, "RuntimeClass": true, "ValidatingAdmissionPolicy": true,
	"ValidatingAdmissionPolicyBinding": true, "MutatingAdmissionPolicy": true, "MutatingAdmissionPolicyBinding": true,
	"AdminNetworkPolicy": true, "BaselineAdminNetworkPolicy": true, "ValidatingWebhookConfiguration": true,
	"MutatingWebhookConfiguration": true,
}

// KindStatus says whether Kubernetes serves an apiVersion/kind pair.
type KindStatus struct {
	Served bool
	// BuiltInGroup is true when the group belongs to Kubernetes itself, so an
	// unknown kind there is a mistake rather than a custom resource.
	BuiltInGroup bool
	// RemovedIn is the release that stopped serving it, if any.
	RemovedIn string
	// Suggest lists apiVersions where the kind is served.
	Suggest []string
	// KindSpelling is the correctly spelt kind when only the case differs.
	KindSpelling string
}

var (
	indexOnce   sync.Once
	kindIndex   map[string][]string // kind -> served apiVersions, stable first
	lowerKinds  map[string]string   // lower-case kind -> kind
	builtGroups map[string]bool
)

func buildIndex() {
	kindIndex = map[string][]string{}
	lowerKinds = map[string]string{}
	builtGroups = map[string]bool{"": true}
	add := func(gvk k8sschema.GroupVersionKind) {
		builtGroups[gvk.Group] = true
		if !served(gvk) || strings.HasSuffix(gvk.Kind, "List") || strings.HasSuffix(gvk.Kind, "Options") {
			return
		}
		av := gvk.GroupVersion().String()
		if !slices.Contains(kindIndex[gvk.Kind], av) {
			kindIndex[gvk.Kind] = append(kindIndex[gvk.Kind], av)
		}
		lowerKinds[strings.ToLower(gvk.Kind)] = gvk.Kind
	}
	for gvk := range Scheme.AllKnownTypes() {
		add(gvk)
	}
	for gvk := range extraKnown {
		add(gvk)
	}
	for k, v := range kindIndex {
		slices.SortFunc(v, func(a, b string) int { return versionRank(a) - versionRank(b) })
		kindIndex[k] = v
	}
}

// versionRank orders GA before beta before alpha.
func versionRank(apiVersion string) int {
	v := apiVersion[strings.LastIndex(apiVersion, "/")+1:]
	switch {
	case strings.Contains(v, "alpha"):
		return 2
	case strings.Contains(v, "beta"):
		return 1
	}
	return 0
}

func served(gvk k8sschema.GroupVersionKind) bool {
	if _, gone := removed[gvk.GroupVersion()]; gone {
		return false
	}
	if _, gone := removedKinds[gvk]; gone {
		return false
	}
	if gvk.Kind == "PodSecurityPolicy" {
		return false
	}
	return Scheme.Recognizes(gvk) || extraKnown[gvk]
}

// builtInGroup is a group Kubernetes itself owns.
func builtInGroup(group string) bool {
	return builtGroups[group] || group == "k8s.io" || strings.HasSuffix(group, ".k8s.io") && !strings.HasPrefix(group, "x-")
}

type kindKey struct{ apiVersion, kind string }

// kindCache remembers the status of the pairs seen: a scan asks for every
// object, and most objects share a few pairs. It stops growing at
// maxKindCache pairs.
var (
	kindMu    sync.RWMutex
	kindCache = map[kindKey]KindStatus{}
)

const maxKindCache = 4096

// Kind reports whether the pair is served and, if not, what was meant.
// Callers must not modify the result's Suggest.
func Kind(apiVersion, kind string) KindStatus {
	k := kindKey{apiVersion, kind}
	kindMu.RLock()
	st, ok := kindCache[k]
	kindMu.RUnlock()
	if ok {
		return st
	}
	st = kindStatus(apiVersion, kind)
	kindMu.Lock()
	if len(kindCache) < maxKindCache {
		kindCache[k] = st
	}
	kindMu.Unlock()
	return st
}

func kindStatus(apiVersion, kind string) KindStatus {
	indexOnce.Do(buildIndex)
	gvk := k8sschema.FromAPIVersionAndKind(apiVersion, kind)
	st := KindStatus{BuiltInGroup: builtInGroup(gvk.Group)}
	if gvk.Group == "policy" && kind == "PodSecurityPolicy" || kind == "PodSecurityPolicy" && gvk.Group == "extensions" {
		st.BuiltInGroup, st.RemovedIn = true, "1.25"
		return st
	}
	if served(gvk) {
		st.Served = true
		return st
	}
	if r, ok := removed[gvk.GroupVersion()]; ok {
		st.RemovedIn = r
	}
	if r, ok := removedKinds[gvk]; ok {
		st.RemovedIn = r
	}
	name := kind
	if _, ok := kindIndex[name]; !ok {
		if k, ok := lowerKinds[strings.ToLower(kind)]; ok {
			name = k
			st.KindSpelling = k
		}
	}
	st.Suggest = kindIndex[name]
	return st
}

// Describe explains an unserved pair in one sentence.
func (st KindStatus) Describe(apiVersion, kind string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Kubernetes does not serve kind %q in apiVersion %q", kind, apiVersion)
	switch {
	case kind == "PodSecurityPolicy":
		b.WriteString(" (PodSecurityPolicy was removed in 1.25; use Pod Security admission labels on namespaces)")
		return b.String()
	case st.RemovedIn != "":
		fmt.Fprintf(&b, " (removed in %s)", st.RemovedIn)
	}
	if st.KindSpelling != "" {
		fmt.Fprintf(&b, "; the kind is spelt %q", st.KindSpelling)
	}
	if len(st.Suggest) > 0 {
		fmt.Fprintf(&b, "; use apiVersion: %s", st.Suggest[0])
	}
	b.WriteString(": the API server would reject the object")
	return b.String()
}
