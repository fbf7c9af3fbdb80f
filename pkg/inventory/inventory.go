package inventory

import (
	"cmp"
	"slices"
)

// Inventory is the set of objects under analysis, indexed by kind and by
// kind/namespace/name. It is built once and then only read, so analyzers may
// use it from many goroutines.
type Inventory struct {
	objects []*Object
	byKind  map[string][]*Object
	byKey   map[string]*Object
	// artifacts are the inputs that are not Kubernetes objects.
	artifacts []*Artifact
}

// New indexes the objects. Objects are ordered deterministically (file, line)
// so that everything downstream is reproducible.
func New(objects []*Object) *Inventory {
	objs := slices.Clone(objects)
	slices.SortStableFunc(objs, func(a, b *Object) int {
		return cmp.Or(cmp.Compare(a.Source.File, b.Source.File), cmp.Compare(a.Source.Line, b.Source.Line),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	inv := &Inventory{objects: objs, byKind: map[string][]*Object{}, byKey: make(map[string]*Object, len(objs))}
	for _, o := range objs {
		inv.byKind[o.Kind] = append(inv.byKind[o.Kind], o)
		ns := o.Namespace
		if ClusterScoped(o.Kind) {
			ns = "" // charts often stamp a namespace on everything; the API server ignores it here
		}
		k := key(o.Kind, ns, o.Name)
		if _, dup := inv.byKey[k]; !dup {
			inv.byKey[k] = o
		}
	}
	return inv
}

// Objects returns all objects in their deterministic order.
func (inv *Inventory) Objects() []*Object { return inv.objects }

// Len is the number of objects.
func (inv *Inventory) Len() int { return len(inv.objects) }

// ByKind returns the objects of one kind.
func (inv *Inventory) ByKind(kind string) []*Object { return inv.byKind[kind] }

// Get returns the object with that kind, namespace and name, or nil.
// Cluster-scoped kinds are looked up with an empty namespace.
func (inv *Inventory) Get(kind, namespace, name string) *Object {
	if ClusterScoped(kind) {
		namespace = ""
	}
	return inv.byKey[key(kind, namespace, name)]
}

// HasKind reports whether any object of the kind is present, which tells a
// check whether "not found" means "absent" or "not given to us".
func (inv *Inventory) HasKind(kind string) bool { return len(inv.byKind[kind]) > 0 }
