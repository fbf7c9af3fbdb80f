package source

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/cloud"
	"github.com/rampart-k8s/rampart/pkg/dockerfile"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// Inputs that are not Kubernetes manifests: Terraform folders and plans,
// cloud CLI JSON (the cloud layer) and Dockerfiles (the code layer). They
// become inventory artifacts, which the Kubernetes checks never see.

// KindDockerfile is the artifact kind of Dockerfiles.
const KindDockerfile = "Dockerfile"

// isArtifactFile reports whether a file found in a folder is read as
// Terraform or as a Dockerfile.
func isArtifactFile(path string) bool {
	return isTerraform(path) || cloud.IsTerraformVars(path) || dockerfile.IsDockerfile(path)
}

func isTerraform(path string) bool { return strings.EqualFold(filepath.Ext(path), ".tf") }

// splitArtifacts separates Terraform files and Dockerfiles from manifests.
func splitArtifacts(files []string) (manifests, artifacts []string) {
	for _, f := range files {
		if f != "-" && isArtifactFile(f) {
			artifacts = append(artifacts, f)
		} else {
			manifests = append(manifests, f)
		}
	}
	return manifests, artifacts
}

// readArtifacts reads Terraform files folder by folder (variables and
// locals are shared by a folder's files) and Dockerfiles one by one.
func readArtifacts(files []string, opts Options) Result {
	var res Result
	files = withFolderContext(files)
	dirs := map[string][]cloud.File{}
	var order []string
	for _, f := range files {
		data, err := readLimited(f, opts)
		res.Files++
		if err != nil {
			res.Errors = append(res.Errors, *err)
			continue
		}
		if dockerfile.IsDockerfile(f) && !isTerraform(f) && !cloud.IsTerraformVars(f) {
			res.addDockerfile(f, data)
			continue
		}
		dir := filepath.Dir(f)
		if _, ok := dirs[dir]; !ok {
			order = append(order, dir)
		}
		dirs[dir] = append(dirs[dir], cloud.File{Name: f, Data: data})
	}
	sort.Strings(order)
	read := map[string]bool{}
	for _, d := range order {
		read[filepath.Clean(d)] = true
	}
	for _, d := range order {
		if !hasTerraform(dirs[d]) {
			continue // tfvars alone describe nothing
		}
		m := cloud.ReadTerraform(dirs[d])
		for _, e := range m.Errors {
			res.Errors = append(res.Errors, finding.InputError{File: e.File, Line: e.Line, Message: "Terraform: " + e.Message})
		}
		for _, c := range m.Clusters {
			res.Artifacts = append(res.Artifacts, clusterArtifact(c))
		}
		for _, mc := range m.Modules {
			if mc.Local && read[filepath.Clean(filepath.Join(d, mc.Source))] {
				continue // its files are scanned on their own, inputs unknown
			}
			reason := mc.String() + " is not resolved: rampart does not fetch modules, so the managed clusters it may create are not checked; scan the plan (terraform show -json) instead"
			if mc.Local {
				reason = mc.String() + " is outside the scanned paths: the managed clusters it may create are not checked; scan its folder too, or the plan (terraform show -json)"
			}
			res.Skipped = append(res.Skipped, finding.Skipped{Resource: "module." + mc.Name, Reason: reason,
				Location: &finding.Location{File: mc.File, Line: mc.Line}})
		}
	}
	return res
}

// withFolderContext adds, for a Terraform file named on its own, the other
// Terraform files of its folder: variables, locals and related resources
// live there, and Terraform reads a folder as one module.
func withFolderContext(files []string) []string {
	seen := map[string]bool{}
	for _, f := range files {
		seen[filepath.Clean(f)] = true
	}
	out := files
	done := map[string]bool{}
	for _, f := range files {
		if !isTerraform(f) && !cloud.IsTerraformVars(f) {
			continue
		}
		dir := filepath.Dir(f)
		if done[dir] {
			continue
		}
		done[dir] = true
		for _, pat := range []string{"*.tf", "terraform.tfvars", "*.auto.tfvars"} {
			matches, _ := filepath.Glob(filepath.Join(dir, pat))
			for _, m := range matches {
				if !seen[filepath.Clean(m)] {
					seen[filepath.Clean(m)] = true
					out = append(out, m)
				}
			}
		}
	}
	return out
}

func hasTerraform(files []cloud.File) bool {
	for _, f := range files {
		if isTerraform(f.Name) {
			return true
		}
	}
	return false
}

func (r *Result) addDockerfile(name string, data []byte) {
	f, err := dockerfile.Parse(name, data)
	if err != nil {
		e := finding.InputError{File: name, Message: "Dockerfile: " + err.Error()}
		var pe *dockerfile.ParseError
		if errors.As(err, &pe) {
			e.Line, e.Message = pe.Line, "Dockerfile: "+pe.Message
		}
		r.Errors = append(r.Errors, e)
		return
	}
	a := &inventory.Artifact{Kind: KindDockerfile, Name: name, File: name, Line: f.Stages[0].Line, Value: f}
	if f.Ignore != "" {
		a.Ignores = map[string]string{KindDockerfile + "/" + name: f.Ignore}
	}
	r.Artifacts = append(r.Artifacts, a)
}

func clusterArtifact(c *cloud.Cluster) *inventory.Artifact {
	return &inventory.Artifact{Kind: c.Kind, Name: c.Name, File: c.File, Line: c.Line, Value: c, Ignores: c.Ignores}
}

// readCloudJSON reads a JSON input that is a Terraform plan or a cloud
// CLI's cluster description; ok is false for anything else (manifests).
func readCloudJSON(name string, data []byte) (arts []*inventory.Artifact, errs []finding.InputError, ok bool) {
	if !cloud.LooksLikeCloudJSON(data) {
		return nil, nil, false
	}
	clusters, ok, err := cloud.ReadJSON(name, data)
	if err != nil {
		e := finding.InputError{File: name, Message: err.Error()}
		var pe *cloud.ParseError
		if errors.As(err, &pe) {
			e.Line, e.Message = pe.Line, pe.Message
		}
		return nil, []finding.InputError{e}, true
	}
	if !ok {
		return nil, nil, false
	}
	for _, c := range clusters {
		arts = append(arts, clusterArtifact(c))
	}
	if len(arts) == 0 {
		// A plan without managed clusters: nothing to check, not an error.
		return nil, nil, true
	}
	return arts, nil, true
}
