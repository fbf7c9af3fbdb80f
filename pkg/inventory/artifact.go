package inventory

// Artifact is an input that is not a Kubernetes object but is analysed in
// the same scan: a managed cluster described in Terraform, a Terraform plan
// or a cloud CLI's JSON (cloud layer), or a Dockerfile (code layer). Value
// holds the parsed model (for example *cloud.Cluster or *dockerfile.File);
// the checks of each layer pick theirs by type. Artifacts are not objects:
// the Kubernetes checks never see them.
type Artifact struct {
	// Kind and Name identify it in findings and suppressions: a Terraform
	// resource type and address, "Dockerfile" and its path, ...
	Kind, Name string
	File       string
	Line       int
	Value      any
	// Ignores are inline suppressions written in the input ("# rampart:ignore
	// CHECK: reason" comments), by "Kind/Name" of the resource they cover,
	// with the syntax of the rampart.dev/ignore annotation.
	Ignores map[string]string
}

// AddArtifacts adds artifacts to an inventory before checks run.
func (inv *Inventory) AddArtifacts(a ...*Artifact) {
	inv.artifacts = append(inv.artifacts, a...)
}

// Artifacts returns the inventory's artifacts in the order they were added.
func (inv *Inventory) Artifacts() []*Artifact { return inv.artifacts }
