package controlplane

import (
	"path"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// Role is what a file is for, as the CIS file controls (1.1.x, 4.1.x)
// group files.
type Role string

// Roles of files.
const (
	RoleAPIServerManifest         Role = "kube-apiserver-manifest"
	RoleControllerManagerManifest Role = "kube-controller-manager-manifest"
	RoleSchedulerManifest         Role = "kube-scheduler-manifest"
	RoleEtcdManifest              Role = "etcd-manifest"
	RoleCNIConfig                 Role = "cni-config"
	RoleEtcdDataDir               Role = "etcd-data-dir"
	RoleAdminKubeconfig           Role = "admin-kubeconfig"
	RoleSchedulerKubeconfig       Role = "scheduler-kubeconfig"
	RoleControllerManagerKubecfg  Role = "controller-manager-kubeconfig"
	RolePKIDir                    Role = "pki-dir"
	RolePKICert                   Role = "pki-cert"
	RolePKIKey                    Role = "pki-key"
	RoleKubeletService            Role = "kubelet-service"
	RoleProxyKubeconfig           Role = "kube-proxy-kubeconfig"
	RoleKubeletKubeconfig         Role = "kubelet-kubeconfig"
	RoleKubeletClientCA           Role = "kubelet-client-ca"
	RoleKubeletConfig             Role = "kubelet-config"
	RoleEncryptionConfig          Role = "encryption-config"
	RoleAuditPolicy               Role = "audit-policy"
	RoleConfig                    Role = "config"
)

// ManifestRole is the role of a component's static pod manifest.
func ManifestRole(k Kind) Role {
	switch k {
	case APIServer:
		return RoleAPIServerManifest
	case ControllerManager:
		return RoleControllerManagerManifest
	case Scheduler:
		return RoleSchedulerManifest
	case Etcd:
		return RoleEtcdManifest
	}
	return RoleConfig
}

// pathFlags are the flags naming files, with their roles (RolePKICert
// for certificates and public keys, RolePKIKey for private keys).
var pathFlags = map[Kind]map[string]Role{
	APIServer: {
		"tls-cert-file": RolePKICert, "tls-private-key-file": RolePKIKey, "client-ca-file": RolePKICert,
		"etcd-cafile": RolePKICert, "etcd-certfile": RolePKICert, "etcd-keyfile": RolePKIKey,
		"kubelet-client-certificate": RolePKICert, "kubelet-client-key": RolePKIKey, "kubelet-certificate-authority": RolePKICert,
		"proxy-client-cert-file": RolePKICert, "proxy-client-key-file": RolePKIKey, "requestheader-client-ca-file": RolePKICert,
		"service-account-key-file": RolePKICert, "service-account-signing-key-file": RolePKIKey,
		"encryption-provider-config": RoleEncryptionConfig, "audit-policy-file": RoleAuditPolicy,
		"token-auth-file": RoleConfig, "authentication-config": RoleConfig, "authorization-config": RoleConfig,
		"admission-control-config-file": RoleConfig, "audit-webhook-config-file": RoleConfig,
		"egress-selector-config-file": RoleConfig, "tracing-config-file": RoleConfig,
	},
	ControllerManager: {
		"kubeconfig": RoleControllerManagerKubecfg, "authentication-kubeconfig": RoleControllerManagerKubecfg,
		"authorization-kubeconfig":         RoleControllerManagerKubecfg,
		"service-account-private-key-file": RolePKIKey, "root-ca-file": RolePKICert,
		"cluster-signing-cert-file": RolePKICert, "cluster-signing-key-file": RolePKIKey,
		"tls-cert-file": RolePKICert, "tls-private-key-file": RolePKIKey, "client-ca-file": RolePKICert,
		"requestheader-client-ca-file": RolePKICert,
	},
	Scheduler: {
		"kubeconfig": RoleSchedulerKubeconfig, "authentication-kubeconfig": RoleSchedulerKubeconfig,
		"authorization-kubeconfig": RoleSchedulerKubeconfig, "config": RoleConfig,
		"tls-cert-file": RolePKICert, "tls-private-key-file": RolePKIKey, "client-ca-file": RolePKICert,
		"requestheader-client-ca-file": RolePKICert,
	},
	Etcd: {
		"cert-file": RolePKICert, "key-file": RolePKIKey, "trusted-ca-file": RolePKICert,
		"peer-cert-file": RolePKICert, "peer-key-file": RolePKIKey, "peer-trusted-ca-file": RolePKICert,
		"config-file": RoleConfig,
	},
	Kubelet: {
		"config": RoleKubeletConfig, "kubeconfig": RoleKubeletKubeconfig, "bootstrap-kubeconfig": RoleKubeletKubeconfig,
	},
	Proxy: {
		"kubeconfig": RoleProxyKubeconfig, "config": RoleConfig,
	},
}

// FileRefTo is a file a component names, placed on the machine.
type FileRefTo struct {
	FileRef
	// Path is as the component names it; HostPath where to read it.
	Path, HostPath string
}

// FileRefs lists the files the model's components name, with their roles:
// what `rampart node` examines. Paths that cannot be placed are left out.
func (m *Model) FileRefs() []FileRefTo {
	var out []FileRefTo
	add := func(c *Component, setting, p string, role Role) {
		hp, ok := c.HostPath(p)
		if !ok {
			return
		}
		out = append(out, FileRefTo{FileRef: FileRef{Component: c.Kind, Setting: setting, Role: role}, Path: p, HostPath: hp})
	}
	for _, c := range m.Components {
		if c.configOnly {
			continue
		}
		if c.Container != nil && c.Object.Kind == "Pod" && c.Object.Source.File != "" && c.Object.Source.Origin == OriginNode {
			out = append(out, FileRefTo{FileRef: FileRef{Component: c.Kind, Setting: "static pod manifest", Role: ManifestRole(c.Kind)},
				Path: c.Object.Source.File, HostPath: c.Object.Source.File})
		}
		for flag, role := range pathFlags[c.Kind] {
			if c.Kind == Etcd && flag != "config-file" {
				continue // below, through etcd's own precedence
			}
			for _, o := range c.Args.All(flag) {
				for _, p := range flagPaths(flag, o.Value) {
					add(c, "--"+flag, p, role)
				}
			}
		}
		switch c.Kind {
		case Etcd:
			for flag, role := range pathFlags[Etcd] {
				if flag == "config-file" {
					continue
				}
				if v := c.Flag(flag, ""); v.Raw != "" && v.Unknown == "" {
					add(c, v.Setting, v.Raw, role)
				}
			}
			if v := c.Flag("data-dir", c.Flag("name", "default").Raw+".etcd"); v.Unknown == "" {
				add(c, "--data-dir", v.Raw, RoleEtcdDataDir)
			}
		case Kubelet:
			for name, role := range map[string]Role{"client-ca-file": RoleKubeletClientCA, "tls-cert-file": RolePKICert, "tls-private-key-file": RolePKIKey} {
				v := c.KubeletValue(name)
				if hp, ok := c.ValueHostPath(v); ok && v.Unknown == "" {
					out = append(out, FileRefTo{FileRef: FileRef{Component: Kubelet, Setting: v.Setting, Role: role}, Path: v.Raw, HostPath: hp})
				}
			}
			for _, o := range c.kubeletDropIns {
				out = append(out, FileRefTo{FileRef: FileRef{Component: Kubelet, Setting: "--config-dir", Role: RoleKubeletConfig}, Path: o.Source.File, HostPath: o.Source.File})
			}
		case Proxy:
			if c.configFile != nil {
				if raw, ok := lookup(c.model.docs[c.configFile], []string{"clientConnection", "kubeconfig"}); ok {
					add(c, "clientConnection.kubeconfig", scalarText(raw), RoleProxyKubeconfig)
				}
			}
		case Scheduler:
			if c.configFile != nil {
				if raw, ok := lookup(c.model.docs[c.configFile], []string{"clientConnection", "kubeconfig"}); ok {
					add(c, "clientConnection.kubeconfig", scalarText(raw), RoleSchedulerKubeconfig)
				}
			}
		}
	}
	return out
}

// flagPaths splits a path flag's value: most hold one path;
// --service-account-key-file may be repeated (each occurrence one path).
func flagPaths(flag, v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// ConfigRefs lists the configuration files the components name that
// `rampart node` reads as objects, where the component reads them.
func (m *Model) ConfigRefs() []FileRefTo {
	var out []FileRefTo
	for _, r := range m.FileRefs() {
		switch r.Role {
		case RoleKubeletConfig, RoleEncryptionConfig, RoleAuditPolicy:
			out = append(out, r)
		case RoleConfig:
			if r.Setting == "--config-file" || r.Setting == "--config" || r.Setting == "--authentication-config" || r.Setting == "--authorization-config" {
				out = append(out, r)
			}
		}
	}
	return out
}

// DropInDirs lists the kubelets' --config-dir folders on this machine.
func (m *Model) DropInDirs() []string {
	var out []string
	for _, c := range m.Of(Kubelet) {
		if v := c.Flag("config-dir", ""); v.Raw != "" {
			if hp, ok := c.HostPath(v.Raw); ok {
				out = append(out, hp)
			}
		}
	}
	return out
}

// StaticPodDirs lists the kubelets' static pod folders (staticPodPath).
func (m *Model) StaticPodDirs() []string {
	var out []string
	for _, c := range m.Of(Kubelet) {
		if c.configOnly {
			continue
		}
		v := c.KubeletValue("pod-manifest-path")
		if hp, ok := c.ValueHostPath(v); ok && v.Unknown == "" {
			out = append(out, hp)
		}
	}
	return out
}

// OriginNode is the Source.Origin of what `rampart node` read.
const OriginNode = "node"

// isKeyFile guesses whether a file under a PKI folder holds a private key.
func isKeyFile(p string) bool {
	return strings.HasSuffix(p, ".key") || strings.Contains(path.Base(p), "-key")
}

// PKIRole is the role of a file found in a PKI folder: private key or
// certificate (and public key).
func PKIRole(p string) Role {
	if isKeyFile(p) {
		return RolePKIKey
	}
	return RolePKICert
}

// fileObjects returns the examined files with a role.
func (m *Model) fileObjects(r Role) []*inventory.Object {
	var out []*inventory.Object
	for _, o := range m.Files {
		if f := o.Typed.(*File); f.HasRole(r) {
			out = append(out, o)
		}
	}
	return out
}
