package inventory

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/bench/gen"
	yaml "go.yaml.in/yaml/v3"
)

// paths lists every field path of a parsed document, plus, for each mapping,
// a key that does not exist (to test nearest-parent answers).
func paths(n *yaml.Node, prefix []string, out *[][]string) {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return
	}
	add := func(seg string) []string {
		p := append(append([]string{}, prefix...), seg)
		*out = append(*out, p)
		return p
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			paths(n.Content[i+1], add(n.Content[i].Value), out)
		}
		add("noSuchField")
	case yaml.SequenceNode:
		for i, c := range n.Content {
			paths(c, add(strconv.Itoa(i)), out)
		}
		add(strconv.Itoa(len(n.Content)))
	}
}

func checkAgreement(t *testing.T, name string, doc []byte) (agreed, declined int) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return 0, 0
	}
	p := &PositionIndex{doc: doc, docLine: 1, line: 1}
	sc := newLineScanner(doc)
	if sc == nil {
		return 0, 1
	}
	var all [][]string
	paths(root.Content[0], nil, &all)
	for _, segs := range all {
		want := p.parsedLine(segs)
		got, ok := sc.line(segs)
		if !ok {
			declined++
			continue
		}
		if got != want {
			t.Errorf("%s: path %s: scanner says line %d, parser says %d", name, strings.Join(segs, "."), got, want)
			continue
		}
		agreed++
	}
	return agreed, declined
}

func splitDocs(data []byte) [][]byte {
	var out [][]byte
	for _, d := range strings.Split(string(data), "\n---") {
		out = append(out, []byte(strings.TrimPrefix(d, "\n")))
	}
	return out
}

// TestLineScannerAgreesWithParser holds the indentation scanner to the YAML
// parser on every path of the repository's examples, the upstream Pod
// Security fixtures, and hand-written edge cases.
func TestLineScannerAgreesWithParser(t *testing.T) {
	docs := map[string][]byte{
		"same-indent sequence": []byte("spec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n    env:\n    - name: A\n      value: \"1\"\n  volumes: []\n"),
		"dash then block":      []byte("items:\n  -\n    name: a\n  - name: b\n  -   name: c\n      deep:\n        x: 1\n"),
		"quoted keys":          []byte("metadata:\n  annotations:\n    \"a.b/c\": x\n    'd e': y\n  labels: {a: b}\n"),
		"block scalars":        []byte("data:\n  script: |\n    key: not a key\n    - nor an item\n  other: >-\n    folded\nnext: 1\n"),
		"comments":             []byte("# head\nspec: # trailing\n  # inside\n  a: 1 # c\n\n  b:\n    - 1\n"),
		"nested sequences":     []byte("a:\n- - 1\n  - 2\n- - 3\n"),
		"null values":          []byte("a:\nb: 1\nc:\n  d:\n"),
	}
	var files []string
	corpus := t.TempDir()
	if _, err := gen.Generate(corpus, 4); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{"../../examples", corpus} {
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") && !strings.Contains(p, "templates") {
				files = append(files, p)
			}
			return nil
		})
	}
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output(); err == nil {
		for _, level := range []string{"baseline", "restricted"} {
			dir := filepath.Join(strings.TrimSpace(string(out)), "test", "testdata", level, "v1.37")
			for _, v := range []string{"pass", "fail"} {
				matches, _ := filepath.Glob(filepath.Join(dir, v, "*.yaml"))
				files = append(files, matches...)
			}
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range splitDocs(data) {
			docs[f+"#"+strconv.Itoa(i)] = d
		}
	}
	agreed, declined := 0, 0
	for name, doc := range docs {
		a, d := checkAgreement(t, name, doc)
		agreed += a
		declined += d
	}
	t.Logf("line scanner: %d paths agree with the parser over %d documents; %d declined (parser used)", agreed, len(docs), declined)
	if agreed < 10000 {
		t.Errorf("only %d paths compared; the corpora must give over 10,000", agreed)
	}
}

// FuzzLineScanner: on any document, whenever the scanner answers, its answer
// is the parser's.
func FuzzLineScanner(f *testing.F) {
	for _, s := range []string{
		"a: 1\nb:\n  c: 2\n",
		"spec:\n  containers:\n  - name: a\n    image: x\n",
		"a:\n- - 1\n  - 2\n",
		"k: |\n  x: 1\nm: {a: 1}\n",
		"\"q\": 1\n'r': [1, 2]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 4096 {
			return
		}
		checkAgreement(t, "fuzz", doc)
	})
}

func TestLineScannerDeclinesMultiLineQuotes(t *testing.T) {
	for _, doc := range []string{
		"a:\n- 'one\n- two'\n- three\n",
		"a: \"x\n  y\"\nb: 1\n",
		"a: [1,\n  2]\nb: 1\n",
	} {
		if newLineScanner([]byte(doc)) != nil {
			t.Errorf("scanner must decline %q", doc)
		}
		checkAgreement(t, doc, []byte(doc))
	}
	if newLineScanner([]byte("a: 'it''s' # [unclosed in a comment\nb: \"q\\\"\"\n")) == nil {
		t.Error("one-line quotes and brackets in comments are fine")
	}
}
