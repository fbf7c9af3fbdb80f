package controlplane_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	cp "github.com/rampart-k8s/rampart/pkg/controlplane"
	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"k8s.io/apiserver/pkg/audit/policy"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// goodPolicy follows the CIS 3.2.2 remediation: secrets and friends at
// Metadata first, exec and friends logged, a catch-all at the end.
const goodPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: [watch]
  resources: [{group: "", resources: [endpoints, services]}]
- level: Metadata
  resources:
  - {group: "", resources: [secrets, configmaps]}
  - {group: authentication.k8s.io, resources: [tokenreviews]}
- level: RequestResponse
  resources:
  - {group: "", resources: ["pods/exec", "pods/attach", "pods/portforward"]}
- level: Request
  verbs: [create, update, patch, delete]
  resources:
  - {group: "", resources: [pods]}
  - {group: apps, resources: [deployments]}
  - {group: rbac.authorization.k8s.io}
- level: Metadata
`

func TestAuditPolicyReview(t *testing.T) {
	review := func(policy string) []string {
		var out []string
		for _, id := range ids(run(t, parse(t, "audit-policy.yaml", policy)...)) {
			if strings.HasPrefix(id, "audit/") {
				out = append(out, id)
			}
		}
		return out
	}
	if got := review(goodPolicy); len(got) != 0 {
		t.Fatalf("good policy: %v", got)
	}
	cases := []struct {
		name, from, to string
		want           []string
	}{
		{"secrets logged with content by a broad rule placed first",
			"rules:\n", "rules:\n- level: RequestResponse\n  resources: [{group: \"\"}]\n", []string{"audit/policy-leaks-secrets", "audit/policy-leaks-secrets"}},
		{"tokenreviews at Request (the token is in the request body)",
			"rules:\n", "rules:\n- level: Request\n  resources: [{group: authentication.k8s.io}]\n", []string{"audit/policy-leaks-secrets"}},
		{"no catch-all", "  - {group: rbac.authorization.k8s.io}\n- level: Metadata\n", "  - {group: rbac.authorization.k8s.io}\n", []string{"audit/policy-gaps"}},
		{"exec, attach and port-forward over websockets (get) not logged, no catch-all",
			"- level: RequestResponse\n", "- level: RequestResponse\n  verbs: [create]\n", nil},
		{"everything in kube-system dropped", "rules:\n", "rules:\n- level: None\n  namespaces: [kube-system]\n", []string{"audit/policy-gaps", "audit/policy-gaps", "audit/policy-gaps", "audit/policy-gaps", "audit/policy-gaps", "audit/policy-gaps"}},
		{"every stage omitted for exec", "- level: RequestResponse\n", "- level: RequestResponse\n  omitStages: [ResponseComplete, ResponseStarted, Panic]\n", []string{"audit/policy-gaps", "audit/policy-gaps", "audit/policy-gaps"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(goodPolicy, c.from) {
				t.Fatalf("%q not in the policy", c.from)
			}
			policy := strings.Replace(goodPolicy, c.from, c.to, 1)
			if c.want == nil { // and without the catch-all
				policy = strings.TrimSuffix(policy, "- level: Metadata\n")
				c.want = []string{"audit/policy-gaps", "audit/policy-gaps", "audit/policy-gaps", "audit/policy-gaps"}
			}
			got := review(policy)
			if !slices.Equal(got, c.want) {
				t.Errorf("findings %v, want %v", got, c.want)
			}
		})
	}
	// Reads at Request level write no content: reported, but low.
	rep := run(t, parse(t, "p.yaml", strings.Replace(goodPolicy, "rules:\n", "rules:\n- level: Request\n  verbs: [get, list, watch]\n  resources: [{group: \"\", resources: [secrets]}]\n", 1))...)
	fs := find(rep, "audit/policy-leaks-secrets")
	if len(fs) != 1 || fs[0].Severity.String() != "low" || fs[0].Location.Field != "rules[0].level" {
		t.Errorf("reads at Request: %+v", fs)
	}
	// RBAC changes dropped by removing their rule are still caught by
	// the catch-all; with no catch-all they are a gap.
	got := review(strings.Replace(strings.Replace(goodPolicy, "  - {group: rbac.authorization.k8s.io}\n", "", 1), "- level: Metadata\n", "", 2))
	if !slices.Contains(got, "audit/policy-gaps") {
		t.Errorf("no catch-all and no RBAC rule: %v", got)
	}
}

// TestAuditEvaluationAgreesWithAPIServer: the simulation decides like
// the API server's own policy evaluator, over random policies and
// requests.
func TestAuditEvaluationAgreesWithAPIServer(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	pick := func(options []string) []string {
		var out []string
		for _, o := range options {
			if r.IntN(3) == 0 {
				out = append(out, o)
			}
		}
		return out
	}
	users := []string{"alice", "bob", "system:serviceaccount:default:app"}
	groups := []string{"system:authenticated", "system:serviceaccounts", "devs"}
	verbs := []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	apiGroups := []string{"", "apps", "rbac.authorization.k8s.io", "*"}
	resources := []string{"pods", "secrets", "pods/exec", "*/exec", "pods/*", "*", "deployments", "roles"}
	namespaces := []string{"default", "kube-system", ""}
	levels := []auditv1.Level{auditv1.LevelNone, auditv1.LevelMetadata, auditv1.LevelRequest, auditv1.LevelRequestResponse}
	stages := []string{"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"}
	agreed := 0
	for i := 0; i < 300; i++ {
		var p auditv1.Policy
		for _, s := range pick(stages) {
			p.OmitStages = append(p.OmitStages, auditv1.Stage(s))
		}
		for j := 0; j < 1+r.IntN(5); j++ {
			rule := auditv1.PolicyRule{Level: levels[r.IntN(len(levels))], Users: pick(users), UserGroups: pick(groups), Verbs: pick(verbs), Namespaces: pick(namespaces)}
			if r.IntN(4) == 0 {
				rule.NonResourceURLs = pick([]string{"/healthz", "/api*", "*"})
			} else if r.IntN(2) == 0 {
				for k := 0; k < 1+r.IntN(2); k++ {
					rule.Resources = append(rule.Resources, auditv1.GroupResources{Group: apiGroups[r.IntN(len(apiGroups))], Resources: pick(resources), ResourceNames: pick([]string{"example", "other"})})
				}
			}
			for _, s := range pick(stages) {
				rule.OmitStages = append(rule.OmitStages, auditv1.Stage(s))
			}
			p.Rules = append(p.Rules, rule)
		}
		var internal auditinternal.Policy
		if err := auditv1.Convert_v1_Policy_To_audit_Policy(p.DeepCopy(), &internal, nil); err != nil {
			t.Fatal(err)
		}
		eval := policy.NewPolicyRuleEvaluator(&internal)
		for k := 0; k < 40; k++ {
			q := cp.AuditRequest{User: users[r.IntN(len(users))], Groups: pick(groups), Verb: verbs[r.IntN(len(verbs))],
				Group: []string{"", "apps", "rbac.authorization.k8s.io"}[r.IntN(3)], Resource: []string{"pods", "secrets", "deployments", "roles"}[r.IntN(4)],
				Namespace: namespaces[r.IntN(len(namespaces))], Name: []string{"", "example", "other"}[r.IntN(3)]}
			if r.IntN(3) == 0 {
				q.Subresource = []string{"exec", "log"}[r.IntN(2)]
			}
			attrs := authorizer.AttributesRecord{User: &user.DefaultInfo{Name: q.User, Groups: q.Groups}, Verb: q.Verb, APIGroup: q.Group,
				Resource: q.Resource, Subresource: q.Subresource, Namespace: q.Namespace, Name: q.Name, ResourceRequest: true}
			if r.IntN(5) == 0 {
				q = cp.AuditRequest{User: q.User, Groups: q.Groups, Verb: q.Verb, Path: []string{"/healthz", "/api/v1", "/version"}[r.IntN(3)]}
				attrs = authorizer.AttributesRecord{User: &user.DefaultInfo{Name: q.User, Groups: q.Groups}, Verb: q.Verb, Path: q.Path}
			}
			want := eval.EvaluatePolicyRule(attrs)
			got := cp.EvaluateAudit(&p, q)
			wantStages := stageSet(want.OmitStages)
			gotStages := make([]string, 0, len(got.OmitStages))
			for _, s := range got.OmitStages {
				gotStages = append(gotStages, string(s))
			}
			slices.Sort(gotStages)
			if string(want.Level) != string(got.Level) || !slices.Equal(wantStages, gotStages) {
				t.Fatalf("policy %+v, request %+v: API server %s %v, rampart %s %v", p, q, want.Level, wantStages, got.Level, gotStages)
			}
			agreed++
		}
	}
	t.Logf("%d decisions agree with k8s.io/apiserver/pkg/audit/policy", agreed)
}

func stageSet(s []auditinternal.Stage) []string {
	out := make([]string, 0, len(s))
	for _, x := range s {
		out = append(out, string(x))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
