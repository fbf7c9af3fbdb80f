package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// The official OASIS schema; see testdata/README.md for where it comes from.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

var sarifSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(sarifSchemaFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	// The compiler gets the schema from memory and has no other loader, so
	// validation never reaches for the network. The schema is draft-04,
	// where "format" (uri, uri-reference, date-time) is asserted.
	c := jsonschema.NewCompiler()
	const loc = "https://rampart.invalid/sarif-schema-2.1.0.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	return c.Compile(loc)
})

func validateSARIF(t *testing.T, doc []byte) error {
	t.Helper()
	sch, err := sarifSchema()
	if err != nil {
		t.Fatalf("compiling the SARIF schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	return sch.Validate(inst)
}

// Shapes for reading SARIF back, independent of the renderer's own types.
type sLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string  `json:"name"`
				Version string  `json:"version"`
				Rules   []sRule `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []sResult `json:"results"`
	} `json:"runs"`
}

type sRule struct {
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	ShortDescription     struct{ Text string }
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
	Properties map[string]any `json:"properties"`
}

type sResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Level     string `json:"level"`
	Message   struct {
		Text string `json:"text"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation *struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region *struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
		LogicalLocations []struct {
			FullyQualifiedName string `json:"fullyQualifiedName"`
			Kind               string `json:"kind"`
		} `json:"logicalLocations"`
	} `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification"`
	} `json:"suppressions"`
}

func renderSARIF(t *testing.T, rep *finding.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, "sarif", rep, Options{Rules: testRules()}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	for name, rep := range map[string]*finding.Report{
		"full":  testReport(),
		"empty": {Tool: finding.Tool{Name: "rampart", Version: "dev"}},
	} {
		t.Run(name, func(t *testing.T) {
			out := renderSARIF(t, rep)
			if err := validateSARIF(t, out); err != nil {
				t.Fatalf("SARIF output does not validate against the SARIF 2.1.0 schema:\n%v\n%s", err, out)
			}
		})
	}
}

// TestSARIFSchemaRejects proves the validator is live: documents that
// break the schema in different ways must fail.
func TestSARIFSchemaRejects(t *testing.T) {
	good := renderSARIF(t, testReport())
	for name, mutate := range map[string]func(m map[string]any){
		"version 2.0":      func(m map[string]any) { m["version"] = "2.0" },
		"no runs":          func(m map[string]any) { delete(m, "runs") },
		"unknown property": func(m map[string]any) { m["extra"] = true },
		"level fatal":      func(m map[string]any) { result(m, 0)["level"] = "fatal" },
		"ruleIndex -2":     func(m map[string]any) { result(m, 0)["ruleIndex"] = -2 },
		"suppression kind": func(m map[string]any) {
			for i := range len(run(m)["results"].([]any)) {
				if s, ok := result(m, i)["suppressions"].([]any); ok {
					s[0].(map[string]any)["kind"] = "byConfig"
				}
			}
		},
		// format assertions are live too: a backslash is no URI reference.
		"backslash uri": func(m map[string]any) {
			loc := result(m, 0)["locations"].([]any)[0].(map[string]any)
			loc["physicalLocation"].(map[string]any)["artifactLocation"].(map[string]any)["uri"] = `deploy\web.yaml`
		},
		"duplicate tags": func(m map[string]any) {
			rule := run(m)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)[0].(map[string]any)
			rule["properties"].(map[string]any)["tags"] = []any{"security", "security"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			mutate(m)
			bad, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateSARIF(t, bad); err == nil {
				t.Fatalf("a broken document (%s) validates: the schema check is not live", name)
			}
		})
	}
}

func run(m map[string]any) map[string]any { return m["runs"].([]any)[0].(map[string]any) }

func result(m map[string]any, i int) map[string]any {
	return run(m)["results"].([]any)[i].(map[string]any)
}

func TestSARIFContent(t *testing.T) {
	rep := testReport()
	rules := testRules()
	out := renderSARIF(t, rep)
	var log sLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" {
		t.Errorf("version %q, want 2.1.0", log.Version)
	}
	if u, err := url.Parse(log.Schema); err != nil || !u.IsAbs() {
		t.Errorf("$schema %q is not an absolute URI", log.Schema)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	r := log.Runs[0]
	if r.Tool.Driver.Name != "rampart" || r.Tool.Driver.Version != "v0.1.0-test" {
		t.Errorf("driver %q %q", r.Tool.Driver.Name, r.Tool.Driver.Version)
	}

	// Rules: every check given, in order, then the one only a finding knows.
	var ids []string
	for _, ru := range r.Tool.Driver.Rules {
		ids = append(ids, ru.ID)
	}
	wantIDs := []string{"pss/privileged", "pss/run-as-non-root", "exposure/node-port", "image/latest-tag", "namespace/no-network-policy", "custom/extra"}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("rule IDs %v, want %v", ids, wantIDs)
	}
	bands := map[finding.Severity][2]float64{
		finding.SeverityCritical: {9.0, 10.0}, finding.SeverityHigh: {7.0, 8.9},
		finding.SeverityMedium: {4.0, 6.9}, finding.SeverityLow: {0.1, 3.9}, finding.SeverityInfo: {0.0, 3.9},
	}
	wantSev := map[string]finding.Severity{"custom/extra": finding.SeverityLow}
	for _, m := range rules {
		wantSev[m.ID] = m.Severity
	}
	for _, ru := range r.Tool.Driver.Rules {
		sev := wantSev[ru.ID]
		if got, want := ru.DefaultConfiguration.Level, wantLevel(sev); got != want {
			t.Errorf("rule %s default level %q, want %q", ru.ID, got, want)
		}
		ss, ok := ru.Properties["security-severity"].(string)
		if !ok {
			t.Errorf("rule %s has no security-severity string: %v", ru.ID, ru.Properties)
			continue
		}
		v, err := strconv.ParseFloat(ss, 64)
		if b := bands[sev]; err != nil || v < b[0] || v > b[1] {
			t.Errorf("rule %s (%s): security-severity %q outside %v", ru.ID, sev, ss, b)
		}
		if ru.Name == "" || strings.ContainsAny(ru.Name, "/-") {
			t.Errorf("rule %s name %q is not an identifier", ru.ID, ru.Name)
		}
		tags, _ := ru.Properties["tags"].([]any)
		if !slices.Contains(tags, any("security")) {
			t.Errorf("rule %s tags %v lack security", ru.ID, tags)
		}
	}

	if len(r.Results) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings: suppressed findings must stay", len(r.Results), len(rep.Findings))
	}
	for i, res := range r.Results {
		f := rep.Findings[i]
		if res.RuleID != f.CheckID {
			t.Errorf("result %d ruleId %q, want %q", i, res.RuleID, f.CheckID)
		}
		if res.RuleIndex == nil || *res.RuleIndex < 0 || *res.RuleIndex >= len(r.Tool.Driver.Rules) {
			t.Errorf("result %d (%s): ruleIndex %v out of range", i, f.CheckID, res.RuleIndex)
		} else if got := r.Tool.Driver.Rules[*res.RuleIndex].ID; got != res.RuleID {
			t.Errorf("result %d: ruleIndex %d points to %q, not %q", i, *res.RuleIndex, got, res.RuleID)
		}
		if res.Level != wantLevel(f.Severity) {
			t.Errorf("result %d (%s): level %q, want %q", i, f.Severity, res.Level, wantLevel(f.Severity))
		}
		if !strings.Contains(res.Message.Text, f.Message) || !strings.Contains(res.Message.Text, f.Resource.String()) {
			t.Errorf("result %d message %q lacks the finding's message or resource", i, res.Message.Text)
		}
		if len(res.PartialFingerprints["rampart/v1"]) != 32 {
			t.Errorf("result %d fingerprint %v", i, res.PartialFingerprints)
		}
		if len(res.Locations) != 1 {
			t.Fatalf("result %d has %d locations", i, len(res.Locations))
		}
		loc := res.Locations[0]
		if len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0].FullyQualifiedName != f.Resource.String() {
			t.Errorf("result %d logical locations %+v", i, loc.LogicalLocations)
		}

		if f.Location.File == "" {
			if loc.PhysicalLocation != nil {
				t.Errorf("result %d: a live resource has a physical location %+v", i, loc.PhysicalLocation)
			}
		} else {
			pl := loc.PhysicalLocation
			if pl == nil {
				t.Fatalf("result %d (%s) has no physical location", i, f.Location.File)
			}
			uri := pl.ArtifactLocation.URI
			u, err := url.Parse(uri)
			if err != nil || u.IsAbs() || strings.HasPrefix(uri, "/") || strings.Contains(uri, `\`) {
				t.Errorf("result %d: uri %q is not a relative URI with forward slashes", i, uri)
			} else if want := strings.TrimPrefix(f.Location.File, "./"); u.Path != want {
				t.Errorf("result %d: uri %q decodes to %q, want %q", i, uri, u.Path, want)
			}
			if pl.Region == nil || pl.Region.StartLine != f.Location.Line {
				t.Errorf("result %d: region %+v, want startLine %d", i, pl.Region, f.Location.Line)
			}
		}

		var wantKind string
		switch {
		case f.Suppressed == nil:
		case f.Suppressed.Kind == "annotation":
			wantKind = "inSource"
		default: // config, baseline
			wantKind = "external"
		}
		switch {
		case wantKind == "" && len(res.Suppressions) != 0:
			t.Errorf("result %d is not suppressed but has %+v", i, res.Suppressions)
		case wantKind != "" && (len(res.Suppressions) != 1 || res.Suppressions[0].Kind != wantKind ||
			res.Suppressions[0].Justification != f.Suppressed.Reason):
			t.Errorf("result %d (%s suppression): got %+v, want kind %s with the reason", i, f.Suppressed.Kind, res.Suppressions, wantKind)
		}
	}

	// The specific files: "./" dropped, a space and "#" percent-encoded.
	for _, want := range []string{`"uri": "deploy/web.yaml"`, `"uri": "deploy/svc%20dir/svc%231.yaml"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %s", want)
		}
	}
}

func wantLevel(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical, finding.SeverityHigh:
		return "error"
	case finding.SeverityMedium:
		return "warning"
	}
	return "note"
}

func TestSARIFURI(t *testing.T) {
	for in, want := range map[string]string{
		"deploy/web.yaml":          "deploy/web.yaml",
		"./deploy/web.yaml":        "deploy/web.yaml",
		"deploy/../base/web.yaml":  "base/web.yaml",
		"../shared/web.yaml":       "../shared/web.yaml",
		"my dir/web 1.yaml":        "my%20dir/web%201.yaml",
		"a#b?c%d.yaml":             "a%23b%3Fc%25d.yaml",
		"c:web.yaml":               "./c:web.yaml",
		`odd\name.yaml`:            "odd%5Cname.yaml",
		"/abs/path/web.yaml":       "file:///abs/path/web.yaml",
		"charts/app/templates/x.y": "charts/app/templates/x.y",
	} {
		if got := sarifURI(in); got != want {
			t.Errorf("sarifURI(%q) = %q, want %q", in, got, want)
		}
	}
}
