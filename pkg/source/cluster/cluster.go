// Package cluster reads the objects rampart checks from a live cluster with
// client-go: every kind in parallel, page by page, in protobuf where the API
// serves it, Secrets as metadata only (rampart never reads secret data).
// What the credentials may not list is reported as skipped, and the scan
// goes on.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/schema"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
)

// Options configure a live read.
type Options struct {
	// Config is the client configuration (from a kubeconfig or in-cluster).
	Config *rest.Config
	// Namespaces limits namespaced kinds to these namespaces; empty means all.
	Namespaces []string
	// PageSize is the list page size (limit); 500 by default.
	PageSize int64
	// Timeout bounds each request; 30 s by default.
	Timeout time.Duration
	// Progress, when set, is called as objects arrive (from many goroutines).
	Progress func(resource string, objects int)
	// Objects, when set, is called with each page's objects as they arrive
	// (from many goroutines), so that work on them can start before the
	// listing ends. Pods, ReplicaSets and Jobs that name a controller are
	// left out: folding (see Load) may drop them, so they come only in the
	// Result. The objects are final except OwnedPods, which Load counts
	// at the end; objects of a list that fails, or restarts, are not in the
	// Result either.
	Objects func([]*inventory.Object)
}

// Resource is one kind rampart lists.
type Resource struct {
	GVR        k8sschema.GroupVersionResource
	Kind       string
	Namespaced bool
	// MetadataOnly lists PartialObjectMetadata: for Secrets.
	MetadataOnly bool
	// Optional resources are custom resources that many clusters do not
	// serve: a server without them is not worth a word.
	Optional bool
}

// Resources are the kinds the checks need. deploy/rampart-reader.yaml
// grants exactly these, read-only; a test keeps the two in step.
var Resources = []Resource{
	{GVR: gvr("", "v1", "namespaces"), Kind: "Namespace"},
	{GVR: gvr("", "v1", "nodes"), Kind: "Node"},
	{GVR: gvr("", "v1", "pods"), Kind: "Pod", Namespaced: true},
	{GVR: gvr("", "v1", "services"), Kind: "Service", Namespaced: true},
	{GVR: gvr("", "v1", "serviceaccounts"), Kind: "ServiceAccount", Namespaced: true},
	{GVR: gvr("", "v1", "replicationcontrollers"), Kind: "ReplicationController", Namespaced: true},
	{GVR: gvr("", "v1", "secrets"), Kind: "Secret", Namespaced: true, MetadataOnly: true},
	{GVR: gvr("apps", "v1", "deployments"), Kind: "Deployment", Namespaced: true},
	{GVR: gvr("apps", "v1", "statefulsets"), Kind: "StatefulSet", Namespaced: true},
	{GVR: gvr("apps", "v1", "daemonsets"), Kind: "DaemonSet", Namespaced: true},
	{GVR: gvr("apps", "v1", "replicasets"), Kind: "ReplicaSet", Namespaced: true},
	{GVR: gvr("batch", "v1", "jobs"), Kind: "Job", Namespaced: true},
	{GVR: gvr("batch", "v1", "cronjobs"), Kind: "CronJob", Namespaced: true},
	{GVR: gvr("networking.k8s.io", "v1", "ingresses"), Kind: "Ingress", Namespaced: true},
	{GVR: gvr("networking.k8s.io", "v1", "networkpolicies"), Kind: "NetworkPolicy", Namespaced: true},
	{GVR: gvr("rbac.authorization.k8s.io", "v1", "roles"), Kind: "Role", Namespaced: true},
	{GVR: gvr("rbac.authorization.k8s.io", "v1", "rolebindings"), Kind: "RoleBinding", Namespaced: true},
	{GVR: gvr("rbac.authorization.k8s.io", "v1", "clusterroles"), Kind: "ClusterRole"},
	{GVR: gvr("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), Kind: "ClusterRoleBinding"},
	{GVR: gvr("node.k8s.io", "v1", "runtimeclasses"), Kind: "RuntimeClass"},
	// The AdminNetworkPolicy API's CRDs (sigs.k8s.io/network-policy-api).
	{GVR: gvr("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies"), Kind: "AdminNetworkPolicy", Optional: true},
	{GVR: gvr("policy.networking.k8s.io", "v1alpha1", "baselineadminnetworkpolicies"), Kind: "BaselineAdminNetworkPolicy", Optional: true},
}

func gvr(group, version, resource string) k8sschema.GroupVersionResource {
	return k8sschema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}

// Result is what a live read produced.
type Result struct {
	Objects []*inventory.Object
	Skipped []finding.Skipped
	// Errors are failures other than missing permissions (the server went
	// away, timed out, answered nonsense): the inventory is incomplete.
	Errors []finding.InputError
}

// Load lists every resource in parallel.
func Load(ctx context.Context, opts Options) Result {
	if opts.PageSize == 0 {
		opts.PageSize = 500
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	cfg := rest.CopyConfig(opts.Config)
	cfg.Timeout = opts.Timeout
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 100, 200
	}
	var res Result
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range Resources {
		namespaces := []string{metav1.NamespaceAll}
		if r.Namespaced && len(opts.Namespaces) > 0 {
			namespaces = opts.Namespaces
		}
		for _, ns := range namespaces {
			wg.Add(1)
			go func() {
				defer wg.Done()
				objs, err := list(ctx, cfg, r, ns, opts)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					where := "in all namespaces"
					if ns != "" {
						where = "in namespace " + ns
					} else if !r.Namespaced {
						where = "(cluster-scoped)"
					}
					if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
						res.Skipped = append(res.Skipped, finding.Skipped{Resource: r.GVR.Resource,
							Reason: fmt.Sprintf("not allowed to list %s %s: checks that need them were not evaluated on them", resourceName(r), where)})
						return
					}
					if apierrors.IsNotFound(err) {
						if r.Optional {
							return
						}
						res.Skipped = append(res.Skipped, finding.Skipped{Resource: r.GVR.Resource,
							Reason: fmt.Sprintf("the server does not serve %s", resourceName(r))})
						return
					}
					res.Errors = append(res.Errors, finding.InputError{File: cfg.Host, Message: fmt.Sprintf("listing %s %s: %v", resourceName(r), where, err)})
					return
				}
				res.Objects = append(res.Objects, objs...)
			}()
		}
	}
	wg.Wait()
	res.Objects = foldOwned(res.Objects)
	return res
}

func resourceName(r Resource) string {
	if r.GVR.Group == "" {
		return r.GVR.Resource
	}
	return r.GVR.Resource + "." + r.GVR.Group
}

// list reads one resource page by page. A continue token that expired (410
// Gone) restarts the list from the beginning, as kubectl does, at most a few
// times.
func list(ctx context.Context, cfg *rest.Config, r Resource, ns string, opts Options) ([]*inventory.Object, error) {
	for attempt := 0; ; attempt++ {
		objs, err := listOnce(ctx, cfg, r, ns, opts)
		if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
			if attempt < 3 {
				continue
			}
		}
		return objs, err
	}
}

func listOnce(ctx context.Context, cfg *rest.Config, r Resource, ns string, opts Options) ([]*inventory.Object, error) {
	var out []*inventory.Object
	cont := ""
	for {
		lo := metav1.ListOptions{Limit: opts.PageSize, Continue: cont}
		var items []runtime.Object
		var next string
		var err error
		if r.MetadataOnly {
			items, next, err = listMetadata(ctx, cfg, r, ns, lo)
		} else {
			items, next, err = listTyped(ctx, cfg, r, ns, lo)
		}
		if err != nil {
			return nil, err
		}
		start := len(out)
		for _, it := range items {
			o, err := toObject(r, it)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
		if opts.Objects != nil {
			if page := final(out[start:]); len(page) > 0 {
				opts.Objects(page)
			}
		}
		if opts.Progress != nil {
			opts.Progress(resourceName(r), len(items))
		}
		if next == "" {
			return out, nil
		}
		cont = next
	}
}

// listTyped lists built-in types with a REST client speaking protobuf.
func listTyped(ctx context.Context, cfg *rest.Config, r Resource, ns string, lo metav1.ListOptions) ([]runtime.Object, string, error) {
	client, err := restClient(cfg, r.GVR.GroupVersion())
	if err != nil {
		return nil, "", err
	}
	listObj, err := schema.Scheme.New(r.GVR.GroupVersion().WithKind(r.Kind + "List"))
	if err != nil {
		return nil, "", err
	}
	err = client.Get().NamespaceIfScoped(ns, r.Namespaced && ns != "").Resource(r.GVR.Resource).
		VersionedParams(&lo, metav1.ParameterCodec).Do(ctx).Into(listObj)
	if err != nil {
		return nil, "", err
	}
	items, err := meta.ExtractList(listObj)
	if err != nil {
		return nil, "", err
	}
	lm, err := meta.ListAccessor(listObj)
	if err != nil {
		return nil, "", err
	}
	return items, lm.GetContinue(), nil
}

// listMetadata lists only object metadata: for Secrets, whose data
// rampart must never read.
func listMetadata(ctx context.Context, cfg *rest.Config, r Resource, ns string, lo metav1.ListOptions) ([]runtime.Object, string, error) {
	mc, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, "", err
	}
	var l *metav1.PartialObjectMetadataList
	if r.Namespaced && ns != "" {
		l, err = mc.Resource(r.GVR).Namespace(ns).List(ctx, lo)
	} else {
		l, err = mc.Resource(r.GVR).List(ctx, lo)
	}
	if err != nil {
		return nil, "", err
	}
	items := make([]runtime.Object, len(l.Items))
	for i := range l.Items {
		items[i] = &l.Items[i]
	}
	return items, l.Continue, nil
}

var (
	clientsMu sync.Mutex
	clients   = map[clientKey]*rest.RESTClient{}
)

type clientKey struct {
	cfg *rest.Config
	gv  k8sschema.GroupVersion
}

// restClient builds (once per group version) a client that asks for
// protobuf and falls back to JSON, decoding with rampart's scheme.
func restClient(cfg *rest.Config, gv k8sschema.GroupVersion) (*rest.RESTClient, error) {
	clientsMu.Lock()
	defer clientsMu.Unlock()
	k := clientKey{cfg, gv}
	if c, ok := clients[k]; ok {
		return c, nil
	}
	c := rest.CopyConfig(cfg)
	c.GroupVersion = &gv
	if gv.Group == "" {
		c.APIPath = "/api"
	} else {
		c.APIPath = "/apis"
	}
	c.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	c.ContentType = "application/vnd.kubernetes.protobuf"
	c.NegotiatedSerializer = codecs.WithoutConversion()
	rc, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, err
	}
	clients[k] = rc
	return rc, nil
}

// toObject wraps a listed item. List items carry no apiVersion and kind, so
// both are set from the resource.
func toObject(r Resource, item runtime.Object) (*inventory.Object, error) {
	m, err := meta.Accessor(item)
	if err != nil {
		return nil, err
	}
	gv := r.GVR.GroupVersion()
	item.GetObjectKind().SetGroupVersionKind(gv.WithKind(r.Kind))
	// No check reads managedFields; they are often the largest part of an
	// object, and the inventory holds every object until the checks ran.
	m.SetManagedFields(nil)
	o := &inventory.Object{
		APIVersion: gv.String(), Kind: r.Kind, Namespace: m.GetNamespace(), Name: m.GetName(), UID: string(m.GetUID()),
		Typed:  item,
		Source: inventory.Source{Origin: "cluster"},
	}
	if r.MetadataOnly {
		o.Typed = nil
		o.Raw = map[string]any{"metadata": map[string]any{"name": m.GetName(), "namespace": m.GetNamespace(),
			"labels": toAny(m.GetLabels()), "annotations": toAny(redactAnnotations(m.GetAnnotations()))}}
	}
	return o, nil
}

// redactAnnotations drops kubectl's last-applied-configuration, which holds
// the whole Secret as applied, data included.
func redactAnnotations(a map[string]string) map[string]string {
	if _, ok := a["kubectl.kubernetes.io/last-applied-configuration"]; !ok {
		return a
	}
	out := make(map[string]string, len(a))
	for k, v := range a {
		if k != "kubectl.kubernetes.io/last-applied-configuration" {
			out[k] = v
		}
	}
	return out
}

func toAny(m map[string]string) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ErrNoConfig is returned when no cluster configuration can be found.
var ErrNoConfig = errors.New("no cluster configuration: set --kubeconfig, KUBECONFIG, or run in a pod")
