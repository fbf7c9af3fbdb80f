// Package schema decodes objects into their Kubernetes API types strictly,
// the way the API server's strict field validation does, and records every
// unknown field and wrongly typed value with its path instead of stopping at
// the first one. It also knows which apiVersion/kind pairs Kubernetes serves.
package schema

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/yamlconv"
	yaml "go.yaml.in/yaml/v3"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	policyv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// Scheme is the set of built-in types rampart decodes into: client-go's
// types, CustomResourceDefinitions, and the AdminNetworkPolicy API
// (policy.networking.k8s.io/v1alpha1: AdminNetworkPolicy and
// BaselineAdminNetworkPolicy, custom resources of SIG Network that the
// NetworkPolicy engine evaluates). It is rampart's own: client-go's
// global scheme is changed by whatever else registers into it (Helm adds
// CRDs there), and what counts as built-in must not depend on imports.
var Scheme = newScheme()

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(scheme.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	utilruntime.Must(policyv1alpha1.Install(s))
	return s
}

// Recognizes reports whether apiVersion/kind is a built-in type that Decode fills.
func Recognizes(apiVersion, kind string) bool {
	return Scheme.Recognizes(k8sschema.FromAPIVersionAndKind(apiVersion, kind))
}

// Decode fills obj.Typed straight from the parsed YAML node, without an
// intermediate map, and records obj.FieldIssues. Fields with problems are
// left out of Typed, so the rest of the object is still checked. Every node
// visited is charged to conv's budget, so aliases cannot blow it up. It
// returns an error only when the budget is exhausted.
func Decode(obj *inventory.Object, n *yaml.Node, conv *yamlconv.Converter) error {
	gvk := obj.GVK()
	if !Scheme.Recognizes(gvk) {
		return nil
	}
	typed, err := Scheme.New(gvk)
	if err != nil {
		return nil
	}
	d := decoder{conv: conv}
	d.value(n, reflect.ValueOf(typed).Elem(), reflect.TypeOf(typed).Elem(), 0)
	if d.err != nil {
		return d.err
	}
	obj.Typed = typed
	obj.FieldIssues = d.issues
	applyDefaults(obj)
	return nil
}

type decoder struct {
	conv   *yamlconv.Converter
	err    error    // budget exhausted: stop
	path   []string // segments; indexes as "[3]"
	issues []inventory.FieldIssue
}

func (d *decoder) push(seg string) { d.path = append(d.path, seg) }
func (d *decoder) pop()            { d.path = d.path[:len(d.path)-1] }

// mapKeySegment writes a map key (a label, an annotation) as a path segment:
// bracketed and quoted when it holds characters that paths use, such as the
// dots of app.kubernetes.io/name, so that SplitFieldPath gets it back whole.
func mapKeySegment(k string) string {
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "[" + strconv.Quote(k) + "]"
		}
	}
	return k
}

func joinPath(segs []string) string {
	var b strings.Builder
	for i, s := range segs {
		if i > 0 && !strings.HasPrefix(s, "[") {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func (d *decoder) invalid(msg string) {
	p := joinPath(d.path)
	field := ""
	if len(d.path) > 0 {
		field = d.path[len(d.path)-1]
	}
	d.issues = append(d.issues, inventory.FieldIssue{Path: p, Parent: joinPath(d.path[:max(len(d.path)-1, 0)]), Field: field, Message: msg})
}

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	bytesType       = reflect.TypeFor[[]byte]()
)

// nodeKind names a node's JSON type for messages; values are never printed.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "object"
	case yaml.SequenceNode:
		return "array"
	}
	v, _ := yamlconv.Scalar(n)
	return yamlconv.Kind(v)
}

func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		return t.Name()
	case reflect.Slice:
		if t == bytesType {
			return "base64 string"
		}
		return "array"
	case reflect.Map:
		return "object"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return t.String()
}

// pair is one mapping entry.
type pair struct{ key, value *yaml.Node }

// pairs lists a mapping's entries in document order, applying "<<" merge
// keys the way YAML does (explicit keys win over merged ones).
func (d *decoder) pairs(n *yaml.Node) []pair {
	out := make([]pair, 0, len(n.Content)/2)
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			merged = append(merged, v)
			continue
		}
		out = append(out, pair{k, v})
	}
	for _, m := range merged {
		srcs := []*yaml.Node{m}
		if yamlconv.Deref(m).Kind == yaml.SequenceNode {
			srcs = yamlconv.Deref(m).Content
		}
		for _, src := range srcs {
			src = yamlconv.Deref(src)
			if src.Kind != yaml.MappingNode {
				continue
			}
			for _, p := range d.pairs(src) {
				if !slicesContainsKey(out, yamlconv.Key(p.key)) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

func slicesContainsKey(ps []pair, k string) bool {
	for _, p := range ps {
		if yamlconv.Key(p.key) == k {
			return true
		}
	}
	return false
}

// value decodes node n into dst (settable, of type t), reporting and
// skipping values that do not fit.
func (d *decoder) value(n *yaml.Node, dst reflect.Value, t reflect.Type, depth int) {
	if d.err != nil {
		return
	}
	if d.err = d.conv.Spend(n, 1); d.err != nil {
		return
	}
	n = yamlconv.Deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // null leaves the zero value, as encoding/json does
	}
	// Types with their own JSON form (Quantity, Time, IntOrString, RawExtension, ...).
	if hasOwnJSON(t) {
		v, err := d.conv.Value(n, depth)
		if err != nil {
			d.err = err
			return
		}
		b, err := json.Marshal(v)
		if err == nil {
			err = dst.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(b)
		}
		if err != nil {
			d.invalid(fmt.Sprintf("invalid value for %s: %s", typeName(t), cleanErr(err)))
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := reflect.New(t.Elem())
		before := len(d.issues)
		d.value(n, elem.Elem(), t.Elem(), depth)
		if len(d.issues) == before || t.Elem().Kind() == reflect.Struct {
			dst.Set(elem)
		}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.invalid(fmt.Sprintf("expected %s (an object), got %s", typeName(t), nodeKind(n)))
			return
		}
		fields := fieldsOf(t)
		seen := make(map[string]bool, len(n.Content)/2)
		for _, p := range d.pairs(n) {
			// Keys are matched and reported as they reach the API server
			// after kubectl's YAML-to-JSON step: a plain y: is "true" there.
			k := yamlconv.Key(p.key)
			d.push(k)
			f, ok := fields.byName[k]
			switch {
			case p.key.Kind != yaml.ScalarNode:
				d.invalid("mapping key is not a string")
			case !ok:
				d.issues = append(d.issues, inventory.FieldIssue{Unknown: true, Path: joinPath(d.path),
					Parent: joinPath(d.path[:len(d.path)-1]), ParentType: t.Name(), Field: k,
					Message: fmt.Sprintf("unknown field %q", k)})
			default:
				if seen[k] {
					// YAML-to-JSON conversion keeps the last value; strict
					// validation on the API server rejects the object.
					d.invalid(fmt.Sprintf("field %q is given twice; the last value is used, and strict validation rejects the object", k))
					fv := dst.FieldByIndex(f.index)
					fv.Set(reflect.Zero(fv.Type()))
				}
				seen[k] = true
				d.value(p.value, dst.FieldByIndex(f.index), f.typ, depth+1)
			}
			d.pop()
		}
	case reflect.Slice:
		if t == bytesType {
			v, _ := yamlconv.Scalar(n)
			s, ok := v.(string)
			if n.Kind != yaml.ScalarNode || !ok {
				d.invalid("expected a base64 string, got " + nodeKind(n))
				return
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				d.invalid("invalid base64 data")
				return
			}
			dst.SetBytes(b)
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.invalid(fmt.Sprintf("expected an array of %s, got %s", typeName(t.Elem()), nodeKind(n)))
			return
		}
		out := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, e := range n.Content {
			d.push("[" + strconv.Itoa(i) + "]")
			d.value(e, out.Index(i), t.Elem(), depth+1)
			d.pop()
		}
		dst.Set(out)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.invalid(fmt.Sprintf("expected an object, got %s", nodeKind(n)))
			return
		}
		ps := d.pairs(n)
		out := reflect.MakeMapWithSize(t, len(ps))
		for _, p := range ps {
			// A label written as on: x is stored under "true" (see yamlconv.Key).
			key := yamlconv.Key(p.key)
			d.push(mapKeySegment(key))
			ev := reflect.New(t.Elem()).Elem()
			before := len(d.issues)
			d.value(p.value, ev, t.Elem(), depth+1)
			if len(d.issues) == before {
				out.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), ev)
			}
			d.pop()
		}
		dst.Set(out)
	case reflect.Interface:
		v, err := d.conv.Value(n, depth)
		if err != nil {
			d.err = err
			return
		}
		if v != nil {
			dst.Set(reflect.ValueOf(v))
		}
	default:
		d.scalarValue(n, dst, t)
	}
}

// scalarValue decodes strings, booleans and numbers.
func (d *decoder) scalarValue(n *yaml.Node, dst reflect.Value, t reflect.Type) {
	var raw any
	if n.Kind == yaml.ScalarNode {
		raw, _ = yamlconv.Scalar(n)
	}
	got := nodeKind(n)
	switch t.Kind() {
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			d.invalid(fmt.Sprintf("expected a string, got %s", got))
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			d.invalid(fmt.Sprintf("expected a boolean (true or false), got %s", got))
			return
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v, ok := asInt(raw)
		if !ok || dst.OverflowInt(v) {
			d.invalid(fmt.Sprintf("expected an integer, got %s", got))
			return
		}
		dst.SetInt(v)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v, ok := asInt(raw)
		if !ok || v < 0 || dst.OverflowUint(uint64(v)) {
			d.invalid(fmt.Sprintf("expected a non-negative integer, got %s", got))
			return
		}
		dst.SetUint(uint64(v))
	case reflect.Float32, reflect.Float64:
		switch v := raw.(type) {
		case float64:
			dst.SetFloat(v)
		case int64:
			dst.SetFloat(float64(v))
		default:
			d.invalid(fmt.Sprintf("expected a number, got %s", got))
		}
	default:
		d.invalid("unsupported type " + t.String())
	}
}

var ownJSONCache sync.Map // reflect.Type -> bool

// hasOwnJSON reports whether a (non-pointer) type decodes itself from JSON;
// cached because the question is asked for every value.
func hasOwnJSON(t reflect.Type) bool {
	if v, ok := ownJSONCache.Load(t); ok {
		return v.(bool)
	}
	own := t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(unmarshalerType)
	ownJSONCache.Store(t, own)
	return own
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

func cleanErr(err error) string {
	s := err.Error()
	// Some UnmarshalJSON errors quote the input; keep only the first clause.
	if i := strings.Index(s, ": "); i > 0 && len(s) > 120 {
		s = s[:i]
	}
	return s
}

type fieldInfo struct {
	index []int
	typ   reflect.Type
}

type structFields struct {
	byName map[string]fieldInfo
}

var fieldCache sync.Map // reflect.Type -> *structFields

// fieldsOf maps JSON names to fields, flattening inline (embedded) structs,
// exactly as the JSON tags of k8s.io/api declare them. Matching is
// case-sensitive like the API server's decoder.
func fieldsOf(t reflect.Type) *structFields {
	if v, ok := fieldCache.Load(t); ok {
		return v.(*structFields)
	}
	sf := &structFields{byName: map[string]fieldInfo{}}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(append([]int{}, prefix...), i)
			if tag == "-" {
				continue
			}
			if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := sf.byName[name]; !dup {
				sf.byName[name] = fieldInfo{index: idx, typ: f.Type}
			}
		}
	}
	walk(t, nil)
	v, _ := fieldCache.LoadOrStore(t, sf)
	return v.(*structFields)
}

// TypeFor returns the Go type of a built-in kind, or nil.
func TypeFor(gvk k8sschema.GroupVersionKind) reflect.Type {
	if !Scheme.Recognizes(gvk) {
		return nil
	}
	o, err := Scheme.New(gvk)
	if err != nil {
		return nil
	}
	return reflect.TypeOf(o).Elem()
}
