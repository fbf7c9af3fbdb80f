// Package clusterprobe holds checks that ask a live API server directly,
// beyond the objects it stores. Probes only read.
package clusterprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/kubernetes"
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
// and version that answers with data. When the server takes anonymous
// requests at all, it also asks the server's authorizer, with the user's
// credentials, what the anonymous user may do beyond those GETs (create
// pods, read Secrets, bind roles...): SubjectAccessReviews, which store
// nothing.
func (anonymousAccess) CheckCluster(ctx context.Context, c *check.Context, cfg *rest.Config, report func(check.Result)) {
	client, err := anonymousClient(cfg)
	if err != nil {
		return
	}
	target := apiServer(cfg)
	// 401 is the server refusing anonymous requests before authorization
	// (--anonymous-auth=false, or an AuthenticationConfiguration that
	// limits anonymous requests to paths such as /healthz); any other
	// answer means it authenticated the request as anonymous. One refused
	// /version ends the probe: that is every hardened cluster.
	statuses := map[string]int{}
	anonymousOn := false
	for i, p := range append(append([]string{}, harmless...), sensitive...) {
		code := get(ctx, client, cfg.Host+p)
		statuses[p] = code
		if code != 0 && code != http.StatusUnauthorized {
			anonymousOn = true
		}
		if i == 0 && code == http.StatusUnauthorized {
			break
		}
	}
	if !anonymousOn {
		return // rbac/anonymous-or-all-authenticated reports grants that wait for it
	}
	var open []string
	for _, p := range sensitive {
		if statuses[p] == http.StatusOK {
			open = append(open, strings.SplitN(p, "?", 2)[0])
		}
	}
	allowed, err := anonymousRights(ctx, cfg)
	if err != nil {
		c.Skip("cluster/anonymous-access", target.Kind+"/"+target.Name,
			"could not ask the authorizer what anonymous users may do ("+err.Error()+"): judged by unauthenticated GETs only")
	}
	if len(open) == 0 && len(allowed) == 0 {
		return
	}
	sev := finding.SeverityMedium
	for _, p := range open {
		if p != "/api" && p != "/apis" && p != "/openapi/v2" {
			sev = finding.SeverityCritical // objects, not only discovery
		}
	}
	if len(allowed) > 0 {
		sev = finding.SeverityCritical
	}
	var parts []string
	if len(open) > 0 {
		parts = append(parts, "read "+strings.Join(open, ", "))
	}
	if len(allowed) > 0 {
		parts = append(parts, "according to the server's authorizer, "+strings.Join(allowed, ", "))
	}
	ev := map[string]any{"reachable": open, "statuses": statuses}
	if len(allowed) > 0 {
		ev["authorized"] = allowed
	}
	report(check.Result{Resource: target, Severity: sev, Field: "anonymous", Evidence: ev,
		Message: "an unauthenticated client can " + strings.Join(parts, "; ")})
}

// anonymousActions are what the authorizer is asked about for the
// anonymous user, cluster-wide (RoleBindings of one namespace are the
// RBAC checks' business).
var anonymousActions = []struct {
	verb, group, resource, sub string
}{
	{"*", "*", "*", ""},
	{"list", "", "secrets", ""},
	{"get", "", "secrets", ""},
	{"list", "", "configmaps", ""},
	{"list", "", "pods", ""},
	{"create", "", "pods", ""},
	{"create", "", "pods", "exec"},
	{"create", "apps", "deployments", ""},
	{"list", "", "nodes", ""},
	{"get", "", "nodes", "proxy"},
	{"list", "", "namespaces", ""},
	{"create", "", "serviceaccounts", "token"},
	{"create", "rbac.authorization.k8s.io", "rolebindings", ""},
	{"create", "rbac.authorization.k8s.io", "clusterrolebindings", ""},
	{"bind", "rbac.authorization.k8s.io", "clusterroles", ""},
	{"escalate", "rbac.authorization.k8s.io", "clusterroles", ""},
	{"impersonate", "", "users", ""},
	{"impersonate", "", "groups", ""},
	{"impersonate", "", "serviceaccounts", ""},
	{"create", "certificates.k8s.io", "certificatesigningrequests", ""},
}

// anonymousRights asks the authorizer, one SubjectAccessReview per action,
// what the anonymous user (system:anonymous in system:unauthenticated, as
// the API server authenticates an anonymous request) may do.
func anonymousRights(ctx context.Context, cfg *rest.Config) ([]string, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range anonymousActions {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user.Anonymous, Groups: []string{user.AllUnauthenticated},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: a.verb, Group: a.group, Resource: a.resource, Subresource: a.sub},
		}}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		got, err := cs.AuthorizationV1().SubjectAccessReviews().Create(rctx, sar, metav1.CreateOptions{})
		cancel()
		if err != nil {
			return out, err
		}
		if got.Status.Allowed {
			res := a.resource
			if a.sub != "" {
				res += "/" + a.sub
			}
			if a.group != "" && a.group != "*" {
				res += "." + a.group
			}
			if a.verb == "*" {
				out = append(out, "do anything (every verb on every resource)")
				break
			}
			out = append(out, a.verb+" "+res)
		}
	}
	return out, nil
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
