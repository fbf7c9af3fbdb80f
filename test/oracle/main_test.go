// Package oracle_test checks rampart against a real kube-apiserver used as
// an oracle: for the same objects, rampart's verdicts must be the API
// server's (Pod Security admission, strict field validation).
package oracle_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/internal/testcluster"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// One cluster for the package, as DESIGN.md asks.
var shared *testcluster.Cluster

func TestMain(m *testing.M) {
	os.Exit(func() int {
		c, err := testcluster.Start(context.Background(), testcluster.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "testcluster:", err)
			return 1
		}
		defer c.Stop()
		shared = c
		return m.Run()
	}())
}

// adminConfig returns a cluster-admin client configuration for the shared
// cluster. The API server's deprecation warnings (gitRepo volumes, AppArmor
// annotations: the corpus uses them on purpose) are not printed.
func adminConfig(t *testing.T) *rest.Config {
	t.Helper()
	cfg, err := shared.UserConfig("rampart-test-admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	cfg.WarningHandler = rest.NoWarnings{}
	return cfg
}

// admin returns a cluster-admin clientset of the shared cluster.
func admin(t *testing.T) *kubernetes.Clientset {
	t.Helper()
	cs, err := kubernetes.NewForConfig(adminConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// jsonClient returns a cluster-admin REST client that sends request bodies
// as they are, as JSON: what kubectl sends after its YAML-to-JSON step.
func jsonClient(t *testing.T) *rest.RESTClient {
	t.Helper()
	cfg := adminConfig(t)
	cfg.ContentType = "application/json"
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	rc, err := rest.UnversionedRESTClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// createNamespace creates a namespace with labels and waits for its default
// ServiceAccount: the ServiceAccount admission plugin rejects pods in a
// namespace that does not have it yet.
func createNamespace(ctx context.Context, t *testing.T, cs *kubernetes.Clientset, name string, labels map[string]string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("namespace %s has no default ServiceAccount (is kube-controller-manager running?): %v", name, err)
	}
}
