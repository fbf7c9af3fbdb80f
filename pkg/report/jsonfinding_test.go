package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// encodingJSON is a finding as the report's encoder writes it: indented as
// a member of the findings array (the first line's indentation is the
// caller's).
func encodingJSON(t *testing.T, f *finding.Finding) string {
	t.Helper()
	var compact, out bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&out, bytes.TrimSuffix(compact.Bytes(), []byte("\n")), "    ", "  "); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// awkward are strings that JSON escapes or that encoding/json treats
// specially.
var awkward = []string{"", "plain", `quote " and \ backslash`, "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f",
	"<html> & 'single'", "é ✓ 日本", "line\u2028para\u2029", "bad \xff\xfe utf8", "\xe2\x82", "{[,:]}"}

// TestFindingEncoderMatchesEncodingJSON: the findings of a report are
// written byte for byte as encoding/json writes them, on every member,
// present or omitted, and on awkward strings and evidence values.
func TestFindingEncoderMatchesEncodingJSON(t *testing.T) {
	findings := []finding.Finding{
		{},
		{CheckID: "a/b", Title: "t", Severity: finding.SeverityHigh, Category: finding.CategoryContainer, Message: "m"},
		{CheckID: "a/b", Severity: finding.Severity(42), Controls: []string{}, Evidence: map[string]any{}},
		{CheckID: "a/b", Resource: finding.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "web", UID: "u-1"},
			Location: finding.Location{File: "f.yaml", Line: 12, Field: "spec.template"}, Remediation: "r",
			Controls:   []string{"CIS 5.2.6", "PSS restricted"},
			Suppressed: &finding.Suppression{Kind: "config", Reason: "because", Expires: "2027-01-01"}},
		{Resource: finding.Resource{Name: "only"}, Location: finding.Location{Line: 3}, Suppressed: &finding.Suppression{Kind: "baseline"}},
		{Labels: map[string]string{"not": "rendered"}, Evidence: map[string]any{
			"string": "s", "int": 7, "negative": -3, "bool": true, "false": false, "nil": nil,
			"strings": []string{"a", "b"}, "emptyStrings": []string{}, "nilStrings": []string(nil),
			"float": 1.5, "bigFloat": 1e21, "int64": int64(1) << 40, "uint": uint8(9),
			"anys": []any{1, "x", nil, []any{}, map[string]any{}}, "map": map[string]any{"z": 1, "a": []string{"q"}},
			"struct": finding.Resource{Kind: "Pod"}, "severity": finding.SeverityLow, "html": "<&>",
		}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return awkward[rng.IntN(len(awkward))] }
	for i := 0; i < 300; i++ {
		f := finding.Finding{CheckID: pick(), Title: pick(), Severity: finding.Severity(rng.IntN(7)), Category: finding.Category(pick()),
			Resource: finding.Resource{APIVersion: pick(), Kind: pick(), Namespace: pick(), Name: pick(), UID: pick()},
			Location: finding.Location{File: pick(), Line: rng.IntN(3), Field: pick()}, Message: pick(), Remediation: pick()}
		for range rng.IntN(3) {
			f.Controls = append(f.Controls, pick())
		}
		if n := rng.IntN(4); n > 0 {
			f.Evidence = map[string]any{}
			for range n {
				f.Evidence[pick()] = []any{pick(), []string{pick()}, rng.IntN(100), map[string]any{pick(): pick()}}[rng.IntN(4)]
			}
		}
		if rng.IntN(3) == 0 {
			f.Suppressed = &finding.Suppression{Kind: pick(), Reason: pick(), Expires: pick()}
		}
		findings = append(findings, f)
	}
	e := newFindingEncoder()
	for i := range findings {
		got, err := e.append(nil, &findings[i])
		if err != nil {
			t.Fatal(err)
		}
		if want := encodingJSON(t, &findings[i]); string(got) != want {
			t.Fatalf("finding %d:\n%s\nwant\n%s", i, got, want)
		}
	}
}
