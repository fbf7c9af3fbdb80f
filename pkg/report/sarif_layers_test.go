package report

import (
	"encoding/json"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// TestSARIFAcrossLayers: findings on a Terraform attribute, a Dockerfile
// instruction and a manifest field each keep their own file and line in
// SARIF, and the document still validates against the schema.
func TestSARIFAcrossLayers(t *testing.T) {
	rep := &finding.Report{Tool: finding.Tool{Name: "rampart", Version: "dev"}, Findings: []finding.Finding{
		{CheckID: "cloud/public-endpoint", Title: "Managed cluster API endpoint is public", Severity: finding.SeverityCritical, Category: finding.CategoryCloud,
			Resource: finding.Resource{Kind: "aws_eks_cluster", Name: "aws_eks_cluster.main"},
			Location: finding.Location{File: "infra/eks/main.tf", Line: 49, Field: "vpc_config.public_access_cidrs"}, Message: "open to 0.0.0.0/0"},
		{CheckID: "dockerfile/runs-as-root", Title: "Image runs as root", Severity: finding.SeverityHigh, Category: finding.CategoryCode,
			Resource: finding.Resource{Kind: "Dockerfile", Name: "app/Dockerfile"},
			Location: finding.Location{File: "app/Dockerfile", Line: 19, Field: "USER"}, Message: "USER root"},
		{CheckID: "cloud/legacy-auth", Title: "Legacy or static cluster credentials", Severity: finding.SeverityMedium, Category: finding.CategoryCloud,
			Resource: finding.Resource{Kind: "AKSCluster", Name: "shop"},
			Location: finding.Location{File: "cloud/aks show.json", Line: 7, Field: "disableLocalAccounts"}, Message: "local accounts"},
		{CheckID: "image/mutable-tag", Title: "Image uses latest or no tag", Severity: finding.SeverityMedium, Category: finding.CategoryContainer,
			Resource: finding.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "app"},
			Location: finding.Location{File: "deploy/app.yaml", Line: 20, Field: "spec.template.spec.containers[0].image"}, Message: "no tag"},
	}}
	out := renderSARIF(t, rep)
	if err := validateSARIF(t, out); err != nil {
		t.Fatalf("invalid SARIF: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		uri, logical string
		line         float64
	}{
		{"infra/eks/main.tf", "aws_eks_cluster/aws_eks_cluster.main", 49},
		{"app/Dockerfile", "Dockerfile/app/Dockerfile", 19},
		{"cloud/aks%20show.json", "AKSCluster/shop", 7},
		{"deploy/app.yaml", "Deployment/shop/app", 20},
	}
	for i, w := range want {
		loc := result(doc, i)["locations"].([]any)[0].(map[string]any)
		pl := loc["physicalLocation"].(map[string]any)
		uri := pl["artifactLocation"].(map[string]any)["uri"]
		line := pl["region"].(map[string]any)["startLine"]
		logical := loc["logicalLocations"].([]any)[0].(map[string]any)["fullyQualifiedName"]
		if uri != w.uri || line != w.line || logical != w.logical {
			t.Errorf("result %d: %v:%v (%v), want %s:%v (%s)", i, uri, line, logical, w.uri, w.line, w.logical)
		}
	}
}
