package controlplane

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// AuditRequest is a synthetic request an audit policy is asked about.
type AuditRequest struct {
	User        string
	Groups      []string
	Verb        string
	Group       string // API group of a resource request
	Resource    string
	Subresource string
	Namespace   string
	Name        string
	// Path makes it a non-resource request (/healthz).
	Path string
}

// String describes the request the way people say it.
func (q AuditRequest) String() string {
	if q.Path != "" {
		return fmt.Sprintf("%s %s by %s", q.Verb, q.Path, q.User)
	}
	res := q.Resource
	if q.Subresource != "" {
		res += "/" + q.Subresource
	}
	if q.Group != "" {
		res += "." + q.Group
	}
	where := ""
	if q.Namespace != "" {
		where = " in " + q.Namespace
	}
	return fmt.Sprintf("%s %s%s by %s", q.Verb, res, where, q.User)
}

// AuditDecision is what a policy decides for a request: the level of the
// first rule that matches (None when none does) and the stages omitted.
type AuditDecision struct {
	Level auditv1.Level
	// Rule is the index of the matching rule, -1 when none matched.
	Rule       int
	OmitStages []auditv1.Stage
}

// EvaluateAudit decides a request's audit level as the API server does
// (k8s.io/apiserver/pkg/audit/policy): rules are tried in order and the
// first that matches wins; its omitted stages are the union of its own
// and the policy's.
func EvaluateAudit(p *auditv1.Policy, q AuditRequest) AuditDecision {
	for i := range p.Rules {
		r := &p.Rules[i]
		if auditRuleMatches(r, q) {
			stages := slices.Clone(p.OmitStages)
			for _, s := range r.OmitStages {
				if !slices.Contains(stages, s) {
					stages = append(stages, s)
				}
			}
			return AuditDecision{Level: r.Level, Rule: i, OmitStages: stages}
		}
	}
	return AuditDecision{Level: auditv1.LevelNone, Rule: -1, OmitStages: p.OmitStages}
}

func auditRuleMatches(r *auditv1.PolicyRule, q AuditRequest) bool {
	if len(r.Users) > 0 && !slices.Contains(r.Users, q.User) {
		return false
	}
	if len(r.UserGroups) > 0 && !slices.ContainsFunc(q.Groups, func(g string) bool { return slices.Contains(r.UserGroups, g) }) {
		return false
	}
	if len(r.Verbs) > 0 && !slices.Contains(r.Verbs, q.Verb) {
		return false
	}
	if len(r.Namespaces) > 0 || len(r.Resources) > 0 {
		if q.Path != "" {
			return false
		}
		if len(r.Namespaces) > 0 && !slices.Contains(r.Namespaces, q.Namespace) {
			return false
		}
		if len(r.Resources) == 0 {
			return true
		}
		combined := q.Resource
		if q.Subresource != "" {
			combined += "/" + q.Subresource
		}
		for _, gr := range r.Resources {
			if gr.Group != q.Group && gr.Group != "*" {
				continue
			}
			if len(gr.Resources) == 0 {
				return true
			}
			for _, res := range gr.Resources {
				if len(gr.ResourceNames) > 0 && !slices.Contains(gr.ResourceNames, q.Name) {
					continue
				}
				switch {
				case res == combined || res == "*":
					return true
				case q.Subresource != "" && strings.HasPrefix(res, "*/") && q.Subresource == strings.TrimPrefix(res, "*/"):
					return true
				case strings.HasSuffix(res, "/*") && q.Resource == strings.TrimSuffix(res, "/*"):
					return true
				}
			}
		}
		return false
	}
	if len(r.NonResourceURLs) > 0 {
		if q.Path == "" {
			return false
		}
		for _, spec := range r.NonResourceURLs {
			if spec == "*" || spec == q.Path || strings.HasSuffix(spec, "*") && strings.HasPrefix(q.Path, strings.TrimRight(spec, "*")) {
				return true
			}
		}
		return false
	}
	return true
}

// logged reports whether a decision writes an event for the request:
// a level above None and a stage of the request's that is not omitted.
func (d AuditDecision) logged(verb string) bool {
	if d.Level == auditv1.LevelNone || d.Level == "" {
		return false
	}
	stages := []auditv1.Stage{auditv1.StageRequestReceived, auditv1.StageResponseComplete}
	if verb == "watch" {
		stages = append(stages, auditv1.StageResponseStarted)
	}
	for _, s := range stages {
		if !slices.Contains(d.OmitStages, s) {
			return true
		}
	}
	return false
}

// The synthetic users of the simulation: a person, and a workload's
// service account.
var (
	auditUser = AuditRequest{User: "alice", Groups: []string{"system:authenticated"}}
	auditSA   = AuditRequest{User: "system:serviceaccount:default:app", Groups: []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}}
)

func requestsFor(verbs []string, group, resource, sub string, namespaces []string) []AuditRequest {
	var out []AuditRequest
	for _, who := range []AuditRequest{auditUser, auditSA} {
		for _, ns := range namespaces {
			for _, verb := range verbs {
				q := who
				q.Verb, q.Group, q.Resource, q.Subresource, q.Namespace = verb, group, resource, sub, ns
				if verb != "list" && verb != "watch" && verb != "create" {
					q.Name = "example"
				}
				out = append(out, q)
			}
		}
	}
	return out
}

var (
	readVerbs  = []string{"get", "list", "watch"}
	writeVerbs = []string{"create", "update", "patch", "delete"}
	allVerbs   = append(slices.Clone(readVerbs), writeVerbs...)
	someNS     = []string{"default", "kube-system"}
)

// auditLeak is a sensitive resource that must not be logged with bodies.
type auditLeak struct {
	what     string
	requests []AuditRequest
}

func auditLeaks() []auditLeak {
	return []auditLeak{
		{"Secrets", requestsFor(allVerbs, "", "secrets", "", someNS)},
		{"ConfigMaps", requestsFor(allVerbs, "", "configmaps", "", someNS)},
		{"TokenReviews", requestsFor([]string{"create"}, "authentication.k8s.io", "tokenreviews", "", []string{""})},
	}
}

// bodyExposed says whether a level writes the objects' content for a
// verb: request bodies (Request and above) carry what is written;
// response bodies (RequestResponse) what is read.
func bodyExposed(level auditv1.Level, verb string) bool {
	switch level {
	case auditv1.LevelRequestResponse:
		return true
	case auditv1.LevelRequest:
		return verb == "create" || verb == "update" || verb == "patch"
	}
	return false
}

// auditGap is a kind of request a policy must log.
type auditGap struct {
	what     string
	requests []AuditRequest
}

func auditGaps() []auditGap {
	rbac := func() []AuditRequest {
		var out []AuditRequest
		for _, res := range []string{"roles", "rolebindings"} {
			out = append(out, requestsFor(writeVerbs, "rbac.authorization.k8s.io", res, "", someNS)...)
		}
		for _, res := range []string{"clusterroles", "clusterrolebindings"} {
			out = append(out, requestsFor(writeVerbs, "rbac.authorization.k8s.io", res, "", []string{""})...)
		}
		return out
	}
	// kubectl exec, attach and port-forward connect with POST (create) or,
	// over websockets since Kubernetes 1.30, GET (get).
	connect := []string{"create", "get"}
	return []auditGap{
		{"exec into pods", requestsFor(connect, "", "pods", "exec", someNS)},
		{"attach to pods", requestsFor(connect, "", "pods", "attach", someNS)},
		{"port-forward to pods", requestsFor(connect, "", "pods", "portforward", someNS)},
		{"RBAC changes", rbac()},
		{"changes to pods and deployments", append(requestsFor(writeVerbs, "", "pods", "", someNS), requestsFor(writeVerbs, "apps", "deployments", "", someNS)...)},
		{"requests no rule names (no catch-all rule)", append(requestsFor([]string{"create", "delete"}, "example.com", "widgets", "", someNS),
			requestsFor([]string{"delete"}, "", "persistentvolumes", "", []string{""})...)},
	}
}

func auditControls() []*Control {
	disabled := cisControl("audit/disabled", "1.2.16", APIServer, finding.SeverityHigh, "API server audit logging off",
		"Without an audit policy and a backend (log file or webhook), nothing records who did what in the cluster.",
		"set --audit-policy-file and --audit-log-path (or --audit-webhook-config-file)", false,
		func(r *reporter, c *Component) {
			policy, path, hook := c.Flag("audit-policy-file", ""), c.Flag("audit-log-path", ""), c.Flag("audit-webhook-config-file", "")
			switch {
			case policy.Raw == "":
				msg := "no --audit-policy-file: nothing is audited"
				if path.Raw != "" || hook.Raw != "" {
					msg += " (a backend is configured, but without a policy it receives nothing)"
				}
				r.fail(c, policy, 0, msg, nil)
			case path.Raw == "" && hook.Raw == "":
				r.fail(c, path, 0, "no audit backend: neither --audit-log-path nor --audit-webhook-config-file is set", nil)
			}
		})
	disabled.meta.Controls = []string{"CIS 1.2.16", "CIS 3.2.1"}
	retention := cisControl("audit/retention", "1.2.17", APIServer, finding.SeverityLow, "Audit log kept too briefly",
		"Audit logs that rotate away within days cannot answer what happened last month.",
		"set --audit-log-maxage to 30 or more, --audit-log-maxbackup to 10 or more and --audit-log-maxsize to 100 or more (0 for age and backups means no limit)", false,
		func(r *reporter, c *Component) {
			path := c.Flag("audit-log-path", "")
			if path.Raw == "" || path.Raw == "-" {
				r.skip(c.Name(), "no audit log file (--audit-log-path is unset or -): rotation does not apply")
				return
			}
			for _, lim := range []struct {
				flag, def string
				min       int
				zeroOK    bool
			}{{"audit-log-maxage", "366", 30, true}, {"audit-log-maxbackup", "100", 10, true}, {"audit-log-maxsize", "100", 100, false}} {
				v := c.Flag(lim.flag, lim.def)
				n, err := strconv.Atoi(v.Raw)
				if err != nil || n == 0 && lim.zeroOK || n >= lim.min {
					continue
				}
				msg := fmt.Sprintf("%s is below %d", describe(v), lim.min)
				if n == 0 {
					msg = describe(v) + ": the log is never rotated and grows without bound"
				}
				r.fail(c, v, 0, msg, map[string]any{"minimum": lim.min})
			}
		})
	retention.meta.Controls = []string{"CIS 1.2.17", "CIS 1.2.18", "CIS 1.2.19"}
	leaks := &Control{meta: check.Meta{ID: "audit/policy-leaks-secrets", Title: "Audit policy logs the content of secrets",
		Severity: finding.SeverityHigh, Category: finding.CategoryCluster,
		Why:         "An audit policy that logs Secrets, ConfigMaps or TokenReviews at Request or RequestResponse writes secret values and bearer tokens into the audit log, where many more people can read them. Judged by asking the policy, first match wins, about synthetic requests.",
		Remediation: "log secrets, configmaps and tokenreviews at Metadata, in a rule placed before any broader Request or RequestResponse rule",
		Controls:    []string{"CIS 3.2.2"}, Kinds: []string{"Policy (audit.k8s.io/v1)"}}}
	leaks.all = func(r *reporter, m *Model) { auditPolicies(r, m, leakCheck) }
	gaps := &Control{meta: check.Meta{ID: "audit/policy-gaps", Title: "Audit policy leaves sensitive requests unlogged",
		Severity: finding.SeverityMedium, Category: finding.CategoryCluster,
		Why:         "Requests that a policy lets through at level None leave no trace: exec, attach and port-forward into pods, RBAC changes, changes to pods and deployments, and, without a catch-all rule, everything no rule names. Judged by asking the policy, first match wins, about synthetic requests by a user and a service account.",
		Remediation: "log pods/exec, pods/attach and pods/portforward (create and get), RBAC objects and workload changes at Metadata or above, and end the policy with a catch-all rule (- level: Metadata)",
		Controls:    []string{"CIS 3.2.2"}, Kinds: []string{"Policy (audit.k8s.io/v1)"}}}
	gaps.all = func(r *reporter, m *Model) { auditPolicies(r, m, gapCheck) }
	return []*Control{disabled, retention, leaks, gaps}
}

// auditPolicies runs a review on every audit policy of the model; an API
// server that names a policy that was not read is skipped.
func auditPolicies(r *reporter, m *Model, review func(r *reporter, o *inventory.Object, p *auditv1.Policy)) {
	for _, c := range m.Of(APIServer) {
		v := c.Flag("audit-policy-file", "")
		if v.Raw == "" {
			if m.Host != nil {
				r.skip(c.Name(), "no audit policy (see audit/disabled)")
			}
			continue
		}
		if hp, ok := c.HostPath(v.Raw); !ok || m.objectAt(hp, "Policy") == nil {
			r.skip(c.Name(), fmt.Sprintf("its audit policy %s was not read", v.Raw))
		}
	}
	for _, o := range m.Audit {
		if p, ok := o.Typed.(*auditv1.Policy); ok {
			review(r, o, p)
		}
	}
}

func leakCheck(r *reporter, o *inventory.Object, p *auditv1.Policy) {
	for _, l := range auditLeaks() {
		var exposed, levelOnly []string
		rule := -1
		var level auditv1.Level
		for _, q := range l.requests {
			d := EvaluateAudit(p, q)
			if !d.logged(q.Verb) || (d.Level != auditv1.LevelRequest && d.Level != auditv1.LevelRequestResponse) {
				continue
			}
			if rule < 0 || bodyExposed(d.Level, q.Verb) && len(exposed) == 0 {
				rule, level = d.Rule, d.Level
			}
			if bodyExposed(d.Level, q.Verb) {
				exposed = append(exposed, q.String())
			} else {
				levelOnly = append(levelOnly, q.String())
			}
		}
		if rule < 0 {
			continue
		}
		field := fmt.Sprintf("rules[%d].level", rule)
		ev := map[string]any{"resource": l.what, "rule": rule, "level": string(level), "exposed": exposed, "aboveMetadata": levelOnly}
		if len(exposed) > 0 {
			r.result(o, field, 0, fmt.Sprintf("%s are logged with their content: rule %d (level %s) matches %s%s", l.what, rule, level, exposed[0], more(len(exposed))), ev)
			continue
		}
		r.result(o, field, finding.SeverityLow, fmt.Sprintf("%s are logged above Metadata: rule %d (level %s) matches %s%s; no content is written for these reads today, but Metadata is enough", l.what, rule, level, levelOnly[0], more(len(levelOnly))), ev)
	}
}

func gapCheck(r *reporter, o *inventory.Object, p *auditv1.Policy) {
	if len(p.Rules) == 0 {
		r.result(o, "rules", 0, "the policy has no rules: the API server refuses it", nil)
		return
	}
	for _, g := range auditGaps() {
		var missed []string
		rules := map[int]bool{}
		for _, q := range g.requests {
			d := EvaluateAudit(p, q)
			if !d.logged(q.Verb) {
				missed = append(missed, q.String())
				rules[d.Rule] = true
			}
		}
		if len(missed) == 0 {
			continue
		}
		var ruleList []int
		for i := range rules {
			ruleList = append(ruleList, i)
		}
		slices.Sort(ruleList)
		field := "rules"
		why := "no rule matches"
		if ruleList[0] >= 0 {
			field = fmt.Sprintf("rules[%d]", ruleList[0])
			why = fmt.Sprintf("rule %d decides it (level None or all stages omitted)", ruleList[0])
		}
		r.result(o, field, 0, fmt.Sprintf("%s are not logged: %s%s; %s", upperFirst(g.what), missed[0], more(len(missed)), why),
			map[string]any{"gap": g.what, "unlogged": missed, "rules": ruleList})
	}
}

func more(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" and %d more", n-1)
}
