package source

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"
)

// HelmOptions are the values used to render charts, as with helm template.
type HelmOptions struct {
	ValueFiles  []string // -f/--values, local files only: rampart fetches nothing
	Set         []string // --set
	SetString   []string // --set-string
	ReleaseName string   // default "release-name", like helm template
	Namespace   string   // default "default"
}

func isChartArchive(p string) bool {
	return strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz")
}

// renderChart renders a chart in-process with the Helm SDK, the way
// `helm template` does without a cluster, and reads the rendered manifests.
// Objects point at the template file they came from; lines are lines of the
// rendered output of that template.
func renderChart(dir string, opts HelmOptions, lim Limits) Result {
	res := Result{Files: 1}
	fail := func(format string, a ...any) Result {
		res.Errors = append(res.Errors, finding.InputError{File: dir, Message: "helm: " + fmt.Sprintf(format, a...)})
		return res
	}
	chrt, err := loader.Load(dir)
	if err != nil {
		return fail("loading chart: %v", err)
	}
	vals, err := helmValues(opts)
	if err != nil {
		return fail("%v", err)
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return fail("dependencies: %v", err)
	}
	name := opts.ReleaseName
	if name == "" {
		name = "release-name"
	}
	ns := opts.Namespace
	if ns == "" {
		ns = "default"
	}
	rv, err := chartutil.ToRenderValues(chrt, vals, chartutil.ReleaseOptions{Name: name, Namespace: ns, Revision: 1, IsInstall: true}, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return fail("values: %v", err)
	}
	rendered, err := engine.Render(chrt, rv)
	if err != nil {
		res = fail("rendering: %v", err)
		// Point at the template and line the engine names, when it does.
		if m := helmErrAtRE.FindStringSubmatch(err.Error()); m != nil {
			res.Errors[0].File = chartFile(dir, chrt.Name(), m[1])
			res.Errors[0].Line, _ = strconv.Atoi(m[2])
		}
		return res
	}
	// CRDs shipped in crds/ are installed by helm too.
	for _, crd := range chrt.CRDObjects() {
		rendered[crd.Filename] = string(crd.File.Data)
	}
	for _, tmpl := range slices.Sorted(maps.Keys(rendered)) {
		if strings.HasSuffix(tmpl, "NOTES.txt") || !manifestExt[strings.ToLower(filepath.Ext(tmpl))] && !strings.HasSuffix(tmpl, ".tpl") {
			continue
		}
		objs, errs := parseDocuments(chartFile(dir, chrt.Name(), tmpl), []byte(rendered[tmpl]), lim, "helm")
		res.Objects = append(res.Objects, objs...)
		res.Errors = append(res.Errors, errs...)
	}
	return res
}

// helmErrAtRE finds the template and line in a Helm engine error, such as
// "parse error at (webapp/templates/x.yaml:5): ..." or
// "execution error at (webapp/templates/x.yaml:4:11): ...".
var helmErrAtRE = regexp.MustCompile(`error at \(([^():]+):(\d+)`)

// chartFile is the path of a chart's template as the user would open it.
// Helm names templates after the chart's name from Chart.yaml, which need
// not be the folder's name (nor is it for "."): the file is the rest of the
// name inside the chart folder. Files inside an archive are archive//name.
func chartFile(dir, chartName, tmpl string) string {
	if isChartArchive(dir) {
		return dir + "//" + tmpl
	}
	return filepath.Join(dir, strings.TrimPrefix(tmpl, chartName+"/"))
}

// helmValues merges value files and --set flags in helm's order: files
// first (later ones win), then --set, then --set-string.
func helmValues(opts HelmOptions) (map[string]any, error) {
	base := map[string]any{}
	for _, f := range opts.ValueFiles {
		data, err := os.ReadFile(f) // #nosec G304 -- the user's own values file
		if err != nil {
			return nil, fmt.Errorf("values file %s: %v", f, errMessage(err))
		}
		cur := map[string]any{}
		if err := yaml.Unmarshal(data, &cur); err != nil {
			return nil, fmt.Errorf("values file %s: %v", f, err)
		}
		base = mergeValues(base, cur)
	}
	for _, s := range opts.Set {
		if err := strvals.ParseInto(s, base); err != nil {
			return nil, setError("--set", s, err)
		}
	}
	for _, s := range opts.SetString {
		if err := strvals.ParseIntoString(s, base); err != nil {
			return nil, setError("--set-string", s, err)
		}
	}
	return base, nil
}

// setError reports a bad --set argument by its keys only: values set on
// the command line are often passwords, and errors end up in reports.
func setError(flag, arg string, err error) error {
	msg := err.Error()
	var keys []string
	for _, kv := range strings.Split(arg, ",") {
		k, v, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
		if v != "" {
			msg = strings.ReplaceAll(msg, v, "(value hidden)")
		}
	}
	return fmt.Errorf("%s for %s: %s", flag, strings.Join(keys, ","), msg)
}

// mergeValues merges b into a deeply, b winning, as helm merges value files.
func mergeValues(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
