// Package schema decodes objects into their Kubernetes API types strictly,
// the way the API server's strict field validation does, and records every
// unknown field and wrongly typed value with its path instead of stopping at
// the first one. It also knows which apiVersion/kind pairs Kubernetes serves.
package schema

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// Scheme is the set of built-in types rampart decodes into.
var Scheme = scheme.Scheme

// Decode fills obj.Typed from obj.Raw when the kind is a built-in one and
// records obj.FieldIssues. Fields with problems are left out of Typed, so
// the rest of the object is still checked.
func Decode(obj *inventory.Object) {
	gvk := obj.GVK()
	if !Scheme.Recognizes(gvk) {
		return
	}
	typed, err := Scheme.New(gvk)
	if err != nil {
		return
	}
	d := decoder{}
	d.value(reflect.ValueOf(obj.Raw), reflect.ValueOf(typed).Elem(), reflect.TypeOf(typed).Elem())
	obj.Typed = typed
	obj.FieldIssues = d.issues
	applyDefaults(obj)
}

type decoder struct {
	path   []string // segments; indexes as "[3]"
	issues []inventory.FieldIssue
}

func (d *decoder) push(seg string) { d.path = append(d.path, seg) }
func (d *decoder) pop()            { d.path = d.path[:len(d.path)-1] }

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

// jsonKind names a raw value's JSON type for messages; values are never printed.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, int, float64:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
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

// value decodes src into dst (settable, of type t). It reports and skips
// values that do not fit.
func (d *decoder) value(src reflect.Value, dst reflect.Value, t reflect.Type) {
	if src.Kind() == reflect.Interface {
		src = src.Elem()
	}
	if !src.IsValid() { // JSON null leaves the zero value, as encoding/json does
		return
	}
	raw := src.Interface()
	// Types with their own JSON form (Quantity, Time, IntOrString, RawExtension, ...).
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(unmarshalerType) {
		b, err := json.Marshal(raw)
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
		d.value(src, elem.Elem(), t.Elem())
		if len(d.issues) == before || t.Elem().Kind() == reflect.Struct {
			dst.Set(elem)
		}
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			d.invalid(fmt.Sprintf("expected %s (an object), got %s", typeName(t), jsonKind(raw)))
			return
		}
		fields := fieldsOf(t)
		for _, k := range sortedKeys(m) {
			d.push(k)
			f, ok := fields.byName[k]
			if !ok {
				d.issues = append(d.issues, inventory.FieldIssue{Unknown: true, Path: joinPath(d.path),
					Parent: joinPath(d.path[:len(d.path)-1]), ParentType: t.Name(), Field: k,
					Message: fmt.Sprintf("unknown field %q", k)})
				d.pop()
				continue
			}
			fv := dst.FieldByIndex(f.index)
			d.value(reflect.ValueOf(m[k]), fv, f.typ)
			d.pop()
		}
	case reflect.Slice:
		if t == bytesType {
			s, ok := raw.(string)
			if !ok {
				d.invalid("expected a base64 string, got " + jsonKind(raw))
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
		arr, ok := raw.([]any)
		if !ok {
			d.invalid(fmt.Sprintf("expected an array of %s, got %s", typeName(t.Elem()), jsonKind(raw)))
			return
		}
		out := reflect.MakeSlice(t, len(arr), len(arr))
		for i, e := range arr {
			d.push("[" + strconv.Itoa(i) + "]")
			d.value(reflect.ValueOf(e), out.Index(i), t.Elem())
			d.pop()
		}
		dst.Set(out)
	case reflect.Map:
		m, ok := raw.(map[string]any)
		if !ok {
			d.invalid(fmt.Sprintf("expected an object, got %s", jsonKind(raw)))
			return
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for _, k := range sortedKeys(m) {
			d.push(k)
			ev := reflect.New(t.Elem()).Elem()
			before := len(d.issues)
			d.value(reflect.ValueOf(m[k]), ev, t.Elem())
			if len(d.issues) == before {
				out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
			}
			d.pop()
		}
		dst.Set(out)
	case reflect.Interface:
		dst.Set(reflect.ValueOf(raw))
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			d.invalid(fmt.Sprintf("expected a string, got %s", jsonKind(raw)))
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			d.invalid(fmt.Sprintf("expected a boolean (true or false), got %s", jsonKind(raw)))
			return
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := asInt(raw)
		if !ok || dst.OverflowInt(n) {
			d.invalid(fmt.Sprintf("expected an integer, got %s", jsonKind(raw)))
			return
		}
		dst.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := asInt(raw)
		if !ok || n < 0 || dst.OverflowUint(uint64(n)) {
			d.invalid(fmt.Sprintf("expected a non-negative integer, got %s", jsonKind(raw)))
			return
		}
		dst.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		switch n := raw.(type) {
		case float64:
			dst.SetFloat(n)
		case int64:
			dst.SetFloat(float64(n))
		default:
			d.invalid(fmt.Sprintf("expected a number, got %s", jsonKind(raw)))
		}
	default:
		d.invalid("unsupported type " + t.String())
	}
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

// sortedKeys keeps issue order deterministic; maps of a manifest are small.
func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
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
