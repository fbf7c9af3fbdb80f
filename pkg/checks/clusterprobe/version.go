package clusterprobe

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/vuln"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// serverVersion asks the API server its version (GET /version, read-only).
func serverVersion(cfg *rest.Config) (string, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return "", err
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return "", err
	}
	return v.GitVersion, nil
}

// versionAndData returns the CVE data and the server's version, or records
// why the check could not be evaluated.
func versionAndData(c *check.Context, id string, cfg *rest.Config) (*vuln.DB, string, bool) {
	data := c.Vuln
	if data == nil {
		var err error
		if data, err = vuln.Default(); err != nil {
			c.Skip(id, "", err.Error())
			return nil, "", false
		}
	}
	v, err := serverVersion(cfg)
	if err != nil {
		c.Skip(id, "", "cannot read the server version: "+err.Error())
		return nil, "", false
	}
	return data, v, true
}

func apiServer(cfg *rest.Config) finding.Resource {
	return finding.Resource{Kind: "APIServer", Name: strings.TrimPrefix(strings.TrimPrefix(cfg.Host, "https://"), "http://")}
}

var severityOf = map[string]finding.Severity{
	"critical": finding.SeverityCritical, "high": finding.SeverityHigh, "medium": finding.SeverityMedium,
	"low": finding.SeverityLow, "info": finding.SeverityInfo,
}

type versionVulnerable struct{}

func (versionVulnerable) Meta() check.Meta {
	return check.Meta{
		ID: "cluster/version-vulnerable", Title: "Kubernetes version with known CVEs", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCluster,
		Why:         "The control plane runs a release with published vulnerabilities that later patch releases fix.",
		Remediation: "upgrade to the fixed patch release of the minor (or newer)",
		Kinds:       []string{"(live API server)"},
	}
}

// CheckCluster compares the server's version with the CVE data: one
// finding listing every CVE, at the severity of the worst.
func (versionVulnerable) CheckCluster(_ context.Context, c *check.Context, cfg *rest.Config, report func(check.Result)) {
	id := versionVulnerable{}.Meta().ID
	data, v, ok := versionAndData(c, id, cfg)
	if !ok {
		return
	}
	matches, err := data.Affecting(v)
	if err != nil {
		c.Skip(id, "", fmt.Sprintf("cannot parse the server version %q: %v", v, err))
		return
	}
	// CVEs no release fixes (mitigated by configuration) are not a reason to
	// upgrade: every cluster has them; they stay out of this finding.
	var fixable []vuln.Match
	for _, m := range matches {
		if m.Fixable() {
			fixable = append(fixable, m)
		}
	}
	if len(fixable) == 0 {
		return
	}
	sev := finding.SeverityLow
	var ids []string
	var cves []map[string]any
	for _, m := range fixable {
		if s := severityOf[strings.ToLower(m.Severity)]; s > sev {
			sev = s
		}
		fix := m.FixedIn
		if fix == "" {
			fix = "a newer minor"
		}
		ids = append(ids, m.ID+" (fixed in "+fix+")")
		cves = append(cves, map[string]any{"id": m.ID, "severity": m.Severity, "fixedIn": m.FixedIn, "summary": m.Summary, "url": m.URL})
	}
	report(check.Result{Resource: apiServer(cfg), Field: "version", Severity: sev,
		Evidence: map[string]any{"version": v, "cves": cves, "data": data.Date},
		Message:  fmt.Sprintf("Kubernetes %s is affected by %d known CVE(s) that upgrades fix: %s", v, len(fixable), strings.Join(ids, ", "))})
}

type versionUnsupported struct{}

func (versionUnsupported) Meta() check.Meta {
	return check.Meta{
		ID: "cluster/version-unsupported", Title: "Kubernetes minor past its end of life", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCluster,
		Why:         "A minor release past its end of life gets no security fixes: every CVE found from then on stays open.",
		Remediation: "upgrade to a supported minor release",
		Kinds:       []string{"(live API server)"},
	}
}

func (versionUnsupported) CheckCluster(_ context.Context, c *check.Context, cfg *rest.Config, report func(check.Result)) {
	id := versionUnsupported{}.Meta().ID
	data, v, ok := versionAndData(c, id, cfg)
	if !ok {
		return
	}
	rel, past, ok := data.EndOfLife(v, time.Now())
	if !ok {
		c.Skip(id, "", fmt.Sprintf("the data (%s) has no end-of-life date for %s", data.Date, v))
		return
	}
	if past {
		planned := ""
		if !rel.Verified {
			planned = " (the planned date; the data could not confirm it)"
		}
		report(check.Result{Resource: apiServer(cfg), Field: "version",
			Evidence: map[string]any{"version": v, "minor": rel.Minor, "eol": rel.EOL, "verified": rel.Verified},
			Message:  fmt.Sprintf("Kubernetes %s: minor %s reached its end of life on %s%s", v, rel.Minor, rel.EOL, planned)})
	}
}
