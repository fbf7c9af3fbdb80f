package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/rbac"
	"github.com/spf13/cobra"
	rbacv1 "k8s.io/api/rbac/v1"
)

// rbacFlags are the flags every `rampart rbac` command shares.
type rbacFlags struct {
	input                inputFlags
	Output               string
	NoDefaults           bool
	UnlabelledRestricted bool

	streams IOStreams
	model   *rbac.Model
	loaded  *loadedInput
}

func (f *rbacFlags) addFlags(cmd *cobra.Command, formats ...string) {
	f.input.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&f.Output, "output", "o", formats[0], "output format: "+strings.Join(formats, ", "))
	cmd.Flags().BoolVar(&f.NoDefaults, "no-defaults", false, "with -f: leave out Kubernetes' default roles and bindings (by default a manifest is analysed as if applied to a fresh cluster)")
	cmd.Flags().BoolVar(&f.UnlabelledRestricted, "unlabelled-namespaces-restricted", false, "assume namespaces without a pod-security.kubernetes.io/enforce label refuse privileged pods (Kubernetes' own default admits them)")
}

func (f *rbacFlags) validate(formats ...string) error {
	if err := f.input.validate(); err != nil {
		return err
	}
	if !contains(formats, f.Output) {
		return fmt.Errorf("--output %q: want one of %s", f.Output, strings.Join(formats, ", "))
	}
	if f.NoDefaults && f.input.Cluster {
		return errors.New("--no-defaults applies to -f inputs; a cluster has its own roles")
	}
	return nil
}

// load reads the inputs and builds the model.
func (f *rbacFlags) load() error {
	if err := f.loadInput(); err != nil {
		return err
	}
	f.buildModel()
	return nil
}

// loadInput reads the inputs; what could not be read goes to stderr.
func (f *rbacFlags) loadInput() error {
	in, err := f.input.load(context.Background(), f.streams.In)
	if err != nil {
		return err
	}
	in.report(f.streams.ErrOut)
	f.loaded = in
	return nil
}

// buildModel builds the RBAC model of what loadInput read.
func (f *rbacFlags) buildModel() {
	f.model = rbac.NewModel(f.loaded.Inventory, rbac.ModelOptions{Live: f.loaded.Live, NoDefaults: f.NoDefaults, UnlabelledRestricted: f.UnlabelledRestricted})
	// What makes part of the RBAC objects inert or ambiguous: bindings to
	// missing roles (which come alive when one of that name is created),
	// subjects that never match, objects placed in default.
	for _, pr := range f.model.Policy.Problems {
		fmt.Fprintf(f.streams.ErrOut, "rampart: warning: %s %s\n", pr.Ref, pr.Message)
	}
}

func newRBACCommand(streams IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rbac",
		Short: "Ask RBAC questions: can, who-can, permissions, escalation paths",
		Long: `The rbac commands evaluate Kubernetes RBAC exactly as the API server does
(rule matching, RoleBindings to ClusterRoles, aggregation, implicit groups),
and follow escalation paths: a subject that may create Deployments may run
pods as any ServiceAccount of the namespace, and so on.

Inputs are manifests (-f, repeatable; files, folders, charts, kustomizations)
or a live cluster (--cluster). Manifests are analysed as if applied to a fresh
cluster of Kubernetes ` + "v1.37" + `, its default roles and bindings included.

Subjects are written user:NAME, group:NAME or sa:NAMESPACE/NAME; resources as
kubectl writes them (pods, pods/exec, deployments.apps/scale) or a URL
(/metrics). Members of system:masters bypass RBAC and are not listed by
who-can: no object names them.`,
	}
	cmd.AddCommand(newRBACCanCommand(streams), newRBACWhoCanCommand(streams), newRBACPermissionsCommand(streams), newRBACPathsCommand(streams))
	return cmd
}

// action resolves VERB RESOURCE with -n and --name, warning on stderr
// about resources the catalog does not know.
func (f *rbacFlags) action(verb, resource, namespace, name string) (rbac.Action, error) {
	a, warning, err := f.model.Catalog.Action(verb, resource, namespace, name)
	if err != nil {
		return a, err
	}
	if warning != "" {
		fmt.Fprintln(f.streams.ErrOut, "rampart: warning:", warning)
	}
	return a, nil
}

// RBACCanOptions are the flags of `rampart rbac can`.
type RBACCanOptions struct {
	rbacFlags
	Namespace  string
	Name       string
	Groups     []string
	Transitive bool

	subject, verb, resource string
}

func newRBACCanCommand(streams IOStreams) *cobra.Command {
	o := &RBACCanOptions{rbacFlags: rbacFlags{streams: streams}}
	cmd := &cobra.Command{
		Use:   "can SUBJECT VERB RESOURCE",
		Short: "Whether a subject may do something, and why (exit 0 yes, 1 no)",
		Long: `can answers like kubectl auth can-i, without asking the cluster and with the
evidence: the binding, role and rule that allow it. With --transitive it also
follows escalation paths and shows the shortest one.

Exit codes: 0 yes, 1 no, 2 usage errors or inputs that could not be read.`,
		Example: `  rampart rbac can user:dev1 get secrets -n prod -f deploy/
  rampart rbac can sa:ci/deployer create deployments -n prod --cluster
  rampart rbac can user:dev1 list secrets -n prod --transitive -f deploy/
  rampart rbac can group:oncall create pods/exec -n prod --cluster -o json`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.subject, o.verb, o.resource = args[0], args[1], args[2]
			if err := o.validate("text", "json"); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	o.addFlags(cmd, "text", "json")
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "", "namespace of the request (none: cluster-wide)")
	cmd.Flags().StringVar(&o.Name, "name", "", "name of the object (for rules with resourceNames)")
	cmd.Flags().StringArrayVar(&o.Groups, "group", nil, "an extra group of the subject, like kubectl's --as-group (repeatable)")
	cmd.Flags().BoolVar(&o.Transitive, "transitive", false, "also follow escalation paths")
	return cmd
}

// Run answers.
func (o *RBACCanOptions) Run() error {
	who, err := rbac.ParseSubject(o.subject, o.Groups...)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if err := o.load(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	a, err := o.action(o.verb, o.resource, o.Namespace, o.Name)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	d := o.model.Policy.Decide(who, a)
	ans := canAnswer{Subject: o.subject, User: who.User, Groups: who.Groups, Action: actionJSON(a), Allowed: d.Allowed, Masters: d.Masters}
	for _, g := range d.Grants {
		ans.Grants = append(ans.Grants, grantJSON(g))
	}
	if !d.Allowed && o.Transitive {
		tr := o.model.Graph().CanTransitively(o.model.Node(o.subject, who), a)
		if tr.Allowed {
			ans.Allowed, ans.Transitive = true, true
			ans.Path = pathJSON(tr.Path)
			ans.Holder = tr.Holder.String()
			for _, g := range tr.Evidence {
				ans.Grants = append(ans.Grants, grantJSON(g))
			}
		}
	}
	if o.Output == "json" {
		if err := writeJSON(o.streams.Out, ans); err != nil {
			return &exitError{code: ExitError, err: err}
		}
	} else {
		o.writeText(ans, a, d)
	}
	if ans.Allowed {
		return o.loaded.finish(ExitOK)
	}
	return o.loaded.finish(ExitFindings)
}

func (o *RBACCanOptions) writeText(ans canAnswer, a rbac.Action, d rbac.Decision) {
	w := o.streams.Out
	switch {
	case d.Masters:
		fmt.Fprintf(w, "yes\n%s is in system:masters, which bypasses RBAC.\n", o.subject)
	case d.Allowed:
		fmt.Fprintf(w, "yes\n%s may %s, through:\n", o.subject, a)
		for _, g := range d.Grants {
			fmt.Fprintf(w, "  %s (subject %s)\n", rbac.GrantString(g), rbac.SubjectString(g.Subject))
		}
	case ans.Allowed:
		fmt.Fprintf(w, "yes, by escalation\n%s may not %s directly, but reaches %s in %d step(s):\n", o.subject, a, ans.Holder, len(ans.Path))
		for i, e := range ans.Path {
			fmt.Fprintf(w, "  %d. %s → %s: %s\n", i+1, e.From, e.To, e.How)
			for _, g := range e.Evidence {
				fmt.Fprintf(w, "       by %s\n", g)
			}
		}
		if len(ans.Grants) == 0 {
			fmt.Fprintf(w, "  and %s holds every right.\n", ans.Holder)
		} else {
			fmt.Fprintf(w, "  and %s may %s, through:\n", ans.Holder, a)
			for _, g := range ans.Grants {
				fmt.Fprintf(w, "       %s\n", g)
			}
		}
	default:
		fmt.Fprintf(w, "no\nno binding gives %s (groups: %s) the right to %s", o.subject, strings.Join(ans.Groups, ", "), a)
		if o.Transitive {
			fmt.Fprint(w, ", directly or by any escalation path")
		}
		fmt.Fprintln(w, ".")
	}
	if !o.model.Live {
		fmt.Fprintln(o.streams.ErrOut, "rampart: note: answered from manifests (with Kubernetes' default roles); what the cluster's authenticator, Node authorizer or webhooks add is not in them")
	}
}

type canAnswer struct {
	Subject    string     `json:"subject"`
	User       string     `json:"user,omitempty"`
	Groups     []string   `json:"groups"`
	Action     actionOut  `json:"action"`
	Allowed    bool       `json:"allowed"`
	Masters    bool       `json:"systemMasters,omitempty"`
	Transitive bool       `json:"transitive,omitempty"`
	Path       []edgeOut  `json:"path,omitempty"`
	Holder     string     `json:"holder,omitempty"`
	Grants     []grantOut `json:"grants,omitempty"`
}

type actionOut struct {
	Verb        string `json:"verb"`
	Resource    string `json:"resource,omitempty"`
	APIGroup    string `json:"apiGroup,omitempty"`
	Subresource string `json:"subresource,omitempty"`
	Name        string `json:"name,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	URL         string `json:"nonResourceURL,omitempty"`
}

func actionJSON(a rbac.Action) actionOut {
	if a.NonResource {
		return actionOut{Verb: a.Verb, URL: a.Path}
	}
	return actionOut{Verb: a.Verb, Resource: a.Resource, APIGroup: a.APIGroup, Subresource: a.Subresource, Name: a.Name, Namespace: a.Namespace}
}

type grantOut struct {
	Binding string            `json:"binding,omitempty"`
	Subject string            `json:"subject,omitempty"`
	Role    string            `json:"role"`
	Index   int               `json:"ruleIndex"`
	Rule    rbacv1.PolicyRule `json:"rule"`
	text    string
}

func (g grantOut) String() string { return g.text }

func grantJSON(g rbac.Grant) grantOut {
	out := grantOut{Role: g.Role.Ref(), Index: g.Rule, Rule: g.Role.Rules[g.Rule], text: rbac.GrantString(g)}
	if g.Binding != nil {
		out.Binding = g.Binding.Ref()
		out.Subject = rbac.SubjectString(g.Subject)
	}
	return out
}

type edgeOut struct {
	From      string     `json:"from"`
	To        string     `json:"to"`
	Primitive string     `json:"primitive,omitempty"`
	How       string     `json:"how"`
	Evidence  []grantOut `json:"evidence,omitempty"`
}

func pathJSON(p []rbac.Edge) []edgeOut {
	out := make([]edgeOut, 0, len(p))
	for _, e := range p {
		eo := edgeOut{From: e.From.String(), To: e.To.String(), Primitive: e.Primitive, How: e.How}
		for _, g := range e.Evidence {
			eo.Evidence = append(eo.Evidence, grantJSON(g))
		}
		out = append(out, eo)
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
