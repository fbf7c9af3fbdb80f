package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/netpol"
	"github.com/spf13/cobra"
)

// netpolFlags are the flags every `rampart netpol` command shares.
type netpolFlags struct {
	input              inputFlags
	Output             string
	IPBlocksIgnorePods bool

	streams IOStreams
	loaded  *loadedInput
	model   *netpol.Model
}

func (f *netpolFlags) addFlags(cmd *cobra.Command, formats ...string) {
	f.input.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&f.Output, "output", "o", formats[0], "output format: "+strings.Join(formats, ", "))
	cmd.Flags().BoolVar(&f.IPBlocksIgnorePods, "ipblocks-ignore-pods", false, "ipBlocks match external addresses only, as Cilium does (by default they also match pod IPs, as the API's e2e tests expect)")
}

func (f *netpolFlags) validate(formats ...string) error {
	if err := f.input.validate(); err != nil {
		return err
	}
	if !contains(formats, f.Output) {
		return fmt.Errorf("--output %q: want one of %s", f.Output, strings.Join(formats, ", "))
	}
	return nil
}

func (f *netpolFlags) load() error {
	in, err := f.input.load(context.Background(), f.streams.In)
	if err != nil {
		return err
	}
	in.report(f.streams.ErrOut)
	f.loaded = in
	f.model = netpol.NewModel(in.Inventory, netpol.Options{IPBlocksIgnorePods: f.IPBlocksIgnorePods})
	for _, p := range f.model.Problems {
		fmt.Fprintln(f.streams.ErrOut, "rampart: warning:", p)
	}
	return nil
}

func newNetpolCommand(streams IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "netpol",
		Short: "Ask NetworkPolicy questions: who can connect to whom, on which ports, and why",
		Long: `The netpol commands evaluate NetworkPolicies as the API specifies them
(policyTypes defaulting, [] versus [{}], AND and OR of selectors, ipBlocks
with except, protocols, named ports, endPort) for the workloads of the input:
Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, bare Pods.

AdminNetworkPolicies and the BaselineAdminNetworkPolicy
(policy.networking.k8s.io/v1alpha1) are layered around them as the API
specifies: AdminNetworkPolicies first, by priority (equal priorities by
name, which the API leaves open), their rules in order, the first match
deciding (Allow, Deny, or Pass to the NetworkPolicies); then the
NetworkPolicies, if one selects the pod for the direction; else the
baseline; else allowed.

Workloads are written NAMESPACE/NAME (or NAMESPACE/NAME[Kind]); addresses
outside the cluster as an IP. Inputs are manifests (-f, repeatable) or a live
cluster (--cluster).`,
	}
	cmd.AddCommand(newNetpolExplainCommand(streams), newNetpolReachCommand(streams), newNetpolMatrixCommand(streams))
	return cmd
}

// endpoint reads one workload or an IP address.
func (f *netpolFlags) endpoint(s string) (netpol.Endpoint, error) {
	eps, err := f.model.Select(s)
	if err != nil {
		return netpol.Endpoint{}, err
	}
	if len(eps) > 1 {
		return netpol.Endpoint{}, fmt.Errorf("%s: %d workloads match; name one, e.g. %s", s, len(eps), eps[0].Workload.Ref())
	}
	return eps[0], nil
}

// parsePort reads PORT/PROTO (protocol TCP when left out).
func parsePort(s string) (int, netpol.Protocol, error) {
	num, proto, _ := strings.Cut(s, "/")
	p := netpol.TCP
	if proto != "" {
		p = netpol.Protocol(strings.ToUpper(proto))
		if p != netpol.TCP && p != netpol.UDP && p != netpol.SCTP {
			return 0, "", fmt.Errorf("%s: protocol must be TCP, UDP or SCTP", s)
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > 65535 {
		return 0, "", fmt.Errorf("%s: want PORT[/PROTOCOL], a port from 1 to 65535", s)
	}
	return n, p, nil
}

// NetpolExplainOptions are the flags of `rampart netpol explain`.
type NetpolExplainOptions struct {
	netpolFlags
	from, to, port string
}

func newNetpolExplainCommand(streams IOStreams) *cobra.Command {
	o := &NetpolExplainOptions{netpolFlags: netpolFlags{streams: streams}}
	cmd := &cobra.Command{
		Use:   "explain FROM TO PORT[/PROTOCOL]",
		Short: "Whether a connection is allowed, and by which policies and rules (exit 0 allowed, 1 denied)",
		Example: `  rampart netpol explain shop/frontend shop/database 5432/TCP -f deploy/
  rampart netpol explain shop/api 169.254.169.254 80 --cluster`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.from, o.to, o.port = args[0], args[1], args[2]
			if err := o.validate("text", "json"); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	o.addFlags(cmd, "text", "json")
	return cmd
}

// Run answers.
func (o *NetpolExplainOptions) Run() error {
	port, proto, err := parsePort(o.port)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if err := o.load(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	from, err := o.endpoint(o.from)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	to, err := o.endpoint(o.to)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if from.Workload == nil && to.Workload == nil {
		return &exitError{code: ExitError, err: fmt.Errorf("one end must be a workload: NetworkPolicies govern pods")}
	}
	e := o.model.Explain(from, to, proto, port)
	if o.Output == "json" {
		err = writeJSON(o.streams.Out, explainJSON(e))
	} else {
		err = writeExplain(o.streams.Out, e)
	}
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if e.Allowed {
		return o.loaded.finish(ExitOK)
	}
	return o.loaded.finish(ExitFindings)
}

type sideOut struct {
	Direction string    `json:"direction"`
	Workload  string    `json:"workload"`
	Isolated  bool      `json:"isolated"`
	Selecting []string  `json:"selectedBy"`
	Allows    bool      `json:"allows"`
	Rules     []ruleOut `json:"matchingRules,omitempty"`
	// DecidedBy says which layer decided the connection asked about.
	DecidedBy decisionOut `json:"decidedBy"`
	// AdminRules and BaselineRules are the AdminNetworkPolicy and
	// BaselineAdminNetworkPolicy rules that decided connections with the
	// other end, in evaluation order.
	AdminRules    []adminRuleOut `json:"adminRules,omitempty"`
	BaselineRules []adminRuleOut `json:"baselineRules,omitempty"`
	Conns         string         `json:"connections"`
	Note          string         `json:"note,omitempty"`
}

type ruleOut struct {
	Policy string `json:"policy"`
	Field  string `json:"field"`
	Conns  string `json:"connections"`
}

// decisionOut: layer is AdminNetworkPolicy, NetworkPolicy,
// BaselineAdminNetworkPolicy, default (nothing governs the direction) or
// host-network.
type decisionOut struct {
	Layer    string        `json:"layer"`
	Rule     *adminRuleRef `json:"rule,omitempty"`
	PassedBy *adminRuleRef `json:"passedBy,omitempty"`
}

type adminRuleRef struct {
	Kind     string `json:"kind"`
	Policy   string `json:"policy"`
	Priority *int   `json:"priority,omitempty"`
	Field    string `json:"field"`
	Name     string `json:"name,omitempty"`
	Action   string `json:"action"`
}

type adminRuleOut struct {
	adminRuleRef
	Conns string `json:"connections"`
}

func adminRef(r *netpol.AdminRule) *adminRuleRef {
	if r == nil {
		return nil
	}
	out := &adminRuleRef{Kind: r.Policy.Kind(), Policy: r.Policy.Name, Field: r.Field(), Name: r.Name, Action: string(r.Effective())}
	if !r.Policy.Baseline {
		p := r.Policy.Priority
		out.Priority = &p
	}
	return out
}

func adminRulesJSON(list []netpol.AdminConns) []adminRuleOut {
	var out []adminRuleOut
	for _, a := range list {
		out = append(out, adminRuleOut{*adminRef(a.Rule), a.Conns.String()})
	}
	return out
}

func sideJSON(s *netpol.Side, proto netpol.Protocol, port int) *sideOut {
	if s == nil {
		return nil
	}
	v := s.Verdict(proto, port)
	out := &sideOut{Direction: string(s.Direction), Workload: s.Workload.Ref(), Isolated: s.Isolated, Selecting: []string{},
		Allows: s.Conns.Has(proto, port), Conns: s.Conns.String(), Note: s.Note,
		DecidedBy:  decisionOut{Layer: string(v.Layer), Rule: adminRef(v.Rule), PassedBy: adminRef(v.Passed)},
		AdminRules: adminRulesJSON(s.Admin), BaselineRules: adminRulesJSON(s.Baseline)}
	for _, p := range s.Selecting {
		out.Selecting = append(out.Selecting, p.Ref())
	}
	for _, r := range s.Rules {
		out.Rules = append(out.Rules, ruleOut{Policy: r.Rule.Policy.Ref(), Field: r.Rule.Field(), Conns: r.Conns.String()})
	}
	return out
}

func explainJSON(e netpol.Explanation) any {
	return struct {
		From     string   `json:"from"`
		To       string   `json:"to"`
		Protocol string   `json:"protocol"`
		Port     int      `json:"port"`
		Allowed  bool     `json:"allowed"`
		Egress   *sideOut `json:"egress,omitempty"`
		Ingress  *sideOut `json:"ingress,omitempty"`
		Conns    string   `json:"allConnections"`
	}{e.From.String(), e.To.String(), string(e.Protocol), e.Port, e.Allowed, sideJSON(e.Egress, e.Protocol, e.Port),
		sideJSON(e.Ingress, e.Protocol, e.Port), e.Conns.String()}
}

var actionVerb = map[netpol.Action]string{netpol.Allow: "allows", netpol.Deny: "denies", netpol.Pass: "passes on"}

// writeExplain prints the verdict, then per side who decided: an
// AdminNetworkPolicy rule, the NetworkPolicies (after a Pass or when no
// AdminNetworkPolicy rule takes the connection in), the
// BaselineAdminNetworkPolicy, or nothing; with the rules of each layer
// that take in the other end, marked ✓ where they cover the port asked.
func writeExplain(w io.Writer, e netpol.Explanation) error {
	verdict := "denied"
	if e.Allowed {
		verdict = "allowed"
	}
	fmt.Fprintf(w, "%s: %s → %s on %s %d\n", verdict, e.From, e.To, e.Protocol, e.Port)
	mark := func(c netpol.ConnSet) string {
		if c.Has(e.Protocol, e.Port) {
			return "✓"
		}
		return " "
	}
	adminLines := func(list []netpol.AdminConns) {
		for _, a := range list {
			conns := a.Conns.String()
			if a.Conns.All() {
				conns = "all connections"
			}
			fmt.Fprintf(w, "    %s %s %s %s\n", mark(a.Conns), a.Rule, actionVerb[a.Rule.Effective()], conns)
		}
	}
	for _, s := range []*netpol.Side{e.Egress, e.Ingress} {
		if s == nil {
			continue
		}
		what := "egress of " + s.Workload.Ref()
		if s.Direction == netpol.Ingress {
			what = "ingress of " + s.Workload.Ref()
		}
		ok := "allows"
		if !s.Conns.Has(e.Protocol, e.Port) {
			ok = "denies"
		}
		if s.Note != "" {
			fmt.Fprintf(w, "  %s %s: %s\n", what, ok, s.Note)
			continue
		}
		v := s.Verdict(e.Protocol, e.Port)
		why := ""
		if v.Passed != nil {
			why = fmt.Sprintf("%s: Pass; ", v.Passed)
		}
		switch v.Layer {
		case netpol.LayerAdmin:
			why = fmt.Sprintf("%s: %s", v.Rule, v.Rule.Effective())
		case netpol.LayerPolicy:
			var names []string
			for _, p := range s.Selecting {
				names = append(names, p.Ref())
			}
			why += "isolated by " + strings.Join(names, ", ")
		case netpol.LayerBaseline:
			why += fmt.Sprintf("no NetworkPolicy selects it for %s; %s: %s", s.Direction, v.Rule, v.Rule.Effective())
		default:
			why += fmt.Sprintf("no NetworkPolicy selects it for %s", s.Direction)
		}
		fmt.Fprintf(w, "  %s %s: %s\n", what, ok, why)
		adminLines(s.Admin)
		if s.Isolated {
			if len(s.Rules) == 0 && v.Layer == netpol.LayerPolicy {
				fmt.Fprintf(w, "    no rule of these policies takes in the other end\n")
			}
			for _, r := range s.Rules {
				fmt.Fprintf(w, "    %s %s %s allows %s\n", mark(r.Conns), r.Rule.Policy.Ref(), r.Rule.Field(), r.Conns)
			}
		}
		adminLines(s.Baseline)
	}
	_, err := fmt.Fprintf(w, "everything allowed on this path: %s\n", e.Conns)
	return err
}

// NetpolReachOptions are the flags of `rampart netpol reach`.
type NetpolReachOptions struct {
	netpolFlags
	From, To, Port string
	External       bool
}

func newNetpolReachCommand(streams IOStreams) *cobra.Command {
	o := &NetpolReachOptions{netpolFlags: netpolFlags{streams: streams}}
	cmd := &cobra.Command{
		Use:   "reach",
		Short: "Allowed connections between workloads, and to and from addresses outside",
		Example: `  rampart netpol reach -f deploy/
  rampart netpol reach --from shop/frontend --cluster
  rampart netpol reach --to 'app=database' --port 5432/TCP -f deploy/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate("text", "json", "csv"); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	o.addFlags(cmd, "text", "json", "csv")
	cmd.Flags().StringVar(&o.From, "from", "", "sources: NAMESPACE/NAME, NAMESPACE/*, or LABEL=VALUE")
	cmd.Flags().StringVar(&o.To, "to", "", "destinations: NAMESPACE/NAME, NAMESPACE/*, or LABEL=VALUE")
	cmd.Flags().StringVar(&o.Port, "port", "", "only connections on this PORT[/PROTOCOL]")
	cmd.Flags().BoolVar(&o.External, "external", true, "include addresses outside the workloads (as ranges cut at every ipBlock boundary)")
	return cmd
}

type connOut struct {
	From  string `json:"src"`
	To    string `json:"dst"`
	Conns string `json:"conn"`
}

// Run lists the connections.
func (o *NetpolReachOptions) Run() error {
	port, proto := 0, netpol.Protocol("")
	if o.Port != "" {
		var err error
		if port, proto, err = parsePort(o.Port); err != nil {
			return &exitError{code: ExitError, err: err}
		}
	}
	if err := o.load(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	m := o.model
	var rows []connOut
	emit := func(from, to netpol.Endpoint, c netpol.ConnSet) {
		if c.Empty() || (port != 0 && !c.Has(proto, port)) {
			return
		}
		rows = append(rows, connOut{from.String(), to.String(), c.String()})
	}
	mx := m.Matrix(4)
	for i, a := range mx.Workloads {
		if !a.Selected(o.From) {
			continue
		}
		for j, b := range mx.Workloads {
			if i != j && b.Selected(o.To) {
				emit(netpol.Endpoint{Workload: a}, netpol.Endpoint{Workload: b}, mx.Conns[i][j])
			}
		}
	}
	if o.External {
		for _, r := range m.ExternalRanges() {
			ext := netpol.Endpoint{Addr: r.From}
			for _, w := range m.Workloads {
				if o.To == "" && w.Selected(o.From) {
					c := m.Conns(netpol.Endpoint{Workload: w}, ext)
					if !c.Empty() && (port == 0 || c.Has(proto, port)) {
						rows = append(rows, connOut{w.Ref(), r.String() + "[External]", c.String()})
					}
				}
				if o.From == "" && w.Selected(o.To) {
					c := m.Conns(ext, netpol.Endpoint{Workload: w})
					if !c.Empty() && (port == 0 || c.Has(proto, port)) {
						rows = append(rows, connOut{r.String() + "[External]", w.Ref(), c.String()})
					}
				}
			}
		}
	}
	var err error
	switch o.Output {
	case "json":
		err = writeJSON(o.streams.Out, nonNil(rows))
	case "csv":
		cw := csv.NewWriter(o.streams.Out)
		_ = cw.Write([]string{"src", "dst", "conn"})
		for _, r := range rows {
			_ = cw.Write([]string{r.From, r.To, r.Conns})
		}
		cw.Flush()
		err = cw.Error()
	default:
		for _, r := range rows {
			fmt.Fprintf(o.streams.Out, "%s => %s : %s\n", r.From, r.To, r.Conns)
		}
	}
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return o.loaded.finish(ExitOK)
}

// NetpolMatrixOptions are the flags of `rampart netpol matrix`.
type NetpolMatrixOptions struct {
	netpolFlags
}

func newNetpolMatrixCommand(streams IOStreams) *cobra.Command {
	o := &NetpolMatrixOptions{netpolFlags: netpolFlags{streams: streams}}
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "The workload-by-workload connectivity matrix (table, csv, json, dot)",
		Example: `  rampart netpol matrix -f deploy/
  rampart netpol matrix --cluster -o dot | dot -Tsvg > netpol.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate("table", "csv", "json", "dot"); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	o.addFlags(cmd, "table", "csv", "json", "dot")
	return cmd
}

// Run prints the matrix.
func (o *NetpolMatrixOptions) Run() error {
	if err := o.load(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	mx := o.model.Matrix(4)
	w := o.streams.Out
	var err error
	switch o.Output {
	case "csv":
		cw := csv.NewWriter(w)
		header := []string{"src \\ dst"}
		for _, b := range mx.Workloads {
			header = append(header, b.Ref())
		}
		_ = cw.Write(header)
		for i, a := range mx.Workloads {
			row := []string{a.Ref()}
			for j := range mx.Workloads {
				row = append(row, mx.Conns[i][j].String())
			}
			_ = cw.Write(row)
		}
		cw.Flush()
		err = cw.Error()
	case "json":
		var rows []connOut
		for i, a := range mx.Workloads {
			for j, b := range mx.Workloads {
				rows = append(rows, connOut{a.Ref(), b.Ref(), mx.Conns[i][j].String()})
			}
		}
		err = writeJSON(w, struct {
			Workloads []string  `json:"workloads"`
			Pairs     []connOut `json:"pairs"`
		}{refs(mx.Workloads), nonNil(rows)})
	case "dot":
		fmt.Fprintln(w, "digraph rampart_netpol {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];")
		for _, a := range mx.Workloads {
			fmt.Fprintf(w, "  %q;\n", a.Ref())
		}
		for i, a := range mx.Workloads {
			for j, b := range mx.Workloads {
				if c := mx.Conns[i][j]; i != j && !c.Empty() {
					fmt.Fprintf(w, "  %q -> %q [label=%q];\n", a.Ref(), b.Ref(), c.String())
				}
			}
		}
		_, err = fmt.Fprintln(w, "}")
	default:
		err = writeMatrixTable(w, mx)
	}
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return o.loaded.finish(ExitOK)
}

func refs(ws []*netpol.Workload) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.Ref())
	}
	return out
}

// writeMatrixTable numbers the workloads and prints one cell per pair:
// "all", "-" for nothing, or the connections.
func writeMatrixTable(w io.Writer, mx *netpol.Matrix) error {
	for i, a := range mx.Workloads {
		fmt.Fprintf(w, "%3d  %s\n", i+1, a.Ref())
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "from\\to")
	for j := range mx.Workloads {
		fmt.Fprintf(w, "\t%d", j+1)
	}
	fmt.Fprintln(w)
	for i := range mx.Workloads {
		fmt.Fprintf(w, "%d", i+1)
		for j := range mx.Workloads {
			c := mx.Conns[i][j]
			cell := c.String()
			switch {
			case c.All():
				cell = "all"
			case c.Empty():
				cell = "-"
			}
			fmt.Fprintf(w, "\t%s", cell)
		}
		fmt.Fprintln(w)
	}
	return nil
}
