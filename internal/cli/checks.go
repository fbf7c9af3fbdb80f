package cli

import (
	"fmt"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/report"
	"github.com/spf13/cobra"
)

// ChecksOptions are the flags of `rampart checks`.
type ChecksOptions struct {
	Output  string
	streams IOStreams
}

func newChecksCommand(streams IOStreams) *cobra.Command {
	o := &ChecksOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List every check with its ID, severity, category, title and controls",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
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
		metas = append(metas, c.Meta())
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
