package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

// SARIF 2.1.0, the subset GitHub code scanning reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical, finding.SeverityHigh:
		return "error"
	case finding.SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub's numeric scale: 9.0+ critical, 7.0+ high,
// 4.0+ medium, 0.1+ low.
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical:
		return "9.5"
	case finding.SeverityHigh:
		return "8.0"
	case finding.SeverityMedium:
		return "5.5"
	case finding.SeverityLow:
		return "3.0"
	}
	return "0.5"
}

func sarifRuleFor(m check.Meta) sarifRule {
	help := m.Why + "\nRemediation: " + m.Remediation
	md := "**" + m.Title + "**\n\n" + m.Why + "\n\n**Remediation:** " + m.Remediation
	if len(m.Controls) > 0 {
		help += "\nControls: " + strings.Join(m.Controls, ", ")
		md += "\n\n**Controls:** " + strings.Join(m.Controls, ", ")
	}
	return sarifRule{
		ID: m.ID, Name: ruleName(m.ID),
		ShortDescription:     sarifText{Text: m.Title},
		FullDescription:      sarifText{Text: m.Why},
		Help:                 sarifText{Text: help, Markdown: md},
		DefaultConfiguration: sarifConfig{Level: sarifLevel(m.Severity)},
		Properties: map[string]any{
			"tags":              uniqueTags(append([]string{"security", string(m.Category)}, m.Controls...)),
			"security-severity": securitySeverity(m.Severity),
			"precision":         "high",
		},
	}
}

// ruleName turns pss/run-as-non-root into PssRunAsNonRoot (SARIF names are identifiers).
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if r == '/' || r == '-' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}

// sarifURI turns a file path into a relative URI with forward slashes, the
// form code scanning matches against the repository. The path is
// percent-encoded because SARIF requires a valid URI reference: a space,
// "#" or "%" in a file name would otherwise break the URI or change its
// meaning, and a colon in the first segment would read as a scheme.
func sarifURI(file string) string {
	p := filepath.ToSlash(filepath.Clean(file))
	p = strings.TrimPrefix(p, "./")
	if filepath.IsAbs(file) {
		// file:///C:/x on Windows needs the slash before the drive letter.
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// uniqueTags keeps the first of each tag: SARIF's property bag requires
// distinct tags, and a control may be listed twice or equal the category.
func uniqueTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// SARIF writes the report as SARIF 2.1.0 with one rule per check.
func SARIF(w io.Writer, rep *finding.Report, opts Options) error {
	rules := opts.Rules
	idx := map[string]int{}
	driver := sarifDriver{Name: "rampart", Version: rep.Tool.Version, InformationURI: "https://github.com/rampart-k8s/rampart", Rules: []sarifRule{}}
	for _, m := range rules {
		idx[m.ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRuleFor(m))
	}
	results := []sarifResult{}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		ri, ok := idx[f.CheckID]
		if !ok {
			ri = len(driver.Rules)
			idx[f.CheckID] = ri
			driver.Rules = append(driver.Rules, sarifRuleFor(ruleMeta(rules, f)))
		}
		msg := f.Message
		if f.Resource.Kind != "" {
			msg = f.Resource.String() + ": " + msg
		}
		res := sarifResult{
			RuleID: f.CheckID, RuleIndex: ri, Level: sarifLevel(f.Severity), Message: sarifText{Text: msg},
			PartialFingerprints: map[string]string{"rampart/v1": fingerprint(f)},
			Properties:          map[string]any{"severity": f.Severity.String(), "category": string(f.Category)},
		}
		loc := sarifLocation{LogicalLocations: []sarifLogical{{FullyQualifiedName: f.Resource.String(), Kind: "resource"}}}
		if f.Location.File != "" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(f.Location.File)}}
			if f.Location.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Location.Line}
			}
		}
		res.Locations = []sarifLocation{loc}
		if f.Suppressed != nil {
			kind := "external"
			if f.Suppressed.Kind == "annotation" {
				kind = "inSource"
			}
			res.Suppressions = []sarifSuppression{{Kind: kind, Justification: f.Suppressed.Reason}}
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func fingerprint(f *finding.Finding) string {
	sum := sha256.Sum256([]byte(f.Fingerprint()))
	return hex.EncodeToString(sum[:16])
}
