package cloud

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// want is an expected issue: check, severity ("unknown" for an unknown)
// and the attribute path it points at.
type want struct {
	check, sev, path string
}

func (w want) String() string { return w.check + " " + w.sev + " " + w.path }

func got(issues []Issue) []want {
	var out []want
	for _, is := range issues {
		sev := is.Severity.String()
		if is.Unknown {
			sev = "unknown"
		}
		out = append(out, want{is.Check, sev, is.Path})
	}
	return out
}

func tfIssues(t *testing.T, files ...File) []Issue {
	t.Helper()
	m := ReadTerraform(files)
	if len(m.Errors) > 0 {
		t.Fatalf("errors: %+v", m.Errors)
	}
	var out []Issue
	for _, c := range m.Clusters {
		out = append(out, Assess(c)...)
	}
	return out
}

// only keeps the issues of one check.
func only(check string, ws []want) []want {
	var out []want
	for _, w := range ws {
		if w.check == check {
			out = append(out, w)
		}
	}
	return out
}

func sameWants(a, b []want) bool {
	if len(a) != len(b) {
		return false
	}
	for _, w := range a {
		if !slices.Contains(b, w) {
			return false
		}
	}
	return true
}

const eksBase = `
resource "aws_eks_cluster" "main" {
  name     = "shop"
  role_arn = aws_iam_role.cluster.arn
  %s
}
`

func eks(body string) string { return fmt.Sprintf(eksBase, body) }

const eksSecure = `
  vpc_config {
    subnet_ids             = ["subnet-1"]
    endpoint_public_access = false
  }
  encryption_config {
    resources = ["secrets"]
    provider { key_arn = aws_kms_key.eks.arn }
  }
  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  access_config { authentication_mode = "API" }
`

const cniAddon = `
resource "aws_eks_addon" "cni" {
  cluster_name         = aws_eks_cluster.main.name
  addon_name           = "vpc-cni"
  configuration_values = jsonencode({ enableNetworkPolicy = "true" })
}
`

func TestTerraformEKS(t *testing.T) {
	cases := []struct {
		name  string
		check string
		tf    string
		vars  string
		want  []want
	}{
		{"secure cluster has no public endpoint", CheckPublicEndpoint, eks(eksSecure) + cniAddon, "", nil},
		{"defaults: public and open to the world", CheckPublicEndpoint, eks(`vpc_config { subnet_ids = ["a"] }`), "",
			[]want{{CheckPublicEndpoint, "critical", "vpc_config.public_access_cidrs"}}},
		{"no vpc_config at all", CheckPublicEndpoint, eks(``), "",
			[]want{{CheckPublicEndpoint, "critical", "vpc_config.public_access_cidrs"}}},
		{"explicit public with listed CIDRs from a variable default", CheckPublicEndpoint,
			`variable "cidrs" { default = ["203.0.113.0/24"] }` + eks(`vpc_config {
    endpoint_public_access = true
    public_access_cidrs    = var.cidrs
  }`), "", []want{{CheckPublicEndpoint, "high", "vpc_config.public_access_cidrs"}}},
		{"::/0 is open too", CheckPublicEndpoint, eks(`vpc_config { public_access_cidrs = ["10.0.0.0/8", "::/0"] }`), "",
			[]want{{CheckPublicEndpoint, "critical", "vpc_config.public_access_cidrs"}}},
		{"locals built from locals", CheckPublicEndpoint, `locals {
  all   = concat(local.vpn, ["0.0.0.0/0"])
  vpn   = ["198.51.100.0/24"]
}` + eks(`vpc_config { public_access_cidrs = local.all }`), "",
			[]want{{CheckPublicEndpoint, "critical", "vpc_config.public_access_cidrs"}}},
		{"variable without default is unknown, not a pass", CheckPublicEndpoint, `variable "public" { type = bool }` +
			eks(`vpc_config { endpoint_public_access = var.public }`), "",
			[]want{{CheckPublicEndpoint, "unknown", "vpc_config.endpoint_public_access"}}},
		{"tfvars give the variable its value", CheckPublicEndpoint, `variable "public" { type = bool }` +
			eks(`vpc_config { endpoint_public_access = var.public }`), `public = false`, nil},
		{"CIDRs from another resource are unknown", CheckPublicEndpoint,
			eks(`vpc_config { public_access_cidrs = [aws_eip.nat.public_ip] }`), "",
			[]want{{CheckPublicEndpoint, "unknown", "vpc_config.public_access_cidrs"}}},
		{"conditional on a known variable", CheckPublicEndpoint, `variable "env" { default = "prod" }` +
			eks(`vpc_config { endpoint_public_access = var.env == "prod" ? false : true }`), "", nil},

		{"encryption inline", CheckSecretsEncrypt, eks(eksSecure), "", nil},
		{"no encryption", CheckSecretsEncrypt, eks(``), "", []want{{CheckSecretsEncrypt, "medium", "encryption_config"}}},
		{"encryption of other resources only", CheckSecretsEncrypt, eks(`encryption_config {
    resources = ["configmaps"]
    provider { key_arn = "arn:aws:kms:eu-west-1:1:key/x" }
  }`), "", []want{{CheckSecretsEncrypt, "medium", "encryption_config"}}},
		{"dynamic block with a known non-empty for_each", CheckSecretsEncrypt, `variable "kms" { default = "arn:aws:kms:eu-west-1:1:key/x" }` + eks(`dynamic "encryption_config" {
    for_each = var.kms == "" ? [] : [var.kms]
    content {
      resources = ["secrets"]
      provider { key_arn = encryption_config.value }
    }
  }`), "", nil},
		{"dynamic block with an empty for_each", CheckSecretsEncrypt, `variable "kms" { default = "" }` + eks(`dynamic "encryption_config" {
    for_each = var.kms == "" ? [] : [var.kms]
    content {
      resources = ["secrets"]
      provider { key_arn = encryption_config.value }
    }
  }`), "", []want{{CheckSecretsEncrypt, "medium", "encryption_config"}}},
		{"dynamic block with an unknown for_each", CheckSecretsEncrypt, `variable "kms" {}` + eks(`dynamic "encryption_config" {
    for_each = var.kms == null ? [] : [var.kms]
    iterator = k
    content {
      resources = ["secrets"]
      provider { key_arn = k.value }
    }
  }`), "", []want{{CheckSecretsEncrypt, "unknown", "encryption_config"}}},

		{"all logs", CheckLoggingOff, eks(eksSecure), "", nil},
		{"no logs", CheckLoggingOff, eks(``), "", []want{{CheckLoggingOff, "medium", "enabled_cluster_log_types"}}},
		{"api only: no audit", CheckLoggingOff, eks(`enabled_cluster_log_types = ["api"]`), "", []want{{CheckLoggingOff, "medium", "enabled_cluster_log_types"}}},
		{"audit without authenticator", CheckLoggingOff, eks(`enabled_cluster_log_types = ["audit", "api"]`), "", []want{{CheckLoggingOff, "low", "enabled_cluster_log_types"}}},
		{"log types from a module output are unknown", CheckLoggingOff, eks(`enabled_cluster_log_types = module.settings.log_types`), "",
			[]want{{CheckLoggingOff, "unknown", "enabled_cluster_log_types"}}},

		{"access entries", CheckLegacyAuth, eks(eksSecure), "", nil},
		{"aws-auth ConfigMap only", CheckLegacyAuth, eks(`access_config { authentication_mode = "CONFIG_MAP" }`), "",
			[]want{{CheckLegacyAuth, "low", "access_config.authentication_mode"}}},
		{"no access_config: the API's default is CONFIG_MAP", CheckLegacyAuth, eks(``), "",
			[]want{{CheckLegacyAuth, "low", "access_config.authentication_mode"}}},

		{"node group in private subnets", CheckNodesPublicIP, eks(``) + `
resource "aws_subnet" "private" {
  count                   = 3
  map_public_ip_on_launch = false
}
resource "aws_eks_node_group" "ng" {
  cluster_name = aws_eks_cluster.main.name
  subnet_ids   = aws_subnet.private[*].id
  remote_access {
    ec2_ssh_key               = "ops"
    source_security_group_ids = [aws_security_group.bastion.id]
  }
}`, "", nil},
		{"node group in a public subnet", CheckNodesPublicIP, eks(``) + `
resource "aws_subnet" "public" {
  map_public_ip_on_launch = true
}
resource "aws_eks_node_group" "ng" {
  cluster_name = aws_eks_cluster.main.name
  subnet_ids   = [aws_subnet.public.id]
}`, "", []want{{CheckNodesPublicIP, "medium", "subnet_ids"}}},
		{"launch template with public IPs", CheckNodesPublicIP, eks(``) + `
resource "aws_launch_template" "nodes" {
  network_interfaces {
    associate_public_ip_address = true
  }
}
resource "aws_eks_node_group" "ng" {
  cluster_name = aws_eks_cluster.main.name
  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }
}`, "", []want{{CheckNodesPublicIP, "medium", "network_interfaces.associate_public_ip_address"}}},
		{"SSH open to the internet", CheckNodesPublicIP, eks(``) + `
resource "aws_eks_node_group" "ng" {
  cluster_name = aws_eks_cluster.main.name
  remote_access { ec2_ssh_key = "ops" }
}`, "", []want{{CheckNodesPublicIP, "medium", "remote_access.source_security_group_ids"}}},

		{"vpc-cni enforces policies", CheckNetworkPolicyOff, eks(``) + cniAddon, "", nil},
		{"no vpc-cni add-on", CheckNetworkPolicyOff, eks(``), "", []want{{CheckNetworkPolicyOff, "medium", "aws_eks_addon (vpc-cni)"}}},
		{"vpc-cni without the setting", CheckNetworkPolicyOff, eks(``) + `resource "aws_eks_addon" "cni" {
  cluster_name = aws_eks_cluster.main.name
  addon_name   = "vpc-cni"
}`, "", []want{{CheckNetworkPolicyOff, "medium", "configuration_values"}}},
		{"add-on of a cluster named by a variable: unknown", CheckNetworkPolicyOff, `variable "cluster" {}` + eks(``) + `resource "aws_eks_addon" "cni" {
  cluster_name = var.cluster
  addon_name   = "vpc-cni"
  configuration_values = jsonencode({ enableNetworkPolicy = "true" })
}`, "", []want{{CheckNetworkPolicyOff, "unknown", ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := []File{{Name: "main.tf", Data: []byte(tc.tf)}}
			if tc.vars != "" {
				files = append(files, File{Name: "terraform.tfvars", Data: []byte(tc.vars)})
			}
			g := only(tc.check, got(tfIssues(t, files...)))
			if !sameWants(g, tc.want) {
				t.Errorf("got %v, want %v", g, tc.want)
			}
		})
	}
}

func TestTerraformCountAndModules(t *testing.T) {
	m := ReadTerraform([]File{{Name: "main.tf", Data: []byte(`
variable "create" { default = false }
resource "aws_eks_cluster" "off" {
  count = var.create ? 1 : 0
  name  = "off"
}
resource "aws_eks_cluster" "maybe" {
  count = var.unknown_flag ? 1 : 0
  name  = "maybe"
}
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"
}
module "local" {
  source = "./modules/gke"
}
`)}})
	var names []string
	for _, c := range m.Clusters {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"aws_eks_cluster.maybe"}) {
		t.Errorf("clusters %v: count = 0 is not created, an unknown count may be", names)
	}
	if len(m.Modules) != 2 || m.Modules[0].Source != "terraform-aws-modules/eks/aws" || m.Modules[0].Line != 11 || m.Modules[0].Local || !m.Modules[1].Local {
		t.Errorf("modules %+v", m.Modules)
	}
}

func TestTerraformLines(t *testing.T) {
	src := `resource "aws_eks_cluster" "main" {
  name = "x"
  vpc_config {
    subnet_ids = ["a"]
    public_access_cidrs = [
      "0.0.0.0/0",
    ]
  }
}
`
	issues := tfIssues(t, File{Name: "eks.tf", Data: []byte(src)})
	for _, is := range issues {
		if is.Check == CheckPublicEndpoint {
			if is.Line != 5 || is.File != "eks.tf" || is.Path != "vpc_config.public_access_cidrs" || is.Severity != finding.SeverityCritical {
				t.Errorf("public endpoint at %s:%d %s %v", is.File, is.Line, is.Path, is.Severity)
			}
			return
		}
	}
	t.Fatal("no public-endpoint issue")
}

func TestTerraformBadFileDoesNotStopOthers(t *testing.T) {
	m := ReadTerraform([]File{
		{Name: "bad.tf", Data: []byte("resource \"aws_eks_cluster\" \"x\" {\n  name = \n}\n")},
		{Name: "good.tf", Data: []byte(eks(``))},
	})
	if len(m.Errors) != 1 || m.Errors[0].File != "bad.tf" || m.Errors[0].Line != 2 {
		t.Errorf("errors %+v", m.Errors)
	}
	if len(m.Clusters) != 1 {
		t.Errorf("clusters %d: the good file must still be read", len(m.Clusters))
	}
}

const gkeBase = `
resource "google_container_cluster" "primary" {
  name     = "shop"
  location = "europe-west1"
  %s
}
`

func gke(body string) string { return fmt.Sprintf(gkeBase, body) }

const gkeSecure = `
  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = true
    master_ipv4_cidr_block  = "172.16.0.0/28"
  }
  database_encryption {
    state    = "ENCRYPTED"
    key_name = google_kms_crypto_key.k.id
  }
  datapath_provider = "ADVANCED_DATAPATH"
  master_auth {
    client_certificate_config { issue_client_certificate = false }
  }
`

func TestTerraformGKE(t *testing.T) {
	cases := []struct {
		name, check, tf string
		want            []want
	}{
		{"private endpoint", CheckPublicEndpoint, gke(gkeSecure), nil},
		{"public without authorized networks", CheckPublicEndpoint, gke(``), []want{{CheckPublicEndpoint, "critical", "private_cluster_config.enable_private_endpoint"}}},
		{"authorized networks from a dynamic block over a local", CheckPublicEndpoint, `locals {
  nets = { office = "203.0.113.0/24", vpn = "198.51.100.0/24" }
}` + gke(`master_authorized_networks_config {
    dynamic "cidr_blocks" {
      for_each = local.nets
      content {
        cidr_block   = cidr_blocks.value
        display_name = cidr_blocks.key
      }
    }
  }`), []want{{CheckPublicEndpoint, "high", "master_authorized_networks_config.cidr_blocks"}}},
		{"authorized networks open to all", CheckPublicEndpoint, gke(`master_authorized_networks_config {
    cidr_blocks { cidr_block = "0.0.0.0/0" }
  }`), []want{{CheckPublicEndpoint, "critical", "master_authorized_networks_config.cidr_blocks"}}},
		{"IP endpoint off, DNS endpoint open", CheckPublicEndpoint, gke(`control_plane_endpoints_config {
    ip_endpoints_config { enabled = false }
    dns_endpoint_config { allow_external_traffic = true }
  }`), []want{{CheckPublicEndpoint, "medium", "control_plane_endpoints_config.dns_endpoint_config.allow_external_traffic"}}},

		{"application-layer encryption", CheckSecretsEncrypt, gke(gkeSecure), nil},
		{"no database encryption", CheckSecretsEncrypt, gke(``), []want{{CheckSecretsEncrypt, "medium", "database_encryption.state"}}},
		{"decrypted", CheckSecretsEncrypt, gke(`database_encryption { state = "DECRYPTED" }`), []want{{CheckSecretsEncrypt, "medium", "database_encryption.state"}}},

		{"default logging", CheckLoggingOff, gke(``), nil},
		{"logging off", CheckLoggingOff, gke(`logging_service = "none"`), []want{{CheckLoggingOff, "medium", "logging_service"}}},

		{"private nodes", CheckNodesPublicIP, gke(gkeSecure), nil},
		{"public nodes", CheckNodesPublicIP, gke(``), []want{{CheckNodesPublicIP, "medium", "private_cluster_config.enable_private_nodes"}}},
		{"a node pool turns private nodes off", CheckNodesPublicIP, gke(gkeSecure) + `
resource "google_container_node_pool" "pool" {
  cluster = google_container_cluster.primary.id
  network_config { enable_private_nodes = false }
}`, []want{{CheckNodesPublicIP, "medium", "network_config.enable_private_nodes"}}},

		{"modern auth", CheckLegacyAuth, gke(gkeSecure), nil},
		{"legacy ABAC", CheckLegacyAuth, gke(`enable_legacy_abac = true`), []want{{CheckLegacyAuth, "high", "enable_legacy_abac"}}},
		{"client certificate", CheckLegacyAuth, gke(`master_auth {
    client_certificate_config { issue_client_certificate = true }
  }`), []want{{CheckLegacyAuth, "medium", "master_auth.client_certificate_config.issue_client_certificate"}}},
		{"basic auth", CheckLegacyAuth, gke(`master_auth {
    username = "admin"
    password = "not-a-real-password-000"
  }`), []want{{CheckLegacyAuth, "high", "master_auth.username"}}},

		{"Dataplane V2", CheckNetworkPolicyOff, gke(gkeSecure), nil},
		{"Calico network policy", CheckNetworkPolicyOff, gke(`network_policy { enabled = true }`), nil},
		{"Autopilot", CheckNetworkPolicyOff, gke(`enable_autopilot = true`), nil},
		{"no enforcement", CheckNetworkPolicyOff, gke(``), []want{{CheckNetworkPolicyOff, "medium", "network_policy.enabled"}}},
		{"unknown data path", CheckNetworkPolicyOff, gke(`datapath_provider = var.dp`), []want{{CheckNetworkPolicyOff, "unknown", "datapath_provider"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := only(tc.check, got(tfIssues(t, File{Name: "main.tf", Data: []byte(tc.tf)})))
			if !sameWants(g, tc.want) {
				t.Errorf("got %v, want %v", g, tc.want)
			}
		})
	}
}

const aksBase = `
resource "azurerm_kubernetes_cluster" "aks" {
  name                = "shop"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "shop"
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D2s_v5"
    node_count = 3
    %s
  }
  %s
}
`

func aks(pool, body string) string { return fmt.Sprintf(aksBase, pool, body) }

const aksSecure = `
  private_cluster_enabled = true
  local_account_disabled  = true
  key_management_service {
    key_vault_key_id = azurerm_key_vault_key.k.id
  }
  network_profile {
    network_plugin = "azure"
    network_policy = "calico"
  }
`

const aksDiag = `
resource "azurerm_monitor_diagnostic_setting" "aks" {
  name               = "aks-logs"
  target_resource_id = azurerm_kubernetes_cluster.aks.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.w.id
  enabled_log { category = "%s" }
}
`

func TestTerraformAKS(t *testing.T) {
	cases := []struct {
		name, check, tf string
		want            []want
	}{
		{"private cluster", CheckPublicEndpoint, aks(``, aksSecure), nil},
		{"public with no ranges", CheckPublicEndpoint, aks(``, ``), []want{{CheckPublicEndpoint, "critical", "api_server_access_profile.authorized_ip_ranges"}}},
		{"public with ranges", CheckPublicEndpoint, aks(``, `api_server_access_profile { authorized_ip_ranges = ["203.0.113.0/24"] }`),
			[]want{{CheckPublicEndpoint, "high", "api_server_access_profile.authorized_ip_ranges"}}},
		{"legacy top-level ranges (provider 3.x)", CheckPublicEndpoint, aks(``, `api_server_authorized_ip_ranges = ["0.0.0.0/0"]`),
			[]want{{CheckPublicEndpoint, "critical", "api_server_authorized_ip_ranges"}}},

		{"Key Vault KMS", CheckSecretsEncrypt, aks(``, aksSecure), nil},
		{"no KMS", CheckSecretsEncrypt, aks(``, ``), []want{{CheckSecretsEncrypt, "medium", "key_management_service.key_vault_key_id"}}},

		{"audit log collected", CheckLoggingOff, aks(``, ``) + fmt.Sprintf(aksDiag, "kube-audit-admin"), nil},
		{"no diagnostic setting", CheckLoggingOff, aks(``, ``), []want{{CheckLoggingOff, "medium", TypeAzureDiagnostics}}},
		{"diagnostic setting without audit", CheckLoggingOff, aks(``, ``) + fmt.Sprintf(aksDiag, "kube-apiserver"), []want{{CheckLoggingOff, "medium", "enabled_log"}}},
		{"diagnostic setting on an unknown target", CheckLoggingOff, aks(``, ``) + `
resource "azurerm_monitor_diagnostic_setting" "x" {
  target_resource_id = var.target
  enabled_log { category = "kube-audit" }
}`, []want{{CheckLoggingOff, "unknown", ""}}},

		{"private nodes", CheckNodesPublicIP, aks(``, aksSecure), nil},
		{"default pool with public IPs", CheckNodesPublicIP, aks(`node_public_ip_enabled = true`, ``), []want{{CheckNodesPublicIP, "medium", "default_node_pool.node_public_ip_enabled"}}},
		{"provider 3.x spelling", CheckNodesPublicIP, aks(`enable_node_public_ip = true`, ``), []want{{CheckNodesPublicIP, "medium", "default_node_pool.enable_node_public_ip"}}},
		{"extra pool with public IPs", CheckNodesPublicIP, aks(``, aksSecure) + `
resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = "user"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  node_public_ip_enabled = true
}`, []want{{CheckNodesPublicIP, "medium", "node_public_ip_enabled"}}},

		{"local accounts disabled", CheckLegacyAuth, aks(``, aksSecure), nil},
		{"local accounts", CheckLegacyAuth, aks(``, ``), []want{{CheckLegacyAuth, "medium", "local_account_disabled"}}},
		{"RBAC off", CheckLegacyAuth, aks(``, aksSecure+`role_based_access_control_enabled = false`), []want{{CheckLegacyAuth, "high", "role_based_access_control_enabled"}}},

		{"calico", CheckNetworkPolicyOff, aks(``, aksSecure), nil},
		{"cilium data plane", CheckNetworkPolicyOff, aks(``, `network_profile {
    network_plugin     = "azure"
    network_data_plane = "cilium"
  }`), nil},
		{"no policy engine", CheckNetworkPolicyOff, aks(``, `network_profile { network_plugin = "kubenet" }`), []want{{CheckNetworkPolicyOff, "medium", "network_profile.network_policy"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := only(tc.check, got(tfIssues(t, File{Name: "main.tf", Data: []byte(tc.tf)})))
			if !sameWants(g, tc.want) {
				t.Errorf("got %v, want %v", g, tc.want)
			}
		})
	}
}

func TestUnknownMessageNamesTheExpression(t *testing.T) {
	issues := tfIssues(t, File{Name: "main.tf", Data: []byte(`variable "public" {}` + eks(`vpc_config { endpoint_public_access = var.public }`))})
	for _, is := range issues {
		if is.Check == CheckPublicEndpoint {
			if !is.Unknown || !strings.Contains(is.Message, "var.public") || is.Line != 5 {
				t.Errorf("%+v", is)
			}
			return
		}
	}
	t.Fatal("no public-endpoint entry")
}

// TestLargeValuesStayUnknown: expressions that would build huge values are
// not evaluated; the setting is unknown.
func TestLargeValuesStayUnknown(t *testing.T) {
	for _, expr := range []string{
		`[for i in range(100000000) : "0.0.0.0/0"]`,
		`[for p in setproduct(range(1000), range(1000)) : "0.0.0.0/0"]`,
		`[format("%0999999999d", 1)]`,
		`[indent(1000000000, "x")]`,
	} {
		issues := tfIssues(t, File{Name: "main.tf", Data: []byte(eks(`vpc_config { public_access_cidrs = ` + expr + ` }`))})
		if g := only(CheckPublicEndpoint, got(issues)); len(g) != 1 || g[0].sev != "unknown" {
			t.Errorf("%s: %v", expr, g)
		}
	}
	if g := only(CheckPublicEndpoint, got(tfIssues(t, File{Name: "main.tf", Data: []byte(eks(`vpc_config { public_access_cidrs = [for i in range(3) : format("10.%d.0.0/16", i)] }`))}))); len(g) != 1 || g[0].sev != "high" {
		t.Errorf("small range: %v", g)
	}
}
