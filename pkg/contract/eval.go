package contract

import (
	"fmt"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/rbac"
)

// Result is the verdict on one assertion.
type Result struct {
	Contract  *Contract
	Assertion *Assertion
	Passed    bool
	// Error is set when the assertion could not be evaluated (a bad
	// subject or resource): neither a pass nor a fail.
	Error string
	// Evidence explains the verdict, one line each: the grants or paths
	// that break a "cannot", the requests no binding allows for a "can".
	Evidence []string
	// Warnings are about the question itself (an unknown resource).
	Warnings []string
}

// Evaluate checks every assertion of a contract against a model.
func Evaluate(c *Contract, m *rbac.Model) []Result {
	out := make([]Result, 0, len(c.RBAC))
	for _, a := range c.RBAC {
		out = append(out, evaluate(c, a, m))
	}
	return out
}

func evaluate(c *Contract, a *Assertion, m *rbac.Model) Result {
	r := Result{Contract: c, Assertion: a, Passed: true}
	who, err := rbac.ParseSubject(a.Subject, a.Groups...)
	if err != nil {
		return Result{Contract: c, Assertion: a, Error: err.Error()}
	}
	acc := a.Access()
	want := a.Can != nil
	for _, verb := range acc.AllVerbs() {
		for _, res := range acc.AllResources() {
			act, warning, err := m.Catalog.Action(verb, res, acc.Namespace, acc.Name)
			if err != nil {
				return Result{Contract: c, Assertion: a, Error: err.Error()}
			}
			if warning != "" {
				r.Warnings = append(r.Warnings, warning)
			}
			allowed, evidence := decide(m, a, who, act)
			if allowed == want {
				continue
			}
			r.Passed = false
			if want {
				how := "directly"
				if a.Transitive {
					how = "directly or by any escalation path"
				}
				r.Evidence = append(r.Evidence, fmt.Sprintf("%s may not %s, %s", a.Subject, act, how))
			} else {
				r.Evidence = append(r.Evidence, fmt.Sprintf("%s may %s: %s", a.Subject, act, evidence))
			}
		}
	}
	return r
}

// decide answers one request, with the evidence of a yes.
func decide(m *rbac.Model, a *Assertion, who rbac.Principal, act rbac.Action) (bool, string) {
	d := m.Policy.Decide(who, act)
	if d.Masters {
		return true, "member of system:masters"
	}
	if d.Allowed {
		var grants []string
		for _, g := range d.Grants {
			grants = append(grants, rbac.GrantString(g))
		}
		return true, "through " + strings.Join(grants, "; ")
	}
	if !a.Transitive {
		return false, ""
	}
	g := m.Graph()
	tr := g.CanTransitively(g.IdentityNode(a.Subject, who), act)
	if !tr.Allowed {
		return false, ""
	}
	var steps []string
	for _, e := range tr.Path {
		step := e.From.String() + " → " + e.To.String() + " (" + e.How + ")"
		if len(e.Evidence) > 0 {
			step += " by " + rbac.GrantString(e.Evidence[0])
		}
		steps = append(steps, step)
	}
	var grants []string
	for _, gr := range tr.Evidence {
		grants = append(grants, rbac.GrantString(gr))
	}
	return true, fmt.Sprintf("by escalation: %s; then %s may, through %s", strings.Join(steps, "; "), tr.Holder, strings.Join(grants, "; "))
}
