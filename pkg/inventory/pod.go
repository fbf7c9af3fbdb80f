package inventory

import (
	"strconv"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// PodTemplate is the pod an object runs, wherever it sits in the object.
type PodTemplate struct {
	Meta *metav1.ObjectMeta
	Spec *corev1.PodSpec
	// SpecPath is the field path of the pod spec inside the object, such as
	// "spec.template.spec", used to point findings at the right lines.
	SpecPath string
	// MetaPath is the field path of the pod metadata.
	MetaPath string

	containers []ContainerRef

	mu   sync.Mutex
	memo []memoEntry
}

type memoEntry struct{ key, val any }

// Memo returns the value fn computes for key, calling fn only the first
// time, so that an analysis several checks share (such as a Pod Security
// evaluation) runs once per pod. Keys are compared with ==. It is safe for
// concurrent use; fn runs with the pod's memo locked, so it must not call
// Memo on the same pod.
func (p *PodTemplate) Memo(key any, fn func() any) any {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.memo {
		if e.key == key {
			return e.val
		}
	}
	v := fn()
	p.memo = append(p.memo, memoEntry{key, v})
	return v
}

// PodTemplate returns the pod that the object runs (Pods, workload
// controllers, Jobs, CronJobs, PodTemplates), or nil for other kinds or
// objects that could not be decoded. The result is computed once; the
// first call must not race with others (the check runner makes it for
// every object before it runs checks concurrently on one object).
func (o *Object) PodTemplate() *PodTemplate {
	if !o.podDone {
		o.podDone = true
		o.podTemplate = podTemplateOf(o.Typed)
		if p := o.podTemplate; p != nil {
			p.containers = p.listContainers()
		}
	}
	return o.podTemplate
}

func podTemplateOf(typed runtime.Object) *PodTemplate {
	tmpl := func(t *corev1.PodTemplateSpec, prefix string) *PodTemplate {
		return &PodTemplate{Meta: &t.ObjectMeta, Spec: &t.Spec, SpecPath: prefix + ".spec", MetaPath: prefix + ".metadata"}
	}
	switch t := typed.(type) {
	case *corev1.Pod:
		return &PodTemplate{Meta: &t.ObjectMeta, Spec: &t.Spec, SpecPath: "spec", MetaPath: "metadata"}
	case *corev1.PodTemplate:
		return tmpl(&t.Template, "template")
	case *corev1.ReplicationController:
		if t.Spec.Template != nil {
			return tmpl(t.Spec.Template, "spec.template")
		}
	case *appsv1.Deployment:
		return tmpl(&t.Spec.Template, "spec.template")
	case *appsv1.StatefulSet:
		return tmpl(&t.Spec.Template, "spec.template")
	case *appsv1.DaemonSet:
		return tmpl(&t.Spec.Template, "spec.template")
	case *appsv1.ReplicaSet:
		return tmpl(&t.Spec.Template, "spec.template")
	case *batchv1.Job:
		return tmpl(&t.Spec.Template, "spec.template")
	case *batchv1.CronJob:
		return tmpl(&t.Spec.JobTemplate.Spec.Template, "spec.jobTemplate.spec.template")
	}
	return nil
}

// ContainerRef names one container of a pod spec with its field path.
type ContainerRef struct {
	C    *corev1.Container
	Path string // e.g. spec.template.spec.containers[1]
	Kind string // "container", "init container" or "ephemeral container"
}

// Containers lists every container of the pod: init, regular and ephemeral.
// The list is built with the pod and shared: callers must not modify it.
func (p *PodTemplate) Containers() []ContainerRef { return p.containers }

func (p *PodTemplate) listContainers() []ContainerRef {
	n := len(p.Spec.InitContainers) + len(p.Spec.Containers) + len(p.Spec.EphemeralContainers)
	if n == 0 {
		return nil
	}
	out := make([]ContainerRef, 0, n)
	for i := range p.Spec.InitContainers {
		out = append(out, ContainerRef{C: &p.Spec.InitContainers[i], Path: indexPath(p.SpecPath+".initContainers", i), Kind: "init container"})
	}
	for i := range p.Spec.Containers {
		out = append(out, ContainerRef{C: &p.Spec.Containers[i], Path: indexPath(p.SpecPath+".containers", i), Kind: "container"})
	}
	for i := range p.Spec.EphemeralContainers {
		ec := &p.Spec.EphemeralContainers[i]
		c := corev1.Container(ec.EphemeralContainerCommon)
		out = append(out, ContainerRef{C: &c, Path: indexPath(p.SpecPath+".ephemeralContainers", i), Kind: "ephemeral container"})
	}
	return out
}

func indexPath(prefix string, i int) string {
	return prefix + "[" + strconv.Itoa(i) + "]"
}
