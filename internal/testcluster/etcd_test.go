package testcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func etcdGet(t *testing.T, url string, cert *ClientCert, caFile string) error {
	t.Helper()
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile) // #nosec G304 -- the test cluster's CA
		if err != nil {
			t.Fatal(err)
		}
		cfg.RootCAs = x509.NewCertPool()
		cfg.RootCAs.AppendCertsFromPEM(pem)
	}
	if cert != nil {
		pair, err := tls.LoadX509KeyPair(cert.CertFile, cert.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// TestEtcdMutualTLS: etcd requires a client certificate from its own CA
// on both ports; the API server reaches it with its own, keeps working
// after a restart with other flags, and Stop leaves nothing behind.
func TestEtcdMutualTLS(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, Options{Etcd: EtcdMutualTLS, NoControllerManager: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if !strings.HasPrefix(c.EtcdURL, "https://127.0.0.1:") || !strings.HasPrefix(c.EtcdPeerURL, "https://127.0.0.1:") {
		t.Fatalf("etcd URLs %s, %s: want https on loopback", c.EtcdURL, c.EtcdPeerURL)
	}
	if len(c.Pids()) != 2 {
		t.Errorf("want etcd and kube-apiserver alone, got %d processes", len(c.Pids()))
	}
	if _, err := os.Stat(c.EtcdDataDir); err != nil {
		t.Errorf("etcd data dir: %v", err)
	}
	foreign, err := c.ForeignClientCert("intruder")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{c.EtcdURL, c.EtcdPeerURL} {
		if err := etcdGet(t, u+"/version", &c.EtcdAPIServerCert, c.EtcdCAFile); err != nil {
			t.Errorf("%s with the API server's certificate: %v", u, err)
		}
		if err := etcdGet(t, u+"/version", nil, c.EtcdCAFile); err == nil {
			t.Errorf("%s answered a client without a certificate", u)
		}
		if err := etcdGet(t, u+"/version", &foreign, c.EtcdCAFile); err == nil {
			t.Errorf("%s answered a certificate from another CA", u)
		}
	}
	admin, err := c.Admin()
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kept", Namespace: "default"}}
	if _, err := admin.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := c.Pids()
	if err := c.RestartAPIServer(ctx, "--profiling=false"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CoreV1().ConfigMaps("default").Get(ctx, "kept", metav1.GetOptions{}); err != nil {
		t.Errorf("after the restart: %v", err)
	}
	after := c.Pids()
	if len(after) != 2 || after[0] != before[0] || after[1] == before[1] {
		t.Errorf("processes before the restart %v, after %v: want the same etcd and a new API server", before, after)
	}
	dir := c.Dir
	c.Stop()
	for _, pid := range append(before, after...) {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists after Stop (%v)", pid, err)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) && os.Getenv("RAMPART_KEEP_TESTCLUSTER") == "" {
		t.Errorf("cluster folder %s still exists", dir)
	}
}

// TestEtcdTLS: TLS without client certificate authentication answers
// anyone, and the API server works against it.
func TestEtcdTLS(t *testing.T) {
	c, err := Start(context.Background(), Options{Etcd: EtcdTLS, NoControllerManager: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if err := etcdGet(t, c.EtcdURL+"/version", nil, c.EtcdCAFile); err != nil {
		t.Errorf("TLS etcd without client-cert-auth refused a client without a certificate: %v", err)
	}
	if err := etcdGet(t, strings.Replace(c.EtcdURL, "https:", "http:", 1)+"/version", nil, ""); err == nil {
		t.Errorf("TLS etcd answered plain HTTP")
	}
}
