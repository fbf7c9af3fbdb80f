// Package cloudcheck holds the checks of the cloud layer: the settings of
// managed clusters (EKS, GKE, AKS) read from Terraform, Terraform plans and
// the clouds' CLI JSON. pkg/cloud reads and judges the settings; these
// checks turn its verdicts into findings, and what the input does not
// determine into skipped entries (never into a pass).
package cloudcheck

import (
	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/cloud"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

// Checks returns the cloud checks.
func Checks() []check.Check {
	out := make([]check.Check, 0, len(metas))
	for _, m := range metas {
		out = append(out, &cloudCheck{m: m})
	}
	return out
}

var kinds = []string{"aws_eks_cluster", "google_container_cluster", "azurerm_kubernetes_cluster", "Terraform plan JSON",
	"aws eks describe-cluster JSON", "gcloud container clusters describe JSON", "az aks show JSON"}

var metas = []check.Meta{
	{
		ID: cloud.CheckPublicEndpoint, Title: "Managed cluster API endpoint is public", Severity: finding.SeverityHigh,
		Category: finding.CategoryCloud,
		Why:      "A public API server endpoint can be reached, probed and brute-forced from the internet; one leaked credential or API server CVE away from the cluster. Critical when open to any address, high when limited to listed ranges.",
		Remediation: "make the endpoint private (EKS endpoint_public_access = false, GKE private endpoint, AKS private_cluster_enabled), " +
			"or restrict it to the ranges that need it (EKS public_access_cidrs, GKE master_authorized_networks_config, AKS api_server_access_profile.authorized_ip_ranges)",
		Controls: []string{"CIS EKS 5.4.1-5.4.3", "CIS GKE 5.6.3-5.6.5", "Checkov CKV_AWS_38/39, CKV_GCP_18/20/25, CKV_AZURE_6/115", "Trivy AVD-AWS-0040/0041, AVD-GCP-0053/0061, AVD-AZU-0041/0065"},
		Kinds:    kinds,
	},
	{
		ID: cloud.CheckSecretsEncrypt, Title: "Secrets not encrypted with a customer-managed key", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCloud,
		Why:         "Without envelope encryption of Secrets with a key you control (KMS), anyone who reads the cluster's etcd storage or its backups reads every Secret.",
		Remediation: "EKS: encryption_config { resources = [\"secrets\"], provider { key_arn = ... } }; GKE: database_encryption { state = \"ENCRYPTED\", key_name = ... }; AKS: key_management_service { key_vault_key_id = ... }",
		Controls:    []string{"CIS 1.2.27", "Checkov CKV_AWS_58", "Trivy AVD-AWS-0039"},
		Kinds:       kinds,
	},
	{
		ID: cloud.CheckLoggingOff, Title: "Control-plane (audit) logging is off", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCloud,
		Why:         "Without the API server's audit log nobody can tell who read a Secret, exec'd into a pod or changed RBAC: an incident cannot be investigated.",
		Remediation: "EKS: enabled_cluster_log_types including audit, api and authenticator; GKE: do not set logging_service = \"none\"; AKS: an azurerm_monitor_diagnostic_setting on the cluster with category kube-audit (or kube-audit-admin)",
		Controls:    []string{"CIS 3.2.1", "Checkov CKV_AWS_37, CKV_GCP_1, CKV_AZURE_4", "Trivy AVD-AWS-0038"},
		Kinds:       kinds,
	},
	{
		ID: cloud.CheckNodesPublicIP, Title: "Nodes have public IP addresses", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCloud,
		Why:         "Nodes with public IPs expose their kubelet, NodePorts and SSH to the internet, bypassing the load balancers and firewalls in front of the cluster.",
		Remediation: "EKS: node groups in private subnets, launch templates without associate_public_ip_address, remote_access limited to source security groups; GKE: private_cluster_config { enable_private_nodes = true }; AKS: node_public_ip_enabled = false on every node pool",
		Controls:    []string{"Trivy AVD-GCP-0059"},
		Kinds:       []string{"aws_eks_node_group", "aws_launch_template", "aws_subnet", "google_container_cluster", "google_container_node_pool", "azurerm_kubernetes_cluster", "azurerm_kubernetes_cluster_node_pool", "gcloud and az JSON"},
	},
	{
		ID: cloud.CheckLegacyAuth, Title: "Legacy or static cluster credentials", Severity: finding.SeverityHigh,
		Category: finding.CategoryCloud,
		Why:      "Basic authentication, static client certificates, legacy ABAC and AKS local accounts are credentials or grants outside the cloud's identity system: they cannot be revoked per person, are not audited by identity, and outlive the people who hold them.",
		Remediation: "GKE: enable_legacy_abac = false, no master_auth username/password, issue_client_certificate = false; " +
			"AKS: local_account_disabled = true with Entra ID integration, RBAC enabled; EKS: authentication_mode API or API_AND_CONFIG_MAP (access entries)",
		Controls: []string{"CIS 3.1.1"},
		Kinds:    kinds,
	},
	{
		ID: cloud.CheckNetworkPolicyOff, Title: "NetworkPolicies are not enforced", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCloud,
		Why:         "Without a network policy engine, NetworkPolicy objects are accepted but do nothing: every pod can reach every other pod.",
		Remediation: "EKS: the vpc-cni add-on with configuration_values enableNetworkPolicy = \"true\" (or Calico/Cilium); GKE: network_policy { enabled = true } or datapath_provider = \"ADVANCED_DATAPATH\"; AKS: network_profile.network_policy = azure, calico or cilium",
		Controls:    []string{"CIS 5.3.1"},
		Kinds:       kinds,
	},
}

type cloudCheck struct{ m check.Meta }

func (c *cloudCheck) Meta() check.Meta { return c.m }

// assessed is every cluster's verdicts, computed once per scan for the
// six checks.
func assessed(ctx *check.Context) []cloud.Issue {
	return ctx.Shared("cloudcheck/assess", func() any {
		var out []cloud.Issue
		for _, a := range ctx.Inventory.Artifacts() {
			if c, ok := a.Value.(*cloud.Cluster); ok {
				out = append(out, cloud.Assess(c)...)
			}
		}
		return out
	}).([]cloud.Issue)
}

func (c *cloudCheck) CheckInventory(ctx *check.Context, report func(check.Result)) {
	for _, is := range assessed(ctx) {
		if is.Check != c.m.ID {
			continue
		}
		res := finding.Resource{Kind: is.Kind, Name: is.Name}
		loc := finding.Location{File: is.File, Line: is.Line, Field: is.Path}
		if is.Unknown {
			ctx.SkipAt(c.m.ID, res.String(), is.Message, loc)
			continue
		}
		ev := is.Evidence
		if ev == nil {
			ev = map[string]any{}
		}
		if is.Path != "" {
			ev["attribute"] = is.Path
		}
		report(check.Result{Resource: res, Location: &loc, Message: is.Message, Severity: is.Severity, Evidence: ev})
	}
}
