package rbac

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/component-helpers/auth/rbac/validation"
)

// NodeKind says what a node of the escalation graph stands for.
type NodeKind uint8

const (
	// Identity is a user, a group or a ServiceAccount, with its RBAC rights.
	Identity NodeKind = iota
	// RoleGrant is a role bound to the attacker at a scope (a namespace, or
	// cluster-wide when Namespace is "").
	RoleGrant
	// RunAs is running pods as any ServiceAccount of a namespace (every
	// namespace when Namespace is "").
	RunAs
	// PodsOf is acting as the ServiceAccounts of a namespace's existing
	// pods (every namespace when Namespace is "").
	PodsOf
	// NodeRoot is root on a node of the attacker's choosing.
	NodeRoot
	// ClusterAdmin is every right there is.
	ClusterAdmin
	// Rights stands for what a set of bindings grants. Identities that the
	// same bindings apply to (every ServiceAccount of a namespace without
	// bindings of its own, say) share one, so what those rights reach is
	// worked out once. Paths never show it: the step into it is folded into
	// the step out of it.
	Rights
)

// Node is one thing an attacker can hold.
type Node struct {
	Kind      NodeKind
	Principal Principal // Identity
	Subject   string    // Identity: user:NAME, group:NAME, sa:NS/NAME, node:*
	Role      *Role     // RoleGrant
	Namespace string    // RoleGrant, RunAs, PodsOf
	key       string
	id        int32 // dense, for the analysis's scratch arrays

	// bound is, for a Rights node, the ClusterRoleBindings (crbs) and,
	// per namespace, the RoleBindings that apply (one walk, reused).
	crbs  string
	bound []nsBindings
	// groupRights, when set, holds the rights of the principal's groups:
	// this node adds only the namespaces in bound.
	groupRights *Node

	// edges and toAdmin are set once and then only read.
	edges   atomic.Pointer[[]Edge]
	toAdmin atomic.Pointer[[]Edge]
}

func (n *Node) String() string {
	scope := func() string {
		if n.Namespace == "" {
			return "every namespace"
		}
		return "namespace " + n.Namespace
	}
	switch n.Kind {
	case Identity:
		return n.Subject
	case RoleGrant:
		if n.Namespace == "" {
			return n.Role.Ref() + " cluster-wide"
		}
		return n.Role.Ref() + " in namespace " + n.Namespace
	case RunAs:
		return "any ServiceAccount of " + scope()
	case PodsOf:
		return "the ServiceAccounts of running pods of " + scope()
	case NodeRoot:
		return "root on a node"
	case ClusterAdmin:
		return "cluster-admin"
	case Rights:
		return "the rights of " + n.Subject
	}
	return n.key
}

// Key identifies the node (stable across runs, for JSON and DOT).
func (n *Node) Key() string { return n.key }

// Edge is one step an attacker can take, with the permissions that allow
// it as evidence.
type Edge struct {
	From, To *Node
	// Primitive names the technique, e.g. "create pods", "bind".
	Primitive string
	// How says it in a sentence.
	How      string
	Evidence []Grant
}

// Graph is the escalation graph over a policy and a cluster state. Edges
// are computed the first time a node is expanded and then kept, so the
// analysis of many subjects shares the work. Safe for concurrent use:
// nodes may be expanded in parallel (Prepare does), and the graph's lock
// is held only to look up and add nodes and cached parts, never while
// expanding.
type Graph struct {
	policy *Policy
	state  State

	mu    sync.Mutex
	nodes map[string]*Node
	// toward holds, after Prepare, each node's first step on a shortest
	// way to cluster-admin and to root on a node.
	toward map[NodeKind]map[*Node]Edge
	// digests are short stand-ins for the keys of group rights nodes.
	digests map[*Node]string
	// sas finds the identity nodes of ServiceAccounts.
	sas map[saKey]*Node
	// byGroups caches the rights nodes of sets of groups.
	byGroups map[string]*Node
	// scoped caches namespaced() by scope and applicable bindings.
	scoped map[string][]Edge
	// groupSteps caches namespacedSteps() of a set of groups in a
	// namespace (see inertIn).
	groupSteps map[string][]Edge
	// inert are the bindings whose rules take no step in a namespace
	// (read-only rules that cannot read Secrets); exact turns off the
	// shortcut they allow (for the test that holds it to the long way).
	inert map[*Binding]bool
	exact bool
	// scratch holds Worst's reusable search arrays.
	scratch sync.Pool

	everything *Role
	// nsWithBindings are the namespaces that hold RoleBindings, sorted.
	nsWithBindings []string
	// users and groups named by some binding (impersonation and
	// certificate targets).
	users, groups []string
}

// noBindings is a namespace name no object can have; asking in it gives
// what ClusterRoleBindings alone grant in every namespace.
const noBindings = "\x00every-namespace"

// NewGraph prepares an escalation graph.
func NewGraph(p *Policy, st State) *Graph {
	// Most nodes are identities and their rights: room for them from the
	// start spares the maps growing step by step.
	sas := 0
	for _, names := range st.ServiceAccounts {
		sas += len(names)
	}
	g := &Graph{policy: p, state: st, nodes: make(map[string]*Node, 2*sas+len(p.Bindings())), scoped: map[string][]Edge{}, byGroups: map[string]*Node{},
		groupSteps: map[string][]Edge{}, inert: map[*Binding]bool{}, sas: make(map[saKey]*Node, sas), digests: map[*Node]string{},
		everything: &Role{Kind: "ClusterRole", Name: "(any rules it writes)", Rules: []rbacv1.PolicyRule{
			{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}}}
	for ns := range p.nsSubjects {
		g.nsWithBindings = append(g.nsWithBindings, ns)
	}
	sort.Strings(g.nsWithBindings)
	users, groups := map[string]bool{}, map[string]bool{}
	for _, b := range p.Bindings() {
		if b.Role != nil && inertRules(b.Role.Rules) {
			g.inert[b] = true
		}
		for _, s := range b.Subjects {
			switch s.Kind {
			case rbacv1.UserKind:
				users[s.Name] = true
			case rbacv1.GroupKind:
				groups[s.Name] = true
			}
		}
	}
	g.users, g.groups = sortedKeys(users), sortedKeys(groups)
	return g
}

func (g *Graph) node(key string, mk func() *Node) *Node {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n, ok := g.nodes[key]; ok {
		return n
	}
	n := mk()
	n.key = key
	n.id = int32(len(g.nodes)) // #nosec G115 -- far fewer nodes than 2^31
	g.nodes[key] = n
	return n
}

// IdentityNode is the node of a principal; subject is how it is written
// (user:NAME, group:NAME, sa:NS/NAME).
func (g *Graph) IdentityNode(subject string, p Principal) *Node {
	return g.identity(subject, p)
}

func (g *Graph) identity(subject string, p Principal) *Node {
	return g.node("id:"+subject+"|"+strings.Join(p.Groups, ","), func() *Node {
		return &Node{Kind: Identity, Subject: subject, Principal: p}
	})
}

// serviceAccount is the identity node of a ServiceAccount. Steps lead to
// the same ServiceAccounts again and again (every pod runner reaches every
// ServiceAccount of its namespace): the node is looked up by namespace and
// name before its principal and key are put together.
func (g *Graph) serviceAccount(ns, name string) *Node {
	k := saKey{ns, name}
	g.mu.Lock()
	n := g.sas[k]
	g.mu.Unlock()
	if n != nil {
		return n
	}
	n = g.identity("sa:"+ns+"/"+name, Principal{User: serviceaccount.MakeUsername(ns, name),
		Groups: append(serviceaccount.MakeGroupNames(ns), user.AllAuthenticated)})
	g.mu.Lock()
	g.sas[k] = n
	g.mu.Unlock()
	return n
}

type saKey struct{ ns, name string }

func (g *Graph) user(name string) *Node {
	return g.identity("user:"+name, Principal{User: name, Groups: []string{user.AllAuthenticated}})
}

func (g *Graph) group(name string) *Node {
	groups := []string{name}
	if name != user.AllUnauthenticated && name != user.AllAuthenticated {
		groups = append(groups, user.AllAuthenticated)
	}
	return g.identity("group:"+name, Principal{Groups: groups})
}

func (g *Graph) special(kind NodeKind, ns string) *Node {
	return g.node(fmt.Sprintf("k%d:%s", kind, ns), func() *Node { return &Node{Kind: kind, Namespace: ns} })
}

func (g *Graph) grant(r *Role, ns string) *Node {
	return g.node("grant:"+r.Ref()+"@"+ns, func() *Node { return &Node{Kind: RoleGrant, Role: r, Namespace: ns} })
}

// nsBindings are the RoleBindings of one namespace that apply to a
// principal, as a key.
type nsBindings struct{ ns, key string }

// rightsOf returns the rights node of an identity: one per distinct set of
// applicable bindings. An identity that no ClusterRoleBinding names by its
// own name holds, in every namespace where no RoleBinding names it either,
// exactly the rights of its groups: those are worked out once per set of
// groups (a node of their own) and shared by every member, and only the
// namespaces of its own RoleBindings are worked out for it. (A step that
// needs a right of its own and, at cluster scope, a right of its groups is
// the one combination this may miss.)
func (g *Graph) rightsOf(n *Node) *Node {
	p := g.policy
	own := n.Principal.User != "" && (len(p.clusterSubjects.users[n.Principal.User]) > 0)
	if own || n.Principal.User == "" {
		return g.fullRights(n.Principal, n.Subject)
	}
	gkey := strings.Join(n.Principal.Groups, ",")
	g.mu.Lock()
	groups := g.byGroups[gkey]
	g.mu.Unlock()
	if groups == nil {
		// Two expansions may both get here: fullRights returns the same
		// node to each.
		groups = g.fullRights(Principal{Groups: n.Principal.Groups}, "members of "+strings.Join(n.Principal.Groups, ", "))
		g.mu.Lock()
		g.byGroups[gkey] = groups
		g.mu.Unlock()
	}
	var bound []nsBindings
	var key strings.Builder
	// The groups' node stands in the key by a digest of its own key, which
	// lists every binding of the groups (kilobytes when system:authenticated
	// is bound in many namespaces): short, and the same from run to run.
	key.WriteString("rights+:")
	key.WriteString(g.digest(groups))
	for _, ns := range p.nsOfUser[n.Principal.User] {
		if ids := p.roleBindingIDs(&n.Principal, ns); ids != "" {
			bound = append(bound, nsBindings{ns, ids})
			writeScope(&key, ns, ids)
		}
	}
	if len(bound) == 0 {
		return groups
	}
	return g.node(key.String(), func() *Node {
		return &Node{Kind: Rights, Principal: n.Principal, Subject: n.Subject, crbs: groups.crbs, bound: bound, groupRights: groups}
	})
}

// digest is a short, stable stand-in for a node's key.
func (g *Graph) digest(n *Node) string {
	g.mu.Lock()
	d, ok := g.digests[n]
	g.mu.Unlock()
	if !ok {
		sum := sha256.Sum256([]byte(n.key))
		d = hex.EncodeToString(sum[:16])
		g.mu.Lock()
		g.digests[n] = d
		g.mu.Unlock()
	}
	return d
}

// fullRights is the rights node of a principal, every binding walked.
func (g *Graph) fullRights(pr Principal, subject string) *Node {
	var crbs strings.Builder
	g.policy.forBindings(&pr, "", func(bd *Binding, _ rbacv1.Subject) {
		crbs.WriteString(bd.id)
		crbs.WriteByte('|')
	})
	var bound []nsBindings
	var all strings.Builder
	all.WriteString(crbs.String())
	for _, ns := range g.policy.namespacesOf(&pr) {
		if ids := g.policy.roleBindingIDs(&pr, ns); ids != "" {
			bound = append(bound, nsBindings{ns, ids})
			writeScope(&all, ns, ids)
		}
	}
	return g.node("rights:"+all.String(), func() *Node {
		return &Node{Kind: Rights, Principal: pr, Subject: subject, crbs: crbs.String(), bound: bound}
	})
}

func writeScope(b *strings.Builder, ns, ids string) {
	b.WriteByte(0)
	b.WriteString(ns)
	b.WriteByte(0)
	b.WriteString(ids)
}

// fold removes the steps into rights nodes from a path: the step out of
// one starts at the identity that holds the rights.
func fold(path []Edge) []Edge {
	var out []Edge
	var from *Node
	for _, e := range path {
		if e.To.Kind == Rights {
			if from == nil {
				from = e.From
			}
			continue
		}
		if from != nil {
			e.From, from = from, nil
		}
		out = append(out, e)
	}
	return out
}

// Allows reports whether holding the node allows the action, with the
// evidence.
func (g *Graph) Allows(n *Node, a Action) (bool, []Grant) {
	switch n.Kind {
	case Identity, Rights:
		d := g.policy.Decide(n.Principal, a)
		return d.Allowed, d.Grants
	case RoleGrant:
		if n.Namespace != "" && (a.NonResource || a.Namespace != n.Namespace) {
			return false, nil
		}
		for i := range n.Role.Rules {
			if RuleAllows(&n.Role.Rules[i], &a) {
				return true, []Grant{{Role: n.Role, Rule: i}}
			}
		}
	case ClusterAdmin:
		return true, nil
	}
	return false, nil
}

// named answers an action for every name at once: all is set when the
// node may act on any name (a rule without resourceNames), otherwise names
// holds the names its rules list, each with its evidence. It spares asking
// once per ServiceAccount, Secret or role.
func (g *Graph) named(n *Node, a Action) (all bool, allEv []Grant, names map[string][]Grant) {
	a.Name = ""
	if ok, ev := g.Allows(n, a); ok {
		return true, ev, nil
	}
	consider := func(rule *rbacv1.PolicyRule, gr Grant) {
		for _, name := range rule.ResourceNames {
			a.Name = name
			if _, dup := names[name]; !dup && RuleAllows(rule, &a) {
				if names == nil {
					names = map[string][]Grant{}
				}
				names[name] = []Grant{gr}
			}
		}
	}
	switch n.Kind {
	case Identity, Rights:
		if a.NonResource {
			return
		}
		g.policy.VisitRules(n.Principal, a.Namespace, func(gr Grant) bool {
			consider(&gr.Role.Rules[gr.Rule], gr)
			return true
		})
	case RoleGrant:
		if n.Namespace != "" && a.Namespace != n.Namespace {
			return
		}
		for i := range n.Role.Rules {
			consider(&n.Role.Rules[i], Grant{Role: n.Role, Rule: i})
		}
	}
	return
}

// scopes are the namespaces in which a node's namespaced rights differ
// from what it holds in every namespace: noBindings stands for "every
// namespace".
func (g *Graph) scopes(n *Node) []string {
	switch n.Kind {
	case Rights:
		out := []string{noBindings}
		for _, b := range n.bound {
			out = append(out, b.ns)
		}
		return out
	case Identity:
		out := []string{noBindings}
		for _, ns := range g.policy.namespacesOf(&n.Principal) {
			if g.policy.BoundIn(n.Principal, ns) {
				out = append(out, ns)
			}
		}
		return out
	case RoleGrant:
		if n.Namespace == "" {
			return []string{noBindings}
		}
		return []string{n.Namespace}
	}
	return nil
}

// Edges returns the steps out of a node, computing them once. (Two
// goroutines that expand the same node at once both compute it, to the
// same result, and the first to finish sets it.)
func (g *Graph) Edges(n *Node) []Edge {
	if e := n.edges.Load(); e != nil {
		return *e
	}
	e := g.expand(n)
	if !n.edges.CompareAndSwap(nil, &e) {
		return *n.edges.Load()
	}
	return e
}

// podCreators are the ways to make the cluster run a pod of one's design.
var podCreators = []struct {
	group, resource string
	verbs           []string
}{
	{"", "pods", []string{"create"}},
	{"apps", "deployments", []string{"create", "update", "patch"}},
	{"apps", "replicasets", []string{"create", "update", "patch"}},
	{"apps", "statefulsets", []string{"create", "update", "patch"}},
	{"apps", "daemonsets", []string{"create", "update", "patch"}},
	{"batch", "jobs", []string{"create", "update", "patch"}},
	{"batch", "cronjobs", []string{"create", "update", "patch"}},
	{"", "replicationcontrollers", []string{"create", "update", "patch"}},
}

// podTakeovers are the ways into pods that already run.
var podTakeovers = []struct {
	resource, sub string
	verbs         []string
}{
	{"pods", "exec", []string{"create"}},
	{"pods", "attach", []string{"create"}},
	{"pods", "ephemeralcontainers", []string{"update", "patch"}},
	{"pods", "", []string{"update", "patch"}},
}

func (g *Graph) expand(n *Node) []Edge {
	var out []Edge
	add := func(to *Node, primitive, how string, ev ...Grant) {
		out = append(out, Edge{From: n, To: to, Primitive: primitive, How: how, Evidence: ev})
	}
	switch n.Kind {
	case RunAs:
		if n.Namespace == "" {
			for _, ns := range g.state.Namespaces {
				add(g.special(RunAs, ns), "", "in namespace "+ns)
			}
			return out
		}
		for _, sa := range g.state.ServiceAccounts[n.Namespace] {
			add(g.serviceAccount(n.Namespace, sa), "run as", "a pod with serviceAccountName: "+sa)
		}
		return out
	case PodsOf:
		if n.Namespace == "" {
			for _, ns := range g.state.Namespaces {
				if len(g.state.PodServiceAccounts[ns]) > 0 {
					add(g.special(PodsOf, ns), "", "in namespace "+ns)
				}
			}
			return out
		}
		for _, sa := range g.state.PodServiceAccounts[n.Namespace] {
			add(g.serviceAccount(n.Namespace, sa), "token of a running pod", "read the token mounted in a pod that runs as "+sa)
		}
		return out
	case NodeRoot:
		for _, r := range g.state.NodeServiceAccounts {
			add(g.serviceAccount(r.Namespace, r.Name), "token on the node", "a DaemonSet pod on every node runs as "+r.Name)
		}
		add(g.identity("node:*", Principal{User: "system:node:*", Groups: []string{user.NodesGroup, user.AllAuthenticated}}),
			"kubelet credentials", "the node's kubelet client certificate")
		return out
	case ClusterAdmin:
		return nil
	}

	// An identity holds the rights of the bindings that apply to it.
	if n.Kind == Identity {
		if n.Principal.inGroup(user.SystemPrivilegedGroup) {
			add(g.special(ClusterAdmin, ""), "system:masters", "member of system:masters, which bypasses authorization")
			return out
		}
		add(g.rightsOf(n), "", "holds the rights of its bindings")
		return out
	}
	// Rights and role grants: what they let the holder reach.
	if ok, ev := g.Allows(n, Action{Verb: "*", APIGroup: "*", Resource: "*"}); ok {
		add(g.special(ClusterAdmin, ""), "all rights", "holds every verb on every resource cluster-wide", ev...)
		return out
	}
	if n.Kind == Rights {
		if n.groupRights != nil {
			// What the groups reach, shared; then the namespaces of the
			// identity's own RoleBindings.
			out = append(out, Edge{From: n, To: n.groupRights, How: "holds the rights of its groups"})
			for _, b := range n.bound {
				if g.inertIn(n, b.ns) {
					out = append(out, g.groupNamespacedSteps(n, b.ns)...)
					out = append(out, g.escalations(n, b.ns)...)
					continue
				}
				out = append(out, g.namespaced(n, b.ns)...)
			}
			return dedupEdges(out)
		}
		out = append(out, g.namespacedShared(n, noBindings, "")...)
		for _, b := range n.bound {
			out = append(out, g.namespacedShared(n, b.ns, b.key)...)
		}
	} else {
		for _, ns := range g.scopes(n) {
			out = append(out, g.namespaced(n, ns)...)
		}
	}
	out = append(out, g.clusterWide(n, out)...)
	return dedupEdges(out)
}

// namespacedShared is namespaced for a Rights node, computed once per set
// of bindings that apply in the scope (the node's ClusterRoleBindings and
// rbs, the namespace's RoleBindings): ServiceAccounts of other namespaces, say, hold the
// same rights in a namespace (through the groups every ServiceAccount
// has), so what those rights reach there is the same but for the start.
func (g *Graph) namespacedShared(n *Node, ns, rbs string) []Edge {
	var key strings.Builder
	key.WriteString(ns)
	key.WriteByte(0)
	key.WriteString(n.crbs)
	key.WriteByte(0)
	key.WriteString(rbs)
	return g.sharedSteps(g.scoped, key.String(), n, func() []Edge { return g.namespaced(n, ns) })
}

// sharedSteps returns the steps cached under key (computing them the first
// time), as steps of n: the cache holds them for whichever node came
// first.
func (g *Graph) sharedSteps(cache map[string][]Edge, key string, n *Node, compute func() []Edge) []Edge {
	g.mu.Lock()
	cached, ok := cache[key]
	g.mu.Unlock()
	if !ok {
		cached = compute()
		g.mu.Lock()
		cache[key] = cached
		g.mu.Unlock()
	}
	out := make([]Edge, len(cached))
	for i, e := range cached {
		e.From = n
		out[i] = e
	}
	return out
}

func dedupEdges(in []Edge) []Edge {
	seen := map[*Node]bool{}
	out := in[:0]
	for _, e := range in {
		if !seen[e.To] {
			seen[e.To] = true
			out = append(out, e)
		}
	}
	return out
}

// inertRules: rules that only read, and cannot read Secrets. The steps of
// namespaced() read nothing but Secrets (P13 and the token Secrets); every
// other step needs a verb that writes, binds, escalates or impersonates.
func inertRules(rules []rbacv1.PolicyRule) bool {
	for i := range rules {
		r := &rules[i]
		for _, v := range r.Verbs {
			if v != "get" && v != "list" && v != "watch" {
				return false
			}
		}
		core := slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, rbacv1.APIGroupAll)
		if core && (slices.Contains(r.Resources, "secrets") || slices.Contains(r.Resources, rbacv1.ResourceAll)) {
			return false
		}
	}
	return true
}

// inertIn: the node's own RoleBindings of the namespace (those that name
// its user rather than its groups) are all inert, so that what it can do
// there is what its groups can do, but for escalating the roles bound to
// it (P2). Most ServiceAccounts of a cluster are bound to a role that
// reads ConfigMaps or the like; their steps are then worked out once per
// namespace and set of groups, not once per ServiceAccount.
func (g *Graph) inertIn(n *Node, ns string) bool {
	if g.exact || n.Principal.User == "" {
		return false
	}
	inert := true
	g.policy.forBindings(&n.Principal, ns, func(b *Binding, subj rbacv1.Subject) {
		if b.Kind == "RoleBinding" && subj.Kind != rbacv1.GroupKind && !g.inert[b] {
			inert = false
		}
	})
	return inert
}

// groupNamespacedSteps are namespacedSteps of the node's groups in a
// namespace, as steps of the node.
func (g *Graph) groupNamespacedSteps(n *Node, ns string) []Edge {
	return g.sharedSteps(g.groupSteps, g.digest(n.groupRights)+"\x00"+ns, n,
		func() []Edge { return g.namespacedSteps(n.groupRights, ns) })
}

// namespaced finds the steps a node can take in one namespace (noBindings:
// in every namespace).
func (g *Graph) namespaced(n *Node, ns string) []Edge {
	// P2: escalate a role that is already bound to the node.
	return append(g.namespacedSteps(n, ns), g.escalations(n, ns)...)
}

// namespacedSteps are the steps of namespaced() but P2, which depends on
// the roles bound to the node rather than on what it may do.
func (g *Graph) namespacedSteps(n *Node, ns string) []Edge {
	var out []Edge
	every := ns == noBindings
	target := ns
	if every {
		target = ""
	}
	add := func(to *Node, primitive, how string, ev ...Grant) {
		out = append(out, Edge{From: n, To: to, Primitive: primitive, How: how, Evidence: ev})
	}
	// Most questions below are about this namespace: the bindings that
	// apply in it are looked up once.
	var scope *Scope
	if n.Kind == Identity || n.Kind == Rights {
		scope = g.policy.ScopeOf(n.Principal, ns)
	}
	in := func(verb, group, resource, sub, name string) (bool, []Grant) {
		a := Action{Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Name: name, Namespace: ns}
		if scope != nil {
			d, _ := scope.Decide(a)
			return d.Allowed, d.Grants
		}
		return g.Allows(n, a)
	}
	scopeText := " in namespace " + ns
	if every {
		scopeText = " in every namespace"
	}

	// P5, P6: run a pod of one's own design.
	canRun := false
	for _, pc := range podCreators {
		for _, v := range pc.verbs {
			if ok, ev := in(v, pc.group, pc.resource, "", ""); ok {
				res := pc.resource
				if pc.group != "" {
					res += "." + pc.group
				}
				add(g.special(RunAs, target), v+" "+res, v+" "+res+scopeText+": its pods may run as any ServiceAccount there", ev...)
				canRun = true
				if g.privileged(ns) {
					add(g.special(NodeRoot, ""), v+" "+res, "Pod Security admission lets privileged pods into "+g.privilegedWhere(ns)+
						": a privileged pod with the host's filesystem and PID namespace is root on its node", ev...)
				}
				break
			}
		}
		if canRun {
			break
		}
	}
	// P16: relabel the namespace to privileged, then run a privileged pod.
	if canRun && !g.privileged(ns) {
		for _, v := range []string{"patch", "update"} {
			a := Action{Verb: v, Resource: "namespaces", Name: ns, Namespace: ns}
			which := "namespace " + ns
			if every { // any namespace, by a ClusterRoleBinding without resourceNames
				a, which = Action{Verb: v, Resource: "namespaces"}, "a namespace"
			}
			if ok, ev := g.Allows(n, a); ok {
				add(g.special(NodeRoot, ""), v+" namespaces", v+" "+which+" to pod-security.kubernetes.io/enforce=privileged, then run a privileged pod", ev...)
				break
			}
		}
	}
	// P7, P8, P9: take over running pods.
	for _, pt := range podTakeovers {
		found := false
		for _, v := range pt.verbs {
			if ok, ev := in(v, "", pt.resource, pt.sub, ""); ok {
				res := pt.resource
				if pt.sub != "" {
					res += "/" + pt.sub
				}
				add(g.special(PodsOf, target), v+" "+res, v+" "+res+scopeText+": act inside running pods, with their ServiceAccount tokens", ev...)
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	// P13: a Secret of type service-account-token gets a token minted.
	if ok, ev := in("create", "", "secrets", "", ""); ok {
		// Reading the token back needs get, list or watch (a get may name
		// the Secret just created).
		for _, v := range []string{"get", "list", "watch"} {
			if ok, rev := in(v, "", "secrets", "", ""); ok {
				add(g.special(RunAs, target), "create secrets", "create a Secret of type kubernetes.io/service-account-token"+scopeText+
					" and "+v+" it: the token controller fills it with a token of the ServiceAccount it names", append(append([]Grant{}, ev...), rev...)...)
				break
			}
		}
	}
	// P11, P12, impersonation of ServiceAccounts: one ServiceAccount at a
	// time, as resourceNames allow.
	for _, step := range []struct {
		verb, sub, primitive, how string
	}{
		{"create", "token", "create serviceaccounts/token", "request a token for %s (TokenRequest)"},
		{"impersonate", "", "impersonate serviceaccounts", "impersonate %s"},
	} {
		all, allEv, names := g.named(n, Action{Verb: step.verb, Resource: "serviceaccounts", Subresource: step.sub, Namespace: ns})
		if !all && len(names) == 0 {
			continue
		}
		if all {
			// Every ServiceAccount of the scope: what running pods as any
			// of them reaches, without an edge per ServiceAccount.
			add(g.special(RunAs, target), step.primitive, fmt.Sprintf(step.how, "any ServiceAccount")+scopeText, allEv...)
			continue
		}
		for _, nsName := range g.namespacesOf(ns) {
			sas := g.state.ServiceAccounts[nsName]
			for _, sa := range sortedKeys(names) {
				if _, found := slices.BinarySearch(sas, sa); found {
					add(g.serviceAccount(nsName, sa), step.primitive, fmt.Sprintf(step.how, sa), names[sa]...)
				}
			}
		}
	}
	if len(g.state.TokenSecrets) > 0 {
		var listEv []Grant
		listVerb := ""
		for _, v := range []string{"list", "watch"} {
			if ok, ev := in(v, "", "secrets", "", ""); ok {
				listVerb, listEv = v, ev
				break
			}
		}
		getAll, getAllEv, getNames := g.named(n, Action{Verb: "get", Resource: "secrets", Namespace: ns})
		for _, nsName := range g.namespacesOf(ns) {
			for secret, sa := range g.state.TokenSecrets[nsName] {
				switch ev, named := getNames[secret]; {
				case listVerb != "":
					add(g.serviceAccount(nsName, sa), listVerb+" secrets", listVerb+" secrets returns their data: Secret "+secret+" holds a token of "+sa, listEv...)
				case getAll:
					add(g.serviceAccount(nsName, sa), "get secrets", "get Secret "+secret+", which holds a token of "+sa, getAllEv...)
				case named:
					add(g.serviceAccount(nsName, sa), "get secrets", "get Secret "+secret+", which holds a token of "+sa, ev...)
				}
			}
		}
	}
	// P1: bind a role in the namespace, with a new RoleBinding, or by
	// adding oneself to an existing one (update and patch are checked
	// with bind too, and roleRef cannot change).
	if ok, ev := in("create", rbacv1.GroupName, "rolebindings", "", ""); ok {
		for _, nsName := range g.namespacesOf(ns) {
			out = append(out, g.binds(n, nsName, ev)...)
		}
	} else if g.mayUpdate(n, ns, "rolebindings") {
		for _, nsName := range g.namespacesOf(ns) {
			out = append(out, g.joins(n, nsName)...)
		}
	}
	return out
}

// namespacesOf lists the namespaces a scope covers.
func (g *Graph) namespacesOf(ns string) []string {
	if ns == noBindings {
		return g.state.Namespaces
	}
	return []string{ns}
}

func (g *Graph) privileged(ns string) bool {
	if ns != noBindings {
		return g.state.Privileged[ns]
	}
	for _, p := range g.state.Privileged {
		if p {
			return true
		}
	}
	return false
}

func (g *Graph) privilegedWhere(ns string) string {
	if ns != noBindings {
		return "namespace " + ns
	}
	for _, x := range g.state.Namespaces {
		if g.state.Privileged[x] {
			return "namespace " + x
		}
	}
	return "some namespace"
}

// binds: with create on rolebindings, every role the node may bind (the
// "bind" verb on that role) becomes its own in the namespace. An
// unrestricted bind is reported once, as "any role".
func (g *Graph) binds(n *Node, ns string, createEv []Grant) []Edge {
	var out []Edge
	bindAny := func(resource string) (bool, []Grant) {
		return g.Allows(n, Action{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: resource, Namespace: ns})
	}
	if ok, ev := bindAny("clusterroles"); ok {
		return []Edge{{From: n, To: g.grant(g.everything, ns), Primitive: "bind",
			How:      "create a RoleBinding in namespace " + ns + " to any ClusterRole (bind is not limited by resourceNames), cluster-admin included",
			Evidence: append(append([]Grant{}, createEv...), ev...)}}
	}
	for _, res := range []string{"clusterroles", "roles"} {
		all, allEv, names := g.named(n, Action{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: res, Namespace: ns})
		var targets []*Role
		if all { // only "roles" can get here: any Role of the namespace
			for _, r := range g.policy.Roles() {
				if r.Kind == "Role" && r.Namespace == ns {
					targets = append(targets, r)
				}
			}
		}
		for name := range names {
			if r := g.roleNamed(res, ns, name); r != nil {
				targets = append(targets, r)
			}
		}
		sort.Slice(targets, func(i, j int) bool { return targets[i].Ref() < targets[j].Ref() })
		for _, r := range targets {
			ev := allEv
			if !all {
				ev = names[r.Name]
			}
			out = append(out, Edge{From: n, To: g.grant(r, ns), Primitive: "bind",
				How:      "create a RoleBinding in namespace " + ns + " to " + r.Ref(),
				Evidence: append(append([]Grant{}, createEv...), ev...)})
		}
	}
	return out
}

// mayUpdate: may the node update or patch some object of the resource in
// the scope (by name or not)? It spares a walk over every namespace.
func (g *Graph) mayUpdate(n *Node, ns, resource string) bool {
	for _, v := range []string{"update", "patch"} {
		if all, _, names := g.named(n, Action{Verb: v, APIGroup: rbacv1.GroupName, Resource: resource, Namespace: ns}); all || len(names) > 0 {
			return true
		}
	}
	return false
}

// joins: update or patch on an existing binding (by name) and bind on its
// role let the node add itself as a subject, and so hold that role where
// the binding grants it. ns "" means ClusterRoleBindings.
func (g *Graph) joins(n *Node, ns string) []Edge {
	kind, resource := "RoleBinding", "rolebindings"
	bindings := g.policy.bindings[ns]
	if ns == "" {
		kind, resource, bindings = "ClusterRoleBinding", "clusterrolebindings", g.policy.clusterBindings
	}
	var out []Edge
	for _, v := range []string{"update", "patch"} {
		all, allEv, names := g.named(n, Action{Verb: v, APIGroup: rbacv1.GroupName, Resource: resource, Namespace: ns})
		if !all && len(names) == 0 {
			continue
		}
		for _, b := range bindings {
			if b.Role == nil {
				continue
			}
			ev, ok := names[b.Name]
			if all {
				ev, ok = allEv, true
			}
			if !ok {
				continue
			}
			res := "clusterroles"
			if b.Role.Kind == "Role" {
				res = "roles"
			}
			bok, bev := g.Allows(n, Action{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: res, Name: b.Role.Name, Namespace: ns})
			if !bok {
				continue
			}
			to := g.grant(b.Role, ns)
			if ns == "" && b.Role.Kind == "ClusterRole" && adminRole(b.Role) {
				to = g.special(ClusterAdmin, "")
			}
			out = append(out, Edge{From: n, To: to, Primitive: v + " " + resource,
				How:      fmt.Sprintf("%s %s %s to add itself as a subject (bind on %s allows it)", v, kind, b.Ref(), b.Role.Ref()),
				Evidence: append(append([]Grant{}, ev...), bev...)})
		}
		break
	}
	return out
}

// adminRole: a role with a rule of every verb on every resource.
func adminRole(r *Role) bool {
	for _, rule := range r.Rules {
		if slices.Contains(rule.Verbs, "*") && slices.Contains(rule.APIGroups, "*") && slices.Contains(rule.Resources, "*") {
			return true
		}
	}
	return false
}

func (g *Graph) roleNamed(resource, ns, name string) *Role {
	if resource == "clusterroles" {
		return g.policy.ClusterRole(name)
	}
	return g.policy.Role(ns, name)
}

// escalations: escalate plus update on a role bound to the node lets it
// write any rule into that role.
func (g *Graph) escalations(n *Node, ns string) []Edge {
	if n.Kind != Identity && n.Kind != Rights {
		return nil
	}
	var out []Edge
	every := ns == noBindings
	for _, b := range g.bindingsOf(n, ns) {
		r := b.Role
		res, roleNS := "clusterroles", ""
		if r.Kind == "Role" {
			res, roleNS = "roles", r.Namespace
		}
		var upd []Grant
		for _, v := range []string{"update", "patch"} {
			if ok, ev := g.Allows(n, Action{Verb: v, APIGroup: rbacv1.GroupName, Resource: res, Name: r.Name, Namespace: roleNS}); ok {
				upd = ev
				break
			}
		}
		if upd == nil {
			continue
		}
		ok, esc := g.Allows(n, Action{Verb: "escalate", APIGroup: rbacv1.GroupName, Resource: res, Name: r.Name, Namespace: roleNS})
		if !ok {
			continue
		}
		ev := append(append([]Grant{}, upd...), esc...)
		how := "escalate and update " + r.Ref() + ", bound to it by " + b.Ref() + ": write any rule into it"
		if b.Kind == "ClusterRoleBinding" {
			out = append(out, Edge{From: n, To: g.special(ClusterAdmin, ""), Primitive: "escalate", How: how, Evidence: ev})
		} else if !every {
			out = append(out, Edge{From: n, To: g.grant(g.everything, b.Namespace), Primitive: "escalate", How: how, Evidence: ev})
		}
	}
	return out
}

// bindingsOf are the bindings of an identity relevant to a scope: its
// ClusterRoleBindings for "every namespace", its RoleBindings of ns.
func (g *Graph) bindingsOf(n *Node, ns string) []*Binding {
	var idx *subjectIndex
	if ns == noBindings {
		idx = &g.policy.clusterSubjects
	} else {
		idx = g.policy.nsSubjects[ns]
	}
	return applying(idx, &n.Principal, nil)
}

// clusterWide finds the steps that need cluster-scoped rights.
func (g *Graph) clusterWide(n *Node, done []Edge) []Edge {
	var out []Edge
	add := func(to *Node, primitive, how string, ev ...Grant) {
		out = append(out, Edge{From: n, To: to, Primitive: primitive, How: how, Evidence: ev})
	}
	allows := func(a Action) (bool, []Grant) { return g.Allows(n, a) }
	admin := g.special(ClusterAdmin, "")

	// P1 at cluster scope.
	if ok, _ := allows(Action{Verb: "create", APIGroup: rbacv1.GroupName, Resource: "clusterrolebindings"}); !ok {
		out = append(out, g.joins(n, "")...)
	}
	if ok, cev := allows(Action{Verb: "create", APIGroup: rbacv1.GroupName, Resource: "clusterrolebindings"}); ok {
		if ok, ev := allows(Action{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: "clusterroles"}); ok {
			add(admin, "bind", "create a ClusterRoleBinding to any ClusterRole, cluster-admin included", append(append([]Grant{}, cev...), ev...)...)
		} else {
			_, _, names := g.named(n, Action{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: "clusterroles"})
			for _, name := range sortedKeys(names) {
				if r := g.policy.ClusterRole(name); r != nil {
					add(g.grant(r, ""), "bind", "create a ClusterRoleBinding to "+r.Ref(), append(append([]Grant{}, cev...), names[name]...)...)
				}
			}
		}
	}
	// P4: impersonation. The API server takes impersonated groups only
	// together with an impersonated user (or ServiceAccount), so groups
	// count only when the node may impersonate someone.
	all, allEv, names := g.named(n, Action{Verb: "impersonate", Resource: "users"})
	if all {
		for _, u := range g.users {
			add(g.user(u), "impersonate users", "impersonate the user "+u+" (any user may be impersonated)", allEv...)
		}
	} else {
		for _, u := range sortedKeys(names) {
			add(g.user(u), "impersonate users", "impersonate the user "+u, names[u]...)
		}
	}
	if as, asEv := g.impersonatesSomeone(n, all, allEv, names); as != "" {
		if ok, ev := allows(Action{Verb: "impersonate", Resource: "groups", Name: user.SystemPrivilegedGroup}); ok {
			add(admin, "impersonate groups", "impersonate "+as+" in the group system:masters, which bypasses authorization", append(append([]Grant{}, asEv...), ev...)...)
		} else {
			_, _, gnames := g.named(n, Action{Verb: "impersonate", Resource: "groups"})
			for _, grp := range sortedKeys(gnames) {
				add(g.group(grp), "impersonate groups", "impersonate "+as+" in the group "+grp, append(append([]Grant{}, asEv...), gnames[grp]...)...)
			}
		}
	}
	// P14: an approved CertificateSigningRequest. The kube-apiserver-client
	// signer issues a client certificate for any user and groups but
	// system:masters (the CertificateSubjectRestriction admission plugin,
	// on by default, refuses that group); the kubelet signer issues a
	// node's identity. Reading the certificate needs get on the request.
	out = append(out, g.certificates(n)...)
	// P15: a mutating webhook sees and rewrites every pod.
	for _, v := range []string{"create", "update", "patch"} {
		if ok, ev := allows(Action{Verb: v, APIGroup: "admissionregistration.k8s.io", Resource: "mutatingwebhookconfigurations"}); ok {
			add(g.special(RunAs, ""), v+" mutatingwebhookconfigurations", v+" a MutatingWebhookConfiguration: rewrite any pod, its ServiceAccount included", ev...)
			break
		}
	}
	// P15: a validating webhook is sent every object it registers for as
	// it is written, Secrets included: the token Secrets of every
	// namespace when the token controller fills or refreshes them.
	for _, v := range []string{"create", "update", "patch"} {
		if ok, ev := allows(Action{Verb: v, APIGroup: "admissionregistration.k8s.io", Resource: "validatingwebhookconfigurations"}); ok {
			for _, ns := range sortedKeys(g.state.TokenSecrets) {
				secrets := g.state.TokenSecrets[ns]
				for _, secret := range sortedKeys(secrets) {
					add(g.serviceAccount(ns, secrets[secret]), v+" validatingwebhookconfigurations",
						v+" a ValidatingWebhookConfiguration on Secrets: it is sent Secret "+ns+"/"+secret+", a token of "+secrets[secret]+", when it is written", ev...)
				}
			}
			break
		}
	}
	// P10: the kubelet API through the API server's node proxy.
	for _, v := range []string{"get", "create"} {
		if ok, ev := allows(Action{Verb: v, Resource: "nodes", Subresource: "proxy"}); ok {
			add(g.special(PodsOf, ""), v+" nodes/proxy", v+" nodes/proxy reaches the kubelet API: run commands in any pod of any node", ev...)
			break
		}
	}
	// P17: a hostPath PersistentVolume mounted by a pod of one's own.
	if ok, ev := allows(Action{Verb: "create", Resource: "persistentvolumes"}); ok {
		for _, e := range done {
			if e.To.Kind != RunAs {
				continue
			}
			// A pod mounts a PersistentVolume through a claim of its own
			// namespace.
			ns := e.To.Namespace
			if ns == "" {
				ns = noBindings
			}
			if ok, cev := g.Allows(n, Action{Verb: "create", Resource: "persistentvolumeclaims", Namespace: ns}); ok {
				add(g.special(NodeRoot, ""), "create persistentvolumes", "create a hostPath PersistentVolume, claim it and mount it in a pod: the host's filesystem",
					append(append(append([]Grant{}, ev...), cev...), e.Evidence...)...)
				break
			}
		}
	}
	// P18, P19: with root on a node of its own, patching node status (a
	// large advertised capacity, healthy conditions) draws other pods to
	// that node, and their tokens with them.
	for _, v := range []string{"patch", "update"} {
		ok, ev := allows(Action{Verb: v, Resource: "nodes", Subresource: "status"})
		if !ok {
			continue
		}
		rooted := false
		for _, e := range append(done, out...) {
			rooted = rooted || e.To.Kind == NodeRoot
		}
		if rooted {
			add(g.special(PodsOf, ""), v+" nodes/status", v+" nodes/status of the node it holds root on, so that the scheduler sends other pods there", ev...)
		}
		break
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// impersonatesSomeone says whom the node may impersonate as the user of a
// request ("" when nobody): a user, or a ServiceAccount by its user name.
func (g *Graph) impersonatesSomeone(n *Node, allUsers bool, allEv []Grant, users map[string][]Grant) (string, []Grant) {
	switch {
	case allUsers:
		return "any user", allEv
	case len(users) > 0:
		name := sortedKeys(users)[0]
		return "the user " + name, users[name]
	}
	for _, ns := range g.scopes(n) {
		all, ev, sas := g.named(n, Action{Verb: "impersonate", Resource: "serviceaccounts", Namespace: ns})
		where := "namespace " + ns
		if ns == noBindings {
			where = "any namespace"
		}
		if all {
			return "a ServiceAccount of " + where, ev
		}
		if len(sas) > 0 {
			name := sortedKeys(sas)[0]
			return "the ServiceAccount " + name + " of " + where, sas[name]
		}
	}
	return "", nil
}

// certificates are the identities an approved CSR yields.
func (g *Graph) certificates(n *Node) []Edge {
	const csr = "certificatesigningrequests"
	allows := func(a Action) (bool, []Grant) { return g.Allows(n, a) }
	ok, cev := allows(Action{Verb: "create", APIGroup: "certificates.k8s.io", Resource: csr})
	if !ok {
		return nil
	}
	var aev []Grant
	for _, v := range []string{"update", "patch"} {
		if ok, ev := allows(Action{Verb: v, APIGroup: "certificates.k8s.io", Resource: csr, Subresource: "approval"}); ok {
			aev = ev
			break
		}
	}
	var gev []Grant
	for _, v := range []string{"get", "list", "watch"} {
		if ok, ev := allows(Action{Verb: v, APIGroup: "certificates.k8s.io", Resource: csr}); ok {
			gev = ev
			break
		}
	}
	if aev == nil || gev == nil {
		return nil
	}
	signer := func(name string) []Grant {
		for _, x := range []string{name, "kubernetes.io/*"} {
			if ok, ev := allows(Action{Verb: "approve", APIGroup: "certificates.k8s.io", Resource: "signers", Name: x}); ok {
				return ev
			}
		}
		return nil
	}
	var out []Edge
	ev := func(sev []Grant) []Grant {
		return append(append(append(append([]Grant{}, cev...), aev...), gev...), sev...)
	}
	if sev := signer("kubernetes.io/kube-apiserver-client"); sev != nil {
		how := "create, approve and read a CertificateSigningRequest for kubernetes.io/kube-apiserver-client: a client certificate for "
		for _, u := range g.users {
			out = append(out, Edge{From: n, To: g.user(u), Primitive: "approve certificatesigningrequests", How: how + "the user " + u, Evidence: ev(sev)})
		}
		for _, grp := range g.groups {
			if grp != user.SystemPrivilegedGroup {
				out = append(out, Edge{From: n, To: g.group(grp), Primitive: "approve certificatesigningrequests", How: how + "a member of " + grp, Evidence: ev(sev)})
			}
		}
	}
	if sev := signer("kubernetes.io/kube-apiserver-client-kubelet"); sev != nil {
		out = append(out, Edge{From: n, To: g.identity("node:*", Principal{User: "system:node:*", Groups: []string{user.NodesGroup, user.AllAuthenticated}}),
			Primitive: "approve certificatesigningrequests",
			How:       "create, approve and read a CertificateSigningRequest for kubernetes.io/kube-apiserver-client-kubelet: a node's identity", Evidence: ev(sev)})
	}
	return out
}

// Reach is what one starting node can reach, with the shortest path to
// each node.
type Reach struct {
	Start *Node
	via   map[*Node]Edge
	order []*Node
}

// Reach explores the graph breadth-first from a node.
func (g *Graph) Reach(start *Node) *Reach {
	r := &Reach{Start: start, via: map[*Node]Edge{}}
	queue := []*Node{start}
	seen := map[*Node]bool{start: true}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range g.Edges(n) {
			if seen[e.To] {
				continue
			}
			seen[e.To] = true
			r.via[e.To] = e
			r.order = append(r.order, e.To)
			queue = append(queue, e.To)
		}
	}
	return r
}

// Reached lists the nodes reached, nearest first (the start excluded).
func (r *Reach) Reached() []*Node { return r.order }

// Path is the shortest chain of steps from the start to n (nil if n is
// the start or not reached).
func (r *Reach) Path(n *Node) []Edge {
	var out []Edge
	for n != r.Start {
		e, ok := r.via[n]
		if !ok {
			return nil
		}
		out = append(out, e)
		n = e.From
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return fold(out)
}

// Find returns the first node reached (nearest first) of a kind.
func (r *Reach) Find(kind NodeKind) *Node {
	for _, n := range r.order {
		if n.Kind == kind {
			return n
		}
	}
	return nil
}

// Transitive is the answer to "may this node do the action, directly or
// by any path".
type Transitive struct {
	Allowed bool
	// Direct is set when the start itself is allowed.
	Direct bool
	// Path leads to Holder, the first node (nearest) allowed; Evidence is
	// what allows Holder.
	Path     []Edge
	Holder   *Node
	Evidence []Grant
}

// CanTransitively answers for a start node: directly, else through the
// nearest node of the graph it reaches that may.
func (g *Graph) CanTransitively(start *Node, a Action) Transitive {
	if ok, ev := g.Allows(start, a); ok {
		return Transitive{Allowed: true, Direct: true, Holder: start, Evidence: ev}
	}
	r := g.Reach(start)
	for _, n := range r.Reached() {
		if n.Kind == Rights {
			continue // its identity was asked already
		}
		if ok, ev := g.Allows(n, a); ok {
			return Transitive{Allowed: true, Path: r.Path(n), Holder: n, Evidence: ev}
		}
	}
	return Transitive{}
}

// everyone are the groups whose default bindings every ServiceAccount or
// every user holds: rights through them are nobody's gain.
var everyone = map[string]bool{user.AllAuthenticated: true, user.AllUnauthenticated: true, serviceaccount.AllServiceAccountsGroup: true}

// rulesAt are the rules a node holds at a scope: namespace "" for its
// cluster-wide rules, else the rules that apply in that namespace (its
// cluster-wide ones included). Non-resource rules that a RoleBinding
// carries are left out: they have no effect there. withoutCommon leaves
// out what Kubernetes' default bindings give to everyone.
func (g *Graph) rulesAt(n *Node, ns string, withoutCommon bool) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	switch n.Kind {
	case Identity, Rights:
		g.policy.VisitRules(n.Principal, ns, func(gr Grant) bool {
			r := gr.Role.Rules[gr.Rule]
			if gr.Binding.Kind == "RoleBinding" && len(r.NonResourceURLs) > 0 {
				return true
			}
			if withoutCommon && gr.Subject.Kind == rbacv1.GroupKind && everyone[gr.Subject.Name] && IsDefault(gr.Binding.Labels) {
				return true
			}
			out = append(out, r)
			return true
		})
	case RoleGrant:
		if n.Namespace == "" || n.Namespace == ns {
			for _, r := range n.Role.Rules {
				if n.Namespace != "" && len(r.NonResourceURLs) > 0 {
					continue
				}
				out = append(out, r)
			}
		}
	}
	return out
}

// isAdmin reports whether a node already holds every right.
func (g *Graph) isAdmin(n *Node) bool {
	if n.Kind == ClusterAdmin {
		return true
	}
	if n.Kind == Identity && n.Principal.inGroup(user.SystemPrivilegedGroup) {
		return true
	}
	ok, _ := g.Allows(n, Action{Verb: "*", APIGroup: "*", Resource: "*"})
	return ok
}

// Gains reports whether holding target gives rights the start does not
// already have: somewhere (cluster-wide or in a namespace) a rule of the
// target is not covered by the start's rules there, in the sense of the
// API server's own escalation check (k8s.io/component-helpers Covers).
// Non-resource URLs are left out of the comparison. Root on a node and
// cluster-admin are gains for anyone short of admin;
// the graph's hub nodes are never gains in themselves.
func (g *Graph) Gains(start, target *Node) bool {
	if g.isAdmin(start) {
		return false
	}
	switch target.Kind {
	case ClusterAdmin, NodeRoot:
		return true
	case RunAs, PodsOf:
		return false
	}
	scopes := []string{""}
	switch target.Kind {
	case Identity:
		for _, ns := range g.policy.namespacesOf(&target.Principal) {
			if g.policy.BoundIn(target.Principal, ns) {
				scopes = append(scopes, ns)
			}
		}
	case RoleGrant:
		if target.Namespace != "" {
			scopes = []string{target.Namespace}
		}
	}
	for _, ns := range scopes {
		// Non-resource URLs (discovery, health, the issuer's keys) are not
		// counted: every ServiceAccount has a few a user lacks, and none
		// of them is power.
		var theirs []rbacv1.PolicyRule
		for _, r := range g.rulesAt(target, ns, true) {
			if len(r.NonResourceURLs) == 0 {
				theirs = append(theirs, r)
			}
		}
		if len(theirs) == 0 {
			continue
		}
		if ok, _ := validation.Covers(g.rulesAt(start, ns, false), theirs); !ok {
			return true
		}
	}
	return false
}

// Prepare expands the whole graph reachable from the starts and works out,
// by one breadth-first search backwards from cluster-admin and one from
// root on a node, every node's shortest way to each. Worst then answers
// those at once; what remains per start is the nearest gain, and the
// search for it stops there. For analysing every subject of a cluster.
func (g *Graph) Prepare(starts []*Node) {
	// Bookkeeping by node id, in slices: maps keyed by node were most of
	// this function's time on a large cluster.
	var seen []bool
	mark := func(n *Node) bool {
		for int(n.id) >= len(seen) {
			seen = append(seen, make([]bool, len(seen)+64)...)
		}
		if seen[n.id] {
			return false
		}
		seen[n.id] = true
		return true
	}
	var level []*Node
	for _, n := range starts {
		if mark(n) {
			level = append(level, n)
		}
	}
	// Breadth first, a level at a time: the nodes of a level are expanded
	// on every core, then their edges are taken in the order a one-queue
	// search would take them, so the ways found do not depend on timing.
	type edgeAt struct {
		from *Node
		i    int
	}
	var taken []edgeAt
	for len(level) > 0 {
		g.expandAll(level)
		var next []*Node
		for _, n := range level {
			for i, e := range g.Edges(n) {
				taken = append(taken, edgeAt{n, i})
				if mark(e.To) {
					next = append(next, e.To)
				}
			}
		}
		level = next
	}
	// The edges into each node, in the order taken: a counting sort by
	// the target's id.
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := len(g.nodes)
	first := make([]int32, ids+1)
	for _, t := range taken {
		first[(*t.from.edges.Load())[t.i].To.id+1]++
	}
	for i := 1; i <= ids; i++ {
		first[i] += first[i-1]
	}
	into := make([]edgeAt, len(taken))
	fill := append([]int32(nil), first[:ids]...)
	for _, t := range taken {
		to := (*t.from.edges.Load())[t.i].To.id
		into[fill[to]] = t
		fill[to]++
	}
	g.toward = map[NodeKind]map[*Node]Edge{}
	for _, kind := range []NodeKind{ClusterAdmin, NodeRoot} {
		next := map[*Node]Edge{}
		target := g.nodes[fmt.Sprintf("k%d:%s", kind, "")]
		if target != nil {
			back := []*Node{target}
			done := make([]bool, ids)
			done[target.id] = true
			for len(back) > 0 {
				n := back[0]
				back = back[1:]
				for _, t := range into[first[n.id]:first[n.id+1]] {
					if !done[t.from.id] {
						done[t.from.id] = true
						next[t.from] = (*t.from.edges.Load())[t.i]
						back = append(back, t.from)
					}
				}
			}
		}
		g.toward[kind] = next
	}
}

// expandAll computes the edges of the nodes on every core.
func (g *Graph) expandAll(nodes []*Node) {
	workers := min(runtime.GOMAXPROCS(0), len(nodes))
	if workers < 2 {
		for _, n := range nodes {
			g.Edges(n)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(nodes)); i = next.Add(1) - 1 {
				g.Edges(nodes[i])
			}
		}()
	}
	wg.Wait()
}

// towardPath follows a prepared way from n to a kind's node.
func (g *Graph) towardPath(n *Node, kind NodeKind) []Edge {
	next := g.toward[kind]
	var out []Edge
	for e, ok := next[n]; ok; e, ok = next[e.To] {
		out = append(out, e)
		if e.To.Kind == kind {
			break
		}
	}
	return out
}

// Worst is the most severe node a start reaches that gives it rights it
// does not have: cluster-admin, else root on a node, else the nearest
// identity or role with a gain; nil when there is none, with the shortest
// path to it. It is built for analysing every subject of a cluster: the
// search stops at cluster-admin, a node already known to lead there ends
// it at once, its bookkeeping lives in reused arrays indexed by node, and
// the costly gain test runs only when nothing more severe was found.
func (g *Graph) Worst(start *Node) (*Node, []Edge) {
	if g.isAdmin(start) {
		return nil, nil
	}
	if known := start.toAdmin.Load(); known != nil {
		return (*known)[len(*known)-1].To, fold(*known)
	}
	g.mu.Lock()
	prepared := g.toward != nil
	g.mu.Unlock()
	if prepared {
		if p := g.towardPath(start, ClusterAdmin); len(p) > 0 {
			return p[len(p)-1].To, fold(p)
		}
		if p := g.towardPath(start, NodeRoot); len(p) > 0 {
			return p[len(p)-1].To, fold(p)
		}
		return g.nearestGain(start)
	}
	sc, _ := g.scratch.Get().(*bfsScratch)
	if sc == nil {
		sc = &bfsScratch{}
	}
	defer g.scratch.Put(sc)
	sc.reset()
	sc.visit(start, Edge{}, -1)
	var root, firstIdentity int32 = -1, -1
	var order []int32
	// The shortest way to cluster-admin found so far: to position best,
	// then bestTail (a path known from that node on).
	bestLen, best := -1, int32(-1)
	var bestTail []Edge
	for head := 0; head < len(sc.nodes); head++ {
		cur := int32(head) // #nosec G115 -- bounded by the node count
		d := int(sc.depth[cur])
		if bestLen >= 0 && d >= bestLen {
			break // every path from here on is longer
		}
		n := sc.nodes[cur]
		if tail := n.toAdmin.Load(); tail != nil && n != start {
			// Known to lead to cluster-admin, by a shortest path from it.
			if l := d + len(*tail); bestLen < 0 || l < bestLen {
				bestLen, best, bestTail = l, cur, *tail
			}
			continue
		}
		for _, e := range g.Edges(n) {
			if !sc.visit(e.To, e, cur) {
				continue
			}
			i := int32(len(sc.nodes) - 1) // #nosec G115 -- bounded by the node count
			switch e.To.Kind {
			case ClusterAdmin:
				if bestLen < 0 || d+1 < bestLen {
					bestLen, best, bestTail = d+1, i, nil
				}
			case NodeRoot:
				if root < 0 {
					root = i
				}
			case Identity, RoleGrant:
				order = append(order, i)
			}
		}
	}
	if bestLen >= 0 {
		path := append(sc.path(best), bestTail...)
		g.remember(start, path)
		return path[len(path)-1].To, fold(path)
	}
	if root >= 0 {
		return sc.nodes[root], fold(sc.path(root))
	}
	for _, i := range order {
		if firstIdentity < 0 && g.Gains(start, sc.nodes[i]) {
			firstIdentity = i
			break
		}
	}
	if firstIdentity >= 0 {
		return sc.nodes[firstIdentity], fold(sc.path(firstIdentity))
	}
	return nil, nil
}

// nearestGain searches forward from start for the nearest identity or role
// with rights it lacks, and stops there.
func (g *Graph) nearestGain(start *Node) (*Node, []Edge) {
	sc, _ := g.scratch.Get().(*bfsScratch)
	if sc == nil {
		sc = &bfsScratch{}
	}
	defer g.scratch.Put(sc)
	sc.reset()
	sc.visit(start, Edge{}, -1)
	for head := 0; head < len(sc.nodes); head++ {
		cur := int32(head) // #nosec G115 -- bounded by the node count
		for _, e := range g.Edges(sc.nodes[cur]) {
			if !sc.visit(e.To, e, cur) {
				continue
			}
			i := int32(len(sc.nodes) - 1) // #nosec G115 -- bounded by the node count
			if (e.To.Kind == Identity || e.To.Kind == RoleGrant) && g.Gains(start, e.To) {
				return e.To, fold(sc.path(i))
			}
		}
	}
	return nil, nil
}

// remember records a path to cluster-admin for the start node and for
// every node along it (each keeps the first it is given).
func (g *Graph) remember(start *Node, path []Edge) {
	start.toAdmin.CompareAndSwap(nil, &path)
	for i := 1; i < len(path); i++ {
		tail := path[i:]
		path[i].From.toAdmin.CompareAndSwap(nil, &tail)
	}
}

// bfsScratch is one breadth-first search's bookkeeping: visit stamps and
// parents indexed by node id, the queue, reused across searches.
type bfsScratch struct {
	epoch  uint32
	stamp  []uint32
	nodes  []*Node // queue positions → nodes
	depth  []int32 // positions → distance from the start
	parent []int32 // positions → parent position
	via    []Edge  // positions → the edge that reached it
}

func (sc *bfsScratch) reset() {
	sc.epoch++
	sc.nodes, sc.depth, sc.parent, sc.via = sc.nodes[:0], sc.depth[:0], sc.parent[:0], sc.via[:0]
}

// visit enqueues a node not seen in this search.
func (sc *bfsScratch) visit(n *Node, via Edge, parent int32) bool {
	id := int(n.id)
	if id >= len(sc.stamp) {
		grow := max(id+1, 2*len(sc.stamp))
		sc.stamp = append(sc.stamp, make([]uint32, grow-len(sc.stamp))...)
	}
	if sc.stamp[id] == sc.epoch {
		return false
	}
	sc.stamp[id] = sc.epoch
	sc.nodes = append(sc.nodes, n)
	d := int32(0)
	if parent >= 0 {
		d = sc.depth[parent] + 1
	}
	sc.depth = append(sc.depth, d)
	sc.parent = append(sc.parent, parent)
	sc.via = append(sc.via, via)
	return true
}

// path is the chain of edges from the search's start to position i.
func (sc *bfsScratch) path(i int32) []Edge {
	var out []Edge
	for ; sc.parent[i] >= 0; i = sc.parent[i] {
		out = append(out, sc.via[i])
	}
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out
}
