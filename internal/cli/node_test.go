package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeMachine writes a process table with one weak kube-apiserver and an
// empty machine root.
func fakeMachine(t *testing.T) (proc, root string) {
	t.Helper()
	dir := t.TempDir()
	proc, root = filepath.Join(dir, "proc"), filepath.Join(dir, "root")
	p := filepath.Join(proc, "4242")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	argv := []string{"/usr/local/bin/kube-apiserver", "--authorization-mode=AlwaysAllow", "--profiling=false"}
	write(t, p, "cmdline", strings.Join(argv, "\x00")+"\x00")
	if err := os.Symlink("/", filepath.Join(p, "cwd")); err != nil {
		t.Fatal(err)
	}
	return proc, root
}

func TestNodeCommand(t *testing.T) {
	chdir(t, t.TempDir())
	proc, root := fakeMachine(t)
	empty := t.TempDir()
	base := []string{"node", "--proc", proc, "--root", root, "--manifests", empty, "-o", "json"}

	out, errOut, code := run(t, "", base...)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d (stderr %s)", code, ExitFindings, errOut)
	}
	rep := jsonReport(t, out)
	var ids []string
	for _, f := range rep.Findings {
		ids = append(ids, f.CheckID)
		if f.Category != "cluster" {
			t.Errorf("%s: category %s", f.CheckID, f.Category)
		}
	}
	if !slices.Contains(ids, "apiserver/authorization-always-allow") || slices.Contains(ids, "apiserver/profiling-enabled") {
		t.Errorf("findings %v", ids)
	}
	f := rep.Findings[slices.Index(ids, "apiserver/authorization-always-allow")]
	if f.Location.File != "process 4242" || f.Location.Field != "--authorization-mode" || f.Resource.Kind != "Process" || !slices.Equal(f.Controls, []string{"CIS 1.2.6"}) {
		t.Errorf("finding %+v", f)
	}
	skippedEtcd := false
	for _, s := range rep.Skipped {
		if s.CheckID == "etcd/client-cert-auth-disabled" {
			skippedEtcd = true
		}
	}
	if !skippedEtcd {
		t.Errorf("the absent etcd is not skipped")
	}

	// A CIS alias in .rampart.yaml suppresses the check of that control.
	cfg := write(t, empty, "rampart.yaml", "ignore:\n- check: cis/1.2.6\n  reason: test machine\n- check: cis/1.2.7\n  reason: test\n- check: cis/1.2.8\n  reason: test\n- check: cis/1.2.*\n  reason: the rest\n- check: audit/*\n  reason: test\n- check: encryption/*\n  reason: test\n")
	out, _, code = run(t, "", append(base, "--config", cfg)...)
	rep = jsonReport(t, out)
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.CheckID, "apiserver/authorization") && f.Suppressed == nil {
			t.Errorf("%s not suppressed by its CIS alias", f.CheckID)
		}
	}
	if code != ExitOK {
		t.Errorf("everything at or above high suppressed: exit %d", code)
	}

	// --pid limits the processes: none left, nothing found, all skipped.
	out, _, code = run(t, "", append(base, "--pid", "1")...)
	if rep := jsonReport(t, out); code != ExitOK || len(rep.Findings) != 0 || len(rep.Skipped) < 50 {
		t.Errorf("--pid 1: exit %d, %d findings, %d skipped", code, len(rep.Findings), len(rep.Skipped))
	}

	if _, _, code := run(t, "", "node", "-o", "yaml"); code != ExitError {
		t.Errorf("bad output format: exit %d", code)
	}
}

func TestChecksByName(t *testing.T) {
	out, _, code := run(t, "", "checks", "cis/1.2.1", "kubelet/read-only-*", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, id := range []string{"apiserver/anonymous-auth-enabled", "cluster/anonymous-access", "kubelet/read-only-port-enabled"} {
		if !strings.Contains(out, `"id": "`+id+`"`) {
			t.Errorf("%s not listed", id)
		}
	}
	if strings.Contains(out, "apiserver/token-auth-file") {
		t.Errorf("unnamed check listed")
	}
	if _, errOut, code := run(t, "", "checks", "cis/99.9"); code != ExitError || !strings.Contains(errOut, "no check is named") {
		t.Errorf("unknown name: exit %d, %s", code, errOut)
	}
}
