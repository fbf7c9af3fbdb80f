package rbac

import (
	"fmt"
	"strings"
)

// Action is what a request does, without who does it: the attributes the
// API server's authorizer reads. Namespace is "" for cluster-scoped
// resources and non-resource URLs.
type Action struct {
	Verb        string
	NonResource bool
	// Path is the URL of a non-resource request, such as /metrics.
	Path        string
	Namespace   string
	APIGroup    string
	Resource    string
	Subresource string
	Name        string
}

func (a *Action) combined() string {
	if a.Subresource == "" {
		return a.Resource
	}
	return a.Resource + "/" + a.Subresource
}

// ResourceString writes the resource as kubectl does: pods, pods/exec,
// deployments.apps/scale, or the URL of a non-resource request.
func (a *Action) ResourceString() string {
	if a.NonResource {
		return a.Path
	}
	s := a.Resource
	if a.APIGroup != "" {
		s += "." + a.APIGroup
	}
	if a.Subresource != "" {
		s += "/" + a.Subresource
	}
	return s
}

// String is the action in kubectl's words, e.g. "get secrets/db -n prod".
func (a Action) String() string {
	var b strings.Builder
	b.WriteString(a.Verb)
	b.WriteByte(' ')
	b.WriteString(a.ResourceString())
	if a.Name != "" {
		fmt.Fprintf(&b, " (name %s)", a.Name)
	}
	if a.Namespace != "" {
		fmt.Fprintf(&b, " in namespace %s", a.Namespace)
	} else if !a.NonResource {
		b.WriteString(" cluster-wide")
	}
	return b.String()
}

// Principal is who asks: a user name and the groups the authenticator gave
// it. Nothing is implied: callers that start from a subject use
// ParseSubject, which adds the groups Kubernetes adds.
type Principal struct {
	User   string
	Groups []string
}

func (p Principal) String() string {
	if p.User == "" {
		return "group " + strings.Join(p.Groups, ",")
	}
	return p.User
}

// inGroup reports membership without allocating.
func (p *Principal) inGroup(g string) bool {
	for _, x := range p.Groups {
		if x == g {
			return true
		}
	}
	return false
}
