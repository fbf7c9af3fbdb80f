package controlplane_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
)

var (
	hardenedCM = []string{"--profiling=false", "--use-service-account-credentials=true", "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
		"--root-ca-file=/etc/kubernetes/pki/ca.crt", "--bind-address=127.0.0.1", "--terminated-pod-gc-threshold=10", "--kubeconfig=/etc/kubernetes/controller-manager.conf"}
	hardenedScheduler = []string{"--profiling=false", "--bind-address=127.0.0.1", "--kubeconfig=/etc/kubernetes/scheduler.conf"}
	hardenedEtcd      = []string{"--cert-file=/etc/kubernetes/pki/etcd/server.crt", "--key-file=/etc/kubernetes/pki/etcd/server.key",
		"--client-cert-auth=true", "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt", "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
		"--peer-key-file=/etc/kubernetes/pki/etcd/peer.key", "--peer-client-cert-auth=true", "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
		"--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.1:2379", "--listen-peer-urls=https://10.0.0.1:2380", "--data-dir=/var/lib/etcd"}
	hardenedProxy = []string{"--metrics-bind-address=127.0.0.1:10249", "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf"}
)

func componentIDs(t *testing.T, objs ...*inventory.Object) []string {
	t.Helper()
	rep := run(t, objs...)
	var out []string
	for _, id := range ids(rep) {
		if !strings.HasPrefix(id, "file/") {
			out = append(out, id)
		}
	}
	return out
}

// TestOtherControls: controller manager, scheduler, etcd and kube-proxy
// controls pass on hardened flags and fail on each change.
func TestOtherControls(t *testing.T) {
	type component struct {
		name string
		base []string
	}
	cm, sched, etcd, proxy := component{"kube-controller-manager", hardenedCM}, component{"kube-scheduler", hardenedScheduler},
		component{"etcd", hardenedEtcd}, component{"kube-proxy", hardenedProxy}
	for _, c := range []component{cm, sched, etcd, proxy} {
		pod := parse(t, "/etc/kubernetes/manifests/"+c.name+".yaml", staticPod(c.name, flags(c.name, c.base, nil), ""))
		if got := componentIDs(t, pod...); len(got) != 0 {
			t.Errorf("hardened %s: %v", c.name, got)
		}
	}
	cases := []struct {
		c    component
		id   string
		drop []string
		add  []string
		also string // a second control the change fails
	}{
		{cm, "controller-manager/terminated-pod-gc-threshold", []string{"terminated-pod-gc-threshold"}, nil, ""},
		{cm, "controller-manager/profiling-enabled", []string{"profiling"}, nil, ""},
		{cm, "controller-manager/service-account-credentials-disabled", []string{"use-service-account-credentials"}, nil, ""},
		{cm, "controller-manager/service-account-private-key-missing", []string{"service-account-private-key-file"}, nil, ""},
		{cm, "controller-manager/root-ca-missing", []string{"root-ca-file"}, nil, ""},
		{cm, "controller-manager/kubelet-server-cert-rotation-disabled", nil, []string{"--feature-gates=A=true,RotateKubeletServerCertificate=false"}, ""},
		{cm, "controller-manager/bind-address-exposed", []string{"bind-address"}, nil, ""},
		{cm, "controller-manager/bind-address-exposed", []string{"bind-address"}, []string{"--bind-address=10.0.0.1"}, ""},
		{sched, "scheduler/profiling-enabled", []string{"profiling"}, nil, ""},
		{sched, "scheduler/bind-address-exposed", []string{"bind-address"}, []string{"--bind-address=0.0.0.0"}, ""},
		{etcd, "etcd/tls-missing", []string{"cert-file"}, nil, ""},
		{etcd, "etcd/tls-missing", []string{"listen-client-urls"}, nil, ""}, // the default is http://localhost:2379
		{etcd, "etcd/tls-missing", []string{"listen-client-urls"}, []string{"--listen-client-urls=https://10.0.0.1:2379,http://10.0.0.1:2381"}, ""},
		{etcd, "etcd/client-cert-auth-disabled", []string{"client-cert-auth"}, nil, ""},
		{etcd, "etcd/client-cert-auth-disabled", []string{"client-cert-auth"}, []string{"--client-cert-auth=false"}, ""},
		{etcd, "etcd/client-cert-auth-disabled", []string{"trusted-ca-file"}, nil, "etcd/trusted-ca-shared"},
		{etcd, "etcd/auto-tls-enabled", nil, []string{"--auto-tls"}, ""},
		{etcd, "etcd/peer-tls-missing", []string{"peer-key-file"}, nil, ""},
		{etcd, "etcd/peer-client-cert-auth-disabled", []string{"peer-client-cert-auth"}, nil, ""},
		{etcd, "etcd/peer-auto-tls-enabled", nil, []string{"--peer-auto-tls=true"}, ""},
		{proxy, "kube-proxy/metrics-bind-address-exposed", []string{"metrics-bind-address"}, []string{"--metrics-bind-address=0.0.0.0:10249"}, ""},
	}
	for _, c := range cases {
		t.Run(c.id+" "+strings.Join(append(c.drop, c.add...), " "), func(t *testing.T) {
			pod := parse(t, "/etc/kubernetes/manifests/"+c.c.name+".yaml", staticPod(c.c.name, flags(c.c.name, c.c.base, c.drop, c.add...), ""))
			got := componentIDs(t, pod...)
			if !slices.Contains(got, c.id) || slices.ContainsFunc(got, func(id string) bool { return id != c.id && id != c.also }) {
				t.Errorf("findings %v, want only %s", got, c.id)
			}
		})
	}
	// etcd trusting the API server's client CA (2.7): judged across
	// components of the same input.
	api := parse(t, "/etc/kubernetes/manifests/kube-apiserver.yaml", staticPod("kube-apiserver", flags("kube-apiserver", hardenedAPIServer, nil), ""))
	shared := parse(t, "/etc/kubernetes/manifests/etcd.yaml", staticPod("etcd", flags("etcd", hardenedEtcd, []string{"trusted-ca-file"}, "--trusted-ca-file=/etc/kubernetes/pki/ca.crt"), ""))
	if rep := run(t, append(api, shared...)...); !has(rep, "etcd/trusted-ca-shared") {
		t.Errorf("etcd trusting the cluster CA: %v", ids(rep))
	}
	own := parse(t, "/etc/kubernetes/manifests/etcd.yaml", staticPod("etcd", flags("etcd", hardenedEtcd, nil), ""))
	if rep := run(t, append(api, own...)...); has(rep, "etcd/trusted-ca-shared") {
		t.Errorf("etcd with its own CA: %v", ids(rep))
	}
}

// TestEtcdSources: etcd's flags, its ETCD_ variables and its config file,
// with etcd's precedence.
func TestEtcdSources(t *testing.T) {
	argv := flags("/usr/local/bin/etcd", hardenedEtcd, []string{"client-cert-auth", "peer-client-cert-auth"})
	env := map[string]string{"ETCD_CLIENT_CERT_AUTH": "true", "ETCD_PEER_CLIENT_CERT_AUTH": "true"}
	if got := componentIDs(t, host(), process(10, argv, "/", env)); len(got) != 0 {
		t.Errorf("settings from the environment: %v", got)
	}
	// The flag wins over the variable (etcd would refuse both; judged as the flag).
	rep := run(t, host(), process(10, append(slices.Clone(argv), "--client-cert-auth=false"), "/", env))
	fs := find(rep, "etcd/client-cert-auth-disabled")
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence["note"].(string), "refuses to start") {
		t.Errorf("flag and variable: %+v", fs)
	}
	// An environment rampart could not read: the controls that depend on
	// it are skipped, not passed.
	rep = run(t, host(), process(10, argv, "/", nil))
	if has(rep, "etcd/client-cert-auth-disabled") || len(skipped(rep, "etcd/client-cert-auth-disabled")) != 1 || len(skipped(rep, "etcd/peer-client-cert-auth-disabled")) != 1 {
		t.Errorf("unreadable environment: findings %v skipped %v", ids(rep), rep.Skipped)
	}
	// Variables of a manifest, including one rampart cannot resolve.
	extra := "    env:\n    - name: ETCD_CLIENT_CERT_AUTH\n      value: \"true\"\n    - name: ETCD_PEER_CLIENT_CERT_AUTH\n      valueFrom:\n        configMapKeyRef: {name: x, key: y}\n"
	pod := parse(t, "/etc/kubernetes/manifests/etcd.yaml", staticPod("etcd", argv, extra))
	rep = run(t, pod...)
	if has(rep, "etcd/client-cert-auth-disabled") || len(skipped(rep, "etcd/peer-client-cert-auth-disabled")) != 1 {
		t.Errorf("manifest variables: %v %v", ids(rep), rep.Skipped)
	}
	// A config file replaces flags and variables.
	cfg := &inventory.Object{APIVersion: "node.rampart.dev/v1", Kind: "ConfigFile", Name: "/etc/etcd/etcd.yaml",
		Raw: map[string]any{"client-transport-security": map[string]any{"cert-file": "/c", "key-file": "/k", "client-cert-auth": false, "trusted-ca-file": "/ca"},
			"peer-transport-security": map[string]any{"cert-file": "/c", "key-file": "/k", "client-cert-auth": true},
			"listen-client-urls":      "https://10.0.0.1:2379", "listen-peer-urls": "https://10.0.0.1:2380"},
		Source: inventory.Source{File: "/etc/etcd/etcd.yaml", Origin: "node"}}
	rep = run(t, host(), cfg, process(10, []string{"etcd", "--config-file=/etc/etcd/etcd.yaml", "--client-cert-auth=true"}, "/", map[string]string{}))
	if got := ids(rep); !slices.Contains(got, "etcd/client-cert-auth-disabled") || slices.Contains(got, "etcd/tls-missing") || slices.Contains(got, "etcd/peer-tls-missing") {
		t.Errorf("config file: %v", got)
	}
	if fs := find(rep, "etcd/client-cert-auth-disabled"); fs[0].Location.Field != "client-transport-security.client-cert-auth" || fs[0].Location.File != "/etc/etcd/etcd.yaml" {
		t.Errorf("config file finding location %+v", fs[0].Location)
	}
	// ... and without it read, nothing is guessed.
	rep = run(t, host(), process(10, []string{"etcd", "--config-file=/etc/etcd/etcd.yaml"}, "/", map[string]string{}))
	if has(rep, "etcd/client-cert-auth-disabled") || len(skipped(rep, "etcd/client-cert-auth-disabled")) != 1 {
		t.Errorf("unread config file: %v %v", ids(rep), rep.Skipped)
	}
}

// TestConfigFileComponents: with --config, kube-scheduler takes profiling
// from the file and kube-proxy ignores its flags.
func TestConfigFileComponents(t *testing.T) {
	schedCfg := "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nclientConnection:\n  kubeconfig: /etc/kubernetes/scheduler.conf\n"
	argv := []string{"kube-scheduler", "--config=/etc/kubernetes/scheduler-config.yaml", "--profiling=false", "--bind-address=127.0.0.1"}
	objs := append(parse(t, "/etc/kubernetes/scheduler-config.yaml", schedCfg), host(), process(20, argv, "/", nil))
	rep := run(t, objs...)
	fs := find(rep, "scheduler/profiling-enabled")
	if len(fs) != 1 || fs[0].Evidence["source"] != "default" || !strings.Contains(fs[0].Evidence["note"].(string), "ignored") {
		t.Errorf("scheduler profiling with --config: %+v", fs)
	}
	objs = append(parse(t, "/etc/kubernetes/scheduler-config.yaml", schedCfg+"enableProfiling: false\n"), host(), process(20, argv, "/", nil))
	if rep := run(t, objs...); has(rep, "scheduler/profiling-enabled") {
		t.Errorf("enableProfiling: false in the file: %v", ids(rep))
	}
	proxyCfg := "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmetricsBindAddress: 0.0.0.0:10249\n"
	pargv := []string{"kube-proxy", "--config=conf/proxy.yaml", "--metrics-bind-address=127.0.0.1:10249"}
	rep = run(t, append(parse(t, "/var/lib/kube-proxy/conf/proxy.yaml", proxyCfg), host(), process(30, pargv, "/var/lib/kube-proxy", nil))...)
	if fs := find(rep, "kube-proxy/metrics-bind-address-exposed"); len(fs) != 1 || fs[0].Location.File != "/var/lib/kube-proxy/conf/proxy.yaml" {
		t.Errorf("kube-proxy with --config (relative to its working folder): %+v", fs)
	}
	// Without --config, the flag's default is loopback.
	if rep := run(t, host(), process(30, []string{"kube-proxy"}, "/", nil)); has(rep, "kube-proxy/metrics-bind-address-exposed") {
		t.Errorf("kube-proxy defaults: %v", ids(rep))
	}
}

// TestNodeSkipsAbsentComponents: on a machine, a component that is not
// there is skipped, control by control, never passed; a scan of files
// says nothing about what it does not hold.
func TestNodeSkipsAbsentComponents(t *testing.T) {
	rep := run(t, host())
	if len(rep.Findings) != 0 {
		t.Errorf("empty machine: %v", ids(rep))
	}
	for _, id := range []string{"apiserver/anonymous-auth-enabled", "etcd/client-cert-auth-disabled", "kubelet/read-only-port-enabled", "kube-proxy/metrics-bind-address-exposed", "file/kubelet-config-mode"} {
		if len(skipped(rep, id)) != 1 {
			t.Errorf("%s not skipped on an empty machine", id)
		}
	}
	rep = run(t, parse(t, "deploy/web.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: web, image: nginx}]\n")...)
	if len(rep.Findings) != 0 || len(rep.Skipped) != 0 {
		t.Errorf("a scan without components: %v %v", ids(rep), rep.Skipped)
	}
}

// TestProcessAndManifest: a process running exactly its manifest's
// command line is judged once, on the manifest; one that differs is
// judged on its own.
func TestProcessAndManifest(t *testing.T) {
	argv := flags("kube-scheduler", hardenedScheduler, []string{"profiling"})
	pod := parse(t, "/etc/kubernetes/manifests/kube-scheduler.yaml", staticPod("kube-scheduler", argv, ""))
	rep := run(t, append(pod, host(), process(40, argv, "/", nil))...)
	fs := find(rep, "scheduler/profiling-enabled")
	if len(fs) != 1 || fs[0].Resource.Kind != "Pod" || fs[0].Evidence["pid"] != 40 {
		t.Errorf("same command line: %+v", fs)
	}
	rep = run(t, append(pod, host(), process(40, append(slices.Clone(argv), "--v=2"), "/", nil))...)
	fs = find(rep, "scheduler/profiling-enabled")
	if len(fs) != 2 {
		t.Fatalf("differing command lines: %+v", fs)
	}
	var files []string
	for _, f := range fs {
		files = append(files, f.Location.File+" "+f.Location.Field)
	}
	slices.Sort(files)
	if files[0] != "/etc/kubernetes/manifests/kube-scheduler.yaml spec.containers[0].command" || files[1] != "process 40 --profiling" {
		t.Errorf("locations %v", files)
	}
}
