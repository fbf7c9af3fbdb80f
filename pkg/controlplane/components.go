package controlplane

import (
	"path"
	"strings"
)

// Kind is a Kubernetes component whose configuration rampart judges.
type Kind string

const (
	APIServer         Kind = "kube-apiserver"
	ControllerManager Kind = "kube-controller-manager"
	Scheduler         Kind = "kube-scheduler"
	Etcd              Kind = "etcd"
	Kubelet           Kind = "kubelet"
	Proxy             Kind = "kube-proxy"
)

// Kinds lists the components in the order reports name them.
var Kinds = []Kind{APIServer, ControllerManager, Scheduler, Etcd, Kubelet, Proxy}

// commonBools are the boolean flags every Kubernetes component registers
// (component-base's logging and help flags).
var commonBools = []string{"help", "version", "log-json-split-stream", "log-text-split-stream", "logtostderr",
	"alsologtostderr", "add-dir-header", "skip-headers", "skip-log-headers", "one-output"}

// bools lists each component's boolean flags, from its sources at v1.37
// (etcd v3.7): a bare boolean never takes the next argument as its value,
// so the parser must know them.
var bools = map[Kind][]string{
	APIServer: {"aggregator-reject-forwarding-redirect", "allow-privileged", "anonymous-auth", "audit-log-compress",
		"authentication-skip-lookup", "authentication-tolerate-lookup-failure", "contention-profiling",
		"disable-http2-serving", "emulation-forward-compatible", "enable-aggregator-routing",
		"enable-bootstrap-token-auth", "enable-garbage-collector", "enable-logs-handler", "enable-priority-and-fairness",
		"encryption-provider-config-automatic-reload", "permit-address-sharing", "permit-port-sharing", "profiling",
		"runtime-config-emulation-forward-compatible", "service-account-extend-token-expiration",
		"service-account-lookup", "shutdown-send-retry-after", "watch-cache", "audit-log-batch-throttle-enable",
		"audit-webhook-batch-throttle-enable", "storage-initialization-timeout-enable", "debug-socket-enabled"},
	ControllerManager: {"contention-profiling", "disable-attach-detach-reconcile-sync", "disable-force-detach-on-timeout",
		"enable-dynamic-provisioning", "enable-garbage-collector", "enable-hostpath-provisioner", "enable-leader-migration",
		"leader-elect", "profiling", "use-service-account-credentials", "allocate-node-cidrs", "configure-cloud-routes",
		"authentication-skip-lookup", "authentication-tolerate-lookup-failure", "permit-address-sharing", "permit-port-sharing"},
	Scheduler: {"contention-profiling", "profiling", "leader-elect", "authentication-skip-lookup",
		"authentication-tolerate-lookup-failure", "permit-address-sharing", "permit-port-sharing"},
	Kubelet: {"anonymous-auth", "authentication-token-webhook", "cgroups-per-qos", "contention-profiling", "cpu-cfs-quota",
		"enable-controller-attach-detach", "enable-debugging-handlers", "enable-server", "exit-on-lock-contention",
		"experimental-allocatable-ignore-eviction", "fail-cgroupv1", "fail-swap-on", "kernel-memcg-notification",
		"local-storage-capacity-isolation", "make-iptables-util-chains", "protect-kernel-defaults", "register-node",
		"rotate-certificates", "rotate-server-certificates", "runonce", "seccomp-default", "serialize-image-pulls",
		"windows-service"},
	Proxy: {"bind-address-hard-fail", "cleanup", "conntrack-tcp-be-liberal", "enable-dsr", "forward-healthcheck-vip",
		"init-only", "iptables-localhost-nodeports", "ipvs-strict-arp", "masquerade-all", "profiling", "windows-service"},
	Etcd: {"auto-tls", "client-cert-auth", "debug", "discovery-insecure-skip-tls-verify", "discovery-insecure-transport",
		"enable-distributed-tracing", "enable-grpc-gateway", "enable-log-rotation", "enable-pprof",
		"experimental-enable-grpc-logging", "experimental-serializable-ordering", "force-new-cluster",
		"initial-corrupt-check", "initial-election-tick-advance", "memory-mlock", "peer-auto-tls",
		"peer-client-cert-auth", "peer-skip-client-san-verification", "pre-vote", "socket-reuse-address",
		"socket-reuse-port", "strict-reconfig-check", "unsafe-no-fsync", "version", "help",
	},
}

// etcdIgnored are flags etcd still accepts and ignores: booleans taking
// any value.
var etcdIgnored = []string{"cluster-active-size", "cluster-remove-delay", "cluster-sync-interval", "config", "force",
	"max-result-buffer", "max-retry-attempts", "peer-heartbeat-interval", "peer-election-timeout", "retry-interval",
	"snapshot", "v", "vv"}

var specs = func() map[Kind]FlagSpec {
	out := map[Kind]FlagSpec{}
	for _, k := range Kinds {
		spec := FlagSpec{Syntax: PFlag, Bools: map[string]bool{}, Shorthands: map[byte]shorthand{'v': {name: "v"}, 'h': {name: "help", bool: true}}}
		if k == Etcd {
			spec = FlagSpec{Syntax: GoFlag, Bools: map[string]bool{}, AnyValue: map[string]bool{}}
			for _, f := range etcdIgnored {
				spec.Bools[f], spec.AnyValue[f] = true, true
			}
		} else {
			for _, b := range commonBools {
				spec.Bools[b] = true
			}
		}
		for _, b := range bools[k] {
			spec.Bools[b] = true
		}
		out[k] = spec
	}
	return out
}()

// Spec returns how a component parses its command line.
func Spec(k Kind) FlagSpec { return specs[k] }

// IsBool reports whether a component's flag is a boolean.
func IsBool(k Kind, flag string) bool { return specs[k].Bools[flag] }

// Identify names the component that a command line runs, and returns the
// command line as the component sees it (argv[0] its own name): the
// program's base name, or for hyperkube the name of its first argument.
// ok is false for anything else (etcdctl, a shell, ...).
func Identify(argv []string) (Kind, []string, bool) {
	if len(argv) == 0 {
		return "", nil, false
	}
	base := path.Base(argv[0])
	if base == "hyperkube" && len(argv) > 1 {
		name := argv[1]
		if !strings.HasPrefix(name, "kube-") && name != "kubelet" {
			name = "kube-" + name
		}
		if k, ok := kindByName(name); ok {
			return k, append([]string{name}, argv[2:]...), true
		}
		return "", nil, false
	}
	if k, ok := kindByName(base); ok {
		return k, argv, true
	}
	return "", nil, false
}

func kindByName(name string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k) == name {
			return k, true
		}
	}
	return "", false
}

// imageKind names the component an image runs (registry.k8s.io/kube-apiserver:v1.37.2,
// quay.io/coreos/etcd:v3.5, k8s.gcr.io/kube-proxy-amd64:v1.20), or "".
func imageKind(image string) (Kind, bool) {
	if image == "" {
		return "", false
	}
	repo := image
	if i := strings.IndexByte(repo, '@'); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	name := path.Base(repo)
	for _, arch := range []string{"-amd64", "-arm64", "-arm", "-ppc64le", "-s390x"} {
		name = strings.TrimSuffix(name, arch)
	}
	return kindByName(name)
}
