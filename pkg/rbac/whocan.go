package rbac

import (
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// ruleRef is one rule of one role.
type ruleRef struct {
	role *Role
	rule int
}

// ruleIndex finds the rules that may allow an action without looking at
// every rule: resource rules are filed under each (apiGroup, resource
// entry) pair they hold, "*" and "*/sub" entries included as written, so a
// question looks up at most six buckets; URL rules are filed by exact URL,
// with prefix and "*" entries apart.
type ruleIndex struct {
	resources map[string]map[string][]ruleRef // apiGroup → resource entry → rules
	urls      map[string][]ruleRef
	prefixes  []urlPrefix
}

type urlPrefix struct {
	prefix string
	ref    ruleRef
}

func buildRuleIndex(p *Policy) ruleIndex {
	idx := ruleIndex{resources: map[string]map[string][]ruleRef{}, urls: map[string][]ruleRef{}}
	for _, r := range p.Roles() {
		for i := range r.Rules {
			rule := &r.Rules[i]
			ref := ruleRef{r, i}
			for _, g := range unique(rule.APIGroups) {
				m := idx.resources[g]
				if m == nil {
					m = map[string][]ruleRef{}
					idx.resources[g] = m
				}
				for _, res := range unique(rule.Resources) {
					m[res] = append(m[res], ref)
				}
			}
			for _, u := range unique(rule.NonResourceURLs) {
				if u != rbacv1.NonResourceAll && strings.HasSuffix(u, "*") {
					idx.prefixes = append(idx.prefixes, urlPrefix{strings.TrimRight(u, "*"), ref})
				} else {
					idx.urls[u] = append(idx.urls[u], ref)
				}
			}
		}
	}
	return idx
}

func unique(xs []string) []string {
	if len(xs) < 2 {
		return xs
	}
	seen := make(map[string]bool, len(xs))
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// matching returns the rules that allow the action, each once.
func (idx *ruleIndex) matching(a *Action) []ruleRef {
	var out []ruleRef
	seen := map[ruleRef]bool{}
	consider := func(list []ruleRef) {
		for _, ref := range list {
			if !seen[ref] && RuleAllows(&ref.role.Rules[ref.rule], a) {
				seen[ref] = true
				out = append(out, ref)
			}
		}
	}
	if a.NonResource {
		consider(idx.urls[a.Path])
		consider(idx.urls[rbacv1.NonResourceAll])
		for _, p := range idx.prefixes {
			if strings.HasPrefix(a.Path, p.prefix) {
				consider([]ruleRef{p.ref})
			}
		}
		return out
	}
	combined := a.combined()
	for _, g := range []string{a.APIGroup, rbacv1.APIGroupAll} {
		m := idx.resources[g]
		if m == nil {
			continue
		}
		consider(m[combined])
		consider(m[rbacv1.ResourceAll])
		if a.Subresource != "" {
			consider(m["*/"+a.Subresource])
		}
	}
	return out
}

// WhoCan lists every (binding, subject) through which the action is
// allowed, with the role and rule, sorted by subject then binding. Members
// of system:masters can do everything and are not listed: no object names
// them.
func (p *Policy) WhoCan(a Action) []Grant {
	var out []Grant
	for _, ref := range p.rules.matching(&a) {
		for _, b := range p.byRole[ref.role] {
			if b.Kind == "RoleBinding" && (a.Namespace == "" || b.Namespace != a.Namespace) {
				continue
			}
			for _, s := range b.Subjects {
				switch s.Kind {
				case rbacv1.ServiceAccountKind:
					if s.Namespace == "" {
						s.Namespace = b.Namespace
					}
					if s.Namespace == "" {
						continue
					}
				case rbacv1.UserKind, rbacv1.GroupKind:
				default:
					continue
				}
				out = append(out, Grant{Binding: b, Subject: s, Role: ref.role, Rule: ref.rule})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		si, sj := SubjectString(out[i].Subject), SubjectString(out[j].Subject)
		if si != sj {
			return si < sj
		}
		if out[i].Binding.Ref() != out[j].Binding.Ref() {
			return out[i].Binding.Ref() < out[j].Binding.Ref()
		}
		return out[i].Rule < out[j].Rule
	})
	// One grant per (subject, binding): the first rule is evidence enough.
	dedup := out[:0]
	for i, g := range out {
		if i > 0 && dedup[len(dedup)-1].Binding == g.Binding && SubjectString(dedup[len(dedup)-1].Subject) == SubjectString(g.Subject) {
			continue
		}
		dedup = append(dedup, g)
	}
	return dedup
}

// SubjectString writes a subject as rampart's commands take it:
// user:NAME, group:NAME or sa:NAMESPACE/NAME.
func SubjectString(s rbacv1.Subject) string {
	switch s.Kind {
	case rbacv1.UserKind:
		return "user:" + s.Name
	case rbacv1.GroupKind:
		return "group:" + s.Name
	case rbacv1.ServiceAccountKind:
		return "sa:" + s.Namespace + "/" + s.Name
	}
	return s.Kind + ":" + s.Name
}
