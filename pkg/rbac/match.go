// Package rbac evaluates Kubernetes RBAC exactly as the API server's RBAC
// authorizer does (rule matching, binding resolution, subject matching,
// ClusterRole aggregation), indexed so that can-i and who-can questions do
// not walk every rule of every role. The semantics are written down in
// shared/reference/rbac-semantics.md and proven against a real API server
// by the differential test in test/oracle.
package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// The matchers below follow the API server's rule evaluation to the letter:
// a rule allows a request when every one of its lists matches, "*" matches
// anything in its list, and nothing else is a pattern. In particular
// "pods/*" is a literal that no request carries, "*/scale" matches the scale
// subresource of every resource, a "*" inside resourceNames is a literal,
// and a non-resource URL ending in "*" is a prefix.

func verbMatches(r *rbacv1.PolicyRule, verb string) bool {
	for _, v := range r.Verbs {
		if v == rbacv1.VerbAll || v == verb {
			return true
		}
	}
	return false
}

func groupMatches(r *rbacv1.PolicyRule, group string) bool {
	for _, g := range r.APIGroups {
		if g == rbacv1.APIGroupAll || g == group {
			return true
		}
	}
	return false
}

// resourceMatches compares against "resource" or "resource/subresource".
func resourceMatches(r *rbacv1.PolicyRule, combined, subresource string) bool {
	for _, res := range r.Resources {
		if res == rbacv1.ResourceAll || res == combined {
			return true
		}
		if subresource != "" && len(res) == len(subresource)+2 && strings.HasPrefix(res, "*/") && strings.HasSuffix(res, subresource) {
			return true
		}
	}
	return false
}

func nameMatches(r *rbacv1.PolicyRule, name string) bool {
	if len(r.ResourceNames) == 0 {
		return true
	}
	for _, n := range r.ResourceNames {
		if n == name {
			return true
		}
	}
	return false
}

// urlMatches: "*" is every path; an entry ending in stars is a prefix made
// of what comes before its trailing stars (all of them: "/a**" is "/a").
func urlMatches(r *rbacv1.PolicyRule, path string) bool {
	for _, u := range r.NonResourceURLs {
		if u == rbacv1.NonResourceAll || u == path {
			return true
		}
		if strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")) {
			return true
		}
	}
	return false
}

// RuleAllows reports whether one rule allows the request's action
// (the subject and namespace are the bindings' business, not the rule's).
func RuleAllows(r *rbacv1.PolicyRule, a *Action) bool {
	if a.NonResource {
		return verbMatches(r, a.Verb) && urlMatches(r, a.Path)
	}
	return verbMatches(r, a.Verb) && groupMatches(r, a.APIGroup) &&
		resourceMatches(r, a.combined(), a.Subresource) && nameMatches(r, a.Name)
}
