package live

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/internal/cli"
	"github.com/rampart-k8s/rampart/internal/testcluster"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/rbac"
	"github.com/rampart-k8s/rampart/pkg/scan"
	"github.com/rampart-k8s/rampart/pkg/source/cluster"
	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestRBACQuietOnDefaultCluster: a cluster with nothing but Kubernetes'
// own roles and bindings gives no rbac/ finding above info.
func TestRBACQuietOnDefaultCluster(t *testing.T) {
	c, err := testcluster.Start(context.Background(), testcluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	cfg, err := c.UserConfig("rampart", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	rep := scan.Cluster(context.Background(), scan.Options{Registry: all.Registry()}, cluster.Options{Config: cfg})
	if len(rep.Errors) > 0 {
		t.Fatalf("scan errors: %v", rep.Errors)
	}
	rbacObjects := 0
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.CheckID, "rbac/") && f.Severity > finding.SeverityInfo {
			t.Errorf("%s on %s: %s", f.CheckID, f.Resource, f.Message)
		}
	}
	res := cluster.Load(context.Background(), cluster.Options{Config: cfg})
	for _, o := range res.Objects {
		if strings.HasSuffix(o.Kind, "Role") || strings.HasSuffix(o.Kind, "Binding") {
			rbacObjects++
		}
	}
	if rbacObjects < 100 {
		t.Errorf("only %d RBAC objects listed: the test would prove nothing", rbacObjects)
	}
	t.Logf("%d default RBAC objects, no rbac/ finding above info", rbacObjects)
}

// liveModel is rampart's RBAC model of the shared cluster, as --cluster
// builds it.
func liveModel(t *testing.T) *rbac.Model {
	t.Helper()
	res := cluster.Load(context.Background(), cluster.Options{Config: adminConfig(t)})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	return rbac.NewModel(inventory.New(res.Objects), rbac.ModelOptions{Live: true})
}

func applyDocs(t *testing.T, docs string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rbac.yaml")
	if err := os.WriteFile(p, []byte(docs), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := shared.Apply(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) > 0 {
		t.Fatalf("the API server rejected %v", res.Rejected)
	}
}

// whoAmI asks the API server who a client is.
func whoAmI(t *testing.T, cfg *rest.Config) string {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("SelfSubjectReview: %v", err)
	}
	return r.Status.UserInfo.Username
}

func tokenConfig(t *testing.T, token string) *rest.Config {
	return &rest.Config{Host: shared.URL, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: adminConfig(t).CAData}}
}

// predicted returns the path rampart finds from a user to a node, by the
// node's name, or fails.
func predicted(t *testing.T, m *rbac.Model, subject, target string) []rbac.Edge {
	t.Helper()
	who, err := rbac.ParseSubject(subject)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph()
	r := g.Reach(g.IdentityNode(subject, who))
	for _, n := range r.Reached() {
		if n.String() == target {
			return r.Path(n)
		}
	}
	var got []string
	for _, n := range r.Reached() {
		got = append(got, n.String())
	}
	t.Fatalf("rampart finds no path from %s to %s; it reaches %v", subject, target, got)
	return nil
}

func notPredicted(t *testing.T, m *rbac.Model, subject, target string) {
	t.Helper()
	who, _ := rbac.ParseSubject(subject)
	g := m.Graph()
	r := g.Reach(g.IdentityNode(subject, who))
	for _, n := range r.Reached() {
		if n.String() == target {
			t.Errorf("rampart finds a path from %s to %s that the API server refuses: %v", subject, target, r.Path(n))
		}
	}
}

const powerful = `apiVersion: v1
kind: Namespace
metadata: {name: NS}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: powerful, namespace: NS}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: other, namespace: NS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: NS-powerful}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: powerful, namespace: NS}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: attacker, namespace: NS}
rules: RULES
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: attacker, namespace: NS}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: attacker}
subjects: [{kind: User, name: USER, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: zz-sentinel, namespace: NS}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get], resourceNames: [sentinel]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: zz-sentinel, namespace: NS}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: zz-sentinel}
subjects: [{kind: User, name: USER, apiGroup: rbac.authorization.k8s.io}]
`

// setup applies the scenario and waits until the API server's authorizer
// sees it: the sentinel Role and RoleBinding are written last, so once
// they allow, everything before them does.
func setup(t *testing.T, ns, user, rules string) {
	t.Helper()
	applyDocs(t, strings.NewReplacer("NS", ns, "USER", user, "RULES", rules).Replace(powerful))
	waitAllowed(t, user, &authzv1.ResourceAttributes{Namespace: ns, Verb: "get", Resource: "configmaps", Name: "sentinel"})
}

// waitAllowed polls SubjectAccessReview until the user may do it.
func waitAllowed(t *testing.T, user string, ra *authzv1.ResourceAttributes) {
	t.Helper()
	admin := mustAdmin(t)
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: user, Groups: []string{"system:authenticated"}, ResourceAttributes: ra}}
		res, err := admin.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		return err == nil && res.Status.Allowed, nil
	})
	if err != nil {
		t.Fatalf("the authorizer never allowed %s %+v: %v", user, ra, err)
	}
}

// TestEscalationPathsHappen: for each escalation primitive that a cluster
// without nodes can carry out, rampart predicts the path from the RBAC
// objects alone, then the attacker walks it with its own credentials and
// the API server lets it; and where rampart sees no path, the server
// refuses.
func TestEscalationPathsHappen(t *testing.T) {
	ctx := context.Background()
	admin := mustAdmin(t)

	t.Run("create deployments runs as any ServiceAccount", func(t *testing.T) {
		setup(t, "esc-deploy", "mallory-deploy", `[{apiGroups: [apps], resources: [deployments], verbs: [create]}]`)
		path := predicted(t, liveModel(t), "user:mallory-deploy", "sa:esc-deploy/powerful")
		if path[0].Primitive != "create deployments.apps" || path[0].Evidence[0].Binding.Ref() != "RoleBinding/esc-deploy/attacker" {
			t.Errorf("path %v", path)
		}
		cs, _ := shared.Client("mallory-deploy")
		one := int32(1)
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "takeover", Namespace: "esc-deploy"},
			Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
					Spec: corev1.PodSpec{ServiceAccountName: "powerful", Containers: []corev1.Container{{Name: "c", Image: "busybox:1.37"}}}}}}
		if _, err := cs.AppsV1().Deployments("esc-deploy").Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatalf("the API server refused mallory's Deployment running as the powerful ServiceAccount: %v", err)
		}
		// mallory cannot create pods directly, nor read secrets: the
		// Deployment is the way.
		if _, err := cs.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{}); err == nil {
			t.Error("mallory lists secrets directly")
		}
	})

	t.Run("TokenRequest for a named ServiceAccount", func(t *testing.T) {
		setup(t, "esc-token", "mallory-token", `[{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], resourceNames: [powerful]}]`)
		m := liveModel(t)
		predicted(t, m, "user:mallory-token", "sa:esc-token/powerful")
		notPredicted(t, m, "user:mallory-token", "sa:esc-token/other")
		cs, _ := shared.Client("mallory-token")
		tr, err := cs.CoreV1().ServiceAccounts("esc-token").CreateToken(ctx, "powerful", &authnv1.TokenRequest{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("TokenRequest refused: %v", err)
		}
		if who := whoAmI(t, tokenConfig(t, tr.Status.Token)); who != "system:serviceaccount:esc-token:powerful" {
			t.Errorf("the token is %s", who)
		}
		if _, err := cs.CoreV1().ServiceAccounts("esc-token").CreateToken(ctx, "other", &authnv1.TokenRequest{}, metav1.CreateOptions{}); err == nil {
			t.Error("a token for other was issued, which rampart did not predict")
		}
	})

	t.Run("create secrets mints a ServiceAccount token", func(t *testing.T) {
		setup(t, "esc-mint", "mallory-mint", `[{apiGroups: [""], resources: [secrets], verbs: [create, get]}]`)
		path := predicted(t, liveModel(t), "user:mallory-mint", "sa:esc-mint/powerful")
		if path[0].Primitive != "create secrets" {
			t.Errorf("path %v", path)
		}
		cs, _ := shared.Client("mallory-mint")
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "minted", Namespace: "esc-mint",
			Annotations: map[string]string{corev1.ServiceAccountNameKey: "powerful"}}, Type: corev1.SecretTypeServiceAccountToken}
		if _, err := cs.CoreV1().Secrets("esc-mint").Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating the token Secret: %v", err)
		}
		var token string
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			got, err := cs.CoreV1().Secrets("esc-mint").Get(ctx, "minted", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			token = string(got.Data[corev1.ServiceAccountTokenKey])
			return token != "", nil
		})
		if err != nil {
			t.Fatalf("the token controller never filled the Secret: %v", err)
		}
		if who := whoAmI(t, tokenConfig(t, token)); who != "system:serviceaccount:esc-mint:powerful" {
			t.Errorf("the minted token is %s", who)
		}
	})

	t.Run("list secrets returns token Secrets", func(t *testing.T) {
		setup(t, "esc-list", "mallory-list", `[{apiGroups: [""], resources: [secrets], verbs: [list]}]`)
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "legacy", Namespace: "esc-list",
			Annotations: map[string]string{corev1.ServiceAccountNameKey: "powerful"}}, Type: corev1.SecretTypeServiceAccountToken}
		if _, err := admin.CoreV1().Secrets("esc-list").Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		path := predicted(t, liveModel(t), "user:mallory-list", "sa:esc-list/powerful")
		if path[0].Primitive != "list secrets" {
			t.Errorf("path %v", path)
		}
		cs, _ := shared.Client("mallory-list")
		var token string
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			l, err := cs.CoreV1().Secrets("esc-list").List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err
			}
			for _, s := range l.Items {
				if s.Name == "legacy" {
					token = string(s.Data[corev1.ServiceAccountTokenKey])
				}
			}
			return token != "", nil
		})
		if err != nil {
			t.Fatalf("listing secrets: %v", err)
		}
		if who := whoAmI(t, tokenConfig(t, token)); who != "system:serviceaccount:esc-list:powerful" {
			t.Errorf("the listed token is %s", who)
		}
	})

	t.Run("bind a named ClusterRole, and only it", func(t *testing.T) {
		setup(t, "esc-bind", "mallory-bind", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]},
  {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [admin]}]`)
		m := liveModel(t)
		predicted(t, m, "user:mallory-bind", "ClusterRole/admin in namespace esc-bind")
		notPredicted(t, m, "user:mallory-bind", "ClusterRole/cluster-admin in namespace esc-bind")
		cs, _ := shared.Client("mallory-bind")
		bind := func(role string) error {
			b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "self-" + role, Namespace: "esc-bind"},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
				Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: "mallory-bind"}}}
			_, err := cs.RbacV1().RoleBindings("esc-bind").Create(ctx, b, metav1.CreateOptions{})
			return err
		}
		if err := bind("admin"); err != nil {
			t.Fatalf("binding admin refused: %v", err)
		}
		if err := bind("cluster-admin"); err == nil {
			t.Error("binding cluster-admin was allowed, which rampart did not predict")
		}
		waitAllowed(t, "mallory-bind", &authzv1.ResourceAttributes{Namespace: "esc-bind", Verb: "list", Resource: "secrets"})
		if _, err := cs.CoreV1().Secrets("esc-bind").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("with admin bound, listing secrets: %v", err)
		}
	})

	t.Run("join an existing binding with patch and bind", func(t *testing.T) {
		setup(t, "esc-join", "mallory-join", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [get, patch], resourceNames: [team-admin]},
  {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [admin]}]`)
		b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "team-admin", Namespace: "esc-join"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "admin"},
			Subjects: []rbacv1.Subject{{Kind: "Group", APIGroup: rbacv1.GroupName, Name: "esc-admins"}}}
		if _, err := admin.RbacV1().RoleBindings("esc-join").Create(ctx, b, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		path := predicted(t, liveModel(t), "user:mallory-join", "ClusterRole/admin in namespace esc-join")
		if path[0].Primitive != "update rolebindings" && path[0].Primitive != "patch rolebindings" {
			t.Errorf("path %v", path)
		}
		cs, _ := shared.Client("mallory-join")
		patch := []byte(`[{"op": "add", "path": "/subjects/-", "value": {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "mallory-join"}}]`)
		if _, err := cs.RbacV1().RoleBindings("esc-join").Patch(ctx, "team-admin", types.JSONPatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatalf("joining the binding refused: %v", err)
		}
		waitAllowed(t, "mallory-join", &authzv1.ResourceAttributes{Namespace: "esc-join", Verb: "list", Resource: "secrets"})
	})

	t.Run("impersonated groups need an impersonated user", func(t *testing.T) {
		applyDocs(t, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: esc-groups}
rules: [{apiGroups: [""], resources: [groups], verbs: [impersonate]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: esc-groups}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: esc-groups}
subjects: [{kind: User, name: mallory-groups, apiGroup: rbac.authorization.k8s.io}]
`)
		waitAllowed(t, "mallory-groups", &authzv1.ResourceAttributes{Verb: "impersonate", Resource: "groups", Name: "system:masters"})
		notPredicted(t, liveModel(t), "user:mallory-groups", "cluster-admin")
		cfg, _ := shared.UserConfig("mallory-groups")
		cfg.Impersonate = rest.ImpersonationConfig{Groups: []string{"system:masters"}}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{}); err == nil {
			t.Error("impersonating system:masters without a user worked, which rampart did not predict")
		}
	})

	t.Run("create rolebindings without bind gains nothing", func(t *testing.T) {
		setup(t, "esc-nobind", "mallory-nobind", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}]`)
		notPredicted(t, liveModel(t), "user:mallory-nobind", "ClusterRole/admin in namespace esc-nobind")
		cs, _ := shared.Client("mallory-nobind")
		b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "self", Namespace: "esc-nobind"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "admin"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: "mallory-nobind"}}}
		if _, err := cs.RbacV1().RoleBindings("esc-nobind").Create(ctx, b, metav1.CreateOptions{}); err == nil {
			t.Error("the API server let mallory bind admin without bind")
		}
	})

	t.Run("escalate the role one holds", func(t *testing.T) {
		setup(t, "esc-escalate", "mallory-escalate", `[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [get, update, escalate], resourceNames: [attacker]}]`)
		predicted(t, liveModel(t), "user:mallory-escalate", "ClusterRole/(any rules it writes) in namespace esc-escalate")
		cs, _ := shared.Client("mallory-escalate")
		r, err := cs.RbacV1().Roles("esc-escalate").Get(ctx, "attacker", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r.Rules = append(r.Rules, rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}})
		if _, err := cs.RbacV1().Roles("esc-escalate").Update(ctx, r, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("escalating the role refused: %v", err)
		}
	})

	t.Run("impersonate a named user", func(t *testing.T) {
		applyDocs(t, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: esc-impersonate}
rules: [{apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [esc-alice]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: esc-impersonate}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: esc-impersonate}
subjects: [{kind: User, name: mallory-impersonate, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: esc-alice}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: esc-alice, apiGroup: rbac.authorization.k8s.io}]
`)
		waitAllowed(t, "mallory-impersonate", &authzv1.ResourceAttributes{Verb: "impersonate", Resource: "users", Name: "esc-alice"})
		waitAllowed(t, "esc-alice", &authzv1.ResourceAttributes{Namespace: "kube-system", Verb: "list", Resource: "secrets"})
		path := predicted(t, liveModel(t), "user:mallory-impersonate", "cluster-admin")
		if path[0].Primitive != "impersonate users" || path[0].To.String() != "user:esc-alice" {
			t.Errorf("path %v", path)
		}
		cfg, _ := shared.UserConfig("mallory-impersonate")
		cfg.Impersonate = rest.ImpersonationConfig{UserName: "esc-alice"}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("as esc-alice, listing secrets: %v", err)
		}
		cfg.Impersonate = rest.ImpersonationConfig{UserName: "someone-else"}
		cs, _ = kubernetes.NewForConfig(cfg)
		if _, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err == nil {
			t.Error("impersonating another user worked, which rampart did not predict")
		}
	})
}

// TestRBACCommandsOnCluster runs `rampart rbac can` and `who-can` with
// --cluster as a user would, and holds `can` to kubectl's own answer
// (SubjectAccessReview) for the same questions.
func TestRBACCommandsOnCluster(t *testing.T) {
	setup(t, "rbac-cli", "dev-cli", `[{apiGroups: [apps], resources: [deployments], verbs: [create, get]}]`)
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := shared.WriteKubeconfig(kubeconfig, "rampart-test-admin", "system:masters"); err != nil {
		t.Fatal(err)
	}
	admin := mustAdmin(t)
	for _, q := range []struct {
		verb, resource, group string
		want                  int
	}{
		{"create", "deployments", "apps", 0},
		{"delete", "deployments", "apps", 1},
		{"get", "secrets", "", 1},
	} {
		var out, errOut strings.Builder
		code := cli.Run([]string{"rbac", "can", "user:dev-cli", q.verb, q.resource, "-n", "rbac-cli", "--cluster", "--kubeconfig", kubeconfig},
			cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		if code != q.want {
			t.Errorf("can %s %s: exit %d, want %d\n%s%s", q.verb, q.resource, code, q.want, out.String(), errOut.String())
		}
		sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: "dev-cli", Groups: []string{"system:authenticated"},
			ResourceAttributes: &authzv1.ResourceAttributes{Namespace: "rbac-cli", Verb: q.verb, Group: q.group, Resource: q.resource}}}
		res, err := admin.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), sar, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status.Allowed != (code == 0) {
			t.Errorf("can %s %s: rampart exit %d, API server allowed=%v", q.verb, q.resource, code, res.Status.Allowed)
		}
	}
	var out strings.Builder
	code := cli.Run([]string{"rbac", "can", "user:dev-cli", "list", "secrets", "-n", "kube-system", "--transitive", "--cluster", "--kubeconfig", kubeconfig},
		cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out})
	if code != 0 || !strings.Contains(out.String(), "sa:rbac-cli/powerful") {
		t.Errorf("transitive: exit %d\n%s", code, out.String())
	}
}
