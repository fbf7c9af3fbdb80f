package pss

import (
	"github.com/rampart-k8s/rampart/pkg/finding"
	"k8s.io/pod-security-admission/policy"
)

// info is rampart's metadata for one check of the Pod Security library. The
// logic is the library's; only titles, severities and advice are ours.
type info struct {
	title       string
	severity    finding.Severity
	why         string
	remediation string
	cis         []string
	// podField is where the problem is set when it is a pod-level setting;
	// empty for container-level checks, which point at the container.
	podField string
	// containerField is the field inside a container that the check reads.
	containerField string
}

var metadata = map[policy.CheckID]info{
	"privileged": {
		title: "Privileged container", severity: finding.SeverityCritical,
		why:            "A privileged container has all capabilities and the host's devices: it is root on the node.",
		remediation:    "remove securityContext.privileged or set it to false",
		cis:            []string{"CIS 5.2.2"},
		containerField: "securityContext.privileged",
	},
	"hostNamespaces": {
		title: "Pod shares host namespaces", severity: finding.SeverityHigh,
		why:         "hostNetwork, hostPID or hostIPC let a pod see and reach the node's processes, network and IPC.",
		remediation: "remove hostNetwork, hostPID and hostIPC from the pod spec",
		cis:         []string{"CIS 5.2.3", "CIS 5.2.4", "CIS 5.2.5"},
		podField:    "hostNetwork",
	},
	"hostPorts": {
		title: "Container binds a host port", severity: finding.SeverityMedium,
		why:            "hostPort exposes the container on every node address, bypassing Services and network policies.",
		remediation:    "remove ports[].hostPort and expose the pod through a Service",
		cis:            []string{"CIS 5.2.13"},
		containerField: "ports",
	},
	"hostPathVolumes": {
		title: "Pod mounts a hostPath volume", severity: finding.SeverityHigh,
		why:         "hostPath volumes give the pod the node's filesystem, a common path to node takeover.",
		remediation: "replace hostPath volumes with emptyDir, configMap, secret or persistent volumes",
		cis:         []string{"CIS 5.2.12"},
		podField:    "volumes",
	},
	"capabilities_baseline": {
		title: "Container adds non-default capabilities", severity: finding.SeverityHigh,
		why:            "Capabilities beyond the runtime's defaults (SYS_ADMIN, NET_ADMIN, ...) widen what an attacker can do on the node.",
		remediation:    "remove the capabilities from securityContext.capabilities.add",
		cis:            []string{"CIS 5.2.9"},
		containerField: "securityContext.capabilities",
	},
	"capabilities_restricted": {
		title: "Container does not drop all capabilities", severity: finding.SeverityMedium,
		why:            "The restricted level asks containers to drop ALL capabilities and add back at most NET_BIND_SERVICE.",
		remediation:    "set securityContext.capabilities.drop: [\"ALL\"] and add only NET_BIND_SERVICE if needed",
		cis:            []string{"CIS 5.2.8", "CIS 5.2.10"},
		containerField: "securityContext.capabilities",
	},
	"allowPrivilegeEscalation": {
		title: "Container allows privilege escalation", severity: finding.SeverityHigh,
		why:            "Without allowPrivilegeEscalation: false, setuid binaries can raise a process's privileges.",
		remediation:    "set securityContext.allowPrivilegeEscalation: false",
		cis:            []string{"CIS 5.2.6"},
		containerField: "securityContext.allowPrivilegeEscalation",
	},
	"appArmorProfile": {
		title: "Forbidden AppArmor profile", severity: finding.SeverityMedium,
		why:            "An unconfined AppArmor profile removes a layer of the container's confinement.",
		remediation:    "use the RuntimeDefault or a Localhost AppArmor profile",
		containerField: "securityContext.appArmorProfile",
	},
	"hostProbesAndHostLifecycle": {
		title: "Probe or lifecycle hook targets a host", severity: finding.SeverityMedium,
		why:            "A probe or hook with a host field makes the kubelet connect to an address the pod chooses.",
		remediation:    "remove the host field from probes and lifecycle handlers",
		containerField: "livenessProbe",
	},
	"procMount": {
		title: "Unmasked /proc mount", severity: finding.SeverityMedium,
		why:            "procMount: Unmasked exposes kernel interfaces under /proc that are hidden by default.",
		remediation:    "remove securityContext.procMount or set it to Default",
		containerField: "securityContext.procMount",
	},
	"procMount_restricted": {
		title: "Unmasked /proc mount", severity: finding.SeverityMedium,
		why:            "procMount: Unmasked exposes kernel interfaces under /proc that are hidden by default.",
		remediation:    "remove securityContext.procMount or set it to Default",
		containerField: "securityContext.procMount",
	},
	"restrictedVolumes": {
		title: "Pod uses a volume type the restricted level forbids", severity: finding.SeverityMedium,
		why:         "Only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret and image volumes are allowed under restricted.",
		remediation: "use one of the allowed volume types",
		podField:    "volumes",
	},
	"runAsNonRoot": {
		title: "Container may run as root", severity: finding.SeverityHigh,
		why:            "A container running as root is one kernel or runtime flaw away from root on the node.",
		remediation:    "set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser",
		cis:            []string{"CIS 5.2.7"},
		containerField: "securityContext.runAsNonRoot",
	},
	"runAsUser": {
		title: "Container runs as UID 0", severity: finding.SeverityHigh,
		why:            "runAsUser: 0 makes the container run as root whatever the image says.",
		remediation:    "set runAsUser to a non-zero UID",
		cis:            []string{"CIS 5.2.7"},
		containerField: "securityContext.runAsUser",
	},
	"seLinuxOptions": {
		title: "Custom SELinux options", severity: finding.SeverityMedium,
		why:            "Setting the SELinux type or user/role can lift the container out of its confinement.",
		remediation:    "remove seLinuxOptions.user and role; use only the allowed types",
		containerField: "securityContext.seLinuxOptions",
	},
	"seccompProfile_baseline": {
		title: "Seccomp profile is Unconfined", severity: finding.SeverityMedium,
		why:            "An Unconfined seccomp profile exposes every system call of the kernel to the container.",
		remediation:    "set securityContext.seccompProfile.type to RuntimeDefault or Localhost",
		cis:            []string{"CIS 5.7.2"},
		containerField: "securityContext.seccompProfile",
	},
	"seccompProfile_restricted": {
		title: "No seccomp profile", severity: finding.SeverityMedium,
		why:            "Without a seccomp profile, containers can use every system call; the restricted level requires RuntimeDefault or Localhost.",
		remediation:    "set securityContext.seccompProfile.type: RuntimeDefault on the pod or each container",
		cis:            []string{"CIS 5.7.2"},
		containerField: "securityContext.seccompProfile",
	},
	"sysctls": {
		title: "Unsafe sysctls", severity: finding.SeverityMedium,
		why:         "Sysctls outside the safe set change kernel settings shared with other pods on the node.",
		remediation: "remove sysctls outside the safe set from securityContext.sysctls",
		podField:    "securityContext.sysctls",
	},
	"windowsHostProcess": {
		title: "Windows HostProcess container", severity: finding.SeverityCritical,
		why:            "A HostProcess container runs directly on the Windows host with its privileges.",
		remediation:    "remove windowsOptions.hostProcess",
		cis:            []string{"CIS 5.2.11"},
		containerField: "securityContext.windowsOptions",
	},
}
