package cloud

import (
	"regexp"
	"strings"
)

// Provider is a managed Kubernetes service.
type Provider string

const (
	EKS Provider = "eks"
	GKE Provider = "gke"
	AKS Provider = "aks"
)

// Resource types of the managed clusters and of the resources that
// configure them, as Terraform names them.
const (
	TypeEKSCluster       = "aws_eks_cluster"
	TypeEKSAddon         = "aws_eks_addon"
	TypeGKECluster       = "google_container_cluster"
	TypeGKENodePool      = "google_container_node_pool"
	TypeAKSCluster       = "azurerm_kubernetes_cluster"
	TypeAKSNodePool      = "azurerm_kubernetes_cluster_node_pool"
	TypeAzureDiagnostics = "azurerm_monitor_diagnostic_setting"
	TypeEKSNodeGroup     = "aws_eks_node_group"
	TypeLaunchTemplate   = "aws_launch_template"
	TypeSubnet           = "aws_subnet"
)

// clusterTypes maps the cluster resource types to their provider.
var clusterTypes = map[string]Provider{TypeEKSCluster: EKS, TypeGKECluster: GKE, TypeAKSCluster: AKS}

// relatedTypes are resources that configure a cluster from outside its
// own block, with the attributes that name the cluster.
var relatedTypes = map[string][]string{
	TypeEKSAddon:         {"cluster_name"},
	TypeEKSNodeGroup:     {"cluster_name"},
	TypeGKENodePool:      {"cluster"},
	TypeAKSNodePool:      {"kubernetes_cluster_id"},
	TypeAzureDiagnostics: {"target_resource_id"},
}

// auxTypes are resources that related resources refer to (a node group's
// launch template and subnets), looked up by reference.
var auxTypes = map[string]bool{TypeLaunchTemplate: true, TypeSubnet: true}

// Cluster is one managed cluster as an input describes it.
type Cluster struct {
	Provider Provider
	// API is set when the settings use the cloud API's field names (CLI
	// JSON) rather than Terraform's.
	API bool
	// Source says what was read: "terraform", "terraform plan",
	// "aws eks describe-cluster", ...
	Source string
	// Kind and Name identify the cluster in findings: the resource type and
	// its Terraform address, or "EKSCluster" (and so on) and the cluster's
	// name for cloud JSON.
	Kind, Name string
	File       string
	Line       int
	// Settings is the resource's body, or the API object.
	Settings Value
	// Related are resources that configure the cluster from outside it
	// (node pools, diagnostic settings, add-ons), by type.
	Related map[string][]*Related
	// Ignores are the inline suppressions ("# rampart:ignore CHECK: reason"
	// comments) of the cluster's resource and its related resources, by
	// "Kind/Name" of the resource findings name.
	Ignores map[string]string
	// Aux are the resources of the same configuration that related
	// resources may refer to (launch templates, subnets), by type.name.
	Aux map[string]*Related
	// Unlinked counts, by type, resources of a related type whose cluster
	// could not be told: a check that needs them is then unknown rather
	// than failed.
	Unlinked map[string]int
}

// Related is a resource that configures a cluster from outside it.
type Related struct {
	Kind, Name string
	File       string
	Line       int
	Settings   Value
}

// Get looks a setting up in the cluster's own settings.
func (c *Cluster) Get(path ...string) Value { return c.Settings.Get(path...) }

// Resource is one Terraform resource (from HCL or a plan) with its
// evaluated body.
type Resource struct {
	Type, Name string
	// Address is type.name, prefixed with module.NAME. for plan resources
	// inside modules, and suffixed with an index for counted ones.
	Address string
	File    string
	Line    int
	Body    *Node
	// ignore holds the resource's "# rampart:ignore" comments.
	ignore string
	// ref is how other resources of the same configuration refer to it:
	// type.name, prefixed with module.NAME. inside modules.
	ref string
	// base is the path prefix of the body's attributes ("" for HCL,
	// "values" for plans).
	base string
}

func (r *Resource) settings() Value { return Value{Node: r.Body, Path: r.base, Line: r.Line} }

// refersTo reports whether a related resource names the cluster: by a
// reference to it (aws_eks_cluster.main.name, its id) or by a literal that
// equals one of the cluster's identifying values.
func refersTo(rel *Resource, attrs []string, cluster *Resource) (linked, decided bool) {
	decided = true
	for _, a := range attrs {
		n := rel.Body.Field(a)
		if n.IsNull() {
			continue
		}
		for _, ref := range n.Refs {
			if ref == cluster.ref {
				return true, true
			}
		}
		if n.IsUnknown() {
			if len(n.Refs) == 0 {
				decided = false
			}
			continue
		}
		s := n.String()
		if s == "" {
			continue
		}
		for _, id := range []string{"name", "id", "arn"} {
			if v := cluster.Body.Field(id); v != nil && !v.IsUnknown() && v.String() == s {
				return true, true
			}
		}
		// An Azure resource ID ends with the cluster's name.
		if name := cluster.Body.Field("name"); name != nil && !name.IsUnknown() && name.String() != "" &&
			strings.HasSuffix(strings.ToLower(s), "/managedclusters/"+strings.ToLower(name.String())) {
			return true, true
		}
	}
	return false, decided
}

// clustersOf builds the clusters of a set of Terraform resources and links
// the related resources to them.
func clustersOf(res []*Resource, source string) []*Cluster {
	var out []*Cluster
	var clusterRes []*Resource
	aux := map[string]*Related{}
	for _, r := range res {
		if auxTypes[r.Type] {
			aux[r.ref] = &Related{Kind: r.Type, Name: r.Address, File: r.File, Line: r.Line, Settings: r.settings()}
		}
	}
	for _, r := range res {
		p, ok := clusterTypes[r.Type]
		if !ok {
			continue
		}
		c := &Cluster{Provider: p, Source: source, Kind: r.Type, Name: r.Address, File: r.File, Line: r.Line,
			Settings: r.settings(), Related: map[string][]*Related{}, Unlinked: map[string]int{}, Ignores: map[string]string{}, Aux: aux}
		if r.ignore != "" {
			c.Ignores[c.Kind+"/"+c.Name] = r.ignore
		}
		out = append(out, c)
		clusterRes = append(clusterRes, r)
	}
	for _, r := range res {
		attrs, ok := relatedTypes[r.Type]
		if !ok {
			continue
		}
		linkedAny := false
		undecided := false
		for i, cr := range clusterRes {
			if !compatible(r.Type, cr.Type) {
				continue
			}
			linked, decided := refersTo(r, attrs, cr)
			if linked {
				c := out[i]
				c.Related[r.Type] = append(c.Related[r.Type], &Related{Kind: r.Type, Name: r.Address, File: r.File, Line: r.Line, Settings: r.settings()})
				if r.ignore != "" {
					c.Ignores[r.Type+"/"+r.Address] = r.ignore
				}
				linkedAny = true
			}
			if !decided {
				undecided = true
			}
		}
		if !linkedAny && undecided {
			for i, cr := range clusterRes {
				if compatible(r.Type, cr.Type) {
					out[i].Unlinked[r.Type]++
				}
			}
		}
	}
	return out
}

func compatible(related, cluster string) bool {
	switch related {
	case TypeEKSAddon, TypeEKSNodeGroup:
		return cluster == TypeEKSCluster
	case TypeGKENodePool:
		return cluster == TypeGKECluster
	case TypeAKSNodePool, TypeAzureDiagnostics:
		return cluster == TypeAKSCluster
	}
	return false
}

// ignoreComment is an inline suppression: "# rampart:ignore CHECK: reason"
// (or "//"), with the annotation's syntax after the keyword.
var ignoreComment = regexp.MustCompile(`^\s*(?:#|//)\s*rampart:ignore\s+(.+?)\s*$`)

// ignoresIn collects the inline suppressions on lines [from, to] (1-based)
// of src and on the comment lines right above from.
func ignoresIn(src []byte, from, to int) string {
	lines := strings.Split(string(src), "\n")
	start := from
	for start > 1 && start-2 < len(lines) {
		t := strings.TrimSpace(lines[start-2])
		if !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "//") {
			break
		}
		start--
	}
	var out []string
	for l := start; l <= to && l <= len(lines); l++ {
		if m := ignoreComment.FindStringSubmatch(lines[l-1]); m != nil {
			out = append(out, m[1])
		}
	}
	return strings.Join(out, ", ")
}
