package rbac

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
)

// ParseSubject reads a subject as rampart's commands take it and returns
// the principal the API server would see for it, with the groups
// Kubernetes itself adds:
//
//	user:NAME          NAME, in system:authenticated (system:anonymous is in
//	                   system:unauthenticated instead)
//	group:NAME         any member of NAME (no user bindings apply)
//	sa:NAMESPACE/NAME  system:serviceaccount:NAMESPACE:NAME, in
//	                   system:serviceaccounts, system:serviceaccounts:NAMESPACE
//	                   and system:authenticated
//
// A user name of the form system:serviceaccount:NS:NAME is that
// ServiceAccount. extraGroups are added, like kubectl's --as-group.
func ParseSubject(s string, extraGroups ...string) (Principal, error) {
	kind, name, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return Principal{}, fmt.Errorf("subject %q: want user:NAME, group:NAME or sa:NAMESPACE/NAME", s)
	}
	var p Principal
	switch strings.ToLower(kind) {
	case "user", "u":
		p.User = name
		switch {
		case name == user.Anonymous:
			p.Groups = []string{user.AllUnauthenticated}
		case strings.HasPrefix(name, serviceaccount.ServiceAccountUsernamePrefix):
			ns, _, err := serviceaccount.SplitUsername(name)
			if err != nil {
				return Principal{}, fmt.Errorf("subject %q: %w", s, err)
			}
			p.Groups = serviceaccount.MakeGroupNames(ns)
			p.Groups = append(p.Groups, user.AllAuthenticated)
		default:
			p.Groups = []string{user.AllAuthenticated}
		}
	case "group", "g":
		p.Groups = []string{name}
		if name != user.AllUnauthenticated && name != user.AllAuthenticated {
			p.Groups = append(p.Groups, user.AllAuthenticated)
		}
	case "sa", "serviceaccount":
		ns, sa, ok := strings.Cut(name, "/")
		if !ok || ns == "" || sa == "" || strings.Contains(sa, "/") {
			return Principal{}, fmt.Errorf("subject %q: a ServiceAccount is sa:NAMESPACE/NAME", s)
		}
		p.User = serviceaccount.MakeUsername(ns, sa)
		p.Groups = append(serviceaccount.MakeGroupNames(ns), user.AllAuthenticated)
	default:
		return Principal{}, fmt.Errorf("subject %q: unknown kind %q; want user:NAME, group:NAME or sa:NAMESPACE/NAME", s, kind)
	}
	for _, g := range extraGroups {
		if !slices.Contains(p.Groups, g) {
			p.Groups = append(p.Groups, g)
		}
	}
	return p, nil
}
