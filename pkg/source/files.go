package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// Options says how to read inputs.
type Options struct {
	Limits Limits
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Helm holds the values used to render charts, like helm template.
	Helm HelmOptions
}

// Result is what reading inputs produced.
type Result struct {
	Objects []*inventory.Object
	Errors  []finding.InputError
	// Files counts the files read (rendered chart templates count once per chart).
	Files int
	// Artifacts are the inputs that are not Kubernetes objects: managed
	// clusters from Terraform and cloud JSON, Dockerfiles.
	Artifacts []*inventory.Artifact
	// Skipped are inputs that were recognised but could not be followed
	// (a Terraform module that is not resolved).
	Skipped []finding.Skipped
}

// manifestExt are the extensions read when walking folders; files named
// explicitly are read whatever their extension.
var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// Load reads every path: files, folders (recursively), "-" for stdin, Helm
// chart folders and Kustomize folders. It never stops at the first bad input.
func Load(paths []string, opts Options) Result {
	opts.Limits = opts.Limits.withDefaults()
	var res Result
	var plain []string
	for _, p := range paths {
		if p == "-" {
			plain = append(plain, p)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			res.Errors = append(res.Errors, finding.InputError{File: p, Message: errMessage(err)})
			continue
		}
		if !info.IsDir() {
			if isChartArchive(p) {
				res.add(renderChart(p, opts.Helm, opts.Limits))
				continue
			}
			plain = append(plain, p)
			continue
		}
		walkErrs := walk(p, func(dir string, kind dirKind) {
			switch kind {
			case dirHelm:
				res.add(renderChart(dir, opts.Helm, opts.Limits))
			case dirKustomize:
				res.add(buildKustomization(dir, opts.Limits))
			}
		}, func(file string) { plain = append(plain, file) })
		res.Errors = append(res.Errors, walkErrs...)
	}
	plain, artifacts := splitArtifacts(plain)
	res.add(readArtifacts(artifacts, opts))
	res.add(readFiles(plain, opts))
	return res
}

func (r *Result) add(o Result) {
	r.Objects = append(r.Objects, o.Objects...)
	r.Errors = append(r.Errors, o.Errors...)
	r.Files += o.Files
	r.Artifacts = append(r.Artifacts, o.Artifacts...)
	r.Skipped = append(r.Skipped, o.Skipped...)
}

type dirKind int

const (
	dirPlain dirKind = iota
	dirHelm
	dirKustomize
)

// kustomizationNames are the file names kustomize recognises.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

func classify(dir string) dirKind {
	if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err == nil {
		return dirHelm
	}
	for _, n := range kustomizationNames {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return dirKustomize
		}
	}
	return dirPlain
}

// walk visits a folder tree in lexical order. Chart and kustomization
// folders are handed over whole (their files are templates or inputs to a
// build, not manifests); hidden folders such as .git are skipped.
func walk(root string, special func(string, dirKind), file func(string)) []finding.InputError {
	var errs []finding.InputError
	// WalkDir does not follow a root that is a symbolic link: it would
	// report the link as a file and read nothing, silently. The user named
	// this folder, so follow it; a trailing separator makes WalkDir resolve
	// it. Links inside the tree are still not followed.
	if info, err := os.Lstat(root); err == nil && info.Mode()&fs.ModeSymlink != 0 && !strings.HasSuffix(root, string(filepath.Separator)) {
		root += string(filepath.Separator)
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, finding.InputError{File: path, Message: errMessage(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			if k := classify(path); k != dirPlain {
				special(path, k)
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil // do not follow links out of the tree
		}
		if manifestExt[strings.ToLower(filepath.Ext(path))] || isArtifactFile(path) {
			file(path)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, finding.InputError{File: root, Message: errMessage(err)})
	}
	return errs
}

// readFiles reads the files and parses their documents on all cores.
func readFiles(files []string, opts Options) Result {
	type job struct {
		file string
		doc  document
	}
	var res Result
	var jobs []job
	for _, f := range files {
		data, err := readLimited(f, opts)
		res.Files++
		if err != nil {
			res.Errors = append(res.Errors, *err)
			continue
		}
		name := f
		if f == "-" {
			name = "<stdin>"
		}
		if f == "-" || strings.EqualFold(filepath.Ext(f), ".json") {
			if arts, errs, ok := readCloudJSON(name, data); ok {
				res.Artifacts = append(res.Artifacts, arts...)
				res.Errors = append(res.Errors, errs...)
				continue
			}
		}
		docs, bad := documentsOf(name, data)
		if bad != nil {
			res.Errors = append(res.Errors, *bad)
			continue
		}
		for _, d := range docs {
			jobs = append(jobs, job{name, d})
		}
	}
	objs := make([][]*inventory.Object, len(jobs))
	errs := make([][]finding.InputError, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int, len(jobs))
	for i := range jobs {
		next <- i
	}
	close(next)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				objs[i], errs[i] = parseDocument(jobs[i].file, jobs[i].doc, opts.Limits, "")
			}
		}()
	}
	wg.Wait()
	for i := range jobs {
		res.Objects = append(res.Objects, objs[i]...)
		res.Errors = append(res.Errors, errs[i]...)
	}
	return res
}

// readLimited reads a file (or stdin) but refuses more than the limit
// without reading it all into memory.
func readLimited(f string, opts Options) ([]byte, *finding.InputError) {
	var r io.Reader
	name := f
	hint := int64(32 << 10) // stdin and devices: unknown size
	if f == "-" {
		name = "<stdin>"
		if opts.Stdin == nil {
			return nil, &finding.InputError{File: name, Message: "no standard input"}
		}
		r = opts.Stdin
	} else {
		fh, err := os.Open(f) // #nosec G304 -- reading the user's named inputs is the job
		if err != nil {
			return nil, &finding.InputError{File: name, Message: errMessage(err)}
		}
		defer fh.Close()
		// A regular file's size is known: refuse it without reading (and
		// allocating) the first MaxFileBytes of it. Pipes and devices fall
		// through to the limited read below.
		if info, err := fh.Stat(); err == nil && info.Mode().IsRegular() {
			if info.Size() > opts.Limits.MaxFileBytes {
				return nil, tooLarge(name, opts.Limits)
			}
			hint = info.Size()
		}
		r = fh
	}
	data, err := readAtMost(r, opts.Limits.MaxFileBytes, hint)
	if errors.Is(err, errTooLarge) {
		return nil, tooLarge(name, opts.Limits)
	}
	if err != nil {
		return nil, &finding.InputError{File: name, Message: errMessage(err)}
	}
	return data, nil
}

var errTooLarge = errors.New("input larger than the limit")

// readAtMost reads r in chunks and joins them only when the whole input
// fits the limit. io.ReadAll would grow one buffer by copying, which
// allocates more than twice the limit before refusing an endless stream.
// The first chunk is sized by hint (the file's size when known) so that a
// regular file is read with one exact allocation.
func readAtMost(r io.Reader, limit, hint int64) ([]byte, error) {
	const chunk = 1 << 20
	var chunks [][]byte
	var total int64
	size := min(hint+1, limit+1)
	for {
		buf := make([]byte, size)
		n, err := io.ReadFull(r, buf)
		chunks = append(chunks, buf[:n])
		total += int64(n)
		if total > limit {
			return nil, errTooLarge
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			if len(chunks) == 1 {
				return chunks[0], nil
			}
			return bytes.Join(chunks, nil), nil
		}
		if err != nil {
			return nil, err
		}
		size = min(chunk, limit+1-total)
	}
}

func tooLarge(name string, lim Limits) *finding.InputError {
	return &finding.InputError{File: name, Line: 1, Message: fmt.Sprintf("file is larger than the %s limit; not read", sizeText(lim.MaxFileBytes))}
}

// sizeText prints a byte count in MiB when it is a whole number of them, so
// that a limit below 1 MiB does not read "0 MiB".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		return b[3:]
	}
	return b
}

func isBinary(b []byte) bool { return slices.Contains(b[:min(len(b), 8000)], 0) }

func errMessage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
