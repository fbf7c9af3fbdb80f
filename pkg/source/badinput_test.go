package source

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

const (
	goodBefore = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good-before\n"
	goodAfter  = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good-after\n"
	goodOther  = "apiVersion: v1\nkind: Service\nmetadata:\n  name: good-other\n"
)

// sandwich puts a bad document between two good ones and returns the file
// text with the 1-based lines where the bad document starts and ends.
func sandwich(bad string) (text string, from, to int) {
	text = goodBefore + "---\n" + bad
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	from = strings.Count(goodBefore, "\n") + 2
	to = strings.Count(text, "\n")
	return text + "---\n" + goodAfter, from, to
}

// loadSandwich writes the bad document between good ones, and a good file
// beside it, loads both and checks that both good neighbours and the other
// file were read. It returns the file path and the only input error.
func loadSandwich(t *testing.T, bad string, opts Options) (string, int, int, finding.InputError) {
	t.Helper()
	dir := t.TempDir()
	text, from, to := sandwich(bad)
	path := writeFile(t, dir, "bad.yaml", text)
	other := writeFile(t, dir, "other.yaml", goodOther)
	res := Load([]string{path, other}, opts)
	find(t, res.Objects, "ConfigMap", "good-before")
	find(t, res.Objects, "ConfigMap", "good-after")
	find(t, res.Objects, "Service", "good-other")
	if len(res.Objects) != 3 {
		t.Errorf("objects %v, want only the three good ones", refs(res.Objects))
	}
	e := oneError(t, res.Errors)
	if e.File != path {
		t.Errorf("error names %q, want %q", e.File, path)
	}
	if e.Line < from || e.Line > to {
		t.Errorf("error line %d outside the bad document (lines %d-%d): %v", e.Line, from, to, e)
	}
	return path, from, to, e
}

func TestTruncatedDocuments(t *testing.T) {
	cases := []struct {
		name, doc, msg string
		line           int // line inside the bad document, 0 to only check the range
	}{
		{"unterminated double quote", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"cut", "invalid YAML", 0},
		{"unterminated single quote", "apiVersion: v1\nkind: ConfigMap\ndata:\n  k: 'it was cut\n", "invalid YAML", 0},
		{"unclosed flow sequence", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: [a, b\n", "invalid YAML", 0},
		{"unclosed flow mapping", "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\"", "invalid YAML", 0},
		{"cut mid-mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    app: web\n  lab", "invalid YAML", 7},
		{"tab indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", "invalid YAML", 0},
		{"undefined alias", "apiVersion: v1\nkind: ConfigMap\ndata:\n  k: *nothing\n", "unknown anchor 'nothing'", 4},
		{"control character", "apiVersion: v1\nkind: ConfigMap\ndata:\n  k: \"a\x1bb\"\n", "control character U+001B", 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, from, _, e := loadSandwich(t, c.doc, Options{})
			if !strings.Contains(e.Message, c.msg) {
				t.Errorf("message %q does not say %q", e.Message, c.msg)
			}
			if c.line > 0 && e.Line != from+c.line-1 {
				t.Errorf("line %d, want %d", e.Line, from+c.line-1)
			}
		})
	}
}

func TestBinaryFile(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 64<<10)
	rand.New(rand.NewSource(1)).Read(data)
	data[100] = 0 // random bytes almost surely hold NULs; make sure
	blob := filepath.Join(dir, "blob.yaml")
	if err := os.WriteFile(blob, data, 0o644); err != nil {
		t.Fatal(err)
	}
	other := writeFile(t, dir, "other.yaml", goodOther)
	res := Load([]string{blob, other}, Options{})
	e := oneError(t, res.Errors)
	if e.File != blob || e.Line != 1 || !strings.Contains(e.Message, "binary file") {
		t.Errorf("error %+v, want %s:1 binary file", e, blob)
	}
	find(t, res.Objects, "Service", "good-other")
	if len(res.Objects) != 1 {
		t.Errorf("objects %v", refs(res.Objects))
	}

	// Random bytes without NULs are not taken for binary, but they are not
	// YAML either: errors, no objects, no panic.
	for i := range data {
		if data[i] == 0 {
			data[i] = 1
		}
	}
	objs, errs := parseDocuments("noise.yaml", data, DefaultLimits, "")
	if len(objs) != 0 || len(errs) == 0 {
		t.Errorf("noise: %d objects, %d errors", len(objs), len(errs))
	}
	for _, e := range errs {
		if e.File != "noise.yaml" || e.Line < 1 {
			t.Errorf("noise error without a position: %+v", e)
		}
	}

	// NULs after the part that is sniffed: the file is read, the document
	// holding them is refused and its neighbours are kept.
	padding := "# " + strings.Repeat("x", 9000) + "\n"
	_, from, _, e := loadSandwich(t, padding+"apiVersion: v1\nkind: ConfigMap\ndata:\n  k: \"a\x00b\"\n", Options{})
	if e.Line != from+4 || !strings.Contains(e.Message, "control character U+0000") {
		t.Errorf("NUL in a document: %+v, want line %d", e, from+4)
	}
}

func TestInvalidUTF8(t *testing.T) {
	bad := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: latin1\ndata:\n  k: caf\xe9\n"
	_, from, _, e := loadSandwich(t, bad, Options{})
	if e.Line != from+5 || !strings.Contains(e.Message, "invalid UTF-8") {
		t.Errorf("error %+v, want line %d invalid UTF-8", e, from+5)
	}
	// Invalid UTF-8 in a comment is invalid too (the file is not UTF-8).
	_, from, _, e = loadSandwich(t, "# \xff\xfe\napiVersion: v1\nkind: ConfigMap\n", Options{})
	if e.Line != from || !strings.Contains(e.Message, "invalid UTF-8") {
		t.Errorf("error %+v, want line %d invalid UTF-8", e, from)
	}
}

// allocated runs f and returns the bytes allocated meanwhile. TotalAlloc is
// cumulative, so it bounds the peak growth of the heap during f whatever the
// garbage collector did; HeapAlloc before and after would miss a peak that
// was already collected. The tests using it are not parallel, so nothing
// else allocates much meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// retained runs f and returns how much the live heap grew, after a
// collection: what f's results still hold.
func retained(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

// manifestStream writes valid ConfigMaps until n bytes: were such a file
// read and parsed, it would cost many times its size in memory.
func manifestStream(w io.Writer, n int64) error {
	bw := bufio.NewWriter(w)
	var written int64
	value := strings.Repeat("v", 200)
	for i := 0; written < n; i++ {
		k, err := fmt.Fprintf(bw, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  k: %s\n", i, value)
		if err != nil {
			return err
		}
		written += int64(k)
	}
	return bw.Flush()
}

func TestHugeFileRefused(t *testing.T) {
	const size = 50 << 20
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	fh, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := manifestStream(fh, size); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	other := writeFile(t, dir, "other.yaml", goodOther)

	// The bound is generous on purpose: it must hold on any machine and Go
	// version, and still fail if the file were read whole (50 MiB) and far
	// more so if it were parsed (hundreds of MiB). With the size check
	// before reading, the real figure is a few KiB.
	const bound = 48 << 20
	var res Result
	alloc := allocated(func() { res = Load([]string{huge, other}, Options{}) })
	e := oneError(t, res.Errors)
	if e.File != huge || e.Line != 1 || !strings.Contains(e.Message, "larger than the 32 MiB limit") {
		t.Errorf("error %+v, want %s:1 larger than the 32 MiB limit", e, huge)
	}
	find(t, res.Objects, "Service", "good-other")
	if len(res.Objects) != 1 {
		t.Errorf("%d objects, want only good-other", len(res.Objects))
	}
	if alloc > bound {
		t.Errorf("refusing a 50 MiB file allocated %d MiB", alloc>>20)
	}
	t.Logf("file: allocated %d KiB", alloc>>10)
	// And nothing of it is kept: the result holds one small object and one
	// error.
	if grew := retained(func() { res = Load([]string{huge, other}, Options{}) }); grew > 8<<20 {
		t.Errorf("the heap kept %d MiB after refusing the file", grew>>20)
	}

	// Standard input has no size to look at: it is read up to the limit
	// and no further, in chunks that are never joined. That costs about the
	// limit (32 MiB, plus the writer's own small allocations); 64 MiB
	// leaves room for that and still fails if all 50 MiB were read, or if
	// one buffer were grown by copying (io.ReadAll: about 75 MiB).
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(manifestStream(pw, size)) }()
	alloc = allocated(func() { res = Load([]string{"-", other}, Options{Stdin: pr}) })
	pr.Close()
	e = oneError(t, res.Errors)
	if e.File != "<stdin>" || !strings.Contains(e.Message, "larger than the 32 MiB limit") {
		t.Errorf("stdin error %+v", e)
	}
	find(t, res.Objects, "Service", "good-other")
	if alloc > 64<<20 {
		t.Errorf("refusing 50 MiB on stdin allocated %d MiB", alloc>>20)
	}
	t.Logf("stdin: allocated %d MiB", alloc>>20)
}

// bomb is a "billion laughs" document: each of levels anchors holds n
// aliases of the one before, so it expands to n^levels strings.
func bomb(levels, n int, merge bool) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a0: &a0 \"lol\"\n")
	for l := 1; l <= levels; l++ {
		fmt.Fprintf(&b, "  a%d: &a%d [", l, l)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", l-1)
		}
		b.WriteString("]\n")
	}
	if merge {
		// The same through merge keys: mappings merged into mappings.
		b.WriteString("  m0: &m0 {k: v}\n")
		for l := 1; l <= levels; l++ {
			fmt.Fprintf(&b, "  m%d: &m%d {", l, l)
			for i := range n {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "k%d: *m%d", i, l-1)
			}
			b.WriteString("}\n")
		}
	}
	return b.String()
}

func TestYAMLBomb(t *testing.T) {
	for _, merge := range []bool{false, true} {
		t.Run(fmt.Sprintf("merge=%v", merge), func(t *testing.T) {
			doc := bomb(9, 9, merge) // 9^9 = 387 million values from ~1 KiB
			var e finding.InputError
			var from int
			start := time.Now()
			alloc := allocated(func() { _, from, _, e = loadSandwich(t, doc, Options{}) })
			took := time.Since(start)
			if !strings.Contains(e.Message, "YAML bomb") {
				t.Errorf("message %q does not name a YAML bomb", e.Message)
			}
			if e.Line < from+5 {
				t.Errorf("line %d, want inside the anchors (from line %d)", e.Line, from+5)
			}
			// Expanding it would take many GiB and minutes; refusing takes
			// milliseconds. The bounds are loose for slow shared machines.
			if took > timeScale*5*time.Second {
				t.Errorf("refusing the bomb took %v", took)
			}
			if alloc > 100<<20 {
				t.Errorf("refusing the bomb allocated %d MiB", alloc>>20)
			}
		})
	}

	// Anchors used a few times in a real manifest are fine.
	objs, errs := parseDocuments("ok.yaml", []byte(bomb(3, 3, true)), DefaultLimits, "")
	if len(errs) != 0 || len(objs) != 1 {
		t.Errorf("small alias use refused: %v", errs)
	}
}

// nestedBlockMap is "data:\n a:\n  a:\n   a: ..." depth levels deep, one
// space per level: block nesting costs quadratic text, so 10,000 levels
// are 50 MB.
func nestedBlockMap(depth int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\ndata:\n")
	for i := 1; i <= depth; i++ {
		b.WriteString(strings.Repeat(" ", i))
		if i == depth {
			b.WriteString("a: end\n")
		} else {
			b.WriteString("a:\n")
		}
	}
	return b.String()
}

func TestDeepNesting(t *testing.T) {
	const depth = 10000
	cases := []struct {
		name string
		doc  string
		opts Options
		line int // line inside the document, 0 to only check the range
	}{
		{"flow sequences", "apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("[", depth) + strings.Repeat("]", depth), Options{}, 0},
		{"flow mappings", "apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("{a: ", depth) + "1" + strings.Repeat("}", depth), Options{}, 0},
		{"unclosed flow", "apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("[", depth), Options{}, 0},
		// Quotes hide brackets from the cheap pre-check; the parser and the
		// converter still bound them.
		{"flow behind a quote", "apiVersion: v1\nkind: ConfigMap\ndata: [a\", " + strings.Repeat("[", depth-10) + "x" + strings.Repeat("]", depth-9), Options{}, 0},
		{"flow beyond the parser's limit", "apiVersion: v1\nkind: ConfigMap\ndata: [a\", " + strings.Repeat("[", 2*depth) + "x" + strings.Repeat("]", 2*depth+1), Options{}, 0},
		{"block sequences", "apiVersion: v1\nkind: ConfigMap\ndata:\n" + strings.Repeat("- ", depth) + "x", Options{}, 4},
		{"block sequences beyond the parser's limit", "apiVersion: v1\nkind: ConfigMap\ndata:\n" + strings.Repeat("- ", 3*depth) + "x", Options{}, 0},
		// 2,000 levels fit in 2 MB; the line is that of the first level
		// past the limit (the top mapping is level 0, "data:" is on line 3).
		{"block mappings", nestedBlockMap(2000), Options{}, 4 + DefaultLimits.MaxDepth},
		// 10,000 levels are 50 MB: raise the size limit for this one.
		{"block mappings 10000 deep", nestedBlockMap(depth), Options{Limits: Limits{MaxFileBytes: 64 << 20}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, from, _, e := loadSandwich(t, c.doc, c.opts)
			if took := time.Since(start); took > timeScale*5*time.Second {
				t.Errorf("took %v", took)
			}
			if !strings.Contains(e.Message, "nests") {
				t.Errorf("message %q does not say the document nests too deep", e.Message)
			}
			if c.line > 0 && e.Line != from+c.line-1 {
				t.Errorf("line %d, want %d", e.Line, from+c.line-1)
			}
		})
	}
}

func TestEveryErrorKeepsOtherFiles(t *testing.T) {
	// All the bad inputs at once, each in its own file, between good files:
	// one error per bad file, every good object read.
	dir := t.TempDir()
	var paths []string
	bads := map[string]string{
		"1-trunc.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"cut",
		"2-utf8.yaml":   "apiVersion: v1\nkind: ConfigMap\ndata:\n  k: \xc3\x28\n",
		"3-bomb.yaml":   bomb(9, 9, false),
		"4-deep.yaml":   "apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("{a: ", 10000),
		"5-binary.yaml": "\x00\x01\x02binary",
		"6-nokind.yaml": "apiVersion: v1\nmetadata:\n  name: x\n",
	}
	for i, name := range []string{"1-trunc.yaml", "2-utf8.yaml", "3-bomb.yaml", "4-deep.yaml", "5-binary.yaml", "6-nokind.yaml"} {
		paths = append(paths, writeFile(t, dir, fmt.Sprintf("good-%d.yaml", i), strings.Replace(goodOther, "good-other", fmt.Sprintf("good-%d", i), 1)))
		paths = append(paths, writeFile(t, dir, name, bads[name]))
	}
	res := Load(paths, Options{})
	if len(res.Objects) != 6 {
		t.Errorf("objects %v, want good-0..good-5", refs(res.Objects))
	}
	for i := range 6 {
		find(t, res.Objects, "Service", fmt.Sprintf("good-%d", i))
	}
	if len(res.Errors) != len(bads) {
		t.Fatalf("errors %v, want one per bad file", res.Errors)
	}
	seen := map[string]bool{}
	for _, e := range res.Errors {
		seen[filepath.Base(e.File)] = true
		if e.Line < 1 || e.Message == "" {
			t.Errorf("error without line or message: %+v", e)
		}
	}
	for name := range bads {
		if !seen[name] {
			t.Errorf("no error for %s", name)
		}
	}
}

func TestSplitDocumentsLines(t *testing.T) {
	// The splitter alone: each document's first line and text.
	data := []byte("a: 1\n---\nb: 2\n--- c: 3\n...\n---\td: 4\n----\ne: 5")
	var docs []document
	for _, d := range splitDocuments(data) {
		if len(d.text) > 0 {
			docs = append(docs, d)
		}
	}
	want := []struct {
		line int
		text string
	}{{1, "a: 1\n"}, {3, "b: 2\n"}, {4, " c: 3\n"}, {6, "\td: 4\n----\ne: 5"}}
	if len(docs) != len(want) {
		t.Fatalf("got %d documents, want %d", len(docs), len(want))
	}
	for i, w := range want {
		if docs[i].line != w.line || !bytes.Equal(docs[i].text, []byte(w.text)) {
			t.Errorf("doc %d: line %d %q, want line %d %q", i, docs[i].line, docs[i].text, w.line, w.text)
		}
	}
}
