package node_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/controlplane"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/scan"
	"github.com/rampart-k8s/rampart/pkg/source/node"
)

func write(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// fakeProcess writes /proc/PID as the kernel shows it.
func fakeProcess(t *testing.T, proc string, pid string, argv []string, cwd, root string, env []string) {
	t.Helper()
	dir := filepath.Join(proc, pid)
	write(t, filepath.Join(dir, "cmdline"), strings.Join(argv, "\x00")+"\x00", 0o444)
	write(t, filepath.Join(dir, "status"), "Name:\tx\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", 0o444)
	if env != nil {
		write(t, filepath.Join(dir, "environ"), strings.Join(env, "\x00")+"\x00", 0o400)
	}
	symlink(t, cwd, filepath.Join(dir, "cwd"))
	symlink(t, root, filepath.Join(dir, "root"))
}

var apiArgv = []string{"kube-apiserver", "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt", "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
	"--profiling=false", "--encryption-provider-config=/etc/kubernetes/enc.yaml"}

// machine builds a machine: a host root with manifests and kubeadm's
// files, a container root the processes see, and a process table.
func machine(t *testing.T) (hostRoot, ctrRoot, proc string) {
	base := t.TempDir()
	hostRoot, ctrRoot, proc = filepath.Join(base, "host"), filepath.Join(base, "ctr"), filepath.Join(base, "proc")
	write(t, filepath.Join(hostRoot, "etc/passwd"), "root:x:0:0::/root:/bin/bash\netcd:x:998:998::/var/lib/etcd:/bin/false\n", 0o644)
	write(t, filepath.Join(hostRoot, "etc/group"), "root:x:0:\netcd:x:998:\n", 0o644)
	var pod strings.Builder
	pod.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.37.2\n    command:\n")
	for _, a := range apiArgv {
		pod.WriteString("    - " + a + "\n")
	}
	write(t, filepath.Join(hostRoot, "etc/kubernetes/manifests/kube-apiserver.yaml"), pod.String(), 0o600)
	write(t, filepath.Join(hostRoot, "etc/kubernetes/manifests/.kube-apiserver.yaml.swp"), "not: yaml: [", 0o600)
	write(t, filepath.Join(hostRoot, "etc/kubernetes/admin.conf"), "apiVersion: v1\nkind: Config\n", 0o644)

	write(t, filepath.Join(ctrRoot, "etc/kubernetes/pki/apiserver.crt"), "cert", 0o644)
	write(t, filepath.Join(ctrRoot, "etc/kubernetes/pki/apiserver.key"), "key", 0o640)
	write(t, filepath.Join(ctrRoot, "etc/kubernetes/enc.yaml"), "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k1, secret: c2VjcmV0IGlzIHNlY3VyZSwgaXMgaXQgc2VjdXJlPz8=}]\n", 0o644)
	write(t, filepath.Join(ctrRoot, "var/lib/kubelet/config.yaml"), "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\nstaticPodPath: /etc/kubernetes/manifests\n", 0o600)
	write(t, filepath.Join(ctrRoot, "etc/kubelet.d/10-anon.conf"), "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n", 0o600)
	if err := os.MkdirAll(filepath.Join(ctrRoot, "var/lib/etcd"), 0o700); err != nil {
		t.Fatal(err)
	}

	fakeProcess(t, proc, "100", apiArgv, "/", ctrRoot, nil)
	fakeProcess(t, proc, "200", []string{"/usr/bin/kubelet", "--config=config.yaml", "--config-dir=/etc/kubelet.d"}, "/var/lib/kubelet", ctrRoot, nil)
	fakeProcess(t, proc, "300", []string{"etcd", "--data-dir=/var/lib/etcd"}, "/", ctrRoot, []string{"ETCD_CLIENT_CERT_AUTH=true", "AWS_SECRET_ACCESS_KEY=hunter2"})
	fakeProcess(t, proc, "400", []string{"/bin/bash", "-c", "kube-apiserver"}, "/", ctrRoot, nil)
	fakeProcess(t, proc, "500", []string{"etcdctl", "get", "/registry"}, "/", ctrRoot, nil)
	return hostRoot, ctrRoot, proc
}

func nodeReport(t *testing.T, objs []*inventory.Object) *finding.Report {
	t.Helper()
	reg, err := check.NewRegistry(controlplane.Checks()...)
	if err != nil {
		t.Fatal(err)
	}
	return scan.Inventory(inventory.New(objs), scan.Options{Registry: reg, Now: time.Now()})
}

func TestLoad(t *testing.T) {
	hostRoot, ctrRoot, proc := machine(t)
	res := node.Load(node.Options{ProcDir: proc, Root: hostRoot})
	if len(res.Errors) != 0 {
		t.Errorf("errors %v", res.Errors)
	}
	kinds := map[string]int{}
	for _, o := range res.Objects {
		kinds[o.Kind]++
		if p, ok := o.Typed.(*controlplane.Process); ok {
			for k := range p.Env {
				if !strings.HasPrefix(k, "ETCD_") {
					t.Errorf("process %d keeps %s", p.PID, k)
				}
			}
			if p.Root != filepath.Join(proc, itoa(p.PID), "root") || p.UID != 0 {
				t.Errorf("process %d: root %s uid %d", p.PID, p.Root, p.UID)
			}
		}
	}
	// Three components (not bash, not etcdctl), one manifest (not the
	// dotfile), the kubelet config and its drop-in, the encryption config.
	if kinds["Process"] != 3 || kinds["Pod"] != 1 || kinds["KubeletConfiguration"] != 2 || kinds["EncryptionConfiguration"] != 1 || kinds["Host"] != 1 {
		t.Errorf("objects %v", kinds)
	}
	files := map[string]*controlplane.File{}
	for _, o := range res.Objects {
		if f, ok := o.Typed.(*controlplane.File); ok {
			files[f.Path] = f
		}
	}
	for path, want := range map[string]string{
		filepath.Join(hostRoot, "etc/kubernetes/manifests/kube-apiserver.yaml"): "kube-apiserver-manifest 0600",
		"/etc/kubernetes/pki/apiserver.key":                                     "pki-key 0640",
		"/etc/kubernetes/enc.yaml":                                              "encryption-config 0644",
		"/etc/kubernetes/admin.conf":                                            "admin-kubeconfig 0644",
		"/var/lib/etcd":                                                         "etcd-data-dir 0700",
		"config.yaml":                                                           "kubelet-config 0600",
	} {
		f := files[path]
		if f == nil {
			t.Errorf("%s not examined (examined: %v)", path, keys(files))
			continue
		}
		if got := string(f.Refs[0].Role) + " " + octal(f.Mode); got != want || !f.Exists || f.User != "root" {
			t.Errorf("%s: %s exists=%v user=%q, want %s", path, got, f.Exists, f.User, want)
		}
	}
	if f := files["/etc/kubernetes/pki/apiserver.key"]; f != nil && f.HostPath != filepath.Join(proc, "100/root/etc/kubernetes/pki/apiserver.key") {
		t.Errorf("read through the process's root: %s", f.HostPath)
	}

	rep := nodeReport(t, res.Objects)
	got := map[string]bool{}
	for _, f := range rep.Findings {
		got[f.CheckID] = true
	}
	for _, id := range []string{"file/pki-key-mode", "file/admin-kubeconfig-mode", "encryption/weak-provider", "encryption/file-permissions",
		"kubelet/read-only-port-enabled", "kubelet/anonymous-auth-enabled", "apiserver/authorization-always-allow", "file/etcd-data-dir-owner"} {
		if !got[id] {
			t.Errorf("%s not found", id)
		}
	}
	for _, id := range []string{"apiserver/profiling-enabled", "file/apiserver-manifest-mode"} {
		if got[id] {
			t.Errorf("%s found", id)
		}
	}
	for _, f := range rep.Findings {
		switch f.CheckID {
		case "apiserver/authorization-always-allow":
			// The process runs the manifest's command line: one finding, on the manifest.
			if f.Resource.Kind != "Pod" || f.Evidence["pid"] != 100 {
				t.Errorf("apiserver finding %+v", f)
			}
		case "etcd/client-cert-auth-disabled":
			// ETCD_CLIENT_CERT_AUTH=true from the environment; no CA of its own.
			if !strings.Contains(f.Message, "--trusted-ca-file is not set") {
				t.Errorf("etcd finding %s", f.Message)
			}
		case "kubelet/anonymous-auth-enabled":
			if !strings.HasSuffix(f.Location.File, "etc/kubelet.d/10-anon.conf") || f.Location.Line != 5 {
				t.Errorf("kubelet drop-in finding at %+v", f.Location)
			}
		}
	}
	if len(skipped(rep, "scheduler/profiling-enabled")) != 1 {
		t.Errorf("absent scheduler not skipped: %v", rep.Skipped)
	}
	_ = ctrRoot
}

// TestLoadPIDs: --pid limits the processes read.
func TestLoadPIDs(t *testing.T) {
	hostRoot, _, proc := machine(t)
	res := node.Load(node.Options{ProcDir: proc, Root: hostRoot, PIDs: []int{300}, ManifestDirs: []string{filepath.Join(hostRoot, "none")}})
	var pids []int
	for _, o := range res.Objects {
		if p, ok := o.Typed.(*controlplane.Process); ok {
			pids = append(pids, p.PID)
		}
	}
	if !slices.Equal(pids, []int{300}) {
		t.Errorf("pids %v", pids)
	}
}

// TestLoadNothing: a machine with no process table and no manifests is
// still examined: every control is skipped.
func TestLoadNothing(t *testing.T) {
	dir := t.TempDir()
	res := node.Load(node.Options{ProcDir: filepath.Join(dir, "proc"), Root: dir})
	if len(res.Objects) != 1 || res.Objects[0].Kind != "Host" {
		t.Fatalf("objects %v", res.Objects)
	}
	h := res.Objects[0].Typed.(*controlplane.Host)
	if h.ProcRead || len(h.Notes) == 0 {
		t.Errorf("host %+v", h)
	}
	rep := nodeReport(t, res.Objects)
	if len(rep.Findings) != 0 || len(rep.Skipped) < 50 {
		t.Errorf("%d findings, %d skipped", len(rep.Findings), len(rep.Skipped))
	}
}

func skipped(rep *finding.Report, id string) []finding.Skipped {
	var out []finding.Skipped
	for _, s := range rep.Skipped {
		if s.CheckID == id {
			out = append(out, s)
		}
	}
	return out
}

func keys(m map[string]*controlplane.File) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func octal(m uint32) string { return fmt.Sprintf("%04o", m) }

func itoa(i int) string { return strconv.Itoa(i) }
