package finding

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rampart-k8s/rampart/pkg/glob"
)

// AnnotationIgnore is the annotation that suppresses findings on an object:
// comma-separated "checkID: reason" entries; the check may be a glob.
const AnnotationIgnore = "rampart.dev/ignore"

// IgnoreRule is one suppression from the config file.
type IgnoreRule struct {
	Check     string
	Kind      string
	Namespace string
	Name      string
	Labels    map[string]string
	Reason    string
	Expires   string
}

// Policy holds what decides a finding's fate after the checks ran.
type Policy struct {
	Rules []IgnoreRule
	// Baseline holds fingerprints of an earlier report's findings.
	Baseline map[string]bool
	// Now is the date expiry is judged against.
	Now time.Time
}

// Target is what a suppression needs to know about a finding's object.
type Target struct {
	Annotations map[string]string
	Labels      map[string]string
}

// AnnotationEntry is one "checkID: reason" of the ignore annotation.
type AnnotationEntry struct {
	Check  string
	Reason string
}

// entryStart finds where an entry begins: a check ID (or glob, or a CIS
// alias such as cis/1.2.1) and a colon. Commas elsewhere belong to the
// reason ("legacy image, ticket SEC-12").
var entryStart = regexp.MustCompile(`(?:^|,)\s*([a-z0-9*?-]+/[a-z0-9*?.-]+|\*)\s*:`)

// ParseIgnoreAnnotation reads "check: reason, check2: reason2" in the order
// written. A reason may itself contain commas.
func ParseIgnoreAnnotation(v string) []AnnotationEntry {
	locs := entryStart.FindAllStringSubmatchIndex(v, -1)
	out := make([]AnnotationEntry, 0, len(locs))
	for i, l := range locs {
		end := len(v)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out = append(out, AnnotationEntry{Check: v[l[2]:l[3]], Reason: strings.TrimSpace(v[l[1]:end])})
	}
	return out
}

// Apply marks suppressed findings and returns warnings (expired rules,
// annotations without a reason). Findings are never removed.
func (p *Policy) Apply(findings []Finding, target func(*Finding) Target) []string {
	var warnings []string
	warned := map[string]bool{}
	warn := func(s string) {
		if !warned[s] {
			warned[s] = true
			warnings = append(warnings, s)
		}
	}
	today := p.Now.Format(time.DateOnly)
	for i := range findings {
		f := &findings[i]
		t := target(f)
		if v, ok := t.Annotations[AnnotationIgnore]; ok {
			// The first entry that names the check wins, in the order written.
			for _, e := range ParseIgnoreAnnotation(v) {
				if MatchCheck(e.Check, f.CheckID, f.Controls) {
					if e.Reason == "" {
						warn(fmt.Sprintf("%s: annotation %s ignores %s without a reason", f.Resource, AnnotationIgnore, e.Check))
					}
					f.Suppressed = &Suppression{Kind: "annotation", Reason: e.Reason}
					break
				}
			}
		}
		if f.Suppressed != nil {
			continue
		}
		for _, r := range p.Rules {
			if !r.matches(f, t.Labels) {
				continue
			}
			if r.Expires != "" && r.Expires < today {
				warn(fmt.Sprintf("ignore rule for %s (%s) expired on %s: its findings are reported again", r.Check, r.Reason, r.Expires))
				continue
			}
			f.Suppressed = &Suppression{Kind: "config", Reason: r.Reason, Expires: r.Expires}
			break
		}
		if f.Suppressed == nil && len(p.Baseline) > 0 && p.Baseline[f.Fingerprint()] {
			f.Suppressed = &Suppression{Kind: "baseline", Reason: "present in the baseline report"}
		}
	}
	return warnings
}

func (r IgnoreRule) matches(f *Finding, labels map[string]string) bool {
	if !MatchCheck(r.Check, f.CheckID, f.Controls) || !glob.Match(r.Kind, f.Resource.Kind) ||
		!glob.Match(r.Namespace, f.Resource.Namespace) || !glob.Match(r.Name, f.Resource.Name) {
		return false
	}
	for k, v := range r.Labels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// LoadBaseline reads an earlier JSON report and returns its findings'
// fingerprints. Findings suppressed in that report count as known too.
func LoadBaseline(file string) (map[string]bool, error) {
	data, err := os.ReadFile(file) // #nosec G304 -- the user's own baseline report
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s is not a rampart JSON report: %v", file, err)
	}
	out := make(map[string]bool, len(r.Findings))
	for i := range r.Findings {
		out[r.Findings[i].Fingerprint()] = true
	}
	return out, nil
}
