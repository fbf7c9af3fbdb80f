package cloudcheck

import (
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/cloud"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// TestFindingsAndSkipped: a cluster's issues become findings with the
// resource, file, line and attribute path; what cannot be decided becomes
// a skipped entry with its location, never a finding or a pass.
func TestFindingsAndSkipped(t *testing.T) {
	m := cloud.ReadTerraform([]cloud.File{{Name: "infra/eks.tf", Data: []byte(`variable "cidrs" {}
resource "aws_eks_cluster" "main" {
  name = "shop"
  vpc_config {
    public_access_cidrs = var.cidrs
  }
  enabled_cluster_log_types = ["api"]
}
`)}})
	inv := inventory.New(nil)
	for _, c := range m.Clusters {
		inv.AddArtifacts(&inventory.Artifact{Kind: c.Kind, Name: c.Name, File: c.File, Line: c.Line, Value: c})
	}
	reg, err := check.NewRegistry(Checks()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := &check.Context{Inventory: inv, Config: config.Default()}
	fs := reg.Run(ctx)
	byID := map[string]finding.Finding{}
	for _, f := range fs {
		byID[f.CheckID] = f
	}
	logs, ok := byID[cloud.CheckLoggingOff]
	if !ok || logs.Location != (finding.Location{File: "infra/eks.tf", Line: 7, Field: "enabled_cluster_log_types"}) ||
		logs.Resource != (finding.Resource{Kind: "aws_eks_cluster", Name: "aws_eks_cluster.main"}) || logs.Category != finding.CategoryCloud {
		t.Errorf("logging finding %+v", logs)
	}
	if _, ok := byID[cloud.CheckPublicEndpoint]; ok {
		t.Error("an unknown CIDR list was reported as a finding")
	}
	var skipped *finding.Skipped
	for _, s := range ctx.Skipped() {
		if s.CheckID == cloud.CheckPublicEndpoint {
			skipped = &s
		}
	}
	if skipped == nil || skipped.Location == nil || *skipped.Location != (finding.Location{File: "infra/eks.tf", Line: 5, Field: "vpc_config.public_access_cidrs"}) ||
		skipped.Resource != "aws_eks_cluster/aws_eks_cluster.main" {
		t.Errorf("skipped %+v", skipped)
	}
}

func TestMetadata(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range Checks() {
		m := c.Meta()
		ids[m.ID] = true
		if m.Category != finding.CategoryCloud {
			t.Errorf("%s: category %s", m.ID, m.Category)
		}
	}
	for _, id := range []string{cloud.CheckPublicEndpoint, cloud.CheckSecretsEncrypt, cloud.CheckLoggingOff, cloud.CheckNodesPublicIP, cloud.CheckLegacyAuth, cloud.CheckNetworkPolicyOff} {
		if !ids[id] {
			t.Errorf("%s is not registered", id)
		}
	}
}
