package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

var sevColor = map[finding.Severity]string{
	finding.SeverityCritical: "\x1b[1;35m",
	finding.SeverityHigh:     "\x1b[1;31m",
	finding.SeverityMedium:   "\x1b[33m",
	finding.SeverityLow:      "\x1b[36m",
	finding.SeverityInfo:     "\x1b[2m",
}

const reset = "\x1b[0m"

// Table writes findings grouped by resource, each group headed by the
// resource and where it is, wrapped to the width (100 columns by default).
func Table(w io.Writer, rep *finding.Report, opts Options) error {
	width := opts.Width
	if width <= 0 {
		width = 100
	}
	bw := &errWriter{w: w}
	paint := func(s finding.Severity, text string) string {
		if opts.Color {
			return sevColor[s] + text + reset
		}
		return text
	}
	type group struct {
		head  string
		items []finding.Finding
	}
	var groups []*group
	index := map[string]*group{}
	for _, f := range rep.Findings {
		if f.Suppressed != nil && !opts.ShowSuppressed {
			continue
		}
		head := f.Resource.String()
		if f.Location.File != "" {
			head += "  " + f.Location.File
		}
		g := index[head]
		if g == nil {
			g = &group{head: head}
			index[head] = g
			groups = append(groups, g)
		}
		g.items = append(g.items, f)
	}
	for _, g := range groups {
		bw.printf("%s\n", bold(opts.Color, g.head))
		for _, f := range g.items {
			line := ""
			if f.Location.Line > 0 {
				line = fmt.Sprintf("line %d", f.Location.Line)
			}
			sev := strings.ToUpper(f.Severity.String())
			bw.printf("  %s %-36s %s\n", paint(f.Severity, fmt.Sprintf("%-8s", sev)), f.CheckID, line)
			msg := f.Message
			if f.Suppressed != nil {
				msg = "(suppressed: " + f.Suppressed.Reason + ") " + msg
			}
			for _, l := range wrap(msg, width-13) {
				bw.printf("           %s\n", l)
			}
		}
		bw.printf("\n")
	}
	for _, e := range rep.Errors {
		bw.printf("%s %s\n", paint(finding.SeverityHigh, "ERROR"), e.Error())
	}
	for _, s := range rep.Skipped {
		bw.printf("SKIPPED %s %s: %s\n", s.CheckID, s.Resource, s.Reason)
	}
	for _, s := range rep.Warnings {
		bw.printf("WARNING %s\n", s)
	}
	sum := rep.Summary
	var parts []string
	for _, s := range finding.Severities {
		if n := sum.BySeverity[s.String()]; n > 0 {
			parts = append(parts, paint(s, fmt.Sprintf("%d %s", n, s)))
		}
	}
	counts := "no findings"
	if len(parts) > 0 {
		counts = strings.Join(parts, ", ")
	}
	bw.printf("%d objects scanned: %d findings (%s), %d suppressed, %d input errors, %d skipped\n",
		sum.Objects, sum.Findings, counts, sum.Suppressed, sum.Errors, sum.Skipped)
	if sum.Failed {
		bw.printf("FAILED: findings at or above %s\n", sum.FailOn)
	}
	return bw.err
}

func bold(color bool, s string) string {
	if color {
		return "\x1b[1m" + s + reset
	}
	return s
}

// wrap breaks text into lines of at most width runes at spaces.
func wrap(s string, width int) []string {
	if width < 20 {
		width = 20
	}
	var lines []string
	var cur strings.Builder
	for _, word := range strings.Fields(s) {
		if cur.Len() > 0 && cur.Len()+1+len(word) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}
