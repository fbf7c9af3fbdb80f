package cli

import (
	"fmt"

	"github.com/rampart-k8s/rampart/pkg/vuln"
	"github.com/spf13/cobra"
)

// newDBCommand shows what the Kubernetes CVE data holds.
func newDBCommand(streams IOStreams) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "db",
		Short: "The Kubernetes CVE and end-of-life data rampart uses",
	}
	info := &cobra.Command{
		Use:   "info",
		Short: "Print the data's date, origin and coverage",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			db, err := vuln.Default()
			if file != "" {
				db, err = vuln.Load(file)
			}
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			verified := 0
			for _, c := range db.CVEs {
				if c.Verified {
					verified++
				}
			}
			fmt.Fprintf(streams.Out, "origin:   %s\ndate:     %s\ncves:     %d (%d verified against their sources)\nreleases: %d with end-of-life dates\n",
				db.Origin, db.Date, len(db.CVEs), verified, len(db.Releases))
			for _, s := range db.Sources {
				fmt.Fprintf(streams.Out, "source:   %s\n", s)
			}
			return nil
		},
	}
	info.Flags().StringVar(&file, "db", "", "data file to describe instead of the embedded one")
	cmd.AddCommand(info)
	return cmd
}
