package controlplane

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	"sigs.k8s.io/yaml"
)

// parseDoc returns a configuration object's content as a generic map, as
// the component reads it (YAML converted to JSON): raw objects as kept,
// typed ones parsed again from their document, so that fields written
// with their zero value (readOnlyPort: 0) are told apart from absent ones.
func parseDoc(o *inventory.Object) map[string]any {
	if o.Raw != nil {
		return o.Raw
	}
	if len(o.Source.Doc) == 0 {
		return nil
	}
	j, err := yaml.YAMLToJSON(o.Source.Doc)
	if err != nil {
		return nil
	}
	var v any
	if json.Unmarshal(j, &v) != nil {
		return nil
	}
	for _, seg := range o.Source.PathPrefix {
		switch t := v.(type) {
		case map[string]any:
			v = t[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	m, _ := v.(map[string]any)
	return m
}

// lookup follows a path of keys; found is false when a key is absent or
// holds null (a JSON merge patch deletes such keys).
func lookup(m map[string]any, key []string) (any, bool) {
	var v any = m
	for _, k := range key {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[k]; !ok || v == nil {
			return nil, false
		}
	}
	return v, true
}

// scalarText renders a config value the way a flag would hold it.
func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, scalarText(e))
		}
		return strings.Join(parts, ",")
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
