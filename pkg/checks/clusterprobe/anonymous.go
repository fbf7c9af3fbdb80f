// Package clusterprobe holds checks that ask a live API server directly,
// beyond the objects it stores. Probes only read.
package clusterprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"k8s.io/client-go/rest"
)

// Checks returns the live probes.
func Checks() []check.Check {
	return []check.Check{anonymousAccess{}, versionVulnerable{}, versionUnsupported{}}
}

// harmless are the paths Kubernetes serves to everyone by design
// (system:public-info-viewer).
var harmless = []string{"/version", "/healthz", "/livez", "/readyz"}

// sensitive are the paths an unauthenticated client must not reach; each
// is a plain GET (lists ask for one item).
var sensitive = []string{
	"/api", "/apis", "/openapi/v2",
	"/api/v1/namespaces?limit=1", "/api/v1/pods?limit=1", "/api/v1/secrets?limit=1",
	"/api/v1/configmaps?limit=1", "/apis/apps/v1/deployments?limit=1",
	"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=1",
}

type anonymousAccess struct{}

func (anonymousAccess) Meta() check.Meta {
	return check.Meta{
		ID: "cluster/anonymous-access", Title: "API server answers unauthenticated requests", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCluster,
		Why:         "Anything an anonymous client can read is readable by everyone who can reach the API server.",
		Remediation: "run kube-apiserver with --anonymous-auth=false (or limit it to health endpoints with an AuthenticationConfiguration), and remove RBAC bindings to system:anonymous and system:unauthenticated",
		Controls:    []string{"CIS 1.2.1"},
		Kinds:       []string{"(live API server)"},
	}
}

// CheckCluster sends unauthenticated GETs to the API server, trusting only
// the CA of the user's configuration, and reports every path beyond health
// and version that answers with data.
func (anonymousAccess) CheckCluster(ctx context.Context, _ *check.Context, cfg *rest.Config, report func(check.Result)) {
	client, err := anonymousClient(cfg)
	if err != nil {
		return
	}
	target := apiServer(cfg)
	var open []string
	statuses := map[string]int{}
	for _, p := range sensitive {
		code := get(ctx, client, cfg.Host+p)
		statuses[p] = code
		if code == http.StatusOK {
			open = append(open, strings.SplitN(p, "?", 2)[0])
		}
	}
	if len(open) == 0 {
		return
	}
	for _, p := range harmless {
		statuses[p] = get(ctx, client, cfg.Host+p)
	}
	sev := finding.SeverityMedium
	for _, p := range open {
		if p != "/api" && p != "/apis" && p != "/openapi/v2" {
			sev = finding.SeverityCritical // objects, not only discovery
		}
	}
	report(check.Result{Resource: target, Severity: sev, Field: "anonymous",
		Evidence: map[string]any{"reachable": open, "statuses": statuses},
		Message:  fmt.Sprintf("an unauthenticated client can read %s", strings.Join(open, ", "))})
}

func get(ctx context.Context, client *http.Client, url string) int {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	resp, err := client.Do(req) // #nosec G107 -- the user's own API server
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	return resp.StatusCode
}

// anonymousClient trusts what the user's configuration trusts but sends no
// credentials.
func anonymousClient(cfg *rest.Config) (*http.Client, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.ServerName}
	caData := cfg.CAData
	if len(caData) == 0 && cfg.CAFile != "" {
		b, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, err
		}
		caData = b
	}
	if len(caData) > 0 {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caData)
		tlsCfg.RootCAs = pool
	}
	// #nosec G402 -- honours the user's own kubeconfig choice (insecure-skip-tls-verify)
	tlsCfg.InsecureSkipVerify = cfg.Insecure
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, Proxy: http.ProxyFromEnvironment}, Timeout: 15 * time.Second}, nil
}
