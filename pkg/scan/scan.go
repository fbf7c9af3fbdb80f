// Package scan runs rampart's pipeline end to end: sources fill an
// inventory, the checks of the registry produce findings, the policy marks
// suppressed ones, and the result is a report ready for any renderer.
package scan

import (
	"context"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/source"
	"github.com/rampart-k8s/rampart/pkg/source/cluster"
	"github.com/rampart-k8s/rampart/pkg/vuln"
	"k8s.io/client-go/rest"
)

// Options configures a scan.
type Options struct {
	Paths    []string
	Source   source.Options
	Config   *config.Config
	Registry *check.Registry
	// FailOn is the threshold; 0 means never fail.
	FailOn finding.Severity
	// Baseline holds fingerprints of known findings (from --baseline).
	Baseline map[string]bool
	// Now judges suppression expiry; zero means time.Now().
	Now time.Time
	// Vuln replaces the embedded CVE data (--db).
	Vuln    *vuln.DB
	Version string
}

// Files reads the inputs and runs the checks on them.
func Files(opts Options) *finding.Report {
	res := source.Load(opts.Paths, opts.Source)
	rep := Inventory(inventory.New(res.Objects), opts)
	rep.Errors = append(rep.Errors, res.Errors...)
	rep.Sort()
	rep.Summarize(rep.Summary.Objects, opts.FailOn)
	return rep
}

// Inventory runs the checks on an inventory that is already built.
func Inventory(inv *inventory.Inventory, opts Options) *finding.Report {
	return run(context.Background(), inv, opts, nil)
}

// run runs the registry's checks (and, given a live configuration, its
// cluster probes) and applies the policy to all their findings.
func run(ctx context.Context, inv *inventory.Inventory, opts Options, live *rest.Config) *finding.Report {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	checkCtx := &check.Context{Inventory: inv, Config: cfg, Vuln: opts.Vuln}
	rep := &finding.Report{
		Tool:     finding.Tool{Name: "rampart", Version: opts.Version},
		Findings: opts.Registry.Run(checkCtx),
		Errors:   []finding.InputError{},
		Skipped:  []finding.Skipped{},
	}
	if live != nil {
		rep.Findings = append(rep.Findings, opts.Registry.RunCluster(ctx, checkCtx, live)...)
	}
	rep.Skipped = append(rep.Skipped, checkCtx.Skipped()...)
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	pol := finding.Policy{Baseline: opts.Baseline, Now: now}
	for _, r := range cfg.Ignore {
		pol.Rules = append(pol.Rules, finding.IgnoreRule{Check: r.Check, Kind: r.Kind, Namespace: r.Namespace,
			Name: r.Name, Labels: r.Labels, Reason: r.Reason, Expires: r.Expires})
	}
	rep.Warnings = pol.Apply(rep.Findings, func(f *finding.Finding) finding.Target {
		if o := inv.Get(f.Resource.Kind, f.Resource.Namespace, f.Resource.Name); o != nil {
			return finding.Target{Annotations: o.Annotations(), Labels: o.Labels()}
		}
		return finding.Target{}
	})
	rep.Sort()
	rep.Summarize(inv.Len(), opts.FailOn)
	return rep
}

// Cluster reads a live cluster and runs the checks on what it holds. What
// the credentials could not list is in the report's skipped list; failures
// to reach the server are input errors.
func Cluster(ctx context.Context, opts Options, live cluster.Options) *finding.Report {
	res := cluster.Load(ctx, live)
	rep := run(ctx, inventory.New(res.Objects), opts, live.Config)
	rep.Errors = append(rep.Errors, res.Errors...)
	rep.Skipped = append(rep.Skipped, res.Skipped...)
	rep.Sort()
	rep.Summarize(rep.Summary.Objects, opts.FailOn)
	return rep
}
