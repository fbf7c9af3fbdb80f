package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rampart-k8s/rampart/bench/gen"
	"github.com/rampart-k8s/rampart/bench/live/bare"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// corpusResources maps the kinds bench/gen writes to their resources.
var corpusResources = map[string]k8sschema.GroupVersionResource{
	"v1/Namespace":                             {Version: "v1", Resource: "namespaces"},
	"v1/ServiceAccount":                        {Version: "v1", Resource: "serviceaccounts"},
	"v1/Service":                               {Version: "v1", Resource: "services"},
	"apps/v1/Deployment":                       {Group: "apps", Version: "v1", Resource: "deployments"},
	"rbac.authorization.k8s.io/v1/Role":        {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
	"rbac.authorization.k8s.io/v1/RoleBinding": {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
	"networking.k8s.io/v1/NetworkPolicy":       {Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"},
}

// corpus generates the bench/gen documents of scale namespaces, decoded
// into unstructured objects, in the order they are created: namespaces,
// Services that ask for a fixed node port (before any LoadBalancer Service
// can take that port from the shared range), then everything else. adapted
// counts the objects changed so that the API server accepts them (see
// dropProcMount).
func corpus(scale int) (namespaces, nodePorts, others []*unstructured.Unstructured, adapted int, err error) {
	st := gen.Stats{Kinds: map[string]int{}}
	var buf bytes.Buffer
	for i := 0; i < scale; i++ {
		buf.Reset()
		w := bufio.NewWriter(&buf)
		if err := gen.WriteNamespace(w, i, &st); err != nil {
			return nil, nil, nil, 0, err
		}
		if err := w.Flush(); err != nil {
			return nil, nil, nil, 0, err
		}
		for _, doc := range splitDocs(buf.String()) {
			u := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
				return nil, nil, nil, 0, fmt.Errorf("namespace %d: %w", i, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			if dropProcMount(u) {
				adapted++
			}
			switch {
			case u.GetKind() == "Namespace":
				namespaces = append(namespaces, u)
			case fixedNodePort(u):
				nodePorts = append(nodePorts, u)
			default:
				others = append(others, u)
			}
		}
	}
	if got, want := len(namespaces)+len(nodePorts)+len(others), gen.ExpectedObjects(scale); got != want || st.Objects != want {
		return nil, nil, nil, 0, fmt.Errorf("generated %d objects (gen counted %d); want %d", got, st.Objects, want)
	}
	return namespaces, nodePorts, others, adapted, nil
}

// dropProcMount removes securityContext.procMount from the containers of a
// Deployment. The API server refuses procMount: Unmasked unless the pod
// sets hostUsers: false, which it in turn refuses next to hostNetwork or
// hostPID; the corpus's insecure Deployments have all three (a file scan
// reports them; a cluster can never hold them). Every other field is
// loaded as generated. It reports whether it changed the object.
func dropProcMount(u *unstructured.Unstructured) bool {
	if u.GetKind() != "Deployment" {
		return false
	}
	// NestedSlice returns a deep copy: change it, then set it back.
	containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	changed := false
	for _, c := range containers {
		if sc, ok := c.(map[string]any)["securityContext"].(map[string]any); ok {
			if _, ok := sc["procMount"]; ok {
				delete(sc, "procMount")
				changed = true
			}
		}
	}
	if changed {
		_ = unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers")
	}
	return changed
}

// fixedNodePort says whether u is a Service that names its node port.
func fixedNodePort(u *unstructured.Unstructured) bool {
	if u.GetKind() != "Service" {
		return false
	}
	ports, _, _ := unstructured.NestedSlice(u.Object, "spec", "ports")
	for _, p := range ports {
		if _, ok := p.(map[string]any)["nodePort"]; ok {
			return true
		}
	}
	return false
}

// splitDocs splits a multi-document YAML stream at its "---" lines.
func splitDocs(s string) []string {
	var docs []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.TrimRight(line, "\r\n") == "---" {
			docs = append(docs, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(line)
	}
	return append(docs, cur.String())
}

// loaded says what loading did.
type loaded struct {
	created int
	adapted int
	// refused counts the objects the API server refused, by answer.
	refused map[string]int
}

func (l *loaded) refusedCount() int {
	n := 0
	for _, c := range l.refused {
		n += c
	}
	return n
}

// createAll creates objects with workers concurrent requests. Transient
// answers (timeouts, throttling, a namespace the admission cache has not
// seen yet) are retried a few times; objects the API server refuses are
// counted, not fatal; any other failure is.
func createAll(ctx context.Context, dyn dynamic.Interface, objs []*unstructured.Unstructured, workers int, l *loaded) error {
	work := make(chan *unstructured.Unstructured)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				err := create(ctx, dyn, u)
				mu.Lock()
				switch {
				case err == nil:
					l.created++
				case refusal(err):
					l.refused[apiReason(err)]++
				case first == nil:
					first = fmt.Errorf("creating %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, u := range objs {
		work <- u
	}
	close(work)
	wg.Wait()
	return first
}

func create(ctx context.Context, dyn dynamic.Interface, u *unstructured.Unstructured) error {
	key := u.GetAPIVersion() + "/" + u.GetKind()
	gvr, ok := corpusResources[key]
	if !ok {
		return fmt.Errorf("no resource known for %s", key)
	}
	var ri dynamic.ResourceInterface = dyn.Resource(gvr)
	if ns := u.GetNamespace(); ns != "" {
		ri = dyn.Resource(gvr).Namespace(ns)
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		_, err = ri.Create(ctx, u, metav1.CreateOptions{})
		if err == nil || !transient(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	return err
}

func transient(err error) bool {
	return apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) ||
		apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsNotFound(err)
}

// refusal says whether the API server judged the object and said no.
func refusal(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsAlreadyExists(err) || apierrors.IsForbidden(err) ||
		apierrors.IsBadRequest(err) || apierrors.IsConflict(err)
}

// apiReason is the API server's answer without the object's name, so that
// refusals of the same kind count together.
func apiReason(err error) string {
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		st := se.Status()
		if st.Details != nil && len(st.Details.Causes) > 0 {
			c := st.Details.Causes[0]
			return fmt.Sprintf("%s %s: %s: %s", st.Reason, st.Details.Kind, c.Field, c.Message)
		}
		return string(st.Reason)
	}
	return err.Error()
}

// loadCorpus creates the scale-namespace corpus in the cluster, namespaces
// first.
func loadCorpus(ctx context.Context, cfg *rest.Config, scale, workers int) (*loaded, error) {
	namespaces, nodePorts, others, adapted, err := corpus(scale)
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 5000, 10000 // loading is not measured: do not throttle it
	cfg.WarningHandler = rest.NoWarnings{}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	l := &loaded{adapted: adapted, refused: map[string]int{}}
	for _, batch := range [][]*unstructured.Unstructured{namespaces, nodePorts, others} {
		if err := createAll(ctx, dyn, batch, workers, l); err != nil {
			return l, err
		}
	}
	return l, nil
}

// settle waits until the listed object count stops changing (the
// controller manager adds a default ServiceAccount to each new namespace),
// so that every measured run lists the same objects.
func settle(ctx context.Context, cfg *rest.Config, rs []bare.Resource, atLeast int) (int, error) {
	deadline := time.Now().Add(2 * time.Minute)
	prev := -1
	for {
		n, err := bare.List(ctx, cfg, rs)
		if err != nil {
			return n, err
		}
		if n == prev && n >= atLeast {
			return n, nil
		}
		if time.Now().After(deadline) {
			return n, errors.New("the cluster's object count did not settle within 2 minutes")
		}
		prev = n
		time.Sleep(2 * time.Second)
	}
}
