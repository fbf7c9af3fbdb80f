package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/controlplane"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/report"
	"github.com/rampart-k8s/rampart/pkg/scan"
	"github.com/rampart-k8s/rampart/pkg/source"
	"github.com/rampart-k8s/rampart/pkg/source/node"
	"github.com/spf13/cobra"
)

// NodeOptions are the flags of `rampart node`.
type NodeOptions struct {
	Manifests []string
	ProcDir   string
	Root      string
	PIDs      []int

	// report holds the flags node shares with scan: output, threshold,
	// configuration, baseline.
	report ScanOptions
}

func newNodeCommand(streams IOStreams) *cobra.Command {
	o := &NodeOptions{report: ScanOptions{streams: streams}}
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Check this machine's Kubernetes components against the CIS benchmark",
		Long: `Node examines the machine it runs on, read-only: the running kube-apiserver,
etcd, kube-controller-manager, kube-scheduler, kubelet and kube-proxy
processes (their command lines from /proc, etcd's ETCD_ variables when
readable), the static pod manifests (` + node.DefaultManifestDir + ` and the kubelets'
staticPodPath), the configuration files the components name (kubelet config
and drop-ins, encryption configuration, audit policy, ...), read where the
component reads them, and the owner and mode of their configuration, PKI and
data files. Each setting is resolved as the component resolves it (flags,
config files, defaults) and judged against the CIS Kubernetes Benchmark.

A control that cannot be judged (a component not on this machine, a file
that could not be read) is reported as skipped with the reason. Run it as
root to read every process and file.

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it,
2 usage errors or inputs that could not be read.`,
		Example: `  sudo rampart node
  sudo rampart node -o json > node.json
  sudo rampart node --manifests /etc/kubernetes/manifests --fail-on medium
  rampart node --pid 4242 --pid 4243`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.report.Complete(cmd, nil); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			if err := o.Validate(); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Manifests, "manifests", nil, "static pod folder (repeatable; default "+node.DefaultManifestDir+")")
	f.StringVar(&o.ProcDir, "proc", "/proc", "the process table")
	f.StringVar(&o.Root, "root", "/", "the machine's root, for its fixed files (/etc/passwd, admin.conf, kubelet units, CNI and PKI folders)")
	f.IntSliceVar(&o.PIDs, "pid", nil, "only these processes (repeatable or comma-separated; default every component found)")
	f.StringVarP(&o.report.Output, "output", "o", "table", "output format: "+strings.Join(report.Formats, ", "))
	f.StringVar(&o.report.FailOn, "fail-on", "", "exit 1 when a finding is at or above this severity: critical, high, medium, low, info or none (default high, or failOn in the config)")
	f.StringVar(&o.report.ConfigFile, "config", "", "config file (default .rampart.yaml when present)")
	f.StringVar(&o.report.BaselineFile, "baseline", "", "earlier JSON report: report only findings not in it")
	f.BoolVar(&o.report.ShowSuppressed, "show-suppressed", false, "list suppressed findings in the table output")
	f.BoolVar(&o.report.NoColor, "no-color", false, "never colour the table output")
	f.Int64Var(&o.report.MaxFileMiB, "max-file-size", source.DefaultLimits.MaxFileBytes>>20, "largest file to read, in MiB")
	return cmd
}

// Validate checks the flags before anything is read.
func (o *NodeOptions) Validate() error {
	if !contains(report.Formats, o.report.Output) {
		return fmt.Errorf("--output %q: want one of %s", o.report.Output, strings.Join(report.Formats, ", "))
	}
	if o.report.MaxFileMiB <= 0 {
		return fmt.Errorf("--max-file-size must be positive")
	}
	return nil
}

// NodeRegistry holds the checks `rampart node` runs: the configuration
// controls, and the strict decoding of the configuration files it reads
// (a misspelt kubelet setting is silently ignored by the kubelet).
func NodeRegistry() *check.Registry {
	var cs []check.Check
	for _, c := range all.Registry().Checks() {
		if _, ok := c.(*controlplane.Control); ok || c.Meta().ID == "schema/unknown-field" || c.Meta().ID == "schema/invalid-value" {
			cs = append(cs, c)
		}
	}
	r, err := check.NewRegistry(cs...)
	if err != nil {
		panic(err)
	}
	return r
}

// Run examines the machine and renders the report.
func (o *NodeOptions) Run() error {
	lim := source.DefaultLimits
	lim.MaxFileBytes = o.report.MaxFileMiB << 20
	res := node.Load(node.Options{ProcDir: o.ProcDir, Root: o.Root, ManifestDirs: o.Manifests, PIDs: o.PIDs, Limits: lim})
	reg := NodeRegistry()
	inv := inventory.New(res.Objects)
	rep := scan.Inventory(inv, scan.Options{Config: o.report.cfg, Registry: reg, FailOn: o.report.threshold, Baseline: o.report.baseline, Version: Version})
	rep.Errors = append(rep.Errors, res.Errors...)
	for _, h := range inv.ByKind(controlplane.KindHost) {
		if host, ok := h.Typed.(*controlplane.Host); ok {
			rep.Warnings = append(rep.Warnings, host.Notes...)
		}
	}
	if os.Geteuid() != 0 {
		rep.Warnings = append(rep.Warnings, "not running as root: other users' processes and files may be unreadable (their controls are reported as skipped)")
	}
	rep.Sort()
	rep.Summarize(inv.Len(), o.report.threshold)
	var metas []check.Meta
	for _, c := range reg.Checks() {
		metas = append(metas, c.Meta())
	}
	err := report.Write(o.report.streams.Out, o.report.Output, rep, report.Options{
		Rules: metas, Color: o.report.Output == "table" && !o.report.NoColor && isTerminal(o.report.streams.Out), ShowSuppressed: o.report.ShowSuppressed,
	})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	switch {
	case len(rep.Errors) > 0:
		return &exitError{code: ExitError, err: fmt.Errorf("%d input(s) could not be read; everything else was examined", len(rep.Errors))}
	case rep.Summary.Failed:
		return &exitError{code: ExitFindings}
	}
	return nil
}
