package check_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

func meta(id string) check.Meta {
	return check.Meta{ID: id, Title: id, Why: "test", Remediation: "test", Severity: finding.SeverityLow, Category: finding.CategoryCluster}
}

// perObject reports every object and fails the test when it sees the
// inventory.
func perObject(t *testing.T) *check.Func {
	return &check.Func{M: meta("test/per-object"), Fn: func(ctx *check.Context, obj *inventory.Object, report func(check.Result)) {
		if ctx.Inventory != nil && ctx.Inventory.Len() == 0 {
			t.Error("an object check saw an empty inventory")
		}
		report(check.Result{Field: "metadata.name", Message: "seen " + obj.Name, Evidence: map[string]any{"n": 1}})
	}}
}

// peers looks up the other objects of the namespace: it needs the inventory.
var peers = &check.Func{M: meta("test/peers"), ReadsInventory: true, Fn: func(ctx *check.Context, obj *inventory.Object, report func(check.Result)) {
	var names []string
	for _, o := range ctx.Inventory.Objects() {
		if o.Namespace == obj.Namespace && o != obj {
			names = append(names, o.Name)
		}
	}
	report(check.Result{Message: obj.Name + " has peers " + strings.Join(names, ",")})
}}

type counter struct{}

func (counter) Meta() check.Meta { return meta("test/count") }
func (counter) CheckInventory(ctx *check.Context, report func(check.Result)) {
	report(check.Result{Resource: finding.Resource{Kind: "Inventory"}, Message: fmt.Sprint("objects: ", ctx.Inventory.Len())})
}

func objects() []*inventory.Object {
	var out []*inventory.Object
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		out = append(out, &inventory.Object{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: n, UID: "uid-" + n})
	}
	return out
}

func sorted(fs []finding.Finding) []finding.Finding {
	rep := finding.Report{Findings: fs}
	rep.Sort()
	return rep.Findings
}

// TestStreamMatchesRun: objects added while a source reads them (some
// never, one dropped from the final inventory, one whose pods are counted
// after it was added) give the same findings as a run on the inventory.
func TestStreamMatchesRun(t *testing.T) {
	reg, err := check.NewRegistry(perObject(t), peers, counter{})
	if err != nil {
		t.Fatal(err)
	}
	objs := objects()
	dropped := &inventory.Object{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: "dropped"}

	s := reg.Stream(&check.Context{})
	var wg sync.WaitGroup
	for _, page := range [][]*inventory.Object{objs[:2], {objs[2], dropped}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Add(page)
		}()
	}
	wg.Wait()
	objs[1].OwnedPods = 3 // counted once the listing ended
	got := sorted(s.Finish(inventory.New(objs)))

	want := sorted(reg.Run(&check.Context{Inventory: inventory.New(objs)}))
	if len(got) != len(want) || len(want) != 2*len(objs)+1 {
		t.Fatalf("stream: %d findings, run: %d, want %d", len(got), len(want), 2*len(objs)+1)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.CheckID != w.CheckID || g.Resource != w.Resource || g.Message != w.Message || g.Location != w.Location || len(g.Evidence) != len(w.Evidence) {
			t.Errorf("finding %d: stream %+v, run %+v", i, g, w)
		}
		if g.Resource.Name == "b" && g.Evidence["pods"] != 3 {
			t.Errorf("pods counted after the object was added are missing: %+v", g)
		}
	}
	for _, f := range got {
		if f.Resource.Name == "dropped" {
			t.Errorf("an object left out of the inventory has findings: %+v", f)
		}
	}
}

// TestStreamedChecksSeeNoInventory: until Finish, streamed checks run with
// no inventory; the checks that read it run in Finish.
func TestStreamedChecksSeeNoInventory(t *testing.T) {
	var mu sync.Mutex
	var sawNil, sawInv []string
	probe := &check.Func{M: meta("test/probe"), Fn: func(ctx *check.Context, obj *inventory.Object, _ func(check.Result)) {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Inventory == nil {
			sawNil = append(sawNil, obj.Name)
		} else {
			sawInv = append(sawInv, obj.Name)
		}
	}}
	reg, err := check.NewRegistry(probe, peers)
	if err != nil {
		t.Fatal(err)
	}
	objs := objects()
	s := reg.Stream(&check.Context{})
	s.Add(objs[:3])
	fs := s.Finish(inventory.New(objs))
	slices.Sort(sawNil)
	slices.Sort(sawInv)
	if !slices.Equal(sawNil, []string{"a", "b", "c"}) || !slices.Equal(sawInv, []string{"d", "e"}) {
		t.Errorf("streamed objects checked without inventory: %v, in Finish: %v", sawNil, sawInv)
	}
	if len(fs) != len(objs) {
		t.Errorf("the inventory reader ran on %d objects, want %d", len(fs), len(objs))
	}
}
