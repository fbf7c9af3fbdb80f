// Package live tests rampart's live scanning against a real kube-apiserver,
// etcd and kube-controller-manager (internal/testcluster).
package live

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/internal/cli"
	"github.com/rampart-k8s/rampart/internal/testcluster"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/scan"
	"github.com/rampart-k8s/rampart/pkg/source/cluster"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

var shared *testcluster.Cluster

func TestMain(m *testing.M) {
	os.Exit(func() int {
		c, err := testcluster.Start(context.Background(), testcluster.Options{})
		if err != nil {
			fmt.Println("testcluster:", err)
			return 1
		}
		shared = c
		defer c.Stop()
		return m.Run()
	}())
}

func adminConfig(t *testing.T) *rest.Config {
	t.Helper()
	cfg, err := shared.UserConfig("rampart-test-admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type key struct{ check, kind, ns, name string }

// listingSkipped are the resources a scan could not list (as opposed to
// checks the data could not evaluate, such as an end-of-life date missing
// for the server's minor).
func listingSkipped(rep *finding.Report) []finding.Skipped {
	var out []finding.Skipped
	for _, s := range rep.Skipped {
		if s.Resource != "" && s.CheckID == "" {
			out = append(out, s)
		}
	}
	return out
}

func keys(rep *finding.Report, keep func(f finding.Finding) bool) map[key]bool {
	out := map[key]bool{}
	for _, f := range rep.Findings {
		if keep(f) {
			out[key{f.CheckID, f.Resource.Kind, f.Resource.Namespace, f.Resource.Name}] = true
		}
	}
	return out
}

// TestLiveScanMatchesFileScan applies the shipped examples to the cluster
// and scans them both ways: the findings must be the same. Schema findings
// exist only in files (the API server drops unknown fields or rejects the
// object), so they are compared apart.
func TestLiveScanMatchesFileScan(t *testing.T) {
	cfg := adminConfig(t)
	files, _ := filepath.Glob("../../examples/manifests/*.yaml")
	applied0, err := shared.Apply(context.Background(), files...)
	if err != nil {
		t.Fatal(err)
	}
	accepted := applied0.Docs
	var rejected []string
	for ref := range applied0.Rejected {
		rejected = append(rejected, ref)
	}
	slices.Sort(rejected)
	want := []string{"Certificate/shop/shop-tls", "NetworkPolicy/shop/default-deny", "Pod/payments/debug"}
	if !slices.Equal(rejected, want) {
		t.Errorf("the API server rejected %v, want %v (the examples rampart flags as unserved or invalid)", rejected, want)
	}
	doc := filepath.Join(t.TempDir(), "accepted.yaml")
	if err := os.WriteFile(doc, []byte(strings.Join(accepted, "\n---\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := scan.Options{Registry: all.Registry(), Paths: []string{doc}}
	fileRep := scan.Files(opts)
	liveRep := scan.Cluster(context.Background(), opts, cluster.Options{Config: cfg})
	if len(liveRep.Errors) > 0 || len(listingSkipped(liveRep)) > 0 {
		t.Fatalf("admin scan: errors %v, skipped %v", liveRep.Errors, liveRep.Skipped)
	}
	// Pages of two objects exercise continue tokens: the same objects and findings.
	paged := scan.Cluster(context.Background(), opts, cluster.Options{Config: cfg, PageSize: 2})
	if paged.Summary.Objects != liveRep.Summary.Objects || len(paged.Findings) != len(liveRep.Findings) {
		t.Errorf("paged scan: %d objects and %d findings, unpaged %d and %d",
			paged.Summary.Objects, len(paged.Findings), liveRep.Summary.Objects, len(liveRep.Findings))
	}
	applied := map[string]bool{}
	for _, f := range fileRep.Findings {
		applied[f.Resource.Kind+"/"+f.Resource.Namespace+"/"+f.Resource.Name] = true
	}
	notSchema := func(f finding.Finding) bool {
		return !strings.HasPrefix(f.CheckID, "schema/") && applied[f.Resource.Kind+"/"+f.Resource.Namespace+"/"+f.Resource.Name]
	}
	fileKeys, liveKeys := keys(fileRep, notSchema), keys(liveRep, notSchema)
	for k := range fileKeys {
		if !liveKeys[k] {
			t.Errorf("file scan finds %v, live scan does not", k)
		}
	}
	for k := range liveKeys {
		if !fileKeys[k] {
			t.Errorf("live scan finds %v, file scan does not", k)
		}
	}
	if len(fileKeys) < 15 {
		t.Errorf("only %d findings compared", len(fileKeys))
	}
	t.Logf("live and file scans agree on %d findings over %d applied objects", len(fileKeys), len(accepted))
	// Live findings carry identities, not files.
	for _, f := range liveRep.Findings {
		if f.Location.File != "" {
			t.Errorf("live finding with a file: %+v", f.Location)
			break
		}
	}
	for _, f := range liveRep.Findings {
		if f.Resource.Kind == "Deployment" && f.Resource.UID == "" {
			t.Errorf("live finding without uid: %+v", f.Resource)
			break
		}
	}
}

// bindReader grants the ClusterRole of deploy/rampart-reader.yaml to a user
// of the shared cluster.
func bindReader(t *testing.T, user string) { bindReaderIn(t, mustAdmin(t), user) }

// bindReaderIn grants the reader ClusterRole to a user of any cluster.
func bindReaderIn(t *testing.T, cs *kubernetes.Clientset, user string) {
	t.Helper()
	data, err := os.ReadFile("../../deploy/rampart-reader.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal([]byte(strings.Split(string(data), "\n---\n")[0]), &role); err != nil {
		t.Fatal(err)
	}
	role.Name = "rampart-reader-" + user
	if _, err := cs.RbacV1().ClusterRoles().Create(context.Background(), &role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(context.Background(), rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestReaderRoleIsEnough(t *testing.T) {
	bindReader(t, "reader")
	cfg, err := shared.UserConfig("reader")
	if err != nil {
		t.Fatal(err)
	}
	rep := scan.Cluster(context.Background(), scan.Options{Registry: all.Registry()}, cluster.Options{Config: cfg})
	if len(listingSkipped(rep)) != 0 || len(rep.Errors) != 0 {
		t.Fatalf("with deploy/rampart-reader.yaml no resource may be skipped: skipped %v, errors %v", rep.Skipped, rep.Errors)
	}
	if rep.Summary.Objects == 0 {
		t.Fatal("the reader saw no objects")
	}
}

func TestFewerRightsAreReportedAsSkipped(t *testing.T) {
	cs := mustAdmin(t)
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "limited"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// "limited" may list pods and nothing else, and only in its namespace.
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pods", Namespace: "limited"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}}}
	if _, err := cs.RbacV1().Roles("limited").Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pods", Namespace: "limited"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pods"},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "limited"}}}
	if _, err := cs.RbacV1().RoleBindings("limited").Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg, err := shared.UserConfig("limited")
	if err != nil {
		t.Fatal(err)
	}
	rep := scan.Cluster(ctx, scan.Options{Registry: all.Registry()}, cluster.Options{Config: cfg, Namespaces: []string{"limited"}})
	if len(rep.Errors) != 0 {
		t.Fatalf("missing rights are not errors: %v", rep.Errors)
	}
	skipped := map[string]bool{}
	for _, s := range listingSkipped(rep) {
		skipped[s.Resource] = true
	}
	if skipped["pods"] || !skipped["deployments"] || !skipped["namespaces"] || !skipped["secrets"] {
		t.Errorf("pods are allowed; deployments, namespaces and secrets are not: skipped %v", skipped)
	}
	if len(listingSkipped(rep)) != len(cluster.Resources)-1 {
		t.Errorf("want every resource but pods skipped, got %d of %d", len(rep.Skipped), len(cluster.Resources))
	}
}

func mustAdmin(t *testing.T) *kubernetes.Clientset {
	t.Helper()
	cs, err := shared.Admin()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestScanIsReadOnly scans a cluster whose API server audits every request
// and asserts that rampart's user sent no write. The one create allowed is
// of SubjectAccessReviews (questions to the authorizer, which store
// nothing): with anonymous authentication on, as here, the anonymous
// access check asks what anonymous users may do.
func TestScanIsReadOnly(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "audit.yaml")
	if err := os.WriteFile(policy, []byte("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "audit.log")
	c, err := testcluster.Start(context.Background(), testcluster.Options{Controllers: []string{"namespace-controller"},
		APIServerArgs: []string{"--audit-policy-file=" + policy, "--audit-log-path=" + logPath, "--anonymous-auth=true"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	cfg, err := c.UserConfig("rampart-audited", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	rep := scan.Cluster(context.Background(), scan.Options{Registry: all.Registry()}, cluster.Options{Config: cfg})
	if len(rep.Errors) != 0 {
		t.Fatal(rep.Errors)
	}
	// The audit log is written asynchronously: wait until rampart's requests show up.
	verbs := map[string]int{}
	err = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		verbs = auditVerbs(t, logPath, "rampart-audited")
		lists := 0
		for k, n := range verbs {
			if strings.HasPrefix(k, "list ") {
				lists += n
			}
		}
		return lists >= len(cluster.Resources) && verbs["create subjectaccessreviews"] > 0, nil
	})
	if err != nil {
		t.Fatalf("rampart's lists and reviews never reached the audit log: %v", verbs)
	}
	for k, n := range verbs {
		v, resource, _ := strings.Cut(k, " ")
		if v != "list" && v != "get" && v != "watch" && (v != "create" || resource != "subjectaccessreviews") {
			t.Errorf("rampart sent %d %q requests", n, k)
		}
	}
	t.Logf("audit log: rampart's user sent %v", verbs)
}

func auditVerbs(t *testing.T, path, user string) map[string]int {
	t.Helper()
	f, err := os.Open(path) // #nosec G304 -- the test's own audit log
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct {
			Stage string `json:"stage"`
			Verb  string `json:"verb"`
			User  struct {
				Username string `json:"username"`
			} `json:"user"`
			ObjectRef struct {
				Resource string `json:"resource"`
			} `json:"objectRef"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.User.Username == user && ev.Stage == "ResponseComplete" {
			out[ev.Verb+" "+ev.ObjectRef.Resource]++
		}
	}
	return out
}

// TestServerGoneMidScan: the API server dies while rampart lists; the scan
// ends with errors, quickly, instead of hanging.
func TestServerGoneMidScan(t *testing.T) {
	c, err := testcluster.Start(context.Background(), testcluster.Options{Controllers: []string{"namespace-controller"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	cfg, err := c.UserConfig("rampart", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// Pages of one object keep every list going past its first page (the
	// namespaces alone are four), and sync.Once holds every lister until
	// the server is down, so no list can finish before it dies, however
	// the goroutines are scheduled.
	var stop sync.Once
	rep := scan.Cluster(context.Background(), scan.Options{Registry: all.Registry()}, cluster.Options{Config: cfg, Timeout: 5 * time.Second,
		PageSize: 1,
		Progress: func(string, int) { stop.Do(c.StopAPIServer) }})
	if took := time.Since(start); took > 60*time.Second {
		t.Errorf("the scan took %v after the server died", took)
	}
	if len(rep.Errors) == 0 {
		t.Fatalf("a scan that lost its server must report errors; skipped %v", rep.Skipped)
	}
	t.Logf("after the API server died: %d errors, first: %s", len(rep.Errors), rep.Errors[0].Message)
}

// TestCommandLine runs `rampart scan --cluster` as a user would, with a
// kubeconfig file, a context and -n.
func TestCommandLine(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := shared.WriteKubeconfig(kubeconfig, "rampart-test-admin", "system:masters"); err != nil {
		t.Fatal(err)
	}
	cs := mustAdmin(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "cli"}}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "root", Namespace: "cli"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "busybox:1.37"}}}}
	if _, err := cs.CoreV1().Pods("cli").Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (finding.Report, int, string) {
		var out, errOut strings.Builder
		code := cli.Run(args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		var rep finding.Report
		if code != cli.ExitError {
			if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, out.String())
			}
		}
		return rep, code, errOut.String()
	}
	rep, code, stderr := run("scan", "--cluster", "--kubeconfig", kubeconfig, "--context", "test", "-n", "cli", "-o", "json")
	if code != cli.ExitFindings {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	for _, f := range rep.Findings {
		if f.Resource.Namespace != "cli" && f.Resource.Namespace != "" {
			t.Errorf("-n cli, but a finding in %q", f.Resource.Namespace)
		}
	}
	if len(rep.Findings) == 0 {
		t.Fatal("the root pod must give findings")
	}
	t.Setenv("KUBECONFIG", kubeconfig)
	if _, code, stderr := run("scan", "--cluster", "-n", "cli", "-o", "json"); code != cli.ExitFindings {
		t.Errorf("KUBECONFIG must be honoured: exit %d, %s", code, stderr)
	}
	if _, code, _ := run("scan", "--cluster", "--context", "nope", "-o", "json"); code != cli.ExitError {
		t.Errorf("an unknown context is a usage error, exit %d", code)
	}
	if _, code, _ := run("scan", "--cluster", "examples", "-o", "json"); code != cli.ExitError {
		t.Errorf("paths and --cluster together are a usage error, exit %d", code)
	}
}

// TestOwnedObjectsAreReportedOnTheOwner: a Deployment's ReplicaSet and pods
// are folded into it; findings appear once, on the Deployment, with the
// pods counted.
func TestOwnedObjectsAreReportedOnTheOwner(t *testing.T) {
	ctx := context.Background()
	cs := mustAdmin(t)
	ns := "owners"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "web"}
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "busybox:1.37"}}}
	replicas := int32(2)
	dep, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctrl := true
	// The test cluster runs no deployment controller: create what it would.
	rs, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-1",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: dep.Name, UID: dep.UID, Controller: &ctrl}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web-1-a", "web-1-b"} {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &ctrl}}}, Spec: spec}
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A bare pod stays.
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bare"}, Spec: spec}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rep := scan.Cluster(ctx, scan.Options{Registry: all.Registry()}, cluster.Options{Config: adminConfig(t), Namespaces: []string{ns}})
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Resource.Namespace != ns {
			continue
		}
		seen[f.Resource.Kind+"/"+f.Resource.Name] = true
		if f.Resource.Kind == "Deployment" && f.Evidence["pods"] != 2 {
			t.Errorf("the Deployment's finding must count its 2 pods: %v", f.Evidence)
		}
	}
	if !seen["Deployment/web"] || !seen["Pod/bare"] || seen["ReplicaSet/web-1"] || seen["Pod/web-1-a"] || seen["Pod/web-1-b"] {
		t.Errorf("findings must be on the Deployment and the bare pod only: %v", seen)
	}
}

// TestAnonymousAccess: with anonymous authentication on and the view role
// bound to system:anonymous, the probe reports what an unauthenticated
// client can read; with anonymous authentication off it reports nothing.
func TestAnonymousAccess(t *testing.T) {
	find := func(rep *finding.Report) []finding.Finding {
		var out []finding.Finding
		for _, f := range rep.Findings {
			if f.CheckID == "cluster/anonymous-access" {
				out = append(out, f)
			}
		}
		return out
	}
	rep := scan.Cluster(context.Background(), scan.Options{Registry: all.Registry()}, cluster.Options{Config: adminConfig(t), Namespaces: []string{"default"}})
	if got := find(rep); len(got) != 0 {
		t.Errorf("the shared cluster runs with --anonymous-auth=false: %+v", got)
	}
	c, err := testcluster.Start(context.Background(), testcluster.Options{Controllers: []string{"clusterrole-aggregation-controller"},
		APIServerArgs: []string{"--anonymous-auth=true"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	cs, err := c.Admin()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := c.UserConfig("rampart", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	// Anonymous on, default RBAC: only health and version are public.
	if got := find(scan.Cluster(context.Background(), scan.Options{Registry: all.Registry()}, cluster.Options{Config: cfg, Namespaces: []string{"default"}})); len(got) != 0 {
		t.Errorf("default RBAC gives anonymous users health and version only: %+v", got)
	}
	rb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "anonymous-view"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "system:anonymous"}}}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(context.Background(), rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []finding.Finding
	_ = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		got = find(scan.Cluster(context.Background(), scan.Options{Registry: all.Registry()}, cluster.Options{Config: cfg, Namespaces: []string{"default"}}))
		return len(got) == 1 && strings.Contains(got[0].Message, "/api/v1/pods"), nil
	})
	if len(got) != 1 || got[0].Severity != finding.SeverityCritical || !strings.Contains(got[0].Message, "/api/v1/pods") {
		t.Fatalf("anonymous view access must be critical and name pods: %+v", got)
	}
	if strings.Contains(got[0].Message, "secrets") {
		t.Errorf("view does not grant secrets: %s", got[0].Message)
	}
	// The authorizer, asked with the admin's credentials, says the same
	// and more than the GETs show: view lists pods and ConfigMaps, and
	// grants nothing that writes.
	authorized, _ := got[0].Evidence["authorized"].([]string)
	if !slices.Contains(authorized, "list pods") || !slices.Contains(authorized, "list configmaps") ||
		slices.ContainsFunc(authorized, func(a string) bool { return strings.Contains(a, "secrets") || strings.HasPrefix(a, "create") }) {
		t.Errorf("the authorizer's answers for anonymous with view: %v", authorized)
	}
	// Credentials that may not ask the authorizer (the reader role): the
	// GETs still tell, and the report says what could not be judged.
	bindReaderIn(t, cs, "reader")
	readerCfg, err := c.UserConfig("reader")
	if err != nil {
		t.Fatal(err)
	}
	var rep2 *finding.Report
	_ = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		rep2 = scan.Cluster(context.Background(), scan.Options{Registry: all.Registry()}, cluster.Options{Config: readerCfg, Namespaces: []string{"default"}})
		return len(listingSkipped(rep2)) == 0, nil
	})
	if got := find(rep2); len(got) != 1 || got[0].Evidence["authorized"] != nil || !strings.Contains(got[0].Message, "/api/v1/pods") {
		t.Errorf("with the reader role, the GETs alone must tell: %+v", got)
	}
	skippedAnon := false
	for _, s := range rep2.Skipped {
		if s.CheckID == "cluster/anonymous-access" && strings.Contains(s.Reason, "could not ask the authorizer") {
			skippedAnon = true
		}
	}
	if !skippedAnon {
		t.Errorf("the reader may not create SubjectAccessReviews: the report must say so: %+v", rep2.Skipped)
	}
}

// TestVersionChecks: the test cluster reports v1.37.2; data that lists a
// CVE fixed in v1.37.3 and an end of life in the past must give both
// findings, and data without the minor must say the check was skipped.
func TestVersionChecks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	affected := write("affected.yaml", `date: 2026-11-23
cves:
  - {id: CVE-TEST-1, summary: s, severity: critical, cvss: 9.1, affected: [{introduced: "1.37.0", fixed: "1.37.3"}], verified: true}
  - {id: CVE-TEST-2, summary: s, severity: high, affected: [{introduced: "1.36.0", fixed: "1.37.2"}], verified: true}
releases:
  - {minor: "1.37", eol: "2020-01-01", verified: true}
`)
	unknown := write("unknown.yaml", "date: 2026-11-23\ncves:\n  - {id: CVE-TEST-3, summary: s, severity: low, affected: [{introduced: \"1.0.0\", fixed: \"1.2.0\"}], verified: true}\n")
	kubeconfig := filepath.Join(dir, "config")
	if err := shared.WriteKubeconfig(kubeconfig, "rampart-test-admin", "system:masters"); err != nil {
		t.Fatal(err)
	}
	scanWith := func(db string) finding.Report {
		var out, errOut strings.Builder
		code := cli.Run([]string{"scan", "--cluster", "--kubeconfig", kubeconfig, "-n", "default", "--db", db, "-o", "json", "--fail-on", "none"},
			cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		if code != cli.ExitOK {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		var rep finding.Report
		if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := scanWith(affected)
	var vuln, eol *finding.Finding
	for i := range rep.Findings {
		switch rep.Findings[i].CheckID {
		case "cluster/version-vulnerable":
			vuln = &rep.Findings[i]
		case "cluster/version-unsupported":
			eol = &rep.Findings[i]
		}
	}
	if vuln == nil || vuln.Severity != finding.SeverityCritical || !strings.Contains(vuln.Message, "CVE-TEST-1") || strings.Contains(vuln.Message, "CVE-TEST-2") {
		t.Errorf("v1.37.2 is affected by CVE-TEST-1 (fixed in 1.37.3) and not by CVE-TEST-2 (fixed in 1.37.2): %+v", vuln)
	}
	if eol == nil || !strings.Contains(eol.Message, "2020-01-01") {
		t.Errorf("1.37 past its end of life: %+v", eol)
	}
	rep = scanWith(unknown)
	skipped := false
	for _, s := range rep.Skipped {
		if s.CheckID == "cluster/version-unsupported" {
			skipped = true
		}
	}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.CheckID, "cluster/version-") {
			t.Errorf("unexpected %s: %s", f.CheckID, f.Message)
		}
	}
	if !skipped {
		t.Errorf("without an end-of-life date for 1.37 the check must be reported as skipped: %+v", rep.Skipped)
	}
}
