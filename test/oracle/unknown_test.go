package oracle_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"
)

// unknownFieldRE matches one entry of a strict decoding error.
var unknownFieldRE = regexp.MustCompile(`unknown field "((?:[^"\\]|\\.)*)"`)

// TestUnknownFieldsAgreeWithStrictValidation sends every manifest of the
// corpus, converted to JSON as kubectl does, to the API server in a dry-run
// create with strict field validation, and requires rampart's
// schema/unknown-field findings to name exactly the fields the server
// reports as unknown. Each manifest must otherwise be valid: the same create
// with unknown fields ignored must succeed, and then rampart must not report
// a value of the wrong type either.
func TestUnknownFieldsAgreeWithStrictValidation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cs := admin(t)
	const ns = "strict"
	createNamespace(ctx, t, cs, ns, nil)

	rc := jsonClient(t)
	groups, err := restmapper.GetAPIGroupResources(cs.Discovery())
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDiscoveryRESTMapper(groups)

	corpus := unknownFieldCorpus()
	if len(corpus) < 60 {
		t.Fatalf("only %d manifests in the corpus, want at least 60", len(corpus))
	}
	names := map[string]bool{}
	agree, withUnknown, total := 0, 0, 0
	for _, m := range corpus {
		if names[m.name] {
			t.Fatalf("manifest name %q used twice", m.name)
		}
		names[m.name] = true
		total++
		js, err := yaml.YAMLToJSON([]byte(m.yaml))
		if err != nil {
			t.Errorf("%s: YAML to JSON: %v", m.name, err)
			continue
		}
		var head struct{ APIVersion, Kind string }
		if err := json.Unmarshal(js, &head); err != nil {
			t.Errorf("%s: %v", m.name, err)
			continue
		}
		gv, err := schema.ParseGroupVersion(head.APIVersion)
		if err != nil {
			t.Errorf("%s: %v", m.name, err)
			continue
		}
		mapping, err := mapper.RESTMapping(gv.WithKind(head.Kind).GroupKind(), gv.Version)
		if err != nil {
			t.Errorf("%s: %s %s is not served: %v", m.name, head.APIVersion, head.Kind, err)
			continue
		}
		path := "/apis/" + gv.Group + "/" + gv.Version
		if gv.Group == "" {
			path = "/api/" + gv.Version
		}
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			path += "/namespaces/" + ns
		}
		path += "/" + mapping.Resource.Resource
		create := func(validation string) error {
			return rc.Post().AbsPath(path).Param("dryRun", "All").Param("fieldValidation", validation).
				SetHeader("Content-Type", "application/json").Body(js).Do(ctx).Error()
		}

		// The server's verdict.
		var server []string
		if err := create("Strict"); err != nil {
			msg := err.Error()
			if !apierrors.IsBadRequest(err) || !strings.Contains(msg, "strict decoding error") {
				t.Errorf("%s: the API server rejects the manifest for a reason other than unknown fields (fix the corpus): %v", m.name, err)
				continue
			}
			rest := msg
			for _, sm := range unknownFieldRE.FindAllStringSubmatch(msg, -1) {
				server = append(server, unquote(sm[1]))
				rest = strings.Replace(rest, sm[0], "", 1)
			}
			if strings.Contains(rest, "duplicate field") || len(server) == 0 {
				t.Errorf("%s: strict decoding failed for a reason other than unknown fields (fix the corpus): %v", m.name, err)
				continue
			}
		}
		// With unknown fields dropped, the rest must be valid.
		if err := create("Ignore"); err != nil {
			t.Errorf("%s: the manifest is invalid apart from its unknown fields (fix the corpus): %v", m.name, err)
			continue
		}

		// rampart's verdict.
		rep := checktest.Scan(t, m.yaml, nil)
		var ours []string
		for _, f := range checktest.Find(rep, "schema/unknown-field") {
			ours = append(ours, serverNotation(f.Location.Field))
		}
		for _, id := range []string{"schema/invalid-value", "schema/unknown-kind", "schema/custom-resource"} {
			for _, f := range checktest.Find(rep, id) {
				t.Errorf("%s: rampart reports %s at %s (%s), but the API server accepts the manifest", m.name, id, f.Location.Field, f.Message)
			}
		}
		slices.Sort(server)
		slices.Sort(ours)
		server, ours = slices.Compact(server), slices.Compact(ours)
		if len(server) > 0 {
			withUnknown++
		}
		if len(server) != m.want {
			t.Errorf("%s: the API server reports %d unknown field(s) %q; the corpus expects %d (fix the corpus)", m.name, len(server), server, m.want)
		}
		if slices.Equal(server, ours) {
			agree++
			continue
		}
		t.Errorf("%s: unknown fields differ\n  API server: %q\n  rampart:    %q\n%s", m.name, server, ours, m.yaml)
	}
	msg := fmt.Sprintf("unknown fields vs strict validation: %d of %d manifests agree (%d with unknown fields, %d clean)", agree, total, withUnknown, total-withUnknown)
	t.Log(msg)
	fmt.Println(msg)
}

// quotedKeyRE matches a map key that rampart writes bracketed and quoted
// because it holds dots or slashes (labels["app.kubernetes.io/name"]).
var quotedKeyRE = regexp.MustCompile(`\["((?:[^"\\]|\\.)*)"\]`)

// serverNotation rewrites rampart's bracketed map keys the way the API
// server writes them in strict decoding errors: as plain dotted segments.
// The two notations differ only there; list indexes are [N] in both.
func serverNotation(path string) string {
	return quotedKeyRE.ReplaceAllStringFunc(path, func(m string) string {
		return "." + unquote(quotedKeyRE.FindStringSubmatch(m)[1])
	})
}

// unquote reads a field path as Go quoted it in the server's message.
func unquote(s string) string {
	var out string
	if err := json.Unmarshal([]byte(`"`+s+`"`), &out); err != nil {
		return s
	}
	return out
}

// manifest is one corpus entry: want is how many unknown fields it holds.
type manifest struct {
	name string
	want int
	yaml string
}

const podSpecYAML = `
    spec:
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10`

// unknownFieldCorpus lists the manifests. Each is valid apart from its
// deliberate unknown fields.
func unknownFieldCorpus() []manifest {
	deploy := func(spec string) string {
		return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector:
    matchLabels: {app: web}
` + spec
	}
	tmpl := `
  template:
    metadata:
      labels: {app: web}` + podSpecYAML + "\n"
	pod := func(spec string) string {
		return `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
` + spec
	}
	svc := func(spec string) string {
		return `apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  selector: {app: web}
` + spec
	}
	netpol := func(spec string) string {
		return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: np
spec:
  podSelector: {matchLabels: {app: web}}
` + spec
	}
	job := func(podSpec string) string {
		return `apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10
` + podSpec
	}
	cron := func(rest string) string {
		return `apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj
spec:
  schedule: "*/5 * * * *"
` + rest
	}
	cronTemplate := func(podSpec string) string {
		return cron(`  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: app
            image: registry.k8s.io/pause:3.10
` + podSpec)
	}

	return []manifest{
		// Deployments.
		{"deploy-valid", 0, deploy("  replicas: 2" + tmpl)},
		{"deploy-replica", 1, deploy("  replica: 2" + tmpl)},
		{"deploy-pod-readOnlyRootFilesystem", 1, deploy(`  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext:
        runAsNonRoot: true
        readOnlyRootFilesystem: true
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10
`)},
		{"deploy-pod-allowPrivilegeEscalation", 1, deploy(`  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext:
        allowPrivilegeEscalation: false
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10
`)},
		{"deploy-imagepullPolicy-case", 1, deploy(tmpl + "        imagepullPolicy: Always\n")},
		{"deploy-ImagePullPolicy-capital", 1, deploy(tmpl + "        ImagePullPolicy: Always\n")},
		{"deploy-container-cpu-misplaced", 1, deploy(tmpl + "        cpu: 100m\n")},
		{"deploy-resources-limit-singular", 1, deploy(tmpl + "        resources:\n          limit: {cpu: 100m}\n")},
		{"deploy-top-level-labels", 1, deploy(tmpl) + "labels: {app: web}\n"},
		{"deploy-metadata-label", 1, strings.Replace(deploy(tmpl), "  labels: {app: web}\nspec:", "  label: {app: web}\nspec:", 1)},
		{"deploy-template-metadata-annotation", 1, deploy(strings.Replace(tmpl, "      labels: {app: web}", "      labels: {app: web}\n      annotation: {a: b}", 1))},
		{"deploy-runAsNonroot-case", 1, deploy(tmpl + "        securityContext:\n          runAsNonroot: true\n")},
		{"deploy-capabilities-drops", 1, deploy(tmpl + "        securityContext:\n          capabilities:\n            drops: [ALL]\n")},
		{"deploy-env-valueFom", 1, deploy(tmpl + "        env:\n        - name: A\n          valueFom: {fieldRef: {fieldPath: metadata.name}}\n")},
		{"deploy-env-fieldRef-unknown", 1, deploy(tmpl + "        env:\n        - name: A\n          valueFrom: {fieldRef: {fieldPath: metadata.name, path: x}}\n")},
		{"deploy-volumeMounts-readonly-case", 1, deploy(tmpl + "        volumeMounts:\n        - {name: data, mountPath: /data, readonly: true}\n      volumes:\n      - {name: data, emptyDir: {}}\n")},
		{"deploy-second-container", 1, deploy(tmpl + "      - name: side\n        image: registry.k8s.io/pause:3.10\n        imagePullPolice: Always\n")},
		{"deploy-init-container", 1, deploy(tmpl + "      initContainers:\n      - name: init\n        image: registry.k8s.io/pause:3.10\n        comand: [\"true\"]\n")},
		{"deploy-many-depths", 5, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  lables: {app: web}
spc: {}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
    matchLabel: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      hostNetwork: false
      hostnetwork: true
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10
        securityContext:
          readOnlyRootFilesystem: true
          runAsUser: 1000
          seccompProfile: {type: RuntimeDefault, profile: x}
`},
		{"deploy-rollingupdate-case", 1, deploy("  strategy:\n    type: RollingUpdate\n    rollingupdate: {maxSurge: 1}" + tmpl)},
		{"deploy-probe-httpget-case", 1, deploy(tmpl + "        livenessProbe:\n          exec: {command: [\"true\"]}\n          httpget: {path: /, port: 80}\n")},
		{"deploy-affinity-truncated", 1, deploy(tmpl + `      affinity:
        nodeAffinity:
          requiredDuringScheduling:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: zone, operator: In, values: [a]}
`)},
		{"deploy-tolerations-operater", 1, deploy(tmpl + "      tolerations:\n      - {key: k, operater: Exists}\n")},
		{"deploy-unknown-null", 1, deploy(tmpl + "      hostnetwork: null\n")},
		{"deploy-merge-key", 2, deploy(`  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - &app
        name: app
        image: registry.k8s.io/pause:3.10
        imagePullpolicy: Always
      - <<: *app
        name: side
`)},
		{"deploy-merge-key-override", 1, deploy(`  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - &app
        name: app
        image: registry.k8s.io/pause:3.10
      - <<: *app
        name: side
        imagePullpolicy: Always
`)},
		{"deploy-dotted-key", 1, deploy(tmpl) + "spec.replicas: 3\n"},
		{"deploy-numeric-key", 1, deploy("  1: one" + tmpl)},
		// YAML 1.1, which kubectl's YAML-to-JSON step reads, makes these keys
		// a boolean and numbers; JSON then spells them "true", "31", "1", "8".
		{"deploy-yaml11-bool-key", 1, deploy("  replicas: 1\n  y: 2" + tmpl)},
		{"deploy-yaml11-on-key", 1, deploy(tmpl + "        On: true\n")},
		{"deploy-hex-key", 1, deploy("  0x1F: x" + tmpl)},
		{"deploy-float-key", 1, deploy("  1.0: x" + tmpl)},
		{"deploy-octal-key", 1, deploy("  010: x" + tmpl)},
		{"deploy-quoted-yes-key", 1, deploy("  'yes': x" + tmpl)},
		{"deploy-trailing-space-key", 1, deploy(`  "replicas ": 2` + tmpl)},
		{"deploy-template-apiVersion", 1, deploy(strings.Replace(tmpl, "  template:\n", "  template:\n    apiVersion: v1\n", 1))},
		{"deploy-status-unknown", 1, deploy(tmpl) + "status:\n  replicas: 0\n  ready: 0\n"},
		{"deploy-ownerReference-unknown", 1, strings.Replace(deploy(tmpl), "  labels: {app: web}\nspec:", `  labels: {app: web}
  ownerReferences:
  - apiVersion: v1
    kind: ConfigMap
    name: owner
    uid: 6a0a5b52-2c9a-4b0e-9f4c-6f2a3cf1d9a1
    blockOwnerDeletions: true
spec:`, 1)},

		// Pods.
		{"pod-valid", 0, pod("  securityContext: {runAsNonRoot: true}\n")},
		{"pod-seccompProfile-typ", 1, pod("    securityContext:\n      seccompProfile: {type: RuntimeDefault, typ: Localhost}\n")},
		{"pod-capabilities-at-pod-level", 1, pod("  securityContext:\n    capabilities: {drop: [ALL]}\n")},
		{"pod-privileged-outside-securityContext", 1, pod("    privileged: false\n")},
		{"pod-hostnetwork-case", 1, pod("  hostnetwork: true\n")},
		{"pod-ephemeral-storageClass", 1, pod(`  volumes:
  - name: scratch
    ephemeral:
      volumeClaimTemplate:
        spec:
          accessModes: [ReadWriteOnce]
          storageClass: fast
          resources: {requests: {storage: 1Gi}}
`)},
		{"pod-volume-hostpath-case", 1, pod("  volumes:\n  - name: logs\n    hostpath: {path: /var/log}\n")},
		{"pod-hostport-case", 1, pod("    ports:\n    - {containerPort: 80, hostport: 8080}\n")},
		{"pod-metadata-namespaces", 1, strings.Replace(pod(""), "  name: p\n", "  name: p\n  namespaces: [a]\n", 1)},
		{"pod-resources-request", 1, pod("    resources:\n      request: {cpu: 100m}\n")},
		{"pod-projected-unknown", 1, pod(`  volumes:
  - name: token
    projected:
      sources:
      - serviceAccountToken: {path: token, expirationSecond: 3600}
`)},
		{"pod-topLevel-specs", 1, pod("") + "specs: {}\n"},

		// Services.
		{"svc-valid", 0, svc("  ports:\n  - {port: 80, targetPort: 8080}\n")},
		{"svc-targetport-case", 1, svc("  ports:\n  - {port: 80, targetport: 8080}\n")},
		{"svc-selectors", 1, svc("  selectors: {app: web}\n  ports:\n  - {port: 80}\n")},
		{"svc-loadBalancerSourceRange", 1, svc("  type: LoadBalancer\n  loadBalancerSourceRange: [10.0.0.0/8]\n  ports:\n  - {port: 80}\n")},
		{"svc-nodeport-case", 1, svc("  type: NodePort\n  ports:\n  - {port: 80, nodeport: 30080}\n")},

		// NetworkPolicies.
		{"netpol-valid", 0, netpol("  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {role: fe}}\n")},
		{"netpol-ingress-form", 1, netpol("  ingress:\n  - form:\n    - podSelector: {}\n")},
		{"netpol-podselector-case", 1, netpol("  ingress:\n  - from:\n    - podselector: {}\n      namespaceSelector: {}\n")},
		{"netpol-ipBlock-exception", 1, netpol("  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, exception: [10.1.0.0/16]}\n")},
		{"netpol-policyType-singular", 1, netpol("  policyType: [Ingress]\n")},
		{"netpol-ports-endport", 1, netpol("  ingress:\n  - ports:\n    - {port: 8000, endport: 9000, protocol: TCP}\n")},
		{"netpol-ingress-rule-unknown", 1, netpol("  ingress:\n  - from:\n    - podSelector: {}\n    action: Allow\n")},

		// RBAC.
		{"role-valid", 0, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n"},
		{"role-verb-singular", 1, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n  verb: [list]\n"},
		{"role-apiGroup-singular", 1, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroup: ''\n  apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n"},
		{"role-rules-misplaced-under-metadata", 1, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  rules: []\n"},
		{"rolebinding-unknowns", 2, "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r, apiGroups: x}\nsubjects:\n- {kind: ServiceAccount, name: default, namespace: strict, namespaces: [a]}\n"},
		{"clusterrole-aggregation-singular", 1, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cr}\naggregationRule:\n  clusterRoleSelector: [{matchLabels: {a: b}}]\n  clusterRoleSelectors: [{matchLabels: {a: b}}]\nrules: []\n"},
		{"clusterrolebinding-subject-singular", 1, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: crb}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubject:\n- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}\n"},

		// ConfigMaps and Secrets.
		{"configmap-valid", 0, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b, spec: x}\n"},
		{"configmap-spec", 1, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nspec: {a: b}\n"},
		{"configmap-binarydata-case", 1, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinarydata: {a: YWJj}\n"},
		{"secret-stringdata-case", 1, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\nstringdata: {password: x}\n"},

		// Jobs and CronJobs.
		{"job-valid", 0, job("")},
		{"job-backofflimit-case", 1, strings.Replace(job(""), "spec:\n  template:", "spec:\n  backofflimit: 3\n  template:", 1)},
		{"job-pod-securityContext-runAsUsr", 1, job("      securityContext: {runAsUsr: 1000}\n")},
		{"cronjob-valid", 0, cronTemplate("")},
		{"cronjob-pod-readOnlyRootFilesystem", 1, cronTemplate("          securityContext:\n            readOnlyRootFilesystem: true\n")},
		{"cronjob-container-allowPrivilegeEscalaton", 1, cronTemplate("            securityContext:\n              allowPrivilegeEscalaton: false\n")},
		{"cronjob-concurrencypolicy-case", 1, strings.Replace(cronTemplate(""), "  jobTemplate:", "  concurrencypolicy: Forbid\n  jobTemplate:", 1)},
		{"cronjob-jobTemplate-metadata-unknown", 1, strings.Replace(cronTemplate(""), "  jobTemplate:\n", "  jobTemplate:\n    metadata: {labels: {a: b}, label: {a: b}}\n", 1)},

		// Other workloads and kinds.
		{"statefulset-storageclassName", 1, `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}` + strings.ReplaceAll(podSpecYAML, "\n    ", "\n    ") + `
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      storageclassName: fast
      resources: {requests: {storage: 1Gi}}
`},
		{"daemonset-maxsurge-case", 1, `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {maxsurge: 1}
  template:
    metadata: {labels: {app: agent}}` + podSpecYAML + "\n"},
		{"ingress-serviceName-old-shape", 1, `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ing}
spec:
  rules:
  - host: example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          serviceName: web
          service: {name: web, port: {number: 80}}
`},
		{"serviceaccount-automount-plural", 1, "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\nautomountServiceAccountTokens: false\n"},
		{"hpa-targetAverageUtilization", 1, `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: hpa}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource:
      name: cpu
      targetAverageUtilization: 80
      target: {type: Utilization, averageUtilization: 80}
`},
		{"pdb-minavailable-case", 1, "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: pdb}\nspec:\n  minAvailable: 1\n  minavailable: 2\n  selector: {matchLabels: {app: web}}\n"},
		{"namespace-spec-finalizer", 1, "apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\nspec:\n  finalizer: [kubernetes]\n"},
		{"resourcequota-hardd", 1, "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec:\n  hardd: {pods: '10'}\n"},
		{"deploy-inline-struct-name", 1, deploy(tmpl + "        livenessProbe:\n          ProbeHandler: {exec: {command: [\"true\"]}}\n          exec: {command: [\"true\"]}\n")},
		{"deploy-secretKeyRef-optinal", 1, deploy(tmpl + "        env:\n        - name: A\n          valueFrom: {secretKeyRef: {name: s, key: k, optinal: true}}\n")},
		{"deploy-resources-claims-nam", 1, deploy(tmpl + "        resources:\n          claims: [{name: gpu, nam: gpu}]\n      resourceClaims:\n      - {name: gpu, resourceClaimName: gpu}\n")},
		{"deploy-status-condition-unknown", 1, deploy(tmpl) + "status:\n  conditions:\n  - {type: Available, status: 'True', reson: x}\n"},
		{"hpa-v1-with-v2-metrics", 1, `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: hpa}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`},
		{"crd-schema-map-key-with-dots", 2, `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              app.kubernetes.io/name: {type: string, bogus: 1}
              size: {type: integer, minimun: 1}
`},
		{"limitrange-defaults", 1, "apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m}\n    defaults: {cpu: 500m}\n"},
	}
}
