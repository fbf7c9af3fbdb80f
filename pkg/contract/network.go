package contract

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/netpol"
)

// NetworkResult is the verdict on one connection assertion.
type NetworkResult struct {
	Contract   *Contract
	Connection *Connection
	Passed     bool
	// Error is set when the assertion could not be evaluated.
	Error    string
	Evidence []string
}

// EvaluateNetwork checks every connection assertion of a contract.
func EvaluateNetwork(c *Contract, m *netpol.Model) []NetworkResult {
	out := make([]NetworkResult, 0, len(c.Network))
	for _, n := range c.Network {
		out = append(out, evaluateConnection(c, n, m))
	}
	return out
}

func evaluateConnection(c *Contract, n *Connection, m *netpol.Model) NetworkResult {
	r := NetworkResult{Contract: c, Connection: n, Passed: true}
	fail := func(err error) NetworkResult { return NetworkResult{Contract: c, Connection: n, Error: err.Error()} }
	from, err := m.Select(n.From)
	if err != nil {
		return fail(err)
	}
	to, err := m.Select(n.To)
	if err != nil {
		return fail(err)
	}
	port, proto := 0, netpol.TCP
	if n.Port != "" {
		num, p, _ := strings.Cut(n.Port, "/")
		if p != "" {
			proto = netpol.Protocol(strings.ToUpper(p))
		}
		port, err = strconv.Atoi(num)
		if err != nil || port < 1 || port > 65535 || (proto != netpol.TCP && proto != netpol.UDP && proto != netpol.SCTP) {
			return fail(fmt.Errorf("port %q: want PORT[/TCP|UDP|SCTP]", n.Port))
		}
	}
	want := n.Expect == "allow"
	for _, a := range from {
		for _, b := range to {
			if a.Workload == nil && b.Workload == nil {
				return fail(fmt.Errorf("%s → %s: one end must be a workload", a, b))
			}
			if a.Workload != nil && a.Workload == b.Workload {
				continue // a workload's own pods; the pair says nothing about separation
			}
			e := m.Explain(a, b, proto, port)
			allowed := e.Allowed
			if port == 0 {
				allowed = !e.Conns.Empty()
			}
			if allowed == want {
				continue
			}
			r.Passed = false
			r.Evidence = append(r.Evidence, explainLine(e, port))
		}
	}
	return r
}

// explainLine says in one line why a connection is allowed or not: per
// side, the AdminNetworkPolicy rules that took in the other end, then the
// NetworkPolicies (or that none selects the workload), then the
// BaselineAdminNetworkPolicy rules that decided.
func explainLine(e netpol.Explanation, port int) string {
	what := fmt.Sprintf("%s → %s", e.From, e.To)
	if port != 0 {
		what += fmt.Sprintf(" on %s %d", e.Protocol, port)
	}
	admin := func(list []netpol.AdminConns) []string {
		var out []string
		for _, a := range list {
			out = append(out, fmt.Sprintf("%s %s (%s)", a.Rule, a.Rule.Effective(), a.Conns))
		}
		return out
	}
	var sides []string
	for _, s := range []*netpol.Side{e.Egress, e.Ingress} {
		if s == nil {
			continue
		}
		var parts []string
		if s.Note == "" {
			parts = admin(s.Admin)
		}
		switch {
		case s.Note != "":
			parts = append(parts, s.Note)
		case !s.Isolated:
			parts = append(parts, "no NetworkPolicy selects it")
		case len(s.Rules) == 0:
			var ps []string
			for _, p := range s.Selecting {
				ps = append(ps, p.Ref())
			}
			parts = append(parts, "isolated by "+strings.Join(ps, ", ")+", no rule takes in the other end")
		default:
			var rs []string
			for _, rc := range s.Rules {
				rs = append(rs, rc.Rule.Policy.Ref()+" "+rc.Rule.Field()+" ("+rc.Conns.String()+")")
			}
			parts = append(parts, "allowed by "+strings.Join(rs, ", "))
		}
		parts = append(parts, admin(s.Baseline)...)
		sides = append(sides, strings.ToLower(string(s.Direction))+" of "+s.Workload.Ref()+": "+strings.Join(parts, "; "))
	}
	verdict := "denied"
	if (port != 0 && e.Allowed) || (port == 0 && !e.Conns.Empty()) {
		verdict = "allowed (" + e.Conns.String() + ")"
	}
	return what + " is " + verdict + ": " + strings.Join(sides, "; ")
}
