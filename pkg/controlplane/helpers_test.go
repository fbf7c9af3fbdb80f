package controlplane_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/controlplane"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/scan"
	"github.com/rampart-k8s/rampart/pkg/source"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// registry holds only the configuration controls.
func registry(t testing.TB) *check.Registry {
	t.Helper()
	r, err := check.NewRegistry(controlplane.Checks()...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// parse reads YAML as if from file.
func parse(t testing.TB, file, yaml string) []*inventory.Object {
	t.Helper()
	objs, errs := source.Parse(file, []byte(yaml), source.Limits{})
	if len(errs) > 0 {
		t.Fatalf("%s does not parse: %v", file, errs)
	}
	for _, o := range objs {
		o.Source.Origin = controlplane.OriginNode
	}
	return objs
}

// run scans objects with the configuration controls.
func run(t testing.TB, objs ...*inventory.Object) *finding.Report {
	t.Helper()
	return scan.Inventory(inventory.New(objs), scan.Options{Registry: registry(t), Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
}

// ids lists the check IDs of the findings, with repeats, sorted.
func ids(rep *finding.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.CheckID)
	}
	sort.Strings(out)
	return out
}

func has(rep *finding.Report, id string) bool {
	return slices.ContainsFunc(rep.Findings, func(f finding.Finding) bool { return f.CheckID == id })
}

func find(rep *finding.Report, id string) []finding.Finding {
	var out []finding.Finding
	for _, f := range rep.Findings {
		if f.CheckID == id {
			out = append(out, f)
		}
	}
	return out
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

// staticPod is a static pod manifest running argv.
func staticPod(name string, argv []string, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: %s\n    image: registry.k8s.io/%s:v1.37.2\n    command:\n", name, name, name)
	for _, a := range argv {
		fmt.Fprintf(&b, "    - %q\n", a)
	}
	b.WriteString(extra)
	return b.String()
}

// process is a running component as rampart node reads it.
func process(pid int, argv []string, cwd string, env map[string]string) *inventory.Object {
	p := &controlplane.Process{TypeMeta: metav1.TypeMeta{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindProcess},
		PID: pid, Argv: argv, Cwd: cwd, Root: "/", Env: env, EnvRead: env != nil, UID: 0, GID: 0}
	name := argv[0][strings.LastIndex(argv[0], "/")+1:]
	return &inventory.Object{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindProcess, Name: name, Typed: p,
		Source: inventory.Source{File: fmt.Sprintf("process %d", pid), Origin: controlplane.OriginNode}}
}

// host marks an inventory as rampart node's.
func host() *inventory.Object {
	h := &controlplane.Host{TypeMeta: metav1.TypeMeta{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindHost}, Hostname: "node1", ProcRead: true}
	return &inventory.Object{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindHost, Name: "node1", Typed: h,
		Source: inventory.Source{Origin: controlplane.OriginNode}}
}

// file is an examined file.
func file(path string, mode uint32, uid, gid int, roles ...controlplane.Role) *inventory.Object {
	f := &controlplane.File{TypeMeta: metav1.TypeMeta{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindFile},
		Path: path, HostPath: path, Exists: true, Mode: mode, UID: uid, GID: gid}
	if uid == 0 {
		f.User = "root"
	}
	if gid == 0 {
		f.Group = "root"
	}
	for _, r := range roles {
		f.Refs = append(f.Refs, controlplane.FileRef{Role: r})
	}
	return &inventory.Object{APIVersion: controlplane.NodeAPIVersion, Kind: controlplane.KindFile, Name: path, Typed: f,
		Source: inventory.Source{File: path, Origin: controlplane.OriginNode}}
}

// flags builds an argv from a program and flags, leaving out those named
// in drop (by flag name) and appending add.
func flags(prog string, base []string, drop []string, add ...string) []string {
	out := []string{prog}
	for _, f := range base {
		name := strings.TrimPrefix(strings.SplitN(f, "=", 2)[0], "--")
		if !slices.Contains(drop, name) {
			out = append(out, f)
		}
	}
	return append(out, add...)
}
