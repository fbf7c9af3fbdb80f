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
	return r.Stream(ctx).Finish(ctx.Inventory)
}

// objectChecks are object checks with their metadata, built once per run
// rather than once per object.
type objectChecks struct {
	checks []ObjectCheck
	metas  []*Meta
}

func (oc *objectChecks) add(c ObjectCheck) {
	m := c.Meta()
	oc.checks = append(oc.checks, c)
	oc.metas = append(oc.metas, &m)
}

// collector gathers the results of the checks on one object. Each worker
// has one and reuses it, with its report function, from object to object:
// a closure per check and object would be an allocation each.
type collector struct {
	obj     *inventory.Object
	meta    *Meta
	results []pending
	report  func(Result)
}

func newCollector() *collector {
	c := &collector{}
	c.report = func(res Result) {
		if res.Object == nil {
			res.Object = c.obj
		}
		c.results = append(c.results, pending{meta: c.meta, res: res})
	}
	return c
}

// run applies the checks to one object. With pods, findings about objects
// that own pods say how many (OwnedPods must be final then).
func (oc *objectChecks) run(ctx *Context, obj *inventory.Object, col *collector, pods bool) []finding.Finding {
	col.obj, col.results = obj, col.results[:0]
	for ci, c := range oc.checks {
		col.meta = oc.metas[ci]
		c.CheckObject(ctx, obj, col.report)
	}
	return resolve(col.results, pods)
}

// Stream runs the object checks on objects while a source is still
// reading the rest: a live scan spends most of its time waiting for list
// pages, and the checks use that time. Add hands objects over as they
// arrive; Finish completes the run on the finished inventory and returns
// the same findings Run would.
//
// Checks that look up other objects (InventoryReader) and inventory checks
// wait for Finish; so do objects that were never added. Objects added but
// left out of the final inventory (a source may drop some at the end)
// contribute no findings. A source may still count pods on added objects
// (OwnedPods) until Finish: the streamed checks never read it, and Finish
// adds the pod counts to their findings.
type Stream struct {
	reg   *Registry
	ctx   *Context
	early objectChecks // checks that read only the object
	late  objectChecks // InventoryReader checks
	all   objectChecks // every object check, in registry order
	inv   []InventoryCheck

	mu      sync.Mutex
	wake    *sync.Cond
	queue   [][]*inventory.Object
	closed  bool
	checked []checkedObject
	wg      sync.WaitGroup
}

type checkedObject struct {
	obj      *inventory.Object
	findings []finding.Finding
	// about is the object of each finding, when not all are about obj.
	about []*inventory.Object
}

// InventoryReader is implemented by object checks that look up other
// objects in Context.Inventory (a workload's ServiceAccount, say). A Stream
// runs them only in Finish, when the inventory is complete; the other
// object checks must not read Context.Inventory (in a streaming run it is
// nil until Finish).
type InventoryReader interface {
	NeedsInventory() bool
}

// Stream starts a streaming run: one worker per core waits for objects.
// ctx.Inventory is set by Finish.
func (r *Registry) Stream(ctx *Context) *Stream {
	if ctx.Config == nil {
		ctx.Config = config.Default()
	}
	s := &Stream{reg: r, ctx: ctx}
	s.wake = sync.NewCond(&s.mu)
	for _, c := range r.checks {
		switch c := c.(type) {
		case ObjectCheck:
			s.all.add(c)
			if ir, ok := c.(InventoryReader); ok && ir.NeedsInventory() {
				s.late.add(c)
			} else {
				s.early.add(c)
			}
		case InventoryCheck:
			s.inv = append(s.inv, c)
		}
	}
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		s.wg.Add(1)
		go s.work()
	}
	return s
}

// Add queues objects for the checks that read only the object. It never
// blocks on the checks: a source keeps reading at its own pace. Objects
// must not change afterwards, except their OwnedPods; each object is added
// at most once. Add is safe for concurrent use, but not after Finish.
func (s *Stream) Add(objs []*inventory.Object) {
	if len(objs) == 0 {
		return
	}
	s.mu.Lock()
	s.queue = append(s.queue, objs)
	s.mu.Unlock()
	s.wake.Signal()
}

func (s *Stream) work() {
	defer s.wg.Done()
	col := newCollector()
	var out []checkedObject
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.wake.Wait()
		}
		if len(s.queue) == 0 {
			s.checked = append(s.checked, out...)
			s.mu.Unlock()
			return
		}
		batch := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.mu.Unlock()
		for _, obj := range batch {
			co := checkedObject{obj: obj, findings: s.early.run(s.ctx, obj, col, false)}
			for _, p := range col.results {
				if p.res.Object != obj {
					co.about = make([]*inventory.Object, len(col.results))
					for k, p := range col.results {
						co.about[k] = p.res.Object
					}
					break
				}
			}
			out = append(out, co)
		}
	}
}

// Finish waits for the queued objects, then runs the checks that needed
// the whole inventory, and every check on the inventory's objects that
// were not added, and returns all findings: object by object in inventory
// order, then the inventory checks' in registry order. The inventory
// checks run concurrently with each other and with the object checks.
func (s *Stream) Finish(inv *inventory.Inventory) []finding.Finding {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wake.Broadcast()
	s.wg.Wait()

	s.ctx.Inventory = inv
	ctx := s.ctx
	objs := inv.Objects()
	// Every pod template is made before checks run concurrently on an
	// object (see Object.PodTemplate).
	for _, o := range objs {
		o.PodTemplate()
	}
	// The inventory checks run meanwhile, on as many workers as cores, the
	// lengthy ones first: started all at once, the longest would share
	// the cores with every other check until they were done.
	invFound := make([][]finding.Finding, len(s.inv))
	invOrder := make(chan int, len(s.inv))
	for _, lengthy := range []bool{true, false} {
		for i, c := range s.inv {
			if l, ok := c.(Lengthy); (ok && l.Lengthy()) == lengthy {
				invOrder <- i
			}
		}
	}
	close(invOrder)
	var invWG sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(s.inv)); w++ {
		invWG.Add(1)
		go func() {
			defer invWG.Done()
			for i := range invOrder {
				c := s.inv[i]
				m := c.Meta()
				var results []pending
				c.CheckInventory(ctx, func(res Result) { results = append(results, pending{meta: &m, res: res}) })
				invFound[i] = resolve(results, true)
			}
		}()
	}
	var streamed map[*inventory.Object]*checkedObject
	if len(s.checked) > 0 {
		streamed = make(map[*inventory.Object]*checkedObject, len(s.checked))
		for i := range s.checked {
			streamed[s.checked[i].obj] = &s.checked[i]
		}
	}
	// An object's findings: the streamed checks', then the others'.
	perObject := make([][]finding.Finding, len(objs))
	later := make([][]finding.Finding, len(objs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			col := newCollector()
			for i := range next {
				obj := objs[i]
				co := streamed[obj]
				if co == nil {
					perObject[i] = s.all.run(ctx, obj, col, true)
					continue
				}
				fs := co.findings
				for j := range fs {
					about := obj
					if co.about != nil {
						about = co.about[j]
					}
					if about.OwnedPods > 0 {
						setPods(&fs[j], about.OwnedPods)
					}
				}
				perObject[i] = fs
				later[i] = s.late.run(ctx, obj, col, true)
			}
		}()
	}
	for i := range objs {
		next <- i
	}
	close(next)
	wg.Wait()
	s.checked = nil

	invWG.Wait()

	total := 0
	for i := range perObject {
		total += len(perObject[i]) + len(later[i])
	}
	for _, f := range invFound {
		total += len(f)
	}
	out := make([]finding.Finding, 0, total)
	for i := range perObject {
		out = append(out, perObject[i]...)
		out = append(out, later[i]...)
		perObject[i], later[i] = nil, nil
	}
	for _, f := range invFound {
		out = append(out, f...)
	}
	return out
}

type pending struct {
	meta *Meta
	res  Result
}

// resolve turns results into findings and looks up each field's line,
// parsing each source document once and only when it has findings. With
// pods, findings about objects that own pods say how many.
func resolve(results []pending, pods bool) []finding.Finding {
	if len(results) == 0 {
		return nil
	}
	out := make([]finding.Finding, 0, len(results))
	var indexes map[*inventory.Object]*inventory.PositionIndex
	for _, p := range results {
		out = append(out, toFinding(p, &indexes, pods))
	}
	for _, idx := range indexes {
		idx.Release()
	}
	return out
}

func toFinding(p pending, indexes *map[*inventory.Object]*inventory.PositionIndex, pods bool) finding.Finding {
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
		if pods && o.OwnedPods > 0 {
			setPods(&f, o.OwnedPods)
		}
		f.Location = o.Location(res.Field)
		if res.Field != "" && len(o.Source.Doc) > 0 {
			idx, ok := (*indexes)[o]
			if !ok {
				if *indexes == nil {
					*indexes = map[*inventory.Object]*inventory.PositionIndex{}
				}
				idx = inventory.NewPositionIndex(&o.Source)
				(*indexes)[o] = idx
			}
			if l := idx.Line(res.Field); l > 0 {
				f.Location.Line = l
			}
		}
	}
	if res.Location != nil {
		f.Location = *res.Location
	}
	return f
}

// setPods says in a live workload's finding how many running pods it
// concerns (evidence "pods"). The evidence map is copied: checks may share
// one between findings.
func setPods(f *finding.Finding, pods int) {
	ev := make(map[string]any, len(f.Evidence)+1)
	for k, v := range f.Evidence {
		ev[k] = v
	}
	ev["pods"] = pods
	f.Evidence = ev
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
		out = append(out, resolve(results, true)...)
	}
	return out
}
