package source

import (
	"path/filepath"
	"strings"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const originAnnotation = "config.kubernetes.io/origin"

// originFS asks kustomize to record where each resource came from: it adds
// `buildMetadata: [originAnnotations]` to every kustomization file it reads,
// without touching the files on disk.
type originFS struct {
	filesys.FileSystem
}

func (f originFS) ReadFile(path string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(path)
	if err != nil || !isKustomizationFile(path) {
		return data, err
	}
	var k map[string]any
	if yaml.Unmarshal(data, &k) != nil || k == nil {
		return data, nil // let kustomize report the error itself
	}
	md, _ := k["buildMetadata"].([]any)
	for _, v := range md {
		if v == types.OriginAnnotations {
			return data, nil
		}
	}
	k["buildMetadata"] = append(md, types.OriginAnnotations)
	out, err := yaml.Marshal(k)
	if err != nil {
		return data, nil
	}
	return out, nil
}

func isKustomizationFile(p string) bool {
	b := filepath.Base(p)
	for _, n := range kustomizationNames {
		if b == n {
			return true
		}
	}
	return false
}

// buildKustomization runs kustomize in-process, as `kustomize build` does,
// and points each resulting object at the file (and document) it came from.
// Fields are located in that source document; fields added by patches are
// located at their nearest parent in the source.
func buildKustomization(dir string, lim Limits) Result {
	res := Result{Files: 1}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(originFS{filesys.MakeFsOnDisk()}, dir)
	if err != nil {
		res.Errors = append(res.Errors, finding.InputError{File: dir, Message: "kustomize: " + err.Error()})
		return res
	}
	sources := sourceCache{lim: lim, docs: map[string][]*inventory.Object{}}
	for _, r := range rm.Resources() {
		originPath := ""
		if o, err := r.GetOrigin(); err == nil && o != nil {
			originPath = o.Path
			if o.ConfiguredIn != "" {
				originPath = o.ConfiguredIn
			}
		}
		ann := r.GetAnnotations()
		delete(ann, originAnnotation)
		_ = r.SetAnnotations(ann)
		data, err := r.AsYAML()
		if err != nil {
			res.Errors = append(res.Errors, finding.InputError{File: dir, Message: "kustomize: " + err.Error()})
			continue
		}
		file := filepath.Join(dir, "kustomization.yaml")
		if originPath != "" && !strings.Contains(originPath, "://") {
			file = filepath.Join(dir, originPath)
		}
		objs, errs := parseDocuments(file, data, lim, "kustomize")
		res.Errors = append(res.Errors, errs...)
		for _, o := range objs {
			if src := sources.find(file, o); src != nil {
				o.Source.Line, o.Source.Doc, o.Source.DocLine, o.Source.PathPrefix = src.Line, src.Doc, src.DocLine, src.PathPrefix
			} else {
				o.Source.Line = 1
				o.Source.Doc = nil
			}
			res.Objects = append(res.Objects, o)
		}
	}
	return res
}

// sourceCache reads each origin file once to find the document an object
// was built from.
type sourceCache struct {
	mu   sync.Mutex
	lim  Limits
	docs map[string][]*inventory.Object
}

func (c *sourceCache) find(file string, o *inventory.Object) *inventory.Source {
	c.mu.Lock()
	objs, ok := c.docs[file]
	if !ok {
		if data, err := readLimited(file, Options{Limits: c.lim}); err == nil {
			objs, _ = parseDocuments(file, data, c.lim, "")
		}
		c.docs[file] = objs
	}
	c.mu.Unlock()
	var best *inventory.Source
	for _, s := range objs {
		if s.Kind != o.Kind {
			continue
		}
		if s.Name == o.Name {
			return &s.Source
		}
		// namePrefix/nameSuffix and generators change names.
		if best == nil && s.Name != "" && strings.Contains(o.Name, s.Name) {
			best = &s.Source
		}
	}
	return best
}
