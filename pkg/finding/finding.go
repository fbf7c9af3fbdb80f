// Package finding defines the one shape every rampart analyzer reports in,
// the report that carries them, and the policy steps (suppression, baseline,
// threshold) applied to them before rendering.
package finding

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity orders findings; the zero value is invalid so that a forgotten
// severity is caught by tests rather than rendered as "info".
type Severity int

const (
	SeverityInfo Severity = iota + 1
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = map[Severity]string{
	SeverityInfo:     "info",
	SeverityLow:      "low",
	SeverityMedium:   "medium",
	SeverityHigh:     "high",
	SeverityCritical: "critical",
}

// Severities lists all severities from the most to the least severe.
var Severities = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity accepts the lower-case names used in reports and flags.
func ParseSeverity(s string) (Severity, error) {
	for k, v := range severityNames {
		if strings.EqualFold(v, s) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of critical, high, medium, low, info)", s)
}

func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (s *Severity) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	v, err := ParseSeverity(str)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Category is one of the four layers rampart covers.
type Category string

const (
	CategoryCloud     Category = "cloud"
	CategoryCluster   Category = "cluster"
	CategoryContainer Category = "container"
	CategoryCode      Category = "code"
)

// Resource identifies the object a finding is about.
type Resource struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
	UID        string `json:"uid,omitempty"`
}

// String renders the resource as kind/namespace/name, the way kubectl users read it.
func (r Resource) String() string {
	var b strings.Builder
	b.WriteString(r.Kind)
	if r.Kind == "" {
		b.WriteString("(unknown kind)")
	}
	b.WriteString("/")
	if r.Namespace != "" {
		b.WriteString(r.Namespace)
		b.WriteString("/")
	}
	if r.Name == "" {
		b.WriteString("(unnamed)")
	} else {
		b.WriteString(r.Name)
	}
	return b.String()
}

// Location is where in the input a finding points.
type Location struct {
	File  string `json:"file,omitempty"`
	Line  int    `json:"line,omitempty"`
	Field string `json:"field,omitempty"`
}

// Finding is the single shape of every result rampart reports.
type Finding struct {
	CheckID     string            `json:"checkID"`
	Title       string            `json:"title"`
	Severity    Severity          `json:"severity"`
	Category    Category          `json:"category"`
	Resource    Resource          `json:"resource"`
	Location    Location          `json:"location"`
	Message     string            `json:"message"`
	Remediation string            `json:"remediation,omitempty"`
	Controls    []string          `json:"controls,omitempty"`
	Evidence    map[string]any    `json:"evidence,omitempty"`
	Suppressed  *Suppression      `json:"suppressed,omitempty"`
	Labels      map[string]string `json:"-"`
}

// Suppression records why a finding is not counted against the threshold.
type Suppression struct {
	Kind    string `json:"kind"` // annotation, config or baseline
	Reason  string `json:"reason,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// Fingerprint identifies a finding across runs for baselines: the check,
// the resource, the field and the severity. It leaves out lines, file paths
// and messages (which carry counts and context that change between scans),
// so that only a new or a worsened finding resurfaces.
func (f *Finding) Fingerprint() string {
	return strings.Join([]string{f.CheckID, f.Resource.Kind, f.Resource.Namespace, f.Resource.Name,
		f.Location.Field, f.Severity.String()}, "\x1f")
}

// InputError is an input that could not be read or decoded.
type InputError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (e InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Message)
}

// Skipped is a check (or part of one) that could not be evaluated.
type Skipped struct {
	CheckID  string `json:"checkID,omitempty"`
	Resource string `json:"resource,omitempty"`
	Reason   string `json:"reason"`
	// Location is where the setting that could not be judged is written
	// (a Terraform attribute whose value is not known, say).
	Location *Location `json:"location,omitempty"`
}
