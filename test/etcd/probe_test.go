// Package etcd tests rampart etcd against a real etcd and kube-apiserver
// (internal/testcluster), one cluster per etcd mode: the probe's findings
// for plain HTTP, TLS, and TLS with client certificate authentication, and
// the encryption scan against API servers with each provider.
package etcd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/internal/cli"
	"github.com/rampart-k8s/rampart/internal/testcluster"
	"github.com/rampart-k8s/rampart/pkg/etcd"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

func start(t *testing.T, sec testcluster.EtcdSecurity, apiArgs ...string) *testcluster.Cluster {
	t.Helper()
	began := time.Now()
	c, err := testcluster.Start(context.Background(), testcluster.Options{Etcd: sec, NoControllerManager: true, APIServerArgs: apiArgs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	t.Logf("cluster with etcd %s started in %v", sec, time.Since(began).Round(time.Millisecond))
	return c
}

func loadCert(t *testing.T, c testcluster.ClientCert) *tls.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &pair
}

// findingSet is check ID and endpoint of each finding.
func findingSet(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.CheckID+" "+f.Resource.Name)
	}
	slices.Sort(out)
	return out
}

func hostport(u string) string {
	return u[strings.Index(u, "://")+3:]
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestProbe(t *testing.T) {
	cases := []struct {
		sec  testcluster.EtcdSecurity
		want func(client, peer string) []string // sorted
		// verdict of each endpoint
		verdict string
	}{
		{testcluster.EtcdPlain, func(c, p string) []string {
			return []string{etcd.IDPeerPlaintext + " " + p, etcd.IDPlaintextClient + " " + c}
		}, etcd.VerdictPlaintext},
		{testcluster.EtcdTLS, func(c, p string) []string {
			return []string{etcd.IDNoClientCertAuth + " " + c, etcd.IDPeerNoClientCertAuth + " " + p} // sorted
		}, etcd.VerdictNoClientAuth},
		{testcluster.EtcdMutualTLS, func(c, p string) []string { return nil }, etcd.VerdictClientCertAuth},
	}
	for _, tc := range cases {
		t.Run(tc.sec.String(), func(t *testing.T) {
			c := start(t, tc.sec)
			ctx := context.Background()
			client, peer := hostport(c.EtcdURL), hostport(c.EtcdPeerURL)
			res := etcd.Probe(ctx, etcd.ProbeOptions{Endpoints: []string{c.EtcdURL}, PeerURLs: []string{c.EtcdPeerURL}, Timeout: 3 * time.Second})
			if got, want := findingSet(res.Findings), tc.want(client, peer); !slices.Equal(got, want) {
				t.Errorf("findings %q, want %q", got, want)
			}
			if len(res.Errors) > 0 || len(res.Skipped) > 0 {
				t.Errorf("errors %v, skipped %v", res.Errors, res.Skipped)
			}
			for _, e := range res.Endpoints {
				if e.Verdict != tc.verdict {
					t.Errorf("%s %s: verdict %s, want %s (attempts %+v)", e.Role, e.Endpoint, e.Verdict, tc.verdict, e.Attempts)
				}
			}
			for _, f := range res.Findings {
				atts, _ := f.Evidence["attempts"].([]etcd.Attempt)
				if len(atts) == 0 || !strings.Contains(atts[len(atts)-1].Answer, "etcd 3.") {
					t.Errorf("%s: evidence should show etcd's answer, has %+v", f.CheckID, f.Evidence)
				}
				if f.Category != finding.CategoryCluster {
					t.Errorf("%s: category %s", f.CheckID, f.Category)
				}
			}
			if tc.sec == testcluster.EtcdPlain {
				return
			}
			// The TLS 1.3 trap: the handshake without a certificate
			// completes, and the refusal (or the answer) comes on the read.
			anon := res.Endpoints[0].Attempts[1]
			if anon.Handshake == nil || anon.Handshake.Version != "TLS 1.3" {
				t.Errorf("no-certificate attempt: want a completed TLS 1.3 handshake, got %+v", anon)
			}
			if tc.sec == testcluster.EtcdMutualTLS {
				if !strings.Contains(anon.Answer, "certificate required") {
					t.Errorf("no-certificate attempt answered %q, want the certificate_required alert", anon.Answer)
				}
				if !anon.Handshake.ClientCertRequested {
					t.Errorf("etcd with --client-cert-auth should ask for a certificate")
				}
			}

			// With the right certificate (the API server's), everything
			// passes and the authenticated request is answered.
			roots := mustRoots(t, c.EtcdCAFile)
			right := etcd.Probe(ctx, etcd.ProbeOptions{Endpoints: []string{c.EtcdURL}, PeerURLs: []string{c.EtcdPeerURL},
				RootCAs: roots, ClientCert: loadCert(t, c.EtcdAPIServerCert), Timeout: 3 * time.Second})
			if got, want := findingSet(right.Findings), tc.want(client, peer); !slices.Equal(got, want) {
				t.Errorf("with the right certificate: findings %q, want %q", got, want)
			}
			if len(right.Errors) > 0 {
				t.Errorf("with the right certificate: errors %v", right.Errors)
			}
			for _, e := range right.Endpoints {
				a := e.Attempts[2]
				if a.Outcome != etcd.OutcomeAnswered || a.Handshake == nil || a.Handshake.Verified == nil || !*a.Handshake.Verified {
					t.Errorf("%s with the right certificate and CA: %+v", e.Endpoint, a)
				}
			}

			// A certificate from another CA: refused when etcd checks
			// certificates, never asked for otherwise.
			foreign, err := c.ForeignClientCert("intruder")
			if err != nil {
				t.Fatal(err)
			}
			wrong := etcd.Probe(ctx, etcd.ProbeOptions{Endpoints: []string{c.EtcdURL}, PeerURLs: []string{c.EtcdPeerURL},
				ClientCert: loadCert(t, foreign), Timeout: 3 * time.Second})
			if tc.sec == testcluster.EtcdMutualTLS {
				if len(wrong.Errors) != 2 {
					t.Fatalf("a foreign certificate: want one error per endpoint, got %v", wrong.Errors)
				}
				for _, e := range wrong.Errors {
					if !strings.Contains(e.Message, "did not accept the given client certificate") || !strings.Contains(e.Message, "unknown certificate authority") {
						t.Errorf("foreign certificate: %s", e.Message)
					}
				}
			} else if len(wrong.Errors) != 0 {
				t.Errorf("etcd without client-cert-auth refused a foreign certificate: %v", wrong.Errors)
			}
		})
	}
}

// TestProbeCommand runs the command line against TLS etcd without client
// certificate authentication: exit 1 and JSON with the evidence; and
// against a closed port: exit 2, reported, not passed.
func TestProbeCommand(t *testing.T) {
	c := start(t, testcluster.EtcdTLS)
	code, out, errOut := runCLI(t, "etcd", "probe", "--endpoints", c.EtcdURL, "--peer-urls", c.EtcdPeerURL, "-o", "json",
		"--cacert", c.EtcdCAFile, "--cert", c.EtcdAPIServerCert.CertFile, "--key", c.EtcdAPIServerCert.KeyFile)
	if code != cli.ExitFindings {
		t.Fatalf("exit %d, want 1; stderr %s", code, errOut)
	}
	var rep struct {
		finding.Report
		Etcd struct {
			Probe etcd.ProbeResult `json:"probe"`
		} `json:"etcd"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ids := map[string]bool{}
	for _, f := range rep.Findings {
		ids[f.CheckID] = true
	}
	if got := slices.Sorted(maps.Keys(ids)); !slices.Equal(got, []string{etcd.IDNoClientCertAuth, etcd.IDPeerNoClientCertAuth}) {
		t.Errorf("findings %v", got)
	}
	if len(rep.Etcd.Probe.Endpoints) != 2 || len(rep.Etcd.Probe.Endpoints[0].Attempts) != 3 {
		t.Errorf("JSON probe section: %+v", rep.Etcd.Probe)
	}
	if strings.Contains(out, "PRIVATE KEY") || strings.Contains(out, "BEGIN CERTIFICATE") {
		t.Errorf("the report carries key or certificate material")
	}

	// Ignore rules of a config file apply as in rampart scan.
	cfgFile := filepath.Join(t.TempDir(), "rampart.yaml")
	if err := os.WriteFile(cfgFile, []byte("ignore:\n- check: etcd/*\n  reason: lab etcd, torn down nightly\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "etcd", "probe", "--endpoints", c.EtcdURL, "--peer-urls", c.EtcdPeerURL, "--config", cfgFile)
	if code != cli.ExitOK || !strings.Contains(out, "2 suppressed") {
		t.Errorf("suppressed by the config: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("probe table:\n%s", out)

	code, out, errOut = runCLI(t, "etcd", "probe", "--endpoints", "127.0.0.1:1", "--timeout", "2s")
	if code != cli.ExitError || !strings.Contains(out, "SKIPPED etcd/plaintext-client") || !strings.Contains(errOut, "not reachable") {
		t.Errorf("closed port: exit %d\n%s\n%s", code, out, errOut)
	}
}

func mustRoots(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(caFile) // #nosec G304 -- the test cluster's CA
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caFile)
	}
	return pool
}

// TestProbeGRPCOnly: etcd with --listen-client-http-urls serves gRPC
// alone on its client URL; HTTP gets no clear answer there, so the probe
// asks Maintenance.Status in gRPC and judges on that.
func TestProbeGRPCOnly(t *testing.T) {
	for _, tc := range []struct {
		sec     testcluster.EtcdSecurity
		verdict string
		ids     []string
	}{
		{testcluster.EtcdPlain, etcd.VerdictPlaintext, []string{etcd.IDPlaintextClient}},
		{testcluster.EtcdTLS, etcd.VerdictNoClientAuth, []string{etcd.IDNoClientCertAuth}},
		{testcluster.EtcdMutualTLS, etcd.VerdictClientCertAuth, nil},
	} {
		t.Run(tc.sec.String(), func(t *testing.T) {
			c, err := testcluster.Start(context.Background(), testcluster.Options{Etcd: tc.sec, EtcdSeparateHTTP: true, NoControllerManager: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Stop)
			opts := etcd.ProbeOptions{Endpoints: []string{c.EtcdURL}, Timeout: 3 * time.Second}
			if tc.sec != testcluster.EtcdPlain {
				opts.ClientCert = loadCert(t, c.EtcdAPIServerCert)
				opts.RootCAs = mustRoots(t, c.EtcdCAFile)
			}
			res := etcd.Probe(context.Background(), opts)
			var ids []string
			for _, f := range res.Findings {
				ids = append(ids, f.CheckID)
			}
			e := res.Endpoints[0]
			if e.Verdict != tc.verdict || !slices.Equal(ids, tc.ids) || len(res.Errors) > 0 || len(res.Skipped) > 0 {
				t.Errorf("verdict %s, findings %v, errors %v, skipped %v; want %s, %v\nattempts %+v", e.Verdict, ids, res.Errors, res.Skipped, tc.verdict, tc.ids, e.Attempts)
			}
			var grpcTries int
			for _, a := range e.Attempts {
				if strings.HasPrefix(a.Try, "gRPC") {
					grpcTries++
				}
			}
			// Mutual TLS refuses at the TLS layer already: HTTP's answer is
			// clear, and gRPC is asked only to try the certificate.
			want := 2
			switch tc.sec {
			case testcluster.EtcdTLS:
				want = 3
			case testcluster.EtcdMutualTLS:
				want = 1
			}
			if grpcTries != want {
				t.Errorf("%d gRPC attempts, want %d: %+v", grpcTries, want, e.Attempts)
			}
			if tc.sec == testcluster.EtcdMutualTLS {
				foreign, err := c.ForeignClientCert("intruder")
				if err != nil {
					t.Fatal(err)
				}
				wrong := etcd.Probe(context.Background(), etcd.ProbeOptions{Endpoints: []string{c.EtcdURL}, ClientCert: loadCert(t, foreign), Timeout: 3 * time.Second})
				if len(wrong.Errors) != 1 || !strings.Contains(wrong.Errors[0].Message, "unknown certificate authority") {
					t.Errorf("a foreign certificate on the gRPC port: errors %v", wrong.Errors)
				}
			}
			// The HTTP endpoints moved: probing them works as before.
			httpRes := etcd.Probe(context.Background(), etcd.ProbeOptions{Endpoints: []string{c.EtcdHTTPURL}, Timeout: 3 * time.Second})
			if httpRes.Endpoints[0].Verdict != tc.verdict {
				t.Errorf("HTTP URL: verdict %s, want %s", httpRes.Endpoints[0].Verdict, tc.verdict)
			}
		})
	}
}
