package source

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// FuzzParseDocuments feeds arbitrary bytes to the document parser: it must
// never panic, every error must name the file, every object must be a
// Kubernetes object with a line, and resolving field lines must not panic.
func FuzzParseDocuments(f *testing.F) {
	seeds := []string{
		goodBefore + "---\n" + goodAfter,
		deploymentDoc,
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec: {containers: [{name: c, image: x}]}\n- 3\n",
		"apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: a\n",
		`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}, "spec": {"containers": []}}`,
		"--- {apiVersion: v1, kind: ConfigMap, metadata: {name: inline}}\n...\n--- !!map\napiVersion: v1\nkind: Secret\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: &l {a: b}\n  annotations:\n    <<: *l\n",
		"kind: Deployment\nmetadata:\n  name: lost\n",
		"replicas: 3\n",
		// Bad inputs, small.
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"cut",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: [a, b\n",
		"\x00\x01\x02\xff binary",
		"apiVersion: v1\nkind: ConfigMap\ndata:\n  k: caf\xe9\n",
		bomb(4, 4, true),
		"apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("[", 50) + strings.Repeat("]", 50),
		"apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("{a: ", 50),
		"apiVersion: v1\nkind: ConfigMap\ndata:\n" + strings.Repeat("- ", 50) + "x\n",
		nestedBlockMap(30),
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"}\n{\"apiVersion\": \"v1\"}\n",
		"apiVersion: v1\nkind: ConfigMap\ndata:\n  k: *nothing\n",
		"\ufeffapiVersion: v1\r\nkind: ConfigMap\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// The shipped examples are real manifests.
	for _, p := range []string{"../../examples/kustomize/base/deployment.yaml", "../../examples/helm/webapp/values.yaml"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	// Small limits so that the fuzzer reaches them.
	lim := Limits{MaxFileBytes: DefaultLimits.MaxFileBytes, MaxDepth: 20, MaxValueRatio: 1}
	fields := []string{"spec", "metadata.name", "spec.template.spec.containers[0].securityContext", "items[0]", `metadata.annotations["a.b/c"]`, "[", "a..b", "spec.containers[-1]", ""}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Hostile input must be refused quickly, not only safely. The
		// bound is loose (inputs are small and take milliseconds) so that
		// a loaded machine does not fail it.
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > timeScale*5*time.Second {
				t.Errorf("%d bytes took %v", len(data), d)
			}
		}()
		for _, l := range []Limits{lim, DefaultLimits} {
			objs, errs := parseDocuments("fuzz.yaml", data, l, "")
			for _, e := range errs {
				if e.File != "fuzz.yaml" {
					t.Fatalf("error without its file: %+v", e)
				}
				if e.Line < 1 || e.Message == "" {
					t.Fatalf("error without line or message: %+v", e)
				}
			}
			for _, o := range objs {
				if o.Kind == "" || o.APIVersion == "" {
					t.Fatalf("object without kind or apiVersion: %+v", o)
				}
				if o.Source.Line < 1 || o.Source.File != "fuzz.yaml" || o.Raw == nil && o.Typed == nil {
					t.Fatalf("object without a source: %+v", o.Source)
				}
				idx := inventory.NewPositionIndex(&o.Source)
				for _, fld := range fields {
					if n := idx.Line(fld); idx != nil && n < 1 {
						t.Fatalf("Line(%q) = %d for %s", fld, n, o.Ref())
					}
				}
				_ = o.PodTemplate()
			}
		}
	})
}
