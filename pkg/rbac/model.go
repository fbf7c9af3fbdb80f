package rbac

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/rbac/builtin"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// Model is everything rampart knows about authorization in one input: the
// policy, the resource catalog and the escalation graph.
type Model struct {
	Policy  *Policy
	Catalog *Catalog
	State   State
	// Live says the objects came from a cluster (aggregated roles as the
	// server holds them, no defaults added).
	Live bool

	graphOnce sync.Once
	graph     *Graph
}

// ModelOptions control how a model is built.
type ModelOptions struct {
	// Live: the inventory was read from a cluster.
	Live bool
	// NoDefaults leaves Kubernetes' default roles and bindings out of a
	// manifest analysis.
	NoDefaults bool
	// UnlabelledRestricted assumes that namespaces without a Pod Security
	// enforce label do not admit privileged pods (a cluster-wide default
	// in the admission configuration, say). By default they do, as
	// Kubernetes' own default is privileged.
	UnlabelledRestricted bool
}

// NewModel builds the model of an inventory. Manifests get Kubernetes'
// default roles and bindings (unless they define their own of the same
// name) and aggregation recomputed; a live cluster is taken as it is.
func NewModel(inv *inventory.Inventory, opts ModelOptions) *Model {
	in := InputFrom(inv)
	if !opts.Live && !opts.NoDefaults {
		in = in.WithDefaults()
	}
	m := &Model{Policy: New(in, Options{Aggregate: !opts.Live}), Catalog: NewCatalog(), State: StateFrom(inv), Live: opts.Live}
	if !opts.Live {
		// Manifests seldom carry every ServiceAccount their bindings name
		// (a chart's SA may come from another); a bound ServiceAccount is
		// taken to exist. A live cluster says for itself.
		m.State.addBoundServiceAccounts(m.Policy, !opts.NoDefaults)
	}
	if opts.UnlabelledRestricted {
		for ns := range m.State.Privileged {
			if !m.State.Labelled[ns] {
				m.State.Privileged[ns] = false
			}
		}
	}
	for _, o := range inv.ByKind("CustomResourceDefinition") {
		crd, ok := o.Typed.(*apiextensionsv1.CustomResourceDefinition)
		if !ok {
			continue
		}
		version := ""
		for _, v := range crd.Spec.Versions {
			if v.Storage {
				version = v.Name
			}
		}
		m.Catalog.Add(builtin.Resource{Group: crd.Spec.Group, Version: version, Resource: crd.Spec.Names.Plural,
			Kind: crd.Spec.Names.Kind, Singular: crd.Spec.Names.Singular, ShortNames: crd.Spec.Names.ShortNames,
			Namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped})
	}
	return m
}

// Graph returns the escalation graph, built on first use.
func (m *Model) Graph() *Graph {
	m.graphOnce.Do(func() { m.graph = NewGraph(m.Policy, m.State) })
	return m.graph
}

// Node returns the graph node of a subject as the commands write it.
func (m *Model) Node(subject string, p Principal) *Node { return m.Graph().IdentityNode(subject, p) }

// Subjects lists every identity the objects name: the subjects of all
// bindings (ServiceAccounts with their namespace filled in) and every
// ServiceAccount of the state, sorted.
func (m *Model) Subjects() []string {
	set := map[string]bool{}
	for _, b := range m.Policy.Bindings() {
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
				s.Namespace = b.Namespace
			}
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
				continue
			}
			switch s.Kind {
			case rbacv1.UserKind, rbacv1.GroupKind, rbacv1.ServiceAccountKind:
				set[SubjectString(s)] = true
			}
		}
	}
	for ns, sas := range m.State.ServiceAccounts {
		for _, sa := range sas {
			set["sa:"+ns+"/"+sa] = true
		}
	}
	return sortedKeys(set)
}

// FormatRule writes a rule compactly: "get,list secrets" or
// "get,list deployments.apps/scale [web]" or "get /metrics".
func FormatRule(r rbacv1.PolicyRule) string {
	verbs := strings.Join(r.Verbs, ",")
	if len(r.NonResourceURLs) > 0 {
		return verbs + " " + strings.Join(r.NonResourceURLs, ",")
	}
	var res []string
	for _, g := range r.APIGroups {
		for _, x := range r.Resources {
			if g == "*" && x == "*" {
				res = append(res, "* (every resource of every group)")
				continue
			}
			base, sub, hasSub := strings.Cut(x, "/")
			s := base
			if g != "" {
				s += "." + g
			}
			if hasSub {
				s += "/" + sub
			}
			res = append(res, s)
		}
	}
	if len(res) == 0 {
		res = []string{"(nothing: no apiGroups)"}
	}
	sort.Strings(res)
	out := verbs + " " + strings.Join(res, ",")
	if len(r.ResourceNames) > 0 {
		out += " [" + strings.Join(r.ResourceNames, ",") + "]"
	}
	return out
}

// GrantString is one grant as evidence: the binding, the role and the rule.
func GrantString(g Grant) string {
	rule := ""
	if g.Role != nil && g.Rule < len(g.Role.Rules) {
		rule = fmt.Sprintf(" rules[%d]: %s", g.Rule, FormatRule(g.Role.Rules[g.Rule]))
	}
	if g.Binding == nil {
		return g.Role.Ref() + rule
	}
	return fmt.Sprintf("%s → %s%s", g.Binding.Ref(), g.Role.Ref(), rule)
}
