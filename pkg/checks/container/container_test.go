package container_test

import (
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
)

func TestReadOnlyRootFilesystem(t *testing.T) {
	rep := checktest.Scan(t, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - name: init
      image: busybox:1.37
  containers:
    - name: ro
      image: busybox:1.37
      securityContext: {readOnlyRootFilesystem: true}
    - name: rw
      image: busybox:1.37
      securityContext: {readOnlyRootFilesystem: false}
`, nil)
	got := checktest.Find(rep, "container/read-only-root-filesystem")
	if len(got) != 2 {
		t.Fatalf("want the init and the rw containers, got %+v", got)
	}
	want := map[string]int{"spec.initContainers[0].securityContext.readOnlyRootFilesystem": 6, "spec.containers[1].securityContext.readOnlyRootFilesystem": 14}
	for _, f := range got {
		line, ok := want[f.Location.Field]
		if !ok || f.Location.Line != line {
			t.Errorf("unexpected location %+v", f.Location)
		}
	}
}
