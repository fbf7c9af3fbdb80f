package controlplane

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/finding"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
)

// defaultAdmission are the admission plugins kube-apiserver v1.37 enables
// unless --disable-admission-plugins names them (--admission-control, if
// given, replaces the whole set).
var defaultAdmission = []string{"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "TaintNodesByCondition",
	"PodSecurity", "Priority", "DefaultTolerationSeconds", "DefaultStorageClass", "StorageObjectInUseProtection",
	"PersistentVolumeClaimResize", "RuntimeClass", "CertificateApproval", "CertificateSigning",
	"ClusterTrustBundleAttest", "CertificateSubjectRestriction", "DefaultIngressClass", "MutatingAdmissionPolicy",
	"MutatingAdmissionWebhook", "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook", "ResourceQuota"}

// admission says whether an admission plugin is on, and the value that
// decides it.
func admission(c *Component, plugin string) (bool, Value) {
	if legacy := c.ListFlag("admission-control", ""); legacy.Set {
		return hasItem(legacy.List(), plugin), legacy
	}
	enabled := c.ListFlag("enable-admission-plugins", "")
	disabled := c.ListFlag("disable-admission-plugins", "")
	switch {
	case hasItem(disabled.List(), plugin):
		return false, disabled
	case hasItem(enabled.List(), plugin):
		return true, enabled
	}
	return hasItem(defaultAdmission, plugin), enabled
}

// authorizers returns the API server's authorization modes in order: from
// --authorization-config when given (its authorizers' types), else
// --authorization-mode, which defaults to AlwaysAllow.
func authorizers(c *Component) ([]string, Value) {
	if cfg := c.Flag("authorization-config", ""); cfg.Raw != "" {
		v := Value{Setting: "--authorization-config", Raw: cfg.Raw, Object: cfg.Object, Field: cfg.Field, Set: true, Source: "flag"}
		hp, ok := c.HostPath(cfg.Raw)
		o := c.model.objectAt(hp, "AuthorizationConfiguration")
		if !ok || o == nil {
			v.Unknown = fmt.Sprintf("authorization is configured in %s, which was not read", cfg.Raw)
			return nil, v
		}
		ac, _ := o.Typed.(*apiserverv1.AuthorizationConfiguration)
		if ac == nil {
			v.Unknown = fmt.Sprintf("%s could not be decoded", cfg.Raw)
			return nil, v
		}
		var modes []string
		for _, a := range ac.Authorizers {
			modes = append(modes, a.Type)
		}
		return modes, Value{Setting: "authorizers", Raw: strings.Join(modes, ","), Object: o, Field: "authorizers", Set: true, Source: "config file " + o.Source.File}
	}
	v := c.ListFlag("authorization-mode", "AlwaysAllow")
	return v.List(), v
}

// anonymousAuth resolves anonymous authentication: an
// AuthenticationConfiguration's anonymous section when the file names
// one, else --anonymous-auth (default true).
func anonymousAuth(c *Component) (enabled bool, conditions []string, v Value) {
	if cfg := c.Flag("authentication-config", ""); cfg.Raw != "" {
		hp, ok := c.HostPath(cfg.Raw)
		if o := c.model.objectAt(hp, "AuthenticationConfiguration"); ok && o != nil {
			if ac, _ := o.Typed.(*apiserverv1.AuthenticationConfiguration); ac != nil && ac.Anonymous != nil {
				for _, cond := range ac.Anonymous.Conditions {
					conditions = append(conditions, cond.Path)
				}
				return ac.Anonymous.Enabled, conditions, Value{Setting: "anonymous.enabled", Raw: fmt.Sprint(ac.Anonymous.Enabled),
					Object: o, Field: "anonymous.enabled", Set: true, Source: "config file " + o.Source.File}
			}
		} else if !c.Args.Has("anonymous-auth") {
			v := Value{Setting: "--authentication-config", Raw: cfg.Raw, Object: cfg.Object, Field: cfg.Field}
			v.Unknown = fmt.Sprintf("anonymous authentication may be configured in %s, which was not read", cfg.Raw)
			return false, nil, v
		}
	}
	v = c.Flag("anonymous-auth", "true")
	return v.Bool(), nil, v
}

// isLoopback reports whether a bind address only listens locally.
func isLoopback(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// cipherVerdict sorts cipher suites by Go's own classification: the ones
// crypto/tls lists as insecure, those without forward secrecy (RSA key
// exchange), and names Go does not know (the component refuses them).
func cipherVerdict(suites []string) (insecure, noPFS, unknown []string) {
	bad := map[string]bool{}
	for _, s := range tls.InsecureCipherSuites() {
		bad[s.Name] = true
	}
	good := map[string]bool{}
	for _, s := range tls.CipherSuites() {
		good[s.Name] = true
	}
	for _, s := range suites {
		switch {
		case bad[s]:
			insecure = append(insecure, s)
		case !good[s]:
			unknown = append(unknown, s)
		case strings.HasPrefix(s, "TLS_RSA_"):
			noPFS = append(noPFS, s)
		}
	}
	return insecure, noPFS, unknown
}

// cipherCheck judges a cipher-suite list for the TLS controls.
func cipherCheck(r *reporter, c *Component, v Value) {
	if !v.Set {
		return // Go's defaults: no insecure suite, forward secrecy only
	}
	insecure, noPFS, unknown := cipherVerdict(v.List())
	ev := map[string]any{"insecure": insecure, "noForwardSecrecy": noPFS, "unknown": unknown}
	switch {
	case len(insecure) > 0:
		r.fail(c, v, finding.SeverityMedium, fmt.Sprintf("%s allows cipher suites Go rates insecure: %s", v.Setting, strings.Join(insecure, ", ")), ev)
	case len(noPFS) > 0:
		r.fail(c, v, finding.SeverityLow, fmt.Sprintf("%s allows suites without forward secrecy (RSA key exchange): %s", v.Setting, strings.Join(noPFS, ", ")), ev)
	case len(unknown) > 0:
		r.fail(c, v, finding.SeverityLow, fmt.Sprintf("%s names suites Go does not know (the component refuses to start): %s", v.Setting, strings.Join(unknown, ", ")), ev)
	}
}

// requireSet reports when any of the flags is unset.
func requireSet(r *reporter, c *Component, what string, flags ...string) {
	var missing []string
	var first Value
	for _, f := range flags {
		v := c.Flag(f, "")
		if !r.known(c, v) {
			return
		}
		if v.Raw == "" {
			if len(missing) == 0 {
				first = v
			}
			missing = append(missing, "--"+f)
		}
	}
	if len(missing) > 0 {
		r.fail(c, first, 0, fmt.Sprintf("%s: %s not set", what, strings.Join(missing, " and ")), map[string]any{"missing": missing})
	}
}

func apiServerControls() []*Control {
	const high, med, low, crit = finding.SeverityHigh, finding.SeverityMedium, finding.SeverityLow, finding.SeverityCritical
	admissionOn := func(id, cis, plugin string, sev finding.Severity, manual bool, why string) *Control {
		return cisControl(id, cis, APIServer, sev, plugin+" admission plugin not enabled", why,
			"add "+plugin+" to --enable-admission-plugins", manual, func(r *reporter, c *Component) {
				if on, v := admission(c, plugin); !on {
					r.fail(c, v, 0, plugin+" is not among the enabled admission plugins ("+describe(v)+")", map[string]any{"plugin": plugin})
				}
			})
	}
	admissionNotOff := func(id, cis, plugin string, why string) *Control {
		return cisControl(id, cis, APIServer, med, plugin+" admission plugin disabled", why,
			"remove "+plugin+" from --disable-admission-plugins (or from --admission-control's list)", false, func(r *reporter, c *Component) {
				if on, v := admission(c, plugin); !on {
					r.fail(c, v, 0, plugin+" is disabled ("+describe(v)+")", map[string]any{"plugin": plugin})
				}
			})
	}
	mode := func(id, cis, title string, sev finding.Severity, why, rem string, bad func(modes []string) string) *Control {
		return cisControl(id, cis, APIServer, sev, title, why, rem, false, func(r *reporter, c *Component) {
			modes, v := authorizers(c)
			if !r.known(c, v) {
				return
			}
			if msg := bad(modes); msg != "" {
				r.fail(c, v, 0, msg+" ("+describe(v)+")", map[string]any{"modes": modes})
			}
		})
	}
	return []*Control{
		cisControl("apiserver/anonymous-auth-enabled", "1.2.1", APIServer, med, "API server accepts anonymous requests",
			"Requests without credentials are served as system:anonymous; any RBAC binding to it or to system:unauthenticated is open to everyone who reaches the port.",
			"run kube-apiserver with --anonymous-auth=false, or restrict anonymous access to health paths with an AuthenticationConfiguration (anonymous.conditions)", true,
			func(r *reporter, c *Component) {
				on, conds, v := anonymousAuth(c)
				if !r.known(c, v) || !on {
					return
				}
				if modes, mv := authorizers(c); mv.Unknown == "" && hasItem(modes, "AlwaysAllow") {
					return // the API server turns anonymous off next to AlwaysAllow (reported on its own)
				}
				if len(conds) > 0 {
					r.fail(c, v, finding.SeverityLow, fmt.Sprintf("anonymous requests are allowed on %s only (%s)", strings.Join(conds, ", "), describe(v)), map[string]any{"paths": conds})
					return
				}
				r.fail(c, v, 0, "anonymous requests are accepted ("+describe(v)+")", nil)
			}),
		cisControl("apiserver/token-auth-file", "1.2.2", APIServer, high, "API server reads static tokens from a file",
			"Static token files hold long-lived bearer tokens in plain text that cannot be revoked without a restart.",
			"remove --token-auth-file and use client certificates, OIDC or service account tokens", false,
			func(r *reporter, c *Component) {
				if v := c.Flag("token-auth-file", ""); v.Raw != "" {
					r.fail(c, v, 0, "static token authentication is on ("+describe(v)+")", nil)
				}
			}),
		admissionOn("apiserver/deny-service-external-ips-missing", "1.2.3", "DenyServiceExternalIPs", low, true,
			"Without it, whoever may create Services can set externalIPs and intercept traffic to any address (CVE-2020-8554)."),
		cisControl("apiserver/kubelet-client-cert-missing", "1.2.4", APIServer, high, "API server presents no client certificate to kubelets",
			"Without a client certificate the API server cannot authenticate to kubelets that require it, which pushes kubelets towards anonymous access.",
			"set --kubelet-client-certificate and --kubelet-client-key", false,
			func(r *reporter, c *Component) {
				requireSet(r, c, "the API server's client certificate for kubelets", "kubelet-client-certificate", "kubelet-client-key")
			}),
		cisControl("apiserver/kubelet-ca-missing", "1.2.5", APIServer, high, "API server does not verify kubelets' serving certificates",
			"Without --kubelet-certificate-authority, the API server's connections to kubelets (exec, logs, port-forward) can be intercepted.",
			"set --kubelet-certificate-authority to the CA that signs kubelet serving certificates", false,
			func(r *reporter, c *Component) {
				requireSet(r, c, "kubelet serving certificates are not verified", "kubelet-certificate-authority")
			}),
		mode("apiserver/authorization-always-allow", "1.2.6", "API server authorizes every request (AlwaysAllow)", crit,
			"With AlwaysAllow every authenticated request is allowed: RBAC is not enforced.",
			"set --authorization-mode=Node,RBAC (AlwaysAllow is also the default when neither --authorization-mode nor --authorization-config is given)",
			func(modes []string) string {
				if hasItem(modes, "AlwaysAllow") {
					return "authorization includes AlwaysAllow"
				}
				return ""
			}),
		mode("apiserver/authorization-node-missing", "1.2.7", "Node authorizer not enabled", high,
			"Without the Node authorizer, kubelets are not limited to the objects of their own pods.",
			"add Node to --authorization-mode (with NodeRestriction admission)",
			func(modes []string) string {
				if !hasItem(modes, "Node") {
					return "the Node authorizer is not enabled"
				}
				return ""
			}),
		mode("apiserver/authorization-rbac-missing", "1.2.8", "RBAC authorizer not enabled", high,
			"Without RBAC, Roles and ClusterRoles have no effect.",
			"add RBAC to --authorization-mode",
			func(modes []string) string {
				if !hasItem(modes, "RBAC") {
					return "the RBAC authorizer is not enabled"
				}
				return ""
			}),
		admissionOn("apiserver/event-rate-limit-missing", "1.2.9", "EventRateLimit", low, true,
			"Without it, a client can flood the API server and etcd with events."),
		cisControl("apiserver/always-admit-enabled", "1.2.10", APIServer, high, "AlwaysAdmit admission plugin enabled",
			"AlwaysAdmit admits every request, bypassing what admission control is there for.",
			"remove AlwaysAdmit from --enable-admission-plugins", false,
			func(r *reporter, c *Component) {
				if on, v := admission(c, "AlwaysAdmit"); on {
					r.fail(c, v, 0, "AlwaysAdmit is enabled ("+describe(v)+")", nil)
				}
			}),
		admissionOn("apiserver/always-pull-images-missing", "1.2.11", "AlwaysPullImages", low, true,
			"Without it, a pod can run a private image already pulled onto its node by another tenant without having the pull credentials."),
		admissionNotOff("apiserver/service-account-admission-disabled", "1.2.12", "ServiceAccount",
			"Without it, pods are not given service accounts and their tokens are not managed."),
		admissionNotOff("apiserver/namespace-lifecycle-disabled", "1.2.13", "NamespaceLifecycle",
			"Without it, objects can be created in namespaces that are being deleted or do not exist."),
		admissionOn("apiserver/node-restriction-missing", "1.2.14", "NodeRestriction", high, false,
			"Without it, a kubelet's credentials can modify other nodes and any pod, so one compromised node leads to the cluster."),
		cisControl("apiserver/profiling-enabled", "1.2.15", APIServer, low, "API server profiling endpoints enabled",
			"/debug/pprof exposes the server's internals and costs performance; it is on by default.",
			"run kube-apiserver with --profiling=false", false, profilingOff("profiling")),
		reviewControl("apiserver/request-timeout-review", "1.2.20", APIServer, "API server request timeout",
			"Too long a timeout lets slow requests hold the server's resources; too short breaks large lists.",
			"set --request-timeout to a value that fits the cluster (the default is 60s)",
			func(c *Component) (Value, string) {
				v := c.Flag("request-timeout", "1m0s")
				return v, "check that " + describe(v) + " suits the cluster"
			}),
		cisControl("apiserver/service-account-lookup-disabled", "1.2.21", APIServer, med, "Service account tokens accepted without a lookup",
			"Without the lookup, tokens of deleted service accounts (or of deleted secrets) stay valid until they expire.",
			"remove --service-account-lookup=false (it is true by default)", false,
			func(r *reporter, c *Component) {
				if v := c.Flag("service-account-lookup", "true"); !v.Bool() {
					r.fail(c, v, 0, "service account tokens are not checked against etcd ("+describe(v)+")", nil)
				}
			}),
		cisControl("apiserver/service-account-key-file-missing", "1.2.22", APIServer, med, "No key to verify service account tokens",
			"Without --service-account-key-file, the API server verifies tokens with its serving key, which ties token trust to the TLS key and blocks rotation.",
			"set --service-account-key-file to the public key(s) matching --service-account-signing-key-file", false,
			func(r *reporter, c *Component) {
				requireSet(r, c, "service account tokens", "service-account-key-file")
			}),
		cisControl("apiserver/etcd-client-cert-missing", "1.2.23", APIServer, high, "API server presents no client certificate to etcd",
			"etcd holds every secret of the cluster; without client certificates, etcd cannot require that only the API server talks to it.",
			"set --etcd-certfile and --etcd-keyfile, and run etcd with --client-cert-auth=true", false,
			func(r *reporter, c *Component) {
				requireSet(r, c, "the API server's client certificate for etcd", "etcd-certfile", "etcd-keyfile")
			}),
		cisControl("apiserver/tls-cert-missing", "1.2.24", APIServer, high, "API server serving certificate not configured",
			"Without --tls-cert-file and --tls-private-key-file, the API server serves a self-signed certificate clients cannot verify.",
			"set --tls-cert-file and --tls-private-key-file", false,
			func(r *reporter, c *Component) {
				requireSet(r, c, "the serving certificate", "tls-cert-file", "tls-private-key-file")
			}),
		cisControl("apiserver/client-ca-missing", "1.2.25", APIServer, high, "API server does not authenticate client certificates",
			"Without --client-ca-file, client certificates (those of kubelets and controllers among them) are not accepted, pushing components to weaker credentials.",
			"set --client-ca-file", false,
			func(r *reporter, c *Component) {
				requireSet(r, c, "client certificates", "client-ca-file")
			}),
		cisControl("apiserver/etcd-ca-missing", "1.2.26", APIServer, high, "API server does not verify etcd's certificate",
			"Without --etcd-cafile, the API server cannot verify that it talks to the real etcd.",
			"set --etcd-cafile to etcd's CA", false,
			func(r *reporter, c *Component) {
				requireSet(r, c, "etcd's serving certificate is not verified", "etcd-cafile")
			}),
		cisControl("apiserver/encryption-config-missing", "1.2.27", APIServer, high, "Secrets stored in etcd without encryption",
			"Without --encryption-provider-config, Secrets are written to etcd in plain text: anyone with etcd's data or backups reads them.",
			"set --encryption-provider-config to an EncryptionConfiguration that encrypts secrets (kms v2, secretbox or aesgcm first)", true,
			func(r *reporter, c *Component) {
				if v := c.Flag("encryption-provider-config", ""); v.Raw == "" {
					r.fail(c, v, 0, "no encryption at rest: "+describe(v), nil)
				}
			}),
		cisControl("apiserver/weak-tls-cipher-suites", "1.2.29", APIServer, med, "API server allows weak TLS cipher suites",
			"Insecure suites (RC4, 3DES, CBC with SHA-256) and suites without forward secrecy weaken every connection to the API server.",
			"set --tls-cipher-suites to forward-secret AEAD suites (TLS_ECDHE_*_WITH_AES_*_GCM_*, *_CHACHA20_POLY1305_*), or leave it unset for Go's defaults", true,
			func(r *reporter, c *Component) { cipherCheck(r, c, c.ListFlag("tls-cipher-suites", "")) }),
		cisControl("apiserver/service-account-token-expiration-extended", "1.2.30", APIServer, low, "Service account tokens get extended lifetimes",
			"With --service-account-extend-token-expiration (the default), projected tokens are issued valid for a year to ease migration, so a stolen token lasts.",
			"run kube-apiserver with --service-account-extend-token-expiration=false", false,
			func(r *reporter, c *Component) {
				if v := c.Flag("service-account-extend-token-expiration", "true"); v.Bool() {
					r.fail(c, v, 0, "service account token lifetimes are extended ("+describe(v)+")", nil)
				}
			}),
		reviewControl("auth/user-client-certificates-review", "3.1.1", APIServer, "Users may authenticate with client certificates",
			"Client certificates cannot be revoked; a user's certificate stays valid until it expires.",
			"give people OIDC or another revocable method, and keep client certificates for components",
			func(c *Component) (Value, string) {
				v := c.Flag("client-ca-file", "")
				return v, "client certificates are accepted (" + describe(v) + "); make sure people use a revocable method instead"
			}),
		reviewControl("auth/user-service-account-tokens-review", "3.1.2", APIServer, "Users may authenticate with service account tokens",
			"Service account tokens are for workloads; handed to people they are shared, long-lived and unattributable.",
			"give people their own identities (OIDC) instead of service account tokens",
			func(c *Component) (Value, string) {
				return Value{}, "make sure people do not authenticate with service account tokens"
			}),
		cisControl("auth/bootstrap-token-auth-enabled", "3.1.3", APIServer, finding.SeverityInfo, "Bootstrap token authentication enabled",
			"Bootstrap tokens are meant for nodes joining the cluster; used by people, they are shared secrets in kube-system.",
			"use bootstrap tokens for node joins only, with short TTLs; disable --enable-bootstrap-token-auth when nodes no longer join", true,
			func(r *reporter, c *Component) {
				if v := c.Flag("enable-bootstrap-token-auth", "false"); v.Bool() {
					r.fail(c, v, 0, "review: bootstrap tokens authenticate ("+describe(v)+"); make sure only joining nodes use them", nil)
				}
			}),
	}
}

// profilingOff judges a profiling flag that defaults to true.
func profilingOff(flag string) func(r *reporter, c *Component) {
	return func(r *reporter, c *Component) {
		if v := c.Flag(flag, "true"); v.Bool() {
			r.fail(c, v, 0, "profiling is enabled ("+describe(v)+")", nil)
		}
	}
}
