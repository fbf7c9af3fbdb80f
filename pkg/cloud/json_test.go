package cloud

import (
	"os"
	"path/filepath"
	"testing"
)

func readJSONFile(t *testing.T, name string) ([]*Cluster, bool) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if !LooksLikeCloudJSON(data) {
		return nil, false
	}
	cs, ok, err := ReadJSON(name, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cs, ok
}

// TestShapeRecognition: each cloud's CLI JSON (camelCase) and SDK or ARM
// JSON (PascalCase, properties) is recognised by its shape, and judged
// with the API's field names.
func TestShapeRecognition(t *testing.T) {
	cases := []struct {
		file     string
		provider Provider
		name     string
		source   string
		want     []want
	}{
		{"eks-describe.json", EKS, "shop", SourceEKS, []want{
			{CheckPublicEndpoint, "critical", "cluster.resourcesVpcConfig.publicAccessCidrs"},
			{CheckSecretsEncrypt, "medium", "cluster.encryptionConfig"},
			{CheckLoggingOff, "medium", "cluster.logging.clusterLogging"},
			{CheckNetworkPolicyOff, "unknown", ""},
		}},
		{"eks-sdk.json", EKS, "payments", SourceEKS, []want{
			{CheckPublicEndpoint, "high", "Cluster.ResourcesVpcConfig.PublicAccessCidrs"},
			{CheckNetworkPolicyOff, "unknown", ""},
		}},
		{"gke-describe.json", GKE, "shop", SourceGKE, []want{
			{CheckPublicEndpoint, "high", "masterAuthorizedNetworksConfig.cidrBlocks"},
			{CheckSecretsEncrypt, "medium", "databaseEncryption.state"},
			{CheckNetworkPolicyOff, "medium", "networkPolicy.enabled"},
		}},
		{"gke-list.json", GKE, "autopilot-1", SourceGKE, nil},
		{"aks-show.json", AKS, "shop", SourceAKS, []want{
			{CheckPublicEndpoint, "critical", "apiServerAccessProfile.authorizedIpRanges"},
			{CheckSecretsEncrypt, "medium", "securityProfile.azureKeyVaultKms.enabled"},
			{CheckLoggingOff, "unknown", ""},
			{CheckNodesPublicIP, "medium", "agentPoolProfiles[1].enableNodePublicIp"},
			{CheckLegacyAuth, "medium", "disableLocalAccounts"},
			{CheckNetworkPolicyOff, "medium", "networkProfile.networkPolicy"},
		}},
		{"aks-arm.json", AKS, "billing", SourceAKS, []want{
			{CheckPublicEndpoint, "high", "properties.apiServerAccessProfile.authorizedIPRanges"},
			{CheckLoggingOff, "unknown", ""},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			cs, ok := readJSONFile(t, tc.file)
			if !ok || len(cs) != 1 {
				t.Fatalf("not recognised (%v, %d clusters)", ok, len(cs))
			}
			c := cs[0]
			if c.Provider != tc.provider || c.Name != tc.name || c.Source != tc.source || !c.API {
				t.Fatalf("got %s %q from %q", c.Provider, c.Name, c.Source)
			}
			if g := got(Assess(c)); !sameWants(g, tc.want) {
				t.Errorf("got %v\nwant %v", g, tc.want)
			}
		})
	}
}

func TestManifestJSONIsNotCloud(t *testing.T) {
	if _, ok := readJSONFile(t, "k8s-deployment.json"); ok {
		t.Fatal("a Kubernetes manifest was taken for cloud JSON")
	}
	for _, s := range []string{`{"items": [], "apiVersion": "v1", "kind": "List"}`, `[]`, `"x"`, `{"type": "other", "name": "x"}`, `{"cluster": {"name": "x"}}`} {
		if LooksLikeCloudJSON([]byte(s)) {
			if _, ok, _ := ReadJSON("x.json", []byte(s)); ok {
				t.Errorf("%s: recognised as cloud JSON", s)
			}
		}
	}
}

func TestJSONLines(t *testing.T) {
	cs, _ := readJSONFile(t, "eks-describe.json")
	for _, is := range Assess(cs[0]) {
		if is.Check == CheckPublicEndpoint && (is.Line != 16 || is.File != "eks-describe.json") {
			t.Errorf("public endpoint at %s:%d, want line 16 (publicAccessCidrs)", is.File, is.Line)
		}
	}
	_, _, err := ReadJSON("bad.json", []byte("{\n  \"cluster\": {\n    \"name\": \"x\",,\n  }\n}"))
	if pe, ok := err.(*ParseError); !ok || pe.Line != 3 {
		t.Errorf("error %v, want a parse error on line 3", err)
	}
}

// TestPlan: resources in modules keep their addresses; what a plan knows
// only after apply is unknown when the configuration sets it, and the
// provider's default when it does not; references from the configuration
// link the add-on to its cluster.
func TestPlan(t *testing.T) {
	cs, ok := readJSONFile(t, "plan.json")
	if !ok || len(cs) != 2 {
		t.Fatalf("plan: %v, %d clusters", ok, len(cs))
	}
	byName := map[string]*Cluster{}
	for _, c := range cs {
		byName[c.Name] = c
		if c.Source != SourcePlan || c.API {
			t.Errorf("%s: source %q", c.Name, c.Source)
		}
	}
	root, mod := byName["aws_eks_cluster.root"], byName["module.eks.aws_eks_cluster.this[0]"]
	if root == nil || mod == nil {
		t.Fatalf("clusters %v", byName)
	}
	if g, w := got(Assess(root)), []want{
		{CheckPublicEndpoint, "critical", "vpc_config[0].endpoint_public_access"},
		{CheckSecretsEncrypt, "medium", "encryption_config"},
		{CheckLegacyAuth, "low", "access_config.authentication_mode"}, // not set: the API's default, CONFIG_MAP
	}; !sameWants(g, w) {
		t.Errorf("root: got %v\nwant %v", g, w)
	}
	if g, w := got(Assess(mod)), []want{
		{CheckPublicEndpoint, "unknown", "vpc_config[0].public_access_cidrs"},
		{CheckLoggingOff, "medium", "enabled_cluster_log_types"},
		{CheckNetworkPolicyOff, "medium", "aws_eks_addon (vpc-cni)"},
	}; !sameWants(g, w) {
		t.Errorf("module: got %v\nwant %v", g, w)
	}
	if root.Line != 8 {
		t.Errorf("root resource at line %d, want 8 (its address)", root.Line)
	}
}

// TestPlanEmptyBlocksAreAbsent: a plan writes the nested blocks a
// configuration leaves out as empty lists. A GKE cluster without
// master_authorized_networks_config is open to any address, as the same
// .tf says.
func TestPlanEmptyBlocksAreAbsent(t *testing.T) {
	plan := `{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
  {"address": "google_container_cluster.primary", "mode": "managed", "type": "google_container_cluster", "name": "primary",
   "values": {"name": "primary", "master_authorized_networks_config": [], "private_cluster_config": [],
              "control_plane_endpoints_config": [], "database_encryption": [{"state": "ENCRYPTED", "key_name": "k"}],
              "network_policy": [{"enabled": true, "provider": "CALICO"}], "logging_service": "logging.googleapis.com/kubernetes"}}
]}}}`
	cs, ok, err := ReadJSON("plan.json", []byte(plan))
	if err != nil || !ok || len(cs) != 1 {
		t.Fatalf("plan not read: %v %v %d", ok, err, len(cs))
	}
	issues := got(Assess(cs[0]))
	for _, i := range issues {
		if i.check == CheckPublicEndpoint && i.sev == "critical" {
			return
		}
	}
	t.Errorf("GKE without authorized networks in a plan: %v, want a critical %s", issues, CheckPublicEndpoint)
}
