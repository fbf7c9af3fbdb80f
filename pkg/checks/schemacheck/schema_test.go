package schemacheck_test

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

func TestMisplacedSecurityFieldIsHigh(t *testing.T) {
	for _, field := range []string{"readOnlyRootFilesystem", "allowPrivilegeEscalation", "privileged"} {
		rep := checktest.Scan(t, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext:
        `+field+`: true
      containers: [{name: app, image: nginx:1.27}]
`, nil)
		got := checktest.Find(rep, "schema/unknown-field")
		if len(got) != 1 {
			t.Fatalf("%s: want one unknown-field finding, got %v", field, got)
		}
		f := got[0]
		if f.Severity != finding.SeverityHigh {
			t.Errorf("%s: severity %s, want high for a misplaced security setting", field, f.Severity)
		}
		want := "spec.template.spec.containers[*].securityContext." + field
		if !strings.Contains(f.Message, "belongs in "+want) {
			t.Errorf("%s: message does not say where it belongs (%s): %s", field, want, f.Message)
		}
		if f.Location.Line != 10 || f.Location.Field != "spec.template.spec.securityContext."+field {
			t.Errorf("%s: location %+v, want line 10 and the written path", field, f.Location)
		}
	}
}

func TestUnknownFieldMediumAndSpelling(t *testing.T) {
	rep := checktest.Scan(t, `apiVersion: v1
kind: ConfigMap
metadata: {name: c, labelz: {a: b}}
data: {a: b}
`, nil)
	got := checktest.Find(rep, "schema/unknown-field")
	if len(got) != 1 || got[0].Severity != finding.SeverityMedium || got[0].Location.Line != 3 {
		t.Fatalf("want one medium finding on line 3, got %+v", got)
	}
	rep = checktest.Scan(t, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      image: busybox:1.37
      securityContext: {RunAsNonRoot: true}
`, nil)
	got = checktest.Find(rep, "schema/unknown-field")
	if len(got) != 1 || !strings.Contains(got[0].Message, `spelt "runAsNonRoot"`) || got[0].Severity != finding.SeverityHigh {
		t.Fatalf("want a high finding with the right spelling, got %+v", got)
	}
}

func TestInvalidValue(t *testing.T) {
	rep := checktest.Scan(t, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostNetwork: "true"
  containers:
    - name: a
      image: busybox:1.37
      ports: [{containerPort: http}]
`, nil)
	got := checktest.Find(rep, "schema/invalid-value")
	if len(got) != 2 {
		t.Fatalf("want two invalid values, got %+v", got)
	}
	byField := map[string]finding.Finding{}
	for _, f := range got {
		byField[f.Location.Field] = f
	}
	if f, ok := byField["spec.hostNetwork"]; !ok || f.Severity != finding.SeverityHigh || f.Location.Line != 5 {
		t.Errorf("hostNetwork: %+v", f)
	}
	if f, ok := byField["spec.containers[0].ports[0].containerPort"]; !ok || f.Severity != finding.SeverityMedium || !strings.Contains(f.Message, "expected an integer") {
		t.Errorf("containerPort: %+v", f)
	}
	// The rest of the object is still decoded and checked.
	if len(checktest.Find(rep, "pss/run-as-non-root")) == 0 {
		t.Errorf("the pod's other settings must still be checked")
	}
}

func TestUnknownKind(t *testing.T) {
	cases := []struct {
		apiVersion, kind string
		sev              finding.Severity
		suggest          string
	}{
		{"v1", "NetworkPolicy", finding.SeverityHigh, "networking.k8s.io/v1"},
		{"rbac.authorization.k8s.io/v1beta1", "ClusterRole", finding.SeverityHigh, "rbac.authorization.k8s.io/v1"},
		{"extensions/v1beta1", "Deployment", finding.SeverityMedium, "apps/v1"},
		{"apps/v1", "Deploymnet", finding.SeverityMedium, ""},
		{"networking.k8s.io/v1", "Networkpolicy", finding.SeverityHigh, "networking.k8s.io/v1"},
		{"policy/v1beta1", "PodSecurityPolicy", finding.SeverityHigh, "Pod Security admission"},
		{"policy.networking.k8s.io/v1", "AdminNetworkPolicy", finding.SeverityHigh, "policy.networking.k8s.io/v1alpha1"},
	}
	for _, tc := range cases {
		rep := checktest.Scan(t, "apiVersion: "+tc.apiVersion+"\nkind: "+tc.kind+"\nmetadata: {name: x}\n", nil)
		got := checktest.Find(rep, "schema/unknown-kind")
		if len(got) != 1 {
			t.Errorf("%s %s: want one finding, got %v", tc.apiVersion, tc.kind, got)
			continue
		}
		if got[0].Severity != tc.sev || !strings.Contains(got[0].Message, tc.suggest) {
			t.Errorf("%s %s: got %s %q", tc.apiVersion, tc.kind, got[0].Severity, got[0].Message)
		}
	}
	for _, ok := range []string{"apps/v1 Deployment", "networking.k8s.io/v1 NetworkPolicy", "v1 Namespace", "batch/v1 CronJob", "autoscaling/v2 HorizontalPodAutoscaler",
		"policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy", "policy.networking.k8s.io/v1alpha1 BaselineAdminNetworkPolicy"} {
		av, k, _ := strings.Cut(ok, " ")
		rep := checktest.Scan(t, "apiVersion: "+av+"\nkind: "+k+"\nmetadata: {name: x}\n", nil)
		if got := checktest.Find(rep, "schema/unknown-kind"); len(got) != 0 {
			t.Errorf("%s is served: %v", ok, got)
		}
	}
}

func TestCustomResourcesReportedOnceAsInfo(t *testing.T) {
	cr := "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: %s}\n"
	docs := strings.ReplaceAll(cr, "%s", "a") + "---\n" + strings.ReplaceAll(cr, "%s", "b")
	rep := checktest.Scan(t, docs, nil)
	got := checktest.Find(rep, "schema/custom-resource")
	if len(got) != 1 || got[0].Severity != finding.SeverityInfo || !strings.Contains(got[0].Message, "2 object(s)") {
		t.Fatalf("want one info finding counting 2 objects, got %+v", got)
	}
	if ids := checktest.IDs(rep); len(ids) != 1 {
		t.Errorf("custom resources must not produce errors: %v", ids)
	}
	crd := `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true}]
---
`
	rep = checktest.Scan(t, crd+docs, nil)
	if got := checktest.IDs(rep); len(got) != 0 {
		t.Errorf("with its CRD in the scan the kind is known: %v", got)
	}
}

func TestMapKeysKeepTheirDots(t *testing.T) {
	rep := checktest.Scan(t, `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  labels:
    app.kubernetes.io/version: 1.0
data: {a: b}
`, nil)
	got := checktest.Find(rep, "schema/invalid-value")
	if len(got) != 1 || got[0].Location.Field != `metadata.labels["app.kubernetes.io/version"]` || got[0].Location.Line != 6 {
		t.Fatalf("want the label's own path and line 6, got %+v", got)
	}
}

func TestSeverityFollowsSecurityMeaningNotFieldName(t *testing.T) {
	cases := []struct {
		doc  string
		want finding.Severity
	}{
		// A wrong-case "type" on a Service is not a security setting.
		{"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {Type: ClusterIP, ports: [{port: 80}]}\n", finding.SeverityMedium},
		// A container probe misplaced at the pod level: medium.
		{"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  livenessProbe: {tcpSocket: {port: 80}}\n  containers: [{name: a, image: busybox:1.37}]\n", finding.SeverityMedium},
		// A typo inside a NetworkPolicy: the policy does not do what it says.
		{"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, ingres: []}\n", finding.SeverityHigh},
		// capabilities written at the pod's securityContext.
		{"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {capabilities: {drop: [ALL]}}\n  containers: [{name: a, image: busybox:1.37}]\n", finding.SeverityHigh},
	}
	for _, tc := range cases {
		got := checktest.Find(checktest.Scan(t, tc.doc, nil), "schema/unknown-field")
		if len(got) != 1 || got[0].Severity != tc.want {
			t.Errorf("%q: got %+v, want one %s finding", tc.doc, got, tc.want)
		}
	}
}

// A YAML 1.1 key ("y" is "true" to kubectl) is reported under the name the
// API server sees, on the line where it is written.
func TestYAML11KeyLine(t *testing.T) {
	rep := checktest.Scan(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\ny: 1\n", nil)
	got := checktest.Find(rep, "schema/unknown-field")
	if len(got) != 1 || got[0].Location.Field != "true" || got[0].Location.Line != 5 {
		t.Fatalf("want the key as \"true\" on line 5, got %+v", got)
	}
}
