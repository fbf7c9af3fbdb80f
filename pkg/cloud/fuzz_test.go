package cloud

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadTerraform: any .tf content gives clusters or a file error with
// its line, never a panic; a good file beside it is still read.
func FuzzReadTerraform(f *testing.F) {
	for _, s := range []string{
		eks(eksSecure) + cniAddon,
		gke(gkeSecure),
		aks(`node_public_ip_enabled = true`, aksSecure),
		`locals { a = local.b
 b = local.a }
resource "aws_eks_cluster" "x" { vpc_config { public_access_cidrs = local.a } }`,
		`resource "google_container_cluster" "x" {
  dynamic "node_pool" {
    for_each = { a = 1, b = 2 }
    iterator = p
    content { name = p.key
      dynamic "network_config" { for_each = [p.value] 
        content { enable_private_nodes = network_config.value > 1 } } }
  }
}`,
		`resource "aws_eks_cluster" "x" { count = length(regexall("(", "x")) }`,
	} {
		f.Add([]byte(s))
	}
	good := []byte(eks(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := ReadTerraform([]File{{Name: "a.tf", Data: data}, {Name: "b.tf", Data: good}})
		for _, e := range m.Errors {
			if e.File != "a.tf" {
				t.Fatalf("error in the good file: %+v", e)
			}
		}
		found := false
		for _, c := range m.Clusters {
			_ = Assess(c)
			if c.File == "b.tf" {
				found = true
			}
		}
		if !found && len(m.Errors) > 0 {
			t.Fatal("the good file was not read after a bad one")
		}
	})
}

// FuzzReadJSON: any JSON (or not) gives clusters, "not cloud JSON" or an
// error, never a panic.
func FuzzReadJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`[{"cluster": {"resourcesVpcConfig": null}}]`))
	f.Add([]byte(`{"format_version": "1", "planned_values": {"root_module": {"child_modules": [{"resources": [{"type": "aws_eks_cluster", "values": []}]}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !LooksLikeCloudJSON(data) {
			return
		}
		cs, ok, err := ReadJSON("x.json", data)
		if err != nil && ok {
			t.Fatal("an error and a result")
		}
		for _, c := range cs {
			_ = Assess(c)
		}
	})
}
