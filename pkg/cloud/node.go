// Package cloud reads managed Kubernetes clusters (EKS, GKE, AKS) from the
// places teams describe them: Terraform files (HCL, evaluated as far as the
// files allow), Terraform plan JSON (terraform show -json) and the JSON of
// the clouds' own CLIs (aws eks describe-cluster, gcloud container clusters
// describe, az aks show). Each becomes a Cluster: the settings that matter
// for security, each with the path and line where it is written, or where
// it would be written when the default applies, and marked unknown when the
// input does not determine it.
package cloud

import (
	"strconv"
	"strings"
)

// nodeKind is the shape of a Node.
type nodeKind int

const (
	kindNull nodeKind = iota
	kindScalar
	kindObject
	kindList
	kindUnknown
)

// Node is a value read from a configuration, with where it was written. A
// Terraform block becomes a list of objects, as in plan JSON.
type Node struct {
	// Key is the name as written (for paths in findings).
	Key  string
	Line int
	kind nodeKind
	// Scalar is a string, bool or float64.
	Scalar any
	// fields are keyed by lower-case name, so that camelCase and PascalCase
	// spellings of one API field are the same.
	fields map[string]*Node
	order  []string
	Items  []*Node
	// Expr is, for an unknown value, the expression as written.
	Expr string
	// Maybe marks a block that may or may not exist: a dynamic block whose
	// for_each is not known.
	Maybe bool
	// blocks marks a list made of HCL blocks (paths leave out [0] then).
	blocks bool
	// Refs are the resources an expression refers to (type.name).
	Refs []string
}

func newObject(key string, line int) *Node {
	return &Node{Key: key, Line: line, kind: kindObject, fields: map[string]*Node{}}
}

func newUnknown(key string, line int, expr string) *Node {
	return &Node{Key: key, Line: line, kind: kindUnknown, Expr: expr}
}

// set adds or replaces a field of an object node.
func (n *Node) set(key string, v *Node) {
	if n.fields == nil {
		n.fields = map[string]*Node{}
	}
	lk := strings.ToLower(key)
	if _, ok := n.fields[lk]; !ok {
		n.order = append(n.order, lk)
	}
	v.Key = key
	n.fields[lk] = v
}

// Field returns an object's field by name, whatever its case, or nil.
func (n *Node) Field(key string) *Node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	return n.fields[strings.ToLower(key)]
}

// Keys returns an object's field names as written, in input order.
func (n *Node) Keys() []string {
	if n == nil {
		return nil
	}
	out := make([]string, 0, len(n.order))
	for _, k := range n.order {
		out = append(out, n.fields[k].Key)
	}
	return out
}

// IsUnknown reports whether the value is not determined by the input.
func (n *Node) IsUnknown() bool { return n != nil && n.kind == kindUnknown }

// IsNull reports whether the node is absent or null.
func (n *Node) IsNull() bool { return n == nil || n.kind == kindNull }

// IsList reports whether the node is a list (or a set of blocks).
func (n *Node) IsList() bool { return n != nil && n.kind == kindList }

// IsObject reports whether the node is an object or a block.
func (n *Node) IsObject() bool { return n != nil && n.kind == kindObject }

// String returns a scalar as text ("" for others).
func (n *Node) String() string {
	if n == nil || n.kind != kindScalar {
		return ""
	}
	switch v := n.Scalar.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// Value is a setting looked up along a path: present, absent (the default
// applies) or unknown.
type Value struct {
	Node *Node
	// Path is where the setting is, or would be, written.
	Path string
	// Line is the setting's line, or the line of the nearest enclosing
	// block that is written (where the author would add it).
	Line int
	// Unknown is set when the input does not determine the value; Expr
	// then holds the expression that could not be resolved.
	Unknown bool
	Expr    string
}

// Present reports whether the setting is written and known.
func (v Value) Present() bool { return !v.Unknown && !v.Node.IsNull() }

// BlockPresent reports whether a nested block is written: a plan writes a
// block the configuration leaves out as an empty list, which is no block
// (for attributes, an empty list is a value: use Present).
func (v Value) BlockPresent() bool {
	return v.Present() && !(v.Node.IsList() && len(v.Node.Items) == 0)
}

// Bool returns the setting as a boolean (strings "true"/"false" too), def
// when absent, and ok=false when unknown or not a boolean.
func (v Value) Bool(def bool) (val, ok bool) {
	if v.Unknown {
		return false, false
	}
	if v.Node.IsNull() {
		return def, true
	}
	if v.Node.kind != kindScalar {
		return false, false
	}
	switch s := v.Node.Scalar.(type) {
	case bool:
		return s, true
	case string:
		if b, err := strconv.ParseBool(s); err == nil {
			return b, true
		}
	}
	return false, false
}

// Str returns the setting as text, def when absent, ok=false when unknown.
func (v Value) Str(def string) (string, bool) {
	if v.Unknown {
		return "", false
	}
	if v.Node.IsNull() {
		return def, true
	}
	if v.Node.kind != kindScalar {
		return "", false
	}
	return v.Node.String(), true
}

// Strings returns a list of scalars (a single scalar is a list of one).
// ok is false when the list or one of its items is unknown.
func (v Value) Strings() (list []string, ok bool) {
	if v.Unknown {
		return nil, false
	}
	n := v.Node
	switch {
	case n.IsNull():
		return nil, true
	case n.kind == kindScalar:
		return []string{n.String()}, true
	case n.kind != kindList:
		return nil, false
	}
	for _, it := range n.Items {
		switch it.kind {
		case kindUnknown:
			return nil, false
		case kindScalar:
			list = append(list, it.String())
		}
	}
	return list, true
}

// Items returns the elements of a list setting (blocks or values) with
// their paths; a single object counts as a list of one.
func (v Value) Items() []Value {
	if v.Unknown || v.Node.IsNull() {
		return nil
	}
	n := v.Node
	if n.kind != kindList {
		return []Value{v}
	}
	out := make([]Value, 0, len(n.Items))
	for i, it := range n.Items {
		p := v.Path
		if !(n.blocks && len(n.Items) == 1) {
			p += "[" + strconv.Itoa(i) + "]"
		}
		iv := Value{Node: it, Path: p, Line: it.Line}
		if it.kind == kindUnknown {
			iv.Unknown, iv.Expr = true, it.Expr
		}
		if it.Maybe {
			iv.Unknown, iv.Expr = true, "dynamic \""+n.Key+"\" block whose for_each is not known"
		}
		out = append(out, iv)
	}
	return out
}

// Get looks a path up from this value (see Lookup).
func (v Value) Get(path ...string) Value {
	if v.Unknown {
		return Value{Path: joinPath(v.Path, path...), Line: v.Line, Unknown: true, Expr: v.Expr}
	}
	return lookup(v.Node, v.Path, v.Line, path...)
}

// Lookup walks a path of field names from n. A list of blocks on the way
// is entered at its first element (settings blocks such as vpc_config
// appear once). An absent field gives an absent Value with the path where
// it would be written and the line of its nearest written parent; anything
// unknown on the way gives an unknown Value.
func Lookup(n *Node, base string, path ...string) Value {
	line := 0
	if n != nil {
		line = n.Line
	}
	return lookup(n, base, line, path...)
}

func lookup(n *Node, base string, line int, path ...string) Value {
	cur, p := n, base
	for i, seg := range path {
		if cur != nil && cur.kind == kindList {
			if len(cur.Items) == 0 {
				return Value{Path: joinPath(p, path[i:]...), Line: line}
			}
			first := cur.Items[0]
			if !(cur.blocks && len(cur.Items) == 1) {
				p += "[0]"
			}
			if first.Maybe {
				return Value{Path: joinPath(p, path[i:]...), Line: first.Line, Unknown: true,
					Expr: "dynamic \"" + cur.Key + "\" block whose for_each is not known"}
			}
			cur = first
			if cur.Line > 0 {
				line = cur.Line
			}
		}
		if cur.IsUnknown() {
			return Value{Path: joinPath(p, path[i:]...), Line: line, Unknown: true, Expr: cur.Expr}
		}
		next := cur.Field(seg)
		if next.IsNull() {
			return Value{Path: joinPath(p, path[i:]...), Line: line}
		}
		p = joinPath(p, next.Key)
		cur = next
		if cur.Line > 0 {
			line = cur.Line
		}
	}
	v := Value{Node: cur, Path: p, Line: line}
	if cur.IsUnknown() {
		v.Unknown, v.Expr = true, cur.Expr
	}
	return v
}

func joinPath(base string, segs ...string) string {
	out := base
	for _, s := range segs {
		if out == "" {
			out = s
		} else {
			out += "." + s
		}
	}
	return out
}
