package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// cloudCodeWant are the findings examples/cloud-code promises in its
// comments, as file:line check severity.
var cloudCodeWant = []string{
	"examples/cloud-code/app/Dockerfile:14 dockerfile/base-image-unpinned medium",
	"examples/cloud-code/app/Dockerfile:19 dockerfile/base-image-unpinned high",
	"examples/cloud-code/app/Dockerfile:19 dockerfile/large-base-image info",
	"examples/cloud-code/app/Dockerfile:19 dockerfile/runs-as-root high",
	"examples/cloud-code/app/Dockerfile:21 dockerfile/add-remote medium",
	"examples/cloud-code/app/Dockerfile:22 dockerfile/curl-pipe-shell medium",
	"examples/cloud-code/app/Dockerfile:23 dockerfile/secret-in-env-or-arg high",
	"examples/cloud-code/k8s/deployment.yaml:20 image/mutable-tag medium",
	"examples/cloud-code/terraform/main.tf:49 cloud/public-endpoint critical",
	"examples/cloud-code/terraform/main.tf:52 cloud/no-secrets-encryption medium",
	"examples/cloud-code/terraform/main.tf:62 cloud/control-plane-logging-off medium",
	"examples/cloud-code/terraform/main.tf:65 cloud/legacy-auth low",
	"examples/cloud-code/terraform/main.tf:69 cloud/network-policy-off medium",
}

// TestCloudCodeEndToEnd scans a folder holding a Terraform EKS cluster, a
// Dockerfile and Kubernetes manifests in one run, and checks the findings
// with their file and line in the JSON, SARIF and table outputs.
func TestCloudCodeEndToEnd(t *testing.T) {
	chdir(t, "../..")
	out, _, code := run(t, "", "scan", "examples/cloud-code", "-o", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r := jsonReport(t, out)
	if len(r.Errors) != 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, fmt.Sprintf("%s:%d %s %s", f.Location.File, f.Location.Line, f.CheckID, f.Severity))
		if strings.Contains(f.Message, "tok_live") || strings.Contains(fmt.Sprint(f.Evidence), "tok_live") {
			t.Errorf("the secret's value is in the report: %+v", f)
		}
	}
	for _, w := range cloudCodeWant {
		if !slices.Contains(got, w) {
			t.Errorf("JSON: missing %s", w)
		}
	}
	if t.Failed() {
		t.Logf("got:\n%s", strings.Join(got, "\n"))
	}
	// The cloud findings name the resource by its Terraform address and
	// the attribute by its path.
	for _, f := range r.Findings {
		if f.CheckID == "cloud/public-endpoint" {
			if f.Resource.Kind != "aws_eks_cluster" || f.Resource.Name != "aws_eks_cluster.main" || f.Location.Field != "vpc_config.public_access_cidrs" || f.Category != finding.CategoryCloud {
				t.Errorf("public endpoint finding %+v", f)
			}
			if cidrs := fmt.Sprint(f.Evidence["cidrs"]); !strings.Contains(cidrs, "0.0.0.0/0") || !strings.Contains(cidrs, "203.0.113.0/24") {
				t.Errorf("evidence cidrs %s", cidrs)
			}
		}
	}
	if len(r.Skipped) == 0 || !slices.ContainsFunc(r.Skipped, func(s finding.Skipped) bool {
		return s.Resource == "module.vpc" && s.Location != nil && s.Location.Line == 34
	}) {
		t.Errorf("the unresolved module is not reported as skipped: %+v", r.Skipped)
	}

	// SARIF: one result per finding, each with its file and line.
	out, _, _ = run(t, "", "scan", "examples/cloud-code", "-o", "sarif")
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil || len(sarif.Runs) != 1 {
		t.Fatalf("SARIF: %v", err)
	}
	var regions []string
	for _, res := range sarif.Runs[0].Results {
		pl := res.Locations[0].PhysicalLocation
		regions = append(regions, fmt.Sprintf("%s:%d %s", pl.ArtifactLocation.URI, pl.Region.StartLine, res.RuleID))
	}
	for _, w := range cloudCodeWant {
		fields := strings.Fields(w)
		if !slices.Contains(regions, fields[0]+" "+fields[1]) {
			t.Errorf("SARIF: missing the region of %s", w)
		}
	}

	// Table: grouped by resource, with the file and line of each.
	out, _, _ = run(t, "", "scan", "examples/cloud-code", "--no-color")
	for _, s := range []string{"aws_eks_cluster/aws_eks_cluster.main  examples/cloud-code/terraform/main.tf", "cloud/public-endpoint",
		"Dockerfile/examples/cloud-code/app/Dockerfile  examples/cloud-code/app/Dockerfile", "dockerfile/secret-in-env-or-arg",
		"Deployment/shop/app  examples/cloud-code/k8s/deployment.yaml", "SKIPPED", "module.vpc (examples/cloud-code/terraform/main.tf:34)"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q", s)
		}
	}
	if !regexp.MustCompile(`CRITICAL +cloud/public-endpoint +line 49`).MatchString(out) ||
		!regexp.MustCompile(`HIGH +dockerfile/secret-in-env-or-arg +line 23`).MatchString(out) {
		t.Errorf("table lacks the lines of the findings:\n%s", out)
	}
	if strings.Contains(out, "tok_live") {
		t.Error("the table prints the secret's value")
	}
}

// TestOwnDockerfile: rampart's own Dockerfile passes rampart with nothing
// above low.
func TestOwnDockerfile(t *testing.T) {
	chdir(t, "../..")
	out, _, code := run(t, "", "scan", "Dockerfile", "-o", "json", "--fail-on", "medium")
	r := jsonReport(t, out)
	if code != ExitOK || len(r.Errors) != 0 || len(r.Skipped) != 0 {
		t.Errorf("exit %d, errors %+v, skipped %+v", code, r.Errors, r.Skipped)
	}
	for _, f := range r.Findings {
		if f.Severity > finding.SeverityLow {
			t.Errorf("%s:%d %s %s: %s", f.Location.File, f.Location.Line, f.CheckID, f.Severity, f.Message)
		}
	}
	if r.Summary.Objects != 1 {
		t.Errorf("the Dockerfile was not scanned: %+v", r.Summary)
	}
}

// TestSuppressArtifactFindings: .rampart.yaml ignore rules select cloud and
// Dockerfile findings by kind and name, like objects.
func TestSuppressArtifactFindings(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM alpine:3.20\nRUN true\n")
	write(t, dir, ".rampart.yaml", "ignore:\n- check: dockerfile/*\n  kind: Dockerfile\n  name: \"*Dockerfile\"\n  reason: base image managed by the platform team\n")
	chdir(t, dir)
	out, _, code := run(t, "", "scan", "Dockerfile", "-o", "json")
	r := jsonReport(t, out)
	if code != ExitOK || r.Summary.Findings != 0 || r.Summary.Suppressed == 0 {
		t.Errorf("exit %d, summary %+v", code, r.Summary)
	}
}

// TestInlineSuppressions: "# rampart:ignore CHECK: reason" comments in a
// Terraform resource (or right above it) and in a Dockerfile suppress like
// the annotation on an object, and are marked in-source in SARIF.
func TestInlineSuppressions(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Dockerfile", "# rampart:ignore dockerfile/large-base-image: needs the full toolchain at run time, SEC-7\nFROM ubuntu:24.04@sha256:0000000000000000000000000000000000000000000000000000000000000000\nUSER 1000\n")
	write(t, dir, "main.tf", `# rampart:ignore cloud/public-endpoint: reachable only through the corporate proxy, SEC-9
resource "aws_eks_cluster" "main" {
  name = "shop"
  access_config {
    authentication_mode = "API"
  }
  # rampart:ignore cloud/control-plane-logging-off: logs shipped by the platform, cloud/no-secrets-encryption: no Secrets in this cluster
}
resource "aws_eks_addon" "cni" {
  cluster_name = aws_eks_cluster.main.name
  addon_name   = "vpc-cni"
  configuration_values = jsonencode({ enableNetworkPolicy = "true" })
}
`)
	chdir(t, dir)
	out, _, code := run(t, "", "scan", ".", "-o", "json", "--fail-on", "info")
	r := jsonReport(t, out)
	if code != ExitOK {
		t.Errorf("exit %d: findings %+v", code, r.Findings)
	}
	for _, f := range r.Findings {
		if f.Suppressed == nil || f.Suppressed.Kind != "annotation" || f.Suppressed.Reason == "" {
			t.Errorf("%s %s not suppressed in source: %+v", f.CheckID, f.Resource, f.Suppressed)
		}
	}
	if r.Summary.Suppressed != 4 {
		t.Errorf("suppressed %d, want 4", r.Summary.Suppressed)
	}
}
