package controlplane_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// hardenedAPIServer passes every automated API server control.
var hardenedAPIServer = []string{
	"--anonymous-auth=false", "--authorization-mode=Node,RBAC",
	"--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs",
	"--profiling=false", "--audit-policy-file=/etc/kubernetes/audit-policy.yaml", "--audit-log-path=/var/log/kubernetes/audit.log",
	"--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt", "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
	"--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt", "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
	"--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt", "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
	"--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt", "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
	"--tls-private-key-file=/etc/kubernetes/pki/apiserver.key", "--client-ca-file=/etc/kubernetes/pki/ca.crt",
	"--encryption-provider-config=/etc/kubernetes/enc.yaml", "--service-account-extend-token-expiration=false",
}

// reviews are reported for every API server, whatever its flags.
var apiReviews = []string{"apiserver/request-timeout-review", "auth/user-client-certificates-review", "auth/user-service-account-tokens-review"}

func apiServerReport(t *testing.T, drop []string, add ...string) ([]string, []string) {
	t.Helper()
	objs := parse(t, "/etc/kubernetes/manifests/kube-apiserver.yaml", staticPod("kube-apiserver", flags("kube-apiserver", hardenedAPIServer, drop, add...), ""))
	rep := run(t, objs...)
	var got []string
	for _, id := range ids(rep) {
		if !slices.Contains(apiReviews, id) {
			got = append(got, id)
		}
	}
	var skips []string
	for _, s := range rep.Skipped {
		skips = append(skips, s.CheckID)
	}
	return got, skips
}

// TestAPIServerControls: each control passes on the hardened flags and
// fails on the change named, with nothing else reported.
func TestAPIServerControls(t *testing.T) {
	got, skips := apiServerReport(t, nil)
	if len(got) != 0 {
		t.Fatalf("hardened API server: findings %v", got)
	}
	// A scan of files cannot read owners and modes, nor the files the
	// manifest names: skipped, never passed.
	for _, id := range []string{"file/apiserver-manifest-mode", "file/pki-key-mode", "encryption/resources-uncovered", "audit/policy-gaps"} {
		if !slices.Contains(skips, id) {
			t.Errorf("%s not skipped in a scan of files (skipped: %v)", id, skips)
		}
	}
	cases := []struct {
		id   string
		drop []string
		add  []string
	}{
		{"apiserver/anonymous-auth-enabled", []string{"anonymous-auth"}, nil},
		{"apiserver/anonymous-auth-enabled", nil, []string{"--anonymous-auth=true"}},
		{"apiserver/token-auth-file", nil, []string{"--token-auth-file=/etc/tokens.csv"}},
		{"apiserver/deny-service-external-ips-missing", []string{"enable-admission-plugins"}, []string{"--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages"}},
		{"apiserver/kubelet-client-cert-missing", []string{"kubelet-client-key"}, nil},
		{"apiserver/kubelet-ca-missing", []string{"kubelet-certificate-authority"}, nil},
		{"apiserver/authorization-always-allow", nil, []string{"--authorization-mode=AlwaysAllow,Node,RBAC"}},
		{"apiserver/authorization-node-missing", []string{"authorization-mode"}, []string{"--authorization-mode=RBAC"}},
		{"apiserver/authorization-rbac-missing", []string{"authorization-mode"}, []string{"--authorization-mode=Node,Webhook"}},
		{"apiserver/event-rate-limit-missing", []string{"enable-admission-plugins"}, []string{"--enable-admission-plugins=NodeRestriction,AlwaysPullImages,DenyServiceExternalIPs"}},
		{"apiserver/always-admit-enabled", nil, []string{"--enable-admission-plugins=AlwaysAdmit"}},
		{"apiserver/always-pull-images-missing", []string{"enable-admission-plugins"}, []string{"--enable-admission-plugins=NodeRestriction,EventRateLimit,DenyServiceExternalIPs"}},
		{"apiserver/service-account-admission-disabled", nil, []string{"--disable-admission-plugins=ServiceAccount"}},
		{"apiserver/namespace-lifecycle-disabled", nil, []string{"--disable-admission-plugins=NamespaceLifecycle"}},
		{"apiserver/node-restriction-missing", []string{"enable-admission-plugins"}, []string{"--enable-admission-plugins=EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs"}},
		{"apiserver/profiling-enabled", []string{"profiling"}, nil},
		{"apiserver/service-account-lookup-disabled", nil, []string{"--service-account-lookup=false"}},
		{"apiserver/service-account-key-file-missing", []string{"service-account-key-file"}, nil},
		{"apiserver/etcd-client-cert-missing", []string{"etcd-certfile"}, nil},
		{"apiserver/tls-cert-missing", []string{"tls-private-key-file"}, nil},
		{"apiserver/client-ca-missing", []string{"client-ca-file"}, nil},
		{"apiserver/etcd-ca-missing", []string{"etcd-cafile"}, nil},
		{"apiserver/encryption-config-missing", []string{"encryption-provider-config"}, nil},
		{"apiserver/weak-tls-cipher-suites", nil, []string{"--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_3DES_EDE_CBC_SHA"}},
		{"apiserver/weak-tls-cipher-suites", nil, []string{"--tls-cipher-suites=TLS_RSA_WITH_AES_128_GCM_SHA256"}},
		{"apiserver/service-account-token-expiration-extended", []string{"service-account-extend-token-expiration"}, nil},
		{"auth/bootstrap-token-auth-enabled", nil, []string{"--enable-bootstrap-token-auth=true"}},
		{"audit/disabled", []string{"audit-policy-file"}, nil},
		{"audit/disabled", []string{"audit-log-path"}, nil},
		{"audit/retention", nil, []string{"--audit-log-maxage=7"}},
		{"audit/retention", nil, []string{"--audit-log-maxsize=0"}},
	}
	for _, c := range cases {
		t.Run(c.id+" "+strings.Join(append(c.drop, c.add...), " "), func(t *testing.T) {
			got, _ := apiServerReport(t, c.drop, c.add...)
			if len(got) == 0 || slices.ContainsFunc(got, func(id string) bool { return id != c.id }) {
				t.Errorf("findings %v, want only %s", got, c.id)
			}
		})
	}
}

// TestAPIServerFlagSemantics: what the API server makes of its flags.
func TestAPIServerFlagSemantics(t *testing.T) {
	cases := []struct {
		name string
		drop []string
		add  []string
		want []string
	}{
		{"repeated admission flags add up", []string{"enable-admission-plugins"},
			[]string{"--enable-admission-plugins=EventRateLimit,AlwaysPullImages", "--enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs"}, nil},
		{"the last occurrence of a single flag wins", nil, []string{"--profiling=true"}, []string{"apiserver/profiling-enabled"}},
		{"... in both directions", []string{"profiling"}, []string{"--profiling=true", "--profiling=false"}, nil},
		{"a bare boolean is true", []string{"profiling"}, []string{"--profiling"}, []string{"apiserver/profiling-enabled"}},
		{"underscores are dashes", []string{"profiling"}, []string{"--profiling=true", "--profiling=false", "--anonymous_auth=true"}, []string{"apiserver/anonymous-auth-enabled"}},
		{"no authorization flags: AlwaysAllow, anonymous turned off by the server", []string{"authorization-mode", "anonymous-auth"}, nil,
			[]string{"apiserver/authorization-always-allow", "apiserver/authorization-node-missing", "apiserver/authorization-rbac-missing"}},
		{"--admission-control replaces the defaults", []string{"enable-admission-plugins"},
			[]string{"--admission-control=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs,ServiceAccount"}, []string{"apiserver/namespace-lifecycle-disabled"}},
		{"audit limits default to 366 days, 100 files of 100 MB", nil, nil, nil},
		{"audit to stdout needs no rotation", []string{"audit-log-path"}, []string{"--audit-log-path=-", "--audit-log-maxage=1"}, nil},
		{"a weak cipher suite among good ones", nil, []string{"--tls-cipher-suites=TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_RC4_128_SHA"}, []string{"apiserver/weak-tls-cipher-suites"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, _ := apiServerReport(t, c.drop, c.add...); !slices.Equal(got, c.want) {
				t.Errorf("findings %v, want %v", got, c.want)
			}
		})
	}
}

// TestAPIServerLinkedConfigs: --authorization-config and
// --authentication-config are read when the files are there.
func TestAPIServerLinkedConfigs(t *testing.T) {
	authz := `apiVersion: apiserver.config.k8s.io/v1
kind: AuthorizationConfiguration
authorizers:
- type: Node
  name: node
- type: AlwaysAllow
  name: all
`
	authn := `apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions:
  - path: /livez
  - path: /readyz
`
	argv := flags("kube-apiserver", hardenedAPIServer, []string{"authorization-mode", "anonymous-auth"},
		"--authorization-config=/etc/kubernetes/authz.yaml", "--authentication-config=/etc/kubernetes/authn.yaml")
	objs := parse(t, "/etc/kubernetes/manifests/kube-apiserver.yaml", staticPod("kube-apiserver", argv, ""))
	withFiles := append(append(objs, parse(t, "/etc/kubernetes/authz.yaml", authz)...), parse(t, "/etc/kubernetes/authn.yaml", strings.Replace(authn, "AlwaysAllow", "RBAC", 1))...)
	rep := run(t, withFiles...)
	if !has(rep, "apiserver/authorization-always-allow") || !has(rep, "apiserver/authorization-rbac-missing") || has(rep, "apiserver/authorization-node-missing") {
		t.Errorf("authorizers from the file: %v", ids(rep))
	}
	// AlwaysAllow turns anonymous off; without it, the conditions hold.
	if has(rep, "apiserver/anonymous-auth-enabled") {
		t.Errorf("anonymous reported next to AlwaysAllow")
	}
	withFiles = append(append(objs, parse(t, "/etc/kubernetes/authz.yaml", strings.Replace(authz, "AlwaysAllow", "RBAC", 1))...), parse(t, "/etc/kubernetes/authn.yaml", authn)...)
	rep = run(t, withFiles...)
	if fs := find(rep, "apiserver/anonymous-auth-enabled"); len(fs) != 1 || fs[0].Severity.String() != "low" || !strings.Contains(fs[0].Message, "/livez, /readyz") {
		t.Errorf("anonymous limited to health paths: %+v", fs)
	}
	// Without the files, nothing is guessed: skipped.
	rep = run(t, objs...)
	if has(rep, "apiserver/authorization-always-allow") || len(skipped(rep, "apiserver/authorization-rbac-missing")) != 1 || len(skipped(rep, "apiserver/anonymous-auth-enabled")) != 1 {
		t.Errorf("unread authorization config: findings %v, skipped %v", ids(rep), rep.Skipped)
	}
}

// TestFindingPointsAtTheFlag: a finding about a manifest names the line of
// the flag, and its evidence says what was read where.
func TestFindingPointsAtTheFlag(t *testing.T) {
	objs := parse(t, "/etc/kubernetes/manifests/kube-apiserver.yaml", staticPod("kube-apiserver", flags("kube-apiserver", hardenedAPIServer, nil, "--profiling=true"), ""))
	fs := find(run(t, objs...), "apiserver/profiling-enabled")
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	f := fs[0]
	last := len(hardenedAPIServer) + 1
	if f.Location.File != "/etc/kubernetes/manifests/kube-apiserver.yaml" || f.Location.Field != "spec.containers[0].command["+strconv.Itoa(last)+"]" || f.Location.Line != 12+last {
		t.Errorf("location %+v", f.Location)
	}
	if f.Evidence["setting"] != "--profiling" || f.Evidence["value"] != "true" || f.Evidence["source"] != "flag" || f.Resource.Kind != "Pod" || f.Resource.Name != "kube-apiserver" {
		t.Errorf("finding %+v", f)
	}
	if !slices.Equal(f.Controls, []string{"CIS 1.2.15"}) {
		t.Errorf("controls %v", f.Controls)
	}
}
