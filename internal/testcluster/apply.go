package testcluster

import (
	"context"
	"fmt"
	"slices"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/source"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"
)

// Applied says what Apply did with each object.
type Applied struct {
	// Docs are the YAML documents the API server accepted.
	Docs []string
	// Rejected maps kind/namespace/name to the API server's answer.
	Rejected map[string]string
}

// Apply creates, as cluster admin, every object of the given paths (read
// with rampart's own file source), namespaces first. Objects the API
// server refuses are reported, not fatal: the examples hold some on purpose.
func (c *Cluster) Apply(ctx context.Context, paths ...string) (*Applied, error) {
	cfg, err := c.UserConfig("rampart-test-admin", "system:masters")
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	res := source.Load(paths, source.Options{})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("reading %v: %v", paths, res.Errors[0])
	}
	objs := slices.Clone(res.Objects)
	slices.SortStableFunc(objs, func(a, b *inventory.Object) int {
		return rank(a.Kind) - rank(b.Kind)
	})
	out := &Applied{Rejected: map[string]string{}}
	for _, o := range objs {
		ref := o.Kind + "/" + o.Namespace + "/" + o.Name
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(o.Source.Doc, &u.Object); err != nil {
			return nil, err
		}
		gv, _ := schema.ParseGroupVersion(o.APIVersion)
		m, err := mapper.RESTMapping(gv.WithKind(o.Kind).GroupKind(), gv.Version)
		if err != nil {
			out.Rejected[ref] = err.Error()
			continue
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if o.Namespace != "" {
			ri = dyn.Resource(m.Resource).Namespace(o.Namespace)
		}
		if _, err := ri.Create(ctx, u, metav1.CreateOptions{}); err != nil {
			out.Rejected[ref] = err.Error()
			continue
		}
		out.Docs = append(out.Docs, string(o.Source.Doc))
	}
	return out, nil
}

// rank puts namespaces (and CRDs) before what lives in them.
func rank(kind string) int {
	switch kind {
	case "Namespace", "CustomResourceDefinition":
		return 0
	}
	return 1
}
