package controlplane_test

import (
	"slices"
	"strings"
	"testing"

	cp "github.com/rampart-k8s/rampart/pkg/controlplane"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// TestFileControls: every file control passes on root-owned files with
// tight modes and fails on a looser mode or another owner.
func TestFileControls(t *testing.T) {
	type rule struct {
		mode, owner string
		role        cp.Role
		max         uint32
	}
	rules := []rule{
		{"file/apiserver-manifest-mode", "file/apiserver-manifest-owner", cp.RoleAPIServerManifest, 0o600},
		{"file/controller-manager-manifest-mode", "file/controller-manager-manifest-owner", cp.RoleControllerManagerManifest, 0o600},
		{"file/scheduler-manifest-mode", "file/scheduler-manifest-owner", cp.RoleSchedulerManifest, 0o600},
		{"file/etcd-manifest-mode", "file/etcd-manifest-owner", cp.RoleEtcdManifest, 0o600},
		{"file/cni-config-mode", "file/cni-config-owner", cp.RoleCNIConfig, 0o600},
		{"file/etcd-data-dir-mode", "", cp.RoleEtcdDataDir, 0o700},
		{"file/admin-kubeconfig-mode", "file/admin-kubeconfig-owner", cp.RoleAdminKubeconfig, 0o600},
		{"file/scheduler-kubeconfig-mode", "file/scheduler-kubeconfig-owner", cp.RoleSchedulerKubeconfig, 0o600},
		{"file/controller-manager-kubeconfig-mode", "file/controller-manager-kubeconfig-owner", cp.RoleControllerManagerKubecfg, 0o600},
		{"", "file/pki-owner", cp.RolePKIDir, 0o755},
		{"file/pki-cert-mode", "file/pki-owner", cp.RolePKICert, 0o644},
		{"file/pki-key-mode", "file/pki-owner", cp.RolePKIKey, 0o600},
		{"file/kubelet-service-mode", "file/kubelet-service-owner", cp.RoleKubeletService, 0o600},
		{"file/kube-proxy-kubeconfig-mode", "file/kube-proxy-kubeconfig-owner", cp.RoleProxyKubeconfig, 0o600},
		{"file/kubelet-kubeconfig-mode", "file/kubelet-kubeconfig-owner", cp.RoleKubeletKubeconfig, 0o600},
		{"file/kubelet-client-ca-mode", "file/kubelet-client-ca-owner", cp.RoleKubeletClientCA, 0o644},
		{"file/kubelet-config-mode", "file/kubelet-config-owner", cp.RoleKubeletConfig, 0o600},
		{"encryption/file-permissions", "encryption/file-permissions", cp.RoleEncryptionConfig, 0o600},
	}
	for _, r := range rules {
		name := "/etc/x/" + string(r.role)
		file := func(path string, mode uint32, uid, gid int, role cp.Role) *inventory.Object {
			o := file(path, mode, uid, gid, role)
			if role == cp.RoleEtcdDataDir { // etcd:etcd, see TestEtcdDataDirOwner
				o.Typed.(*cp.File).User, o.Typed.(*cp.File).Group = "etcd", "etcd"
			}
			return o
		}
		t.Run(string(r.role), func(t *testing.T) {
			if rep := run(t, host(), file(name, r.max, 0, 0, r.role)); len(rep.Findings) != 0 {
				t.Errorf("tight file: %v", ids(rep))
			}
			if r.mode != "" {
				rep := run(t, host(), file(name, r.max|0o002, 0, 0, r.role))
				if got := ids(rep); !slices.Equal(got, []string{r.mode}) {
					t.Errorf("world-writable: %v, want %s", got, r.mode)
				}
				if r.max < 0o644 && !slices.Equal(ids(run(t, host(), file(name, 0o644, 0, 0, r.role))), []string{r.mode}) {
					t.Errorf("0644 not reported")
				}
			}
			if r.owner != "" {
				rep := run(t, host(), file(name, r.max, 0, 1000, r.role))
				if got := ids(rep); !slices.Equal(got, []string{r.owner}) {
					t.Errorf("group 1000: %v, want %s", got, r.owner)
				}
			}
		})
	}
	// A file that is named but cannot be read or is absent: skipped.
	unreadable := file("/etc/kubernetes/admin.conf", 0, 0, 0, cp.RoleAdminKubeconfig)
	unreadable.Typed.(*cp.File).Error = "permission denied"
	rep := run(t, host(), unreadable)
	if len(rep.Findings) != 0 || len(skipped(rep, "file/admin-kubeconfig-mode")) != 1 {
		t.Errorf("unreadable: %v %v", ids(rep), rep.Skipped)
	}
	// Evidence: numeric owner, names, octal mode.
	rep = run(t, host(), file("/etc/kubernetes/pki/apiserver.key", 0o640, 0, 0, cp.RolePKIKey))
	f := find(rep, "file/pki-key-mode")[0]
	if f.Evidence["mode"] != "0640" || f.Evidence["maxMode"] != "0600" || f.Resource.Kind != "File" || f.Location.File != "/etc/kubernetes/pki/apiserver.key" || f.Location.Field != "mode" {
		t.Errorf("finding %+v", f)
	}
}

// TestEtcdDataDirOwner: etcd:etcd passes, so does the dedicated user etcd
// runs as; root fails, with kubeadm's reason said.
func TestEtcdDataDirOwner(t *testing.T) {
	dir := func(uid int, user string) *inventory.Object {
		o := file("/var/lib/etcd", 0o700, uid, uid, cp.RoleEtcdDataDir)
		f := o.Typed.(*cp.File)
		f.User, f.Group, f.Dir = user, user, true
		return o
	}
	if rep := run(t, host(), dir(998, "etcd")); has(rep, "file/etcd-data-dir-owner") {
		t.Errorf("etcd:etcd reported")
	}
	etcdProc := process(7, []string{"etcd", "--data-dir=/var/lib/etcd"}, "/", map[string]string{})
	etcdProc.Typed.(*cp.Process).UID = 1234
	if rep := run(t, host(), dir(1234, ""), etcdProc); has(rep, "file/etcd-data-dir-owner") {
		t.Errorf("owned by etcd's own user: %v", ids(rep))
	}
	rep := run(t, host(), dir(0, "root"))
	if fs := find(rep, "file/etcd-data-dir-owner"); len(fs) != 1 || !strings.Contains(fs[0].Message, "kubeadm") {
		t.Errorf("root-owned: %+v", fs)
	}
}

// TestFileRefs: what rampart node examines for the components it found.
func TestFileRefs(t *testing.T) {
	api := parse(t, "/etc/kubernetes/manifests/kube-apiserver.yaml", staticPod("kube-apiserver", flags("kube-apiserver", hardenedAPIServer, nil),
		"    volumeMounts:\n    - {name: pki, mountPath: /etc/kubernetes/pki}\n  volumes:\n  - name: pki\n    hostPath: {path: /srv/pki}\n"))
	etcd := process(7, []string{"etcd", "--name=n1", "--cert-file=server.crt"}, "/var/lib", map[string]string{"ETCD_KEY_FILE": "/k/server.key"})
	kubelet := process(9, []string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--kubeconfig=/etc/kubernetes/kubelet.conf"}, "/", nil)
	cfg := parse(t, "/var/lib/kubelet/config.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  x509:\n    clientCAFile: pki/ca.crt\nstaticPodPath: /etc/kubernetes/manifests\n")
	inv := inventory.New(append(append(api, cfg...), etcd, kubelet, host()))
	m := cp.Build(inv)
	got := map[string]string{}
	for _, r := range m.FileRefs() {
		got[r.HostPath] = string(r.Role)
	}
	for path, role := range map[string]string{
		"/etc/kubernetes/manifests/kube-apiserver.yaml": "kube-apiserver-manifest",
		"/srv/pki/apiserver.key":                        "pki-key", // through the hostPath volume
		"/etc/kubernetes/enc.yaml":                      "encryption-config",
		"/var/lib/server.crt":                           "pki-cert", // relative to etcd's working folder
		"/k/server.key":                                 "pki-key",  // from ETCD_KEY_FILE
		"/var/lib/n1.etcd":                              "etcd-data-dir",
		"/var/lib/kubelet/config.yaml":                  "kubelet-config",
		"/etc/kubernetes/kubelet.conf":                  "kubelet-kubeconfig",
		"/var/lib/kubelet/pki/ca.crt":                   "kubelet-client-ca", // relative to the config file
	} {
		if got[path] != role {
			t.Errorf("%s: role %q, want %q", path, got[path], role)
		}
	}
	if dirs := m.StaticPodDirs(); !slices.Equal(dirs, []string{"/etc/kubernetes/manifests"}) {
		t.Errorf("static pod dirs %v", dirs)
	}
}
