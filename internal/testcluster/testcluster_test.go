package testcluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// One cluster for the package's tests, as DESIGN.md asks.
var shared *Cluster

func TestMain(m *testing.M) {
	os.Exit(func() int {
		c, err := Start(context.Background(), Options{})
		if err != nil {
			println("testcluster:", err.Error())
			return 1
		}
		shared = c
		defer c.Stop()
		return m.Run()
	}())
}

func TestServesTheRealVersion(t *testing.T) {
	if shared.Version != "v1.37.2" {
		t.Errorf("API server reports %q, want v1.37.2", shared.Version)
	}
}

func TestControllersRun(t *testing.T) {
	ctx := context.Background()
	admin, err := shared.Admin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ctrl"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The serviceaccount controller creates "default" in every namespace.
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := admin.CoreV1().ServiceAccounts("ctrl").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("no default ServiceAccount: is kube-controller-manager running? %v", err)
	}
	// The aggregation controller fills aggregated ClusterRoles (admin, edit, view).
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		cr, err := admin.RbacV1().ClusterRoles().Get(ctx, "view", metav1.GetOptions{})
		return err == nil && len(cr.Rules) > 0, nil
	})
	if err != nil {
		t.Fatalf("ClusterRole view has no aggregated rules: %v", err)
	}
}

func TestUsersAreAuthorizedByRBAC(t *testing.T) {
	ctx := context.Background()
	admin, err := shared.Admin()
	if err != nil {
		t.Fatal(err)
	}
	ns := "rbac"
	if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: ns},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}}}
	if _, err := admin.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "devs", Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pod-reader"},
		Subjects: []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "developers"}}}
	if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dev, err := shared.Client("dev1", "developers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dev.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("dev1 is in developers, which may list pods: %v", err)
	}
	if _, err := dev.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("dev1 may not list secrets, got %v", err)
	}
	other, err := shared.Client("dev2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("dev2 is in no group and may not list pods, got %v", err)
	}
}

func TestStopCleansUp(t *testing.T) {
	c, err := Start(context.Background(), Options{Controllers: []string{"namespace-controller"}})
	if err != nil {
		t.Fatal(err)
	}
	pids, dir := c.Pids(), c.Dir
	if len(pids) != 3 {
		t.Fatalf("want etcd, kube-apiserver and kube-controller-manager, got %d processes", len(pids))
	}
	c.Stop()
	c.Stop() // idempotent
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists after Stop (%v)", pid, err)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) && os.Getenv("RAMPART_KEEP_TESTCLUSTER") == "" {
		t.Errorf("cluster folder %s still exists", dir)
	}
	if !strings.HasPrefix(c.URL, "https://127.0.0.1:") {
		t.Errorf("API server must listen on loopback, got %s", c.URL)
	}
}

// TestFailedStartCleansUp: an API server that refuses its flags makes
// Start return an error (not panic), with its processes and folder gone.
func TestFailedStartCleansUp(t *testing.T) {
	// A folder of our own for the cluster's folder: other packages' tests
	// start clusters in the shared temp folder meanwhile.
	t.Setenv("TMPDIR", t.TempDir())
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "rampart-testcluster-*"))
	c, err := Start(context.Background(), Options{NoControllerManager: true, APIServerArgs: []string{"--no-such-flag"}, StartTimeout: 8 * time.Second})
	if err == nil {
		c.Stop()
		t.Fatal("an API server with an unknown flag started")
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "rampart-testcluster-*"))
	for _, d := range after {
		if !slices.Contains(before, d) {
			t.Errorf("a failed start left %s behind", d)
		}
	}
}
