package controlplane_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// hardenedKubelet passes every kubelet control.
const hardenedKubelet = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
readOnlyPort: 0
rotateCertificates: true
serverTLSBootstrap: true
podPidsLimit: 4096
seccompDefault: true
tlsCipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
`

// kubeletReviews are reported for every kubelet.
var kubeletReviews = []string{"kubelet/event-qps-review"}

func kubeletIDs(rep *finding.Report) []string {
	var out []string
	for _, id := range ids(rep) {
		if !strings.HasPrefix(id, "file/") && !slices.Contains(kubeletReviews, id) {
			out = append(out, id)
		}
	}
	return out
}

// TestKubeletControls: each control on a config file alone (a scan), pass
// and fail.
func TestKubeletControls(t *testing.T) {
	if got := kubeletIDs(run(t, parse(t, "kubelet/config.yaml", hardenedKubelet)...)); len(got) != 0 {
		t.Fatalf("hardened kubelet: %v", got)
	}
	cases := []struct {
		id, from, to string
	}{
		{"kubelet/anonymous-auth-enabled", "    enabled: false\n  webhook", "    enabled: true\n  webhook"},
		{"kubelet/authorization-always-allow", "mode: Webhook", "mode: AlwaysAllow"},
		{"kubelet/client-ca-missing", "    clientCAFile: /etc/kubernetes/pki/ca.crt\n", ""},
		{"kubelet/read-only-port-enabled", "readOnlyPort: 0", "readOnlyPort: 10255"},
		{"kubelet/tls-cert-missing", "serverTLSBootstrap: true", "serverTLSBootstrap: false"},
		{"kubelet/client-cert-rotation-disabled", "rotateCertificates: true\n", ""}, // false by default
		{"kubelet/server-cert-rotation-disabled", "seccompDefault: true", "seccompDefault: true\nfeatureGates:\n  RotateKubeletServerCertificate: false"},
		{"kubelet/weak-tls-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]", "TLS_RSA_WITH_AES_128_CBC_SHA256]"},
		{"kubelet/pod-pids-limit-missing", "podPidsLimit: 4096", "podPidsLimit: -5"},
		{"kubelet/pod-pids-limit-missing", "podPidsLimit: 4096", "podPidsLimit: 0"},
		{"kubelet/seccomp-default-disabled", "seccompDefault: true", "seccompDefault: false"},
		{"kubelet/iptables-util-chains-disabled", "seccompDefault: true", "seccompDefault: true\nmakeIPTablesUtilChains: false"},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			if !strings.Contains(hardenedKubelet, c.from) {
				t.Fatalf("%q not in the config", c.from)
			}
			got := kubeletIDs(run(t, parse(t, "kubelet/config.yaml", strings.Replace(hardenedKubelet, c.from, c.to, 1))...))
			if !slices.Equal(got, []string{c.id}) {
				t.Errorf("findings %v, want %s", got, c.id)
			}
		})
	}
	// A config file cannot set flag-only settings: they are skipped.
	rep := run(t, parse(t, "kubelet/config.yaml", hardenedKubelet)...)
	if len(skipped(rep, "kubelet/hostname-override-set")) != 1 {
		t.Errorf("hostname-override in a config-only scan: %v", rep.Skipped)
	}
	// streamingConnectionIdleTimeout: 0 in a file is the 4h default.
	rep = run(t, parse(t, "kubelet/config.yaml", hardenedKubelet+"streamingConnectionIdleTimeout: 0s\n")...)
	if has(rep, "kubelet/streaming-idle-timeout-disabled") {
		t.Errorf("0s in a config file is defaulted to 4h")
	}
}

// TestKubeletPrecedence: defaults without a config file, the config file,
// its drop-ins in the kubelet's order, and flags over everything.
func TestKubeletPrecedence(t *testing.T) {
	// Started without --config: the command line's legacy defaults.
	rep := run(t, host(), process(50, []string{"/usr/bin/kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf"}, "/", nil))
	for _, id := range []string{"kubelet/anonymous-auth-enabled", "kubelet/authorization-always-allow", "kubelet/read-only-port-enabled", "kubelet/client-ca-missing"} {
		fs := find(rep, id)
		if len(fs) != 1 || fs[0].Location.File != "process 50" {
			t.Errorf("%s without --config: %+v", id, fs)
		}
	}
	if fs := find(rep, "kubelet/read-only-port-enabled"); len(fs) == 1 && !strings.Contains(fs[0].Message, "10255") {
		t.Errorf("legacy read-only port: %s", fs[0].Message)
	}

	// --config relative to the working folder, drop-ins (one in a
	// subfolder, walked before the file that sorts after the folder), a
	// null that resets to the default, and a flag over them all.
	config := parse(t, "/var/lib/kubelet/config.yaml", hardenedKubelet)
	dropA := parse(t, "/etc/kubelet.d/10-port.conf", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\nseccompDefault: false\n")
	dropSub := parse(t, "/etc/kubelet.d/20/00-port.conf", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10250\n")
	dropB := parse(t, "/etc/kubelet.d/20.conf", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\nauthentication:\n  anonymous: null\n")
	ignored := parse(t, "/etc/kubelet.d/30.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 4000\n")
	proc := process(50, []string{"kubelet", "--config=config.yaml", "--config-dir=/etc/kubelet.d", "--rotate-certificates=false"}, "/var/lib/kubelet", nil)
	objs := append(append(append(append(append(config, dropA...), dropSub...), dropB...), ignored...), host(), proc)
	rep = run(t, objs...)
	got := kubeletIDs(rep)
	// readOnlyPort: 20.conf (0) comes after 20/00-port.conf (10250); the .yaml is not a drop-in.
	// seccompDefault: false from 10-port.conf; rotateCertificates: the flag.
	// anonymous: null resets to the config file default (false).
	if !slices.Equal(got, []string{"kubelet/client-cert-rotation-disabled", "kubelet/seccomp-default-disabled"}) {
		t.Errorf("config, drop-ins and flags: %v", got)
	}
	fs := find(rep, "kubelet/seccomp-default-disabled")
	if len(fs) != 1 || fs[0].Location.File != "/etc/kubelet.d/10-port.conf" || fs[0].Resource.Name != "/etc/kubelet.d/10-port.conf" {
		t.Errorf("finding on the drop-in: %+v", fs)
	}
	fs = find(rep, "kubelet/client-cert-rotation-disabled")
	if len(fs) != 1 || fs[0].Location.File != "process 50" || fs[0].Location.Field != "--rotate-certificates" {
		t.Errorf("finding on the flag: %+v", fs)
	}
	// The flag beats the file in the other direction too.
	proc = process(50, []string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--anonymous-auth"}, "/", nil)
	if got := kubeletIDs(run(t, append(parse(t, "/var/lib/kubelet/config.yaml", hardenedKubelet), host(), proc)...)); !slices.Equal(got, []string{"kubelet/anonymous-auth-enabled"}) {
		t.Errorf("--anonymous-auth over the file: %v", got)
	}
	// A --streaming-connection-idle-timeout=0 flag is really 0.
	proc = process(50, []string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--streaming-connection-idle-timeout=0"}, "/", nil)
	if got := kubeletIDs(run(t, append(parse(t, "/var/lib/kubelet/config.yaml", hardenedKubelet), host(), proc)...)); !slices.Equal(got, []string{"kubelet/streaming-idle-timeout-disabled"}) {
		t.Errorf("timeout flag 0: %v", got)
	}
	// A config file that was not read: the settings it could hold are
	// skipped, the flags still judged.
	proc = process(50, []string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--read-only-port=10255"}, "/", nil)
	rep = run(t, host(), proc)
	if got := kubeletIDs(rep); !slices.Equal(got, []string{"kubelet/read-only-port-enabled"}) || len(skipped(rep, "kubelet/anonymous-auth-enabled")) != 1 {
		t.Errorf("unread config: %v %v", got, rep.Skipped)
	}
	// --hostname-override is reported for review.
	proc = process(50, []string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--hostname-override=n1"}, "/", nil)
	if rep := run(t, append(parse(t, "/var/lib/kubelet/config.yaml", hardenedKubelet), host(), proc)...); !has(rep, "kubelet/hostname-override-set") {
		t.Errorf("hostname override: %v", ids(rep))
	}
}

// TestKubeletFeatureGates: flag gates are merged over the file's.
func TestKubeletFeatureGates(t *testing.T) {
	cfg := parse(t, "/var/lib/kubelet/config.yaml", hardenedKubelet+"featureGates:\n  RotateKubeletServerCertificate: false\n")
	proc := process(50, []string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--feature-gates=Other=true"}, "/", nil)
	if !has(run(t, append(cfg, host(), proc)...), "kubelet/server-cert-rotation-disabled") {
		t.Errorf("the file's gate survives another flag gate")
	}
	proc = process(50, []string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--feature-gates=RotateKubeletServerCertificate=true"}, "/", nil)
	if has(run(t, append(cfg, host(), proc)...), "kubelet/server-cert-rotation-disabled") {
		t.Errorf("the flag's gate wins")
	}
}
