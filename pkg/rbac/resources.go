package rbac

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/rbac/builtin"
)

// Catalog knows the API resources: the built-in ones, plus custom
// resources from CRDs in the input. It turns the resource names users
// type (pods, po, pod, deployments.apps/scale) into request attributes.
type Catalog struct {
	byGroupResource map[string]*builtin.Resource // "group/resource"
	byName          map[string][]*builtin.Resource
}

// NewCatalog returns the built-in resources of the embedded Kubernetes
// version.
func NewCatalog() *Catalog {
	c := &Catalog{byGroupResource: map[string]*builtin.Resource{}, byName: map[string][]*builtin.Resource{}}
	res := builtin.APIResources().Resources
	for i := range res {
		c.Add(res[i])
	}
	return c
}

// Add records a resource (a custom resource from a CRD, say).
func (c *Catalog) Add(r builtin.Resource) {
	e := &r
	c.byGroupResource[r.Group+"/"+r.Resource] = e
	names := append([]string{r.Resource, r.Singular, strings.ToLower(r.Kind)}, r.ShortNames...)
	for _, n := range names {
		n = strings.ToLower(n)
		if n == "" {
			continue
		}
		list := c.byName[n]
		dup := false
		for _, x := range list {
			dup = dup || x == e || (x.Group == e.Group && x.Resource == e.Resource)
		}
		if !dup {
			list = append(list, e)
			sort.SliceStable(list, func(i, j int) bool { return groupRank(list[i].Group) < groupRank(list[j].Group) })
			c.byName[n] = list
		}
	}
}

// groupRank orders groups as kubectl prefers them for a bare name: the
// core group first, then the built-in *.k8s.io groups, then the others.
func groupRank(g string) int {
	switch {
	case g == "":
		return 0
	case !strings.Contains(g, "."), strings.HasSuffix(g, ".k8s.io"):
		return 1
	}
	return 2
}

// Lookup returns a resource by group and plural name.
func (c *Catalog) Lookup(group, resource string) (*builtin.Resource, bool) {
	r, ok := c.byGroupResource[group+"/"+resource]
	return r, ok
}

// Action turns a verb and a resource as kubectl writes them into request
// attributes, scoped as the API server would scope the request: the
// namespace is dropped for cluster-scoped resources, and a request on a
// named Namespace object carries that namespace. A resource the catalog
// does not know is kept as written (core group when none is given), with a
// warning, as kubectl auth can-i does.
func (c *Catalog) Action(verb, resource, namespace, name string) (Action, string, error) {
	if verb == "" {
		return Action{}, "", fmt.Errorf("no verb")
	}
	if strings.HasPrefix(resource, "/") {
		if namespace != "" || name != "" {
			return Action{}, "", fmt.Errorf("%s is a non-resource URL: it takes no namespace or name", resource)
		}
		return Action{Verb: verb, NonResource: true, Path: resource}, "", nil
	}
	res, sub, _ := strings.Cut(resource, "/")
	if res == "" || strings.Contains(sub, "/") {
		return Action{}, "", fmt.Errorf("resource %q: want RESOURCE[.GROUP][/SUBRESOURCE] or a /URL", resource)
	}
	lower := strings.ToLower(res)
	var found *builtin.Resource
	group := ""
	if list := c.byName[lower]; len(list) > 0 {
		found = list[0]
	} else if base, grp, ok := strings.Cut(lower, "."); ok {
		for _, r := range c.byName[base] {
			if r.Group == grp {
				found = r
				break
			}
		}
		if found == nil {
			res, group = base, grp
		}
	}
	if res == "" {
		return Action{}, "", fmt.Errorf("resource %q: want RESOURCE[.GROUP][/SUBRESOURCE] or a /URL", resource)
	}
	if res == "*" && group == "" {
		group = "*" // "*" alone is every resource of every group, as in a rule
	}
	a := Action{Verb: verb, Resource: res, APIGroup: group, Subresource: sub, Name: name, Namespace: namespace}
	warning := ""
	if found != nil {
		a.Resource, a.APIGroup = found.Resource, found.Group
		if sub != "" && sub != "*" && !contains(found.Subresources, sub) {
			warning = fmt.Sprintf("%s has no subresource %q in Kubernetes %s", a.ResourceString(), sub, builtin.APIResources().Kubernetes)
		}
		if !found.Namespaced {
			a.Namespace = ""
		}
		if found.Group == "" && found.Resource == "namespaces" {
			a.Namespace = name
		}
	} else if res != "*" {
		warning = fmt.Sprintf("resource %q is not a built-in resource of Kubernetes %s nor a CRD in the input; asking about it as written", resource, builtin.APIResources().Kubernetes)
	}
	return a, warning, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
