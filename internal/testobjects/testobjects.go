// Package testobjects turns YAML written in tests into inventory objects,
// typed as the file source types them, for tests of the analyzers that
// do not need the file source itself (its positions, its limits).
package testobjects

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/kubernetes/scheme"
)

// FromYAML decodes a stream of documents separated by "\n---\n"; a
// document that does not decode fails the test.
func FromYAML(t testing.TB, docs string) []*inventory.Object {
	t.Helper()
	var out []*inventory.Object
	for _, doc := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		obj, gvk, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
		acc, err := meta.Accessor(obj)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &inventory.Object{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind,
			Namespace: acc.GetNamespace(), Name: acc.GetName(), Typed: obj})
	}
	return out
}
