// Package check defines what a check is (its metadata and how it runs),
// the registry that holds them, and the runner that applies them to an
// inventory in parallel and turns their results into findings.
package check

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/vuln"
	"k8s.io/client-go/rest"
)

// Meta describes a check; docs/checks.md and `rampart checks` are generated from it.
type Meta struct {
	ID          string
	Title       string
	Severity    finding.Severity // default; a result may raise or lower it
	Category    finding.Category
	Why         string // one line: why it matters
	Remediation string
	Controls    []string // CIS Kubernetes Benchmark, PSS level, ...
	// Kinds lists the kinds the check looks at, for documentation.
	Kinds []string
}

// Context is what a check may read.
type Context struct {
	Inventory *inventory.Inventory
	Config    *config.Config
	// Vuln is the Kubernetes CVE and end-of-life data.
	Vuln *vuln.DB
	// Live is set when the inventory was read from a cluster rather than
	// from manifests.
	Live bool

	mu      sync.Mutex
	skipped []finding.Skipped
	shared  map[string]*sharedValue
}

type sharedValue struct {
	once sync.Once
	v    any
}

// Shared returns the value fn computes for key, computing it once per
// context however many checks ask, concurrently or not: an analysis that
// several checks read (the RBAC model, say) is built once per scan.
func (c *Context) Shared(key string, fn func() any) any {
	c.mu.Lock()
	if c.shared == nil {
		c.shared = map[string]*sharedValue{}
	}
	sv := c.shared[key]
	if sv == nil {
		sv = &sharedValue{}
		c.shared[key] = sv
	}
	c.mu.Unlock()
	sv.once.Do(func() { sv.v = fn() })
	return sv.v
}

// Skip records that a check could not be evaluated, and why: it is
// reported as skipped, never as a pass.
func (c *Context) Skip(checkID, resource, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skipped = append(c.skipped, finding.Skipped{CheckID: checkID, Resource: resource, Reason: reason})
}

// SkipAt records, like Skip, a check that could not be evaluated, with
// where the undecidable setting is written.
func (c *Context) SkipAt(checkID, resource, reason string, loc finding.Location) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skipped = append(c.skipped, finding.Skipped{CheckID: checkID, Resource: resource, Reason: reason, Location: &loc})
}

// Skipped returns what checks could not evaluate.
func (c *Context) Skipped() []finding.Skipped {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.skipped)
}

// Result is one problem a check found.
type Result struct {
	// Object is what the finding is about; for findings about the cluster
	// itself (its API server, say) it is nil and Resource names the target.
	Object   *inventory.Object
	Resource finding.Resource
	Field    string // field path inside the object
	Message  string
	// Severity overrides the check's default when set.
	Severity finding.Severity
	Evidence map[string]any
	// Location places a finding that is not about an object (a Terraform
	// attribute, a Dockerfile instruction); it wins over Object's.
	Location *finding.Location
}

// Check is implemented by every check. Checks never print and never reach
// back into sources: they read the context and report.
type Check interface {
	Meta() Meta
}

// ObjectCheck looks at one object at a time; the runner calls it for every
// object, in parallel.
type ObjectCheck interface {
	Check
	CheckObject(ctx *Context, obj *inventory.Object, report func(Result))
}

// ClusterCheck asks a live cluster directly (its API server's answers to
// probes), beyond what the inventory holds. It runs only in live scans and
// must only read.
type ClusterCheck interface {
	Check
	CheckCluster(ctx context.Context, c *Context, cfg *rest.Config, report func(Result))
}

// CommandCheck is a check whose findings come from an area command that
// probes something a scan does not read (etcd's ports and stored values,
// for `rampart etcd`). Scans never run it; it is registered so that
// `rampart checks`, docs/checks.md and suppressions know it.
type CommandCheck interface {
	Check
	// Command is the command line that reports it, e.g. "rampart etcd probe".
	Command() string
}

// InventoryCheck looks at the inventory as a whole (for example to report a
// kind once, or to compare objects). Inventory checks run concurrently with
// each other and with object checks: they must only read the inventory
// (and what is safe for concurrent use, such as PodTemplate.Memo and
// Context.Shared).
type InventoryCheck interface {
	Check
	CheckInventory(ctx *Context, report func(Result))
}

// Lengthy is implemented by inventory checks that analyse the whole
// cluster at length (an escalation graph, say). A run starts them before
// the other inventory checks: the longest chain of work should not be the
// last to get a core.
type Lengthy interface {
	Lengthy() bool
}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$`)

// Registry holds checks by ID.
type Registry struct {
	checks []Check
	byID   map[string]Check
}

// NewRegistry builds a registry and validates every check's metadata, so
// that a check with no title, remediation or severity cannot ship.
func NewRegistry(checks ...Check) (*Registry, error) {
	r := &Registry{byID: map[string]Check{}}
	for _, c := range checks {
		if err := validate(c.Meta()); err != nil {
			return nil, err
		}
		m := c.Meta()
		if _, dup := r.byID[m.ID]; dup {
			return nil, fmt.Errorf("check %s registered twice", m.ID)
		}
		switch c.(type) {
		case ObjectCheck, InventoryCheck, ClusterCheck, CommandCheck:
		default:
			return nil, fmt.Errorf("check %s implements none of ObjectCheck, InventoryCheck, ClusterCheck, CommandCheck", m.ID)
		}
		r.byID[m.ID] = c
		r.checks = append(r.checks, c)
	}
	slices.SortFunc(r.checks, func(a, b Check) int { return strings.Compare(a.Meta().ID, b.Meta().ID) })
	return r, nil
}

func validate(m Meta) error {
	switch {
	case !idPattern.MatchString(m.ID):
		return fmt.Errorf("check ID %q is not a lower-case area/name slug", m.ID)
	case m.Title == "" || m.Why == "" || m.Remediation == "":
		return fmt.Errorf("check %s needs a title, a why and a remediation", m.ID)
	case m.Severity < finding.SeverityInfo || m.Severity > finding.SeverityCritical:
		return fmt.Errorf("check %s has no valid severity", m.ID)
	case !slices.Contains([]finding.Category{finding.CategoryCloud, finding.CategoryCluster, finding.CategoryContainer, finding.CategoryCode}, m.Category):
		return fmt.Errorf("check %s has category %q, not one of the four layers", m.ID, m.Category)
	}
	return nil
}

// Checks returns all checks ordered by ID.
func (r *Registry) Checks() []Check { return r.checks }

// Get returns the check with that ID.
func (r *Registry) Get(id string) (Check, bool) {
	c, ok := r.byID[id]
	return c, ok
}

// Func is an ObjectCheck made of its metadata and a function; most checks
// are one.
type Func struct {
	M  Meta
	Fn func(ctx *Context, obj *inventory.Object, report func(Result))
	// ReadsInventory says that Fn looks up other objects in ctx.Inventory
	// (see InventoryReader); without it, Fn must read only the object.
	ReadsInventory bool
}

func (f *Func) Meta() Meta { return f.M }

// NeedsInventory implements InventoryReader.
func (f *Func) NeedsInventory() bool { return f.ReadsInventory }

func (f *Func) CheckObject(ctx *Context, obj *inventory.Object, report func(Result)) {
	f.Fn(ctx, obj, report)
}

// WorkloadKinds are the kinds that run pods, for check documentation.
var WorkloadKinds = []string{"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}
