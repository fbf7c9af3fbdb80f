// Package node reads what a machine runs of Kubernetes, read-only: the
// running kube-apiserver, etcd, kube-controller-manager, kube-scheduler,
// kubelet and kube-proxy processes (/proc: command line, etcd's
// environment when readable, working folder), the static pod manifests,
// the configuration files those components name, read where the
// component reads them (through a containerised process's root), and the
// owner and mode of their configuration, PKI and data files.
//
// Everything becomes inventory objects: manifests and configuration files
// as any source's objects, processes and files as node.rampart.dev/v1
// Process and File objects (see pkg/controlplane), plus one Host object
// saying that the machine was examined, so that an absent component is
// known to be absent.
package node

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/rampart-k8s/rampart/pkg/controlplane"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/source"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// DefaultManifestDir is where kubeadm and most installers keep static
// pod manifests.
const DefaultManifestDir = "/etc/kubernetes/manifests"

// Options say where to look.
type Options struct {
	// ProcDir is the process table (default /proc).
	ProcDir string
	// Root prefixes the machine's fixed paths: /etc/passwd, /etc/group,
	// /etc/kubernetes/admin.conf, the kubelet's service files, the CNI
	// and PKI folders (default /).
	Root string
	// ManifestDirs are the static pod folders (default
	// /etc/kubernetes/manifests under Root); the kubelets' own
	// staticPodPath is read too.
	ManifestDirs []string
	// PIDs limits the processes to these (all when empty).
	PIDs []int
	// Limits bound what is read from each file.
	Limits source.Limits
}

// Result is what was read.
type Result struct {
	Objects []*inventory.Object
	// Errors are files that could not be parsed.
	Errors []finding.InputError
}

// fixed files every machine is examined for, under Root.
var (
	adminConfs      = []string{"/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf"}
	kubeletServices = []string{"/etc/systemd/system/kubelet.service", "/lib/systemd/system/kubelet.service", "/usr/lib/systemd/system/kubelet.service"}
	kubeletDropDirs = []string{"/etc/systemd/system/kubelet.service.d", "/usr/lib/systemd/system/kubelet.service.d", "/lib/systemd/system/kubelet.service.d"}
	cniDir          = "/etc/cni/net.d"
	pkiDir          = "/etc/kubernetes/pki"
)

// maxDirFiles bounds the files examined in one folder (CNI, PKI).
const maxDirFiles = 500

type reader struct {
	opts    Options
	objs    []*inventory.Object
	errs    []finding.InputError
	read    map[string]bool // host paths read as objects
	host    *controlplane.Host
	users   map[int]string
	groups  map[int]string
	limitsB int64
}

// Load examines the machine.
func Load(opts Options) Result {
	if opts.ProcDir == "" {
		opts.ProcDir = "/proc"
	}
	if opts.Root == "" {
		opts.Root = "/"
	}
	if len(opts.ManifestDirs) == 0 {
		opts.ManifestDirs = []string{filepath.Join(opts.Root, DefaultManifestDir)}
	}
	r := &reader{opts: opts, read: map[string]bool{}, limitsB: opts.Limits.MaxFileBytes}
	if r.limitsB <= 0 {
		r.limitsB = source.DefaultLimits.MaxFileBytes
	}
	name, _ := os.Hostname()
	r.host = &controlplane.Host{TypeMeta: metav1.TypeMeta{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindHost}, Hostname: name}
	r.users = readIDs(filepath.Join(opts.Root, "etc/passwd"))
	r.groups = readIDs(filepath.Join(opts.Root, "etc/group"))

	r.processes()
	dirs := slices.Clone(opts.ManifestDirs)
	for _, d := range dirs {
		r.manifests(d)
	}
	// The components name configuration files, which may name more
	// (a kubelet's staticPodPath): read until nothing new turns up.
	for round := 0; round < 4; round++ {
		m := controlplane.Build(inventory.New(r.objs))
		before := len(r.read)
		for _, ref := range m.ConfigRefs() {
			r.config(ref.HostPath)
		}
		for _, d := range m.DropInDirs() {
			r.dropIns(d)
		}
		for _, d := range m.StaticPodDirs() {
			if !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
				r.manifests(d)
			}
		}
		if len(r.read) == before {
			break
		}
	}
	r.files(controlplane.Build(inventory.New(r.objs)))
	r.host.ManifestDirs = dirs
	r.objs = append(r.objs, &inventory.Object{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindHost, Name: r.host.Hostname,
		Typed: r.host, Source: inventory.Source{Origin: controlplane.OriginNode}})
	return Result{Objects: r.objs, Errors: r.errs}
}

func (r *reader) note(format string, a ...any) {
	r.host.Notes = append(r.host.Notes, fmt.Sprintf(format, a...))
}

// processes reads the process table for components.
func (r *reader) processes() {
	entries, err := os.ReadDir(r.opts.ProcDir)
	if err != nil {
		r.note("process table %s unreadable: %v", r.opts.ProcDir, err)
		return
	}
	r.host.ProcRead = true
	rootInfo, rootErr := os.Stat(r.opts.Root)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || len(r.opts.PIDs) > 0 && !slices.Contains(r.opts.PIDs, pid) {
			continue
		}
		dir := filepath.Join(r.opts.ProcDir, e.Name())
		raw, err := os.ReadFile(filepath.Join(dir, "cmdline")) // #nosec G304 -- the process table
		if err != nil || len(raw) == 0 {
			continue // gone, or a kernel thread
		}
		argv := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
		kind, _, ok := controlplane.Identify(argv)
		if !ok {
			continue
		}
		p := &controlplane.Process{TypeMeta: metav1.TypeMeta{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindProcess},
			PID: pid, Argv: argv, Root: "/", UID: -1, GID: -1}
		if kind == controlplane.Etcd {
			if env, err := os.ReadFile(filepath.Join(dir, "environ")); err == nil { // #nosec G304 -- the process table
				p.EnvRead = true
				p.Env = map[string]string{}
				for _, kv := range strings.Split(string(env), "\x00") {
					// Only etcd's own settings are kept: an environment may
					// hold secrets.
					if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "ETCD_") {
						p.Env[k] = v
					}
				}
			}
		}
		if cwd, err := os.Readlink(filepath.Join(dir, "cwd")); err == nil {
			p.Cwd = cwd
		}
		// A process in a container sees another root: read its files
		// through /proc/PID/root.
		procRoot := filepath.Join(dir, "root")
		if info, err := os.Stat(procRoot); err == nil && rootErr == nil && !os.SameFile(info, rootInfo) {
			p.Root = procRoot
		} else if err != nil {
			r.note("process %d (%s): its root is not accessible (%v); its paths are read on this machine's root", pid, kind, err)
		}
		if st, err := os.ReadFile(filepath.Join(dir, "status")); err == nil { // #nosec G304 -- the process table
			p.UID, p.GID = statusIDs(st)
		}
		r.objs = append(r.objs, &inventory.Object{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindProcess, Name: string(kind),
			Typed: p, Source: inventory.Source{File: fmt.Sprintf("process %d", pid), Origin: controlplane.OriginNode}})
	}
}

// statusIDs reads the real uid and gid from /proc/PID/status.
func statusIDs(st []byte) (uid, gid int) {
	uid, gid = -1, -1
	sc := bufio.NewScanner(bytes.NewReader(st))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "Uid:":
			uid, _ = strconv.Atoi(f[1])
		case "Gid:":
			gid, _ = strconv.Atoi(f[1])
		}
	}
	return uid, gid
}

// readFile reads a file within the size limit.
func (r *reader) readFile(p string) ([]byte, error) {
	f, err := os.Open(p) // #nosec G304 -- files the machine's components name
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, r.limitsB+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > r.limitsB {
		return nil, fmt.Errorf("larger than %d bytes", r.limitsB)
	}
	return data, nil
}

// manifests reads a static pod folder as the kubelet does: every regular
// file whose name does not start with a dot.
func (r *reader) manifests(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.note("static pod folder %s unreadable: %v", dir, err)
		}
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.IsDir() {
			continue
		}
		r.parse(filepath.Join(dir, e.Name()), false)
	}
}

// config reads a configuration file a component names.
func (r *reader) config(p string) {
	r.parse(p, true)
}

// dropIns reads a kubelet's --config-dir: every .conf file, walked as
// the kubelet walks it.
func (r *reader) dropIns(dir string) {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && filepath.Ext(p) == ".conf" {
			r.parse(p, false)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.note("kubelet drop-in folder %s: %v", dir, err)
	}
}

// parse reads a file into objects once; with plain, a YAML file without
// apiVersion and kind (etcd's config file) is kept as a ConfigFile.
func (r *reader) parse(p string, plain bool) {
	if r.read[p] {
		return
	}
	r.read[p] = true
	data, err := r.readFile(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.errs = append(r.errs, finding.InputError{File: p, Message: err.Error()})
		}
		return
	}
	objs, errs := source.Parse(p, data, r.opts.Limits)
	r.errs = append(r.errs, errs...)
	if len(objs) == 0 && len(errs) == 0 && plain {
		var raw map[string]any
		if err := yaml.Unmarshal(data, &raw); err == nil && raw != nil {
			objs = append(objs, &inventory.Object{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindConfigFile, Name: p, Raw: raw,
				Source: inventory.Source{File: p, Line: 1, Doc: data, DocLine: 1}})
		}
	}
	for _, o := range objs {
		o.Source.Origin = controlplane.OriginNode
	}
	r.objs = append(r.objs, objs...)
}

// files examines the owner and mode of every file the components name,
// and of the machine's fixed files.
func (r *reader) files(m *controlplane.Model) {
	type entry struct {
		file *controlplane.File
		info os.FileInfo
	}
	var list []*entry
	byPath := map[string]*entry{}
	add := func(p, hostPath string, ref controlplane.FileRef) {
		if e := byPath[hostPath]; e != nil {
			if !slices.Contains(e.file.Refs, ref) {
				e.file.Refs = append(e.file.Refs, ref)
			}
			return
		}
		f := &controlplane.File{TypeMeta: metav1.TypeMeta{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindFile},
			Path: p, HostPath: hostPath, Refs: []controlplane.FileRef{ref}}
		info, err := os.Stat(hostPath)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			f.Error = err.Error()
		default:
			f.Exists, f.Dir, f.Mode = true, info.IsDir(), uint32(info.Mode().Perm())
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				f.UID, f.GID = int(st.Uid), int(st.Gid)
				f.User, f.Group = r.users[f.UID], r.groups[f.GID]
			}
		}
		// The same file reached by two paths (a container's root and the
		// host's) is one file.
		for _, e := range list {
			if info != nil && e.info != nil && os.SameFile(info, e.info) {
				if !slices.Contains(e.file.Refs, ref) {
					e.file.Refs = append(e.file.Refs, ref)
				}
				byPath[hostPath] = e
				return
			}
		}
		e := &entry{file: f, info: info}
		list = append(list, e)
		byPath[hostPath] = e
	}
	// kubeadm's PKI folder (with its etcd subfolder), and the folders of
	// the certificates and keys the components name.
	pkiDirs := map[string]int{filepath.Join(r.opts.Root, pkiDir): 2}
	for _, ref := range m.FileRefs() {
		add(ref.Path, ref.HostPath, ref.FileRef)
		if d := path.Dir(ref.HostPath); (ref.Role == controlplane.RolePKICert || ref.Role == controlplane.RolePKIKey) && pkiDirs[d] == 0 {
			pkiDirs[d] = 1
		}
	}
	if len(m.Components) > 0 {
		for _, p := range adminConfs {
			if _, err := os.Stat(filepath.Join(r.opts.Root, p)); err == nil {
				add(p, filepath.Join(r.opts.Root, p), controlplane.FileRef{Setting: "kubeadm admin kubeconfig", Role: controlplane.RoleAdminKubeconfig})
			}
		}
	}
	if len(m.Of(controlplane.Kubelet)) > 0 {
		for _, p := range kubeletServices {
			if _, err := os.Stat(filepath.Join(r.opts.Root, p)); err == nil {
				add(p, filepath.Join(r.opts.Root, p), controlplane.FileRef{Component: controlplane.Kubelet, Setting: "systemd unit", Role: controlplane.RoleKubeletService})
			}
		}
		for _, d := range kubeletDropDirs {
			for _, p := range listDir(filepath.Join(r.opts.Root, d), 1) {
				if strings.HasSuffix(p, ".conf") {
					add(strings.TrimPrefix(p, strings.TrimSuffix(r.opts.Root, "/")), p, controlplane.FileRef{Component: controlplane.Kubelet, Setting: "systemd drop-in", Role: controlplane.RoleKubeletService})
				}
			}
		}
		for _, p := range listDir(filepath.Join(r.opts.Root, cniDir), 1) {
			add(strings.TrimPrefix(p, strings.TrimSuffix(r.opts.Root, "/")), p, controlplane.FileRef{Setting: "CNI configuration", Role: controlplane.RoleCNIConfig})
		}
	}
	if len(m.Components) > 0 {
		dirs := make([]string, 0, len(pkiDirs))
		for d := range pkiDirs {
			dirs = append(dirs, d)
		}
		sort.Strings(dirs)
		for _, d := range dirs {
			if info, err := os.Stat(d); err != nil || !info.IsDir() {
				continue
			}
			add(d, d, controlplane.FileRef{Setting: "PKI folder", Role: controlplane.RolePKIDir})
			for _, p := range listDir(d, pkiDirs[d]) {
				if info, err := os.Stat(p); err == nil && info.IsDir() {
					if pkiDirs[d] > 1 {
						add(p, p, controlplane.FileRef{Setting: "PKI folder", Role: controlplane.RolePKIDir})
					}
					continue
				}
				if isPKIFile(p) {
					add(p, p, controlplane.FileRef{Setting: "PKI folder", Role: controlplane.PKIRole(p)})
				}
			}
		}
	}
	for _, e := range list {
		f := e.file
		r.objs = append(r.objs, &inventory.Object{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindFile, Name: f.Path, Typed: f,
			Source: inventory.Source{File: f.HostPath, Origin: controlplane.OriginNode}})
	}
}

// isPKIFile says whether a file in a PKI folder holds a certificate or
// key (by its extension, as kubeadm names them).
func isPKIFile(p string) bool {
	switch path.Ext(p) {
	case ".crt", ".key", ".pem", ".pub", ".cert":
		return true
	}
	return false
}

// listDir lists a folder's entries, down to depth levels, in lexical
// order, at most maxDirFiles.
func listDir(dir string, depth int) []string {
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if len(out) >= maxDirFiles {
			break
		}
		p := filepath.Join(dir, e.Name())
		out = append(out, p)
		if e.IsDir() && depth > 1 {
			out = append(out, listDir(p, depth-1)...)
		}
	}
	return out
}

// readIDs reads an /etc/passwd or /etc/group file into id -> name.
func readIDs(file string) map[int]string {
	out := map[int]string{}
	data, err := os.ReadFile(file) // #nosec G304 -- the machine's own account files
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 || strings.HasPrefix(line, "#") {
			continue
		}
		if id, err := strconv.Atoi(f[2]); err == nil {
			if _, dup := out[id]; !dup {
				out[id] = f[0]
			}
		}
	}
	return out
}
