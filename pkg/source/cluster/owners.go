package cluster

import (
	"slices"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
)

// ownedKinds are the kinds whose objects a controller creates from a
// template: reporting each of them would repeat the owner's findings once
// per replica.
var ownedKinds = map[string]bool{"Pod": true, "ReplicaSet": true, "Job": true}

// foldOwned drops pods, ReplicaSets and Jobs whose controller is in the
// inventory and counts them on the top owner instead (a Deployment, not its
// ReplicaSets and Pods), so that findings are reported once, on the object
// a user edits, with the pods it runs counted and their addresses kept. Objects whose owner is not
// listed (it was not allowed, or is a custom controller) stay.
func foldOwned(objs []*inventory.Object) []*inventory.Object {
	byUID := make(map[types.UID]*inventory.Object, len(objs))
	for _, o := range objs {
		if o.UID != "" {
			byUID[types.UID(o.UID)] = o
		}
	}
	top := func(o *inventory.Object) *inventory.Object {
		for depth := 0; depth < 5; depth++ {
			owner := controllerOf(o, byUID)
			if owner == nil {
				return o
			}
			o = owner
		}
		return o
	}
	out := objs[:0:0]
	for _, o := range objs {
		if ownedKinds[o.Kind] && controllerOf(o, byUID) != nil {
			if o.Kind == "Pod" {
				owner := top(o)
				owner.OwnedPods++
				if pod, ok := o.Typed.(*corev1.Pod); ok {
					for _, ip := range pod.Status.PodIPs {
						owner.PodIPs = append(owner.PodIPs, ip.IP)
					}
				}
			}
			continue
		}
		out = append(out, o)
	}
	return out
}

// final returns the objects of a page that folding cannot drop: all but the
// owned kinds that name a controller. The page is returned as it is when
// nothing needs to be left out.
func final(page []*inventory.Object) []*inventory.Object {
	for i, o := range page {
		if ownedKinds[o.Kind] && hasController(o) {
			out := slices.Clone(page[:i])
			for _, o := range page[i+1:] {
				if !ownedKinds[o.Kind] || !hasController(o) {
					out = append(out, o)
				}
			}
			return out
		}
	}
	return page
}

// hasController reports whether an object names a controller among its owners.
func hasController(o *inventory.Object) bool {
	if o.Typed == nil {
		return false
	}
	m, err := meta.Accessor(o.Typed)
	if err != nil {
		return false
	}
	for _, ref := range m.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller {
			return true
		}
	}
	return false
}

// controllerOf returns the listed controller of an object, if any.
func controllerOf(o *inventory.Object, byUID map[types.UID]*inventory.Object) *inventory.Object {
	if o.Typed == nil {
		return nil
	}
	m, err := meta.Accessor(o.Typed)
	if err != nil {
		return nil
	}
	for _, ref := range m.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller {
			return byUID[ref.UID]
		}
	}
	return nil
}
