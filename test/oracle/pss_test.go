package oracle_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/config"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// TestPodSecurityAgreesWithAdmission generates pods that exercise every Pod
// Security check and its edges, alone and in combination, asks the API
// server (a server-side dry run in namespaces that enforce baseline and
// restricted) whether Pod Security admission admits each, and requires
// rampart's pss/ checks to reach the same verdict for every pod at both levels.
func TestPodSecurityAgreesWithAdmission(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cs := admin(t)
	levels := []string{"baseline", "restricted"}
	for _, level := range levels {
		createNamespace(ctx, t, cs, "pss-"+level, map[string]string{
			"pod-security.kubernetes.io/enforce":         level,
			"pod-security.kubernetes.io/enforce-version": "latest",
		})
	}

	rc := jsonClient(t)

	cases := generatePods()
	if len(cases) < 200 {
		t.Fatalf("only %d pods generated, want at least 200", len(cases))
	}
	t.Logf("%d distinct pods generated, %d written by hand", len(cases), len(handWrittenPods))

	type manifestCase struct{ name, desc, text string }
	var all []manifestCase
	for _, pc := range cases {
		text, err := yaml.Marshal(pc.pod)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, manifestCase{pc.pod.Name, pc.desc, string(text)})
	}
	for _, h := range handWrittenPods {
		all = append(all, manifestCase{h.name, "written by hand", h.yaml})
	}

	agree := map[string]int{}
	rejected := map[string]int{}
	for _, mc := range all {
		for _, level := range levels {
			admitted, reason, err := admissionVerdict(ctx, rc, "pss-"+level, mc.text)
			if err != nil {
				t.Errorf("pod %s (%s) at %s: the API server failed for a reason other than Pod Security (a bug in the corpus): %v\n%s",
					mc.name, mc.desc, level, err, mc.text)
				continue
			}
			cfg := config.Default()
			cfg.PodSecurity = config.PodSecurity{Level: level, Version: "latest"}
			rep := checktest.Scan(t, mc.text, cfg)
			var fired []string
			for _, f := range rep.Findings {
				if strings.HasPrefix(f.CheckID, "pss/") && f.Suppressed == nil {
					fired = append(fired, f.CheckID+" ("+f.Message+")")
				}
			}
			if !admitted {
				rejected[level]++
			}
			if admitted == (len(fired) == 0) {
				agree[level]++
				continue
			}
			verdict := "admits"
			if !admitted {
				verdict = "rejects (" + reason + ")"
			}
			t.Errorf("pod %s (%s) at %s: admission %s, rampart reports %d pss finding(s) %v\n%s",
				mc.name, mc.desc, level, verdict, len(fired), fired, mc.text)
		}
	}
	msg := fmt.Sprintf("PSS vs admission: %d of %d pods agree at baseline, %d of %d at restricted (admission rejected %d at baseline, %d at restricted)",
		agree["baseline"], len(all), agree["restricted"], len(all), rejected["baseline"], rejected["restricted"])
	t.Log(msg)
	fmt.Println(msg)
	// Guard against a corpus that only produces one kind of verdict.
	for _, level := range levels {
		if rejected[level] == 0 || rejected[level] == len(all) {
			t.Errorf("at %s admission rejected %d of %d pods: the corpus does not separate verdicts", level, rejected[level], len(all))
		}
	}
}

// admissionVerdict creates the pod written as YAML the way kubectl does
// (YAML to JSON, then a POST), as a server-side dry run. A Forbidden error
// from Pod Security is a rejection; any other error is returned.
func admissionVerdict(ctx context.Context, rc *rest.RESTClient, ns, manifest string) (admitted bool, reason string, err error) {
	js, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		return false, "", err
	}
	err = rc.Post().AbsPath("/api/v1/namespaces/"+ns+"/pods").Param("dryRun", metav1.DryRunAll).
		SetHeader("Content-Type", "application/json").Body(js).Do(ctx).Error()
	switch {
	case err == nil:
		return true, "", nil
	case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "violates PodSecurity"):
		return false, err.Error(), nil
	}
	return false, "", err
}

// handWrittenPods hold what a generator does not write: YAML 1.1 booleans
// and numbers (which kubectl's YAML-to-JSON step reads), anchors, aliases
// and merge keys, flow style.
var handWrittenPods = []struct{ name, yaml string }{
	{"yaml-hostnetwork-yes", `apiVersion: v1
kind: Pod
metadata: {name: yaml-hostnetwork-yes}
spec:
  hostNetwork: yes
  containers: [{name: app, image: registry.k8s.io/pause:3.10}]
`},
	{"yaml-hostipc-off", `apiVersion: v1
kind: Pod
metadata: {name: yaml-hostipc-off}
spec:
  hostIPC: off
  hostPID: False
  containers: [{name: app, image: registry.k8s.io/pause:3.10}]
`},
	{"yaml-privileged-on", `apiVersion: v1
kind: Pod
metadata: {name: yaml-privileged-on}
spec:
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext: {privileged: On}
`},
	{"yaml-restricted-yaml11", `apiVersion: v1
kind: Pod
metadata: {name: yaml-restricted-yaml11}
spec:
  securityContext:
    runAsNonRoot: y
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext:
      allowPrivilegeEscalation: no
      capabilities: {drop: [ALL]}
`},
	{"yaml-restricted-allowPrivilegeEscalation-n", `apiVersion: v1
kind: Pod
metadata: {name: yaml-restricted-allowprivilegeescalation-n}
spec:
  securityContext:
    runAsNonRoot: YES
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext:
      allowPrivilegeEscalation: N
      capabilities: {drop: [ALL]}
`},
	{"yaml-runasuser-hex-zero", `apiVersion: v1
kind: Pod
metadata: {name: yaml-runasuser-hex-zero}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 0x0
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
`},
	{"yaml-runasuser-underscores", `apiVersion: v1
kind: Pod
metadata: {name: yaml-runasuser-underscores}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1_000
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
`},
	{"yaml-anchor-hardened", `apiVersion: v1
kind: Pod
metadata: {name: yaml-anchor-hardened}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  initContainers:
  - name: init
    image: registry.k8s.io/pause:3.10
    securityContext: &hardened
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext: *hardened
`},
	{"yaml-merge-key-override-privileged", `apiVersion: v1
kind: Pod
metadata: {name: yaml-merge-key-override-privileged}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  initContainers:
  - name: init
    image: registry.k8s.io/pause:3.10
    securityContext: &hardened
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext:
      <<: *hardened
      allowPrivilegeEscalation: true
`},
	{"yaml-merge-key-list", `apiVersion: v1
kind: Pod
metadata: {name: yaml-merge-key-list}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext:
      <<: [{allowPrivilegeEscalation: false}, {capabilities: {drop: [ALL], add: [SYS_ADMIN]}}]
`},
	{"yaml-aliased-unconfined-seccomp", `apiVersion: v1
kind: Pod
metadata: {name: yaml-aliased-unconfined-seccomp}
spec:
  securityContext:
    seccompProfile: &unconfined {type: Unconfined}
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext: {seccompProfile: *unconfined}
`},
	{"yaml-quoted-yes-label", `apiVersion: v1
kind: Pod
metadata:
  name: yaml-quoted-yes-label
  labels: {on: "yes", y: "n"}
spec:
  containers: [{name: app, image: registry.k8s.io/pause:3.10}]
`},
}

// podCase is one generated pod and how it was made.
type podCase struct {
	desc string
	pod  *corev1.Pod
}

// feature changes one setting of a pod.
type feature struct {
	name string
	// key groups features that set the same field: two with the same key
	// are never combined.
	key   string
	apply func(p *corev1.Pod)
	// init: the feature changes the init container, so it applies only to
	// bases that have one; sidecar: only to bases whose init container is a
	// restartable sidecar (probes are not allowed on other init containers).
	init, sidecar bool
}

const image = "registry.k8s.io/pause:3.10"

// base pods. "restricted" bases satisfy the restricted level, so a single
// feature decides their restricted verdict; "bare" bases set nothing.
func basePod(kind string) *corev1.Pod {
	p := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "pod"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: image}},
		},
	}
	hardened := func() *corev1.SecurityContext {
		return &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptrTo(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}
	}
	restricted := strings.HasPrefix(kind, "restricted")
	if restricted {
		p.Spec.SecurityContext = &corev1.PodSecurityContext{
			RunAsNonRoot:   ptrTo(true),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		}
		p.Spec.Containers[0].SecurityContext = hardened()
	}
	if strings.HasSuffix(kind, "+init") || strings.HasSuffix(kind, "+sidecar") {
		c := corev1.Container{Name: "init", Image: image}
		if restricted {
			c.SecurityContext = hardened()
		}
		if strings.HasSuffix(kind, "+sidecar") {
			c.RestartPolicy = ptrTo(corev1.ContainerRestartPolicyAlways)
		}
		p.Spec.InitContainers = []corev1.Container{c}
	}
	if kind == "windows" {
		// Windows pods may not set the Linux-only fields; at restricted, Pod
		// Security skips the seccomp, capabilities and privilege escalation
		// checks for them.
		p.Spec.OS = &corev1.PodOS{Name: corev1.Windows}
		p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptrTo(true)}
	}
	return p
}

func podSC(p *corev1.Pod) *corev1.PodSecurityContext {
	if p.Spec.SecurityContext == nil {
		p.Spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	return p.Spec.SecurityContext
}

func ctrSC(c *corev1.Container) *corev1.SecurityContext {
	if c.SecurityContext == nil {
		c.SecurityContext = &corev1.SecurityContext{}
	}
	return c.SecurityContext
}

func caps(sc *corev1.SecurityContext) *corev1.Capabilities {
	if sc.Capabilities == nil {
		sc.Capabilities = &corev1.Capabilities{}
	}
	return sc.Capabilities
}

func addVolume(p *corev1.Pod, name string, src corev1.VolumeSource) {
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: src})
}

func addSysctl(p *corev1.Pod, name, value string) {
	sc := podSC(p)
	if !slices.ContainsFunc(sc.Sysctls, func(s corev1.Sysctl) bool { return s.Name == name }) {
		sc.Sysctls = append(sc.Sysctls, corev1.Sysctl{Name: name, Value: value})
	}
}

func seccomp(t corev1.SeccompProfileType) *corev1.SeccompProfile {
	p := &corev1.SeccompProfile{Type: t}
	if t == corev1.SeccompProfileTypeLocalhost {
		p.LocalhostProfile = ptrTo("profiles/audit.json")
	}
	return p
}

func apparmor(t corev1.AppArmorProfileType) *corev1.AppArmorProfile {
	p := &corev1.AppArmorProfile{Type: t}
	if t == corev1.AppArmorProfileTypeLocalhost {
		p.LocalhostProfile = ptrTo("k8s-apparmor-example")
	}
	return p
}

// podFeatures set pod-level fields.
func podFeatures() []feature {
	var fs []feature
	add := func(name, key string, apply func(p *corev1.Pod)) {
		fs = append(fs, feature{name: name, key: key, apply: apply})
	}
	for _, v := range []bool{true, false} {
		add(fmt.Sprintf("hostNetwork=%v", v), "hostNetwork", func(p *corev1.Pod) { p.Spec.HostNetwork = v })
		add(fmt.Sprintf("hostPID=%v", v), "hostPID", func(p *corev1.Pod) { p.Spec.HostPID = v })
		add(fmt.Sprintf("hostIPC=%v", v), "hostIPC", func(p *corev1.Pod) { p.Spec.HostIPC = v })
		add(fmt.Sprintf("hostUsers=%v", v), "hostUsers", func(p *corev1.Pod) { p.Spec.HostUsers = ptrTo(v) })
		add(fmt.Sprintf("pod runAsNonRoot=%v", v), "pod runAsNonRoot", func(p *corev1.Pod) { podSC(p).RunAsNonRoot = ptrTo(v) })
	}
	add("pod runAsNonRoot unset", "pod runAsNonRoot", func(p *corev1.Pod) { podSC(p).RunAsNonRoot = nil })
	for _, uid := range []int64{0, 1000} {
		add(fmt.Sprintf("pod runAsUser=%d", uid), "pod runAsUser", func(p *corev1.Pod) { podSC(p).RunAsUser = ptrTo(uid) })
	}
	add("pod runAsGroup=0", "pod runAsGroup", func(p *corev1.Pod) { podSC(p).RunAsGroup = ptrTo(int64(0)) })
	add("pod fsGroup=0", "pod fsGroup", func(p *corev1.Pod) { podSC(p).FSGroup = ptrTo(int64(0)) })
	for _, t := range []corev1.SeccompProfileType{corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined, corev1.SeccompProfileTypeLocalhost} {
		add("pod seccomp="+string(t), "pod seccomp", func(p *corev1.Pod) { podSC(p).SeccompProfile = seccomp(t) })
	}
	add("pod seccomp unset", "pod seccomp", func(p *corev1.Pod) { podSC(p).SeccompProfile = nil })
	for _, t := range []corev1.AppArmorProfileType{corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined, corev1.AppArmorProfileTypeLocalhost} {
		add("pod appArmor="+string(t), "pod appArmor", func(p *corev1.Pod) { podSC(p).AppArmorProfile = apparmor(t) })
	}
	// The deprecated annotations, which Pod Security still reads.
	for _, v := range []string{"runtime/default", "unconfined", "localhost/k8s-apparmor-example"} {
		add("apparmor annotation "+v, "apparmor annotation", func(p *corev1.Pod) {
			p.Annotations = map[string]string{"container.apparmor.security.beta.kubernetes.io/app": v}
		})
	}
	for _, se := range []corev1.SELinuxOptions{
		{Type: "container_t"}, {Type: "container_init_t"}, {Type: "container_kvm_t"}, {Type: "container_engine_t"},
		{Type: "spc_t"}, {Type: "unconfined_t"}, {User: "system_u"}, {Role: "system_r"}, {Level: "s0:c123,c456"},
		{Type: "container_t", Level: "s0:c1,c2"},
	} {
		add(fmt.Sprintf("pod seLinux=%+v", se), "pod seLinux", func(p *corev1.Pod) { podSC(p).SELinuxOptions = &se })
	}
	for _, s := range []struct{ name, value string }{
		// allowed at baseline (latest)
		{"kernel.shm_rmid_forced", "0"}, {"net.ipv4.ip_local_port_range", "1024 65535"}, {"net.ipv4.tcp_syncookies", "1"},
		{"net.ipv4.ping_group_range", "0 2147483647"}, {"net.ipv4.ip_unprivileged_port_start", "0"},
		{"net.ipv4.ip_local_reserved_ports", "8080"}, {"net.ipv4.tcp_keepalive_time", "600"}, {"net.ipv4.tcp_fin_timeout", "30"},
		{"net.ipv4.tcp_keepalive_intvl", "60"}, {"net.ipv4.tcp_keepalive_probes", "5"}, {"net.ipv4.tcp_rmem", "4096 87380 6291456"},
		{"net.ipv4.tcp_wmem", "4096 16384 4194304"}, {"net.ipv4.tcp_slow_start_after_idle", "0"}, {"net.ipv4.tcp_notsent_lowat", "16384"},
		// not allowed
		{"kernel.msgmax", "65536"}, {"net.core.somaxconn", "1024"}, {"kernel.sem", "250 32000 100 128"}, {"vm.swappiness", "10"},
		{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "68719476736"},
	} {
		add("sysctl "+s.name, "sysctl "+s.name, func(p *corev1.Pod) { addSysctl(p, s.name, s.value) })
	}
	vols := []struct {
		name string
		src  corev1.VolumeSource
	}{
		{"emptydir", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		// No source: the API server defaults it to an emptyDir before admission.
		{"nosource", corev1.VolumeSource{}},
		{"configmap", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}}},
		{"secret", corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}},
		{"projected", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}},
		{"downwardapi", corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
		{"csi", corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{Driver: "inline.csi.example.com"}}},
		{"ephemeral", corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{
			Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}}}},
		{"pvc", corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}},
		{"image", corev1.VolumeSource{Image: &corev1.ImageVolumeSource{Reference: image, PullPolicy: corev1.PullIfNotPresent}}},
		{"hostpath", corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}},
		{"hostpath-dir", corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/etc", Type: ptrTo(corev1.HostPathDirectory)}}},
		{"nfs", corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "nfs.example.com", Path: "/exports"}}},
		{"gitrepo", corev1.VolumeSource{GitRepo: &corev1.GitRepoVolumeSource{Repository: "https://example.com/repo.git"}}},
		{"iscsi", corev1.VolumeSource{ISCSI: &corev1.ISCSIVolumeSource{TargetPortal: "10.0.0.1:3260", IQN: "iqn.2001-04.com.example:storage", Lun: 0, FSType: "ext4"}}},
		{"cephfs", corev1.VolumeSource{CephFS: &corev1.CephFSVolumeSource{Monitors: []string{"10.0.0.1:6789"}}}},
		{"rbd", corev1.VolumeSource{RBD: &corev1.RBDVolumeSource{CephMonitors: []string{"10.0.0.1:6789"}, RBDImage: "img"}}},
		{"azurefile", corev1.VolumeSource{AzureFile: &corev1.AzureFileVolumeSource{SecretName: "az", ShareName: "share"}}},
		{"fc", corev1.VolumeSource{FC: &corev1.FCVolumeSource{TargetWWNs: []string{"500a0982991b8dc5"}, Lun: ptrTo(int32(0))}}},
		{"glusterfs", corev1.VolumeSource{Glusterfs: &corev1.GlusterfsVolumeSource{EndpointsName: "gfs", Path: "vol"}}},
		{"awsebs", corev1.VolumeSource{AWSElasticBlockStore: &corev1.AWSElasticBlockStoreVolumeSource{VolumeID: "vol-1"}}},
		{"gcepd", corev1.VolumeSource{GCEPersistentDisk: &corev1.GCEPersistentDiskVolumeSource{PDName: "pd"}}},
		{"cinder", corev1.VolumeSource{Cinder: &corev1.CinderVolumeSource{VolumeID: "vol-1"}}},
		{"flex", corev1.VolumeSource{FlexVolume: &corev1.FlexVolumeSource{Driver: "example.com/flex"}}},
		{"vsphere", corev1.VolumeSource{VsphereVolume: &corev1.VsphereVirtualDiskVolumeSource{VolumePath: "[ds] vol.vmdk"}}},
		{"portworx", corev1.VolumeSource{PortworxVolume: &corev1.PortworxVolumeSource{VolumeID: "vol-1"}}},
		{"azuredisk", corev1.VolumeSource{AzureDisk: &corev1.AzureDiskVolumeSource{DiskName: "d", DataDiskURI: "https://example.blob.core.windows.net/vhds/d.vhd"}}},
		{"quobyte", corev1.VolumeSource{Quobyte: &corev1.QuobyteVolumeSource{Registry: "registry:7861", Volume: "vol"}}},
		{"photon", corev1.VolumeSource{PhotonPersistentDisk: &corev1.PhotonPersistentDiskVolumeSource{PdID: "pd"}}},
		{"scaleio", corev1.VolumeSource{ScaleIO: &corev1.ScaleIOVolumeSource{Gateway: "https://gw", System: "sys", VolumeName: "vol", SecretRef: &corev1.LocalObjectReference{Name: "sio"}}}},
		{"storageos", corev1.VolumeSource{StorageOS: &corev1.StorageOSVolumeSource{VolumeName: "vol"}}},
		{"flocker", corev1.VolumeSource{Flocker: &corev1.FlockerVolumeSource{DatasetName: "ds"}}},
	}
	for _, v := range vols {
		add("volume "+v.name, "volume "+v.name, func(p *corev1.Pod) { addVolume(p, "v-"+v.name, *v.src.DeepCopy()) })
	}
	add("hostPort 8080", "app ports", func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080}}
	})
	add("containerPort without hostPort", "app ports", func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080}}
	})
	add("hostPort on a second port", "app ports", func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090, HostPort: 9090}}
	})
	add("shareProcessNamespace", "shareProcessNamespace", func(p *corev1.Pod) { p.Spec.ShareProcessNamespace = ptrTo(true) })
	add("hostProcess pod=true", "hostProcess", func(p *corev1.Pod) {
		podSC(p).WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: ptrTo(true)}
		p.Spec.HostNetwork = true
	})
	add("hostProcess pod=false", "hostProcess", func(p *corev1.Pod) {
		podSC(p).WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: ptrTo(false)}
	})
	add("windows runAsUserName", "hostProcess", func(p *corev1.Pod) {
		podSC(p).WindowsOptions = &corev1.WindowsSecurityContextOptions{RunAsUserName: ptrTo("ContainerUser")}
	})
	add("os=linux", "os", func(p *corev1.Pod) { p.Spec.OS = &corev1.PodOS{Name: corev1.Linux} })
	return fs
}

// containerFeatures set fields of one container: "app", or the init
// container "init" (then the feature applies only to bases that have one).
func containerFeatures(target string) []feature {
	var fs []feature
	idx := func(p *corev1.Pod) *corev1.Container {
		if target == "init" {
			return &p.Spec.InitContainers[0]
		}
		return &p.Spec.Containers[0]
	}
	add := func(name, key string, apply func(c *corev1.Container)) {
		fs = append(fs, feature{name: target + " " + name, key: target + " " + key, init: target == "init",
			apply: func(p *corev1.Pod) { apply(idx(p)) }})
	}
	// privileged implies privilege escalation (allowPrivilegeEscalation
	// false with privileged true is invalid).
	add("privileged=true", "privileged", func(c *corev1.Container) {
		ctrSC(c).Privileged = ptrTo(true)
		ctrSC(c).AllowPrivilegeEscalation = ptrTo(true)
	})
	add("privileged=false", "privileged", func(c *corev1.Container) { ctrSC(c).Privileged = ptrTo(false) })
	for _, v := range []*bool{ptrTo(true), ptrTo(false), nil} {
		name := "unset"
		if v != nil {
			name = fmt.Sprint(*v)
		}
		add("allowPrivilegeEscalation="+name, "allowPrivilegeEscalation", func(c *corev1.Container) { ctrSC(c).AllowPrivilegeEscalation = v })
	}
	for _, cp := range []corev1.Capability{"NET_RAW", "SYS_ADMIN", "NET_BIND_SERVICE", "CHOWN", "AUDIT_WRITE", "KILL", "SETUID", "SYS_TIME", "CAP_NET_RAW", "net_bind_service"} {
		add("add "+string(cp), "add "+string(cp), func(c *corev1.Container) { caps(ctrSC(c)).Add = append(caps(ctrSC(c)).Add, cp) })
	}
	add("add NET_BIND_SERVICE+CHOWN", "add NET_BIND_SERVICE", func(c *corev1.Container) {
		caps(ctrSC(c)).Add = append(caps(ctrSC(c)).Add, "NET_BIND_SERVICE", "CHOWN")
	})
	for _, d := range [][]corev1.Capability{{"ALL"}, {"all"}, {"NET_RAW"}, {"NET_RAW", "ALL"}, nil} {
		add(fmt.Sprintf("drop %v", d), "drop", func(c *corev1.Container) {
			caps(ctrSC(c)).Drop = d
			if c.SecurityContext.Capabilities.Add == nil && d == nil {
				c.SecurityContext.Capabilities = nil
			}
		})
	}
	for _, v := range []*bool{ptrTo(true), ptrTo(false)} {
		add(fmt.Sprintf("runAsNonRoot=%v", *v), "runAsNonRoot", func(c *corev1.Container) { ctrSC(c).RunAsNonRoot = v })
	}
	for _, uid := range []int64{0, 1000} {
		add(fmt.Sprintf("runAsUser=%d", uid), "runAsUser", func(c *corev1.Container) { ctrSC(c).RunAsUser = ptrTo(uid) })
	}
	for _, t := range []corev1.SeccompProfileType{corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined, corev1.SeccompProfileTypeLocalhost} {
		add("seccomp="+string(t), "seccomp", func(c *corev1.Container) { ctrSC(c).SeccompProfile = seccomp(t) })
	}
	for _, t := range []corev1.AppArmorProfileType{corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined, corev1.AppArmorProfileTypeLocalhost} {
		add("appArmor="+string(t), "appArmor", func(c *corev1.Container) { ctrSC(c).AppArmorProfile = apparmor(t) })
	}
	for _, se := range []corev1.SELinuxOptions{{Type: "spc_t"}, {Type: "container_engine_t"}, {Type: "container_t"}, {User: "system_u"}, {Role: "object_r"}} {
		add(fmt.Sprintf("seLinux=%+v", se), "seLinux", func(c *corev1.Container) { ctrSC(c).SELinuxOptions = &se })
	}
	add("procMount=Unmasked", "procMount", func(c *corev1.Container) { ctrSC(c).ProcMount = ptrTo(corev1.UnmaskedProcMount) })
	// Unmasked is valid only with hostUsers=false, where baseline relaxes.
	fs = append(fs, feature{name: target + " procMount=Unmasked, hostUsers=false", key: target + " procMount", init: target == "init",
		apply: func(p *corev1.Pod) {
			ctrSC(idx(p)).ProcMount = ptrTo(corev1.UnmaskedProcMount)
			p.Spec.HostUsers = ptrTo(false)
		}})
	add("procMount=Default", "procMount", func(c *corev1.Container) { ctrSC(c).ProcMount = ptrTo(corev1.DefaultProcMount) })
	add("readOnlyRootFilesystem", "readOnlyRootFilesystem", func(c *corev1.Container) { ctrSC(c).ReadOnlyRootFilesystem = ptrTo(true) })
	add("runAsGroup=0", "runAsGroup", func(c *corev1.Container) { ctrSC(c).RunAsGroup = ptrTo(int64(0)) })
	add("hostProcess=true", "hostProcess", func(c *corev1.Container) {
		ctrSC(c).WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: ptrTo(true)}
	})
	add("hostProcess=false", "hostProcess", func(c *corev1.Container) {
		ctrSC(c).WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: ptrTo(false)}
	})

	// Probes and lifecycle handlers with and without a host. Other init
	// containers may not have probes: these apply to a sidecar.
	probeFeatures := []struct {
		name  string
		apply func(c *corev1.Container)
	}{
		{"liveness httpGet host", func(c *corev1.Container) {
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.1", Path: "/healthz", Port: intstr.FromInt32(8080)}}}
		}},
		{"liveness httpGet no host", func(c *corev1.Container) {
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}}}
		}},
		{"readiness tcpSocket host", func(c *corev1.Container) {
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: "localhost", Port: intstr.FromInt32(8080)}}}
		}},
		{"startup httpGet host", func(c *corev1.Container) {
			c.StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "example.com", Port: intstr.FromString("http")}}}
			c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
		}},
		{"readiness exec", func(c *corev1.Container) {
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
		}},
		{"postStart httpGet host", func(c *corev1.Container) {
			c.Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.2", Port: intstr.FromInt32(80)}}}
		}},
		{"preStop sleep", func(c *corev1.Container) {
			c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1}}}
		}},
	}
	for _, pf := range probeFeatures {
		key := target + " " + strings.Fields(pf.name)[0]
		if strings.HasPrefix(pf.name, "postStart") || strings.HasPrefix(pf.name, "preStop") {
			key = target + " lifecycle"
		}
		if strings.HasPrefix(pf.name, "startup") {
			key = target + " ports" // it names a port
		}
		fs = append(fs, feature{name: target + " " + pf.name, key: key, init: target == "init", sidecar: target == "init",
			apply: func(p *corev1.Pod) { pf.apply(idx(p)) }})
	}
	return fs
}

// invalidReason reports why the API server's validation would reject a
// pod regardless of Pod Security (so that the generator never sends it), or "".
func invalidReason(p *corev1.Pod) string {
	s := &p.Spec
	psc := s.SecurityContext
	hostUsers := s.HostUsers == nil || *s.HostUsers
	if !hostUsers && (s.HostNetwork || s.HostPID || s.HostIPC) {
		return "host namespaces with hostUsers=false"
	}
	windows := s.OS != nil && s.OS.Name == corev1.Windows
	linux := s.OS != nil && s.OS.Name == corev1.Linux
	if windows && (s.HostUsers != nil || s.HostPID || s.HostIPC || s.ShareProcessNamespace != nil) {
		return "Linux-only pod field on a windows pod"
	}
	if windows && psc != nil && (psc.AppArmorProfile != nil || psc.SELinuxOptions != nil || psc.SeccompProfile != nil ||
		psc.FSGroup != nil || len(psc.Sysctls) > 0 || psc.RunAsUser != nil || psc.RunAsGroup != nil) {
		return "Linux-only pod security context field on a windows pod"
	}
	if windows && len(p.Annotations) > 0 {
		return "AppArmor annotation on a windows pod"
	}
	if linux && psc != nil && psc.WindowsOptions != nil {
		return "windowsOptions on a linux pod"
	}
	var podHostProcess *bool
	if psc != nil && psc.WindowsOptions != nil {
		podHostProcess = psc.WindowsOptions.HostProcess
	}
	if psc != nil {
		for _, sc := range psc.Sysctls {
			net := strings.HasPrefix(sc.Name, "net.")
			ipc := strings.HasPrefix(sc.Name, "kernel.shm") || strings.HasPrefix(sc.Name, "kernel.msg") || sc.Name == "kernel.sem" || strings.HasPrefix(sc.Name, "fs.mqueue.")
			if net && s.HostNetwork || ipc && s.HostIPC {
				return "namespaced sysctl with the host namespace"
			}
		}
	}
	containers, hostProcess := 0, 0
	for _, c := range append(slices.Clone(s.InitContainers), s.Containers...) {
		containers++
		sc := c.SecurityContext
		var ctrHostProcess *bool
		if sc != nil && sc.WindowsOptions != nil {
			ctrHostProcess = sc.WindowsOptions.HostProcess
		}
		if podHostProcess != nil && ctrHostProcess != nil && *podHostProcess != *ctrHostProcess {
			return "pod and container hostProcess differ"
		}
		if ctrHostProcess != nil && *ctrHostProcess || ctrHostProcess == nil && podHostProcess != nil && *podHostProcess {
			hostProcess++
		}
		if sc == nil {
			continue
		}
		if sc.ProcMount != nil && *sc.ProcMount == corev1.UnmaskedProcMount && hostUsers {
			return "procMount Unmasked with hostUsers"
		}
		if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
			if sc.Privileged != nil && *sc.Privileged {
				return "privileged with allowPrivilegeEscalation=false"
			}
			if sc.Capabilities != nil && slices.Contains(sc.Capabilities.Add, "CAP_SYS_ADMIN") {
				return "CAP_SYS_ADMIN with allowPrivilegeEscalation=false"
			}
		}
		if windows && (sc.AppArmorProfile != nil || sc.SELinuxOptions != nil || sc.SeccompProfile != nil || sc.Capabilities != nil ||
			sc.ReadOnlyRootFilesystem != nil || sc.Privileged != nil || sc.AllowPrivilegeEscalation != nil || sc.ProcMount != nil ||
			sc.RunAsUser != nil || sc.RunAsGroup != nil) {
			return "Linux-only container field on a windows pod"
		}
		if linux && sc.WindowsOptions != nil {
			return "windowsOptions on a linux pod"
		}
	}
	if hostProcess > 0 && (hostProcess != containers || !s.HostNetwork) {
		return "hostProcess needs every container to be one, and hostNetwork"
	}
	// The deprecated AppArmor annotation must match the field that applies to "app".
	if a, ok := p.Annotations["container.apparmor.security.beta.kubernetes.io/app"]; ok && !windows {
		prof := (*corev1.AppArmorProfile)(nil)
		if psc != nil {
			prof = psc.AppArmorProfile
		}
		if sc := s.Containers[0].SecurityContext; sc != nil && sc.AppArmorProfile != nil {
			prof = sc.AppArmorProfile
		}
		if prof != nil {
			want := map[corev1.AppArmorProfileType]string{
				corev1.AppArmorProfileTypeRuntimeDefault: "runtime/default",
				corev1.AppArmorProfileTypeUnconfined:     "unconfined",
				corev1.AppArmorProfileTypeLocalhost:      "localhost/k8s-apparmor-example",
			}[prof.Type]
			if a != want {
				return "AppArmor annotation and field differ"
			}
		}
	}
	return ""
}

// generatePods builds the corpus deterministically: every feature alone
// on a bare and on a restricted base (container features also on the init
// container), every pair of the settings whose pod and container levels
// interact (inheritance, overrides, user namespaces), and seeded random
// pairs and triples of all features.
func generatePods() []podCase {
	pod := podFeatures()
	app := containerFeatures("app")
	ini := containerFeatures("init")
	all := slices.Concat(pod, app, ini)

	var out []podCase
	seen := map[string]bool{}
	try := func(base string, fs ...feature) {
		keys := map[string]bool{}
		for _, f := range fs {
			if keys[f.key] {
				return
			}
			keys[f.key] = true
			if f.init && !strings.Contains(base, "+") || f.sidecar && !strings.HasSuffix(base, "+sidecar") {
				return
			}
		}
		p := basePod(base)
		names := []string{base}
		for _, f := range fs {
			f.apply(p)
			names = append(names, f.name)
		}
		if invalidReason(p) != "" {
			return
		}
		b, _ := json.Marshal(struct {
			A map[string]string
			S corev1.PodSpec
		}{p.Annotations, p.Spec})
		if seen[string(b)] {
			return
		}
		seen[string(b)] = true
		p.Name = fmt.Sprintf("pod-%04d", len(out))
		out = append(out, podCase{desc: strings.Join(names, ", "), pod: p})
	}

	for _, base := range []string{"bare", "restricted", "windows"} {
		try(base)
		for _, f := range slices.Concat(pod, app) {
			try(base, f)
		}
	}
	for _, base := range []string{"bare+init", "restricted+init", "restricted+sidecar"} {
		try(base)
		for _, f := range ini {
			try(base, f)
		}
	}

	// Pairs of the settings where pod and container levels meet.
	interacting := func(f feature) bool {
		for _, k := range []string{"runAsNonRoot", "runAsUser", "seccomp", "appArmor", "apparmor annotation", "seLinux", "hostUsers", "procMount", "hostProcess"} {
			if strings.HasSuffix(f.key, k) {
				return true
			}
		}
		return false
	}
	var inter []feature
	for _, f := range slices.Concat(pod, app, ini) {
		if interacting(f) && !f.sidecar {
			inter = append(inter, f)
		}
	}
	for i := range inter {
		for j := i + 1; j < len(inter); j++ {
			base := "restricted"
			if inter[i].init || inter[j].init {
				base = "restricted+init"
			}
			try(base, inter[i], inter[j])
		}
	}

	// Seeded random pairs and triples of everything.
	rng := rand.New(rand.NewPCG(2026, 11))
	bases := []string{"bare", "restricted", "bare+init", "restricted+init", "restricted+sidecar", "windows"}
	for range 600 {
		n := 2 + rng.IntN(2)
		fs := make([]feature, n)
		for i := range fs {
			fs[i] = all[rng.IntN(len(all))]
		}
		try(bases[rng.IntN(len(bases))], fs...)
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }
