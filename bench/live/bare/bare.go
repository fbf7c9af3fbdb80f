// Package bare is the floor of the live benchmark: it lists resources with
// plain client-go the way rampart's live source reads them (every resource
// in its own goroutine, all namespaces, pages of 500, protobuf for typed
// kinds, metadata only where rampart asks for metadata only, the dynamic
// client for optional custom resources, rampart's client defaults),
// decodes every page and keeps nothing.
//
// It imports client-go and nothing of rampart, so that the floor's process
// pays no start-up cost of rampart's own packages.
package bare

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
)

// PageSize is the list limit rampart uses (cluster.Options.PageSize default).
const PageSize = 500

// Resource is one resource to list.
type Resource struct {
	GVR schema.GroupVersionResource
	// MetadataOnly lists PartialObjectMetadata (rampart does for Secrets).
	MetadataOnly bool
	// Optional is a custom resource the server may not serve (rampart lists
	// AdminNetworkPolicies when there are): listed with the dynamic client,
	// and a server without it counts as none.
	Optional bool
}

// String is GROUP/VERSION/RESOURCE ("v1/pods" for the core group), with
// "+meta" when MetadataOnly.
func (r Resource) String() string {
	s := r.GVR.Version + "/" + r.GVR.Resource
	if r.GVR.Group != "" {
		s = r.GVR.Group + "/" + s
	}
	if r.MetadataOnly {
		s += "+meta"
	}
	if r.Optional {
		s += "+optional"
	}
	return s
}

// Parse reads what String writes.
func Parse(s string) (Resource, error) {
	var r Resource
	s, r.Optional = strings.CutSuffix(s, "+optional")
	s, r.MetadataOnly = strings.CutSuffix(s, "+meta")
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 2:
		r.GVR = schema.GroupVersionResource{Version: parts[0], Resource: parts[1]}
	case 3:
		r.GVR = schema.GroupVersionResource{Group: parts[0], Version: parts[1], Resource: parts[2]}
	default:
		return r, fmt.Errorf("resource %q: want [GROUP/]VERSION/RESOURCE[+meta][+optional]", s)
	}
	return r, nil
}

// pageFunc lists one page of a resource and returns how many items it held
// and the continue token.
type pageFunc func(ctx context.Context, opts metav1.ListOptions) (items int, cont string, err error)

// page adapts a typed client-go List method to a pageFunc. The list is
// decoded (from protobuf) into its typed Go struct and then dropped.
func page[L interface {
	runtime.Object
	GetContinue() string
}](list func(context.Context, metav1.ListOptions) (L, error)) pageFunc {
	return func(ctx context.Context, opts metav1.ListOptions) (int, string, error) {
		l, err := list(ctx, opts)
		if err != nil {
			return 0, "", err
		}
		return meta.LenList(l), l.GetContinue(), nil
	}
}

func gr(group, resource string) schema.GroupResource {
	return schema.GroupResource{Group: group, Resource: resource}
}

// typedLister returns the typed clientset's List of a resource in all
// namespaces. A resource this table lacks is an error, so that the floor
// never silently lists less than rampart.
func typedLister(cs kubernetes.Interface, r Resource) (pageFunc, error) {
	const all = metav1.NamespaceAll
	if r.GVR.Version != "v1" {
		return nil, fmt.Errorf("the bare listing has no typed client for %s", r.GVR)
	}
	switch r.GVR.GroupResource() {
	case gr("", "namespaces"):
		return page(cs.CoreV1().Namespaces().List), nil
	case gr("", "nodes"):
		return page(cs.CoreV1().Nodes().List), nil
	case gr("", "pods"):
		return page(cs.CoreV1().Pods(all).List), nil
	case gr("", "services"):
		return page(cs.CoreV1().Services(all).List), nil
	case gr("", "serviceaccounts"):
		return page(cs.CoreV1().ServiceAccounts(all).List), nil
	case gr("", "replicationcontrollers"):
		return page(cs.CoreV1().ReplicationControllers(all).List), nil
	case gr("", "secrets"):
		return page(cs.CoreV1().Secrets(all).List), nil
	case gr("", "configmaps"):
		return page(cs.CoreV1().ConfigMaps(all).List), nil
	case gr("apps", "deployments"):
		return page(cs.AppsV1().Deployments(all).List), nil
	case gr("apps", "statefulsets"):
		return page(cs.AppsV1().StatefulSets(all).List), nil
	case gr("apps", "daemonsets"):
		return page(cs.AppsV1().DaemonSets(all).List), nil
	case gr("apps", "replicasets"):
		return page(cs.AppsV1().ReplicaSets(all).List), nil
	case gr("batch", "jobs"):
		return page(cs.BatchV1().Jobs(all).List), nil
	case gr("batch", "cronjobs"):
		return page(cs.BatchV1().CronJobs(all).List), nil
	case gr("networking.k8s.io", "ingresses"):
		return page(cs.NetworkingV1().Ingresses(all).List), nil
	case gr("networking.k8s.io", "networkpolicies"):
		return page(cs.NetworkingV1().NetworkPolicies(all).List), nil
	case gr("rbac.authorization.k8s.io", "roles"):
		return page(cs.RbacV1().Roles(all).List), nil
	case gr("rbac.authorization.k8s.io", "rolebindings"):
		return page(cs.RbacV1().RoleBindings(all).List), nil
	case gr("rbac.authorization.k8s.io", "clusterroles"):
		return page(cs.RbacV1().ClusterRoles().List), nil
	case gr("rbac.authorization.k8s.io", "clusterrolebindings"):
		return page(cs.RbacV1().ClusterRoleBindings().List), nil
	case gr("node.k8s.io", "runtimeclasses"):
		return page(cs.NodeV1().RuntimeClasses().List), nil
	case gr("policy", "poddisruptionbudgets"):
		return page(cs.PolicyV1().PodDisruptionBudgets(all).List), nil
	}
	return nil, fmt.Errorf("the bare listing has no typed client for %s: add it to bench/live/bare", r.GVR)
}

// List lists every resource of rs in parallel, page by page, and returns
// the number of objects listed. cfg is used as rampart's live source uses
// it: a 30 s timeout and QPS 100, burst 200 unless set; protobuf for typed
// kinds.
func List(ctx context.Context, cfg *rest.Config, rs []Resource) (int, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second // rampart's --request-timeout default
	}
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 100, 200 // what rampart's cluster.Load sets
	}
	typed := rest.CopyConfig(cfg)
	typed.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	typed.ContentType = "application/vnd.kubernetes.protobuf"
	cs, err := kubernetes.NewForConfig(typed)
	if err != nil {
		return 0, err
	}
	mc, err := metadata.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	listers := make([]pageFunc, len(rs))
	for i, r := range rs {
		if r.Optional {
			ri := dc.Resource(r.GVR)
			listers[i] = func(ctx context.Context, opts metav1.ListOptions) (int, string, error) {
				l, err := ri.List(ctx, opts)
				if apierrors.IsNotFound(err) {
					return 0, "", nil
				}
				if err != nil {
					return 0, "", err
				}
				return len(l.Items), l.GetContinue(), nil
			}
			continue
		}
		if r.MetadataOnly {
			ri := mc.Resource(r.GVR)
			listers[i] = func(ctx context.Context, opts metav1.ListOptions) (int, string, error) {
				l, err := ri.List(ctx, opts)
				if err != nil {
					return 0, "", err
				}
				return len(l.Items), l.Continue, nil
			}
			continue
		}
		if listers[i], err = typedLister(cs, r); err != nil {
			return 0, err
		}
	}

	var total atomic.Int64
	errs := make([]error, len(listers))
	var wg sync.WaitGroup
	for i, list := range listers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cont := ""
			for {
				n, next, err := list(ctx, metav1.ListOptions{Limit: PageSize, Continue: cont})
				if err != nil {
					errs[i] = fmt.Errorf("listing %s: %w", rs[i].GVR, err)
					return
				}
				total.Add(int64(n))
				if next == "" {
					return
				}
				cont = next
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return int(total.Load()), err
		}
	}
	return int(total.Load()), nil
}
