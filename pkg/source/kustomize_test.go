package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
)

const (
	kustomizeExamples = "../../examples/kustomize"
	prodOverlay       = "../../examples/kustomize/overlays/prod"
	baseDeployment    = "../../examples/kustomize/base/deployment.yaml"
)

func TestKustomizeOverlay(t *testing.T) {
	res := Load([]string{prodOverlay}, Options{})
	noErrors(t, res)
	if len(res.Objects) != 1 {
		t.Errorf("objects %v, want prod-worker only", refs(res.Objects))
	}
	d := find(t, res.Objects, "Deployment", "prod-worker")
	if d.Namespace != "prod" {
		t.Errorf("namespace %q, want prod", d.Namespace)
	}
	if d.Source.File != baseDeployment || d.Source.Origin != "kustomize" {
		t.Errorf("source %s origin %q, want %s kustomize", d.Source.File, d.Source.Origin, baseDeployment)
	}
	if want := fileLine(t, baseDeployment, "apiVersion:"); d.Source.Line != want {
		t.Errorf("line %d, want %d (after the base's comments)", d.Source.Line, want)
	}
	// Raw is the built object: the patch and the transformers applied.
	if v := field(t, d, "spec", "replicas"); v != int64(3) {
		t.Errorf("replicas %#v, want 3 from the overlay's patch", v)
	}
	if v := field(t, d, "metadata", "annotations", originAnnotation); v != nil {
		t.Errorf("origin annotation left on the object: %v", v)
	}
	// Lines resolve in the base file; a field the patch added resolves to
	// its nearest parent written there.
	idx := inventory.NewPositionIndex(&d.Source)
	cases := []struct{ field, line string }{
		{"spec.template.spec.containers[0].image", "          image: ghcr.io/example/worker:1.0.0"},
		{"spec.template.spec.containers[0].securityContext", "        - name: worker"},
		{"spec.template.spec.securityContext.runAsNonRoot", "    spec:"},
		{"spec.replicas", "spec:"},
		{"metadata.name", "  name: worker"},
	}
	for _, c := range cases {
		want := fileLineExact(t, baseDeployment, c.line)
		if got := idx.Line(c.field); got != want {
			t.Errorf("Line(%s) = %d, want %d", c.field, got, want)
		}
	}
}

// fileLineExact is the line of a file that is exactly text, for lines that
// appear as substrings of others ("spec:" at several depths).
func fileLineExact(t *testing.T, path, text string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i, l := range strings.Split(string(data), "\n") {
		if l == text {
			if found != 0 {
				t.Fatalf("%q is lines %d and %d of %s", text, found, i+1, path)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("%q not in %s", text, path)
	}
	return found
}

func TestKustomizeFolderWithBaseAndOverlay(t *testing.T) {
	// Walking the examples builds the base and the overlay, each once.
	res := Load([]string{kustomizeExamples}, Options{})
	noErrors(t, res)
	if len(res.Objects) != 2 {
		t.Errorf("objects %v, want worker and prod-worker", refs(res.Objects))
	}
	base := find(t, res.Objects, "Deployment", "worker")
	prod := find(t, res.Objects, "Deployment", "prod-worker")
	if base.Namespace != "" || prod.Namespace != "prod" {
		t.Errorf("namespaces %q and %q", base.Namespace, prod.Namespace)
	}
	for _, o := range []*inventory.Object{base, prod} {
		if o.Source.File != filepath.Join(kustomizeExamples, "base", "deployment.yaml") {
			t.Errorf("%s: file %s", o.Name, o.Source.File)
		}
	}
}

func TestKustomizeBroken(t *testing.T) {
	root := t.TempDir()
	missing := filepath.Join(root, "missing")
	writeFile(t, missing, "kustomization.yaml", "resources:\n  - nowhere.yaml\n")
	syntax := filepath.Join(root, "syntax")
	writeFile(t, syntax, "kustomization.yaml", "resources: [deployment.yaml\n")
	other := writeFile(t, root, "plain/other.yaml", goodOther)

	res := Load([]string{missing, syntax, other, prodOverlay}, Options{})
	if len(res.Errors) != 2 {
		t.Fatalf("errors %v, want one per broken kustomization", res.Errors)
	}
	for i, dir := range []string{missing, syntax} {
		e := res.Errors[i]
		if e.File != dir || !strings.HasPrefix(e.Message, "kustomize: ") {
			t.Errorf("error %+v, want one naming %s", e, dir)
		}
	}
	if !strings.Contains(res.Errors[0].Message, "nowhere.yaml") {
		t.Errorf("error %q does not name the missing resource", res.Errors[0].Message)
	}
	find(t, res.Objects, "Service", "good-other")
	find(t, res.Objects, "Deployment", "prod-worker")
	if len(res.Objects) != 2 {
		t.Errorf("objects %v", refs(res.Objects))
	}
}
