package finding

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
)

// Tool describes the program that produced a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Summary counts findings; suppressed findings are counted apart, never dropped.
type Summary struct {
	Objects    int            `json:"objects"`
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"bySeverity"`
	Suppressed int            `json:"suppressed"`
	Errors     int            `json:"errors"`
	Skipped    int            `json:"skipped"`
	FailOn     string         `json:"failOn,omitempty"`
	Failed     bool           `json:"failed"`
}

// Report is what renderers format.
type Report struct {
	Tool     Tool         `json:"tool"`
	Summary  Summary      `json:"summary"`
	Findings []Finding    `json:"findings"`
	Errors   []InputError `json:"errors"`
	Skipped  []Skipped    `json:"skipped"`
	// Warnings are notes for the user that are not findings, such as expired suppressions.
	Warnings []string `json:"warnings,omitempty"`
}

// Active returns the findings that are not suppressed.
func (r *Report) Active() []Finding {
	out := make([]Finding, 0, len(r.Findings))
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out
}

// Sort puts findings, errors and skipped entries in a deterministic order:
// by file and line, then resource, then check.
func (r *Report) Sort() {
	sortFindings(r.Findings)
	slices.SortStableFunc(r.Errors, func(a, b InputError) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message))
	})
	slices.SortStableFunc(r.Skipped, func(a, b Skipped) int {
		return cmp.Or(cmp.Compare(a.CheckID, b.CheckID), cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Reason, b.Reason))
	})
}

// parallelSortMin is the number of findings from which the two halves are
// sorted on two cores.
const parallelSortMin = 4096

// sortFindings sorts findings stably. Findings are large: it sorts their
// indexes, ties broken by position, then moves each finding once, in place.
// A large report is sorted in two halves at once, then merged: sorting is
// most of a report's serial work after the checks.
func sortFindings(fs []Finding) {
	idx := make([]int, len(fs))
	for i := range idx {
		idx[i] = i
	}
	order := func(a, b int) int {
		return cmp.Or(compareFindings(&fs[a], &fs[b]), cmp.Compare(a, b))
	}
	if len(idx) < parallelSortMin || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(idx, order)
	} else {
		lo, hi := idx[:len(idx)/2], idx[len(idx)/2:]
		done := make(chan struct{})
		go func() {
			slices.SortFunc(lo, order)
			close(done)
		}()
		slices.SortFunc(hi, order)
		<-done
		merged := make([]int, 0, len(idx))
		for len(lo) > 0 && len(hi) > 0 {
			if order(lo[0], hi[0]) < 0 {
				merged, lo = append(merged, lo[0]), lo[1:]
			} else {
				merged, hi = append(merged, hi[0]), hi[1:]
			}
		}
		idx = append(append(merged, lo...), hi...)
	}
	// fs[i] must become the finding at idx[i]: follow each cycle of the
	// permutation, marking done positions with idx[i] = i.
	for start := range idx {
		if idx[start] == start {
			continue
		}
		tmp := fs[start]
		i := start
		for {
			from := idx[i]
			idx[i] = i
			if from == start {
				fs[i] = tmp
				break
			}
			fs[i] = fs[from]
			i = from
		}
	}
}

func compareFindings(a, b *Finding) int {
	// Each comparison only when the previous ones tie (cmp.Or would make
	// them all): sorting is most of the report's serial work.
	if c := strings.Compare(a.Location.File, b.Location.File); c != 0 {
		return c
	}
	if c := strings.Compare(a.Resource.Namespace, b.Resource.Namespace); c != 0 {
		return c
	}
	if c := strings.Compare(a.Resource.Kind, b.Resource.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Resource.Name, b.Resource.Name); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Location.Line, b.Location.Line); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := strings.Compare(a.CheckID, b.CheckID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Location.Field, b.Location.Field); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}

// Summarize fills the summary from the findings. threshold 0 means "never fail".
func (r *Report) Summarize(objects int, threshold Severity) {
	s := Summary{Objects: objects, BySeverity: map[string]int{}, Errors: len(r.Errors), Skipped: len(r.Skipped)}
	for _, sev := range Severities {
		s.BySeverity[sev.String()] = 0
	}
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			s.Suppressed++
			continue
		}
		s.Findings++
		s.BySeverity[f.Severity.String()]++
		if threshold != 0 && f.Severity >= threshold {
			s.Failed = true
		}
	}
	if threshold != 0 {
		s.FailOn = threshold.String()
	} else {
		s.FailOn = "none"
	}
	r.Summary = s
}
