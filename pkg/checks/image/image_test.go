package image_test

import (
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/config"
)

func pod(image string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: \"" + image + "\"}]\n"
}

func TestImageChecks(t *testing.T) {
	cases := []struct {
		image           string
		mutable, digest int
	}{
		{"nginx", 1, 0},
		{"nginx:latest", 1, 0},
		{"nginx:1.27", 0, 1},
		{"nginx@sha256:0d6f1a3e2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6", 0, 0},
		{"localhost:5000/app:latest", 1, 0},
		{"ghcr.io/org/app:2.0@sha256:0d6f1a3e2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6", 0, 0},
	}
	for _, tc := range cases {
		rep := checktest.Scan(t, pod(tc.image), nil)
		if n := len(checktest.Find(rep, "image/mutable-tag")); n != tc.mutable {
			t.Errorf("%s: mutable-tag %d, want %d", tc.image, n, tc.mutable)
		}
		if n := len(checktest.Find(rep, "image/no-digest")); n != tc.digest {
			t.Errorf("%s: no-digest %d, want %d", tc.image, n, tc.digest)
		}
		if n := len(checktest.Find(rep, "image/registry-not-allowed")); n != 0 {
			t.Errorf("%s: no allow-list configured, yet registry-not-allowed fired", tc.image)
		}
	}
}

func TestRegistryAllowList(t *testing.T) {
	cfg := config.Default()
	cfg.Images.AllowedRegistries = []string{"ghcr.io/org", "registry.example.com"}
	for image, want := range map[string]int{
		"ghcr.io/org/app:1":             0,
		"ghcr.io/other/app:1":           1,
		"registry.example.com/x/y:1":    0,
		"nginx:1.27":                    1,
		"registry.example.com.evil/x:1": 1,
		"ghcr.io/organisation-evil/x:1": 1,
	} {
		if n := len(checktest.Find(checktest.Scan(t, pod(image), cfg), "image/registry-not-allowed")); n != want {
			t.Errorf("%s: %d findings, want %d", image, n, want)
		}
	}
}
