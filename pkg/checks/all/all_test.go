package all_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/source"
)

// examples are the shipped example manifests, which give findings of most
// checks.
func examples(t *testing.T) []*inventory.Object {
	t.Helper()
	res := source.Load([]string{"../../../examples"}, source.Options{})
	if len(res.Objects) < 10 {
		t.Fatalf("examples: %d objects, errors %v", len(res.Objects), res.Errors)
	}
	return res.Objects
}

// TestObjectChecksDeclareInventoryUse: a live scan runs object checks on
// each page as it arrives, with no inventory yet, except the checks that
// declare they read it (check.InventoryReader). Every other object check
// must judge an object alone: the same results with and without the
// inventory.
func TestObjectChecksDeclareInventoryUse(t *testing.T) {
	objs := examples(t)
	inv := inventory.New(objs)
	collect := func(c check.ObjectCheck, ctx *check.Context) (out []check.Result, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		for _, o := range inv.Objects() {
			c.CheckObject(ctx, o, func(r check.Result) { out = append(out, r) })
		}
		return out, nil
	}
	streamed := 0
	for _, c := range all.Registry().Checks() {
		oc, ok := c.(check.ObjectCheck)
		if !ok {
			continue
		}
		if ir, ok := c.(check.InventoryReader); ok && ir.NeedsInventory() {
			continue
		}
		streamed++
		want, _ := collect(oc, &check.Context{Inventory: inv, Config: config.Default()})
		got, err := collect(oc, &check.Context{Config: config.Default()})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s reads the inventory (%v): declare it with check.Func.ReadsInventory or check.InventoryReader", c.Meta().ID, err)
		}
	}
	if streamed < 20 {
		t.Errorf("only %d object checks run without the inventory", streamed)
	}
}

// TestStreamedScanMatchesRun: every check, streamed over the examples,
// finds what a run on the finished inventory finds.
func TestStreamedScanMatchesRun(t *testing.T) {
	objs := examples(t)
	reg := all.Registry()
	want := finding.Report{Findings: reg.Run(&check.Context{Inventory: inventory.New(objs)})}
	s := reg.Stream(&check.Context{})
	for i := 0; i < len(objs); i += 3 {
		s.Add(objs[i:min(i+3, len(objs))])
	}
	got := finding.Report{Findings: s.Finish(inventory.New(objs))}
	want.Sort()
	got.Sort()
	if len(want.Findings) < 30 {
		t.Fatalf("only %d findings on the examples", len(want.Findings))
	}
	if !reflect.DeepEqual(got.Findings, want.Findings) {
		t.Errorf("streamed: %d findings, run: %d; they differ", len(got.Findings), len(want.Findings))
	}
}
