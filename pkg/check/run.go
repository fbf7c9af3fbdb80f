package check

import (
	"context"
	"runtime"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"k8s.io/client-go/rest"
)

// Run applies every check to the inventory on all cores and returns the
// findings with their object lines resolved. Objects are the unit of
// parallel work, so each object's pod template and position index are
// computed once and by one goroutine.
func (r *Registry) Run(ctx *Context) []finding.Finding {
	if ctx.Config == nil {
		ctx.Config = config.Default()
	}
	objs := ctx.Inventory.Objects()
	// Metadata is built once per check, not once per object.
	var objectChecks []ObjectCheck
	var objectMetas []*Meta
	var invChecks []InventoryCheck
	for _, c := range r.checks {
		switch c := c.(type) {
		case ObjectCheck:
			m := c.Meta()
			objectChecks = append(objectChecks, c)
			objectMetas = append(objectMetas, &m)
		case InventoryCheck:
			invChecks = append(invChecks, c)
		}
	}
	perObject := make([][]finding.Finding, len(objs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				obj := objs[i]
				var results []pending
				for ci, c := range objectChecks {
					m := objectMetas[ci]
					c.CheckObject(ctx, obj, func(res Result) {
						if res.Object == nil {
							res.Object = obj
						}
						results = append(results, pending{meta: m, res: res})
					})
				}
				perObject[i] = resolve(results)
			}
		}()
	}
	for i := range objs {
		next <- i
	}
	close(next)
	wg.Wait()

	total := 0
	for _, f := range perObject {
		total += len(f)
	}
	out := make([]finding.Finding, 0, total)
	for i, f := range perObject {
		out = append(out, f...)
		perObject[i] = nil
	}
	for _, c := range invChecks {
		m := c.Meta()
		var results []pending
		c.CheckInventory(ctx, func(res Result) { results = append(results, pending{meta: &m, res: res}) })
		out = append(out, resolve(results)...)
	}
	return out
}

type pending struct {
	meta *Meta
	res  Result
}

// resolve turns results into findings and looks up each field's line,
// parsing each source document once and only when it has findings.
func resolve(results []pending) []finding.Finding {
	if len(results) == 0 {
		return nil
	}
	out := make([]finding.Finding, 0, len(results))
	indexes := map[*inventory.Object]*inventory.PositionIndex{}
	for _, p := range results {
		out = append(out, toFinding(p, indexes))
	}
	for _, idx := range indexes {
		idx.Release()
	}
	return out
}

func toFinding(p pending, indexes map[*inventory.Object]*inventory.PositionIndex) finding.Finding {
	m, res := p.meta, p.res
	sev := m.Severity
	if res.Severity != 0 {
		sev = res.Severity
	}
	f := finding.Finding{
		CheckID: m.ID, Title: m.Title, Severity: sev, Category: m.Category,
		Message: res.Message, Remediation: m.Remediation, Controls: m.Controls, Evidence: res.Evidence,
	}
	f.Resource = res.Resource
	if o := res.Object; o != nil {
		f.Resource = o.Resource()
		if o.OwnedPods > 0 {
			// Live workloads: say how many running pods the finding concerns.
			ev := make(map[string]any, len(f.Evidence)+1)
			for k, v := range f.Evidence {
				ev[k] = v
			}
			ev["pods"] = o.OwnedPods
			f.Evidence = ev
		}
		f.Location = o.Location(res.Field)
		if res.Field != "" && len(o.Source.Doc) > 0 {
			idx, ok := indexes[o]
			if !ok {
				idx = inventory.NewPositionIndex(&o.Source)
				indexes[o] = idx
			}
			if l := idx.Line(res.Field); l > 0 {
				f.Location.Line = l
			}
		}
	}
	return f
}

// RunCluster runs the checks that probe a live cluster.
func (r *Registry) RunCluster(ctx context.Context, c *Context, cfg *rest.Config) []finding.Finding {
	var out []finding.Finding
	for _, ch := range r.checks {
		cc, ok := ch.(ClusterCheck)
		if !ok {
			continue
		}
		m := cc.Meta()
		var results []pending
		cc.CheckCluster(ctx, c, cfg, func(res Result) { results = append(results, pending{meta: &m, res: res}) })
		out = append(out, resolve(results)...)
	}
	return out
}
