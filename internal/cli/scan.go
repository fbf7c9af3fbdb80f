package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/report"
	"github.com/rampart-k8s/rampart/pkg/scan"
	"github.com/rampart-k8s/rampart/pkg/source"
	"github.com/rampart-k8s/rampart/pkg/source/cluster"
	"github.com/rampart-k8s/rampart/pkg/vuln"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// ScanOptions are the flags of `rampart scan`.
type ScanOptions struct {
	Paths          []string
	Output         string
	FailOn         string
	ConfigFile     string
	BaselineFile   string
	ShowSuppressed bool
	NoColor        bool
	MaxFileMiB     int64
	Helm           source.HelmOptions

	// Live scanning, with kubectl's flags.
	Cluster    bool
	Kubeconfig string
	Context    string
	Namespaces []string
	Timeout    time.Duration
	DBFile     string

	streams   IOStreams
	cfg       *config.Config
	threshold finding.Severity
	baseline  map[string]bool
}

func newScanCommand(streams IOStreams) *cobra.Command {
	o := &ScanOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "scan [PATH ...]",
		Short: "Scan manifests, charts, Kustomize directories, Terraform, cloud JSON and Dockerfiles",
		Long: `Scan reads YAML and JSON manifests (multi-document, List kinds), folders
(recursively), Helm charts (rendered in-process, like helm template) and
Kustomize directories (built in-process), or "-" for standard input.

It also reads where clusters and images come from: Terraform folders (.tf,
terraform.tfvars) and plan JSON (terraform show -json) for EKS, GKE and AKS
clusters, the JSON of aws eks describe-cluster, gcloud container clusters
describe and az aks show (recognised by shape, also on standard input), and
Dockerfiles (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*).

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it,
2 usage errors or inputs that could not be read (the report covers the rest).`,
		Example: `  rampart scan ./examples
  rampart scan deploy/ -o sarif > rampart.sarif
  helm template my-chart | rampart scan -
  rampart scan ./charts/web -f values-prod.yaml --set image.tag=1.2.3
  rampart scan . --baseline last-report.json --fail-on medium
  rampart scan infra/ Dockerfile deploy/ -o sarif > rampart.sarif
  aws eks describe-cluster --name shop | rampart scan -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			if err := o.Validate(); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run()
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", "table", "output format: "+strings.Join(report.Formats, ", "))
	f.StringVar(&o.FailOn, "fail-on", "", "exit 1 when a finding is at or above this severity: critical, high, medium, low, info or none (default high, or failOn in the config)")
	f.StringVar(&o.ConfigFile, "config", "", "config file (default .rampart.yaml when present)")
	f.StringVar(&o.BaselineFile, "baseline", "", "earlier JSON report: report only findings not in it")
	f.BoolVar(&o.ShowSuppressed, "show-suppressed", false, "list suppressed findings in the table output")
	f.BoolVar(&o.NoColor, "no-color", false, "never colour the table output")
	f.Int64Var(&o.MaxFileMiB, "max-file-size", source.DefaultLimits.MaxFileBytes>>20, "largest input file to read, in MiB")
	f.StringArrayVarP(&o.Helm.ValueFiles, "values", "f", nil, "Helm values file for charts (repeatable)")
	f.StringArrayVar(&o.Helm.Set, "set", nil, "Helm value for charts, key=value (repeatable)")
	f.StringArrayVar(&o.Helm.SetString, "set-string", nil, "Helm string value for charts, key=value (repeatable)")
	f.StringVar(&o.Helm.ReleaseName, "release-name", "", "Helm release name for charts (default release-name)")
	f.StringVar(&o.Helm.Namespace, "helm-namespace", "", "Helm release namespace for charts (default default)")
	f.BoolVar(&o.Cluster, "cluster", false, "scan the live cluster of the current kubeconfig context (read-only)")
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG or ~/.kube/config; in-cluster when run in a pod)")
	f.StringVar(&o.Context, "context", "", "kubeconfig context to use")
	f.StringSliceVarP(&o.Namespaces, "namespace", "n", nil, "with --cluster: only these namespaces (repeatable or comma-separated)")
	f.DurationVar(&o.Timeout, "request-timeout", 30*time.Second, "with --cluster: timeout of each API request")
	f.StringVar(&o.DBFile, "db", "", "Kubernetes CVE and end-of-life data file replacing the embedded one (see rampart db info)")
	return cmd
}

// Complete fills defaults from the arguments and the config file.
func (o *ScanOptions) Complete(_ *cobra.Command, args []string) error {
	o.Paths = args
	var err error
	if o.ConfigFile != "" {
		o.cfg, err = config.Load(o.ConfigFile)
	} else {
		o.cfg, err = config.LoadDefault()
	}
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	failOn := o.FailOn
	if failOn == "" {
		failOn = o.cfg.FailOn
	}
	if failOn == "" {
		failOn = "high"
	}
	if failOn != "none" {
		if o.threshold, err = finding.ParseSeverity(failOn); err != nil {
			return fmt.Errorf("--fail-on: %w", err)
		}
	}
	if o.BaselineFile != "" {
		if o.baseline, err = finding.LoadBaseline(o.BaselineFile); err != nil {
			return fmt.Errorf("--baseline: %w", err)
		}
	}
	return nil
}

// Validate checks the flags before any input is read.
func (o *ScanOptions) Validate() error {
	switch {
	case o.Cluster && len(o.Paths) > 0:
		return errors.New("scan takes PATHs or --cluster, not both")
	case !o.Cluster && len(o.Namespaces) > 0:
		return errors.New("-n/--namespace applies to --cluster scans")
	case !o.Cluster && len(o.Paths) == 0:
		return errors.New("scan needs at least one PATH (a file, a folder, a chart, a kustomization, or - for stdin), or --cluster")
	}
	if !contains(report.Formats, o.Output) {
		return fmt.Errorf("--output %q: want one of %s", o.Output, strings.Join(report.Formats, ", "))
	}
	if o.MaxFileMiB <= 0 {
		return errors.New("--max-file-size must be positive")
	}
	return nil
}

// Run scans and renders; its error carries the exit code.
func (o *ScanOptions) Run() error {
	reg := all.Registry()
	lim := source.DefaultLimits
	lim.MaxFileBytes = o.MaxFileMiB << 20
	var db *vuln.DB
	if o.DBFile != "" {
		var err error
		if db, err = vuln.Load(o.DBFile); err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("--db: %w", err)}
		}
	}
	opts := scan.Options{
		Vuln:     db,
		Paths:    o.Paths,
		Source:   source.Options{Limits: lim, Stdin: o.streams.In, Helm: o.Helm},
		Config:   o.cfg,
		Registry: reg,
		FailOn:   o.threshold,
		Baseline: o.baseline,
		Version:  Version,
	}
	var rep *finding.Report
	if o.Cluster {
		cfg, err := restConfig(o.Kubeconfig, o.Context)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		defer liveGC()()
		progress := newProgress(o.streams.ErrOut)
		rep = scan.Cluster(context.Background(), opts, cluster.Options{Config: cfg, Namespaces: o.Namespaces, Timeout: o.Timeout, Progress: progress.add})
		progress.done()
	} else {
		defer fileMemoryLimit()()
		rep = scan.Files(opts)
	}
	var metas []check.Meta
	for _, c := range reg.Checks() {
		metas = append(metas, c.Meta())
	}
	err := report.Write(o.streams.Out, o.Output, rep, report.Options{
		Rules: metas, Color: o.Output == "table" && !o.NoColor && isTerminal(o.streams.Out), ShowSuppressed: o.ShowSuppressed,
	})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	switch {
	case len(rep.Errors) > 0:
		return &exitError{code: ExitError, err: fmt.Errorf("%d input(s) could not be read; everything else was scanned", len(rep.Errors))}
	case rep.Summary.Failed:
		return &exitError{code: ExitFindings}
	}
	return nil
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && os.Getenv("NO_COLOR") == "" && term.IsTerminal(int(f.Fd())) // #nosec G115 -- file descriptors fit in int
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
