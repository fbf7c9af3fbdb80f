package rbac

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/internal/testobjects"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// objects decodes a YAML stream into an inventory.
func objects(t *testing.T, docs string) *inventory.Inventory {
	t.Helper()
	return inventory.New(testobjects.FromYAML(t, docs))
}

const roleFor = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: attacker, namespace: %NS%}
rules: %RULES%
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: attacker, namespace: %NS%}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: attacker}
subjects: [{kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io}]
`

const clusterRoleFor = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: attacker}
rules: %RULES%
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: attacker}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: attacker}
subjects: [{kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io}]
`

// world is what the attacker may find: a restricted namespace "app" with
// a powerful ServiceAccount, running pods (the powerful one without its
// token mounted), a legacy token Secret, a
// privileged namespace "ops", a DaemonSet, and a user alice who is admin.
const world = `apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: app}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: bot, namespace: app}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: app}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-admin, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects: [{kind: Group, name: app-admins, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app}
spec: {serviceAccountName: bot, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: quiet, namespace: app}
spec: {serviceAccountName: deployer, automountServiceAccountToken: false, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Secret
metadata: {name: bot-token, namespace: app, annotations: {kubernetes.io/service-account.name: bot}}
type: kubernetes.io/service-account-token
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec: {serviceAccountName: agent, containers: [{name: c, image: x}]}
`

func TestEscalationPrimitives(t *testing.T) {
	cases := []struct {
		name    string
		cluster bool   // rules in a ClusterRole bound cluster-wide, else a Role in ns
		ns      string // namespace of the Role
		rules   string
		reach   []string // node strings that must be reached
		not     []string // and must not
	}{
		{"create deployments runs as any ServiceAccount", false, "app", `[{apiGroups: [apps], resources: [deployments], verbs: [create]}]`,
			[]string{"sa:app/deployer", "cluster-admin"}, []string{"root on a node"}},
		{"deployments are in apps, not the core group", false, "app", `[{apiGroups: [""], resources: [deployments], verbs: [create]}]`,
			nil, []string{"sa:app/deployer"}},
		{"create pods in a privileged namespace is root on a node", false, "ops", `[{apiGroups: [""], resources: [pods], verbs: [create]}]`,
			[]string{"root on a node", "sa:ops/agent", "node:*"}, nil},
		{"update cronjobs", false, "app", `[{apiGroups: [batch], resources: [cronjobs], verbs: [patch]}]`,
			[]string{"sa:app/deployer"}, nil},
		{"TokenRequest limited by resourceNames", false, "app", `[{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], resourceNames: [bot]}]`,
			[]string{"sa:app/bot"}, []string{"sa:app/deployer"}},
		{"TokenRequest", false, "app", `[{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}]`,
			[]string{"sa:app/deployer", "cluster-admin"}, nil},
		{"list secrets returns token Secrets", false, "app", `[{apiGroups: [""], resources: [secrets], verbs: [list]}]`,
			[]string{"sa:app/bot"}, []string{"sa:app/deployer"}},
		{"get a named token Secret", false, "app", `[{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [bot-token]}]`,
			[]string{"sa:app/bot"}, nil},
		{"get another Secret", false, "app", `[{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [other]}]`,
			nil, []string{"sa:app/bot"}},
		{"create secrets mints a token, get reads it", false, "app", `[{apiGroups: [""], resources: [secrets], verbs: [create, get]}]`,
			[]string{"sa:app/deployer", "cluster-admin"}, nil},
		{"create secrets without reading them", false, "app", `[{apiGroups: [""], resources: [secrets], verbs: [create]}]`,
			nil, []string{"sa:app/deployer"}},
		{"exec into running pods", false, "app", `[{apiGroups: [""], resources: [pods/exec], verbs: [create]}]`,
			[]string{"sa:app/bot"}, []string{"sa:app/deployer"}},
		{"pods/* is not pods/exec", false, "app", `[{apiGroups: [""], resources: ["pods/*"], verbs: [create]}]`,
			nil, []string{"sa:app/bot"}},
		{"ephemeral containers", false, "app", `[{apiGroups: [""], resources: [pods/ephemeralcontainers], verbs: [patch]}]`,
			[]string{"sa:app/bot"}, nil},
		{"impersonate a ServiceAccount", false, "app", `[{apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate], resourceNames: [deployer]}]`,
			[]string{"sa:app/deployer", "cluster-admin"}, []string{"sa:app/bot"}},
		{"impersonate a user", true, "", `[{apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [alice]}]`,
			[]string{"user:alice", "cluster-admin"}, nil},
		{"impersonate system:masters, as some user", true, "", `[{apiGroups: [""], resources: [groups], verbs: [impersonate]},
			{apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [nobody]}]`,
			[]string{"cluster-admin"}, nil},
		{"impersonate groups without a user", true, "", `[{apiGroups: [""], resources: [groups], verbs: [impersonate]}]`,
			nil, []string{"cluster-admin"}},
		{"bind a named ClusterRole in a namespace", false, "app", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]},
			{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [admin]}]`,
			[]string{"ClusterRole/admin in namespace app", "sa:app/deployer"}, nil},
		{"patch a binding of admin, with bind on admin", false, "app", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [patch], resourceNames: [team-admin]},
			{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [admin]}]`,
			[]string{"ClusterRole/admin in namespace app"}, nil},
		{"patch a binding without bind", false, "app", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [patch]}]`,
			nil, []string{"ClusterRole/admin in namespace app"}},
		{"create rolebindings without bind gains nothing", false, "app", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}]`,
			nil, []string{"ClusterRole/admin in namespace app", "sa:app/deployer"}},
		{"bind anything cluster-wide", true, "", `[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterrolebindings], verbs: [create]},
			{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}]`,
			[]string{"cluster-admin"}, nil},
		{"escalate the role one holds", false, "app", `[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [update, escalate], resourceNames: [attacker]}]`,
			[]string{"ClusterRole/(any rules it writes) in namespace app", "sa:app/deployer"}, nil},
		{"the kubelet API", true, "", `[{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}]`,
			[]string{"sa:app/bot"}, nil},
		{"approve client certificates, but not read them", true, "", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]},
			{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]},
			{apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: ["kubernetes.io/kube-apiserver-client"]}]`,
			nil, []string{"user:alice", "cluster-admin"}},
		{"approve client certificates for any user but system:masters", true, "", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create, get]},
			{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]},
			{apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: ["kubernetes.io/kube-apiserver-client"]}]`,
			[]string{"user:alice", "cluster-admin"}, []string{"group:system:masters"}},
		{"approve without a signer", true, "", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]},
			{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}]`,
			nil, []string{"cluster-admin"}},
		{"mutating webhooks", true, "", `[{apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations], verbs: [create]}]`,
			[]string{"sa:app/deployer", "cluster-admin"}, nil},
		{"validating webhooks see token Secrets", true, "", `[{apiGroups: [admissionregistration.k8s.io], resources: [validatingwebhookconfigurations], verbs: [create]}]`,
			[]string{"sa:app/bot"}, []string{"sa:app/deployer"}},
		{"hostPath PersistentVolume", false, "app", `[{apiGroups: [""], resources: [persistentvolumeclaims, pods], verbs: [create]}]`,
			nil, []string{"root on a node"}},
		{"root on a node, without node status", false, "ops", `[{apiGroups: [""], resources: [pods], verbs: [create]}]`,
			[]string{"root on a node"}, []string{"sa:app/bot", "the ServiceAccounts of running pods of every namespace"}},
		{"patch node status alone", true, "", `[{apiGroups: [""], resources: [nodes/status], verbs: [patch]}]`,
			nil, []string{"sa:app/bot", "root on a node"}},
		{"patch node status and create privileged pods", true, "", `[{apiGroups: [""], resources: [nodes/status], verbs: [patch]}, {apiGroups: [""], resources: [pods], verbs: [create]}]`,
			[]string{"root on a node", "the ServiceAccounts of running pods of every namespace", "sa:app/bot"}, nil},
		{"relabel a restricted namespace", false, "app", `[{apiGroups: [""], resources: [namespaces], verbs: [patch]}, {apiGroups: [""], resources: [pods], verbs: [create]}]`,
			[]string{"root on a node"}, nil},
		{"read-only rights lead nowhere", true, "", `[{apiGroups: ["*"], resources: [pods, deployments, configmaps], verbs: [get, list, watch]}]`,
			nil, []string{"sa:app/bot", "cluster-admin", "root on a node"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl := roleFor
			if c.cluster {
				tmpl = clusterRoleFor
			}
			docs := strings.NewReplacer("%NS%", c.ns, "%RULES%", c.rules).Replace(tmpl) + "---\n" + world
			inv := objects(t, docs)
			g := NewGraph(New(InputFrom(inv).WithDefaults(), Options{Aggregate: true}), StateFrom(inv))
			mallory, _ := ParseSubject("user:mallory")
			r := g.Reach(g.IdentityNode("user:mallory", mallory))
			reached := map[string][]Edge{}
			for _, n := range r.Reached() {
				reached[n.String()] = r.Path(n)
			}
			for _, want := range c.reach {
				if _, ok := reached[want]; !ok {
					t.Errorf("does not reach %s; reached %v", want, keys(reached))
				}
			}
			for _, not := range c.not {
				if p, ok := reached[not]; ok {
					t.Errorf("reaches %s, wrongly: %s", not, pathString(p))
				}
			}
		})
	}
}

func keys(m map[string][]Edge) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func pathString(p []Edge) string {
	var parts []string
	for _, e := range p {
		parts = append(parts, e.From.String()+" -["+e.Primitive+"]-> "+e.To.String())
	}
	return strings.Join(parts, "; ")
}

func TestShortestPathAndTransitiveCan(t *testing.T) {
	docs := strings.NewReplacer("%NS%", "app", "%RULES%", `[{apiGroups: [apps], resources: [deployments], verbs: [create]}]`).Replace(roleFor) + "---\n" + world
	inv := objects(t, docs)
	g := NewGraph(New(InputFrom(inv).WithDefaults(), Options{Aggregate: true}), StateFrom(inv))
	mallory, _ := ParseSubject("user:mallory")
	start := g.IdentityNode("user:mallory", mallory)
	secrets := Action{Verb: "list", Resource: "secrets", Namespace: "kube-system"}
	if ok, _ := g.Allows(start, secrets); ok {
		t.Fatal("mallory may not list secrets directly")
	}
	tr := g.CanTransitively(start, secrets)
	if !tr.Allowed || tr.Direct {
		t.Fatalf("mallory reaches list secrets through the deployer: %+v", tr)
	}
	got := pathString(tr.Path)
	want := "user:mallory -[create deployments.apps]-> any ServiceAccount of namespace app; any ServiceAccount of namespace app -[run as]-> sa:app/deployer"
	if got != want {
		t.Errorf("path\n got %s\nwant %s", got, want)
	}
	if tr.Holder.String() != "sa:app/deployer" || len(tr.Evidence) == 0 || tr.Evidence[0].Binding.Ref() != "ClusterRoleBinding/deployer-admin" {
		t.Errorf("holder %s evidence %+v", tr.Holder, tr.Evidence)
	}
	if len(tr.Path[0].Evidence) == 0 || tr.Path[0].Evidence[0].Binding.Ref() != "RoleBinding/app/attacker" {
		t.Errorf("the first step's evidence is mallory's RoleBinding: %+v", tr.Path[0].Evidence)
	}
}

// TestHostPathPersistentVolume: creating PersistentVolumes (cluster-wide)
// and pods with claims in a restricted namespace is root on a node; without
// claims it is not.
func TestHostPathPersistentVolume(t *testing.T) {
	for _, withClaims := range []bool{true, false} {
		nsRules := `[{apiGroups: [""], resources: [pods], verbs: [create]}]`
		if withClaims {
			nsRules = `[{apiGroups: [""], resources: [pods, persistentvolumeclaims], verbs: [create]}]`
		}
		docs := strings.NewReplacer("%NS%", "app", "%RULES%", nsRules).Replace(roleFor) + "---\n" +
			strings.NewReplacer("%RULES%", `[{apiGroups: [""], resources: [persistentvolumes], verbs: [create]}]`).Replace(clusterRoleFor) + "---\n" + world
		inv := objects(t, docs)
		g := NewGraph(New(InputFrom(inv).WithDefaults(), Options{Aggregate: true}), StateFrom(inv))
		mallory, _ := ParseSubject("user:mallory")
		r := g.Reach(g.IdentityNode("user:mallory", mallory))
		var root []Edge
		for _, n := range r.Reached() {
			if n.Kind == NodeRoot {
				root = r.Path(n)
			}
		}
		switch {
		case withClaims && (len(root) != 1 || root[0].Primitive != "create persistentvolumes"):
			t.Errorf("with claims: path to root %s", pathString(root))
		case !withClaims && root != nil:
			t.Errorf("without claims: root reached by %s", pathString(root))
		}
	}
}

// TestKubeSystemControllersInManifests: a manifest analysis knows the
// controllers' ServiceAccounts every cluster has; creating Deployments in
// kube-system runs as the aggregation controller, which may escalate
// ClusterRoles bound to it: cluster-admin.
func TestKubeSystemControllersInManifests(t *testing.T) {
	docs := strings.NewReplacer("%NS%", "kube-system", "%RULES%", `[{apiGroups: [apps], resources: [deployments], verbs: [create]}]`).Replace(roleFor)
	inv := objects(t, docs)
	m := NewModel(inv, ModelOptions{})
	mallory, _ := ParseSubject("user:mallory")
	g := m.Graph()
	worst, path := g.Worst(g.IdentityNode("user:mallory", mallory))
	if worst == nil || worst.Kind != ClusterAdmin {
		t.Fatalf("worst %v, path %s", worst, pathString(path))
	}
	t.Logf("path: %s", pathString(path))
}

func TestUnlabelledNamespacesAssumption(t *testing.T) {
	docs := strings.NewReplacer("%NS%", "ops", "%RULES%", `[{apiGroups: [""], resources: [pods], verbs: [create]}]`).Replace(roleFor) + "---\n" + world
	for _, restricted := range []bool{false, true} {
		m := NewModel(objects(t, docs), ModelOptions{UnlabelledRestricted: restricted})
		mallory, _ := ParseSubject("user:mallory")
		root := m.Graph().Reach(m.Node("user:mallory", mallory)).Find(NodeRoot) != nil
		if root == restricted {
			t.Errorf("unlabelled restricted %v: root on a node %v", restricted, root)
		}
	}
}
