package etcd

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// ProbeOptions say what to probe and with what.
type ProbeOptions struct {
	// Endpoints are etcd client URLs (https://host:2379, http://host:2379,
	// or host:port). The scheme does not limit the probe: both plain HTTP
	// and TLS are tried on every one.
	Endpoints []string
	// PeerURLs are etcd peer URLs (host:2380), probed the same way.
	PeerURLs []string
	// RootCAs, when set, verifies etcd's server certificate (reported as
	// evidence; the probe itself does not depend on it).
	RootCAs *x509.CertPool
	// ClientCert, when set, is also tried, to show that a right
	// certificate is accepted.
	ClientCert *tls.Certificate
	// Timeout bounds each attempt (default 5s).
	Timeout time.Duration
}

// Outcomes of one attempt.
const (
	OutcomeAnswered     = "answered"     // etcd served the request
	OutcomeRefused      = "refused"      // TLS alert (or 401/403): authentication required
	OutcomeNotPlain     = "not-plain"    // the port does not speak plain HTTP (a TLS port)
	OutcomeNotTLS       = "not-tls"      // the port does not speak TLS
	OutcomeUnreachable  = "unreachable"  // no TCP connection
	OutcomeInconclusive = "inconclusive" // connected, but the answer says nothing either way
)

// Attempt is one request the probe sent and what came back.
type Attempt struct {
	// Try says what was sent: "plain HTTP", "TLS, no client certificate"
	// or "TLS, client certificate", each a GET /version.
	Try     string `json:"try"`
	Request string `json:"request"`
	Outcome string `json:"outcome"`
	// Answer is what etcd answered: a status and etcd's version, or the
	// error (a TLS alert, say), never more than a line.
	Answer string `json:"answer"`
	// Handshake is set for TLS attempts whose handshake completed: under
	// TLS 1.3 a missing client certificate is refused only after it, on
	// the first read.
	Handshake *Handshake `json:"handshake,omitempty"`
}

// Handshake describes a completed TLS handshake.
type Handshake struct {
	Version string `json:"version"`
	// ServerSubject and ServerIssuer name etcd's certificate.
	ServerSubject string `json:"serverSubject"`
	ServerIssuer  string `json:"serverIssuer"`
	SelfSigned    bool   `json:"selfSigned,omitempty"`
	// Verified is set when a CA was given: whether the certificate
	// chains to it.
	Verified *bool `json:"verified,omitempty"`
	// ClientCertRequested says etcd asked for a client certificate.
	ClientCertRequested bool `json:"clientCertRequested"`
}

// EndpointResult is the probe of one endpoint.
type EndpointResult struct {
	Endpoint string    `json:"endpoint"`
	Role     string    `json:"role"` // client or peer
	Attempts []Attempt `json:"attempts"`
	// Verdict sums it up: plaintext, no-client-cert-auth,
	// client-cert-auth, unreachable or inconclusive.
	Verdict string `json:"verdict"`

	// The attempts the verdict rests on: HTTP's, or gRPC's when HTTP
	// had no clear answer (a port that serves gRPC alone).
	plain, anon, withCert *Attempt
}

// ProbeResult is the probe of every endpoint and its findings.
type ProbeResult struct {
	Endpoints []EndpointResult     `json:"endpoints"`
	Findings  []finding.Finding    `json:"-"`
	Errors    []finding.InputError `json:"-"`
	Skipped   []finding.Skipped    `json:"-"`
}

// Verdicts.
const (
	VerdictPlaintext      = "plaintext"
	VerdictNoClientAuth   = "no-client-cert-auth"
	VerdictClientCertAuth = "client-cert-auth"
	VerdictUnreachable    = "unreachable"
	VerdictInconclusive   = "inconclusive"
)

// Probe sends GET /version to every endpoint on plain HTTP, over TLS
// without a client certificate and, when one is given, with it, and
// classifies each on what etcd answered. It sends nothing else and never
// writes.
func Probe(ctx context.Context, opts ProbeOptions) *ProbeResult {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	res := &ProbeResult{}
	for _, role := range []struct {
		name string
		urls []string
	}{{"client", opts.Endpoints}, {"peer", opts.PeerURLs}} {
		for _, e := range role.urls {
			hostport, err := hostPort(e, role.name)
			if err != nil {
				res.Errors = append(res.Errors, finding.InputError{File: e, Message: err.Error()})
				continue
			}
			er := probeEndpoint(ctx, opts, hostport, role.name)
			judge(res, er, opts)
			res.Endpoints = append(res.Endpoints, er)
		}
	}
	rep := finding.Report{Findings: res.Findings, Errors: res.Errors, Skipped: res.Skipped}
	rep.Sort()
	return res
}

// hostPort takes host:port out of an endpoint, with etcd's default port
// for the role when none is given.
func hostPort(endpoint, role string) (string, error) {
	s := endpoint
	if !strings.Contains(s, "://") {
		s = "tcp://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("not an endpoint URL: %q", endpoint)
	}
	switch u.Scheme {
	case "http", "https", "tcp", "unixs", "unix":
	default:
		return "", fmt.Errorf("endpoint %q: scheme %q is not http or https", endpoint, u.Scheme)
	}
	if u.Scheme == "unix" || u.Scheme == "unixs" {
		return "", fmt.Errorf("endpoint %q: unix sockets are not probed", endpoint)
	}
	if u.Port() != "" {
		return u.Host, nil
	}
	port := "2379"
	if role == "peer" {
		port = "2380"
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

func probeEndpoint(ctx context.Context, opts ProbeOptions, hostport, role string) EndpointResult {
	er := EndpointResult{Endpoint: hostport, Role: role}
	attempts := []Attempt{plainAttempt(ctx, opts.Timeout, hostport), tlsAttempt(ctx, opts, hostport, nil)}
	if opts.ClientCert != nil {
		attempts = append(attempts, tlsAttempt(ctx, opts, hostport, opts.ClientCert))
	}
	er.Verdict = verdict(attempts[0], attempts[1])
	if er.Verdict == VerdictInconclusive && role == "client" {
		// etcd run with --listen-client-http-urls serves gRPC alone on
		// its client URLs: ask the same in gRPC (Maintenance.Status, a
		// read of the member's status).
		g := []Attempt{grpcAttempt(ctx, opts, hostport, false, nil), grpcAttempt(ctx, opts, hostport, true, nil)}
		if opts.ClientCert != nil {
			g = append(g, grpcAttempt(ctx, opts, hostport, true, opts.ClientCert))
		}
		if v := verdict(g[0], g[1]); v != VerdictInconclusive {
			er.Attempts = append(attempts, g...)
			er.Verdict = v
			er.setDecisive(len(attempts), opts.ClientCert != nil)
			return er
		}
		attempts = append(attempts, g...)
	}
	withCert := -1
	if opts.ClientCert != nil {
		withCert = 2
		if attempts[2].Outcome == OutcomeInconclusive && er.Verdict == VerdictClientCertAuth {
			// Refused without a certificate at the TLS layer, but the
			// port answers no HTTP: ask with the certificate in gRPC.
			attempts = append(attempts, grpcAttempt(ctx, opts, hostport, true, opts.ClientCert))
			withCert = len(attempts) - 1
		}
	}
	er.Attempts = attempts
	er.plain, er.anon = &er.Attempts[0], &er.Attempts[1]
	if withCert >= 0 {
		er.withCert = &er.Attempts[withCert]
	}
	return er
}

func (er *EndpointResult) setDecisive(from int, withCert bool) {
	er.plain, er.anon = &er.Attempts[from], &er.Attempts[from+1]
	if withCert {
		er.withCert = &er.Attempts[from+2]
	}
}

func verdict(plain, anon Attempt) string {
	switch {
	case plain.Outcome == OutcomeAnswered:
		return VerdictPlaintext
	case anon.Outcome == OutcomeAnswered:
		return VerdictNoClientAuth
	case anon.Outcome == OutcomeRefused:
		return VerdictClientCertAuth
	case plain.Outcome == OutcomeUnreachable && anon.Outcome == OutcomeUnreachable:
		return VerdictUnreachable
	}
	return VerdictInconclusive
}

// grpcAttempt asks etcd's Maintenance.Status over gRPC, on plain HTTP/2
// or over TLS (with cert, if given), without retries: the connection's
// own error (a TLS alert, say) is what comes back.
func grpcAttempt(ctx context.Context, opts ProbeOptions, hostport string, useTLS bool, cert *tls.Certificate) Attempt {
	a := Attempt{Try: "gRPC, plain", Request: "gRPC etcdserverpb.Maintenance/Status to " + hostport}
	creds := insecure.NewCredentials()
	var hs *Handshake
	if useTLS {
		a.Try = "gRPC, TLS, no client certificate"
		if cert != nil {
			a.Try = "gRPC, TLS, client certificate"
		}
		host, _, _ := net.SplitHostPort(hostport)
		requested := false
		cfg := &tls.Config{
			// As in tlsAttempt: the probe judges the server's client
			// authentication; the chain is verified apart and reported.
			InsecureSkipVerify: true, // #nosec G402 -- a probe of the server's client authentication; the chain is verified apart and reported
			MinVersion:         tls.VersionTLS12,
			ServerName:         host,
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				requested = true
				if cert != nil {
					return cert, nil
				}
				return &tls.Certificate{}, nil
			},
			VerifyConnection: func(st tls.ConnectionState) error {
				hs = handshakeOf(st, opts.RootCAs, host)
				hs.ClientCertRequested = requested
				return nil
			},
		}
		creds = credentials.NewTLS(cfg)
	}
	conn, err := grpc.NewClient("passthrough:///"+hostport, grpc.WithTransportCredentials(creds))
	if err != nil {
		a.Outcome, a.Answer = OutcomeInconclusive, oneLine(err.Error())
		return a
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	resp, err := etcdserverpb.NewMaintenanceClient(conn).Status(ctx, &etcdserverpb.StatusRequest{})
	a.Handshake = hs
	if err == nil {
		a.Outcome, a.Answer = OutcomeAnswered, "Status answered, etcd "+printable([]byte(resp.Version))
		return a
	}
	st := status.Convert(err)
	msg := oneLine(st.Message())
	a.Answer = st.Code().String() + ": " + msg
	switch {
	case strings.Contains(msg, "remote error: tls:"):
		a.Outcome = OutcomeRefused
	case st.Code() == codes.Unauthenticated || st.Code() == codes.PermissionDenied:
		a.Outcome = OutcomeRefused
	case strings.Contains(msg, "connection refused"):
		a.Outcome = OutcomeUnreachable
	case useTLS && (strings.Contains(msg, "first record does not look like a TLS handshake") || strings.Contains(msg, "tls: ")):
		a.Outcome = OutcomeNotTLS
	case !useTLS && hs == nil:
		a.Outcome = OutcomeNotPlain
	default:
		a.Outcome = OutcomeInconclusive
	}
	return a
}

const versionPath = "/version"

func request(hostport string) string {
	return "GET " + versionPath + " HTTP/1.1, Host: " + hostport
}

func plainAttempt(ctx context.Context, timeout time.Duration, hostport string) Attempt {
	a := Attempt{Try: "plain HTTP", Request: request(hostport)}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", hostport)
	if err != nil {
		a.Outcome, a.Answer = OutcomeUnreachable, oneLine(err.Error())
		return a
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline(ctx))
	status, body, err := get(conn, hostport)
	switch {
	case err != nil:
		// A TLS port closes the connection, or answers garbage, to a
		// plain request.
		a.Outcome, a.Answer = OutcomeNotPlain, oneLine(err.Error())
	default:
		a.Outcome, a.Answer = classifyHTTP(status, body)
		if a.Outcome != OutcomeAnswered {
			a.Outcome = OutcomeNotPlain
		}
	}
	return a
}

// tlsAttempt handshakes, then sends the request and reads the answer:
// under TLS 1.3 a server that requires a client certificate completes the
// handshake from the client's side and sends its alert with the first
// records after it, so only the read tells.
func tlsAttempt(ctx context.Context, opts ProbeOptions, hostport string, cert *tls.Certificate) Attempt {
	a := Attempt{Try: "TLS, no client certificate", Request: request(hostport)}
	if cert != nil {
		a.Try = "TLS, client certificate"
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", hostport)
	if err != nil {
		a.Outcome, a.Answer = OutcomeUnreachable, oneLine(err.Error())
		return a
	}
	defer raw.Close()
	_ = raw.SetDeadline(deadline(ctx))
	requested := false
	host, _, _ := net.SplitHostPort(hostport)
	cfg := &tls.Config{
		// The probe judges whether etcd authenticates its clients, not
		// whether the client may trust etcd: it must reach servers whose
		// CA it does not have. It sends no secret (a GET of /version; a
		// client certificate's signature is bound to this handshake), and
		// the server certificate is verified below against --cacert when
		// given, and reported.
		InsecureSkipVerify: true, // #nosec G402 -- a probe of the server's client authentication; the chain is verified apart and reported
		MinVersion:         tls.VersionTLS12,
		ServerName:         host,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			requested = true
			if cert != nil {
				return cert, nil
			}
			return &tls.Certificate{}, nil
		},
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		a.Outcome, a.Answer = classifyTLSError(err)
		return a
	}
	a.Handshake = handshakeOf(conn.ConnectionState(), opts.RootCAs, host)
	a.Handshake.ClientCertRequested = requested
	status, body, err := get(conn, hostport)
	if err != nil {
		a.Outcome, a.Answer = classifyTLSError(err)
		if a.Outcome == OutcomeNotTLS {
			a.Outcome = OutcomeInconclusive
		}
		return a
	}
	a.Outcome, a.Answer = classifyHTTP(status, body)
	return a
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// get sends GET /version on conn and reads the status and at most 4 KiB
// of the body.
func get(conn net.Conn, hostport string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+hostport+versionPath, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", "rampart-etcd-probe")
	req.Close = true
	if err := req.Write(conn); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}

// classifyHTTP turns a response into an outcome and a one-line answer.
func classifyHTTP(status int, body []byte) (string, string) {
	answer := fmt.Sprintf("%d %s", status, http.StatusText(status))
	var v struct {
		Server  string `json:"etcdserver"`
		Cluster string `json:"etcdcluster"`
	}
	if json.Unmarshal(body, &v) == nil && v.Server != "" {
		answer += fmt.Sprintf(", etcd %s (cluster %s)", printable([]byte(v.Server)), printable([]byte(v.Cluster)))
	} else if len(body) > 0 {
		answer += ": " + oneLine(printable(body))
	}
	switch {
	case status >= 200 && status < 300:
		return OutcomeAnswered, answer
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return OutcomeRefused, answer
	}
	return OutcomeInconclusive, answer
}

// classifyTLSError reads a TLS failure: an alert from the server means it
// refused us (bad_certificate, certificate_required, handshake_failure,
// unknown_ca...); a record that is not TLS means a plain port.
func classifyTLSError(err error) (string, string) {
	msg := oneLine(err.Error())
	var rh tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &rh):
		return OutcomeNotTLS, msg
	case strings.Contains(msg, "remote error: tls:"), errors.As(err, &alert):
		return OutcomeRefused, msg
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return OutcomeNotTLS, msg
	}
	return OutcomeInconclusive, msg
}

func handshakeOf(st tls.ConnectionState, roots *x509.CertPool, host string) *Handshake {
	h := &Handshake{Version: tls.VersionName(st.Version)}
	if len(st.PeerCertificates) == 0 {
		return h
	}
	leaf := st.PeerCertificates[0]
	h.ServerSubject, h.ServerIssuer = leaf.Subject.String(), leaf.Issuer.String()
	h.SelfSigned = leaf.Subject.String() == leaf.Issuer.String() && leaf.CheckSignatureFrom(leaf) == nil
	if roots != nil {
		inter := x509.NewCertPool()
		for _, c := range st.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host})
		ok := err == nil
		h.Verified = &ok
	}
	return h
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// judge turns an endpoint's verdict into findings, skipped checks and
// errors.
func judge(res *ProbeResult, er EndpointResult, opts ProbeOptions) {
	plainID, authID := IDPlaintextClient, IDNoClientCertAuth
	if er.Role == "peer" {
		plainID, authID = IDPeerPlaintext, IDPeerNoClientCertAuth
	}
	res0 := finding.Resource{Kind: "EtcdEndpoint", Name: er.Endpoint}
	if er.Role == "peer" {
		res0.Kind = "EtcdPeerEndpoint"
	}
	ev := func(as ...Attempt) map[string]any {
		return map[string]any{"endpoint": er.Endpoint, "role": er.Role, "attempts": as}
	}
	plain, anon := *er.plain, *er.anon
	switch er.Verdict {
	case VerdictPlaintext:
		res.Findings = append(res.Findings, newFinding(checkMeta(plainID), res0,
			fmt.Sprintf("etcd %s port %s answered a plain HTTP request without any credential: %s", er.Role, er.Endpoint, plain.Answer), ev(plain)))
		if anon.Outcome == OutcomeAnswered {
			// Both on one port (http and https listeners sharing it).
			res.Findings = append(res.Findings, newFinding(checkMeta(authID), res0,
				fmt.Sprintf("etcd %s port %s also answered a TLS request without a client certificate: %s", er.Role, er.Endpoint, anon.Answer), ev(anon)))
		}
	case VerdictNoClientAuth:
		res.Findings = append(res.Findings, newFinding(checkMeta(authID), res0,
			fmt.Sprintf("etcd %s port %s answered a TLS request without a client certificate: %s", er.Role, er.Endpoint, anon.Answer), ev(plain, anon)))
	case VerdictUnreachable:
		// An endpoint the user named and the probe could not reach is an
		// input that could not be read: never a pass.
		res.Errors = append(res.Errors, finding.InputError{File: er.Endpoint, Message: "etcd " + er.Role + " endpoint not reachable: " + plain.Answer})
		for _, id := range []string{plainID, authID} {
			res.Skipped = append(res.Skipped, finding.Skipped{CheckID: id, Resource: er.Endpoint, Reason: "not reachable: " + plain.Answer})
		}
	case VerdictInconclusive:
		if plain.Outcome != OutcomeNotPlain && plain.Outcome != OutcomeAnswered {
			res.Skipped = append(res.Skipped, finding.Skipped{CheckID: plainID, Resource: er.Endpoint, Reason: "no clear answer to plain HTTP: " + plain.Answer})
		}
		res.Skipped = append(res.Skipped, finding.Skipped{CheckID: authID, Resource: er.Endpoint, Reason: fmt.Sprintf("no clear answer over TLS (%s): %s", anon.Outcome, anon.Answer)})
	}
	if er.withCert != nil && er.Verdict != VerdictUnreachable && er.Verdict != VerdictPlaintext {
		if withCert := *er.withCert; withCert.Outcome != OutcomeAnswered {
			res.Errors = append(res.Errors, finding.InputError{File: er.Endpoint,
				Message: fmt.Sprintf("etcd did not accept the given client certificate (%s): %s", withCert.Outcome, withCert.Answer)})
		}
	}
}
