// Package report renders a finding.Report as a table for people, or as
// JSON, SARIF 2.1.0 and JUnit XML for machines. Renderers only format.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

// Formats lists the output formats.
var Formats = []string{"table", "json", "sarif", "junit"}

// Options configures rendering.
type Options struct {
	// Rules describe every check, for SARIF's rule list.
	Rules []check.Meta
	// Color enables ANSI colours in the table (only on a terminal).
	Color bool
	// Width is the table's line width.
	Width int
	// ShowSuppressed lists suppressed findings in the table too.
	ShowSuppressed bool
}

// Write renders the report in a format.
func Write(w io.Writer, format string, rep *finding.Report, opts Options) error {
	switch format {
	case "table", "":
		return Table(w, rep, opts)
	case "json":
		return JSON(w, rep)
	case "sarif":
		return SARIF(w, rep, opts)
	case "junit":
		return JUnit(w, rep)
	}
	return fmt.Errorf("unknown output format %q (want one of %v)", format, Formats)
}

// JSON writes the report as indented JSON; this is also the --baseline format.
func JSON(w io.Writer, rep *finding.Report) error {
	out := *rep
	if out.Findings == nil {
		out.Findings = []finding.Finding{}
	}
	if out.Errors == nil {
		out.Errors = []finding.InputError{}
	}
	if out.Skipped == nil {
		out.Skipped = []finding.Skipped{}
	}
	// A report that was never summarized would print "bySeverity": null,
	// which readers of the documented shape do not expect.
	if out.Summary.BySeverity == nil {
		out.Summary.BySeverity = map[string]int{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// ruleMeta finds a check's metadata, falling back to what the finding carries.
func ruleMeta(rules []check.Meta, f *finding.Finding) check.Meta {
	if i := slices.IndexFunc(rules, func(m check.Meta) bool { return m.ID == f.CheckID }); i >= 0 {
		return rules[i]
	}
	return check.Meta{ID: f.CheckID, Title: f.Title, Severity: f.Severity, Category: f.Category, Remediation: f.Remediation, Controls: f.Controls}
}

// suppressedNote says how and why a finding is suppressed; the kind is
// always there so that a suppression without a reason still reads well.
func suppressedNote(s *finding.Suppression) string {
	note := "suppressed by " + s.Kind
	if s.Reason != "" {
		note += ": " + s.Reason
	}
	return note
}
