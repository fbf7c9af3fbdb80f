package inventory

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

	containers     []ContainerRef
	containersDone bool
	memo           []memoEntry
}

type memoEntry struct{ key, val any }

// Memo returns the value fn computes for key, calling fn only the first
// time, so that an analysis several checks share (such as a Pod Security
// evaluation) runs once per pod. Keys are compared with ==. Like
// Object.PodTemplate, it is not safe for concurrent use on one pod: the
// check runner gives each object to one goroutine at a time.
func (p *PodTemplate) Memo(key any, fn func() any) any {
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
// objects that could not be decoded. The result is computed once.
func (o *Object) PodTemplate() *PodTemplate {
	if o.podDone {
		return o.podTemplate
	}
	o.podDone = true
	tmpl := func(t *corev1.PodTemplateSpec, prefix string) *PodTemplate {
		return &PodTemplate{Meta: &t.ObjectMeta, Spec: &t.Spec, SpecPath: prefix + ".spec", MetaPath: prefix + ".metadata"}
	}
	switch t := o.Typed.(type) {
	case *corev1.Pod:
		o.podTemplate = &PodTemplate{Meta: &t.ObjectMeta, Spec: &t.Spec, SpecPath: "spec", MetaPath: "metadata"}
	case *corev1.PodTemplate:
		o.podTemplate = tmpl(&t.Template, "template")
	case *corev1.ReplicationController:
		if t.Spec.Template != nil {
			o.podTemplate = tmpl(t.Spec.Template, "spec.template")
		}
	case *appsv1.Deployment:
		o.podTemplate = tmpl(&t.Spec.Template, "spec.template")
	case *appsv1.StatefulSet:
		o.podTemplate = tmpl(&t.Spec.Template, "spec.template")
	case *appsv1.DaemonSet:
		o.podTemplate = tmpl(&t.Spec.Template, "spec.template")
	case *appsv1.ReplicaSet:
		o.podTemplate = tmpl(&t.Spec.Template, "spec.template")
	case *batchv1.Job:
		o.podTemplate = tmpl(&t.Spec.Template, "spec.template")
	case *batchv1.CronJob:
		o.podTemplate = tmpl(&t.Spec.JobTemplate.Spec.Template, "spec.jobTemplate.spec.template")
	}
	return o.podTemplate
}

// ContainerRef names one container of a pod spec with its field path.
type ContainerRef struct {
	C    *corev1.Container
	Path string // e.g. spec.template.spec.containers[1]
	Kind string // "container", "init container" or "ephemeral container"
}

// Containers lists every container of the pod: init, regular and ephemeral.
// The list is built once per pod and shared: callers must not modify it.
func (p *PodTemplate) Containers() []ContainerRef {
	if p.containersDone {
		return p.containers
	}
	p.containersDone = true
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
	p.containers = out
	return out
}

func indexPath(prefix string, i int) string {
	return prefix + "[" + strconv.Itoa(i) + "]"
}
