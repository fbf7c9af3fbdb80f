package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
)

// Role is a Role or a ClusterRole with the rules the authorizer reads.
type Role struct {
	Kind      string // "Role" or "ClusterRole"
	Namespace string // "" for a ClusterRole
	Name      string
	// Rules are the rules the authorizer uses: for an aggregated
	// ClusterRole read from files, the aggregated ones.
	Rules       []rbacv1.PolicyRule
	Labels      map[string]string
	Annotations map[string]string
	Aggregation *rbacv1.AggregationRule
	// Object is where the role came from; nil for built-in defaults that
	// were not in the input.
	Object *inventory.Object

	ref string // Ref, once the role is placed
}

// Ref is "ClusterRole/NAME" or "Role/NAMESPACE/NAME".
func (r *Role) Ref() string {
	if r.ref != "" {
		return r.ref
	}
	if r.Kind == "ClusterRole" {
		return "ClusterRole/" + r.Name
	}
	return "Role/" + r.Namespace + "/" + r.Name
}

// Binding is a RoleBinding or a ClusterRoleBinding, resolved to its role.
type Binding struct {
	Kind      string // "RoleBinding" or "ClusterRoleBinding"
	Namespace string // "" for a ClusterRoleBinding
	Name      string
	RoleRef   rbacv1.RoleRef
	Subjects  []rbacv1.Subject
	Labels    map[string]string
	// Role is nil when the referenced role does not exist (the binding
	// then grants nothing, as in the API server).
	Role   *Role
	Object *inventory.Object

	ref string // Ref, computed once the binding is placed
	id  string // short and unique in its policy, for keys
}

// Ref is "ClusterRoleBinding/NAME" or "RoleBinding/NAMESPACE/NAME".
func (b *Binding) Ref() string {
	if b.ref != "" {
		return b.ref
	}
	if b.Kind == "ClusterRoleBinding" {
		return "ClusterRoleBinding/" + b.Name
	}
	return "RoleBinding/" + b.Namespace + "/" + b.Name
}

// Problem is something in the RBAC objects that makes part of them inert
// or ambiguous: a binding to a missing role, a bad aggregation selector.
type Problem struct {
	Ref     string
	Message string
}

// Options control how a Policy is built.
type Options struct {
	// Aggregate recomputes the rules of aggregated ClusterRoles from their
	// selectors, as the cluster's aggregation controller does. Needed for
	// manifests; a live cluster's roles already hold the merged rules.
	Aggregate bool
}

// Policy is a set of RBAC objects, indexed for authorization questions.
// It is read-only once built and safe for concurrent use.
type Policy struct {
	clusterRoles    map[string]*Role
	roles           map[string]*Role // "namespace/name"
	clusterBindings []*Binding
	bindings        map[string][]*Binding // by namespace
	byRole          map[*Role][]*Binding

	clusterSubjects subjectIndex
	nsSubjects      map[string]*subjectIndex
	// nsOfUser and nsOfGroup list the namespaces where RoleBindings name a
	// user (ServiceAccounts by user name) or a group.
	nsOfUser, nsOfGroup map[string][]string

	rules ruleIndex

	nBindings      int
	sortedRoles    []*Role
	sortedBindings []*Binding

	// aggregatedInto maps a ClusterRole to the aggregated ClusterRoles
	// whose selectors pick it.
	aggregatedInto map[*Role][]*Role

	// Problems found while building, sorted by Ref.
	Problems []Problem
}

// subjectIndex finds the bindings that name a user (ServiceAccounts under
// their user name) or a group.
type subjectIndex struct {
	users  map[string][]*Binding
	groups map[string][]*Binding
}

func (s *subjectIndex) add(key string, group bool, b *Binding) {
	m := &s.users
	if group {
		m = &s.groups
	}
	if *m == nil {
		*m = map[string][]*Binding{}
	}
	list := (*m)[key]
	if len(list) > 0 && list[len(list)-1] == b {
		return // the same binding names the subject twice
	}
	(*m)[key] = append(list, b)
}

// Input is the RBAC objects a Policy is built from.
type Input struct {
	Roles               []*rbacv1.Role
	ClusterRoles        []*rbacv1.ClusterRole
	RoleBindings        []*rbacv1.RoleBinding
	ClusterRoleBindings []*rbacv1.ClusterRoleBinding
	// Objects maps a typed object back to its inventory object, for
	// evidence; optional.
	Objects map[any]*inventory.Object
}

// InputFrom collects the RBAC objects of an inventory.
func InputFrom(inv *inventory.Inventory) Input {
	in := Input{Objects: map[any]*inventory.Object{}}
	for _, o := range inv.ByKind("Role") {
		if r, ok := o.Typed.(*rbacv1.Role); ok {
			in.Roles = append(in.Roles, r)
			in.Objects[r] = o
		}
	}
	for _, o := range inv.ByKind("ClusterRole") {
		if r, ok := o.Typed.(*rbacv1.ClusterRole); ok {
			in.ClusterRoles = append(in.ClusterRoles, r)
			in.Objects[r] = o
		}
	}
	for _, o := range inv.ByKind("RoleBinding") {
		if b, ok := o.Typed.(*rbacv1.RoleBinding); ok {
			in.RoleBindings = append(in.RoleBindings, b)
			in.Objects[b] = o
		}
	}
	for _, o := range inv.ByKind("ClusterRoleBinding") {
		if b, ok := o.Typed.(*rbacv1.ClusterRoleBinding); ok {
			in.ClusterRoleBindings = append(in.ClusterRoleBindings, b)
			in.Objects[b] = o
		}
	}
	return in
}

// New builds and indexes a Policy. Later objects of the same identity
// replace earlier ones, as a later apply would.
func New(in Input, opts Options) *Policy {
	p := &Policy{
		clusterRoles: map[string]*Role{},
		roles:        map[string]*Role{},
		bindings:     map[string][]*Binding{},
		byRole:       map[*Role][]*Binding{},
		nsSubjects:   map[string]*subjectIndex{},
		nsOfUser:     map[string][]string{},
		nsOfGroup:    map[string][]string{},
	}
	for _, r := range in.ClusterRoles {
		p.clusterRoles[r.Name] = &Role{Kind: "ClusterRole", Name: r.Name, Rules: r.Rules, Labels: r.Labels,
			Annotations: r.Annotations, Aggregation: r.AggregationRule, Object: in.Objects[r]}
	}
	for _, r := range in.Roles {
		ns := p.namespaceOf("Role", r.Namespace, r.Name)
		p.roles[ns+"/"+r.Name] = &Role{Kind: "Role", Namespace: ns, Name: r.Name, Rules: r.Rules,
			Labels: r.Labels, Annotations: r.Annotations, Object: in.Objects[r]}
	}
	for _, r := range p.clusterRoles {
		r.ref = r.Ref()
	}
	for _, r := range p.roles {
		r.ref = r.Ref()
	}
	if opts.Aggregate {
		p.aggregate()
	}
	p.aggregatedInto = aggregationEdges(p.clusterRoles)
	p.sortedRoles = p.sortRoles()

	seen := map[string]int{}
	var all []*Binding
	add := func(b *Binding) {
		if i, ok := seen[b.Ref()]; ok {
			all[i] = b
			return
		}
		seen[b.Ref()] = len(all)
		all = append(all, b)
	}
	for _, b := range in.ClusterRoleBindings {
		add(&Binding{Kind: "ClusterRoleBinding", Name: b.Name, RoleRef: b.RoleRef, Subjects: b.Subjects,
			Labels: b.Labels, Object: in.Objects[b]})
	}
	for _, b := range in.RoleBindings {
		add(&Binding{Kind: "RoleBinding", Namespace: p.namespaceOf("RoleBinding", b.Namespace, b.Name), Name: b.Name, RoleRef: b.RoleRef,
			Subjects: b.Subjects, Labels: b.Labels, Object: in.Objects[b]})
	}
	// The API server visits bindings in name order (its listers sort by
	// key); so do we, which also makes every answer deterministic.
	sort.Slice(all, func(i, j int) bool { return all[i].Ref() < all[j].Ref() })
	for _, b := range all {
		p.addBinding(b)
	}
	p.rules = buildRuleIndex(p)
	p.sortedBindings = p.sortBindings()
	sort.Slice(p.Problems, func(i, j int) bool {
		if p.Problems[i].Ref != p.Problems[j].Ref {
			return p.Problems[i].Ref < p.Problems[j].Ref
		}
		return p.Problems[i].Message < p.Problems[j].Message
	})
	return p
}

func (p *Policy) addBinding(b *Binding) {
	b.ref = ""
	b.ref = b.Ref()
	b.id = strconv.Itoa(p.nBindings)
	p.nBindings++
	switch b.RoleRef.Kind {
	case "ClusterRole":
		b.Role = p.clusterRoles[b.RoleRef.Name]
	case "Role":
		if b.Kind == "RoleBinding" {
			b.Role = p.roles[b.Namespace+"/"+b.RoleRef.Name]
		} else {
			p.problem(b.Ref(), "a ClusterRoleBinding cannot refer to a Role")
		}
	default:
		p.problem(b.Ref(), fmt.Sprintf("unsupported roleRef kind %q", b.RoleRef.Kind))
	}
	if b.Role == nil && (b.RoleRef.Kind == "ClusterRole" || (b.RoleRef.Kind == "Role" && b.Kind == "RoleBinding")) {
		p.problem(b.Ref(), fmt.Sprintf("refers to %s %q, which does not exist: it grants nothing until one with that name is created", b.RoleRef.Kind, b.RoleRef.Name))
	}
	if b.Role != nil {
		p.byRole[b.Role] = append(p.byRole[b.Role], b)
	}

	idx := &p.clusterSubjects
	if b.Kind == "RoleBinding" {
		idx = p.nsSubjects[b.Namespace]
		if idx == nil {
			idx = &subjectIndex{}
			p.nsSubjects[b.Namespace] = idx
		}
		p.bindings[b.Namespace] = append(p.bindings[b.Namespace], b)
	} else {
		p.clusterBindings = append(p.clusterBindings, b)
	}
	nsOf := func(m map[string][]string, key string) {
		if b.Kind != "RoleBinding" {
			return
		}
		if list := m[key]; len(list) == 0 || list[len(list)-1] != b.Namespace {
			m[key] = append(list, b.Namespace)
		}
	}
	for _, s := range b.Subjects {
		switch s.Kind {
		case rbacv1.UserKind:
			idx.add(s.Name, false, b)
			nsOf(p.nsOfUser, s.Name)
		case rbacv1.GroupKind:
			idx.add(s.Name, true, b)
			nsOf(p.nsOfGroup, s.Name)
		case rbacv1.ServiceAccountKind:
			ns := s.Namespace
			if ns == "" {
				ns = b.Namespace
			}
			if ns == "" {
				p.problem(b.Ref(), fmt.Sprintf("ServiceAccount subject %q has no namespace: it never matches", s.Name))
				continue
			}
			idx.add(serviceaccount.MakeUsername(ns, s.Name), false, b)
			nsOf(p.nsOfUser, serviceaccount.MakeUsername(ns, s.Name))
		default:
			p.problem(b.Ref(), fmt.Sprintf("subject kind %q never matches", s.Kind))
		}
	}
}

// namespaceOf places a namespaced object that names no namespace in
// "default", where kubectl apply without -n puts it, and says so.
func (p *Policy) namespaceOf(kind, ns, name string) string {
	if ns != "" {
		return ns
	}
	p.problem(kind+"/"+name, "has no metadata.namespace; taken to be in default, where kubectl apply without -n would put it")
	return "default"
}

// aggregationEdges finds, for every ClusterRole, the aggregated roles
// whose selectors pick it (whatever rules they hold now).
func aggregationEdges(roles map[string]*Role) map[*Role][]*Role {
	out := map[*Role][]*Role{}
	for _, agg := range roles {
		if agg.Aggregation == nil {
			continue
		}
		for i := range agg.Aggregation.ClusterRoleSelectors {
			sel, err := metav1.LabelSelectorAsSelector(&agg.Aggregation.ClusterRoleSelectors[i])
			if err != nil {
				continue
			}
			for _, r := range roles {
				if r != agg && sel.Matches(labels.Set(r.Labels)) && !slices.Contains(out[r], agg) {
					out[r] = append(out[r], agg)
				}
			}
		}
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b *Role) int { return strings.Compare(a.Name, b.Name) })
	}
	return out
}

// AggregatedInto lists the aggregated ClusterRoles that take in a role's
// rules, directly or through others.
func (p *Policy) AggregatedInto(r *Role) []*Role {
	var out []*Role
	seen := map[*Role]bool{r: true}
	queue := []*Role{r}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, agg := range p.aggregatedInto[x] {
			if !seen[agg] {
				seen[agg] = true
				out = append(out, agg)
				queue = append(queue, agg)
			}
		}
	}
	return out
}

func (p *Policy) problem(ref, msg string) {
	p.Problems = append(p.Problems, Problem{Ref: ref, Message: msg})
}

// aggregate replaces the rules of every ClusterRole that has an
// aggregationRule with the rules of the ClusterRoles its selectors pick,
// as the aggregation controller does: selectors in order, each one's roles
// by name, the role itself skipped, a rule added once. Aggregated roles can
// feed each other (admin takes edit, which takes view), so passes repeat
// until nothing changes; a cycle that never settles is reported.
func (p *Policy) aggregate() {
	var agg []*Role
	selectors := map[*Role][]labels.Selector{}
	for _, r := range p.clusterRoles {
		if r.Aggregation == nil {
			continue
		}
		var sels []labels.Selector
		ok := true
		for i := range r.Aggregation.ClusterRoleSelectors {
			s, err := metav1.LabelSelectorAsSelector(&r.Aggregation.ClusterRoleSelectors[i])
			if err != nil {
				p.problem(r.Ref(), "aggregationRule: "+err.Error()+"; its rules are left as written")
				ok = false
				break
			}
			sels = append(sels, s)
		}
		if ok {
			agg = append(agg, r)
			selectors[r] = sels
		}
	}
	if len(agg) == 0 {
		return
	}
	slices.SortFunc(agg, func(a, b *Role) int { return strings.Compare(a.Name, b.Name) })
	names := make([]string, 0, len(p.clusterRoles))
	for n := range p.clusterRoles {
		names = append(names, n)
	}
	sort.Strings(names)

	p.reportAggregationCycles(agg, selectors)
	for pass := 0; pass <= len(agg)+1; pass++ {
		changed := false
		for _, r := range agg {
			var rules []rbacv1.PolicyRule
			for _, sel := range selectors[r] {
				for _, n := range names {
					other := p.clusterRoles[n]
					if other == r || !sel.Matches(labels.Set(other.Labels)) {
						continue
					}
					for _, rule := range other.Rules {
						if !slices.ContainsFunc(rules, func(x rbacv1.PolicyRule) bool { return equality.Semantic.DeepEqual(x, rule) }) {
							rules = append(rules, rule)
						}
					}
				}
			}
			if !equality.Semantic.DeepEqual(rules, r.Rules) && !(len(rules) == 0 && len(r.Rules) == 0) {
				r.Rules = rules
				changed = true
			}
		}
		if !changed {
			return
		}
	}
	for _, r := range agg {
		p.problem(r.Ref(), "aggregation does not settle (aggregated roles select each other in a cycle); rules as of the last pass")
	}
}

// reportAggregationCycles finds aggregated ClusterRoles that select each
// other (directly or through others). Their rules then depend on the order
// in which the cluster's controller happens to process them, and
// hand-written rules among them are lost; rampart's result is one of the
// possible outcomes, so it says so.
func (p *Policy) reportAggregationCycles(agg []*Role, selectors map[*Role][]labels.Selector) {
	picks := func(x, y *Role) bool {
		for _, s := range selectors[x] {
			if x != y && s.Matches(labels.Set(y.Labels)) {
				return true
			}
		}
		return false
	}
	for _, start := range agg {
		// Is start reachable from itself through other aggregated roles?
		seen := map[*Role]bool{}
		stack := []*Role{start}
		cyclic := false
		for len(stack) > 0 && !cyclic {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, y := range agg {
				if !picks(x, y) {
					continue
				}
				if y == start {
					cyclic = true
					break
				}
				if !seen[y] {
					seen[y] = true
					stack = append(stack, y)
				}
			}
		}
		if cyclic {
			p.problem(start.Ref(), "aggregated ClusterRoles select each other in a cycle: their rules depend on the order the aggregation controller processes them")
		}
	}
}

// ClusterRole returns a ClusterRole by name, or nil.
func (p *Policy) ClusterRole(name string) *Role { return p.clusterRoles[name] }

// Role returns a namespaced Role, or nil.
func (p *Policy) Role(namespace, name string) *Role { return p.roles[namespace+"/"+name] }

// Roles returns every role, ClusterRoles first, each group by name.
// Callers must not change the slice.
func (p *Policy) Roles() []*Role { return p.sortedRoles }

func (p *Policy) sortRoles() []*Role {
	out := make([]*Role, 0, len(p.clusterRoles)+len(p.roles))
	for _, r := range p.clusterRoles {
		out = append(out, r)
	}
	for _, r := range p.roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Kind == "ClusterRole") != (out[j].Kind == "ClusterRole") {
			return out[i].Kind == "ClusterRole"
		}
		return out[i].Ref() < out[j].Ref()
	})
	return out
}

// Bindings returns every binding, ClusterRoleBindings first, by name.
// Callers must not change the slice.
func (p *Policy) Bindings() []*Binding { return p.sortedBindings }

func (p *Policy) sortBindings() []*Binding {
	out := slices.Clone(p.clusterBindings)
	nss := make([]string, 0, len(p.bindings))
	for ns := range p.bindings {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		out = append(out, p.bindings[ns]...)
	}
	return out
}

// BindingsOf returns the bindings that refer to a role.
func (p *Policy) BindingsOf(r *Role) []*Binding { return p.byRole[r] }

// Namespaces lists the namespaces that hold RoleBindings, sorted.
func (p *Policy) Namespaces() []string { return sortedKeys(p.bindings) }

// namespacesOf lists, sorted and once each, the namespaces whose
// RoleBindings name the principal by user or by group (a superset of where
// they apply: a ServiceAccount subject may name another namespace's).
func (p *Policy) namespacesOf(who *Principal) []string {
	var out []string
	if who.User != "" {
		out = append(out, p.nsOfUser[who.User]...)
	}
	for _, g := range who.Groups {
		out = append(out, p.nsOfGroup[g]...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// BoundIn reports whether any RoleBinding of the namespace names the
// principal (by user, group or ServiceAccount).
func (p *Policy) BoundIn(who Principal, namespace string) bool {
	for _, b := range candidates(p.nsSubjects[namespace], &who, nil) {
		if _, ok := appliesTo(&who, b); ok {
			return true
		}
	}
	return false
}
