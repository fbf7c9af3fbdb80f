package controlplane

import (
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// NodeAPIVersion is the apiVersion of what `rampart node` observes on a
// machine: running processes and the files they name. These are not
// Kubernetes API objects; they carry node facts through the inventory to
// the checks, as any source's objects do.
const NodeAPIVersion = "node.rampart.dev/v1"

// Kinds of node observations.
const (
	KindProcess = "Process"
	KindFile    = "File"
)

// Process is a running component, read from /proc.
type Process struct {
	metav1.TypeMeta `json:",inline"`
	PID             int `json:"pid"`
	// Argv is the command line, the program first.
	Argv []string `json:"argv"`
	// Env holds the process's ETCD_* variables (etcd reads its flags from
	// them); nothing else of the environment is kept. EnvRead is false
	// when the environment could not be read.
	Env     map[string]string `json:"env,omitempty"`
	EnvRead bool              `json:"envRead"`
	// Cwd is the working directory, against which relative paths resolve
	// ("" when unreadable).
	Cwd string `json:"cwd,omitempty"`
	// Root is where the process's files are read from on this machine:
	// "/" for a process that sees the host's filesystem, /proc/PID/root for
	// one in a container.
	Root string `json:"root"`
	// UID and GID are the process's real user and group (-1 when unknown).
	UID int `json:"uid"`
	GID int `json:"gid"`
}

// File is the owner and mode of a file or folder a component names, or
// why it could not be read.
type File struct {
	metav1.TypeMeta `json:",inline"`
	// Path is the path as the component names it; HostPath where it was
	// read on this machine.
	Path     string `json:"path"`
	HostPath string `json:"hostPath"`
	Exists   bool   `json:"exists"`
	Dir      bool   `json:"dir,omitempty"`
	// Mode holds the permission bits (0o777).
	Mode uint32 `json:"mode"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
	// User and Group are the names of UID and GID in the machine's
	// /etc/passwd and /etc/group ("" when not listed).
	User  string `json:"user,omitempty"`
	Group string `json:"group,omitempty"`
	// Error says why the file could not be examined.
	Error string `json:"error,omitempty"`
	// Refs say who names the file and what for.
	Refs []FileRef `json:"refs"`
}

// FileRef is one reason a file matters: the component and setting that
// name it, and its role for the CIS file controls.
type FileRef struct {
	Component Kind   `json:"component,omitempty"`
	Setting   string `json:"setting,omitempty"`
	Role      Role   `json:"role"`
}

// DeepCopyObject implements runtime.Object.
func (p *Process) DeepCopyObject() runtime.Object {
	c := *p
	c.Argv = slices.Clone(p.Argv)
	c.Env = maps.Clone(p.Env)
	return &c
}

// DeepCopyObject implements runtime.Object.
func (f *File) DeepCopyObject() runtime.Object {
	c := *f
	c.Refs = slices.Clone(f.Refs)
	return &c
}

// HasRole reports whether the file plays the role.
func (f *File) HasRole(r Role) bool {
	return slices.ContainsFunc(f.Refs, func(ref FileRef) bool { return ref.Role == r })
}
