package cluster

import (
	"os"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// TestReaderRoleMatchesResources keeps deploy/rampart-reader.yaml and the
// resources rampart lists in step: every listed resource is granted, with
// the list verb only, and nothing else is granted.
func TestReaderRoleMatchesResources(t *testing.T) {
	data, err := os.ReadFile("../../../deploy/rampart-reader.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict([]byte(strings.Split(string(data), "\n---\n")[0]), &role); err != nil {
		t.Fatal(err)
	}
	granted := map[string]bool{}
	for _, r := range role.Rules {
		if !slices.Equal(r.Verbs, []string{"list"}) || len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			t.Errorf("rule %+v grants more than list", r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				granted[g+"/"+res] = true
			}
		}
	}
	for _, r := range Resources {
		k := r.GVR.Group + "/" + r.GVR.Resource
		if !granted[k] {
			t.Errorf("rampart lists %s but the reader role does not grant it", k)
		}
		delete(granted, k)
	}
	for k := range granted {
		t.Errorf("the reader role grants %s, which rampart does not list", k)
	}
}
