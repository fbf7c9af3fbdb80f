package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/report"
	"github.com/spf13/cobra"
)

// ChecksOptions are the flags of `rampart checks`.
type ChecksOptions struct {
	Output string
	// Names select checks by ID, glob or CIS alias (all when empty).
	Names   []string
	streams IOStreams
}

func newChecksCommand(streams IOStreams) *cobra.Command {
	o := &ChecksOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "checks [ID ...]",
		Short: "List every check with its ID, severity, category, title and controls",
		Long: `Checks lists every check, or those named: by ID, by glob (pss/*), or by the
alias of a CIS Benchmark control (cis/1.2.1, cis/4.2.*), which names every
check that carries the control. The same names work in .rampart.yaml ignore
rules and rampart.dev/ignore annotations.`,
		Example: `  rampart checks
  rampart checks cis/1.2.1 etcd/*
  rampart checks -o markdown > docs/checks.md`,
		RunE: func(_ *cobra.Command, args []string) error {
			o.Names = args
			if err := o.Run(); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "table", "output format: table, json or markdown")
	return cmd
}

// Run lists the checks.
func (o *ChecksOptions) Run() error {
	var metas []check.Meta
	for _, c := range all.Registry().Checks() {
		m := c.Meta()
		if len(o.Names) == 0 || slices.ContainsFunc(o.Names, func(n string) bool { return finding.MatchCheck(n, m.ID, m.Controls) }) {
			metas = append(metas, m)
		}
	}
	if len(metas) == 0 {
		return fmt.Errorf("no check is named %s", strings.Join(o.Names, ", "))
	}
	switch o.Output {
	case "table":
		return report.ChecksTable(o.streams.Out, metas)
	case "json":
		return report.ChecksJSON(o.streams.Out, metas)
	case "markdown", "md":
		return report.ChecksMarkdown(o.streams.Out, metas)
	}
	return fmt.Errorf("--output %q: want table, json or markdown", o.Output)
}
