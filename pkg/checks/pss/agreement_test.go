package pss_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/checks/pss"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/source"
	"k8s.io/pod-security-admission/api"
)

// moduleDir finds the pod-security-admission module in the module cache, the
// exact version go.mod pins, so the fixtures match the library under test.
func moduleDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	if err != nil {
		t.Fatalf("locating k8s.io/pod-security-admission: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		// Not downloaded yet (fresh cache): fetch it through the module proxy.
		if err := exec.Command("go", "mod", "download", "k8s.io/pod-security-admission").Run(); err != nil {
			t.Fatalf("downloading k8s.io/pod-security-admission: %v", err)
		}
		return moduleDir(t)
	}
	return dir
}

// TestAgreementWithUpstreamFixtures runs rampart's PSS evaluation, through
// the real file source, over every pod fixture of the upstream library:
// every fail pod must get a pss/ finding at that level and version (and the
// check its file is named after must be among them), and no pass pod may get one.
func TestAgreementWithUpstreamFixtures(t *testing.T) {
	root := filepath.Join(moduleDir(t), "test", "testdata")
	checks := pss.Checks()
	byLower := map[string]*pss.Check{}
	for _, c := range checks {
		pc := c.(*pss.Check)
		byLower[strings.ToLower(string(pc.LibraryID()))] = pc
	}
	total, agree, named, namedTotal := 0, 0, 0, 0
	for _, level := range []string{"baseline", "restricted"} {
		versions, err := os.ReadDir(filepath.Join(root, level))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range versions {
			if _, err := api.ParseVersion(v.Name()); err != nil {
				t.Fatalf("%s: %v", v.Name(), err)
			}
			cfg := config.Default()
			cfg.PodSecurity = config.PodSecurity{Level: level, Version: v.Name()}
			for _, verdict := range []string{"pass", "fail"} {
				dir := filepath.Join(root, level, v.Name(), verdict)
				if _, err := os.Stat(dir); err != nil {
					continue
				}
				res := source.Load([]string{dir}, source.Options{})
				if len(res.Errors) > 0 {
					t.Fatalf("reading %s: %v", dir, res.Errors[0])
				}
				ctx := &check.Context{Inventory: inventory.New(res.Objects), Config: cfg}
				for _, obj := range res.Objects {
					total++
					fired := map[string]bool{}
					for _, c := range checks {
						c.(check.ObjectCheck).CheckObject(ctx, obj, func(check.Result) { fired[c.Meta().ID] = true })
					}
					base := filepath.Base(obj.Source.File)
					prefix := strings.TrimRight(strings.TrimSuffix(base, ".yaml"), "0123456789")
					switch verdict {
					case "pass":
						if len(fired) > 0 {
							t.Errorf("%s/%s/pass/%s: rampart reports %v, the library allows the pod", level, v.Name(), base, keys(fired))
							continue
						}
						agree++
					case "fail":
						if len(fired) == 0 {
							t.Errorf("%s/%s/fail/%s: no pss finding, the library forbids the pod", level, v.Name(), base)
							continue
						}
						agree++
						if c, ok := byLower[prefix]; ok {
							namedTotal++
							if fired[c.Meta().ID] {
								named++
							} else {
								t.Errorf("%s/%s/fail/%s: check %s did not fire", level, v.Name(), base, c.Meta().ID)
							}
						}
					}
				}
			}
		}
	}
	if total < 4000 {
		t.Fatalf("only %d fixtures found; the upstream suite has over 4,500", total)
	}
	t.Logf("PSS agreement: %d of %d upstream fixtures agree; the check each fail fixture is named after fired on %d of %d fail fixtures", agree, total, named, namedTotal)
	if agree != total {
		t.Errorf("agreement %d/%d", agree, total)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
