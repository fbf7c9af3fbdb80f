package cloud

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// maxJSONDepth bounds nesting, so that hostile input gives an error rather
// than a deep recursion.
const maxJSONDepth = 256

// ParseError is an input that could not be read, with its line.
type ParseError struct {
	Line    int
	Message string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// lineIndex turns byte offsets into 1-based lines.
type lineIndex []int

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

func (l lineIndex) line(off int64) int {
	return sort.Search(len(l), func(i int) bool { return int64(l[i]) > off })
}

// parseJSON reads a JSON document into nodes that know their lines: an
// object member's line is its key's.
func parseJSON(data []byte) (*Node, error) {
	lines := newLineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &jsonParser{dec: dec, lines: lines}
	n, err := p.value("", 0)
	if err == nil {
		if _, e := dec.Token(); !errors.Is(e, io.EOF) {
			err = p.fail(errors.New("data after the top-level value"))
		}
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

type jsonParser struct {
	dec   *json.Decoder
	lines lineIndex
}

func (p *jsonParser) here() int {
	off := p.dec.InputOffset() - 1
	if off < 0 {
		off = 0
	}
	return p.lines.line(off)
}

func (p *jsonParser) fail(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &ParseError{Line: p.lines.line(max(se.Offset-1, 0)), Message: "invalid JSON: " + se.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ParseError{Line: len(p.lines), Message: "invalid JSON: unexpected end of input"}
	}
	return &ParseError{Line: p.here(), Message: "invalid JSON: " + err.Error()}
}

// value reads one value; line is the line of its key (0 for array items
// and the top level, which take their own).
func (p *jsonParser) value(key string, depth int) (*Node, error) {
	if depth > maxJSONDepth {
		return nil, &ParseError{Line: p.here(), Message: "JSON nested too deeply"}
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.fail(err)
	}
	line := p.here()
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := newObject(key, line)
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.fail(err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, p.fail(errors.New("object key is not a string"))
				}
				kl := p.here()
				v, err := p.value(k, depth+1)
				if err != nil {
					return nil, err
				}
				v.Line = kl
				n.set(k, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.fail(err)
			}
			return n, nil
		case '[':
			n := &Node{Key: key, Line: line, kind: kindList}
			for p.dec.More() {
				v, err := p.value(key, depth+1)
				if err != nil {
					return nil, err
				}
				n.Items = append(n.Items, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.fail(err)
			}
			return n, nil
		}
		return nil, p.fail(fmt.Errorf("unexpected %v", t))
	case nil:
		return &Node{Key: key, Line: line, kind: kindNull}, nil
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return &Node{Key: key, Line: line, kind: kindScalar, Scalar: t.String()}, nil
		}
		return &Node{Key: key, Line: line, kind: kindScalar, Scalar: f}, nil
	default:
		return &Node{Key: key, Line: line, kind: kindScalar, Scalar: t}, nil
	}
}
