package oracle_test

import (
	"encoding/json"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/yamlconv"
	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// TestKeysAgreeWithYAMLToJSON checks yamlconv.Key, which names mapping keys
// as the API server receives them, against sigs.k8s.io/yaml's YAMLToJSON
// (kubectl's conversion) for keys that YAML 1.1 reads as booleans, numbers
// or timestamps, quoted and tagged keys, and ordinary ones.
func TestKeysAgreeWithYAMLToJSON(t *testing.T) {
	keys := []string{
		"name", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "NO", "on", "On", "ON", "off", "Off", "OFF",
		"true", "True", "TRUE", "false", "False", "FALSE", "tRUE", "onion", "yesterday", "nothing", "o", "t", "f",
		"0", "1", "-0", "+1", "-1", "010", "08", "0x1F", "0X1f", "0o17", "0b101", "-0b101", "1_000", "1e3", "1.0", "1.5",
		"3.14159265", ".5", "-.5", "+.5", "1e30", "1.", ".inf", ".Inf", "+.INF", "-.inf", ".nan", ".NaN", ".x", "-", "+", "-x",
		"9223372036854775807", "-9223372036854775808", "2001-12-14", "2001-12-14T21:59:43.10-05:00", "2001-12-14 21:59:43.10",
		"2001-13-45", "12:30", "1:20:30", "1.2.3", "10.0.0.1", "'y'", `"on"`, "!!str on", "!!str 010", "a.b", "app.kubernetes.io/name",
	}
	for _, k := range keys {
		doc := k + ": v\n"
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Errorf("%q: YAMLToJSON: %v", k, err)
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(js, &m); err != nil || len(m) != 1 {
			t.Fatalf("%q: %s %v", k, js, err)
		}
		var want string
		for w := range m {
			want = w
		}
		var n yamlv3.Node
		if err := yamlv3.Unmarshal([]byte(doc), &n); err != nil {
			t.Fatalf("%q: %v", k, err)
		}
		if got := yamlconv.Key(n.Content[0].Content[0]); got != want {
			t.Errorf("key %s: rampart names it %q, kubectl's YAML-to-JSON %q", k, got, want)
		}
	}
}
