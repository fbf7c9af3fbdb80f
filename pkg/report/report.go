// Package report renders a finding.Report as a table for people, or as
// JSON, SARIF 2.1.0 and JUnit XML for machines. Renderers only format.
package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

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
	// The findings are most of the output: encode them on every core into
	// separate buffers and splice them into the rest of the report, instead
	// of building one document of tens of megabytes, then an indented copy.
	findings := out.Findings
	out.Findings = []finding.Finding{}
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return err
	}
	const placeholder = "\n  \"findings\": [],\n"
	pre, post, ok := bytes.Cut(head.Bytes(), []byte(placeholder))
	if !ok || len(findings) == 0 {
		out.Findings = findings
		_, err := w.Write(head.Bytes())
		return err
	}
	chunks, err := encodeFindings(findings)
	if err != nil {
		return err
	}
	// A bufio.Writer keeps its first error and Flush returns it, so the
	// writes' own results carry nothing more.
	bw := bufio.NewWriterSize(w, 1<<16)
	_, _ = bw.Write(pre)
	_, _ = bw.WriteString("\n  \"findings\": [\n")
	for i, c := range chunks {
		if i > 0 {
			_, _ = bw.WriteString(",\n")
		}
		_, _ = bw.Write(c)
	}
	_, _ = bw.WriteString("\n  ],\n")
	_, _ = bw.Write(post)
	return bw.Flush()
}

// encodeFindings encodes findings as the members of an array indented two
// levels deep, split across cores; each chunk holds whole findings joined
// by ",\n".
func encodeFindings(findings []finding.Finding) ([][]byte, error) {
	workers := min(runtime.GOMAXPROCS(0), (len(findings)+999)/1000)
	chunks := make([][]byte, workers)
	errs := make([]error, workers)
	size := (len(findings) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*size, min((w+1)*size, len(findings))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetIndent("    ", "  ")
			enc.SetEscapeHTML(false)
			for i := lo; i < hi; i++ {
				if i > lo {
					buf.WriteString(",\n")
				}
				buf.WriteString("    ")
				if err := enc.Encode(&findings[i]); err != nil {
					errs[w] = err
					return
				}
				buf.Truncate(buf.Len() - 1) // the encoder's newline
			}
			chunks[w] = buf.Bytes()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	var out [][]byte
	for _, c := range chunks {
		if len(c) > 0 {
			out = append(out, c)
		}
	}
	return out, nil
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
