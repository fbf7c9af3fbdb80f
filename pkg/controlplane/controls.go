package controlplane

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// Control is one configuration check: a CIS Kubernetes Benchmark control
// (its ID in Controls, "CIS 1.2.1") under a readable check ID, or one of
// rampart's own reviews of audit and encryption configuration. It judges
// every instance of its component in the inventory.
type Control struct {
	meta check.Meta
	// kind is the component the control reads; "" for controls that read
	// the model as a whole (files, encryption, audit policies).
	kind Kind
	// review: the benchmark has no condition to test (CIS Manual with a
	// judgement call): every instance gets an info finding to review.
	review bool
	eval   func(r *reporter, c *Component)
	all    func(r *reporter, m *Model)
}

// Meta implements check.Check.
func (ct *Control) Meta() check.Meta { return ct.meta }

// Component is the component the control judges ("" for files, audit
// policies and encryption configurations).
func (ct *Control) Component() Kind { return ct.kind }

// ModelOf returns the model of the context's inventory, built once per
// scan however many controls ask.
func ModelOf(ctx *check.Context) *Model {
	return ctx.Shared("controlplane.model", func() any { return Build(ctx.Inventory) }).(*Model)
}

// CheckInventory implements check.InventoryCheck. An absent component is
// reported as skipped when the input is a machine's (rampart node), so
// that nothing about it silently passes; a scan of files judges what it
// holds.
func (ct *Control) CheckInventory(ctx *check.Context, report func(check.Result)) {
	m := ModelOf(ctx)
	if m.Empty() {
		return
	}
	r := &reporter{ctl: ct, ctx: ctx, report: report}
	if ct.all != nil {
		ct.all(r, m)
		return
	}
	comps := m.Of(ct.kind)
	if len(comps) == 0 {
		if m.Host != nil {
			r.skip(string(ct.kind), "not on this machine (no running process, no static pod manifest)")
		}
		return
	}
	for _, c := range comps {
		ct.eval(r, c)
	}
}

// reporter turns a control's verdicts into results and skips.
type reporter struct {
	ctl    *Control
	ctx    *check.Context
	report func(check.Result)
}

func (r *reporter) skip(resource, reason string) {
	r.ctx.Skip(r.ctl.meta.ID, resource, reason)
}

// known skips a value that cannot be known, and says whether it is known.
func (r *reporter) known(c *Component, vs ...Value) bool {
	for _, v := range vs {
		if v.Unknown != "" {
			r.skip(c.Name(), v.Unknown)
			return false
		}
	}
	return true
}

// fail reports a setting of a component. sev 0 keeps the check's default.
func (r *reporter) fail(c *Component, v Value, sev finding.Severity, msg string, extra map[string]any) {
	ev := map[string]any{"component": string(c.Kind)}
	if v.Setting != "" {
		ev["setting"] = v.Setting
		ev["value"] = v.Raw
		ev["source"] = v.Source
	}
	if c.Process != nil {
		ev["pid"] = c.Process.PID
	}
	if c.Container != nil {
		ev["manifest"] = c.Object.Source.File
		ev["container"] = c.Container.C.Name
	}
	if v.Note != "" {
		ev["note"] = v.Note
	}
	for k, x := range extra {
		ev[k] = x
	}
	obj, field := v.Object, v.Field
	if obj == nil {
		obj, field = c.Object, c.flagField(-1, strings.TrimPrefix(v.Setting, "--"))
	}
	r.result(obj, field, sev, c.Name()+": "+msg, ev)
}

// result reports about any object; objects without a name (configuration
// files have none) are named by their file.
func (r *reporter) result(obj *inventory.Object, field string, sev finding.Severity, msg string, ev map[string]any) {
	if obj != nil && obj.Name == "" && obj.Source.File != "" {
		named := *obj
		named.Name = obj.Source.File
		obj = &named
	}
	r.report(check.Result{Object: obj, Field: field, Severity: sev, Message: msg, Evidence: ev})
}

// describe renders a value for messages: "--profiling is true (default)".
func describe(v Value) string {
	val := v.Raw
	if val == "" {
		val = `""`
	}
	if v.Source == "not set" {
		return v.Setting + " is not set"
	}
	return fmt.Sprintf("%s is %s (%s)", v.Setting, val, v.Source)
}

// Checks returns every configuration control, for the registry.
func Checks() []check.Check {
	var out []check.Check
	for _, group := range [][]*Control{apiServerControls(), otherControls(), kubeletControls(), fileControls(), auditControls(), encryptionControls()} {
		for _, c := range group {
			out = append(out, c)
		}
	}
	return out
}

// cisControl fills in what every CIS control shares.
func cisControl(id, cis string, kind Kind, sev finding.Severity, title, why, remediation string, manual bool, eval func(r *reporter, c *Component)) *Control {
	if manual {
		why += " (The benchmark marks this control Manual; rampart judges the condition it names.)"
	}
	return &Control{kind: kind, eval: eval, meta: check.Meta{
		ID: id, Title: title, Severity: sev, Category: finding.CategoryCluster, Why: why, Remediation: remediation,
		Controls: []string{"CIS " + cis}, Kinds: kindsFor(kind),
	}}
}

// reviewControl is a CIS control with no testable condition: each
// instance gets an info finding that says what to review.
func reviewControl(id, cis string, kind Kind, title, why, remediation string, msg func(c *Component) (Value, string)) *Control {
	ct := cisControl(id, cis, kind, finding.SeverityInfo, title, why+" (The benchmark marks this control Manual with no condition to test: rampart reports it for review, never as passed.)", remediation, false, nil)
	ct.review = true
	ct.eval = func(r *reporter, c *Component) {
		v, m := msg(c)
		if !r.known(c, v) {
			return
		}
		r.fail(c, v, 0, "review: "+m, nil)
	}
	return ct
}

func kindsFor(k Kind) []string {
	switch k {
	case "":
		return nil
	case Kubelet:
		return []string{"Process kubelet (rampart node)", "KubeletConfiguration"}
	}
	return []string{fmt.Sprintf("Pod or workload running %s", k), fmt.Sprintf("Process %s (rampart node)", k)}
}

// hasItem reports whether a list holds s, comparing as the components do.
func hasItem(list []string, s string) bool { return slices.Contains(list, s) }
