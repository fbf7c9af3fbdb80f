package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// run executes rampart in-process and returns stdout, stderr and the exit code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(args, IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

func jsonReport(t *testing.T, out string) finding.Report {
	t.Helper()
	var r finding.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not a JSON report: %v\n%s", err, out)
	}
	return r
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// chdir moves into dir for the test, so .rampart.yaml discovery is tested too.
func chdir(t *testing.T, dir string) {
	t.Helper()
	t.Chdir(dir)
}

const privilegedPod = `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ns
%s
spec:
  containers:
    - name: a
      image: busybox:1.37
      securityContext: {privileged: true}
`

func pod(metadataExtra string) string { return strings.Replace(privilegedPod, "%s", metadataExtra, 1) }

func TestExitCodesAndFailOn(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	f := write(t, dir, "pod.yaml", pod(""))
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"scan", f}, ExitFindings},                               // default high: privileged is critical
		{[]string{"scan", f, "--fail-on", "critical"}, ExitFindings},      // critical at or above critical
		{[]string{"scan", f, "--fail-on", "none"}, ExitOK},                // never fail
		{[]string{"scan", f, "--fail-on", "bogus"}, ExitError},            // usage error
		{[]string{"scan"}, ExitError},                                     // no path
		{[]string{"scan", f, "-o", "xml"}, ExitError},                     // unknown format
		{[]string{"scan", filepath.Join(dir, "missing.yaml")}, ExitError}, // unreadable input
	}
	for _, tc := range cases {
		if _, stderr, code := run(t, "", tc.args...); code != tc.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, code, tc.code, stderr)
		}
	}
	// A low-only input passes the default threshold.
	low := write(t, dir, "low.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {pod-security.kubernetes.io/enforce: restricted}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: NodePort, ports: [{port: 80}]}\n")
	if _, _, code := run(t, "", "scan", low); code != ExitOK {
		t.Errorf("medium findings must not fail the default high threshold, exit %d", code)
	}
	if _, _, code := run(t, "", "scan", low, "--fail-on", "medium"); code != ExitFindings {
		t.Errorf("--fail-on medium must fail on a NodePort service, exit %d", code)
	}
}

func TestBadInputStillScansTheRest(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	write(t, dir, "a.yaml", pod("")+"---\nkind: [unterminated\n---\n"+strings.Replace(pod(""), "name: p", "name: q", 1))
	out, _, code := run(t, "", "scan", dir, "-o", "json")
	if code != ExitError {
		t.Errorf("an unreadable document must give exit 2, got %d", code)
	}
	r := jsonReport(t, out)
	if len(r.Errors) != 1 || r.Errors[0].Line != 13 || !strings.HasSuffix(r.Errors[0].File, "a.yaml") {
		t.Errorf("want one error at a.yaml:13, got %+v", r.Errors)
	}
	names := map[string]bool{}
	for _, f := range r.Findings {
		names[f.Resource.Name] = true
	}
	if !names["p"] || !names["q"] {
		t.Errorf("both good pods must be scanned, got %v", names)
	}
}

func TestStdin(t *testing.T) {
	out, _, code := run(t, pod(""), "scan", "-", "-o", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d", code)
	}
	r := jsonReport(t, out)
	if len(r.Findings) == 0 || r.Findings[0].Location.File != "<stdin>" {
		t.Errorf("findings must point at <stdin>: %+v", r.Findings)
	}
}

func TestSuppressionByAnnotation(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	f := write(t, dir, "pod.yaml", pod("  annotations:\n    rampart.dev/ignore: \"pss/privileged: debug pod, SEC-1, pss/run-as-*: vendor image\""))
	out, _, _ := run(t, "", "scan", f, "-o", "json", "--fail-on", "critical")
	r := jsonReport(t, out)
	suppressed := map[string]string{}
	for _, fd := range r.Findings {
		if fd.Suppressed != nil {
			suppressed[fd.CheckID] = fd.Suppressed.Reason
		}
	}
	if suppressed["pss/privileged"] != "debug pod, SEC-1" || suppressed["pss/run-as-non-root"] != "vendor image" {
		t.Errorf("annotation suppressions not applied: %v", suppressed)
	}
	if r.Summary.Suppressed != len(suppressed) || r.Summary.Suppressed < 2 {
		t.Errorf("summary counts %d suppressed, findings say %d", r.Summary.Suppressed, len(suppressed))
	}
	if _, _, code := run(t, "", "scan", f, "--fail-on", "critical"); code != ExitOK {
		t.Errorf("with the only critical finding suppressed the scan must pass, exit %d", code)
	}
}

func TestSuppressionByConfigWithExpiry(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	f := write(t, dir, "pod.yaml", pod("  labels: {team: a}"))
	write(t, dir, ".rampart.yaml", `ignore:
  - check: pss/privileged
    namespace: ns
    labels: {team: a}
    reason: node agent needs it
  - check: "pss/run-as-*"
    name: p
    reason: expired exception
    expires: 2020-01-01
`)
	out, _, _ := run(t, "", "scan", f, "-o", "json")
	r := jsonReport(t, out)
	var priv, root *finding.Finding
	for i := range r.Findings {
		switch r.Findings[i].CheckID {
		case "pss/privileged":
			priv = &r.Findings[i]
		case "pss/run-as-non-root":
			root = &r.Findings[i]
		}
	}
	if priv == nil || priv.Suppressed == nil || priv.Suppressed.Kind != "config" || priv.Suppressed.Reason != "node agent needs it" {
		t.Errorf("config suppression not applied: %+v", priv)
	}
	if root == nil || root.Suppressed != nil {
		t.Errorf("an expired rule must not suppress: %+v", root)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "expired on 2020-01-01") {
		t.Errorf("want an expiry warning, got %v", r.Warnings)
	}
	// A rule without a reason is a config error.
	write(t, dir, ".rampart.yaml", "ignore:\n  - check: pss/privileged\n")
	if _, stderr, code := run(t, "", "scan", f); code != ExitError || !strings.Contains(stderr, "reason is required") {
		t.Errorf("missing reason: exit %d, stderr %q", code, stderr)
	}
	// A misspelt key is a config error, not a silent no-op.
	write(t, dir, ".rampart.yaml", "ignroe: []\n")
	if _, _, code := run(t, "", "scan", f); code != ExitError {
		t.Errorf("unknown config key must be an error, exit %d", code)
	}
}

func TestBaseline(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	f := write(t, dir, "pod.yaml", pod(""))
	out, _, _ := run(t, "", "scan", f, "-o", "json")
	base := write(t, dir, "baseline.json", out)
	// Lines move but the findings stay the same: all known.
	write(t, dir, "pod.yaml", "# a new comment line\n"+pod(""))
	out, _, code := run(t, "", "scan", f, "-o", "json", "--baseline", base)
	r := jsonReport(t, out)
	if code != ExitOK || r.Summary.Findings != 0 || r.Summary.Suppressed != len(r.Findings) || len(r.Findings) == 0 {
		t.Errorf("baseline must suppress every known finding: exit %d, summary %+v", code, r.Summary)
	}
	// A new problem is reported.
	write(t, dir, "pod.yaml", strings.Replace(pod(""), "spec:\n", "spec:\n  hostPID: true\n", 1))
	out, _, code = run(t, "", "scan", f, "-o", "json", "--baseline", base)
	r = jsonReport(t, out)
	if code != ExitFindings || r.Summary.Findings != 1 || r.Active()[0].CheckID != "pss/host-namespaces" {
		t.Errorf("only the new host-namespaces finding must be active: exit %d, %+v", code, r.Active())
	}
}

func TestOutputFormats(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	f := write(t, dir, "pod.yaml", pod(""))
	for _, format := range []string{"table", "json", "sarif", "junit"} {
		out, _, code := run(t, "", "scan", f, "-o", format)
		if code != ExitFindings || !strings.Contains(out, "pss/privileged") {
			t.Errorf("%s: exit %d, output lacks the finding:\n%s", format, code, out)
		}
	}
}

// TestExamples scans the shipped examples as the README's quick start does
// and checks what each example's comments promise.
func TestExamples(t *testing.T) {
	out, _, code := run(t, "", "scan", "../../examples", "-o", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d", code)
	}
	r := jsonReport(t, out)
	if len(r.Errors) != 0 {
		t.Fatalf("examples must read cleanly: %+v", r.Errors)
	}
	got := map[string]map[string]bool{}
	for _, f := range r.Findings {
		k := f.Resource.Kind + "/" + f.Resource.Namespace + "/" + f.Resource.Name
		if got[k] == nil {
			got[k] = map[string]bool{}
		}
		got[k][f.CheckID] = true
	}
	want := map[string][]string{
		"Deployment/shop/web": {"pss/privileged", "pss/allow-privilege-escalation", "pss/run-as-non-root", "pss/capabilities-baseline",
			"pss/host-namespaces", "container/read-only-root-filesystem", "image/mutable-tag", "workload/default-service-account",
			"workload/automount-token", "secret/env-literal", "schema/unknown-field"},
		"Service/shop/web":                       {"exposure/service-public"},
		"Ingress/shop/web":                       {"exposure/ingress-without-tls"},
		"Namespace//shop":                        {"namespace/no-pod-security-enforce"},
		"NetworkPolicy/shop/default-deny":        {"schema/unknown-kind"},
		"Pod/payments/debug":                     {"schema/invalid-value"},
		"Certificate/shop/shop-tls":              {"schema/custom-resource"},
		"Job/sandbox/user-code":                  {"workload/untrusted-without-sandbox"},
		"Deployment/default/release-name-webapp": {"pss/run-as-non-root", "image/mutable-tag"},
		"Deployment//worker":                     {"pss/run-as-non-root"},
		"Deployment/prod/prod-worker":            {"pss/run-as-non-root"},
	}
	for res, ids := range want {
		for _, id := range ids {
			if !got[res][id] {
				t.Errorf("%s: %s not found (got %v)", res, id, got[res])
			}
		}
	}
	for _, clean := range []string{"Deployment/payments/api", "Service/payments/api", "ServiceAccount/payments/api"} {
		if len(got[clean]) > 0 {
			t.Errorf("%s is hardened but has findings %v", clean, got[clean])
		}
	}
	if strings.Contains(out, "hunter2-do-not-print") {
		t.Error("a secret value from the examples appears in the report")
	}
}

// TestChecksDocIsFresh fails when docs/checks.md differs from what the
// registry generates; run `make docs` to refresh it.
func TestChecksDocIsFresh(t *testing.T) {
	want, _, code := run(t, "", "checks", "-o", "markdown")
	if code != ExitOK {
		t.Fatalf("checks -o markdown: exit %d", code)
	}
	have, err := os.ReadFile("../../docs/checks.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != want {
		t.Fatal("docs/checks.md is stale: run `make docs`")
	}
	list, _, _ := run(t, "", "checks")
	for _, id := range []string{"pss/run-as-non-root", "schema/unknown-field", "workload/untrusted-without-sandbox", "secret/env-literal"} {
		if !strings.Contains(list, id) || !strings.Contains(want, "## "+id) {
			t.Errorf("%s missing from the check list or docs", id)
		}
	}
}

func TestStarSuppressesEverythingAndConfigIsValidated(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	f := write(t, dir, "pod.yaml", pod(""))
	write(t, dir, ".rampart.yaml", "ignore:\n  - check: \"*\"\n    name: p\n    reason: lab pod\n")
	out, _, code := run(t, "", "scan", f, "-o", "json")
	r := jsonReport(t, out)
	if code != ExitOK || r.Summary.Findings != 0 || r.Summary.Suppressed == 0 {
		t.Errorf("\"*\" must suppress every check: exit %d, %+v", code, r.Summary)
	}
	for _, bad := range []string{"podSecurity: {level: Restricted}\n", "podSecurity: {version: v2}\n", "sandboxHandlers: [\"\"]\n"} {
		write(t, dir, ".rampart.yaml", bad)
		if _, stderr, code := run(t, "", "scan", f); code != ExitError || !strings.Contains(stderr, ".rampart.yaml") {
			t.Errorf("%q must be a config error, exit %d, %q", bad, code, stderr)
		}
	}
}
