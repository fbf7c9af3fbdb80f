package controlplane

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// configOrFlag reads a setting that a component takes from its --config
// file when it has one (ignoring the flag, as kube-scheduler does for
// --profiling and kube-proxy for every flag), else from the flag.
func configOrFlag(c *Component, flag string, key []string, def string) Value {
	cfg := c.Flag("config", "")
	if cfg.Raw == "" {
		return c.Flag(flag, def)
	}
	field := strings.Join(key, ".")
	if c.configFile == nil {
		v := Value{Setting: field, Object: cfg.Object, Field: cfg.Field}
		v.Unknown = fmt.Sprintf("%s reads %s from its config file %s, which was not read", c.Kind, field, cfg.Raw)
		return v
	}
	v := Value{Setting: field, Object: c.configFile, Field: field}
	raw, ok := lookup(c.model.docs[c.configFile], key)
	if !ok {
		v.Raw, v.Source = def, "default"
	} else {
		v.Raw, v.Set, v.Source = scalarText(raw), true, "config file "+cfg.Raw
	}
	if c.Args.Has(flag) {
		v.Note = fmt.Sprintf("--%s is ignored: %s takes it from --config", flag, c.Kind)
	}
	return v
}

// urls lists the URLs of an etcd listen flag with a scheme.
func urls(v Value) []*url.URL {
	var out []*url.URL
	for _, s := range v.List() {
		if u, err := url.Parse(s); err == nil {
			out = append(out, u)
		}
	}
	return out
}

// plainListeners are the http:// URLs etcd listens on.
func plainListeners(v Value) []string {
	var out []string
	for _, u := range urls(v) {
		if u.Scheme == "http" {
			out = append(out, u.String())
		}
	}
	return out
}

func allLoopback(list []string) bool {
	for _, s := range list {
		u, err := url.Parse(s)
		if err != nil || !isLoopback(u.Host) {
			return false
		}
	}
	return true
}

// etcdTLS judges etcd's TLS on clients or peers: the certificate and key
// flags, and listeners that serve plain HTTP whatever the certificate.
func etcdTLS(r *reporter, c *Component, prefix, listenFlag, listenDef, who string) {
	cert, key := c.Flag(prefix+"cert-file", ""), c.Flag(prefix+"key-file", "")
	listen := c.Flag(listenFlag, listenDef)
	auto := c.Flag(prefix+"auto-tls", "false")
	if !r.known(c, cert, key, listen, auto) {
		return
	}
	if plain := plainListeners(listen); len(plain) > 0 {
		sev := finding.SeverityCritical
		if allLoopback(plain) {
			sev = finding.SeverityHigh
		}
		r.fail(c, listen, sev, fmt.Sprintf("etcd serves %s over plain HTTP on %s (%s), whatever certificate is set", who, strings.Join(plain, ", "), describe(listen)),
			map[string]any{"plainListeners": plain})
		return
	}
	if cert.Raw == "" || key.Raw == "" {
		v := cert
		if cert.Raw != "" {
			v = key
		}
		msg := fmt.Sprintf("no certificate for %s: %s", who, describe(v))
		if auto.Bool() {
			msg += "; only a self-signed auto-TLS certificate is served"
		}
		r.fail(c, v, 0, msg, nil)
	}
}

func otherControls() []*Control {
	const high, med, low, crit, info = finding.SeverityHigh, finding.SeverityMedium, finding.SeverityLow, finding.SeverityCritical, finding.SeverityInfo
	bindAddress := func(id, cis string, k Kind) *Control {
		return cisControl(id, cis, k, low, string(k)+" serves on every interface",
			"The component's HTTPS port (metrics, health, debugging) binds to 0.0.0.0 unless --bind-address says otherwise, exposing it to the network.",
			"run "+string(k)+" with --bind-address=127.0.0.1", false,
			func(r *reporter, c *Component) {
				if v := c.Flag("bind-address", "0.0.0.0"); !isLoopback(v.Raw) {
					r.fail(c, v, 0, "listens beyond loopback ("+describe(v)+")", nil)
				}
			})
	}
	return []*Control{
		cisControl("controller-manager/terminated-pod-gc-threshold", "1.3.1", ControllerManager, info, "Terminated pods kept up to the default threshold",
			"Until --terminated-pod-gc-threshold terminated pods are kept (12500 by default), which can exhaust etcd and slow the controllers.",
			"set --terminated-pod-gc-threshold to a value that fits the cluster (for example 10)", true,
			func(r *reporter, c *Component) {
				if v := c.Flag("terminated-pod-gc-threshold", "12500"); !v.Set {
					r.fail(c, v, 0, "review: "+describe(v), nil)
				}
			}),
		cisControl("controller-manager/profiling-enabled", "1.3.2", ControllerManager, low, "Controller manager profiling endpoints enabled",
			"/debug/pprof exposes the controller manager's internals; it is on by default.",
			"run kube-controller-manager with --profiling=false", false, profilingOff("profiling")),
		cisControl("controller-manager/service-account-credentials-disabled", "1.3.3", ControllerManager, med, "Controllers share the controller manager's credentials",
			"Without --use-service-account-credentials (false by default), every controller acts with the controller manager's own broad rights instead of its own service account's.",
			"run kube-controller-manager with --use-service-account-credentials=true", false,
			func(r *reporter, c *Component) {
				if v := c.Flag("use-service-account-credentials", "false"); !v.Bool() {
					r.fail(c, v, 0, "controllers do not use their own service accounts ("+describe(v)+")", nil)
				}
			}),
		cisControl("controller-manager/service-account-private-key-missing", "1.3.4", ControllerManager, med, "Controller manager cannot sign service account tokens",
			"Without --service-account-private-key-file, the token controller cannot sign tokens with a key you control and rotate.",
			"set --service-account-private-key-file", false,
			func(r *reporter, c *Component) {
				requireSet(r, c, "service account token signing", "service-account-private-key-file")
			}),
		cisControl("controller-manager/root-ca-missing", "1.3.5", ControllerManager, med, "Pods are not given the cluster's CA",
			"Without --root-ca-file, pods cannot verify the API server's certificate and may skip verification.",
			"set --root-ca-file to the cluster CA", false,
			func(r *reporter, c *Component) {
				requireSet(r, c, "the CA handed to pods", "root-ca-file")
			}),
		cisControl("controller-manager/kubelet-server-cert-rotation-disabled", "1.3.6", ControllerManager, med, "Kubelet serving certificate rotation disabled",
			"With RotateKubeletServerCertificate=false, kubelet serving certificates are not renewed through the API.",
			"remove RotateKubeletServerCertificate=false from --feature-gates", false,
			func(r *reporter, c *Component) {
				if v, ok := c.FeatureGate("RotateKubeletServerCertificate"); ok && !v.Bool() {
					r.fail(c, v, 0, "RotateKubeletServerCertificate is turned off in --feature-gates", nil)
				}
			}),
		bindAddress("controller-manager/bind-address-exposed", "1.3.7", ControllerManager),
		cisControl("scheduler/profiling-enabled", "1.4.1", Scheduler, low, "Scheduler profiling endpoints enabled",
			"/debug/pprof exposes the scheduler's internals; it is on by default. With --config, the file's enableProfiling decides and --profiling is ignored.",
			"set enableProfiling: false in the scheduler's config file, or --profiling=false without one", false,
			func(r *reporter, c *Component) {
				v := configOrFlag(c, "profiling", []string{"enableProfiling"}, "true")
				if r.known(c, v) && v.Bool() {
					r.fail(c, v, 0, "profiling is enabled ("+describe(v)+")", nil)
				}
			}),
		bindAddress("scheduler/bind-address-exposed", "1.4.2", Scheduler),
		cisControl("etcd/tls-missing", "2.1", Etcd, high, "etcd serves clients without TLS",
			"Without a serving certificate, or with an http:// client URL, everything read from and written to etcd (every Secret) crosses the network in plain text.",
			"set --cert-file and --key-file and use only https:// in --listen-client-urls", false,
			func(r *reporter, c *Component) {
				etcdTLS(r, c, "", "listen-client-urls", "http://localhost:2379", "clients")
			}),
		cisControl("etcd/client-cert-auth-disabled", "2.2", Etcd, crit, "etcd does not require client certificates",
			"Without --client-cert-auth, anyone who reaches etcd's client port reads and writes the whole cluster state, Secrets included.",
			"run etcd with --client-cert-auth=true and --trusted-ca-file set to a CA that only signs etcd's clients", false,
			func(r *reporter, c *Component) {
				v := c.Flag("client-cert-auth", "false")
				if !r.known(c, v) {
					return
				}
				if !v.Bool() {
					r.fail(c, v, 0, "client certificates are not required ("+describe(v)+")", nil)
					return
				}
				if ca := c.Flag("trusted-ca-file", ""); r.known(c, ca) && ca.Raw == "" {
					r.fail(c, ca, finding.SeverityHigh, "client certificates are required but --trusted-ca-file is not set: etcd verifies them against the system's CAs", nil)
				}
			}),
		cisControl("etcd/auto-tls-enabled", "2.3", Etcd, high, "etcd serves clients with a self-signed certificate",
			"--auto-tls generates a self-signed certificate that clients cannot verify: it encrypts without authenticating.",
			"remove --auto-tls and set --cert-file and --key-file", false,
			func(r *reporter, c *Component) {
				if v := c.Flag("auto-tls", "false"); r.known(c, v) && v.Bool() {
					r.fail(c, v, 0, "clients are served a self-signed certificate ("+describe(v)+")", nil)
				}
			}),
		cisControl("etcd/peer-tls-missing", "2.4", Etcd, high, "etcd members talk without TLS",
			"Without peer certificates, or with http:// peer URLs, replication traffic (the whole database) crosses the network in plain text.",
			"set --peer-cert-file and --peer-key-file and use https:// in --listen-peer-urls", false,
			func(r *reporter, c *Component) {
				etcdTLS(r, c, "peer-", "listen-peer-urls", "http://localhost:2380", "peers")
			}),
		cisControl("etcd/peer-client-cert-auth-disabled", "2.5", Etcd, high, "etcd peers are not authenticated",
			"Without --peer-client-cert-auth, anything that reaches the peer port can join the cluster's replication.",
			"run etcd with --peer-client-cert-auth=true", false,
			func(r *reporter, c *Component) {
				if v := c.Flag("peer-client-cert-auth", "false"); r.known(c, v) && !v.Bool() {
					r.fail(c, v, 0, "peer certificates are not required ("+describe(v)+")", nil)
				}
			}),
		cisControl("etcd/peer-auto-tls-enabled", "2.6", Etcd, high, "etcd peers use self-signed certificates",
			"--peer-auto-tls generates self-signed peer certificates: peers are encrypted but not authenticated.",
			"remove --peer-auto-tls and set --peer-cert-file and --peer-key-file", false,
			func(r *reporter, c *Component) {
				if v := c.Flag("peer-auto-tls", "false"); r.known(c, v) && v.Bool() {
					r.fail(c, v, 0, "peers use self-signed certificates ("+describe(v)+")", nil)
				}
			}),
		cisControl("etcd/trusted-ca-shared", "2.7", Etcd, med, "etcd trusts the cluster's CA",
			"If etcd trusts the CA that signs the cluster's other certificates, every client certificate of the cluster (each kubelet's, each user's) can read etcd.",
			"give etcd its own CA (--trusted-ca-file) that signs only the API server's etcd client certificate", true,
			func(r *reporter, c *Component) {
				ca := c.Flag("trusted-ca-file", "")
				if !r.known(c, ca) {
					return
				}
				if ca.Raw == "" {
					r.fail(c, ca, 0, "no CA of its own: "+describe(ca), nil)
					return
				}
				mine, ok := c.HostPath(ca.Raw)
				if !ok {
					return
				}
				for _, api := range c.model.Of(APIServer) {
					cluster := api.Flag("client-ca-file", "")
					if p, ok := api.HostPath(cluster.Raw); ok && p == mine {
						r.fail(c, ca, 0, fmt.Sprintf("--trusted-ca-file is the API server's --client-ca-file (%s): every client certificate of the cluster is trusted by etcd", ca.Raw),
							map[string]any{"apiServerClientCA": cluster.Raw})
						return
					}
				}
			}),
		cisControl("kube-proxy/metrics-bind-address-exposed", "4.3.1", Proxy, low, "kube-proxy serves metrics on every interface",
			"kube-proxy's metrics port answers without authentication; bound beyond loopback it tells the network about the node's services.",
			"set metricsBindAddress: 127.0.0.1:10249 in kube-proxy's config file (with --config the flag is ignored), or --metrics-bind-address without one", false,
			func(r *reporter, c *Component) {
				v := configOrFlag(c, "metrics-bind-address", []string{"metricsBindAddress"}, "127.0.0.1:10249")
				if r.known(c, v) && !isLoopback(v.Raw) {
					r.fail(c, v, 0, "metrics listen beyond loopback ("+describe(v)+")", nil)
				}
			}),
	}
}
