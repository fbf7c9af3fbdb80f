// Package checktest runs checks over manifests written inline in tests,
// through the real source, inventory, registry and policy.
package checktest

import (
	"slices"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/scan"
	"github.com/rampart-k8s/rampart/pkg/source"
)

// Scan parses the manifests and runs every check with the configuration
// (nil for the default). Input errors fail the test.
func Scan(t testing.TB, manifests string, cfg *config.Config) *finding.Report {
	t.Helper()
	objs, errs := source.Parse("test.yaml", []byte(manifests), source.Limits{})
	if len(errs) > 0 {
		t.Fatalf("test manifests do not parse: %v", errs)
	}
	return scan.Inventory(inventory.New(objs), scan.Options{Config: cfg, Registry: all.Registry(), Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
}

// Find returns the active findings of one check.
func Find(rep *finding.Report, checkID string) []finding.Finding {
	var out []finding.Finding
	for _, f := range rep.Findings {
		if f.CheckID == checkID && f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out
}

// IDs lists the check IDs of active findings, sorted and unique.
func IDs(rep *finding.Report) []string {
	var ids []string
	for _, f := range rep.Findings {
		if f.Suppressed == nil && !slices.Contains(ids, f.CheckID) {
			ids = append(ids, f.CheckID)
		}
	}
	slices.Sort(ids)
	return ids
}
