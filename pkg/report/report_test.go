package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

// testRules are check metadata for the fixtures, one per severity.
func testRules() []check.Meta {
	return []check.Meta{
		{ID: "pss/privileged", Title: "Privileged container", Severity: finding.SeverityCritical, Category: finding.CategoryContainer,
			Why: "a privileged container is root on the node", Remediation: "remove securityContext.privileged",
			Controls: []string{"CIS 5.2.1", "PSS baseline"}, Kinds: []string{"Pod", "Deployment"}},
		{ID: "pss/run-as-non-root", Title: "Container may run as root", Severity: finding.SeverityHigh, Category: finding.CategoryContainer,
			Why: "root in a container is one bug away from root on the node", Remediation: "set securityContext.runAsNonRoot: true",
			Controls: []string{"CIS 5.2.6", "PSS restricted"}},
		{ID: "exposure/node-port", Title: "Service uses a NodePort", Severity: finding.SeverityMedium, Category: finding.CategoryCluster,
			Why: "a NodePort opens the service on every node", Remediation: "use a ClusterIP service behind an ingress"},
		// The control is listed twice on purpose: SARIF tags must be distinct.
		{ID: "image/latest-tag", Title: "Image uses the latest tag", Severity: finding.SeverityLow, Category: finding.CategoryCode,
			Why: "latest is not a version", Remediation: "pin the image by digest", Controls: []string{"CIS 5.5.1", "CIS 5.5.1"}},
		{ID: "namespace/no-network-policy", Title: "Namespace has no NetworkPolicy", Severity: finding.SeverityInfo, Category: finding.CategoryCluster,
			Why: "without a policy every pod accepts traffic from anywhere", Remediation: "add a default-deny NetworkPolicy"},
	}
}

var (
	web    = finding.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	svc    = finding.Resource{APIVersion: "v1", Kind: "Service", Namespace: "shop", Name: "web"}
	legacy = finding.Resource{APIVersion: "v1", Kind: "Service", Namespace: "legacy", Name: "old"}
	shopNS = finding.Resource{APIVersion: "v1", Kind: "Namespace", Name: "shop"}
)

// testReport covers findings with a file and line, a live resource without
// a file, suppressions of every kind and a check missing from the rules.
func testReport() *finding.Report {
	rep := &finding.Report{
		Tool: finding.Tool{Name: "rampart", Version: "v0.1.0-test"},
		Findings: []finding.Finding{
			{CheckID: "pss/run-as-non-root", Title: "Container may run as root", Severity: finding.SeverityHigh, Category: finding.CategoryContainer,
				Resource: web, Location: finding.Location{File: "./deploy/web.yaml", Line: 12, Field: "spec.template.spec.containers[0].securityContext"},
				Message: `container "app" does not set runAsNonRoot=true`, Remediation: "set securityContext.runAsNonRoot: true",
				Controls: []string{"CIS 5.2.6", "PSS restricted"}, Evidence: map[string]any{"container": "app"}},
			{CheckID: "pss/privileged", Title: "Privileged container", Severity: finding.SeverityCritical, Category: finding.CategoryContainer,
				Resource: web, Location: finding.Location{File: "deploy/web.yaml", Line: 30},
				Message: `container "sidecar" is privileged`, Remediation: "remove securityContext.privileged"},
			// A result may lower the check's default severity.
			{CheckID: "pss/run-as-non-root", Title: "Container may run as root", Severity: finding.SeverityMedium, Category: finding.CategoryContainer,
				Resource: web, Location: finding.Location{File: "deploy/web.yaml", Line: 41},
				Message: `init container "setup" runs as root`},
			{CheckID: "image/latest-tag", Title: "Image uses the latest tag", Severity: finding.SeverityLow, Category: finding.CategoryCode,
				Resource: web, Location: finding.Location{File: "deploy/web.yaml", Line: 20},
				Message:    `container "app" uses nginx:latest`,
				Suppressed: &finding.Suppression{Kind: "annotation", Reason: "legacy image, ticket SEC-12"}},
			{CheckID: "exposure/node-port", Title: "Service uses a NodePort", Severity: finding.SeverityMedium, Category: finding.CategoryCluster,
				Resource: svc, Location: finding.Location{File: "deploy/svc dir/svc#1.yaml", Line: 3},
				Message: "service exposes port 30080 on every node"},
			{CheckID: "exposure/node-port", Title: "Service uses a NodePort", Severity: finding.SeverityMedium, Category: finding.CategoryCluster,
				Resource: legacy, Location: finding.Location{File: "legacy/svc.yaml", Line: 7},
				Message:    "service exposes port 30081 on every node",
				Suppressed: &finding.Suppression{Kind: "config", Reason: "migrating in Q3", Expires: "2099-01-01"}},
			{CheckID: "exposure/node-port", Title: "Service uses a NodePort", Severity: finding.SeverityMedium, Category: finding.CategoryCluster,
				Resource: legacy, Location: finding.Location{File: "legacy/svc.yaml", Line: 19},
				Message:    "service exposes port 30082 on every node",
				Suppressed: &finding.Suppression{Kind: "baseline", Reason: "present in the baseline report"}},
			// A live resource: no file, no line.
			{CheckID: "namespace/no-network-policy", Title: "Namespace has no NetworkPolicy", Severity: finding.SeverityInfo, Category: finding.CategoryCluster,
				Resource: shopNS, Message: "namespace shop has no NetworkPolicy"},
			// A check the rules do not describe: SARIF must still get a rule for it.
			{CheckID: "custom/extra", Title: "Extra check", Severity: finding.SeverityLow, Category: finding.CategoryCode,
				Resource: svc, Location: finding.Location{File: "deploy/svc dir/svc#1.yaml", Line: 9},
				Message: "something else", Remediation: "fix it", Controls: []string{"X 1"}},
		},
		Errors:   []finding.InputError{{File: "broken.yaml", Line: 4, Message: "mapping values are not allowed in this context"}},
		Skipped:  []finding.Skipped{{CheckID: "rbac/who-can", Resource: "ClusterRoleBinding", Reason: "no permission to list ClusterRoleBindings"}},
		Warnings: []string{"ignore rule for image/* (old) expired on 2020-01-01: its findings are reported again"},
	}
	rep.Summarize(42, finding.SeverityHigh)
	return rep
}

func render(t *testing.T, format string, rep *finding.Report, opts Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, rep, opts); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.String()
}

func TestWriteUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "yaml", testReport(), Options{}); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	want := testReport()
	out := render(t, "json", want, Options{})

	var got finding.Report
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("JSON output does not decode into finding.Report: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, *want)
	}
	for _, sev := range []string{`"severity": "critical"`, `"severity": "high"`, `"severity": "medium"`, `"severity": "low"`, `"severity": "info"`} {
		if !strings.Contains(out, sev) {
			t.Errorf("output lacks %s: severities must be names, not numbers", sev)
		}
	}
	// The suppressed findings stay in the report.
	if n := strings.Count(out, `"suppressed": {`); n != 3 {
		t.Errorf("got %d suppressed findings in JSON, want 3", n)
	}
}

func TestJSONEmptyArraysNotNull(t *testing.T) {
	out := render(t, "json", &finding.Report{Tool: finding.Tool{Name: "rampart"}}, Options{})
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"findings", "errors", "skipped"} {
		if got := string(raw[k]); got != "[]" {
			t.Errorf("%s = %s, want []", k, got)
		}
	}
	var sum map[string]json.RawMessage
	if err := json.Unmarshal(raw["summary"], &sum); err != nil {
		t.Fatal(err)
	}
	if got := string(sum["bySeverity"]); got != "{}" {
		t.Errorf("summary.bySeverity = %s, want {}", got)
	}
	if strings.Contains(out, "null") {
		t.Errorf("empty report has a null:\n%s", out)
	}
	var back finding.Report
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	if back.Findings == nil || len(back.Findings) != 0 {
		t.Errorf("findings decode to %#v, want an empty slice", back.Findings)
	}
}

// JUnit shapes for reading the output back, independent of the renderer's.
type xSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []xSuite `xml:"testsuite"`
}

type xSuite struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Cases    []xCase `xml:"testcase"`
}

type xCase struct {
	Name      string    `xml:"name,attr"`
	ClassName string    `xml:"classname,attr"`
	File      string    `xml:"file,attr"`
	Line      int       `xml:"line,attr"`
	Failure   *xProblem `xml:"failure"`
	Error     *xProblem `xml:"error"`
	Skipped   *xProblem `xml:"skipped"`
}

type xProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func TestJUnit(t *testing.T) {
	rep := testReport()
	out := render(t, "junit", rep, Options{})
	if !strings.HasPrefix(out, xml.Header) {
		t.Errorf("output does not start with the XML header")
	}
	var got xSuites
	if err := xml.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("JUnit output is not XML: %v\n%s", err, out)
	}

	suppressed := 0
	for _, f := range rep.Findings {
		if f.Suppressed != nil {
			suppressed++
		}
	}
	active := len(rep.Findings) - suppressed
	if got.Tests != len(rep.Findings)+len(rep.Errors) || got.Failures != active || got.Skipped != suppressed || got.Errors != len(rep.Errors) {
		t.Errorf("totals tests=%d failures=%d skipped=%d errors=%d, want %d %d %d %d",
			got.Tests, got.Failures, got.Skipped, got.Errors, len(rep.Findings)+len(rep.Errors), active, suppressed, len(rep.Errors))
	}

	// Every suite's counts agree with its cases, and the totals with the suites.
	var sum xSuite
	names := map[string]bool{}
	for _, s := range got.Suites {
		if names[s.Name] {
			t.Errorf("suite %q appears twice", s.Name)
		}
		names[s.Name] = true
		var c xSuite
		for _, tc := range s.Cases {
			c.Tests++
			switch {
			case tc.Failure != nil:
				c.Failures++
			case tc.Skipped != nil:
				c.Skipped++
			case tc.Error != nil:
				c.Errors++
			default:
				t.Errorf("case %q has no failure, skipped or error", tc.Name)
			}
		}
		if c.Tests != s.Tests || c.Failures != s.Failures || c.Skipped != s.Skipped || c.Errors != s.Errors {
			t.Errorf("suite %q says %d/%d/%d/%d, its cases are %d/%d/%d/%d", s.Name,
				s.Tests, s.Failures, s.Skipped, s.Errors, c.Tests, c.Failures, c.Skipped, c.Errors)
		}
		sum.Tests += s.Tests
		sum.Failures += s.Failures
		sum.Skipped += s.Skipped
		sum.Errors += s.Errors
	}
	if sum.Tests != got.Tests || sum.Failures != got.Failures || sum.Skipped != got.Skipped || sum.Errors != got.Errors {
		t.Errorf("suites add up to %+v, totals say %+v", sum, got)
	}
	for _, n := range []string{"./deploy/web.yaml", "deploy/web.yaml", "legacy/svc.yaml", "cluster", "broken.yaml"} {
		if !names[n] {
			t.Errorf("no suite %q; suites: %v", n, names)
		}
	}

	// Spot-check the cases themselves.
	var sawSkip, sawErr, sawFail bool
	for _, s := range got.Suites {
		for _, c := range s.Cases {
			switch {
			case c.ClassName == "image/latest-tag":
				sawSkip = true
				if c.Skipped == nil || !strings.Contains(c.Skipped.Message, "legacy image, ticket SEC-12") {
					t.Errorf("suppressed case %+v: want skipped with the reason", c)
				}
			case c.ClassName == "input":
				sawErr = true
				if c.Error == nil || c.Line != 4 || c.Error.Message != "mapping values are not allowed in this context" {
					t.Errorf("input error case %+v", c)
				}
			case c.ClassName == "pss/privileged":
				sawFail = true
				if c.Failure == nil || c.Failure.Type != "critical" || c.Line != 30 || !strings.Contains(c.Failure.Text, "remediation: remove") {
					t.Errorf("failing case %+v", c)
				}
			}
		}
	}
	if !sawSkip || !sawErr || !sawFail {
		t.Errorf("missing cases: skipped=%v error=%v failure=%v", sawSkip, sawErr, sawFail)
	}
}

func TestJUnitEmpty(t *testing.T) {
	out := render(t, "junit", &finding.Report{}, Options{})
	var got xSuites
	if err := xml.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != 0 || len(got.Suites) != 0 {
		t.Errorf("empty report gives %+v", got)
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// isHeader tells the group headers apart from findings (indented) and
// the trailing lines.
func isHeader(l string) bool {
	if l == "" || strings.HasPrefix(l, " ") {
		return false
	}
	for _, p := range []string{"ERROR ", "SKIPPED ", "WARNING ", "FAILED:"} {
		if strings.HasPrefix(l, p) {
			return false
		}
	}
	return !strings.Contains(l, "objects scanned:")
}

func TestTableGroupsByResource(t *testing.T) {
	out := render(t, "table", testReport(), Options{ShowSuppressed: true})
	var heads []string
	for _, l := range strings.Split(out, "\n") {
		if isHeader(l) {
			heads = append(heads, l)
		}
	}
	want := []string{
		"Deployment/shop/web  ./deploy/web.yaml",
		"Deployment/shop/web  deploy/web.yaml",
		"Service/shop/web  deploy/svc dir/svc#1.yaml",
		"Service/legacy/old  legacy/svc.yaml",
		"Namespace/shop",
	}
	if !reflect.DeepEqual(heads, want) {
		t.Errorf("headers:\n%s\nwant:\n%s\noutput:\n%s", strings.Join(heads, "\n"), strings.Join(want, "\n"), out)
	}
	// The three findings of the web Deployment in deploy/web.yaml, one of
	// them between others in the input order, sit under one header.
	block := out[strings.Index(out, "Deployment/shop/web  deploy/web.yaml\n"):]
	block = block[:strings.Index(block, "\n\n")]
	for _, id := range []string{"pss/privileged", "pss/run-as-non-root", "image/latest-tag"} {
		if !strings.Contains(block, id) {
			t.Errorf("%s is not in the web group:\n%s", id, block)
		}
	}
	if !strings.Contains(block, "line 30") || !strings.Contains(block, "MEDIUM") {
		t.Errorf("web group lacks line numbers or severities:\n%s", block)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space in %q", l)
		}
	}
}

func TestTableWidth(t *testing.T) {
	long := strings.Repeat("the container keeps running as root because nobody set runAsNonRoot and ", 6) +
		"image registry.example.com/team/very/deep/path/app@sha256:" + strings.Repeat("0123456789abcdef", 4) +
		" résumé naïve ünïcödé words that count as one column each"
	rep := &finding.Report{
		Findings: []finding.Finding{{
			CheckID: "pss/run-as-non-root", Severity: finding.SeverityHigh, Resource: web,
			Location: finding.Location{File: "charts/" + strings.Repeat("nested/", 12) + "templates/deployment.yaml", Line: 3},
			Message:  long,
		}},
		Errors:   []finding.InputError{{File: "some/file.yaml", Line: 9, Message: strings.Repeat("could not decode the document ", 6)}},
		Warnings: []string{strings.Repeat("an ignore rule expired and its findings are reported again ", 3)},
	}
	// Every severity present makes the summary line long too.
	for _, s := range finding.Severities {
		rep.Findings = append(rep.Findings, finding.Finding{CheckID: "x/y", Severity: s, Resource: shopNS, Message: "m"})
	}
	rep.Summarize(12345, finding.SeverityHigh)

	for _, color := range []bool{false, true} {
		for _, width := range []int{0, 100, 80} {
			out := render(t, "table", rep, Options{Color: color, Width: width})
			max := width
			if max == 0 {
				max = 100
			}
			for _, l := range strings.Split(out, "\n") {
				if n := utf8.RuneCountInString(ansi.ReplaceAllString(l, "")); n > max {
					t.Errorf("color=%v width=%d: line of %d columns:\n%q", color, width, n, l)
				}
			}
			// Wrapping loses nothing: the message's characters are all there, in order.
			plain := strings.Join(strings.Fields(ansi.ReplaceAllString(out, "")), "")
			if !strings.Contains(plain, strings.Join(strings.Fields(long), "")) {
				t.Errorf("color=%v width=%d: wrapped message lost text:\n%s", color, width, out)
			}
		}
	}
}

func TestTableSuppressed(t *testing.T) {
	rep := testReport()
	hidden := render(t, "table", rep, Options{})
	shown := render(t, "table", rep, Options{ShowSuppressed: true})

	if strings.Contains(hidden, "(suppressed") || strings.Contains(hidden, "image/latest-tag") || strings.Contains(hidden, "Service/legacy/old") {
		t.Errorf("suppressed findings listed without ShowSuppressed:\n%s", hidden)
	}
	for _, s := range []string{
		"(suppressed by annotation: legacy image, ticket SEC-12)",
		"(suppressed by config: migrating in Q3)",
		"(suppressed by baseline: present in the baseline report)",
		"image/latest-tag",
	} {
		if !strings.Contains(shown, s) {
			t.Errorf("ShowSuppressed output lacks %q:\n%s", s, shown)
		}
	}
	// Suppressed findings are counted either way.
	for _, out := range []string{hidden, shown} {
		if !strings.Contains(out, ", 3 suppressed,") {
			t.Errorf("summary does not count the suppressed findings:\n%s", out)
		}
	}
}

func TestTableColor(t *testing.T) {
	rep := testReport()
	plain := render(t, "table", rep, Options{ShowSuppressed: true})
	if strings.Contains(plain, "\x1b") {
		t.Errorf("escape codes without Color:\n%q", plain)
	}
	colored := render(t, "table", rep, Options{Color: true, ShowSuppressed: true})
	if !ansi.MatchString(colored) {
		t.Fatalf("no escape codes with Color:\n%q", colored)
	}
	for _, code := range []string{sevColor[finding.SeverityCritical], sevColor[finding.SeverityHigh], "\x1b[1m", reset} {
		if !strings.Contains(colored, code) {
			t.Errorf("colored output lacks %q", code)
		}
	}
	// Colour changes nothing else.
	if got := ansi.ReplaceAllString(colored, ""); got != plain {
		t.Errorf("colored output without its escapes differs from the plain one:\n%s\n---\n%s", got, plain)
	}
}

func TestTableSummary(t *testing.T) {
	out := render(t, "table", testReport(), Options{})
	// Wrapped or not, the summary reads the same once lines are joined.
	flat := strings.Join(strings.Fields(out), " ")
	want := "42 objects scanned: 6 findings (1 critical, 1 high, 2 medium, 1 low, 1 info), 3 suppressed, 1 input errors, 1 skipped"
	if !strings.Contains(flat, want) {
		t.Errorf("summary: want %q in\n%s", want, out)
	}
	if !strings.Contains(out, "FAILED: findings at or above high\n") {
		t.Errorf("no FAILED line:\n%s", out)
	}
	for _, s := range []string{"ERROR broken.yaml:4: mapping values", "SKIPPED rbac/who-can ClusterRoleBinding: no permission", "WARNING ignore rule for image/*"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}

	empty := &finding.Report{}
	empty.Summarize(3, 0)
	out = render(t, "table", empty, Options{})
	if out != "3 objects scanned: 0 findings (no findings), 0 suppressed, 0 input errors, 0 skipped\n" {
		t.Errorf("empty report: %q", out)
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"", 30, nil},
		{"a b c", 30, []string{"a b c"}},
		{"aaaa bbbb cccc dddd eeee ffff", 20, []string{"aaaa bbbb cccc dddd", "eeee ffff"}},
		{strings.Repeat("x", 45) + " y", 20, []string{strings.Repeat("x", 20), strings.Repeat("x", 20), "xxxxx y"}},
		{"éééééééééé éééééééééé", 21, []string{"éééééééééé éééééééééé"}},
		{"\x1b[1mbold\x1b[0m " + strings.Repeat("z", 15), 20, []string{"\x1b[1mbold\x1b[0m " + strings.Repeat("z", 15)}},
	} {
		if got := wrap(tc.in, tc.width); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestChecksMarkdown(t *testing.T) {
	metas := testRules()
	var buf bytes.Buffer
	if err := ChecksMarkdown(&buf, metas); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, fmt.Sprintf("rampart has %d checks.", len(metas))) {
		t.Errorf("no check count:\n%s", out)
	}
	for _, m := range metas {
		row := fmt.Sprintf("| [`%s`](#%s) | %s | %s | %s |", m.ID, anchor(m.ID), m.Severity, m.Category, m.Title)
		if !strings.Contains(out, row) {
			t.Errorf("no table row for %s (%q)", m.ID, row)
		}
		if !strings.Contains(out, "\n## "+m.ID+"\n") {
			t.Errorf("no section for %s", m.ID)
		}
		if !strings.Contains(out, "Remediation: "+m.Remediation) {
			t.Errorf("no remediation for %s", m.ID)
		}
	}
	if !strings.Contains(out, "Applies to: Pod, Deployment") {
		t.Errorf("kinds missing:\n%s", out)
	}
}

func TestChecksTableAndJSON(t *testing.T) {
	metas := testRules()
	var tb, jb bytes.Buffer
	if err := ChecksTable(&tb, metas); err != nil {
		t.Fatal(err)
	}
	if err := ChecksJSON(&jb, metas); err != nil {
		t.Fatal(err)
	}
	var got []checkJSON
	if err := json.Unmarshal(jb.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(metas) {
		t.Fatalf("got %d checks in JSON, want %d", len(got), len(metas))
	}
	for i, m := range metas {
		if !strings.Contains(tb.String(), m.ID) {
			t.Errorf("table lacks %s", m.ID)
		}
		if got[i].ID != m.ID || got[i].Severity != m.Severity.String() || got[i].Category != string(m.Category) {
			t.Errorf("JSON check %d = %+v, want %s", i, got[i], m.ID)
		}
	}
}

func TestTableEscapesControlCharacters(t *testing.T) {
	rep := &finding.Report{Findings: []finding.Finding{{CheckID: "a/b", Severity: finding.SeverityHigh,
		Resource: finding.Resource{Kind: "Pod", Name: "evil\x1b[2J"}, Message: "image x\x1b]0;owned\x07"}}}
	rep.Summarize(1, finding.SeverityHigh)
	var b strings.Builder
	if err := Table(&b, rep, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Fatalf("control characters reach the terminal: %q", b.String())
	}
	if !strings.Contains(b.String(), `evil\x1b[2J`) {
		t.Errorf("escaped text should stay readable: %q", b.String())
	}
}
