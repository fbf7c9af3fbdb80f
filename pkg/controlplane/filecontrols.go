package controlplane

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// fileRule is a CIS file control: a mode no looser than maxMode, or an
// owner of root:root (etcd:etcd for etcd's data folder).
type fileRule struct {
	id, cis string
	roles   []Role
	what    string
	owner   bool
	maxMode uint32
	sev     finding.Severity
	manual  bool
	// kind is the component the files belong to, for skips in scans.
	kind Kind
}

func fileControls() []*Control {
	const high, med, low = finding.SeverityHigh, finding.SeverityMedium, finding.SeverityLow
	pair := func(id, cisMode, cisOwner string, role Role, what string, maxMode uint32, sev finding.Severity, kind Kind, manual bool) []fileRule {
		return []fileRule{
			{id: "file/" + id + "-mode", cis: cisMode, roles: []Role{role}, what: what, maxMode: maxMode, sev: sev, kind: kind, manual: manual},
			{id: "file/" + id + "-owner", cis: cisOwner, roles: []Role{role}, what: what, owner: true, sev: sev, kind: kind, manual: manual},
		}
	}
	var rules []fileRule
	rules = append(rules, pair("apiserver-manifest", "1.1.1", "1.1.2", RoleAPIServerManifest, "kube-apiserver static pod manifest", 0o600, high, APIServer, false)...)
	rules = append(rules, pair("controller-manager-manifest", "1.1.3", "1.1.4", RoleControllerManagerManifest, "kube-controller-manager static pod manifest", 0o600, high, ControllerManager, false)...)
	rules = append(rules, pair("scheduler-manifest", "1.1.5", "1.1.6", RoleSchedulerManifest, "kube-scheduler static pod manifest", 0o600, high, Scheduler, false)...)
	rules = append(rules, pair("etcd-manifest", "1.1.7", "1.1.8", RoleEtcdManifest, "etcd static pod manifest", 0o600, high, Etcd, false)...)
	rules = append(rules, pair("cni-config", "1.1.9", "1.1.10", RoleCNIConfig, "CNI configuration file", 0o600, low, Kubelet, true)...)
	rules = append(rules, fileRule{id: "file/etcd-data-dir-mode", cis: "1.1.11", roles: []Role{RoleEtcdDataDir}, what: "etcd data folder", maxMode: 0o700, sev: high, kind: Etcd},
		fileRule{id: "file/etcd-data-dir-owner", cis: "1.1.12", roles: []Role{RoleEtcdDataDir}, what: "etcd data folder", owner: true, sev: low, kind: Etcd})
	rules = append(rules, pair("admin-kubeconfig", "1.1.13", "1.1.14", RoleAdminKubeconfig, "admin kubeconfig (admin.conf)", 0o600, high, APIServer, false)...)
	rules = append(rules, pair("scheduler-kubeconfig", "1.1.15", "1.1.16", RoleSchedulerKubeconfig, "kube-scheduler kubeconfig", 0o600, high, Scheduler, false)...)
	rules = append(rules, pair("controller-manager-kubeconfig", "1.1.17", "1.1.18", RoleControllerManagerKubecfg, "kube-controller-manager kubeconfig", 0o600, high, ControllerManager, false)...)
	rules = append(rules,
		fileRule{id: "file/pki-owner", cis: "1.1.19", roles: []Role{RolePKIDir, RolePKICert, RolePKIKey}, what: "PKI folder or file", owner: true, sev: high, kind: APIServer},
		fileRule{id: "file/pki-cert-mode", cis: "1.1.20", roles: []Role{RolePKICert}, what: "certificate file", maxMode: 0o644, sev: low, kind: APIServer, manual: true},
		fileRule{id: "file/pki-key-mode", cis: "1.1.21", roles: []Role{RolePKIKey}, what: "private key file", maxMode: 0o600, sev: high, kind: APIServer, manual: true})
	rules = append(rules, pair("kubelet-service", "4.1.1", "4.1.2", RoleKubeletService, "kubelet service file", 0o600, med, Kubelet, false)...)
	rules = append(rules, pair("kube-proxy-kubeconfig", "4.1.3", "4.1.4", RoleProxyKubeconfig, "kube-proxy kubeconfig", 0o600, med, Proxy, true)...)
	rules = append(rules, pair("kubelet-kubeconfig", "4.1.5", "4.1.6", RoleKubeletKubeconfig, "kubelet kubeconfig", 0o600, high, Kubelet, false)...)
	rules = append(rules, pair("kubelet-client-ca", "4.1.7", "4.1.8", RoleKubeletClientCA, "kubelet client CA file", 0o644, med, Kubelet, true)...)
	rules = append(rules, pair("kubelet-config", "4.1.9", "4.1.10", RoleKubeletConfig, "kubelet config file", 0o600, med, Kubelet, false)...)
	var out []*Control
	for _, fr := range rules {
		out = append(out, fr.control())
	}
	return out
}

func (fr fileRule) control() *Control {
	verb := fmt.Sprintf("mode looser than %04o", fr.maxMode)
	rem := fmt.Sprintf("chmod %o the %s", fr.maxMode, fr.what)
	if fr.owner {
		verb, rem = "not owned by root:root", "chown root:root the "+fr.what
		if fr.roles[0] == RoleEtcdDataDir {
			verb, rem = "not owned by etcd:etcd", "run etcd as a dedicated etcd user and chown etcd:etcd its data folder"
		}
	}
	why := fmt.Sprintf("Whoever can write (or, for secrets, read) the %s controls or reads what it configures; it is judged from its mode and numeric owner on the machine (rampart node).", fr.what)
	if fr.manual {
		why += " (The benchmark marks this control Manual; rampart judges the condition it names.)"
	}
	title := fmt.Sprintf("%s %s", upperFirst(fr.what), verb)
	ct := &Control{meta: check.Meta{ID: fr.id, Title: title, Severity: fr.sev, Category: finding.CategoryCluster, Why: why,
		Remediation: rem, Controls: []string{"CIS " + fr.cis}, Kinds: []string{"File (rampart node)"}}}
	ct.all = func(r *reporter, m *Model) { fr.eval(r, m) }
	return ct
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (fr fileRule) eval(r *reporter, m *Model) {
	var files []*inventory.Object
	for _, role := range fr.roles {
		for _, o := range m.fileObjects(role) {
			if !slices.Contains(files, o) {
				files = append(files, o)
			}
		}
	}
	if m.Host == nil {
		// A scan of files: owners and modes are the machine's, not the
		// repository's. Say so once for a component that is there.
		if len(m.Of(fr.kind)) > 0 {
			r.skip(fr.what, "owners and modes are read on the machine itself: run rampart node there")
		}
		return
	}
	if len(files) == 0 {
		r.skip(fr.what, fmt.Sprintf("no %s on this machine", fr.what))
		return
	}
	for _, o := range files {
		f := o.Typed.(*File)
		switch {
		case f.Error != "":
			r.skip(f.Path, f.Error)
			continue
		case !f.Exists:
			r.skip(f.Path, "named by "+refNames(f)+" but absent")
			continue
		}
		ev := fileEvidence(f)
		if !fr.owner {
			if extra := f.Mode &^ fr.maxMode; extra != 0 {
				ev["maxMode"] = fmt.Sprintf("%04o", fr.maxMode)
				r.result(o, "mode", 0, fmt.Sprintf("%s %s has mode %04o, looser than %04o", fr.what, f.Path, f.Mode, fr.maxMode), ev)
			}
			continue
		}
		if fr.roles[0] == RoleEtcdDataDir {
			fr.etcdOwner(r, m, o, f, ev)
			continue
		}
		if f.UID != 0 || f.GID != 0 {
			r.result(o, "owner", 0, fmt.Sprintf("%s %s is owned by %s, not root:root", fr.what, f.Path, owner(f)), ev)
		}
	}
}

// etcdOwner judges 1.1.12: the data folder should belong to a dedicated
// etcd user. kubeadm runs etcd as root by design, so a root-owned folder
// of a root etcd stays low and says so.
func (fr fileRule) etcdOwner(r *reporter, m *Model, o *inventory.Object, f *File, ev map[string]any) {
	if f.User == "etcd" && f.Group == "etcd" {
		return
	}
	for _, c := range m.Of(Etcd) {
		if c.Process != nil && c.Process.UID > 0 && f.UID == c.Process.UID {
			return // owned by the dedicated, non-root user etcd runs as
		}
	}
	msg := fmt.Sprintf("%s %s is owned by %s, not etcd:etcd", fr.what, f.Path, owner(f))
	if f.UID == 0 {
		msg += " (kubeadm runs etcd as root by design; the benchmark asks for a dedicated etcd user)"
	}
	r.result(o, "owner", 0, msg, ev)
}

func owner(f *File) string {
	u, g := f.User, f.Group
	if u == "" {
		u = fmt.Sprint(f.UID)
	}
	if g == "" {
		g = fmt.Sprint(f.GID)
	}
	return fmt.Sprintf("%s:%s (uid %d, gid %d)", u, g, f.UID, f.GID)
}

func fileEvidence(f *File) map[string]any {
	ev := map[string]any{"path": f.Path, "mode": fmt.Sprintf("%04o", f.Mode), "uid": f.UID, "gid": f.GID, "namedBy": refNames(f)}
	if f.HostPath != f.Path {
		ev["hostPath"] = f.HostPath
	}
	if f.User != "" {
		ev["user"] = f.User
	}
	if f.Group != "" {
		ev["group"] = f.Group
	}
	return ev
}

func refNames(f *File) string {
	var names []string
	for _, ref := range f.Refs {
		n := ref.Setting
		if ref.Component != "" {
			n = string(ref.Component) + " " + n
		}
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "its location"
	}
	return strings.Join(names, ", ")
}
