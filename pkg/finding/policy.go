package finding

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
	"time"
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

// ParseIgnoreAnnotation reads "check: reason, check2: reason2".
func ParseIgnoreAnnotation(v string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		id, reason, _ := strings.Cut(part, ":")
		id = strings.TrimSpace(id)
		if id != "" {
			out[id] = strings.TrimSpace(reason)
		}
	}
	return out
}

func globMatch(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, err := path.Match(pattern, s)
	return err == nil && ok
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
			for id, reason := range ParseIgnoreAnnotation(v) {
				if globMatch(id, f.CheckID) {
					if reason == "" {
						warn(fmt.Sprintf("%s: annotation %s ignores %s without a reason", f.Resource, AnnotationIgnore, id))
					}
					f.Suppressed = &Suppression{Kind: "annotation", Reason: reason}
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
		if f.Suppressed == nil && p.Baseline[f.Fingerprint()] {
			f.Suppressed = &Suppression{Kind: "baseline", Reason: "present in the baseline report"}
		}
	}
	return warnings
}

func (r IgnoreRule) matches(f *Finding, labels map[string]string) bool {
	if !globMatch(r.Check, f.CheckID) || !globMatch(r.Kind, f.Resource.Kind) ||
		!globMatch(r.Namespace, f.Resource.Namespace) || !globMatch(r.Name, f.Resource.Name) {
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
