package schema

import (
	"reflect"
	"slices"
	"strings"
	"sync"
)

// fieldPaths maps a field name to every path where a type declares it, with
// [*] for array elements, such as spec.template.spec.containers[*].securityContext.readOnlyRootFilesystem.
type fieldPaths map[string][]string

var pathCache sync.Map // reflect.Type -> fieldPaths

const maxSchemaDepth = 16

func pathsOf(root reflect.Type) fieldPaths {
	if v, ok := pathCache.Load(root); ok {
		return v.(fieldPaths)
	}
	fp := fieldPaths{}
	var walk func(t reflect.Type, prefix string, depth int, seen []reflect.Type)
	walk = func(t reflect.Type, prefix string, depth int, seen []reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice && t != bytesType {
			if t.Kind() == reflect.Slice {
				prefix += "[*]"
			}
			t = t.Elem()
		}
		if t.Kind() == reflect.Map {
			return
		}
		if t.Kind() != reflect.Struct || depth > maxSchemaDepth || slices.Contains(seen, t) || hasOwnJSON(t) {
			return
		}
		seen = append(seen, t)
		for name, f := range fieldsOf(t).byName {
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			fp[name] = append(fp[name], p)
			walk(f.typ, p, depth+1, seen)
		}
	}
	walk(root, "", 0, nil)
	for _, v := range fp {
		slices.Sort(v)
	}
	v, _ := pathCache.LoadOrStore(root, fp)
	return v.(fieldPaths)
}

// GenericPath replaces indexes with [*] so that paths can be compared with schema paths.
func GenericPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '[' {
			if j := strings.IndexByte(p[i:], ']'); j > 0 {
				b.WriteString("[*]")
				i += j
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Suggestion says where an unknown field belongs.
type Suggestion struct {
	// Paths are schema paths (with [*]) where a field of that name exists,
	// closest to where it was written first.
	Paths []string
	// Spelling is the field's correct spelling when only letter case is wrong.
	Spelling string
}

// Suggest finds where an unknown field was probably meant to go in an
// object of type root: the same name elsewhere in the schema, preferring
// places that share the longest prefix with where it was written.
func Suggest(root reflect.Type, issuePath, parentPath, field string) Suggestion {
	var s Suggestion
	if root == nil {
		return s
	}
	fp := pathsOf(root)
	name := field
	if _, ok := fp[name]; !ok {
		for k := range fp {
			if strings.EqualFold(k, field) {
				name, s.Spelling = k, k
				break
			}
		}
	}
	cands := fp[name]
	if len(cands) == 0 {
		return s
	}
	written := GenericPath(parentPath)
	best := -1
	for _, c := range cands {
		if c == GenericPath(issuePath) {
			continue
		}
		score := commonPrefix(written, c)
		switch {
		case score > best:
			best, s.Paths = score, []string{c}
		case score == best:
			s.Paths = append(s.Paths, c)
		}
	}
	slices.SortStableFunc(s.Paths, func(a, b string) int { return len(a) - len(b) })
	if len(s.Paths) > 3 {
		s.Paths = s.Paths[:3]
	}
	return s
}

// commonPrefix counts shared leading path segments.
func commonPrefix(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] {
		n++
	}
	return n
}

// securityFields are settings whose absence weakens a workload or a
// service wherever they are written.
var securityFields = map[string]bool{
	"hostnetwork": true, "hostpid": true, "hostipc": true, "hostusers": true,
	"automountserviceaccounttoken": true, "privileged": true, "allowprivilegeescalation": true,
	"readonlyrootfilesystem": true, "runasnonroot": true, "runasuser": true, "runasgroup": true,
	"capabilities": true, "seccompprofile": true, "apparmorprofile": true, "selinuxoptions": true,
	"procmount": true, "windowsoptions": true, "sysctls": true, "loadbalancersourceranges": true,
	"serviceaccountname": true, "runtimeclassname": true, "securitycontext": true,
}

// IsSecuritySetting reports whether a misplaced or mistyped field is a
// security setting, so that it can be reported with a higher severity: the
// protection the author meant is not applied. It is one when the object is
// a security kind (NetworkPolicy, RBAC, ...), when it sits in (or belongs
// in) a securityContext, or when it is a pod- or service-level security
// setting by name. A field name alone such as "type" or "add" is not enough.
func IsSecuritySetting(kind, path, field string, belongsIn []string) bool {
	if SecurityKinds[kind] || securityFields[strings.ToLower(field)] || strings.Contains(path, "securityContext") {
		return true
	}
	for _, p := range belongsIn {
		if strings.Contains(p, "securityContext") {
			return true
		}
	}
	return false
}
