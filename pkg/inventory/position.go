package inventory

import (
	"strconv"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/yamlconv"
	yaml "go.yaml.in/yaml/v3"
)

// SplitFieldPath turns "spec.containers[0].securityContext" or
// `metadata.annotations["a.b/c"]` into path segments; indexes stay strings.
func SplitFieldPath(path string) []string {
	var segs []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			segs = append(segs, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch c {
		case '.':
			flush()
		case '[':
			flush()
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				cur.WriteString(path[i+1:])
				i = len(path)
				continue
			}
			seg := path[i+1 : i+end]
			if uq, err := strconv.Unquote(seg); err == nil {
				seg = uq
			}
			segs = append(segs, seg)
			i += end
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return segs
}

// PositionIndex resolves field paths of one source document to lines. Build
// it only for objects that have findings and drop it afterwards. It scans
// block YAML by indentation and parses the document (once) only when the
// scanner declines.
type PositionIndex struct {
	doc     []byte
	scanner *lineScanner
	root    *yaml.Node
	parsed  bool
	prefix  []string
	docLine int
	line    int
}

// NewPositionIndex prepares the object's source document. It returns nil
// when the object has no document text (for example live objects).
func NewPositionIndex(s *Source) *PositionIndex {
	if len(s.Doc) == 0 {
		return nil
	}
	return &PositionIndex{doc: s.Doc, scanner: newLineScanner(s.Doc), prefix: s.PathPrefix, docLine: s.DocLine, line: s.Line}
}

// Line returns the line of the deepest node along the field path that exists
// in the document: the field itself when written, else the nearest parent,
// which is where the author would add it.
func (p *PositionIndex) Line(field string) int {
	if p == nil {
		return 0
	}
	segs := append(append([]string{}, p.prefix...), SplitFieldPath(field)...)
	if p.scanner != nil {
		if l, ok := p.scanner.line(segs); ok {
			return l + p.docLine - 1
		}
	}
	return p.parsedLine(segs)
}

// Release gives back the index's scratch memory; the index must not be used after.
func (p *PositionIndex) Release() {
	if p != nil {
		p.scanner.release()
		p.scanner, p.root = nil, nil
	}
}

// parsedLine answers with the YAML parser.
func (p *PositionIndex) parsedLine(segs []string) int {
	if !p.parsed {
		p.parsed = true
		var n yaml.Node
		if err := yaml.Unmarshal(p.doc, &n); err == nil {
			p.root = &n
			if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
				p.root = n.Content[0]
			}
		}
	}
	if p.root == nil {
		return p.line
	}
	n := p.root
	best := n.Line
	for _, seg := range segs {
		n = child(n, seg)
		if n == nil {
			break
		}
		best = n.Line
	}
	if best == 0 {
		return p.line
	}
	return best + p.docLine - 1
}

// child steps into a mapping key or sequence index, following aliases.
// For mappings it returns the key node, whose line is where the field is written.
func child(n *yaml.Node, seg string) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if yamlconv.Key(n.Content[i]) == seg {
				v := n.Content[i+1]
				// Return the value but with the key's line: a mapping value's
				// own line is that of its first child.
				return &yaml.Node{Kind: v.Kind, Content: v.Content, Alias: v.Alias, Line: n.Content[i].Line, Value: v.Value}
			}
		}
	case yaml.SequenceNode:
		idx, err := strconv.Atoi(seg)
		if err == nil && idx >= 0 && idx < len(n.Content) {
			return n.Content[idx]
		}
	}
	return nil
}
