package cloud

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// Check IDs of the cloud layer.
const (
	CheckPublicEndpoint   = "cloud/public-endpoint"
	CheckSecretsEncrypt   = "cloud/no-secrets-encryption"
	CheckLoggingOff       = "cloud/control-plane-logging-off"
	CheckNodesPublicIP    = "cloud/nodes-public-ip"
	CheckLegacyAuth       = "cloud/legacy-auth"
	CheckNetworkPolicyOff = "cloud/network-policy-off"
)

// Issue is one weakness of a cluster's settings, or (Unknown) a check that
// the input does not let rampart decide.
type Issue struct {
	Check    string
	Severity finding.Severity
	// Kind and Name are the resource the issue is about (the cluster, or a
	// node pool or diagnostic setting of it).
	Kind, Name string
	File       string
	Line       int
	Path       string
	Message    string
	Evidence   map[string]any
	Unknown    bool
}

type assessor struct {
	c   *Cluster
	out []Issue
}

// Assess judges a cluster's settings and returns its issues and unknowns.
func Assess(c *Cluster) []Issue {
	a := &assessor{c: c}
	switch c.Provider {
	case EKS:
		a.eks()
	case GKE:
		a.gke()
	case AKS:
		a.aks()
	}
	return a.out
}

// pick returns the Terraform or the API spelling of a path.
func (a *assessor) pick(tf, api []string) []string {
	if a.c.API {
		return api
	}
	return tf
}

func (a *assessor) get(tf, api []string) Value { return a.c.Get(a.pick(tf, api)...) }

func p(s ...string) []string { return s }

func (a *assessor) issue(check string, sev finding.Severity, v Value, msg string, ev map[string]any) {
	a.out = append(a.out, Issue{Check: check, Severity: sev, Kind: a.c.Kind, Name: a.c.Name, File: a.c.File,
		Line: lineOr(v.Line, a.c.Line), Path: v.Path, Message: msg, Evidence: ev})
}

func (a *assessor) related(check string, sev finding.Severity, r *Related, v Value, msg string, ev map[string]any) {
	a.out = append(a.out, Issue{Check: check, Severity: sev, Kind: r.Kind, Name: r.Name, File: r.File,
		Line: lineOr(v.Line, r.Line), Path: v.Path, Message: msg, Evidence: ev})
}

// unknown records that a check could not be decided because of v.
func (a *assessor) unknown(check string, v Value, what string) {
	msg := what
	if v.Expr != "" {
		msg += fmt.Sprintf(": %s = %s is not known from the input", v.Path, v.Expr)
	} else if v.Path != "" {
		msg += fmt.Sprintf(": %s is not known from the input", v.Path)
	}
	a.out = append(a.out, Issue{Check: check, Kind: a.c.Kind, Name: a.c.Name, File: a.c.File, Line: lineOr(v.Line, a.c.Line),
		Path: v.Path, Message: msg, Unknown: true})
}

func (a *assessor) notInInput(check, msg string) {
	a.out = append(a.out, Issue{Check: check, Kind: a.c.Kind, Name: a.c.Name, File: a.c.File, Line: a.c.Line, Message: msg, Unknown: true})
}

func lineOr(l, def int) int {
	if l > 0 {
		return l
	}
	return def
}

// openCIDRs are the ranges that mean "any address".
func openCIDRs(cidrs []string) []string {
	var out []string
	for _, c := range cidrs {
		switch strings.TrimSpace(c) {
		case "0.0.0.0/0", "::/0", "*", "0.0.0.0", "Internet", "any":
			out = append(out, c)
		}
	}
	return out
}

// endpoint reports the public-endpoint verdict once publicness and the
// allowed ranges are known. defaulted says the ranges are the default
// (nothing configured).
func (a *assessor) endpoint(v Value, cidrs []string, defaulted bool, how string) {
	ev := map[string]any{"public": true, "cidrs": cidrs}
	if open := openCIDRs(cidrs); len(open) > 0 || len(cidrs) == 0 {
		msg := "the API server endpoint is public and open to any address"
		if len(open) > 0 {
			msg += " (" + strings.Join(open, ", ") + ")"
		}
		if defaulted {
			msg += ": " + how
		}
		a.issue(CheckPublicEndpoint, finding.SeverityCritical, v, msg, ev)
		return
	}
	a.issue(CheckPublicEndpoint, finding.SeverityHigh, v,
		"the API server endpoint is public, reachable from "+strings.Join(cidrs, ", "), ev)
}

// ----- EKS -----

var eksLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

func (a *assessor) eks() {
	// Public endpoint: endpointPublicAccess defaults to true, and
	// publicAccessCidrs to 0.0.0.0/0.
	pub := a.get(p("vpc_config", "endpoint_public_access"), p("resourcesVpcConfig", "endpointPublicAccess"))
	if public, ok := pub.Bool(true); !ok {
		a.unknown(CheckPublicEndpoint, pub, "whether the API endpoint is public")
	} else if public {
		cv := a.get(p("vpc_config", "public_access_cidrs"), p("resourcesVpcConfig", "publicAccessCidrs"))
		cidrs, ok := cv.Strings()
		switch {
		case !ok:
			a.unknown(CheckPublicEndpoint, cv, "the API endpoint is public; the addresses allowed to reach it")
		case !cv.Present() || len(cidrs) == 0:
			at := pub
			if !pub.Present() {
				at = cv
			}
			a.endpoint(at, []string{"0.0.0.0/0"}, true, cv.Path+" is not set, and it defaults to 0.0.0.0/0")
		default:
			a.endpoint(cv, cidrs, false, "")
		}
	}

	// Secrets encryption: an encryption config for "secrets" with a KMS key.
	encPath := a.pick(p("encryption_config"), p("encryptionConfig"))
	enc := a.c.Get(encPath...)
	a.eksEncryption(enc)

	// Control-plane logs.
	var enabled []string
	var logV Value
	known := true
	if a.c.API {
		logV = a.c.Get("logging", "clusterLogging")
		for _, it := range logV.Items() {
			on, ok := it.Get("enabled").Bool(false)
			types, tok := it.Get("types").Strings()
			if !ok || !tok {
				known = false
				logV = it
				break
			}
			if on {
				enabled = append(enabled, types...)
			}
		}
		if logV.Unknown {
			known = false
		}
	} else {
		logV = a.c.Get("enabled_cluster_log_types")
		enabled, known = logV.Strings()
	}
	if !known {
		a.unknown(CheckLoggingOff, logV, "which control-plane logs are enabled")
	} else {
		var missing []string
		for _, t := range eksLogTypes {
			if !containsFold(enabled, t) {
				missing = append(missing, t)
			}
		}
		ev := map[string]any{"enabled": nonNil(enabled), "missing": missing}
		switch {
		case containsFold(missing, "audit"):
			a.issue(CheckLoggingOff, finding.SeverityMedium, logV, "control-plane audit logs are off (enabled: "+listOrNone(enabled)+")", ev)
		case containsFold(missing, "api") || containsFold(missing, "authenticator"):
			a.issue(CheckLoggingOff, finding.SeverityLow, logV, "control-plane logs "+strings.Join(missing, ", ")+" are off", ev)
		}
	}

	// Nodes: managed node groups get public IPs from their subnets or
	// launch template; SSH access without source security groups is open
	// to the internet.
	if !a.c.API {
		for _, ng := range a.c.Related[TypeEKSNodeGroup] {
			a.eksNodeGroup(ng)
		}
	}

	// Authentication: the aws-auth ConfigMap alone is the legacy mode, and
	// the API's default (CreateCluster, the SDKs, CloudFormation and so
	// Terraform; only the console defaults to API_AND_CONFIG_MAP).
	mode := a.get(p("access_config", "authentication_mode"), p("accessConfig", "authenticationMode"))
	if m, ok := mode.Str("CONFIG_MAP"); !ok {
		a.unknown(CheckLegacyAuth, mode, "the authentication mode")
	} else if m == "CONFIG_MAP" {
		msg := "authentication_mode CONFIG_MAP"
		if !mode.Present() {
			msg = mode.Path + " is not set, and it defaults to CONFIG_MAP"
		}
		a.issue(CheckLegacyAuth, finding.SeverityLow, mode,
			msg+": cluster access is granted only through the aws-auth ConfigMap, which any editor of kube-system can change; use access entries (API)",
			map[string]any{"authenticationMode": m})
	}

	// Network policies: the VPC CNI enforces them only when its add-on
	// sets enableNetworkPolicy.
	if a.c.API {
		a.notInInput(CheckNetworkPolicyOff, "aws eks describe-cluster does not show add-on configuration; whether the VPC CNI enforces NetworkPolicies is not known (see aws eks describe-addon --addon-name vpc-cni)")
		return
	}
	var cni *Related
	for _, r := range a.c.Related[TypeEKSAddon] {
		if name, _ := r.Settings.Get("addon_name").Str(""); name == "vpc-cni" {
			cni = r
		}
	}
	switch {
	case cni != nil:
		cv := cni.Settings.Get("configuration_values")
		s, ok := cv.Str("")
		if !ok {
			a.unknown(CheckNetworkPolicyOff, cv, "whether the vpc-cni add-on enforces NetworkPolicies")
			return
		}
		if !enablesNetworkPolicy(s) {
			a.related(CheckNetworkPolicyOff, finding.SeverityMedium, cni, cv,
				"the vpc-cni add-on does not set enableNetworkPolicy: NetworkPolicies are not enforced unless another CNI (Calico, Cilium) enforces them", nil)
		}
	case a.c.Unlinked[TypeEKSAddon] > 0:
		a.notInInput(CheckNetworkPolicyOff, "an aws_eks_addon names a cluster that is not known from the input; whether the vpc-cni add-on enforces NetworkPolicies is not known")
	default:
		a.issue(CheckNetworkPolicyOff, finding.SeverityMedium, Value{Path: "aws_eks_addon (vpc-cni)", Line: a.c.Line},
			"no vpc-cni add-on with enableNetworkPolicy is configured: NetworkPolicies are not enforced unless another CNI (Calico, Cilium) enforces them", nil)
	}
}

func (a *assessor) eksNodeGroup(ng *Related) {
	subnets := ng.Settings.Get("subnet_ids")
	for _, ref := range refsOfValue(subnets) {
		sn := a.c.Aux[ref]
		if sn == nil || sn.Kind != TypeSubnet {
			continue
		}
		v := sn.Settings.Get("map_public_ip_on_launch")
		if on, ok := v.Bool(false); ok && on {
			a.related(CheckNodesPublicIP, finding.SeverityMedium, ng, subnets,
				"the node group's subnet "+sn.Name+" gives every instance a public IP address (map_public_ip_on_launch)", map[string]any{"subnet": sn.Name})
			break
		}
	}
	lt := ng.Settings.Get("launch_template")
	for _, key := range []string{"id", "name"} {
		for _, ref := range refsOfValue(lt.Get(key)) {
			tpl := a.c.Aux[ref]
			if tpl == nil || tpl.Kind != TypeLaunchTemplate {
				continue
			}
			for _, ni := range tpl.Settings.Get("network_interfaces").Items() {
				v := ni.Get("associate_public_ip_address")
				if on, ok := v.Str(""); ok && strings.EqualFold(on, "true") {
					a.related(CheckNodesPublicIP, finding.SeverityMedium, tpl, v,
						"the launch template of node group "+ng.Name+" gives its nodes public IP addresses", map[string]any{"nodeGroup": ng.Name})
				}
			}
		}
	}
	ra := ng.Settings.Get("remote_access")
	if ra.BlockPresent() {
		key, _ := ra.Get("ec2_ssh_key").Str("")
		sg := ra.Get("source_security_group_ids")
		groups, ok := sg.Strings()
		if sg.Node.IsList() && len(sg.Node.Items) > 0 {
			groups, ok = []string{"(set)"}, true // some groups, even if not known
		}
		switch {
		case key == "":
		case !ok:
			a.out = append(a.out, Issue{Check: CheckNodesPublicIP, Kind: ng.Kind, Name: ng.Name, File: ng.File, Line: lineOr(sg.Line, ng.Line),
				Path: sg.Path, Unknown: true, Message: "whether SSH to the nodes is limited: " + sg.Path + " is not known from the input"})
		case len(groups) == 0:
			a.related(CheckNodesPublicIP, finding.SeverityMedium, ng, sg,
				"remote_access names an SSH key and no source security groups: port 22 of the nodes is open to 0.0.0.0/0", nil)
		}
	}
}

// refsOfValue lists the resources a setting refers to, in its expression
// or in its items' expressions.
func refsOfValue(v Value) []string {
	if v.Node == nil {
		return nil
	}
	out := append([]string{}, v.Node.Refs...)
	for _, it := range v.Node.Items {
		out = append(out, it.Refs...)
	}
	return out
}

func (a *assessor) eksEncryption(enc Value) {
	items := enc.Items()
	if enc.Unknown {
		a.unknown(CheckSecretsEncrypt, enc, "whether Secrets are encrypted with a KMS key")
		return
	}
	for _, it := range items {
		if it.Unknown {
			a.unknown(CheckSecretsEncrypt, it, "whether Secrets are encrypted with a KMS key")
			return
		}
		rv := it.Get("resources")
		res, ok := rv.Strings()
		if !ok {
			a.unknown(CheckSecretsEncrypt, rv, "which resources are encrypted")
			return
		}
		if containsFold(res, "secrets") {
			key := it.Get(a.pick(p("provider", "key_arn"), p("provider", "keyArn"))...)
			if key.Unknown || key.Present() {
				return // a key is configured (its ARN may be a reference)
			}
			a.issue(CheckSecretsEncrypt, finding.SeverityMedium, key, "the encryption config for Secrets names no KMS key", nil)
			return
		}
	}
	a.issue(CheckSecretsEncrypt, finding.SeverityMedium, enc,
		"Secrets are not envelope-encrypted with a KMS key: no "+enc.Path+" for \"secrets\"", nil)
}

func enablesNetworkPolicy(configJSON string) bool {
	var m map[string]any
	if json.Unmarshal([]byte(configJSON), &m) != nil {
		return false
	}
	switch v := m["enableNetworkPolicy"].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// ----- GKE -----

func (a *assessor) gke() {
	autopilot := a.get(p("enable_autopilot"), p("autopilot", "enabled"))
	isAutopilot, apKnown := autopilot.Bool(false)

	// Public endpoint.
	ipOn := a.get(p("control_plane_endpoints_config", "ip_endpoints_config", "enabled"), p("controlPlaneEndpointsConfig", "ipEndpointsConfig", "enabled"))
	privEp := a.get(p("private_cluster_config", "enable_private_endpoint"), p("privateClusterConfig", "enablePrivateEndpoint"))
	ipEnabled, ok1 := ipOn.Bool(true)
	private, ok2 := privEp.Bool(false)
	public := ipEnabled && !private
	decided := ok1 && ok2
	at := privEp
	if a.c.API {
		if pe := a.c.Get("controlPlaneEndpointsConfig", "ipEndpointsConfig", "enablePublicEndpoint"); pe.Present() || pe.Unknown {
			v, ok := pe.Bool(true)
			public, decided, at = ipEnabled && v, ok1 && ok, pe
		}
	}
	switch {
	case !ok1:
		a.unknown(CheckPublicEndpoint, ipOn, "whether the IP endpoint is enabled")
	case !decided:
		a.unknown(CheckPublicEndpoint, at, "whether the API endpoint is public")
	case public:
		man := a.get(p("master_authorized_networks_config"), p("masterAuthorizedNetworksConfig"))
		enabled := man.BlockPresent()
		if a.c.API {
			on, ok := man.Get("enabled").Bool(false)
			if !ok {
				a.unknown(CheckPublicEndpoint, man.Get("enabled"), "whether authorized networks restrict the public endpoint")
				break
			}
			enabled = on
		}
		switch {
		case man.Unknown:
			a.unknown(CheckPublicEndpoint, man, "whether authorized networks restrict the public endpoint")
		case !enabled:
			a.endpoint(at, nil, true, man.Path+" is not configured")
		default:
			var cidrs []string
			blocks := man.Get(a.pick(p("cidr_blocks"), p("cidrBlocks"))...)
			known := !blocks.Unknown
			for _, b := range blocks.Items() {
				cv := b.Get(a.pick(p("cidr_block"), p("cidrBlock"))...)
				s, ok := cv.Str("")
				if b.Unknown || !ok {
					known = false
					blocks = cv
					break
				}
				cidrs = append(cidrs, s)
			}
			if !known {
				a.unknown(CheckPublicEndpoint, blocks, "the addresses allowed to reach the public endpoint")
				break
			}
			gcp := man.Get(a.pick(p("gcp_public_cidrs_access_enabled"), p("gcpPublicCidrsAccessEnabled"))...)
			if g, _ := gcp.Bool(false); g {
				cidrs = append(cidrs, "Google Cloud public IP addresses")
			}
			if len(cidrs) == 0 {
				// Authorized networks on with no ranges: only Google's own.
				break
			}
			a.endpoint(blocks, cidrs, false, "")
		}
	}
	dns := a.get(p("control_plane_endpoints_config", "dns_endpoint_config", "allow_external_traffic"),
		p("controlPlaneEndpointsConfig", "dnsEndpointConfig", "allowExternalTraffic"))
	if on, ok := dns.Bool(false); !ok {
		a.unknown(CheckPublicEndpoint, dns, "whether the DNS endpoint accepts traffic from the internet")
	} else if on {
		a.issue(CheckPublicEndpoint, finding.SeverityMedium, dns,
			"the DNS-based control-plane endpoint accepts traffic from the internet (requests are still authenticated by IAM)", map[string]any{"dnsEndpoint": true})
	}

	// Secrets encryption: application-layer encryption with a Cloud KMS key.
	de := a.get(p("database_encryption", "state"), p("databaseEncryption", "state"))
	if s, ok := de.Str(""); !ok {
		a.unknown(CheckSecretsEncrypt, de, "whether application-layer Secrets encryption is on")
	} else if !strings.EqualFold(s, "ENCRYPTED") {
		msg := "application-layer Secrets encryption with a Cloud KMS key is off"
		if s != "" {
			msg += " (state " + s + ")"
		}
		a.issue(CheckSecretsEncrypt, finding.SeverityMedium, de, msg, nil)
	}

	// Logging: logging_service "none" turns cluster logs off (only the
	// Admin Activity audit logs remain).
	ls := a.get(p("logging_service"), p("loggingService"))
	comps := a.get(p("logging_config", "enable_components"), p("loggingConfig", "componentConfig", "enableComponents"))
	if s, ok := ls.Str(""); !ok {
		a.unknown(CheckLoggingOff, ls, "whether cluster logging is on")
	} else if s == "none" {
		a.issue(CheckLoggingOff, finding.SeverityMedium, ls, "logging_service is none: control-plane and workload logs are not collected (only Admin Activity audit logs remain)", nil)
	} else if list, ok := comps.Strings(); !ok {
		a.unknown(CheckLoggingOff, comps, "which components log")
	} else if comps.Present() && len(list) == 0 {
		a.issue(CheckLoggingOff, finding.SeverityMedium, comps, "logging is enabled for no component: control-plane logs are not collected", nil)
	}

	// Nodes with public IPs: nodes are private only with private nodes.
	pn := a.get(p("private_cluster_config", "enable_private_nodes"), p("privateClusterConfig", "enablePrivateNodes"))
	if a.c.API {
		if d := a.c.Get("networkConfig", "defaultEnablePrivateNodes"); d.Present() {
			pn = d
		}
	}
	privNodes, ok := pn.Bool(false)
	pools := a.gkePools()
	switch {
	case !ok:
		a.unknown(CheckNodesPublicIP, pn, "whether nodes are private")
	case !privNodes:
		allPrivate := len(pools) > 0
		for _, pl := range pools {
			if v, ok := pl.Get(a.pick(p("network_config", "enable_private_nodes"), p("networkConfig", "enablePrivateNodes"))...).Bool(false); !ok || !v {
				allPrivate = false
			}
		}
		if !allPrivate {
			a.issue(CheckNodesPublicIP, finding.SeverityMedium, pn, "nodes get public IP addresses: private nodes are not enabled", nil)
		}
	default:
		for _, pl := range pools {
			v := pl.Get(a.pick(p("network_config", "enable_private_nodes"), p("networkConfig", "enablePrivateNodes"))...)
			if on, ok := v.Bool(true); ok && !on {
				a.issue(CheckNodesPublicIP, finding.SeverityMedium, v, "node pool "+pl.Path+" turns private nodes off: its nodes get public IP addresses", nil)
			}
		}
	}
	for _, r := range a.c.Related[TypeGKENodePool] {
		v := r.Settings.Get("network_config", "enable_private_nodes")
		if on, ok := v.Bool(true); ok && !on {
			a.related(CheckNodesPublicIP, finding.SeverityMedium, r, v, "node pool turns private nodes off: its nodes get public IP addresses", nil)
		}
	}

	// Legacy authentication and authorization.
	abac := a.get(p("enable_legacy_abac"), p("legacyAbac", "enabled"))
	if on, ok := abac.Bool(false); !ok {
		a.unknown(CheckLegacyAuth, abac, "whether legacy ABAC is on")
	} else if on {
		a.issue(CheckLegacyAuth, finding.SeverityHigh, abac, "legacy ABAC authorization is on: it grants rights outside RBAC", nil)
	}
	for _, f := range []string{"username", "password"} {
		v := a.get(p("master_auth", f), p("masterAuth", f))
		if s, ok := v.Str(""); !ok {
			a.unknown(CheckLegacyAuth, v, "whether basic authentication is on")
		} else if s != "" {
			a.issue(CheckLegacyAuth, finding.SeverityHigh, v, "basic authentication (a static "+f+") is configured for the API server", nil)
			break
		}
	}
	cc := a.get(p("master_auth", "client_certificate_config", "issue_client_certificate"), p("masterAuth", "clientCertificateConfig", "issueClientCertificate"))
	if on, ok := cc.Bool(false); !ok {
		a.unknown(CheckLegacyAuth, cc, "whether a client certificate is issued")
	} else if on || (a.c.API && a.c.Get("masterAuth", "clientCertificate").Present()) {
		a.issue(CheckLegacyAuth, finding.SeverityMedium, cc, "a static client certificate is issued for the API server: a credential that cannot be revoked", nil)
	}

	// Network policy enforcement: network_policy, or Dataplane V2, or Autopilot.
	if apKnown && isAutopilot {
		return
	}
	dp := a.get(p("datapath_provider"), p("networkConfig", "datapathProvider"))
	np := a.get(p("network_policy", "enabled"), p("networkPolicy", "enabled"))
	dps, ok1 := dp.Str("")
	npOn, ok2 := np.Bool(false)
	switch {
	case ok1 && dps == "ADVANCED_DATAPATH", ok2 && npOn:
	case !apKnown:
		a.unknown(CheckNetworkPolicyOff, autopilot, "whether the cluster is Autopilot")
	case !ok1:
		a.unknown(CheckNetworkPolicyOff, dp, "whether Dataplane V2 enforces NetworkPolicies")
	case !ok2:
		a.unknown(CheckNetworkPolicyOff, np, "whether NetworkPolicy enforcement is on")
	default:
		a.issue(CheckNetworkPolicyOff, finding.SeverityMedium, np, "NetworkPolicies are not enforced: neither network_policy nor Dataplane V2 (datapath_provider ADVANCED_DATAPATH) is enabled", nil)
	}
}

func (a *assessor) gkePools() []Value {
	return a.get(p("node_pool"), p("nodePools")).Items()
}

// ----- AKS -----

func (a *assessor) aks() {
	priv := a.get(p("private_cluster_enabled"), p("apiServerAccessProfile", "enablePrivateCluster"))
	if private, ok := priv.Bool(false); !ok {
		a.unknown(CheckPublicEndpoint, priv, "whether the cluster is private")
	} else if !private {
		rv := a.get(p("api_server_access_profile", "authorized_ip_ranges"), p("apiServerAccessProfile", "authorizedIpRanges"))
		if !a.c.API && !rv.Present() && !rv.Unknown {
			if legacy := a.c.Get("api_server_authorized_ip_ranges"); legacy.Present() || legacy.Unknown {
				rv = legacy
			}
		}
		ranges, ok := rv.Strings()
		switch {
		case !ok:
			a.unknown(CheckPublicEndpoint, rv, "the addresses allowed to reach the public endpoint")
		case len(ranges) == 0:
			at := rv
			if priv.Present() {
				at = priv
			}
			a.endpoint(at, nil, true, "no authorized IP ranges are set ("+rv.Path+")")
		case len(ranges) == 1 && ranges[0] == "0.0.0.0/32":
			a.issue(CheckPublicEndpoint, finding.SeverityLow, rv, "the API server has a public endpoint, locked to the cluster's own egress (0.0.0.0/32)", map[string]any{"public": true, "cidrs": ranges})
		default:
			a.endpoint(rv, ranges, false, "")
		}
	}

	kms := a.get(p("key_management_service", "key_vault_key_id"), p("securityProfile", "azureKeyVaultKms", "enabled"))
	if a.c.API {
		if on, ok := kms.Bool(false); !ok {
			a.unknown(CheckSecretsEncrypt, kms, "whether Key Vault KMS encrypts Secrets")
		} else if !on {
			a.issue(CheckSecretsEncrypt, finding.SeverityMedium, kms, "Secrets are not encrypted with a Key Vault key (KMS etcd encryption is off)", nil)
		}
	} else if !kms.Present() && !kms.Unknown {
		a.issue(CheckSecretsEncrypt, finding.SeverityMedium, kms, "Secrets are not encrypted with a Key Vault key: no key_management_service block", nil)
	}

	a.aksLogging()

	pools := a.get(p("default_node_pool"), p("agentPoolProfiles")).Items()
	for _, pl := range pools {
		a.aksPool(pl, nil)
	}
	for _, r := range a.c.Related[TypeAKSNodePool] {
		a.aksPool(r.Settings, r)
	}

	local := a.get(p("local_account_disabled"), p("disableLocalAccounts"))
	if off, ok := local.Bool(false); !ok {
		a.unknown(CheckLegacyAuth, local, "whether local accounts are disabled")
	} else if !off {
		a.issue(CheckLegacyAuth, finding.SeverityMedium, local, "local accounts are enabled: a static cluster-admin credential (az aks get-credentials --admin) bypasses Entra ID", nil)
	}
	rbac := a.get(p("role_based_access_control_enabled"), p("enableRBAC"))
	if on, ok := rbac.Bool(true); !ok {
		a.unknown(CheckLegacyAuth, rbac, "whether Kubernetes RBAC is enabled")
	} else if !on {
		a.issue(CheckLegacyAuth, finding.SeverityHigh, rbac, "Kubernetes RBAC is disabled", nil)
	}

	np := a.get(p("network_profile", "network_policy"), p("networkProfile", "networkPolicy"))
	dp := a.get(p("network_profile", "network_data_plane"), p("networkProfile", "networkDataplane"))
	pol, ok1 := np.Str("")
	plane, ok2 := dp.Str("")
	switch {
	case ok1 && pol != "" && pol != "none", ok2 && strings.EqualFold(plane, "cilium"):
	case !ok1:
		a.unknown(CheckNetworkPolicyOff, np, "which network policy engine is used")
	case !ok2:
		a.unknown(CheckNetworkPolicyOff, dp, "which network data plane is used")
	default:
		a.issue(CheckNetworkPolicyOff, finding.SeverityMedium, np, "no network policy engine is configured: NetworkPolicies are not enforced", nil)
	}
}

func (a *assessor) aksPool(pl Value, r *Related) {
	v := pl.Get(a.pick(p("node_public_ip_enabled"), p("enableNodePublicIP"))...)
	if !a.c.API && !v.Present() && !v.Unknown {
		if legacy := pl.Get("enable_node_public_ip"); legacy.Present() || legacy.Unknown {
			v = legacy
		}
	}
	on, ok := v.Bool(false)
	switch {
	case !ok && r == nil:
		a.unknown(CheckNodesPublicIP, v, "whether nodes get public IPs")
	case !ok:
		a.out = append(a.out, Issue{Check: CheckNodesPublicIP, Kind: r.Kind, Name: r.Name, File: r.File, Line: lineOr(v.Line, r.Line),
			Path: v.Path, Unknown: true, Message: fmt.Sprintf("whether nodes get public IPs: %s = %s is not known from the input", v.Path, v.Expr)})
	case on && r == nil:
		a.issue(CheckNodesPublicIP, finding.SeverityMedium, v, "node pool "+pl.Path+" gives its nodes public IP addresses", nil)
	case on:
		a.related(CheckNodesPublicIP, finding.SeverityMedium, r, v, "node pool gives its nodes public IP addresses", nil)
	}
}

// auditCategories are the diagnostic log categories (and groups) that
// carry the Kubernetes audit log.
var auditCategories = []string{"kube-audit", "kube-audit-admin", "audit", "allLogs"}

func (a *assessor) aksLogging() {
	if a.c.API {
		a.notInInput(CheckLoggingOff, "az aks show does not include diagnostic settings; whether the audit log (kube-audit) is collected is not known (see az monitor diagnostic-settings list --resource <cluster id>)")
		return
	}
	diags := a.c.Related[TypeAzureDiagnostics]
	if len(diags) == 0 {
		if a.c.Unlinked[TypeAzureDiagnostics] > 0 {
			a.notInInput(CheckLoggingOff, "a diagnostic setting targets a resource that is not known from the input; whether it collects this cluster's audit log is not known")
			return
		}
		a.issue(CheckLoggingOff, finding.SeverityMedium, Value{Path: TypeAzureDiagnostics, Line: a.c.Line},
			"no diagnostic setting collects the control-plane logs: the audit log (kube-audit) is not kept", nil)
		return
	}
	for _, d := range diags {
		for _, blockName := range []string{"enabled_log", "log"} {
			bv := d.Settings.Get(blockName)
			if bv.Unknown {
				a.unknown(CheckLoggingOff, bv, "which logs the diagnostic setting collects")
				return
			}
			for _, it := range bv.Items() {
				if it.Unknown {
					a.unknown(CheckLoggingOff, it, "which logs the diagnostic setting collects")
					return
				}
				if on, ok := it.Get("enabled").Bool(true); ok && !on {
					continue
				}
				for _, f := range []string{"category", "category_group"} {
					s, ok := it.Get(f).Str("")
					if !ok {
						a.unknown(CheckLoggingOff, it.Get(f), "which logs the diagnostic setting collects")
						return
					}
					if containsFold(auditCategories, s) {
						return
					}
				}
			}
		}
	}
	d := diags[0]
	a.related(CheckLoggingOff, finding.SeverityMedium, d, Value{Path: "enabled_log", Line: d.Line},
		"the cluster's diagnostic settings do not collect the audit log (category kube-audit or kube-audit-admin)", nil)
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
