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
	checkCtx := newContext(opts)
	checkCtx.Inventory = inventory.New(res.Objects)
	checkCtx.Inventory.AddArtifacts(res.Artifacts...)
	rep := newReport(opts, opts.Registry.Run(checkCtx))
	rep.Errors = append(rep.Errors, res.Errors...)
	rep.Skipped = append(rep.Skipped, res.Skipped...)
	return finish(rep, checkCtx, opts)
}

// Inventory runs the checks on an inventory that is already built.
func Inventory(inv *inventory.Inventory, opts Options) *finding.Report {
	checkCtx := newContext(opts)
	checkCtx.Inventory = inv
	rep := newReport(opts, opts.Registry.Run(checkCtx))
	return finish(rep, checkCtx, opts)
}

func newContext(opts Options) *check.Context {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	return &check.Context{Config: cfg, Vuln: opts.Vuln}
}

func newReport(opts Options, findings []finding.Finding) *finding.Report {
	return &finding.Report{
		Tool:     finding.Tool{Name: "rampart", Version: opts.Version},
		Findings: findings,
		Errors:   []finding.InputError{},
		Skipped:  []finding.Skipped{},
	}
}

// finish applies the policy to the findings of a run on checkCtx's
// inventory, then sorts and summarizes the report.
func finish(rep *finding.Report, checkCtx *check.Context, opts Options) *finding.Report {
	inv := checkCtx.Inventory
	rep.Skipped = append(rep.Skipped, checkCtx.Skipped()...)
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	pol := finding.Policy{Baseline: opts.Baseline, Now: now}
	for _, r := range checkCtx.Config.Ignore {
		pol.Rules = append(pol.Rules, finding.IgnoreRule{Check: r.Check, Kind: r.Kind, Namespace: r.Namespace,
			Name: r.Name, Labels: r.Labels, Reason: r.Reason, Expires: r.Expires})
	}
	// Inputs that are not objects carry their inline suppressions.
	var artifactIgnores map[string]string
	for _, a := range inv.Artifacts() {
		for k, v := range a.Ignores {
			if artifactIgnores == nil {
				artifactIgnores = map[string]string{}
			}
			artifactIgnores[k] = v
		}
	}
	// Findings come object by object: look each object up once.
	var last finding.Resource
	var lastTarget finding.Target
	rep.Warnings = pol.Apply(rep.Findings, func(f *finding.Finding) finding.Target {
		r := finding.Resource{Kind: f.Resource.Kind, Namespace: f.Resource.Namespace, Name: f.Resource.Name}
		if r == last {
			return lastTarget
		}
		last, lastTarget = r, finding.Target{}
		if o := inv.Get(r.Kind, r.Namespace, r.Name); o != nil {
			lastTarget = finding.Target{Annotations: o.Annotations(), Labels: o.Labels()}
		} else if v, ok := artifactIgnores[r.Kind+"/"+r.Name]; ok && r.Namespace == "" {
			lastTarget = finding.Target{Annotations: map[string]string{finding.AnnotationIgnore: v}}
		}
		return lastTarget
	})
	rep.Sort()
	rep.Summarize(inv.Len()+len(inv.Artifacts()), opts.FailOn)
	return rep
}

// Cluster reads a live cluster and runs the checks on what it holds. What
// the credentials could not list is in the report's skipped list; failures
// to reach the server are input errors.
//
// The object checks run on each page of objects as it arrives, while the
// rest is still being listed, and the probes of the API server run
// meanwhile too; what needs the whole inventory runs once the listing is
// done.
func Cluster(ctx context.Context, opts Options, live cluster.Options) *finding.Report {
	checkCtx := newContext(opts)
	checkCtx.Live = true
	probes := make(chan []finding.Finding, 1)
	go func() { probes <- opts.Registry.RunCluster(ctx, checkCtx, live.Config) }()
	stream := opts.Registry.Stream(checkCtx)
	if next := live.Objects; next != nil {
		live.Objects = func(objs []*inventory.Object) {
			stream.Add(objs)
			next(objs)
		}
	} else {
		live.Objects = stream.Add
	}
	res := cluster.Load(ctx, live)
	findings := stream.Finish(inventory.New(res.Objects))
	findings = append(findings, <-probes...)
	rep := newReport(opts, findings)
	rep.Errors = append(rep.Errors, res.Errors...)
	rep.Skipped = append(rep.Skipped, res.Skipped...)
	return finish(rep, checkCtx, opts)
}
