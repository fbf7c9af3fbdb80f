// Package source reads Kubernetes objects from files, folders, stdin, Helm
// charts and Kustomize directories into inventory objects that keep their
// file and line. A bad document becomes an input error with file and line;
// every other document is still read.
package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/schema"
	"github.com/rampart-k8s/rampart/pkg/yamlconv"
	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/meta"
)

// Limits bound what one input may cost, so that hostile input (huge files,
// alias bombs, deep nesting) gives an error instead of exhausting memory.
type Limits struct {
	MaxFileBytes  int64 // larger files are refused
	MaxDepth      int   // deepest nesting of mappings and sequences
	MaxValueRatio int   // decoded values allowed per byte of document (alias expansion)
}

// DefaultLimits are far above any real manifest.
var DefaultLimits = Limits{MaxFileBytes: 32 << 20, MaxDepth: 1000, MaxValueRatio: 1}

// withDefaults fills each unset limit from DefaultLimits, so that setting
// one limit (say the file size) does not turn the others into zero, which
// would refuse every nested document.
func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultLimits.MaxFileBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxValueRatio <= 0 {
		l.MaxValueRatio = DefaultLimits.MaxValueRatio
	}
	return l
}

// document is one YAML document of a stream with the line it starts on.
type document struct {
	text []byte
	line int
}

// splitDocuments cuts a YAML stream at "---" separator lines, keeping each
// document's first line. Splitting ourselves (instead of a stream decoder)
// means one broken document cannot hide the ones after it.
func splitDocuments(data []byte) []document {
	var docs []document
	start, startLine, line := 0, 1, 1
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		l := data[pos:next]
		if isSeparator(l) {
			docs = append(docs, document{text: data[start:pos], line: startLine})
			// Content after "--- " on the same line belongs to the next document.
			rest := bytes.TrimLeft(l[3:], " \t")
			if len(bytes.TrimSpace(rest)) > 0 && rest[0] != '#' {
				start, startLine = pos+3, line
			} else {
				start, startLine = next, line+1
			}
		} else if isEndMarker(l) {
			docs = append(docs, document{text: data[start:pos], line: startLine})
			start, startLine = next, line+1
		}
		pos = next
		line++
	}
	if start < len(data) {
		docs = append(docs, document{text: data[start:], line: startLine})
	}
	return docs
}

func isSeparator(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	return len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r'
}

func isEndMarker(l []byte) bool {
	t := bytes.TrimRight(l, " \t\r\n")
	return bytes.Equal(t, []byte("..."))
}

// blank reports whether a document holds only whitespace and comments.
func blank(doc []byte) bool {
	for len(doc) > 0 {
		l := doc
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			l, doc = doc[:i], doc[i+1:]
		} else {
			doc = nil
		}
		t := bytes.TrimSpace(l)
		if len(t) > 0 && t[0] != '#' && t[0] != '%' {
			return false
		}
	}
	return true
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// parseDocuments decodes every document of data; file names the input in
// errors and positions. Documents without apiVersion and kind are not
// Kubernetes objects (values files, CI configs) and are skipped silently.
func parseDocuments(file string, data []byte, lim Limits, origin string) ([]*inventory.Object, []finding.InputError) {
	docs, bad := documentsOf(file, data)
	if bad != nil {
		return nil, []finding.InputError{*bad}
	}
	var objs []*inventory.Object
	var errs []finding.InputError
	for _, doc := range docs {
		o, e := parseDocument(file, doc, lim, origin)
		objs = append(objs, o...)
		errs = append(errs, e...)
	}
	return objs, errs
}

// documentsOf splits a file's content into its non-blank documents, or
// refuses a binary file.
func documentsOf(file string, data []byte) ([]document, *finding.InputError) {
	data = trimBOM(data)
	if isBinary(data) {
		return nil, &finding.InputError{File: file, Line: 1, Message: "binary file, not YAML or JSON"}
	}
	var docs []document
	for _, d := range splitDocuments(data) {
		if !blank(d.text) {
			docs = append(docs, d)
		}
	}
	return docs, nil
}

func parseDocument(file string, doc document, lim Limits, origin string) ([]*inventory.Object, []finding.InputError) {
	fail := func(line int, format string, a ...any) []finding.InputError {
		return []finding.InputError{{File: file, Line: line, Message: fmt.Sprintf(format, a...)}}
	}
	// The parser reports bad characters without a line; find them first.
	if i, msg := badCharacter(doc.text); i >= 0 {
		return nil, fail(doc.line+bytes.Count(doc.text[:i], []byte("\n")), "%s", msg)
	}
	if d := flowDepth(doc.text); d > lim.MaxDepth {
		return nil, fail(doc.line, "document nests deeper than %d levels", lim.MaxDepth)
	}
	// A decoder rather than yaml.Unmarshal: Unmarshal stops after the first
	// YAML document and silently drops whatever follows it, such as a second
	// JSON object without a "---" separator or mis-indented lines.
	dec := yaml.NewDecoder(bytes.NewReader(doc.text))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fail(errLine(err, doc), "%s", yamlErrorMessage(err))
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, nil
	}
	top := root.Content[0]
	var rest yaml.Node
	if err := dec.Decode(&rest); !errors.Is(err, io.EOF) {
		// yaml.v3 reports such errors at the wrong line; the content starts
		// on the first written line after the last node of the document.
		line := nextContentLine(doc.text, lastLine(top))
		return nil, fail(doc.line+line-1, "content after the end of the YAML document (mis-indented, or a second object without a \"---\" separator)")
	}
	// One budget for the whole document: every value produced or visited,
	// aliases included, is charged to it.
	budget := lim.MaxValueRatio*len(doc.text) + 10000
	if line, err := yamlconv.Bounds(top, budget, lim.MaxDepth); err != nil {
		return nil, fail(doc.line+line-1, "%v", err)
	}
	conv := &yamlconv.Converter{Budget: budget, MaxDepth: lim.MaxDepth}
	top = yamlconv.Deref(top)
	if top.Kind != yaml.MappingNode {
		v, err := conv.Value(top, 0)
		switch {
		case err != nil:
			return nil, fail(doc.line+conv.ErrLine-1, "%v", err)
		case v == nil:
			return nil, nil
		}
		return nil, fail(doc.line+top.Line-1, "document is a %s, not a Kubernetes object", yamlconv.Kind(v))
	}
	src := inventory.Source{File: file, Line: doc.line + top.Line - 1, Origin: origin, Doc: doc.text, DocLine: doc.line}
	objs, errs := objectsFrom(top, src, nil, conv)
	for i := range errs {
		if errs[i].Line == 0 {
			errs[i].Line = doc.line + conv.ErrLine - 1
		}
	}
	return objs, errs
}

// objectsFrom turns a mapping node into objects, unfolding List kinds.
// Built-in kinds are decoded straight into their types; other kinds
// (custom resources) are kept as raw maps.
func objectsFrom(node *yaml.Node, src inventory.Source, prefix []string, conv *yamlconv.Converter) ([]*inventory.Object, []finding.InputError) {
	apiVersion := scalarString(mappingValue(node, "apiVersion"))
	kind := scalarString(mappingValue(node, "kind"))
	if apiVersion == "" && kind == "" {
		return nil, nil // not a Kubernetes object
	}
	if apiVersion == "" || kind == "" {
		missing := "apiVersion"
		if kind == "" {
			missing = "kind"
		}
		return nil, []finding.InputError{{File: src.File, Line: src.Line, Message: "object has no " + missing}}
	}
	if items := mappingValue(node, "items"); items != nil && items.Kind == yaml.SequenceNode && (kind == "List" || strings.HasSuffix(kind, "List")) {
		var objs []*inventory.Object
		var errs []finding.InputError
		for i, it := range items.Content {
			itemSrc := src
			itemSrc.PathPrefix = append(append([]string{}, prefix...), "items", strconv.Itoa(i))
			itemSrc.Line = src.DocLine + it.Line - 1
			it = yamlconv.Deref(it)
			if it.Kind != yaml.MappingNode {
				errs = append(errs, finding.InputError{File: src.File, Line: itemSrc.Line, Message: fmt.Sprintf("item %d of %s is not an object", i, kind)})
				continue
			}
			o, e := objectsFrom(it, itemSrc, itemSrc.PathPrefix, conv)
			objs = append(objs, o...)
			errs = append(errs, e...)
			if conv.Budget < 0 {
				break
			}
		}
		return objs, errs
	}
	obj := &inventory.Object{APIVersion: apiVersion, Kind: kind, Source: src}
	budgetErr := func(err error) []finding.InputError {
		return []finding.InputError{{File: src.File, Message: err.Error()}} // line filled by the caller
	}
	if schema.Recognizes(apiVersion, kind) {
		if err := schema.Decode(obj, node, conv); err != nil {
			return nil, budgetErr(err)
		}
		if m, err := meta.Accessor(obj.Typed); err == nil {
			obj.Name, obj.Namespace = m.GetName(), m.GetNamespace()
			if obj.Name == "" {
				obj.Name = m.GetGenerateName()
			}
		}
		return []*inventory.Object{obj}, nil
	}
	v, err := conv.Value(node, 0)
	if err != nil {
		return nil, budgetErr(err)
	}
	obj.Raw, _ = v.(map[string]any)
	if md, ok := obj.Raw["metadata"].(map[string]any); ok {
		obj.Name, _ = md["name"].(string)
		obj.Namespace, _ = md["namespace"].(string)
		if obj.Name == "" {
			obj.Name, _ = md["generateName"].(string)
		}
	}
	return []*inventory.Object{obj}, nil
}

// scalarString is a scalar node's value when it is a string, else "".
func scalarString(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	v, _ := yamlconv.Scalar(n)
	s, _ := v.(string)
	return s
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			for v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

// lastLine is the last line on which a node of the tree starts. Aliases
// are not followed, so this is linear in the size of the document.
func lastLine(n *yaml.Node) int {
	l := n.Line
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// nextContentLine is the first line after line (1-based) in doc that holds
// something other than blanks and comments; line itself when there is none.
func nextContentLine(doc []byte, line int) int {
	for i, l := range bytes.Split(doc, []byte("\n")) {
		if i+1 <= line {
			continue
		}
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			return i + 1
		}
	}
	return line
}

// yamlErrorMessage words a parser error for users; the parser's nesting
// limit gets the same wording as ours.
func yamlErrorMessage(err error) string {
	msg := cleanYAMLError(err)
	if strings.Contains(msg, "exceeded max depth") {
		return "document nests too deeply for the YAML parser (" + msg + ")"
	}
	return "invalid YAML: " + msg
}

// errLine is the line of a parser error in the file: the line the parser
// names, else the first use of an unknown anchor, else the document's start.
func errLine(err error, doc document) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		if n, e := strconv.Atoi(m[1]); e == nil {
			return doc.line + n - 1
		}
	}
	if m := unknownAnchorRE.FindStringSubmatch(err.Error()); m != nil {
		if i := bytes.Index(doc.text, []byte("*"+m[1])); i >= 0 {
			return doc.line + bytes.Count(doc.text[:i], []byte("\n"))
		}
	}
	return doc.line
}

var unknownAnchorRE = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)

// cleanYAMLError drops the "yaml: line N:" prefix (the line is reported apart).
func cleanYAMLError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	if strings.HasPrefix(s, "line ") {
		if i := strings.Index(s, ": "); i > 0 {
			s = s[i+2:]
		}
	}
	return s
}

// badCharacter finds the first byte that is not UTF-8 or is a character
// YAML does not allow (the set yaml.v3's reader accepts: tab, newlines,
// printable ASCII, NEL and the printable rest of Unicode), and says what it
// is; -1 when there is none.
func badCharacter(b []byte) (int, string) {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return i, "invalid UTF-8 in document"
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85,
			r >= 0x20 && r <= 0x7e,
			r >= 0xa0 && r <= 0xfffd,
			r >= 0x10000:
		default:
			return i, fmt.Sprintf("control character %U in document", r)
		}
		i += size
	}
	return -1, ""
}

// flowDepth is a cheap upper bound of a document's flow nesting ([ and {).
// It runs before the parser so that a document nested thousands deep is
// refused without building its tree; block nesting is bounded by the
// parser itself and checked again when converting.
func flowDepth(doc []byte) int {
	maxDepth, flow := 0, 0
	inQuote := byte(0)
	for _, c := range doc {
		if inQuote != 0 {
			if c == inQuote || c == '\n' {
				inQuote = 0
			}
			continue
		}
		switch c {
		case '[', '{':
			flow++
			maxDepth = max(maxDepth, flow)
		case ']', '}':
			if flow > 0 {
				flow--
			}
		case '"', '\'':
			if flow > 0 {
				inQuote = c
			}
		}
	}
	return maxDepth
}

// Parse reads the objects of one YAML or JSON stream held in memory; file
// names it in positions and errors.
func Parse(file string, data []byte, lim Limits) ([]*inventory.Object, []finding.InputError) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	return parseDocuments(file, data, lim, "")
}
