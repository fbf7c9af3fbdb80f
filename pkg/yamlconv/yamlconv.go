// Package yamlconv turns parsed YAML trees into the JSON-like values the API
// server sees after its YAML-to-JSON step, with bounds on alias expansion
// and nesting so that hostile documents cannot exhaust memory.
package yamlconv

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// Converter turns a parsed YAML tree into JSON-like Go values. It counts
// every value it produces so that aliases cannot expand a small document
// into a huge one (the "billion laughs" attack), and it bounds nesting.
// One Converter serves one document: the budget is shared by all calls.
type Converter struct {
	// Budget is how many values may still be produced.
	Budget int
	// MaxDepth bounds nesting.
	MaxDepth int
	// ErrLine is the document line of the last error.
	ErrLine int
}

// ErrBudget is returned when aliases expand a document beyond its budget.
var ErrBudget = errors.New("document expands to too many values through YAML aliases (a YAML bomb?)")

// Bounds walks a whole tree as a conversion would (following aliases) and
// fails once it would produce more than budget values or nest deeper than
// maxDepth. Decoding into typed objects skips fields it does not know, so
// this runs first to judge the document as a whole. It allocates nothing.
func Bounds(n *yaml.Node, budget, maxDepth int) (errLine int, err error) {
	var walk func(n *yaml.Node, depth int) error
	walk = func(n *yaml.Node, depth int) error {
		budget--
		if budget < 0 {
			errLine = n.Line
			return ErrBudget
		}
		if depth > maxDepth {
			errLine = n.Line
			return fmt.Errorf("document nests deeper than %d levels", maxDepth)
		}
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return nil
			}
			return walk(n.Alias, depth+1)
		}
		for i, c := range n.Content {
			d := depth + 1
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				d = depth // a key sits at its mapping's depth; its value is one deeper
			}
			if err := walk(c, d); err != nil {
				return err
			}
		}
		return nil
	}
	err = walk(n, 0)
	return errLine, err
}

// Value converts a node (and everything below it) at a nesting depth.
func (c *Converter) Value(n *yaml.Node, depth int) (any, error) {
	return c.convert(n, depth)
}

// Spend charges the budget for n values (for callers that walk nodes
// themselves) and reports whether it still holds.
func (c *Converter) Spend(n *yaml.Node, values int) error {
	c.Budget -= values
	if c.Budget < 0 {
		c.ErrLine = n.Line
		return ErrBudget
	}
	return nil
}

func (c *Converter) convert(n *yaml.Node, depth int) (any, error) {
	c.Budget--
	if c.Budget < 0 {
		c.ErrLine = n.Line
		return nil, ErrBudget
	}
	if depth > c.MaxDepth {
		c.ErrLine = n.Line
		return nil, fmt.Errorf("document nests deeper than %d levels", c.MaxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, nil
		}
		return c.convert(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
				if err := c.merge(m, v, depth); err != nil {
					return nil, err
				}
				continue
			}
			key, err := c.key(k)
			if err != nil {
				return nil, err
			}
			val, err := c.convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			m[key] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.convert(e, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, nil
}

// merge applies a "<<" merge key: explicit keys win over merged ones.
func (c *Converter) merge(m map[string]any, v *yaml.Node, depth int) error {
	var sources []*yaml.Node
	if v.Kind == yaml.SequenceNode {
		sources = v.Content
	} else {
		sources = []*yaml.Node{v}
	}
	for _, s := range sources {
		mv, err := c.convert(s, depth+1)
		if err != nil {
			return err
		}
		mm, ok := mv.(map[string]any)
		if !ok {
			c.ErrLine = s.Line
			return errors.New("merge key << needs a mapping")
		}
		for k, val := range mm {
			if _, exists := m[k]; !exists {
				m[k] = val
			}
		}
	}
	return nil
}

func (c *Converter) key(k *yaml.Node) (string, error) {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		c.ErrLine = k.Line
		return "", errors.New("mapping key is not a scalar")
	}
	// JSON object keys are strings; YAML 1.1-style keys such as "on" or 1 become their text.
	return k.Value, nil
}

// yaml11Bools are YAML 1.1's boolean words that YAML 1.2 reads as strings.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

// Key returns the name a mapping key has in the JSON the API server
// receives. kubectl and the other Kubernetes tools read YAML with
// sigs.k8s.io/yaml, which resolves plain keys as YAML 1.1 does and then
// writes the ones that are not strings as text: a plain y, yes or On key
// becomes "true", 0x1F "31", 010 "8", 1.0 "1". The API server therefore
// reports such a misplaced key as unknown field "spec.true", and stores a
// label written as on: x under the key "true". Quoted and explicitly tagged
// keys, and keys that do not resolve to a boolean or a number, keep their
// text; so do null keys and integers beyond int64, which sigs.k8s.io/yaml
// refuses altogether.
//
// (Found by test/oracle, which compares rampart's unknown-field paths with
// the API server's strict field validation.)
func Key(n *yaml.Node) string {
	n = Deref(n)
	in := n.Value
	if n.Kind != yaml.ScalarNode || in == "" ||
		n.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return in
	}
	switch c := in[0]; {
	case c == '.' || c == '+' || c == '-' || c >= '0' && c <= '9':
		switch in {
		case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
			return ".inf"
		case "-.inf", "-.Inf", "-.INF":
			return "-.inf"
		case ".nan", ".NaN", ".NAN":
			return ".nan"
		}
		if c == '.' {
			if f, err := strconv.ParseFloat(in, 64); err == nil {
				return float32Text(f)
			}
			return in
		}
		if yaml11Timestamp(in) {
			return in // decoded into an interface, a timestamp stays a string
		}
		plain := strings.ReplaceAll(in, "_", "")
		if v, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return strconv.FormatInt(v, 10)
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return in
		}
		if yaml11Float.MatchString(plain) {
			if f, err := strconv.ParseFloat(plain, 64); err == nil {
				return float32Text(f)
			}
		}
		if strings.HasPrefix(plain, "-0b") {
			if v, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return strconv.FormatInt(v, 10)
			}
		}
		return in
	case strings.IndexByte("yYnNtTfFoO", c) >= 0:
		if b, ok := yaml11Bools[in]; ok {
			return strconv.FormatBool(b)
		}
		switch in {
		case "true", "True", "TRUE":
			return "true"
		case "false", "False", "FALSE":
			return "false"
		}
	}
	return in
}

// yaml11Float is the float syntax of YAML 1.1 as go-yaml v2 reads it.
var yaml11Float = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// float32Text writes a float key as sigs.k8s.io/yaml does.
func float32Text(f float64) string {
	switch s := strconv.FormatFloat(f, 'g', -1, 32); s {
	case "+Inf":
		return ".inf"
	case "-Inf":
		return "-.inf"
	case "NaN":
		return ".nan"
	default:
		return s
	}
}

// yaml11Timestamp reports whether go-yaml v2 reads a plain scalar as a timestamp.
func yaml11Timestamp(s string) bool {
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, layout := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// Deref follows aliases to the node they name (bounded, for alias chains).
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// Scalar resolves a scalar node into int64, float64, bool, string or nil.
func Scalar(n *yaml.Node) (any, error) { return scalar(n) }

// scalar resolves a scalar as YAML 1.2's core schema does (yaml.v3's rules),
// into the JSON types Kubernetes uses: int64, float64, bool, string, nil.
func scalar(n *yaml.Node) (any, error) {
	tag := n.ShortTag()
	if tag == "!!str" && n.Style == 0 {
		// Kubernetes reads YAML with sigs.k8s.io/yaml, which follows YAML
		// 1.1: plain yes, no, on, off, y and n are booleans there. Judge
		// "privileged: yes" as the API server would: privileged.
		if b, ok := yaml11Bools[n.Value]; ok {
			return b, nil
		}
	}
	switch tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return n.Value, nil
	case "!!int":
		s := strings.ReplaceAll(n.Value, "_", "")
		if v, err := strconv.ParseInt(s, 0, 64); err == nil {
			return v, nil
		}
		if strings.HasPrefix(s, "0o") || strings.HasPrefix(s, "-0o") {
			if v, err := strconv.ParseInt(strings.Replace(s, "0o", "0", 1), 8, 64); err == nil {
				return v, nil
			}
		}
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return v, nil
		}
		return n.Value, nil
	case "!!float":
		switch strings.ToLower(n.Value) {
		case ".inf", "+.inf":
			return math.Inf(1), nil
		case "-.inf":
			return math.Inf(-1), nil
		case ".nan":
			return math.NaN(), nil
		}
		if v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 && !strings.ContainsAny(n.Value, ".eE") {
				return int64(v), nil
			}
			return v, nil
		}
		return n.Value, nil
	default: // !!str, !!timestamp, !!binary and custom tags keep their text
		return n.Value, nil
	}
}

// Kind names a value's JSON type for messages; values are never printed.
func Kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, float64:
		return "number"
	case []any:
		return "list"
	case map[string]any:
		return "mapping"
	}
	return fmt.Sprintf("%T", v)
}
