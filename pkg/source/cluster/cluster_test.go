package cluster

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// TestReaderRoleMatchesResources keeps deploy/rampart-reader.yaml and the
// resources rampart lists in step: every listed resource is granted, with
// the list verb only, and nothing else is granted.
func TestReaderRoleMatchesResources(t *testing.T) {
	data, err := os.ReadFile("../../../deploy/rampart-reader.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict([]byte(strings.Split(string(data), "\n---\n")[0]), &role); err != nil {
		t.Fatal(err)
	}
	granted := map[string]bool{}
	for _, r := range role.Rules {
		if !slices.Equal(r.Verbs, []string{"list"}) || len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			t.Errorf("rule %+v grants more than list", r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				granted[g+"/"+res] = true
			}
		}
	}
	for _, r := range Resources {
		k := r.GVR.Group + "/" + r.GVR.Resource
		if !granted[k] {
			t.Errorf("rampart lists %s but the reader role does not grant it", k)
		}
		delete(granted, k)
	}
	for k := range granted {
		t.Errorf("the reader role grants %s, which rampart does not list", k)
	}
}

// TestFinalLeavesOutWhatFoldingMayDrop: pages handed over early
// (Options.Objects) hold no pod, ReplicaSet or Job that names a controller;
// everything else is handed over as it is.
func TestFinalLeavesOutWhatFoldingMayDrop(t *testing.T) {
	yes := true
	owned := metav1.ObjectMeta{Name: "owned", OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "rs", UID: "rs-uid", Controller: &yes}}}
	notController := metav1.ObjectMeta{Name: "bare", OwnerReferences: []metav1.OwnerReference{{Kind: "Something", Name: "x", UID: "x-uid"}}}
	obj := func(kind string, typed runtime.Object) *inventory.Object {
		m, _ := meta.Accessor(typed)
		return &inventory.Object{Kind: kind, Name: m.GetName(), Typed: typed}
	}
	page := []*inventory.Object{
		obj("Pod", &corev1.Pod{ObjectMeta: notController}),
		obj("Pod", &corev1.Pod{ObjectMeta: owned}),
		obj("Deployment", &appsv1.Deployment{ObjectMeta: owned}), // not a folded kind
		obj("ReplicaSet", &appsv1.ReplicaSet{ObjectMeta: owned}),
		obj("Job", &batchv1.Job{ObjectMeta: notController}),
	}
	var got []string
	for _, o := range final(page) {
		got = append(got, o.Kind+"/"+o.Name)
	}
	if want := []string{"Pod/bare", "Deployment/owned", "Job/bare"}; !slices.Equal(got, want) {
		t.Errorf("final = %v, want %v", got, want)
	}
	if kept := page[:1]; &final(kept)[0] != &kept[0] {
		t.Error("a page with nothing to leave out should be handed over as it is")
	}
}

// TestFoldCarriesPodsToTheTopOwner: a Deployment's pods (through its
// ReplicaSet) are counted on the Deployment with their addresses, and
// leave the inventory; a pod whose controller is not listed stays.
func TestFoldCarriesPodsToTheTopOwner(t *testing.T) {
	yes := true
	ref := func(kind, uid string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{Kind: kind, Name: uid, UID: types.UID(uid), Controller: &yes}}
	}
	pod := func(name, owner string, ips ...string) *inventory.Object {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: ref("ReplicaSet", owner)}}
		for _, ip := range ips {
			p.Status.PodIPs = append(p.Status.PodIPs, corev1.PodIP{IP: ip})
		}
		return &inventory.Object{Kind: "Pod", Name: name, UID: name, Typed: p}
	}
	deploy := &inventory.Object{Kind: "Deployment", Name: "web", UID: "web", Typed: &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: "web"}}}
	rs := &inventory.Object{Kind: "ReplicaSet", Name: "web-1", UID: "web-1",
		Typed: &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-1", UID: "web-1", OwnerReferences: ref("Deployment", "web")}}}
	objs := []*inventory.Object{deploy, rs, pod("web-1-a", "web-1", "10.0.0.1", "fd00::1"), pod("web-1-b", "web-1", "10.0.0.2"),
		pod("stray", "gone")}
	var got []string
	for _, o := range foldOwned(objs) {
		got = append(got, o.Kind+"/"+o.Name)
	}
	if want := []string{"Deployment/web", "Pod/stray"}; !slices.Equal(got, want) {
		t.Errorf("after folding: %v, want %v", got, want)
	}
	if deploy.OwnedPods != 2 || !slices.Equal(deploy.PodIPs, []string{"10.0.0.1", "fd00::1", "10.0.0.2"}) {
		t.Errorf("the Deployment holds %d pods at %v, want 2 at 10.0.0.1, fd00::1, 10.0.0.2", deploy.OwnedPods, deploy.PodIPs)
	}
}
