package controlplane

import (
	"fmt"
	"strconv"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// kubeletControl judges one kubelet setting.
func kubeletControl(id, cis string, sev finding.Severity, title, why, remediation string, manual bool, setting string, bad func(v Value) string) *Control {
	return cisControl(id, cis, Kubelet, sev, title, why, remediation, manual, func(r *reporter, c *Component) {
		v := c.KubeletValue(setting)
		if !r.known(c, v) {
			return
		}
		if msg := bad(v); msg != "" {
			r.fail(c, v, 0, msg+" ("+describe(v)+")", nil)
		}
	})
}

func kubeletControls() []*Control {
	const high, med, low, crit, info = finding.SeverityHigh, finding.SeverityMedium, finding.SeverityLow, finding.SeverityCritical, finding.SeverityInfo
	return []*Control{
		kubeletControl("kubelet/anonymous-auth-enabled", "4.2.1", crit, "Kubelet accepts anonymous requests",
			"The kubelet API runs commands in pods and reads their logs and secrets; anonymous access to it is access to the node's workloads. A kubelet started without --config allows it by default.",
			"set authentication.anonymous.enabled: false in the kubelet's config file (or --anonymous-auth=false)", false,
			"anonymous-auth", func(v Value) string {
				if v.Bool() {
					return "anonymous requests are accepted"
				}
				return ""
			}),
		kubeletControl("kubelet/authorization-always-allow", "4.2.2", crit, "Kubelet authorizes every request (AlwaysAllow)",
			"With AlwaysAllow, anyone the kubelet authenticates may exec into any pod on the node. A kubelet started without --config uses AlwaysAllow by default.",
			"set authorization.mode: Webhook in the kubelet's config file (or --authorization-mode=Webhook)", false,
			"authorization-mode", func(v Value) string {
				if v.Raw == "AlwaysAllow" {
					return "every authenticated request is allowed"
				}
				return ""
			}),
		kubeletControl("kubelet/client-ca-missing", "4.2.3", high, "Kubelet does not authenticate client certificates",
			"Without a client CA, the kubelet cannot authenticate the API server's client certificate and falls back to weaker or anonymous access.",
			"set authentication.x509.clientCAFile in the kubelet's config file (or --client-ca-file)", false,
			"client-ca-file", func(v Value) string {
				if v.Raw == "" {
					return "client certificates are not verified"
				}
				return ""
			}),
		kubeletControl("kubelet/read-only-port-enabled", "4.2.4", med, "Kubelet read-only port open",
			"The read-only port (10255) serves pod specs and metrics with no authentication at all. A kubelet started without --config opens it by default.",
			"set readOnlyPort: 0 in the kubelet's config file (or --read-only-port=0)", true,
			"read-only-port", func(v Value) string {
				if n, err := strconv.Atoi(v.Raw); err == nil && n != 0 {
					return fmt.Sprintf("the unauthenticated read-only port %d is open", n)
				}
				return ""
			}),
		kubeletControl("kubelet/streaming-idle-timeout-disabled", "4.2.5", low, "Kubelet streaming connections never time out",
			"With a 0 timeout, idle exec, attach and port-forward sessions stay open forever. (In a config file 0 means the 4h default; only the flag disables the timeout.)",
			"remove --streaming-connection-idle-timeout=0 (the default is 4h)", true,
			"streaming-connection-idle-timeout", func(v Value) string {
				if isZero(v.Raw) {
					return "idle streaming connections are never closed"
				}
				return ""
			}),
		kubeletControl("kubelet/iptables-util-chains-disabled", "4.2.6", low, "Kubelet does not manage its iptables chains",
			"With makeIPTablesUtilChains false, the kubelet does not keep the iptables rules it relies on in line with the node's networking.",
			"remove makeIPTablesUtilChains: false (it is true by default)", false,
			"make-iptables-util-chains", func(v Value) string {
				if b, err := strconv.ParseBool(v.Raw); err == nil && !b {
					return "iptables utility chains are not managed"
				}
				return ""
			}),
		kubeletControl("kubelet/hostname-override-set", "4.2.7", info, "Kubelet overrides its hostname",
			"A hostname override can break the TLS verification between the kubelet and the API server when it differs from the certificate's names.",
			"remove --hostname-override unless the cloud setup requires it", true,
			"hostname-override", func(v Value) string {
				if v.Raw != "" {
					return "review: the node name is overridden"
				}
				return ""
			}),
		reviewControl("kubelet/event-qps-review", "4.2.8", Kubelet, "Kubelet event rate limit",
			"Too low an event rate drops events needed to investigate incidents; 0 removes the limit.",
			"set eventRecordQPS to a level that captures the node's events (the default is 50)",
			func(c *Component) (Value, string) {
				v := c.KubeletValue("event-qps")
				return v, "check that " + describe(v) + " captures the node's events"
			}),
		cisControl("kubelet/tls-cert-missing", "4.2.9", Kubelet, med, "Kubelet serves a self-signed certificate",
			"Without tlsCertFile and tlsPrivateKeyFile (or serverTLSBootstrap), the kubelet serves a self-signed certificate that the API server cannot verify.",
			"set tlsCertFile and tlsPrivateKeyFile, or serverTLSBootstrap: true with approved serving certificates", true,
			func(r *reporter, c *Component) {
				cert, key, boot := c.KubeletValue("tls-cert-file"), c.KubeletValue("tls-private-key-file"), c.KubeletValue("rotate-server-certificates")
				if !r.known(c, cert, key, boot) || boot.Bool() {
					return
				}
				if cert.Raw == "" || key.Raw == "" {
					v := cert
					if cert.Raw != "" {
						v = key
					}
					r.fail(c, v, 0, "no serving certificate and no serverTLSBootstrap ("+describe(v)+", "+describe(boot)+")", nil)
				}
			}),
		kubeletControl("kubelet/client-cert-rotation-disabled", "4.2.10", med, "Kubelet client certificate rotation disabled",
			"Without rotateCertificates (false by default), the kubelet's client certificate expires and the node drops out, or a long-lived certificate is used instead.",
			"set rotateCertificates: true in the kubelet's config file (or --rotate-certificates)", false,
			"rotate-certificates", func(v Value) string {
				if !v.Bool() {
					return "client certificates are not rotated"
				}
				return ""
			}),
		cisControl("kubelet/server-cert-rotation-disabled", "4.2.11", Kubelet, med, "Kubelet serving certificate rotation disabled",
			"With RotateKubeletServerCertificate=false, the kubelet cannot renew its serving certificate through the API.",
			"remove RotateKubeletServerCertificate=false from the kubelet's feature gates", true,
			func(r *reporter, c *Component) {
				if v, ok := c.KubeletGate("RotateKubeletServerCertificate"); ok && !v.Bool() {
					r.fail(c, v, 0, "RotateKubeletServerCertificate is turned off ("+describe(v)+")", nil)
				}
			}),
		cisControl("kubelet/weak-tls-cipher-suites", "4.2.12", Kubelet, med, "Kubelet allows weak TLS cipher suites",
			"Insecure suites and suites without forward secrecy weaken the connections to the kubelet's API.",
			"set tlsCipherSuites to forward-secret AEAD suites, or leave it unset for Go's defaults", true,
			func(r *reporter, c *Component) {
				if v := c.KubeletValue("tls-cipher-suites"); r.known(c, v) {
					cipherCheck(r, c, v)
				}
			}),
		kubeletControl("kubelet/pod-pids-limit-missing", "4.2.13", low, "No limit on the processes of a pod",
			"Without podPidsLimit, one pod can fork until the node runs out of process IDs.",
			"set podPidsLimit in the kubelet's config file (or --pod-max-pids)", true,
			"pod-max-pids", func(v Value) string {
				// The kubelet applies the limit only when it is above 0
				// (pkg/kubelet/cm, v1.37): 0, like -1, is no limit.
				if n, err := strconv.ParseInt(v.Raw, 10, 64); err == nil && n <= 0 {
					return "pods may start any number of processes"
				}
				return ""
			}),
		kubeletControl("kubelet/seccomp-default-disabled", "4.2.14", low, "Kubelet does not apply RuntimeDefault seccomp",
			"With seccompDefault false, containers without a seccomp profile run unconfined, with every system call available.",
			"set seccompDefault: true in the kubelet's config file (or --seccomp-default)", true,
			"seccomp-default", func(v Value) string {
				if !v.Bool() {
					return "containers without a profile run unconfined"
				}
				return ""
			}),
	}
}
