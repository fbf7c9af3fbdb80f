package inventory

import (
	"bytes"
	"strconv"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/yamlconv"
	yaml "go.yaml.in/yaml/v3"
)

// lineScanner finds the lines of field paths in block-style YAML by
// indentation alone, without building a parse tree. Findings need lines for
// most objects of a scan, and parsing each such document a second time costs
// as much as the first parse; scanning costs a fraction. It declines
// (ok=false) whenever the text uses a construct it does not follow (anchors,
// aliases, tags, tabs, complex keys, flow collections spanning lines), and
// the caller then asks the YAML parser. A test holds it to the parser's
// answers over every path of its corpora.
type lineScanner struct {
	lines []scanLine
}

type scanLine struct {
	num    int    // 1-based line number within the document
	indent int    // columns of leading spaces
	text   []byte // content after the indentation
}

// newLineScanner prepares a document, or returns nil when it is not plain
// block YAML.
func newLineScanner(doc []byte) *lineScanner {
	if bytes.ContainsAny(doc, "&*!\t") || bytes.Contains(doc, []byte("<<")) || !flowClosesOnEachLine(doc) || otherLineBreaks(doc) {
		return nil
	}
	s := scannerPool.Get().(*lineScanner)
	s.lines = s.lines[:0]
	num := 0
	for len(doc) > 0 {
		num++
		var l []byte
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			l, doc = doc[:i], doc[i+1:]
		} else {
			l, doc = doc, nil
		}
		l = bytes.TrimRight(l, " \r")
		t := bytes.TrimLeft(l, " ")
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		if t[0] == '?' || t[0] == '%' || t[0] == '[' || t[0] == '{' || bytes.HasPrefix(t, []byte("---")) {
			s.release()
			return nil // complex keys, directives, a flow or JSON document
		}
		s.lines = append(s.lines, scanLine{num: num, indent: len(l) - len(t), text: t})
	}
	if len(s.lines) == 0 {
		s.release()
		return nil
	}
	return s
}

// scannerPool recycles scanners and their line tables: one is built for
// every object that has findings.
var scannerPool = sync.Pool{New: func() any { return &lineScanner{lines: make([]scanLine, 0, 128)} }}

// release returns the scanner to the pool; it must not be used after.
func (s *lineScanner) release() {
	if s != nil {
		scannerPool.Put(s)
	}
}

// otherLineBreaks reports line breaks other than "\n" and "\r\n": a lone
// CR, NEL, LS or PS. The YAML parser counts lines at them; the scanner
// does not.
func otherLineBreaks(doc []byte) bool {
	for i := bytes.IndexByte(doc, '\r'); i >= 0; {
		if i+1 >= len(doc) || doc[i+1] != '\n' {
			return true
		}
		j := bytes.IndexByte(doc[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return bytes.Contains(doc, []byte("\u0085")) || bytes.Contains(doc, []byte("\u2028")) || bytes.Contains(doc, []byte("\u2029"))
}

// flowClosesOnEachLine reports whether every [ and { outside quotes closes on
// the line it opens and no quoted scalar spans lines.
func flowClosesOnEachLine(doc []byte) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case c == '\n':
			if depth != 0 || quote != 0 {
				return false
			}
		case quote != 0:
			if c == quote && (quote != '"' || doc[i-1] != '\\') {
				quote = 0
			}
		case c == '#' && (i == 0 || doc[i-1] == ' '):
			// A comment: skip to the end of the line.
			for i+1 < len(doc) && doc[i+1] != '\n' {
				i++
			}
		case (c == '"' || c == '\'') && (depth > 0 || i == 0 || doc[i-1] == ' ' || doc[i-1] == '-' || doc[i-1] == '\n'):
			quote = c
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		}
	}
	return depth == 0 && quote == 0
}

// block is a block collection: its first entry starts on lines[idx] at
// column col (possibly after a "- "), later entries are lines indented
// exactly col, and it ends at the first line indented less.
type block struct {
	idx int
	col int
	seq bool
}

func isDash(t []byte) bool { return len(t) > 0 && t[0] == '-' && (len(t) == 1 || t[1] == ' ') }

// text is the block's content on line i (sliced at col on its first line).
func (s *lineScanner) text(b block, i int) []byte {
	l := s.lines[i]
	if i == b.idx {
		return l.text[b.col-l.indent:]
	}
	return l.text
}

// line resolves segments the way PositionIndex.Line does: the line of the
// deepest node along the path that exists. ok is false when the scanner
// cannot be sure.
func (s *lineScanner) line(segs []string) (int, bool) {
	first := s.lines[0]
	cur := block{idx: 0, col: first.indent, seq: isDash(first.text)}
	best, leaf := first.num, false
	for _, seg := range segs {
		if leaf {
			break
		}
		var (
			found, ok bool
			next      block
			num       int
		)
		if cur.seq {
			next, num, leaf, found, ok = s.item(cur, seg)
		} else {
			next, num, leaf, found, ok = s.key(cur, seg)
		}
		if !ok {
			return 0, false
		}
		if !found {
			break
		}
		best, cur = num, next
	}
	return best, true
}

// entries calls fn with the line index of each of the block's entries, in
// order, until fn returns false.
func (s *lineScanner) entries(b block, fn func(i int) bool) {
	if !fn(b.idx) {
		return
	}
	for i := b.idx + 1; i < len(s.lines); i++ {
		l := s.lines[i]
		if l.indent < b.col {
			return
		}
		if l.indent > b.col {
			continue
		}
		dash := isDash(l.text)
		switch {
		case b.seq && !dash:
			return // the sequence sat at its key's indentation and has ended
		case !b.seq && dash:
			continue // a sequence at a key's indentation belongs to that key
		}
		if !fn(i) {
			return
		}
	}
}

// child finds the block value that follows an entry with nothing after its
// key or dash: deeper lines, or a sequence at the same indentation.
func (s *lineScanner) child(i, col int, allowSameIndentSeq bool) (block, bool) {
	if i+1 >= len(s.lines) {
		return block{}, false
	}
	nl := s.lines[i+1]
	if nl.indent > col || allowSameIndentSeq && nl.indent == col && isDash(nl.text) {
		return block{idx: i + 1, col: nl.indent, seq: isDash(nl.text)}, true
	}
	return block{}, false
}

// key steps into a mapping entry. It returns the entry's key line.
func (s *lineScanner) key(b block, seg string) (next block, num int, leaf, found, ok bool) {
	ok = true
	s.entries(b, func(i int) bool {
		k, rest, isKey := splitKey(s.text(b, i))
		switch {
		case !isKey:
			ok = false
			return false
		case k != seg:
			return true
		}
		found, num = true, s.lines[i].num
		if len(rest) > 0 {
			leaf = true // inline scalar, flow collection or block scalar
			return false
		}
		var hasChild bool
		next, hasChild = s.child(i, b.col, true)
		leaf = !hasChild
		return false
	})
	if !ok || !found {
		return block{}, 0, false, false, ok
	}
	return next, num, leaf, true, true
}

// item steps into the n-th entry of a sequence. It returns the item node's
// line: the line its content starts on.
func (s *lineScanner) item(b block, seg string) (next block, num int, leaf, found, ok bool) {
	n, err := strconv.Atoi(seg)
	if err != nil || n < 0 {
		return block{}, 0, false, false, true
	}
	i := -1
	s.entries(b, func(j int) bool {
		if n == 0 {
			i = j
			return false
		}
		n--
		return true
	})
	if i < 0 {
		return block{}, 0, false, false, true
	}
	t := s.text(b, i)
	after := bytes.TrimLeft(t[1:], " ")
	if len(after) == 0 || after[0] == '#' {
		c, ok := s.child(i, b.col, false)
		if !ok {
			return block{}, s.lines[i].num, true, true, true // an empty (null) item
		}
		return c, s.lines[c.idx].num, false, true, true
	}
	col := b.col + len(t) - len(after)
	num = s.lines[i].num
	if isDash(after) {
		return block{idx: i, col: col, seq: true}, num, false, true, true
	}
	if _, _, isKey := splitKey(after); isKey {
		return block{idx: i, col: col}, num, false, true, true
	}
	return block{}, num, true, true, true // a scalar or flow item
}

// splitKey splits "key: value" (plain or quoted key). rest is the value
// with comments removed; empty for a block value.
func splitKey(t []byte) (key string, rest []byte, ok bool) {
	var after []byte
	switch {
	case len(t) == 0 || t[0] == '-' && isDash(t) || t[0] == '[' || t[0] == '{':
		return "", nil, false
	case t[0] == '"' || t[0] == '\'':
		end := -1
		for i := 1; i < len(t); i++ {
			if t[i] == t[0] && (t[0] == '\'' || t[i-1] != '\\') {
				end = i
				break
			}
		}
		if end < 0 {
			return "", nil, false
		}
		raw := string(t[:end+1])
		if t[0] == '"' {
			uq, err := strconv.Unquote(raw)
			if err != nil {
				return "", nil, false
			}
			key = uq
		} else {
			key = string(bytes.ReplaceAll(t[1:end], []byte("''"), []byte("'")))
		}
		after = bytes.TrimLeft(t[end+1:], " ")
		if len(after) == 0 || after[0] != ':' {
			return "", nil, false
		}
		after = after[1:]
		if len(after) > 0 && after[0] != ' ' {
			return "", nil, false
		}
	default:
		i := bytes.Index(t, []byte(": "))
		if i < 0 {
			if t[len(t)-1] != ':' {
				return "", nil, false
			}
			i = len(t) - 1
		}
		if j := bytes.Index(t[:i], []byte(" #")); j >= 0 {
			return "", nil, false // a comment before the colon: not a key
		}
		// Plain keys are read as YAML 1.1 reads them ("y" is "true"), the
		// way field paths name them.
		key = yamlconv.Key(&yaml.Node{Kind: yaml.ScalarNode, Value: string(bytes.TrimRight(t[:i], " "))})
		after = t[i+1:]
	}
	rest = bytes.TrimLeft(after, " ")
	if len(rest) > 0 && rest[0] == '#' {
		rest = nil
	}
	return key, rest, true
}
