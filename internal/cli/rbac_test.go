package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func examplesRBAC(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../examples/rbac")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRBACCanExitCodesAndEvidence(t *testing.T) {
	dir := examplesRBAC(t)
	out, _, code := run(t, "", "rbac", "can", "user:dev1", "create", "deployments", "-n", "prod", "-f", dir)
	if code != 0 || !strings.HasPrefix(out, "yes\n") || !strings.Contains(out, "RoleBinding/prod/developers-rollout → Role/prod/rollout rules[0]") {
		t.Errorf("can create deployments: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "rbac", "can", "user:dev1", "list", "secrets", "-n", "prod", "-f", dir)
	if code != 1 || !strings.HasPrefix(out, "no\n") {
		t.Errorf("can list secrets: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "rbac", "can", "user:dev1", "list", "secrets", "-n", "prod", "-f", dir, "--transitive", "-o", "json")
	var ans canAnswer
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != 0 || !ans.Allowed || !ans.Transitive || ans.Holder != "sa:prod/deployer" || len(ans.Path) != 2 ||
		ans.Path[0].Primitive != "create deployments.apps" || ans.Path[0].Evidence[0].Binding != "RoleBinding/prod/developers-rollout" {
		t.Errorf("transitive: exit %d %+v", code, ans)
	}
	// --group adds groups, like --as-group.
	_, _, code = run(t, "", "rbac", "can", "user:x", "create", "pods/exec", "-n", "prod", "-f", dir, "--group", "oncall")
	if code != 0 {
		t.Errorf("--group oncall: exit %d", code)
	}
	// Usage errors exit 2.
	for _, args := range [][]string{
		{"rbac", "can", "dev1", "get", "pods", "-f", dir},
		{"rbac", "can", "user:dev1", "get", "pods"},
		{"rbac", "can", "user:dev1", "get", "pods", "-f", dir, "--cluster"},
		{"rbac", "can", "user:dev1", "get", "a/b/c", "-f", dir},
		{"rbac", "can", "user:dev1", "get", "pods", "-f", dir, "-o", "yaml"},
	} {
		if _, errOut, code := run(t, "", args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestRBACBadInputIsReported(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "broken.yaml", "kind: Role\nmetadata: [\n")
	write(t, dir, "ok.yaml", `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: x}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: u, apiGroup: rbac.authorization.k8s.io}]
`)
	out, errOut, code := run(t, "", "rbac", "can", "user:u", "list", "pods", "-n", "a", "-f", dir)
	if code != 2 || !strings.HasPrefix(out, "yes") || !strings.Contains(errOut, "broken.yaml:") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

func TestRBACWhoCanPermissionsPaths(t *testing.T) {
	dir := examplesRBAC(t)
	out, _, code := run(t, "", "rbac", "who-can", "create", "pods/exec", "-n", "prod", "-f", dir, "-o", "json")
	var who struct {
		Subjects []whoCanRow `json:"subjects"`
	}
	if err := json.Unmarshal([]byte(out), &who); err != nil || code != 0 {
		t.Fatalf("exit %d %v\n%s", code, err, out)
	}
	var names []string
	for _, s := range who.Subjects {
		names = append(names, s.Subject)
	}
	if got := strings.Join(names, ","); got != "group:oncall,group:system:masters,sa:prod/deployer" {
		t.Errorf("who-can create pods/exec -n prod: %s", got)
	}
	out, _, _ = run(t, "", "rbac", "who-can", "list", "secrets", "-n", "prod", "-f", dir, "--transitive")
	for _, want := range []string{"user:dev1", "as sa:prod/deployer, by create deployments.apps, then run as"} {
		if !strings.Contains(out, want) {
			t.Errorf("who-can --transitive lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = run(t, "", "rbac", "permissions", "user:dev1", "-f", dir)
	if !strings.Contains(out, "prod     get,list,watch,create,update,patch deployments.apps") {
		t.Errorf("permissions:\n%s", out)
	}
	out, _, _ = run(t, "", "rbac", "paths", "user:dev1", "-f", dir, "-o", "json")
	var paths struct {
		Reaches []reachOut `json:"reaches"`
	}
	if err := json.Unmarshal([]byte(out), &paths); err != nil {
		t.Fatal(err)
	}
	admin := false
	for _, r := range paths.Reaches {
		if r.Target == "cluster-admin" {
			admin = r.Gains && len(r.Path) == 3
		}
	}
	if !admin {
		t.Errorf("paths: dev1 reaches cluster-admin in 3 steps: %s", out)
	}
	out, _, _ = run(t, "", "rbac", "paths", "user:dev1", "-f", dir, "-o", "dot")
	if !strings.HasPrefix(out, "digraph") || !strings.Contains(out, `[label="sa:prod/deployer"]`) || !strings.Contains(out, `[label="all rights"]`) {
		t.Errorf("dot:\n%s", out)
	}
}

func TestContracts(t *testing.T) {
	dir := examplesRBAC(t)
	contract, _ := filepath.Abs("../../examples/contracts/prod-access.yaml")
	out, _, code := run(t, "", "test", contract, "-f", dir)
	if code != 1 || !strings.Contains(out, "FAIL  developers never read secrets in prod") || !strings.Contains(out, "4 assertions: 3 passed, 1 failed") {
		t.Errorf("exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "test", contract, "-f", dir, "-o", "junit")
	if code != 1 || !strings.Contains(out, `<testsuites name="rampart" tests="4" failures="1" errors="0"`) || !strings.Contains(out, `line="10"`) {
		t.Errorf("junit: exit %d\n%s", code, out)
	}
	// A contract that holds exits 0; a broken one exits 2 with file and line.
	tmp := t.TempDir()
	good := write(t, tmp, "good.yaml", "rbac:\n  - subject: user:dev1\n    cannot: {verb: delete, resource: namespaces}\n    transitive: false\n")
	if out, errOut, code := run(t, "", "test", good, "-f", dir); code != 0 {
		t.Errorf("good contract: exit %d\n%s%s", code, out, errOut)
	}
	bad := write(t, tmp, "bad.yaml", "rbac:\n  - subject: user:dev1\n    cannot: {verb: delete}\n")
	if _, errOut, code := run(t, "", "test", bad, "-f", dir); code != 2 || !strings.Contains(errOut, "bad.yaml:2") {
		t.Errorf("bad contract: exit %d, %s", code, errOut)
	}
}
