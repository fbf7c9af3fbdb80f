package controlplane

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Host is the machine `rampart node` examined. Its presence in an
// inventory says that processes and files were looked for: a component
// that is absent then is absent from the machine, not merely from the
// input.
type Host struct {
	metav1.TypeMeta `json:",inline"`
	Hostname        string `json:"hostname"`
	// ManifestDirs are the static pod folders read.
	ManifestDirs []string `json:"manifestDirs"`
	// ProcRead is false when the process table could not be read.
	ProcRead bool `json:"procRead"`
	// Notes say what could not be examined.
	Notes []string `json:"notes,omitempty"`
}

// DeepCopyObject implements runtime.Object.
func (h *Host) DeepCopyObject() runtime.Object {
	c := *h
	c.ManifestDirs = slices.Clone(h.ManifestDirs)
	c.Notes = slices.Clone(h.Notes)
	return &c
}

// KindHost is the kind of the Host object.
const KindHost = "Host"

// KindConfigFile is a component's configuration file that is not a
// Kubernetes-style object (etcd's --config-file), kept as read (Raw).
const KindConfigFile = "ConfigFile"

// linkableKinds are the kinds of the configuration files components name.
var linkableKinds = []string{"KubeletConfiguration", "EncryptionConfiguration", "Policy", "AuthorizationConfiguration",
	"AuthenticationConfiguration", "KubeSchedulerConfiguration", "KubeProxyConfiguration", KindConfigFile}

// Component is one instance of a component: a running process, a pod
// spec's container (a static pod manifest), or both when the running
// process has exactly the manifest's command line. A kubelet may also
// come from a KubeletConfiguration alone (a scan of its config file).
type Component struct {
	Kind Kind
	// Object is what findings point at: the manifest's object when there
	// is one, else the process.
	Object *inventory.Object
	// Process is the running process, nil for a manifest that runs
	// nowhere on this machine (or a scan of files).
	Process       *Process
	ProcessObject *inventory.Object
	// Container is the manifest's container (nil for a process alone).
	Container *inventory.ContainerRef
	Pod       *inventory.PodTemplate
	// Args is the parsed command line (argv[0] the component's name).
	Args *Args
	// argvFields maps each argv index to its field in Object (manifests).
	argvFields []string
	argvField  string // the container's command or args list
	// env holds ETCD_* variables (etcd).
	env map[string]envVar

	// Linked configuration files.
	kubeletConfig  *inventory.Object   // --config
	kubeletDropIns []*inventory.Object // --config-dir, in the kubelet's order
	configFile     *inventory.Object   // etcd --config-file, kube-scheduler and kube-proxy --config
	// configOnly is set for a kubelet known only from its config file.
	configOnly bool

	model *Model
}

type envVar struct {
	value string
	field string // in Object, for manifests
	known bool   // false for valueFrom
}

// Name is how messages name the component instance.
func (c *Component) Name() string {
	switch {
	case c.configOnly:
		return fmt.Sprintf("kubelet configuration %s", c.Object.Source.File)
	case c.Container != nil && c.Process != nil:
		return fmt.Sprintf("%s (%s, process %d)", c.Kind, c.Object.Source.File, c.Process.PID)
	case c.Container != nil:
		return fmt.Sprintf("%s (%s %s)", c.Kind, c.Object.Kind, c.Object.Name)
	case c.Process != nil:
		return fmt.Sprintf("%s (process %d)", c.Kind, c.Process.PID)
	}
	return string(c.Kind)
}

// Model is the control-plane and node configuration an inventory holds.
type Model struct {
	Components []*Component
	byKind     map[Kind][]*Component
	// Host is set when the inventory comes from `rampart node`.
	Host *Host
	// Files are the examined files, by host path.
	Files []*inventory.Object
	// Encryption and Audit are the EncryptionConfiguration and audit
	// Policy objects; linked says which a component names.
	Encryption []*inventory.Object
	Audit      []*inventory.Object
	linked     map[*inventory.Object]bool
	byHostPath map[string][]*inventory.Object
	// docs are the configuration files' contents as generic maps, parsed
	// once while building (the model is then only read).
	docs map[*inventory.Object]map[string]any
}

// Of returns the instances of a component.
func (m *Model) Of(k Kind) []*Component { return m.byKind[k] }

// Empty reports whether the inventory holds nothing the controls judge.
func (m *Model) Empty() bool {
	return m.Host == nil && len(m.Components) == 0 && len(m.Encryption) == 0 && len(m.Audit) == 0
}

// Build reads the model out of an inventory: processes and workloads that
// run components, configuration objects, examined files.
func Build(inv *inventory.Inventory) *Model {
	m := &Model{byKind: map[Kind][]*Component{}, linked: map[*inventory.Object]bool{}, byHostPath: map[string][]*inventory.Object{},
		docs: map[*inventory.Object]map[string]any{}}
	for _, o := range inv.ByKind(KindHost) {
		if h, ok := o.Typed.(*Host); ok && o.APIVersion == NodeAPIVersion {
			m.Host = h
		}
	}
	// Only configuration files are looked up by path: a scan's other
	// objects (thousands of them) are not.
	for _, kind := range linkableKinds {
		for _, o := range inv.ByKind(kind) {
			if o.Source.File != "" {
				m.byHostPath[o.Source.File] = append(m.byHostPath[o.Source.File], o)
			}
		}
	}
	var procs, manifests []*Component
	for _, o := range inv.ByKind(KindProcess) {
		p, ok := o.Typed.(*Process)
		if !ok || o.APIVersion != NodeAPIVersion {
			continue
		}
		k, argv, ok := Identify(p.Argv)
		if !ok {
			continue
		}
		c := &Component{Kind: k, Object: o, Process: p, ProcessObject: o, Args: ParseArgs(argv, Spec(k)), model: m}
		if k == Etcd && p.EnvRead {
			c.env = map[string]envVar{}
			for name, v := range p.Env {
				c.env[name] = envVar{value: v, known: true}
			}
		}
		procs = append(procs, c)
	}
	for _, o := range inv.Objects() {
		pod := o.PodTemplate()
		if pod == nil {
			continue
		}
		for i, cr := range pod.Containers() {
			if cr.Kind != "container" {
				continue
			}
			if c := fromContainer(o, pod, &pod.Containers()[i]); c != nil {
				c.model = m
				manifests = append(manifests, c)
			}
		}
	}
	// A process running exactly a manifest's command line is that
	// manifest's instance: judged once, pointed at the manifest.
	paired := map[*Component]bool{}
	for _, mc := range manifests {
		for _, pc := range procs {
			if !paired[pc] && pc.Kind == mc.Kind && slices.Equal(pc.Args.Argv[1:], mc.Args.Argv[1:]) {
				paired[pc] = true
				mc.Process, mc.ProcessObject = pc.Process, pc.ProcessObject
				if pc.env != nil {
					mc.env = pc.env // the process's environment is the truth
				}
				break
			}
		}
		m.add(mc)
	}
	for _, pc := range procs {
		if !paired[pc] {
			m.add(pc)
		}
	}
	for _, o := range inv.ByKind(KindFile) {
		if _, ok := o.Typed.(*File); ok && o.APIVersion == NodeAPIVersion {
			m.Files = append(m.Files, o)
		}
	}
	for _, o := range inv.ByKind("EncryptionConfiguration") {
		if o.Typed != nil {
			m.Encryption = append(m.Encryption, o)
		}
	}
	for _, o := range inv.ByKind("Policy") {
		if o.GVK().Group == "audit.k8s.io" && o.Typed != nil {
			m.Audit = append(m.Audit, o)
		}
	}
	for _, c := range m.Components {
		m.link(c)
	}
	// A KubeletConfiguration no kubelet names is judged on its own (a scan
	// of the file), with the defaults of a config file. On a machine, only
	// what the kubelets read counts.
	for _, o := range inv.ByKind("KubeletConfiguration") {
		if m.Host == nil && !m.linked[o] && o.Typed != nil {
			m.add(&Component{Kind: Kubelet, Object: o, kubeletConfig: o, configOnly: true, Args: ParseArgs(nil, Spec(Kubelet)), model: m})
		}
	}
	for _, c := range m.Components {
		for _, o := range append([]*inventory.Object{c.kubeletConfig, c.configFile}, c.kubeletDropIns...) {
			if o != nil && m.docs[o] == nil {
				m.docs[o] = parseDoc(o)
			}
		}
	}
	return m
}

func (m *Model) add(c *Component) {
	m.Components = append(m.Components, c)
	m.byKind[c.Kind] = append(m.byKind[c.Kind], c)
}

// fromContainer recognises a component in a container by its command or,
// without one, its image.
func fromContainer(o *inventory.Object, pod *inventory.PodTemplate, cr *inventory.ContainerRef) *Component {
	ctr := cr.C
	// Most containers of a scan run something else: tell before building
	// anything.
	if len(ctr.Command) > 0 {
		cmd := ctr.Command[0]
		if base := cmd[strings.LastIndexByte(cmd, '/')+1:]; base != "hyperkube" {
			if _, ok := kindByName(base); !ok {
				return nil
			}
		}
	} else if _, ok := imageKind(ctr.Image); !ok {
		return nil
	}
	var argv, fields []string
	for i, a := range ctr.Command {
		argv = append(argv, a)
		fields = append(fields, fmt.Sprintf("%s.command[%d]", cr.Path, i))
	}
	for i, a := range ctr.Args {
		argv = append(argv, a)
		fields = append(fields, fmt.Sprintf("%s.args[%d]", cr.Path, i))
	}
	var k Kind
	compArgv := argv
	listField := cr.Path + ".args"
	if len(ctr.Command) > 0 {
		kind, a, ok := Identify(argv)
		if !ok {
			return nil
		}
		k, compArgv, listField = kind, a, cr.Path+".command"
		if len(compArgv) < len(argv) { // hyperkube NAME ...
			fields = append(fields[:1:1], fields[2:]...)
		}
	} else {
		kind, ok := imageKind(ctr.Image)
		if !ok {
			return nil
		}
		k = kind
		compArgv = append([]string{string(k)}, argv...)
		fields = append([]string{cr.Path + ".image"}, fields...)
	}
	c := &Component{Kind: k, Object: o, Container: cr, Pod: pod, Args: ParseArgs(compArgv, Spec(k)), argvFields: fields, argvField: listField}
	if k == Etcd {
		c.env = map[string]envVar{}
		for i, e := range ctr.Env {
			if !strings.HasPrefix(e.Name, "ETCD_") {
				continue
			}
			c.env[e.Name] = envVar{value: e.Value, field: fmt.Sprintf("%s.env[%d]", cr.Path, i), known: e.ValueFrom == nil}
		}
	}
	return c
}

// Value is a setting's effective value and where it comes from.
type Value struct {
	// Setting names the setting as the user writes it: "--profiling", or a
	// config file field such as "authentication.anonymous.enabled".
	Setting string
	// Raw is the value as text ("" when unset and without default).
	Raw string
	// Set is true when the value was given (flag, environment, config
	// file) rather than defaulted.
	Set bool
	// Source says where: "flag", "environment ETCD_...", "config file",
	// "drop-in FILE", "default", ...
	Source string
	// Object and Field are what a finding points at.
	Object *inventory.Object
	Field  string
	// Occurrences counts how often a flag was given (list flags add up).
	Occurrences int
	// Unknown, when set, says why the value cannot be known (an unread
	// config file, an unreadable environment): controls skip it.
	Unknown string
	// Note adds what the user should know about the value.
	Note string
}

// Bool reads the value as a boolean (false when it does not parse).
func (v Value) Bool() bool {
	b, _ := strconv.ParseBool(v.Raw)
	return b
}

// List splits the value as a list flag.
func (v Value) List() []string { return SplitList(v.Raw) }

// flagValue reads a flag of the component: the last occurrence for
// single values, every occurrence for lists (list = true).
func (c *Component) flagValue(name, def string, list bool) Value {
	v := Value{Setting: "--" + name, Object: c.Object, Field: c.flagField(-1, name)}
	occ := c.Args.All(name)
	if len(occ) == 0 {
		v.Raw, v.Source = def, "default"
		if def == "" {
			v.Source = "not set"
		}
		return v
	}
	last := occ[len(occ)-1]
	v.Set, v.Source, v.Occurrences = true, "flag", len(occ)
	v.Field = c.flagField(last.Index, name)
	if list {
		var items []string
		for _, o := range occ {
			items = append(items, SplitList(o.Value)...)
		}
		v.Raw = strings.Join(items, ",")
	} else {
		v.Raw = last.Value
	}
	return v
}

// flagField is the field a finding about a flag points at: the argv
// entry in a manifest, the container's command list when the flag is
// absent, or the flag itself for a process.
func (c *Component) flagField(index int, name string) string {
	if c.Container == nil {
		return "--" + name
	}
	if index >= 0 && index < len(c.argvFields) {
		return c.argvFields[index]
	}
	return c.argvField
}

// Flag returns a flag's effective value, with the component's default.
// For etcd it follows etcd's rules: a --config-file replaces flags and
// environment; otherwise a flag wins over its ETCD_ variable.
func (c *Component) Flag(name, def string) Value {
	if c.Kind == Etcd {
		return c.etcdValue(name, def)
	}
	return c.flagValue(name, def, false)
}

// ListFlag returns a list flag's items from all its occurrences.
func (c *Component) ListFlag(name, def string) Value {
	return c.flagValue(name, def, true)
}

// FeatureGate reports a feature gate's value from --feature-gates (every
// occurrence merged, the last one winning per gate) and whether it is set.
func (c *Component) FeatureGate(gate string) (Value, bool) {
	v := Value{Setting: "--feature-gates", Object: c.Object, Field: c.flagField(-1, "feature-gates")}
	set := false
	for _, o := range c.Args.All("feature-gates") {
		gates, _ := ParseMapBool(o.Value)
		if b, ok := gates[gate]; ok {
			v.Raw, v.Set, v.Source, set = strconv.FormatBool(b), true, "flag", true
			v.Field = c.flagField(o.Index, "feature-gates")
		}
	}
	return v, set
}

// HostPath says where a path the component names is read on this
// machine: relative paths resolve against the process's working folder,
// and the process's root (a container's) is prefixed; for a manifest
// alone, the pod's hostPath volumes map container paths to the host's.
// ok is false when the path cannot be placed (a relative path of a
// process whose working folder is unknown).
func (c *Component) HostPath(p string) (string, bool) {
	if p == "" {
		return "", false
	}
	if c.Process != nil {
		if !path.IsAbs(p) {
			if c.Process.Cwd == "" {
				return "", false
			}
			p = path.Join(c.Process.Cwd, p)
		}
		p = path.Clean(p)
		if c.Process.Root != "" && c.Process.Root != "/" {
			return path.Join(c.Process.Root, p), true
		}
		return p, true
	}
	if c.Container != nil {
		if !path.IsAbs(p) {
			return "", false
		}
		return mapThroughVolumes(c.Pod.Spec, c.Container.C, path.Clean(p)), true
	}
	if !path.IsAbs(p) && c.Object != nil {
		// A config file's relative paths resolve against its folder.
		return path.Join(path.Dir(c.Object.Source.File), p), true
	}
	return path.Clean(p), true
}

// mapThroughVolumes turns a path inside a container into the host path of
// the hostPath volume mounted over it (the longest mount wins); paths on
// no hostPath mount are returned as they are, as kubeadm mounts the same
// paths.
func mapThroughVolumes(spec *corev1.PodSpec, ctr *corev1.Container, p string) string {
	best, bestLen := p, -1
	for _, vm := range ctr.VolumeMounts {
		mp := path.Clean(vm.MountPath)
		if !(p == mp || strings.HasPrefix(p, strings.TrimSuffix(mp, "/")+"/")) || len(mp) <= bestLen {
			continue
		}
		for _, vol := range spec.Volumes {
			if vol.Name == vm.Name && vol.HostPath != nil {
				rest := strings.TrimPrefix(p, mp)
				if vm.SubPath != "" {
					rest = path.Join(vm.SubPath, rest)
				}
				best, bestLen = path.Join(vol.HostPath.Path, rest), len(mp)
			}
		}
	}
	return best
}

// objectAt returns the object read from a host path with the wanted kind
// ("" for any).
func (m *Model) objectAt(hostPath, kind string) *inventory.Object {
	for _, o := range m.byHostPath[hostPath] {
		if kind == "" || o.Kind == kind {
			return o
		}
	}
	return nil
}

// link ties a component to the configuration files it names, when they
// were read (rampart node reads them where the component would).
func (m *Model) link(c *Component) {
	linkFlag := func(flag, kind string) *inventory.Object {
		v := c.Flag(flag, "")
		if v.Raw == "" {
			return nil
		}
		hp, ok := c.HostPath(v.Raw)
		if !ok {
			return nil
		}
		o := m.objectAt(hp, kind)
		if o != nil {
			m.linked[o] = true
		}
		return o
	}
	switch c.Kind {
	case Kubelet:
		c.kubeletConfig = linkFlag("config", "KubeletConfiguration")
		if dir := c.Flag("config-dir", "").Raw; dir != "" {
			if hp, ok := c.HostPath(dir); ok {
				c.kubeletDropIns = m.dropIns(hp)
			}
		}
	case Etcd:
		if v := c.etcdConfigPath(); v != "" {
			if hp, ok := c.HostPath(v); ok {
				c.configFile = m.objectAt(hp, "")
			}
		}
	case Scheduler, Proxy:
		c.configFile = linkFlag("config", "")
	case APIServer:
		linkFlag("encryption-provider-config", "EncryptionConfiguration")
		linkFlag("audit-policy-file", "Policy")
	}
}

// dropIns returns the KubeletConfiguration objects read from a drop-in
// folder, in the order the kubelet merges them: files ending in .conf,
// the folder walked depth-first in lexical order (filepath.WalkDir).
func (m *Model) dropIns(dir string) []*inventory.Object {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	var out []*inventory.Object
	for hp, objs := range m.byHostPath {
		if !strings.HasPrefix(hp, prefix) || path.Ext(hp) != ".conf" {
			continue
		}
		for _, o := range objs {
			if o.Kind == "KubeletConfiguration" {
				out = append(out, o)
				m.linked[o] = true
			}
		}
	}
	slices.SortFunc(out, func(a, b *inventory.Object) int { return walkOrder(a.Source.File, b.Source.File) })
	return out
}

// walkOrder compares paths segment by segment, which is the order of a
// depth-first walk that lists each folder in lexical order.
func walkOrder(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if c := strings.Compare(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return len(as) - len(bs)
}
