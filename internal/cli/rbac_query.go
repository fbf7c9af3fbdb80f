package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/rampart-k8s/rampart/pkg/rbac"
	"github.com/spf13/cobra"
)

// RBACWhoCanOptions are the flags of `rampart rbac who-can`.
type RBACWhoCanOptions struct {
	rbacFlags
	Namespace  string
	Name       string
	Transitive bool

	verb, resource string
}

func newRBACWhoCanCommand(streams IOStreams) *cobra.Command {
	o := &RBACWhoCanOptions{rbacFlags: rbacFlags{streams: streams}}
	cmd := &cobra.Command{
		Use:   "who-can VERB RESOURCE",
		Short: "Every subject that may do something, with the binding and role that allow it",
		Example: `  rampart rbac who-can get secrets -n prod --cluster
  rampart rbac who-can create pods/exec -n prod -f deploy/ --transitive
  rampart rbac who-can get /metrics --cluster -o json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.verb, o.resource = args[0], args[1]
			if err := o.validate("table", "json"); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	o.addFlags(cmd, "table", "json")
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "", "namespace of the request (none: cluster-wide)")
	cmd.Flags().StringVar(&o.Name, "name", "", "name of the object (for rules with resourceNames)")
	cmd.Flags().BoolVar(&o.Transitive, "transitive", false, "also list subjects that get there by an escalation path")
	return cmd
}

type whoCanRow struct {
	Subject string     `json:"subject"`
	Direct  bool       `json:"direct"`
	Grants  []grantOut `json:"grants,omitempty"`
	Path    []edgeOut  `json:"path,omitempty"`
	Holder  string     `json:"holder,omitempty"`
}

// Run answers.
func (o *RBACWhoCanOptions) Run() error {
	if err := o.load(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	a, err := o.action(o.verb, o.resource, o.Namespace, o.Name)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	var rows []whoCanRow
	direct := map[string]bool{}
	for _, g := range o.model.Policy.WhoCan(a) {
		s := rbac.SubjectString(g.Subject)
		if len(rows) > 0 && rows[len(rows)-1].Subject == s {
			rows[len(rows)-1].Grants = append(rows[len(rows)-1].Grants, grantJSON(g))
			continue
		}
		direct[s] = true
		rows = append(rows, whoCanRow{Subject: s, Direct: true, Grants: []grantOut{grantJSON(g)}})
	}
	if o.Transitive {
		graph := o.model.Graph()
		for _, s := range o.model.Subjects() {
			if direct[s] {
				continue
			}
			who, err := rbac.ParseSubject(s)
			if err != nil {
				continue
			}
			tr := graph.CanTransitively(graph.IdentityNode(s, who), a)
			if !tr.Allowed {
				continue
			}
			row := whoCanRow{Subject: s, Direct: tr.Direct, Path: pathJSON(tr.Path), Holder: tr.Holder.String()}
			for _, g := range tr.Evidence {
				row.Grants = append(row.Grants, grantJSON(g))
			}
			rows = append(rows, row)
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Subject < rows[j].Subject })
	}
	if o.Output == "json" {
		err = writeJSON(o.streams.Out, struct {
			Action   actionOut   `json:"action"`
			Subjects []whoCanRow `json:"subjects"`
		}{actionJSON(a), nonNil(rows)})
	} else {
		err = writeWhoCanTable(o.streams.Out, a, rows)
	}
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return o.loaded.finish(ExitOK)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeWhoCanTable(w io.Writer, a rbac.Action, rows []whoCanRow) error {
	fmt.Fprintf(w, "Who may %s (besides members of system:masters):\n\n", a)
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "nobody")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBJECT\tHOW\tGRANTED BY")
	for _, r := range rows {
		how := "directly"
		if !r.Direct {
			var steps []string
			for _, e := range r.Path {
				if e.Primitive != "" {
					steps = append(steps, e.Primitive)
				}
			}
			how = fmt.Sprintf("as %s, by %s", r.Holder, strings.Join(steps, ", then "))
		}
		for i, g := range r.Grants {
			subject := r.Subject
			if i > 0 {
				subject, how = "", ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", subject, how, g)
		}
	}
	return tw.Flush()
}

// RBACPermissionsOptions are the flags of `rampart rbac permissions`.
type RBACPermissionsOptions struct {
	rbacFlags
	Namespace string
	Groups    []string

	subject string
}

func newRBACPermissionsCommand(streams IOStreams) *cobra.Command {
	o := &RBACPermissionsOptions{rbacFlags: rbacFlags{streams: streams}}
	cmd := &cobra.Command{
		Use:   "permissions SUBJECT",
		Short: "The effective permissions of a subject, cluster-wide and per namespace",
		Example: `  rampart rbac permissions sa:prod/api --cluster
  rampart rbac permissions user:dev1 -n prod -f deploy/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.subject = args[0]
			if err := o.validate("table", "json"); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	o.addFlags(cmd, "table", "json")
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "", "only this namespace (and what applies cluster-wide)")
	cmd.Flags().StringArrayVar(&o.Groups, "group", nil, "an extra group of the subject (repeatable)")
	return cmd
}

type permissionRow struct {
	// Scope is "cluster" or the namespace the rule applies in.
	Scope string   `json:"scope"`
	Grant grantOut `json:"grant"`
	// Inert is set for rules a RoleBinding cannot make effective
	// (non-resource URLs).
	Inert bool `json:"inert,omitempty"`
}

// Run answers.
func (o *RBACPermissionsOptions) Run() error {
	who, err := rbac.ParseSubject(o.subject, o.Groups...)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if err := o.load(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	p := o.model.Policy
	var rows []permissionRow
	masters := false
	for _, g := range who.Groups {
		masters = masters || g == "system:masters"
	}
	p.VisitRules(who, "", func(g rbac.Grant) bool {
		rows = append(rows, permissionRow{Scope: "cluster", Grant: grantJSON(g)})
		return true
	})
	for _, ns := range p.Namespaces() {
		if o.Namespace != "" && ns != o.Namespace {
			continue
		}
		if !p.BoundIn(who, ns) {
			continue
		}
		p.VisitRules(who, ns, func(g rbac.Grant) bool {
			if g.Binding.Kind == "RoleBinding" {
				rule := g.Role.Rules[g.Rule]
				rows = append(rows, permissionRow{Scope: ns, Grant: grantJSON(g), Inert: len(rule.NonResourceURLs) > 0})
			}
			return true
		})
	}
	if o.Output == "json" {
		err = writeJSON(o.streams.Out, struct {
			Subject       string          `json:"subject"`
			User          string          `json:"user,omitempty"`
			Groups        []string        `json:"groups"`
			SystemMasters bool            `json:"systemMasters,omitempty"`
			Permissions   []permissionRow `json:"permissions"`
		}{o.subject, who.User, who.Groups, masters, nonNil(rows)})
	} else {
		w := o.streams.Out
		fmt.Fprintf(w, "Permissions of %s (groups: %s):\n\n", o.subject, strings.Join(who.Groups, ", "))
		if masters {
			fmt.Fprintln(w, "member of system:masters: every right, whatever the bindings say")
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SCOPE\tRULE\tGRANTED BY")
		for _, r := range rows {
			rule := rbac.FormatRule(r.Grant.Rule)
			if r.Inert {
				rule += " (no effect through a RoleBinding)"
			}
			via := r.Grant.Binding + " → " + r.Grant.Role
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Scope, rule, via)
		}
		err = tw.Flush()
	}
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return o.loaded.finish(ExitOK)
}

// RBACPathsOptions are the flags of `rampart rbac paths`.
type RBACPathsOptions struct {
	rbacFlags
	Groups []string

	subject string
}

func newRBACPathsCommand(streams IOStreams) *cobra.Command {
	o := &RBACPathsOptions{rbacFlags: rbacFlags{streams: streams}}
	cmd := &cobra.Command{
		Use:   "paths SUBJECT",
		Short: "Escalation paths: every identity a subject can reach, by the shortest path",
		Long: `paths follows what a subject can do to what it can become: creating pods or
their controllers runs them as any ServiceAccount of the namespace, exec and
attach take over running pods, TokenRequest, token Secrets, impersonation,
bind and escalate, CSR approval, mutating webhooks, the kubelet API, hostPath
volumes, and node escape where Pod Security admission lets privileged pods in.
Each step carries the binding and rule that allow it.`,
		Example: `  rampart rbac paths user:dev1 -f deploy/
  rampart rbac paths sa:ci/deployer --cluster -o dot | dot -Tsvg > paths.svg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.subject = args[0]
			if err := o.validate("text", "json", "dot"); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	o.addFlags(cmd, "text", "json", "dot")
	cmd.Flags().StringArrayVar(&o.Groups, "group", nil, "an extra group of the subject (repeatable)")
	return cmd
}

type reachOut struct {
	Target string `json:"target"`
	Kind   string `json:"kind"`
	// Gains is set when the target holds rights the subject lacks.
	Gains bool      `json:"gains"`
	Path  []edgeOut `json:"path"`
}

// Run answers.
func (o *RBACPathsOptions) Run() error {
	who, err := rbac.ParseSubject(o.subject, o.Groups...)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if err := o.load(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	g := o.model.Graph()
	start := g.IdentityNode(o.subject, who)
	r := g.Reach(start)
	var targets []*rbac.Node
	gains := map[*rbac.Node]bool{}
	for _, n := range r.Reached() {
		switch n.Kind {
		case rbac.Identity, rbac.RoleGrant, rbac.NodeRoot, rbac.ClusterAdmin:
			targets = append(targets, n)
			gains[n] = g.Gains(start, n)
		}
	}
	switch o.Output {
	case "json":
		out := []reachOut{}
		for _, n := range targets {
			out = append(out, reachOut{Target: n.String(), Kind: kindName(n.Kind), Gains: gains[n], Path: pathJSON(r.Path(n))})
		}
		err = writeJSON(o.streams.Out, struct {
			Subject string     `json:"subject"`
			Reaches []reachOut `json:"reaches"`
		}{o.subject, out})
	case "dot":
		err = writeDOT(o.streams.Out, r)
	default:
		err = writePathsText(o.streams.Out, o.subject, r, targets, gains)
	}
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return o.loaded.finish(ExitOK)
}

func kindName(k rbac.NodeKind) string {
	return [...]string{"identity", "role", "run-as", "pods-of", "node-root", "cluster-admin", "rights"}[k]
}

func writePathsText(w io.Writer, subject string, r *rbac.Reach, targets []*rbac.Node, gains map[*rbac.Node]bool) error {
	var shown []*rbac.Node
	for _, n := range targets {
		if gains[n] {
			shown = append(shown, n)
		}
	}
	if len(shown) == 0 {
		_, err := fmt.Fprintf(w, "%s reaches nothing beyond its own rights (%d other identities, none with more rights).\n", subject, len(targets))
		return err
	}
	fmt.Fprintf(w, "%s can reach %d identities or grants with rights it does not have (and %d without more rights, not shown):\n",
		subject, len(shown), len(targets)-len(shown))
	for _, n := range shown {
		p := r.Path(n)
		steps := 0
		for _, e := range p {
			if e.Primitive != "" {
				steps++
			}
		}
		fmt.Fprintf(w, "\n%s  (%d step(s))\n", n, steps)
		for i, e := range p {
			fmt.Fprintf(w, "  %d. %s → %s: %s\n", i+1, e.From, e.To, e.How)
			for _, g := range e.Evidence {
				fmt.Fprintf(w, "       by %s\n", rbac.GrantString(g))
			}
		}
	}
	return nil
}

// writeDOT writes the tree of shortest paths as a Graphviz digraph. Nodes
// are named by their keys (two nodes may read alike: the start with extra
// groups and the same user reached by impersonation) and labelled by what
// they are.
func writeDOT(w io.Writer, r *rbac.Reach) error {
	fmt.Fprintln(w, "digraph rampart_paths {")
	fmt.Fprintln(w, "  rankdir=LR;")
	fmt.Fprintln(w, "  node [shape=box, fontname=\"Helvetica\"];")
	fmt.Fprintf(w, "  %q [label=%q, style=bold];\n", r.Start.Key(), r.Start.String())
	for _, n := range r.Reached() {
		if n.Kind == rbac.Rights {
			continue // folded into the steps out of it
		}
		attrs := ""
		switch n.Kind {
		case rbac.ClusterAdmin, rbac.NodeRoot:
			attrs = ", color=red, style=bold"
		case rbac.RunAs, rbac.PodsOf:
			attrs = ", shape=ellipse"
		}
		fmt.Fprintf(w, "  %q [label=%q%s];\n", n.Key(), n.String(), attrs)
		p := r.Path(n)
		e := p[len(p)-1]
		fmt.Fprintf(w, "  %q -> %q [label=%q];\n", e.From.Key(), e.To.Key(), e.Primitive)
	}
	_, err := fmt.Fprintln(w, "}")
	return err
}
