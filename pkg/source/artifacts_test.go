package source

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/cloud"
	"github.com/rampart-k8s/rampart/pkg/dockerfile"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestArtifactsBesideManifests: one folder with Terraform, a plan, cloud
// CLI JSON, Dockerfiles and manifests: each is read by its reader, a broken
// file of each kind is an error with its line, and the rest is read.
func TestArtifactsBesideManifests(t *testing.T) {
	eksJSON, err := os.ReadFile("../cloud/testdata/eks-describe.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{
		"infra/main.tf":          "resource \"aws_eks_cluster\" \"main\" {\n  name = var.name\n}\n",
		"infra/variables.tf":     "variable \"name\" { default = \"shop\" }\n",
		"infra/terraform.tfvars": "name = \"prod\"\n",
		"infra/broken.tf":        "resource \"aws_eks_cluster\" \"x\" {\n\n  name = = 1\n}\n",
		"infra/net/main.tf":      "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n",
		"cloud/eks.json":         string(eksJSON),
		"app/Dockerfile":         "FROM alpine:3.20\nUSER 1000\n",
		"app/api.Dockerfile":     "FROM alpine\n",
		"app/Dockerfile.broken":  "FROM alpine\nRUN <<EOF\nnever closed\n",
		"k8s/deploy.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
		"k8s/list.json":          `{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}}]}`,
	})
	res := Load([]string{dir}, Options{})
	if len(res.Objects) != 2 {
		t.Errorf("objects %d, want the two ConfigMaps", len(res.Objects))
	}
	var kinds []string
	for _, a := range res.Artifacts {
		kinds = append(kinds, a.Kind+" "+a.Name)
		if c, ok := a.Value.(*cloud.Cluster); ok && c.Source == "terraform" {
			if n := c.Settings.Get("name"); n.Node.String() != "prod" {
				t.Errorf("terraform.tfvars sets name: %q", n.Node.String())
			}
		}
		if _, ok := a.Value.(*dockerfile.File); ok && a.Kind != KindDockerfile {
			t.Errorf("Dockerfile artifact of kind %s", a.Kind)
		}
	}
	slices.Sort(kinds)
	want := []string{"Dockerfile " + filepath.Join(dir, "app/Dockerfile"), "Dockerfile " + filepath.Join(dir, "app/api.Dockerfile"),
		"EKSCluster shop", "aws_eks_cluster aws_eks_cluster.main"}
	if !slices.Equal(kinds, want) {
		t.Errorf("artifacts %v\nwant %v", kinds, want)
	}
	var errs []string
	for _, e := range res.Errors {
		errs = append(errs, strings.TrimPrefix(e.File, dir+"/")+":"+itoa(e.Line))
	}
	slices.Sort(errs)
	if !slices.Equal(errs, []string{"app/Dockerfile.broken:2", "infra/broken.tf:3"}) {
		t.Errorf("errors %v (%+v)", errs, res.Errors)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Resource != "module.vpc" || res.Skipped[0].Location.Line != 1 {
		t.Errorf("skipped %+v", res.Skipped)
	}
}

// TestTerraformFileNamedAlone: a .tf file named on its own is read with its
// folder's other files, as Terraform reads a folder.
func TestTerraformFileNamedAlone(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.tf":      "resource \"aws_eks_cluster\" \"main\" {\n  vpc_config { endpoint_public_access = var.public }\n}\n",
		"variables.tf": "variable \"public\" { default = false }\n",
	})
	res := Load([]string{filepath.Join(dir, "main.tf")}, Options{})
	if len(res.Artifacts) != 1 {
		t.Fatalf("artifacts %d, errors %v", len(res.Artifacts), res.Errors)
	}
	c := res.Artifacts[0].Value.(*cloud.Cluster)
	if v, ok := c.Get("vpc_config", "endpoint_public_access").Bool(true); !ok || v {
		t.Errorf("var.public from variables.tf: %v %v", v, ok)
	}
}

func TestCloudJSONOnStdin(t *testing.T) {
	data, _ := os.ReadFile("../cloud/testdata/aks-show.json")
	res := Load([]string{"-"}, Options{Stdin: strings.NewReader(string(data))})
	if len(res.Artifacts) != 1 || res.Artifacts[0].Kind != "AKSCluster" || res.Artifacts[0].File != "<stdin>" || len(res.Errors) != 0 {
		t.Errorf("artifacts %+v errors %+v", res.Artifacts, res.Errors)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
