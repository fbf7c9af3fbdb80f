package report

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

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
		head := clean(f.Resource.String())
		if f.Location.File != "" {
			head += "  " + clean(f.Location.File)
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
		// A header too long for the width (deep chart paths, long names)
		// puts the file on its own indented line rather than overflowing.
		if visibleLen(g.head) <= width {
			bw.printf("%s\n", bold(opts.Color, g.head))
		} else {
			resource, file, _ := strings.Cut(g.head, "  ")
			for _, l := range wrap(resource, width) {
				bw.printf("%s\n", bold(opts.Color, l))
			}
			for _, l := range wrap(file, width-2) {
				bw.printf("  %s\n", l)
			}
		}
		for _, f := range g.items {
			line := ""
			if f.Location.Line > 0 {
				line = fmt.Sprintf("line %d", f.Location.Line)
			}
			sev := strings.ToUpper(f.Severity.String())
			// Trimmed so that a finding without a line (a live resource)
			// does not end in the padding meant to align the line column.
			head := fmt.Sprintf("  %s %-36s %s", paint(f.Severity, fmt.Sprintf("%-8s", sev)), f.CheckID, line)
			bw.printf("%s\n", strings.TrimRight(head, " "))
			msg := clean(f.Message)
			if f.Suppressed != nil {
				msg = "(" + clean(suppressedNote(f.Suppressed)) + ") " + msg
			}
			for _, l := range wrap(msg, width-13) {
				bw.printf("           %s\n", l)
			}
		}
		bw.printf("\n")
	}
	for _, e := range rep.Errors {
		bw.hanging(paint(finding.SeverityHigh, "ERROR")+" "+clean(e.Error()), width)
	}
	for _, s := range rep.Skipped {
		where := ""
		if l := s.Location; l != nil && l.File != "" {
			where = " (" + l.File
			if l.Line > 0 {
				where += fmt.Sprintf(":%d", l.Line)
			}
			where += ")"
		}
		bw.hanging(clean(fmt.Sprintf("SKIPPED %s %s%s: %s", s.CheckID, s.Resource, where, s.Reason)), width)
	}
	for _, s := range rep.Warnings {
		bw.hanging("WARNING "+clean(s), width)
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
	// With every severity present the summary runs past 100 columns, so it
	// wraps like everything else.
	bw.hanging(fmt.Sprintf("%d objects scanned: %d findings (%s), %d suppressed, %d input errors, %d skipped",
		sum.Objects, sum.Findings, counts, sum.Suppressed, sum.Errors, sum.Skipped), width)
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

// wrap breaks text into lines of at most width visible runes at spaces.
// Widths count runes, not bytes, and skip ANSI escapes, so that non-ASCII
// and coloured text do not wrap early; a word longer than the width (an
// image digest, a long path) is cut, since it would overflow otherwise.
func wrap(s string, width int) []string {
	if width < 20 {
		width = 20
	}
	var lines []string
	var cur strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		wn := visibleLen(word)
		if n > 0 && n+1+wn > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		for n == 0 && wn > width {
			head, rest := cutVisible(word, width)
			lines = append(lines, head)
			word, wn = rest, visibleLen(rest)
		}
		if wn == 0 {
			continue
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wn
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// visibleLen counts the runes a terminal shows, leaving out ANSI escapes.
func visibleLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if j := escapeEnd(s, i); j > i {
			i = j
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// cutVisible splits s after width visible runes, keeping escapes whole.
func cutVisible(s string, width int) (head, rest string) {
	n := 0
	for i := 0; i < len(s); {
		if j := escapeEnd(s, i); j > i {
			i = j
			continue
		}
		if n == width {
			return s[:i], s[i:]
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return s, ""
}

// escapeEnd returns the end of the ANSI CSI sequence starting at i, or i.
func escapeEnd(s string, i int) int {
	if !strings.HasPrefix(s[i:], "\x1b[") {
		return i
	}
	for j := i + 2; j < len(s); j++ {
		if s[j] >= 0x40 && s[j] <= 0x7e {
			return j + 1
		}
	}
	return len(s)
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

// hanging prints text wrapped to the width with continuation lines
// indented, so that a long error or warning stays readable as one entry.
func (e *errWriter) hanging(text string, width int) {
	const indent = "    "
	for i, l := range wrap(text, width-len(indent)) {
		if i > 0 {
			l = indent + l
		}
		e.printf("%s\n", l)
	}
}

// clean escapes control characters (ESC, CR, C1 controls, ...) in text that
// comes from the scanned files, so that a manifest cannot move the cursor,
// recolour or rewrite a reader's terminal.
func clean(s string) string {
	dirty := false
	for _, r := range s {
		if unicode.IsControl(r) {
			dirty = true
			break
		}
	}
	if !dirty {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
