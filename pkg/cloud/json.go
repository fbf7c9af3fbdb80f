package cloud

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
)

// JSON sources, recognised by shape.
const (
	SourcePlan = "terraform plan"
	SourceEKS  = "aws eks describe-cluster"
	SourceGKE  = "gcloud container clusters describe"
	SourceAKS  = "az aks show"
)

// shapeKeys are top-level keys (lower case) of the JSON this package
// reads; a document with none of them is left to the manifest reader
// without being parsed twice.
var shapeKeys = map[string]bool{
	"format_version": true, "cluster": true, "resourcesvpcconfig": true, "privateclusterconfig": true,
	"masterauth": true, "currentmasterversion": true, "nodepools": true, "masterauthorizednetworksconfig": true,
	"agentpoolprofiles": true, "properties": true, "apiserveraccessprofile": true, "type": true, "selflink": true,
}

// LooksLikeCloudJSON reads a JSON document's top-level keys (of its first
// element, for an array) and reports whether it may be a Terraform plan or
// a cloud CLI's cluster description. Kubernetes manifests are turned down
// at their apiVersion key.
func LooksLikeCloudJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	if tok == json.Delim('[') {
		if tok, err = dec.Token(); err != nil || tok != json.Delim('{') {
			return false
		}
	}
	found := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return false
		}
		k, _ := kt.(string)
		switch lk := strings.ToLower(k); {
		case lk == "apiversion":
			return false
		case shapeKeys[lk]:
			found = true
		}
		if err := skipValue(dec); err != nil {
			return false
		}
	}
	return found
}

func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// ReadJSON reads a JSON document that is a Terraform plan or state
// (terraform show -json), or the description of one or more clusters by
// aws eks describe-cluster, gcloud container clusters describe or list
// (--format=json) or az aks show or list, in the CLIs' camelCase or the
// SDKs' PascalCase. ok is false when the document is none of these.
func ReadJSON(name string, data []byte) (clusters []*Cluster, ok bool, err error) {
	root, err := parseJSON(data)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, false, pe
		}
		return nil, false, err
	}
	if isPlan(root) {
		return readPlan(name, root), true, nil
	}
	items := []*Node{root}
	if root.IsList() {
		items = root.Items
		if len(items) == 0 {
			return nil, false, nil
		}
	}
	for _, it := range items {
		c := describeCluster(name, it)
		if c == nil {
			return nil, false, nil
		}
		clusters = append(clusters, c)
	}
	return clusters, true, nil
}

var eksARN = regexp.MustCompile(`^arn:aws[a-z-]*:eks:`)

// describeCluster recognises one cluster object of a cloud CLI.
func describeCluster(file string, n *Node) *Cluster {
	if !n.IsObject() {
		return nil
	}
	c := &Cluster{API: true, File: file, Line: n.Line}
	name := func(obj *Node) string { return obj.Field("name").String() }
	switch {
	case isEKS(n.Field("cluster")):
		obj := n.Field("cluster")
		c.Provider, c.Source, c.Kind, c.Name = EKS, SourceEKS, "EKSCluster", name(obj)
		c.Settings = Value{Node: obj, Path: obj.Key, Line: obj.Line}
	case isEKS(n):
		c.Provider, c.Source, c.Kind, c.Name = EKS, SourceEKS, "EKSCluster", name(n)
		c.Settings = Value{Node: n, Line: n.Line}
	case isAKS(n):
		c.Provider, c.Source, c.Kind, c.Name = AKS, SourceAKS, "AKSCluster", name(n)
		c.Settings = Value{Node: n, Line: n.Line}
		if p := n.Field("properties"); p.IsObject() && n.Field("agentPoolProfiles") == nil {
			c.Settings = Value{Node: p, Path: p.Key, Line: p.Line}
		}
	case isGKE(n):
		c.Provider, c.Source, c.Kind, c.Name = GKE, SourceGKE, "GKECluster", name(n)
		c.Settings = Value{Node: n, Line: n.Line}
	default:
		return nil
	}
	if c.Name == "" {
		c.Name = "(unnamed)"
	}
	return c
}

func isEKS(n *Node) bool {
	if !n.IsObject() {
		return false
	}
	return n.Field("resourcesVpcConfig").IsObject() || eksARN.MatchString(n.Field("arn").String())
}

func isGKE(n *Node) bool {
	for _, k := range []string{"privateClusterConfig", "masterAuth", "currentMasterVersion", "masterAuthorizedNetworksConfig"} {
		if n.Field(k) != nil {
			return true
		}
	}
	return strings.Contains(n.Field("selfLink").String(), "container.googleapis.com")
}

func isAKS(n *Node) bool {
	if strings.EqualFold(n.Field("type").String(), "Microsoft.ContainerService/ManagedClusters") {
		return true
	}
	return n.Field("agentPoolProfiles").IsList() || n.Field("properties").Field("agentPoolProfiles").IsList()
}

func isPlan(n *Node) bool {
	if n.Field("format_version") == nil {
		return false
	}
	for _, k := range []string{"planned_values", "values", "resource_changes", "configuration"} {
		if n.Field(k) != nil {
			return true
		}
	}
	return false
}

// readPlan reads the resources of a plan's planned values (or a state's
// values), marks what is known only after apply as unknown unless the
// configuration leaves it to the provider's default, and takes references
// between resources from the configuration.
func readPlan(file string, root *Node) []*Cluster {
	values := root.Field("planned_values")
	if values == nil {
		values = root.Field("values")
	}
	changes := map[string]*Node{}
	for _, rc := range root.Field("resource_changes").itemsOrNil() {
		if addr := rc.Field("address").String(); addr != "" {
			changes[addr] = rc.Field("change").Field("after_unknown")
		}
	}
	config := root.Field("configuration").Field("root_module")
	var resources []*Resource
	var walk func(mod *Node)
	walk = func(mod *Node) {
		for _, r := range mod.Field("resources").itemsOrNil() {
			typ := r.Field("type").String()
			_, isCluster := clusterTypes[typ]
			_, isRelated := relatedTypes[typ]
			if !isCluster && !isRelated && !auxTypes[typ] || r.Field("mode").String() == "data" {
				continue
			}
			addr := r.Field("address").String()
			body := r.Field("values")
			if !body.IsObject() {
				body = newObject("values", r.Line)
			}
			modPath, local := splitAddress(addr)
			cfg := configResource(config, modPath, local)
			exprs := cfg.Field("expressions")
			markUnknown(body, changes[addr], exprs, cfg != nil)
			prefix := ""
			for _, m := range modPath {
				prefix += "module." + m + "."
			}
			for _, k := range exprs.Keys() {
				refs := exprs.Field(k).Field("references")
				if !refs.IsList() {
					continue
				}
				target := body.Field(k)
				if target == nil {
					continue
				}
				for _, ref := range refs.Items {
					parts := strings.Split(ref.String(), ".")
					if len(parts) >= 2 && parts[0] != "var" && parts[0] != "local" {
						target.Refs = append(target.Refs, prefix+parts[0]+"."+parts[1])
					}
				}
			}
			line := r.Line
			if a := r.Field("address"); a != nil {
				line = a.Line
			}
			resources = append(resources, &Resource{Type: typ, Name: r.Field("name").String(), Address: addr,
				File: file, Line: line, Body: body, ref: prefix + local})
		}
		for _, cm := range mod.Field("child_modules").itemsOrNil() {
			walk(cm)
		}
	}
	walk(values.Field("root_module"))
	return clustersOf(resources, SourcePlan)
}

func (n *Node) itemsOrNil() []*Node {
	if n == nil || n.kind != kindList {
		return nil
	}
	return n.Items
}

var addrIndex = regexp.MustCompile(`\[[^\]]*\]`)

// splitAddress turns module.a["x"].module.b.aws_eks_cluster.this[0] into
// the module path [a b] and the resource's type.name.
func splitAddress(addr string) (mods []string, local string) {
	parts := strings.Split(addrIndex.ReplaceAllString(addr, ""), ".")
	for len(parts) >= 2 && parts[0] == "module" {
		mods = append(mods, parts[1])
		parts = parts[2:]
	}
	return mods, strings.Join(parts, ".")
}

// configResource finds a resource's configuration (its expressions).
func configResource(root *Node, mods []string, local string) *Node {
	mod := root
	for _, m := range mods {
		mod = mod.Field("module_calls").Field(m).Field("module")
	}
	for _, r := range mod.Field("resources").itemsOrNil() {
		if r.Field("address").String() == local {
			return r
		}
	}
	return nil
}

// markUnknown marks the values that a plan knows only after apply. A value
// the configuration does not set is left absent: the provider's default
// applies, which is what the checks assume for absent settings.
func markUnknown(values, unknown, exprs *Node, haveConfig bool) {
	if !unknown.IsObject() || !values.IsObject() {
		return
	}
	for _, k := range unknown.Keys() {
		u := unknown.Field(k)
		ex := exprs.Field(k)
		if haveConfig && ex == nil {
			continue
		}
		switch {
		case u.kind == kindScalar && u.Scalar == true:
			values.set(k, newUnknown(k, values.Line, "(known after apply)"))
		case u.IsObject():
			markUnknown(values.Field(k), u, ex, haveConfig && ex.IsObject())
		case u.IsList():
			v := values.Field(k)
			if !v.IsList() {
				continue
			}
			for i, ui := range u.Items {
				if i >= len(v.Items) {
					break
				}
				var exi *Node
				if ex.IsList() && i < len(ex.Items) {
					exi = ex.Items[i]
				}
				if ui.kind == kindScalar && ui.Scalar == true {
					v.Items[i] = newUnknown(k, v.Items[i].Line, "(known after apply)")
					continue
				}
				markUnknown(v.Items[i], ui, exi, haveConfig && exi != nil)
			}
		}
	}
}
