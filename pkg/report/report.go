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
	// A bufio.Writer keeps its first error and Flush returns it, so the
	// writes' own results carry nothing more.
	bw := bufio.NewWriterSize(w, 1<<16)
	_, _ = bw.Write(pre)
	_, _ = bw.WriteString("\n  \"findings\": [\n")
	err := encodeFindings(findings, func(i int, chunk []byte) {
		if i > 0 {
			_, _ = bw.WriteString(",\n")
		}
		_, _ = bw.Write(chunk)
	})
	if err != nil {
		return err
	}
	_, _ = bw.WriteString("\n  ],\n")
	_, _ = bw.Write(post)
	return bw.Flush()
}

// findingsPerBatch keeps each encoded batch small, so that memory for the
// output stays a few batches however many findings there are.
const findingsPerBatch = 256

// encodeFindings encodes findings as members of an array indented two levels
// deep, in batches spread over the cores, and hands the batches to write in
// order (a batch holds whole findings joined by ",\n"; write must not keep
// it: its buffer is reused).
func encodeFindings(findings []finding.Finding, write func(i int, chunk []byte)) error {
	batches := (len(findings) + findingsPerBatch - 1) / findingsPerBatch
	workers := runtime.GOMAXPROCS(0)
	results := make([]chan []byte, batches)
	for i := range results {
		results[i] = make(chan []byte, 1)
	}
	var firstErr error
	var mu sync.Mutex
	next := make(chan int)
	// Bound the batches in flight: a worker may run ahead of the writer by
	// at most 2*workers batches.
	sem := make(chan struct{}, 2*workers)
	// Written batches' buffers are reused.
	free := make(chan []byte, 3*workers)
	go func() {
		for i := 0; i < batches; i++ {
			sem <- struct{}{}
			next <- i
		}
		close(next)
	}()
	for w := 0; w < workers; w++ {
		go func() {
			e := newFindingEncoder()
			for b := range next {
				var buf []byte
				select {
				case buf = <-free:
				default:
				}
				buf = buf[:0]
				lo, hi := b*findingsPerBatch, min((b+1)*findingsPerBatch, len(findings))
				for i := lo; i < hi; i++ {
					if i > lo {
						buf = append(buf, ",\n"...)
					}
					buf = append(buf, "    "...)
					var err error
					if buf, err = e.append(buf, &findings[i]); err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						break
					}
				}
				results[b] <- buf
			}
		}()
	}
	for i := 0; i < batches; i++ {
		chunk := <-results[i]
		write(i, chunk)
		<-sem
		select {
		case free <- chunk:
		default:
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return firstErr
}

// indentCompact indents compact JSON (as json.Encoder writes it) exactly as
// json.Indent would, in one pass without json.Indent's validating scanner.
// The input is trusted: it is the encoder's own output (evidence values of
// types the finding encoder leaves to encoding/json).
func indentCompact(dst *bytes.Buffer, src []byte, prefix, indent string) {
	depth := 0
	newline := func() {
		dst.WriteByte('\n')
		dst.WriteString(prefix)
		for i := 0; i < depth; i++ {
			dst.WriteString(indent)
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			dst.Write(src[i : j+1])
			i = j
		case '{', '[':
			dst.WriteByte(c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst.WriteByte(src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst.WriteByte(c)
		case ',':
			dst.WriteByte(c)
			newline()
		case ':':
			dst.WriteString(": ")
		default:
			dst.WriteByte(c)
		}
	}
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
