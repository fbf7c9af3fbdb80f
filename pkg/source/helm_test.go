package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
)

const webappChart = "../../examples/helm/webapp"

// fileLine is the line of the only line of a file on disk holding marker.
func fileLine(t *testing.T, path, marker string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return lineOf(t, string(data), marker)
}

// firstContainer is the first container of a workload's pod template.
func firstContainer(t *testing.T, o *inventory.Object) map[string]any {
	t.Helper()
	cs, _ := field(t, o, "spec", "template", "spec", "containers").([]any)
	if len(cs) == 0 {
		t.Fatalf("%s has no containers", o.Ref())
	}
	c, ok := cs[0].(map[string]any)
	if !ok {
		t.Fatalf("%s: container 0 is %T", o.Ref(), cs[0])
	}
	return c
}

func TestHelmDefaults(t *testing.T) {
	res := Load([]string{webappChart}, Options{})
	noErrors(t, res)
	if res.Files != 1 {
		t.Errorf("Files = %d, want 1 for one chart", res.Files)
	}
	if len(res.Objects) != 2 {
		t.Errorf("objects %v, want the Deployment and the Service (NOTES.txt is not a manifest)", refs(res.Objects))
	}
	d := find(t, res.Objects, "Deployment", "release-name-webapp")
	tmpl := filepath.Join(webappChart, "templates", "deployment.yaml")
	if d.Source.File != tmpl || d.Source.Origin != "helm" || d.Source.Line != 1 {
		t.Errorf("source %s:%d origin %q, want %s:1 origin helm", d.Source.File, d.Source.Line, d.Source.Origin, tmpl)
	}
	if d.Namespace != "default" {
		t.Errorf("namespace %q, want default", d.Namespace)
	}
	if v := field(t, d, "spec", "template", "spec", "securityContext", "runAsNonRoot"); v != false {
		t.Errorf("runAsNonRoot = %#v, want false from values.yaml", v)
	}
	c := firstContainer(t, d)
	if c["image"] != "nginx:latest" {
		t.Errorf("image %v, want nginx:latest", c["image"])
	}
	// This template keeps its line count when rendered, so lines of the
	// rendered document are lines of the template.
	idx := inventory.NewPositionIndex(&d.Source)
	if got, want := idx.Line("spec.template.spec.securityContext.runAsNonRoot"), fileLine(t, tmpl, "runAsNonRoot:"); got != want {
		t.Errorf("runAsNonRoot line %d, want %d", got, want)
	}
	if got, want := idx.Line("spec.template.spec.containers[0].securityContext"), fileLine(t, tmpl, "- name: web"); got != want {
		t.Errorf("missing container securityContext line %d, want the container's %d", got, want)
	}
	svc := find(t, res.Objects, "Service", "release-name-webapp")
	if want := filepath.Join(webappChart, "templates", "service.yaml"); svc.Source.File != want {
		t.Errorf("service file %s, want %s", svc.Source.File, want)
	}
	if v := field(t, svc, "spec", "type"); v != "NodePort" {
		t.Errorf("service type %v", v)
	}
}

func TestHelmSetAndValueFiles(t *testing.T) {
	dir := t.TempDir()
	values := writeFile(t, dir, "prod-values.yaml", "image:\n  tag: \"1.27.3\"\nservice:\n  type: ClusterIP\n")
	opts := Options{Helm: HelmOptions{
		Set:         []string{"securityContext.runAsNonRoot=true"},
		ValueFiles:  []string{values},
		ReleaseName: "shop",
		Namespace:   "prod",
	}}
	res := Load([]string{webappChart}, opts)
	noErrors(t, res)
	d := find(t, res.Objects, "Deployment", "shop-webapp")
	if d.Namespace != "prod" {
		t.Errorf("namespace %q, want prod", d.Namespace)
	}
	if v := field(t, d, "spec", "template", "spec", "securityContext", "runAsNonRoot"); v != true {
		t.Errorf("runAsNonRoot = %#v, want true from --set", v)
	}
	c := firstContainer(t, d)
	if c["image"] != "nginx:1.27.3" {
		t.Errorf("image %v, want nginx:1.27.3 from the values file", c["image"])
	}
	if v := field(t, find(t, res.Objects, "Service", "shop-webapp"), "spec", "type"); v != "ClusterIP" {
		t.Errorf("service type %v, want ClusterIP from the values file", v)
	}

	// --set wins over value files; --set-string keeps strings.
	opts.Helm.Set = []string{"image.tag=2.0"}
	opts.Helm.SetString = []string{"securityContext.runAsNonRoot=true"}
	res = Load([]string{webappChart}, opts)
	noErrors(t, res)
	d = find(t, res.Objects, "Deployment", "shop-webapp")
	c = firstContainer(t, d)
	if c["image"] != "nginx:2" && c["image"] != "nginx:2.0" {
		t.Errorf("image %v, want the --set tag", c["image"])
	}

	// A missing values file is an error naming the chart and the file.
	opts = Options{Helm: HelmOptions{ValueFiles: []string{filepath.Join(dir, "nope.yaml")}}}
	res = Load([]string{webappChart}, opts)
	e := oneError(t, res.Errors)
	if e.File != webappChart || !strings.Contains(e.Message, "nope.yaml") {
		t.Errorf("error %+v", e)
	}
}

func TestHelmChartFolderNamedOtherwise(t *testing.T) {
	// The folder's name is not the chart's: files must still point into
	// the folder.
	dir := filepath.Join(t.TempDir(), "checkout")
	writeFile(t, dir, "Chart.yaml", "apiVersion: v2\nname: renamed\nversion: 0.1.0\n")
	writeFile(t, dir, "templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n")
	res := Load([]string{dir}, Options{})
	noErrors(t, res)
	cm := find(t, res.Objects, "ConfigMap", "renamed")
	if want := filepath.Join(dir, "templates", "cm.yaml"); cm.Source.File != want {
		t.Errorf("file %s, want %s", cm.Source.File, want)
	}
	if _, err := os.Stat(cm.Source.File); err != nil {
		t.Errorf("source file does not exist: %v", err)
	}
}

func TestHelmBrokenChart(t *testing.T) {
	root := t.TempDir()
	broken := filepath.Join(root, "broken")
	writeFile(t, broken, "Chart.yaml", "apiVersion: v2\nname: broken\nversion: 0.1.0\n")
	writeFile(t, broken, "values.yaml", "name: x\n")
	writeFile(t, broken, "templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name \n")
	other := writeFile(t, root, "plain/other.yaml", goodOther)

	res := Load([]string{broken, other, webappChart}, Options{})
	e := oneError(t, res.Errors)
	if want := filepath.Join(broken, "templates", "cm.yaml"); e.File != want || e.Line < 4 || !strings.Contains(e.Message, "helm: rendering") {
		t.Errorf("error %+v, want one at %s:4 or after, from helm", e, want)
	}
	find(t, res.Objects, "Service", "good-other")
	find(t, res.Objects, "Deployment", "release-name-webapp")

	// An execution error (required value missing) in a chart whose folder
	// is not named after it.
	failing := filepath.Join(root, "checkout")
	writeFile(t, failing, "Chart.yaml", "apiVersion: v2\nname: needs-values\nversion: 0.1.0\n")
	writeFile(t, failing, "templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"name is required\" .Values.name }}\n")
	res = Load([]string{failing, other}, Options{})
	e = oneError(t, res.Errors)
	if want := filepath.Join(failing, "templates", "cm.yaml"); e.File != want || e.Line != 4 || !strings.Contains(e.Message, "name is required") {
		t.Errorf("error %+v, want %s:4 name is required", e, want)
	}
	find(t, res.Objects, "Service", "good-other")

	// A chart that renders YAML that does not parse: the error points at
	// the rendered template, and the chart's other templates are kept.
	bad := filepath.Join(root, "badyaml")
	writeFile(t, bad, "Chart.yaml", "apiVersion: v2\nname: badyaml\nversion: 0.1.0\n")
	writeFile(t, bad, "templates/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"unterminated\n")
	writeFile(t, bad, "templates/b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n")
	res = Load([]string{bad}, Options{})
	e = oneError(t, res.Errors)
	if want := filepath.Join(bad, "templates", "a.yaml"); e.File != want || e.Line < 1 {
		t.Errorf("error %+v, want one at %s", e, want)
	}
	cm := find(t, res.Objects, "ConfigMap", "kept")
	if cm.Source.Origin != "helm" {
		t.Errorf("origin %q", cm.Source.Origin)
	}

	// A folder that only looks like a chart.
	fake := filepath.Join(root, "fake")
	writeFile(t, fake, "Chart.yaml", "not: [a chart\n")
	res = Load([]string{fake, other}, Options{})
	if e := oneError(t, res.Errors); e.File != fake || !strings.Contains(e.Message, "helm: loading chart") {
		t.Errorf("error %+v", e)
	}
	find(t, res.Objects, "Service", "good-other")
}

func TestHelmChartArchive(t *testing.T) {
	chrt, err := loader.Load(webappChart)
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := chartutil.Save(chrt, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res := Load([]string{tgz}, Options{})
	noErrors(t, res)
	d := find(t, res.Objects, "Deployment", "release-name-webapp")
	if want := tgz + "//webapp/templates/deployment.yaml"; d.Source.File != want || d.Source.Origin != "helm" {
		t.Errorf("file %s origin %q, want %s", d.Source.File, d.Source.Origin, want)
	}
}

func TestSetErrorsHideValues(t *testing.T) {
	_, err := helmValues(HelmOptions{Set: []string{"db.password=hunter2-secret,a[=x"}})
	if err == nil {
		t.Fatal("a malformed --set must fail")
	}
	if strings.Contains(err.Error(), "hunter2-secret") {
		t.Fatalf("the error prints a value: %v", err)
	}
	if !strings.Contains(err.Error(), "db.password") {
		t.Errorf("the error should name the keys: %v", err)
	}
}
