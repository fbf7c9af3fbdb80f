package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
)

// Grant is one binding and rule through which a subject may do something.
type Grant struct {
	Binding *Binding
	// Subject is the binding's subject that matched (for a ServiceAccount
	// in a RoleBinding, its namespace filled in).
	Subject rbacv1.Subject
	Role    *Role
	// Rule indexes Role.Rules.
	Rule int
}

// Decision is the answer to "may this principal do this".
type Decision struct {
	Allowed bool
	// Masters is set when the principal is in system:masters, which the API
	// server lets through before RBAC is asked.
	Masters bool
	// Grants are every binding that allows the action, one rule each.
	Grants []Grant
}

// appliesTo returns the first subject of the binding that the principal
// is, as the API server picks it; a ServiceAccount without a namespace
// takes the RoleBinding's.
func appliesTo(p *Principal, b *Binding) (rbacv1.Subject, bool) {
	for _, s := range b.Subjects {
		switch s.Kind {
		case rbacv1.UserKind:
			if p.User == s.Name {
				return s, true
			}
		case rbacv1.GroupKind:
			if p.inGroup(s.Name) {
				return s, true
			}
		case rbacv1.ServiceAccountKind:
			ns := s.Namespace
			if ns == "" {
				ns = b.Namespace
			}
			if ns != "" && serviceaccount.MatchesUsername(ns, s.Name, p.User) {
				s.Namespace = ns
				return s, true
			}
		}
	}
	return rbacv1.Subject{}, false
}

// candidates are the bindings that name the principal, by user or group,
// without duplicates, in binding order.
func candidates(idx *subjectIndex, p *Principal, buf []*Binding) []*Binding {
	if idx == nil {
		return buf
	}
	start := len(buf)
	push := func(list []*Binding) {
	next:
		for _, b := range list {
			for _, x := range buf[start:] {
				if x == b {
					continue next
				}
			}
			buf = append(buf, b)
		}
	}
	if p.User != "" {
		push(idx.users[p.User])
	}
	for _, g := range p.Groups {
		push(idx.groups[g])
	}
	return buf
}

// Decide answers whether the principal may perform the action, directly
// (by its own bindings), with every grant as evidence. Like the API
// server, it considers ClusterRoleBindings always and the RoleBindings of
// the action's namespace when it has one.
func (p *Policy) Decide(who Principal, a Action) Decision {
	var d Decision
	if who.inGroup(user.SystemPrivilegedGroup) {
		d.Allowed, d.Masters = true, true
	}
	p.forBindings(&who, a.Namespace, func(b *Binding, subj rbacv1.Subject) {
		d.add(b, subj, &a)
	})
	return d
}

// add records the first rule of a binding that allows the action.
func (d *Decision) add(b *Binding, subj rbacv1.Subject, a *Action) {
	for i := range b.Role.Rules {
		if RuleAllows(&b.Role.Rules[i], a) {
			d.Allowed = true
			d.Grants = append(d.Grants, Grant{Binding: b, Subject: subj, Role: b.Role, Rule: i})
			return
		}
	}
}

// applied is a binding that applies to a principal, with the subject that
// matched.
type applied struct {
	b    *Binding
	subj rbacv1.Subject
}

// Scope is what applies to one principal in one namespace, worked out once
// for many questions: Decide for every action in that namespace, without
// looking up the bindings each time.
type Scope struct {
	namespace string
	masters   bool
	bindings  []applied
}

// ScopeOf gathers the bindings that apply to the principal in a namespace
// ("" for cluster scope).
func (p *Policy) ScopeOf(who Principal, namespace string) *Scope {
	s := &Scope{namespace: namespace, masters: who.inGroup(user.SystemPrivilegedGroup)}
	p.forBindings(&who, namespace, func(b *Binding, subj rbacv1.Subject) {
		s.bindings = append(s.bindings, applied{b, subj})
	})
	return s
}

// Decide is Policy.Decide for an action in the scope's namespace; for an
// action elsewhere it reports ok false.
func (s *Scope) Decide(a Action) (d Decision, ok bool) {
	if a.Namespace != s.namespace {
		return d, false
	}
	d.Allowed, d.Masters = s.masters, s.masters
	for _, ap := range s.bindings {
		d.add(ap.b, ap.subj, &a)
	}
	return d, true
}

// forBindings calls fn for each binding that applies to the principal in
// a namespace ("" for cluster scope: ClusterRoleBindings only) and refers
// to an existing role, in the API server's order, with the subject that
// matched.
func (p *Policy) forBindings(who *Principal, namespace string, fn func(b *Binding, subj rbacv1.Subject)) {
	var buf [16]*Binding
	bs := candidates(&p.clusterSubjects, who, buf[:0])
	if namespace != "" {
		bs = candidates(p.nsSubjects[namespace], who, bs)
	}
	for _, b := range bs {
		if b.Role == nil {
			continue
		}
		if subj, ok := appliesTo(who, b); ok {
			fn(b, subj)
		}
	}
}

// roleBindingIDs lists the RoleBindings of a namespace that apply to the
// principal, in forBindings' order, as "id|id|" ("" for none).
func (p *Policy) roleBindingIDs(who *Principal, namespace string) string {
	var buf [16]*Binding
	var b strings.Builder
	for _, bd := range applying(p.nsSubjects[namespace], who, buf[:0]) {
		b.WriteString(bd.id)
		b.WriteByte('|')
	}
	return b.String()
}

// applying are the bindings of an index that apply to the principal and
// refer to an existing role, in candidates' order, appended to buf.
func applying(idx *subjectIndex, who *Principal, buf []*Binding) []*Binding {
	start := len(buf)
	bs := candidates(idx, who, buf)
	out := bs[:start]
	for _, bd := range bs[start:] {
		if bd.Role == nil {
			continue
		}
		if _, ok := appliesTo(who, bd); ok {
			out = append(out, bd)
		}
	}
	return out
}

// Allows is Decide without the evidence.
func (p *Policy) Allows(who Principal, a Action) bool { return p.Decide(who, a).Allowed }

// VisitRules calls fn for every rule that applies to the principal in a
// namespace ("" for cluster scope: ClusterRoleBindings only), with the
// binding that brings it, in the API server's order.
func (p *Policy) VisitRules(who Principal, namespace string, fn func(g Grant) bool) {
	stop := false
	p.forBindings(&who, namespace, func(b *Binding, subj rbacv1.Subject) {
		for i := range b.Role.Rules {
			if stop || !fn(Grant{Binding: b, Subject: subj, Role: b.Role, Rule: i}) {
				stop = true
				return
			}
		}
	})
}
