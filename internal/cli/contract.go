package cli

import (
	"fmt"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/contract"
	"github.com/rampart-k8s/rampart/pkg/netpol"
	"github.com/rampart-k8s/rampart/pkg/report"
	"github.com/spf13/cobra"
)

// TestOptions are the flags of `rampart test`.
type TestOptions struct {
	rbacFlags
	IPBlocksIgnorePods bool
	contracts          []string
}

func newTestCommand(streams IOStreams) *cobra.Command {
	o := &TestOptions{rbacFlags: rbacFlags{streams: streams}}
	cmd := &cobra.Command{
		Use:   "test CONTRACT.yaml...",
		Short: "Check security contracts (who can do what, what can connect to what) against manifests or a cluster",
		Long: `test evaluates contracts: files of assertions such as "user dev1 cannot read
secrets in prod, directly or by any path" or "the frontend cannot connect to
the database" (format in docs/contracts.md). Each assertion passes or fails
with its evidence.

Exit codes: 0 every assertion passed, 1 one or more failed, 2 a contract or
an input could not be read, or an assertion could not be evaluated.`,
		Example: `  rampart test examples/contracts/prod-access.yaml -f examples/rbac
  rampart test contracts/*.yaml --cluster -o junit > rampart-contracts.xml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.contracts = args
			if err := o.validate("text", "json", "junit"); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	o.addFlags(cmd, "text", "json", "junit")
	cmd.Flags().BoolVar(&o.IPBlocksIgnorePods, "ipblocks-ignore-pods", false, "for network assertions: ipBlocks match external addresses only, as Cilium does")
	return cmd
}

type assertionOut struct {
	Contract string   `json:"contract"`
	File     string   `json:"file"`
	Line     int      `json:"line,omitempty"`
	Name     string   `json:"name"`
	Result   string   `json:"result"` // pass, fail or error
	Evidence []string `json:"evidence,omitempty"`
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Run evaluates the contracts.
func (o *TestOptions) Run() error {
	var contracts []*contract.Contract
	for _, p := range o.contracts {
		c, err := contract.Load(p)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		contracts = append(contracts, c)
	}
	if err := o.loadInput(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	// Each analysis is built only when a contract asks it something.
	for _, c := range contracts {
		if len(c.RBAC) > 0 && o.model == nil {
			o.buildModel()
		}
	}
	var results []assertionOut
	var net *netpol.Model
	failed, errored := 0, 0
	add := func(out assertionOut, passed bool) {
		switch {
		case out.Error != "":
			out.Result = "error"
			errored++
		case !passed:
			out.Result = "fail"
			failed++
		default:
			out.Result = "pass"
		}
		results = append(results, out)
	}
	for _, c := range contracts {
		for _, r := range contract.Evaluate(c, o.model) {
			add(assertionOut{Contract: c.Name, File: c.File, Line: r.Assertion.Line, Name: r.Assertion.Title(),
				Evidence: r.Evidence, Error: r.Error, Warnings: r.Warnings}, r.Passed)
		}
		if len(c.Network) > 0 {
			if net == nil {
				net = netpol.NewModel(o.loaded.Inventory, netpol.Options{IPBlocksIgnorePods: o.IPBlocksIgnorePods})
			}
			for _, r := range contract.EvaluateNetwork(c, net) {
				add(assertionOut{Contract: c.Name, File: c.File, Line: r.Connection.Line, Name: r.Connection.Title(),
					Evidence: r.Evidence, Error: r.Error}, r.Passed)
			}
		}
	}
	var err error
	switch o.Output {
	case "json":
		err = writeJSON(o.streams.Out, struct {
			Assertions []assertionOut `json:"assertions"`
			Passed     int            `json:"passed"`
			Failed     int            `json:"failed"`
			Errors     int            `json:"errors"`
		}{results, len(results) - failed - errored, failed, errored})
	case "junit":
		var cases []report.TestCase
		for _, r := range results {
			tc := report.TestCase{Suite: r.Contract, Name: r.Name, ClassName: "rampart.contract", File: r.File, Line: r.Line}
			switch r.Result {
			case "fail":
				tc.Failure, tc.Text = r.Evidence[0], strings.Join(r.Evidence, "\n")
			case "error":
				tc.Error, tc.Text = r.Error, r.Error
			}
			cases = append(cases, tc)
		}
		err = report.WriteJUnit(o.streams.Out, cases)
	default:
		w := o.streams.Out
		for _, r := range results {
			fmt.Fprintf(w, "%-5s %s  (%s:%d)\n", strings.ToUpper(r.Result), r.Name, r.File, r.Line)
			for _, e := range r.Evidence {
				fmt.Fprintf(w, "      %s\n", e)
			}
			if r.Error != "" {
				fmt.Fprintf(w, "      %s\n", r.Error)
			}
			for _, wn := range r.Warnings {
				fmt.Fprintf(w, "      warning: %s\n", wn)
			}
		}
		fmt.Fprintf(w, "\n%d assertions: %d passed, %d failed, %d could not be evaluated\n", len(results), len(results)-failed-errored, failed, errored)
	}
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if errored > 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("%d assertion(s) could not be evaluated", errored)}
	}
	if failed > 0 {
		return o.loaded.finish(ExitFindings)
	}
	return o.loaded.finish(ExitOK)
}
