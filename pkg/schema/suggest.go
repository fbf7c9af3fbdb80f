package schema

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
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

var (
	secOnce   sync.Once
	secFields map[string]bool
)

// IsSecurityField reports whether a field name is a security setting, so
// that a misplaced or mistyped one (which leaves the protection unapplied)
// can be reported with a higher severity.
func IsSecurityField(name string) bool {
	secOnce.Do(func() {
		secFields = map[string]bool{}
		for _, t := range []reflect.Type{reflect.TypeFor[corev1.SecurityContext](), reflect.TypeFor[corev1.PodSecurityContext](),
			reflect.TypeFor[corev1.Capabilities](), reflect.TypeFor[corev1.SeccompProfile]()} {
			for n := range fieldsOf(t).byName {
				secFields[strings.ToLower(n)] = true
			}
		}
		for _, n := range []string{"securityContext", "hostNetwork", "hostPID", "hostIPC", "hostUsers", "hostPath",
			"automountServiceAccountToken", "serviceAccountName", "runtimeClassName", "readOnly",
			"loadBalancerSourceRanges", "tls", "policyTypes", "ingress", "egress", "podSelector", "namespaceSelector",
			"ipBlock", "rules", "subjects", "roleRef", "verbs", "resources", "resourceNames", "apiGroups",
			"nonResourceURLs", "aggregationRule", "handler", "encryption"} {
			secFields[strings.ToLower(n)] = true
		}
	})
	return secFields[strings.ToLower(name)]
}
