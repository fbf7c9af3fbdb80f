package source

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"k8s.io/apimachinery/pkg/runtime"
)

// writeFile writes content to dir/name (creating folders) and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// lineOf is the 1-based line of the only line of text containing marker.
// Tests mark lines with YAML comments ("# @name") so that expected lines are
// read from the input itself instead of being counted by hand.
func lineOf(t *testing.T, text, marker string) int {
	t.Helper()
	found := 0
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, marker) {
			if found != 0 {
				t.Fatalf("marker %q is on lines %d and %d", marker, found, i+1)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("marker %q not in text", marker)
	}
	return found
}

// find returns the object of that kind and name, failing the test when it
// is missing or present twice.
func find(t *testing.T, objs []*inventory.Object, kind, name string) *inventory.Object {
	t.Helper()
	var got *inventory.Object
	for _, o := range objs {
		if o.Kind == kind && o.Name == name {
			if got != nil {
				t.Fatalf("%s %s read twice", kind, name)
			}
			got = o
		}
	}
	if got == nil {
		t.Fatalf("%s %s not read; objects: %v", kind, name, refs(objs))
	}
	return got
}

func refs(objs []*inventory.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Kind+"/"+o.Name)
	}
	return out
}

func names(objs []*inventory.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Name)
	}
	return out
}

// noErrors fails the test when reading gave any input error.
func noErrors(t *testing.T, res Result) {
	t.Helper()
	for _, e := range res.Errors {
		t.Errorf("unexpected input error: %v", e)
	}
}

// oneError returns the only input error, failing the test otherwise.
func oneError(t *testing.T, errs []finding.InputError) finding.InputError {
	t.Helper()
	if len(errs) != 1 {
		t.Fatalf("want exactly one input error, got %d: %v", len(errs), errs)
	}
	return errs[0]
}

// content is the object as JSON-like values: Raw when it was kept, else
// its typed form converted back (objects of built-in kinds may keep only
// the typed form).
func content(t *testing.T, o *inventory.Object) map[string]any {
	t.Helper()
	if o.Raw != nil {
		return o.Raw
	}
	if o.Typed == nil {
		t.Fatalf("%s has neither raw nor typed content", o.Ref())
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Typed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// field walks an object's content along keys.
func field(t *testing.T, o *inventory.Object, keys ...string) any {
	t.Helper()
	var v any = content(t, o)
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func TestMultiDocumentFileAndLine(t *testing.T) {
	text := `# a leading comment is not an object
apiVersion: v1 # @first
kind: ConfigMap
metadata:
  name: first
data:
  k: v
--- # a separator with a comment
apiVersion: v1 # @second
kind: Service
metadata:
  name: second
---

# comments and blank lines before the object
apiVersion: apps/v1 # @third
kind: Deployment
metadata:
  name: third
  namespace: shop
---
---
# the documents above and here are empty and skipped
--- {apiVersion: v1, kind: ConfigMap, metadata: {name: inline}} # @inline
...
--- !!map
apiVersion: v1 # @tagged
kind: Secret
metadata:
  name: tagged
`
	dir := t.TempDir()
	path := writeFile(t, dir, "multi.yaml", text)
	res := Load([]string{path}, Options{})
	noErrors(t, res)
	want := []struct{ kind, name, marker string }{
		{"ConfigMap", "first", "# @first"},
		{"Service", "second", "# @second"},
		{"Deployment", "third", "# @third"},
		{"ConfigMap", "inline", "# @inline"},
		{"Secret", "tagged", "--- !!map"}, // the tag is where the object starts
	}
	if len(res.Objects) != len(want) {
		t.Fatalf("got %d objects %v, want %d", len(res.Objects), refs(res.Objects), len(want))
	}
	for i, w := range want {
		o := res.Objects[i]
		if o.Kind != w.kind || o.Name != w.name {
			t.Errorf("object %d is %s/%s, want %s/%s (file order)", i, o.Kind, o.Name, w.kind, w.name)
			continue
		}
		if o.Source.File != path {
			t.Errorf("%s: file %q, want %q", w.name, o.Source.File, path)
		}
		if l := lineOf(t, text, w.marker); o.Source.Line != l {
			t.Errorf("%s: line %d, want %d", w.name, o.Source.Line, l)
		}
		if o.Source.Origin != "" {
			t.Errorf("%s: origin %q for a plain file", w.name, o.Source.Origin)
		}
		if o.APIVersion == "" {
			t.Errorf("%s: no apiVersion", w.name)
		}
	}
	if ns := find(t, res.Objects, "Deployment", "third").Namespace; ns != "shop" {
		t.Errorf("namespace %q, want shop", ns)
	}
	if v := field(t, res.Objects[0], "data", "k"); v != "v" {
		t.Errorf("data.k = %v, want v", v)
	}
	if res.Files != 1 {
		t.Errorf("Files = %d, want 1", res.Files)
	}
}

func TestCRLFAndBOM(t *testing.T) {
	text := "\ufeffapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\n---\r\n\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: b\r\n"
	path := writeFile(t, t.TempDir(), "crlf.yaml", text)
	res := Load([]string{path}, Options{})
	noErrors(t, res)
	if l := find(t, res.Objects, "ConfigMap", "a").Source.Line; l != 1 {
		t.Errorf("a: line %d, want 1", l)
	}
	if l := find(t, res.Objects, "ConfigMap", "b").Source.Line; l != 7 {
		t.Errorf("b: line %d, want 7", l)
	}
}

const deploymentDoc = `apiVersion: apps/v1 # @deploy
kind: Deployment
metadata:
  name: web
  annotations:
    example.com/owner: team-a # @annotation
spec: # @spec
  replicas: 2
  template:
    spec: # @podspec
      containers: # @containers
        - name: app # @container0
          image: nginx:1.27
          securityContext: # @sc
            readOnlyRootFilesystem: true
        - name: sidecar # @container1
          image: busybox
`

func TestPositionIndex(t *testing.T) {
	text := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before\n---\n# padding so the deployment does not start at line 1\n\n" + deploymentDoc
	path := writeFile(t, t.TempDir(), "deploy.yaml", text)
	res := Load([]string{path}, Options{})
	noErrors(t, res)
	d := find(t, res.Objects, "Deployment", "web")
	if want := lineOf(t, text, "# @deploy"); d.Source.Line != want {
		t.Fatalf("deployment line %d, want %d", d.Source.Line, want)
	}
	idx := inventory.NewPositionIndex(&d.Source)
	if idx == nil {
		t.Fatal("no position index for a file object")
	}
	cases := []struct{ field, marker string }{
		{"spec.template.spec.containers[0].securityContext", "# @sc"},
		{"spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem", "readOnlyRootFilesystem"},
		{"spec.template.spec.containers[1]", "# @container1"},
		{"spec.template.spec.containers[1].image", "image: busybox"},
		{`metadata.annotations["example.com/owner"]`, "# @annotation"},
		{"spec", "# @spec"},
		// Missing fields resolve to the nearest parent that is written.
		{"spec.template.spec.containers[0].securityContext.runAsNonRoot", "# @sc"},
		{"spec.template.spec.containers[1].securityContext", "# @container1"},
		{"spec.template.spec.containers[5].image", "# @containers"},
		{"spec.template.spec.hostNetwork", "# @podspec"},
		{"spec.strategy.type", "# @spec"},
		{"status", "# @deploy"},
	}
	for _, c := range cases {
		if got, want := idx.Line(c.field), lineOf(t, text, c.marker); got != want {
			t.Errorf("Line(%s) = %d, want %d", c.field, got, want)
		}
	}
}

func TestJSONFile(t *testing.T) {
	text := `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "json-web", "namespace": "shop"},
  "spec": {
    "replicas": 3,
    "template": {
      "spec": {
        "containers": [
          {
            "name": "app",
            "image": "nginx",
            "securityContext": {"privileged": true}
          }
        ]
      }
    }
  }
}
`
	path := writeFile(t, t.TempDir(), "deploy.json", text)
	res := Load([]string{path}, Options{})
	noErrors(t, res)
	d := find(t, res.Objects, "Deployment", "json-web")
	if d.Source.Line != 1 || d.Source.File != path || d.Namespace != "shop" {
		t.Errorf("source %+v namespace %q", d.Source, d.Namespace)
	}
	if v := field(t, d, "spec", "replicas"); v != int64(3) {
		t.Errorf("replicas = %#v, want int64(3)", v)
	}
	idx := inventory.NewPositionIndex(&d.Source)
	if got, want := idx.Line("spec.template.spec.containers[0].securityContext"), lineOf(t, text, `"securityContext"`); got != want {
		t.Errorf("securityContext line %d, want %d", got, want)
	}
	if got, want := idx.Line("spec.template.spec.containers[0].securityContext.runAsNonRoot"), lineOf(t, text, `"securityContext"`); got != want {
		t.Errorf("missing runAsNonRoot line %d, want %d (its parent)", got, want)
	}
	if got, want := idx.Line("spec.replicas"), lineOf(t, text, `"replicas"`); got != want {
		t.Errorf("replicas line %d, want %d", got, want)
	}
}

func TestConcatenatedJSONIsNotSilentlyDropped(t *testing.T) {
	// Two JSON objects without a separator are one YAML document followed
	// by garbage; the second must not vanish without a word.
	text := "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\",\n \"metadata\": {\"name\": \"one\"}}\n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"two\"}}\n"
	dir := t.TempDir()
	path := writeFile(t, dir, "stream.json", text)
	res := Load([]string{path}, Options{})
	e := oneError(t, res.Errors)
	if e.File != path || e.Line != 3 || !strings.Contains(e.Message, "after the end of the YAML document") {
		t.Errorf("error %+v, want %s line 3 about content after the document", e, path)
	}

	// The same for a mis-indented first line, which yaml.Unmarshal reads as
	// a one-key mapping and then stops.
	text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n--- \n  apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shifted\n"
	path = writeFile(t, dir, "shifted.yaml", text)
	res = Load([]string{path}, Options{})
	e = oneError(t, res.Errors)
	if e.File != path || e.Line != 7 {
		t.Errorf("error %+v, want %s line 7", e, path)
	}
	find(t, res.Objects, "ConfigMap", "ok")
}

func TestLists(t *testing.T) {
	text := `apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1 # @item0
    kind: Deployment
    metadata:
      name: listed-web
    spec:
      template:
        spec:
          containers:
            - name: app
              image: nginx
              securityContext: # @sc-of-item0
                privileged: true
  - apiVersion: v1 # @item1
    kind: Service
    metadata:
      name: listed-svc
---
apiVersion: apps/v1
kind: DeploymentList
metadata: {}
items:
- apiVersion: apps/v1 # @dl0
  kind: Deployment
  metadata:
    name: dl-a
- apiVersion: apps/v1 # @dl1
  kind: Deployment
  metadata:
    name: dl-b
  spec:
    template:
      spec: # @podspec-of-dl1
        containers: []
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1 # @good-item
    kind: ConfigMap
    metadata:
      name: kept
  - just a string # @bad-item
`
	path := writeFile(t, t.TempDir(), "lists.yaml", text)
	res := Load([]string{path}, Options{})
	cases := []struct {
		kind, name, marker string
		prefix             []string
	}{
		{"Deployment", "listed-web", "# @item0", []string{"items", "0"}},
		{"Service", "listed-svc", "# @item1", []string{"items", "1"}},
		{"Deployment", "dl-a", "# @dl0", []string{"items", "0"}},
		{"Deployment", "dl-b", "# @dl1", []string{"items", "1"}},
		{"ConfigMap", "kept", "# @good-item", []string{"items", "0"}},
	}
	if len(res.Objects) != len(cases) {
		t.Errorf("got objects %v, want %d (lists are unfolded, not kept)", refs(res.Objects), len(cases))
	}
	for _, c := range cases {
		o := find(t, res.Objects, c.kind, c.name)
		if want := lineOf(t, text, c.marker); o.Source.Line != want {
			t.Errorf("%s: line %d, want %d", c.name, o.Source.Line, want)
		}
		if !slices.Equal(o.Source.PathPrefix, c.prefix) {
			t.Errorf("%s: path prefix %v, want %v", c.name, o.Source.PathPrefix, c.prefix)
		}
		if o.Source.File != path {
			t.Errorf("%s: file %q", c.name, o.Source.File)
		}
		if field(t, o, "items") != nil || field(t, o, "metadata", "name") != c.name {
			t.Errorf("%s: the content is not the item's: %v", c.name, content(t, o))
		}
	}
	web := find(t, res.Objects, "Deployment", "listed-web")
	idx := inventory.NewPositionIndex(&web.Source)
	if got, want := idx.Line("spec.template.spec.containers[0].securityContext"), lineOf(t, text, "# @sc-of-item0"); got != want {
		t.Errorf("item field line %d, want %d", got, want)
	}
	if got, want := idx.Line("spec.template.spec.containers[0].securityContext.runAsNonRoot"), lineOf(t, text, "# @sc-of-item0"); got != want {
		t.Errorf("missing item field line %d, want parent %d", got, want)
	}
	dlb := find(t, res.Objects, "Deployment", "dl-b")
	idx = inventory.NewPositionIndex(&dlb.Source)
	if got, want := idx.Line("spec.template.spec.hostPID"), lineOf(t, text, "# @podspec-of-dl1"); got != want {
		t.Errorf("dl-b missing field line %d, want %d", got, want)
	}
	if got, want := idx.Line("metadata.labels"), lineOf(t, text, "# @dl1")+2; got != want {
		t.Errorf("dl-b metadata line %d, want %d", got, want)
	}
	// The item that is not an object is an error at its own line.
	e := oneError(t, res.Errors)
	if want := lineOf(t, text, "# @bad-item"); e.File != path || e.Line != want || !strings.Contains(e.Message, "item 1") {
		t.Errorf("error %+v, want %s:%d about item 1", e, path, want)
	}
}

func TestListNestedAndAliasedItems(t *testing.T) {
	text := `apiVersion: v1
kind: List
templates:
  pod: &pod
    apiVersion: v1
    kind: Pod
    metadata:
      name: aliased # @aliased-name
items:
- *pod # @aliased-item
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1 # @nested-item
    kind: ConfigMap
    metadata:
      name: nested # @nested-name
`
	objs, errs := parseDocuments("l.yaml", []byte(text), DefaultLimits, "")
	if len(errs) != 0 || len(objs) != 2 {
		t.Fatalf("objects %v errors %v", refs(objs), errs)
	}
	pod := find(t, objs, "Pod", "aliased")
	cm := find(t, objs, "ConfigMap", "nested")
	if want := lineOf(t, text, "# @aliased-item"); pod.Source.Line != want {
		t.Errorf("aliased item line %d, want %d (where it is listed)", pod.Source.Line, want)
	}
	if want := lineOf(t, text, "# @nested-item"); cm.Source.Line != want || !slices.Equal(cm.Source.PathPrefix, []string{"items", "1", "items", "0"}) {
		t.Errorf("nested item at %d %v, want %d [items 1 items 0]", cm.Source.Line, cm.Source.PathPrefix, want)
	}
	// Fields of an aliased item are where the anchor wrote them.
	if got, want := inventory.NewPositionIndex(&pod.Source).Line("metadata.name"), lineOf(t, text, "# @aliased-name"); got != want {
		t.Errorf("aliased metadata.name line %d, want %d", got, want)
	}
	if got, want := inventory.NewPositionIndex(&cm.Source).Line("metadata.name"), lineOf(t, text, "# @nested-name"); got != want {
		t.Errorf("nested metadata.name line %d, want %d", got, want)
	}
}

func TestStdin(t *testing.T) {
	text := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: piped\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: piped-secret\n"
	res := Load([]string{"-"}, Options{Stdin: strings.NewReader(text)})
	noErrors(t, res)
	cm := find(t, res.Objects, "ConfigMap", "piped")
	s := find(t, res.Objects, "Secret", "piped-secret")
	if cm.Source.File != "<stdin>" || cm.Source.Line != 1 || s.Source.File != "<stdin>" || s.Source.Line != 6 {
		t.Errorf("sources %+v / %+v, want <stdin>:1 and <stdin>:6", cm.Source, s.Source)
	}
	if idx := inventory.NewPositionIndex(&s.Source); idx.Line("metadata.name") != 9 {
		t.Errorf("metadata.name of stdin secret at %d, want 9", idx.Line("metadata.name"))
	}

	// No reader: a clear error, and other inputs are still read.
	other := writeFile(t, t.TempDir(), "other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n")
	res = Load([]string{"-", other}, Options{})
	e := oneError(t, res.Errors)
	if e.File != "<stdin>" || !strings.Contains(e.Message, "standard input") {
		t.Errorf("error %+v", e)
	}
	find(t, res.Objects, "ConfigMap", "other")
}

func TestFolderWalk(t *testing.T) {
	dir := t.TempDir()
	cm := func(name string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n"
	}
	writeFile(t, dir, "z.yaml", cm("z"))
	writeFile(t, dir, "b.yaml", cm("b"))
	writeFile(t, dir, "a.yml", cm("a"))
	writeFile(t, dir, "c.json", `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}`)
	writeFile(t, dir, "UPPER.YAML", cm("upper"))
	writeFile(t, dir, "notes.txt", cm("txt"))
	writeFile(t, dir, "README.md", cm("md"))
	writeFile(t, dir, "sub/e.yaml", cm("e"))
	writeFile(t, dir, "sub/deeper/d.yaml", cm("d"))
	writeFile(t, dir, ".hidden/h.yaml", cm("hidden"))
	writeFile(t, dir, "sub/.git/config.yaml", cm("git"))
	// A file that is not a Kubernetes object is read but yields nothing.
	writeFile(t, dir, "values.yaml", "replicas: 3\nimage:\n  tag: latest\n")
	if err := os.Symlink(filepath.Join(dir, "a.yml"), filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}

	res := Load([]string{dir}, Options{})
	noErrors(t, res)
	// Lexical order per folder, as filepath.WalkDir visits it.
	want := []string{"upper", "a", "b", "c", "d", "e", "z"}
	if got := names(res.Objects); !slices.Equal(got, want) {
		t.Errorf("objects %v, want %v", got, want)
	}
	if res.Files != 8 {
		t.Errorf("Files = %d, want 8 (7 manifests and values.yaml)", res.Files)
	}
	for _, o := range res.Objects {
		if o.Source.Line != 1 || !strings.HasPrefix(o.Source.File, dir) {
			t.Errorf("%s: source %s:%d", o.Name, o.Source.File, o.Source.Line)
		}
	}
	if f := find(t, res.Objects, "ConfigMap", "d").Source.File; f != filepath.Join(dir, "sub", "deeper", "d.yaml") {
		t.Errorf("d read from %s", f)
	}

	// A folder named through a symbolic link is walked (links inside the
	// tree are not followed, as link.yaml above shows).
	link := filepath.Join(t.TempDir(), "manifests")
	if err := os.Symlink(filepath.Join(dir, "sub"), link); err != nil {
		t.Fatal(err)
	}
	res = Load([]string{link}, Options{})
	noErrors(t, res)
	if got := names(res.Objects); !slices.Equal(got, []string{"d", "e"}) {
		t.Errorf("through a link: objects %v, want [d e]", got)
	}
	if f := find(t, res.Objects, "ConfigMap", "e").Source.File; f != filepath.Join(link, "e.yaml") {
		t.Errorf("through a link: file %s, want the path as given", f)
	}

	// A file named explicitly is read whatever its extension.
	res = Load([]string{filepath.Join(dir, "notes.txt")}, Options{})
	noErrors(t, res)
	find(t, res.Objects, "ConfigMap", "txt")

	// A missing path is an error naming it; the rest is still read.
	missing := filepath.Join(dir, "nope.yaml")
	res = Load([]string{missing, filepath.Join(dir, "sub")}, Options{})
	if e := oneError(t, res.Errors); e.File != missing || !strings.Contains(e.Message, "no such file") {
		t.Errorf("error %+v", e)
	}
	if got := names(res.Objects); !slices.Equal(got, []string{"d", "e"}) {
		t.Errorf("objects %v, want [d e]", got)
	}
}

func TestNonObjectsAndMissingTypeFields(t *testing.T) {
	text := `# a values file, a CI config and an empty mapping are not objects
replicas: 3
image: nginx
---
{}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: good
---
kind: Deployment # @no-api
metadata:
  name: lost
---
apiVersion: apps/v1 # @no-kind
metadata:
  name: lost2
---
- a list
- at the top # @top-list
`
	path := writeFile(t, t.TempDir(), "mixed.yaml", text)
	res := Load([]string{path}, Options{})
	if len(res.Objects) != 1 || res.Objects[0].Name != "good" {
		t.Errorf("objects %v, want only ConfigMap/good", refs(res.Objects))
	}
	if len(res.Errors) != 3 {
		t.Fatalf("errors %v, want 3", res.Errors)
	}
	wants := []struct {
		marker, text string
	}{
		{"# @no-api", "no apiVersion"},
		{"# @no-kind", "no kind"},
		{"- a list", "list, not a Kubernetes object"},
	}
	for i, w := range wants {
		e := res.Errors[i]
		if want := lineOf(t, text, w.marker); e.File != path || e.Line != want || !strings.Contains(e.Message, w.text) {
			t.Errorf("error %d: %+v, want %s:%d %q", i, e, path, want, w.text)
		}
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	text := `apiVersion: v1
kind: ConfigMap
metadata:
  name: merged
  labels: &labels
    app: web
    tier: front
  annotations:
    <<: *labels
    tier: override
data:
  a: &v "shared"
  b: *v
`
	path := writeFile(t, t.TempDir(), "merge.yaml", text)
	res := Load([]string{path}, Options{})
	noErrors(t, res)
	o := find(t, res.Objects, "ConfigMap", "merged")
	if v := field(t, o, "metadata", "annotations", "app"); v != "web" {
		t.Errorf("merged app = %v", v)
	}
	if v := field(t, o, "metadata", "annotations", "tier"); v != "override" {
		t.Errorf("explicit key must win over merged: tier = %v", v)
	}
	if v := field(t, o, "data", "b"); v != "shared" {
		t.Errorf("alias b = %v", v)
	}
}

func TestDuplicateKeysLastWins(t *testing.T) {
	// kubectl's YAML-to-JSON step keeps the last of duplicate keys; so do
	// we, so that checks judge what the cluster would get.
	text := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: first\n  name: dup\nspec:\n  hostNetwork: false\n  hostNetwork: true\n"
	objs, errs := parseDocuments("dup.yaml", []byte(text), DefaultLimits, "")
	if len(errs) != 0 || len(objs) != 1 {
		t.Fatalf("objs %v errs %v", refs(objs), errs)
	}
	if objs[0].Name != "dup" || field(t, objs[0], "spec", "hostNetwork") != true {
		t.Errorf("name %q hostNetwork %v, want the last values", objs[0].Name, field(t, objs[0], "spec", "hostNetwork"))
	}
}

func TestScalarTypes(t *testing.T) {
	// A custom resource: no Kubernetes type narrows the values. Plain yes
	// is a boolean, as in the YAML 1.1 that Kubernetes' sigs.k8s.io/yaml reads.
	text := `apiVersion: example.com/v1
kind: Widget
metadata:
  name: types
data:
  int: 42
  hex: 0x1F
  float: 1.5
  bool: true
  yes: yes
  null: ~
  quoted: "42"
  octal: 0o17
`
	objs, errs := parseDocuments("types.yaml", []byte(text), DefaultLimits, "")
	if len(errs) != 0 || len(objs) != 1 {
		t.Fatalf("objs %v errs %v", refs(objs), errs)
	}
	want := map[string]any{"int": int64(42), "hex": int64(31), "float": 1.5, "bool": true, "yes": true, "null": nil, "quoted": "42", "octal": int64(15)}
	for k, w := range want {
		if v := field(t, objs[0], "data", k); v != w {
			t.Errorf("data.%s = %#v, want %#v", k, v, w)
		}
	}
}

func TestLimitsDefaultsPerField(t *testing.T) {
	// Setting only the file size must keep the other limits, or every
	// nested document would be refused.
	path := writeFile(t, t.TempDir(), "nested.yaml", deploymentDoc)
	res := Load([]string{path}, Options{Limits: Limits{MaxFileBytes: 1 << 20}})
	noErrors(t, res)
	find(t, res.Objects, "Deployment", "web")

	res = Load([]string{path}, Options{Limits: Limits{MaxFileBytes: 100}})
	e := oneError(t, res.Errors)
	if e.File != path || e.Line != 1 || !strings.Contains(e.Message, "larger than the 100 bytes limit") {
		t.Errorf("error %+v", e)
	}
}
