package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// TestJSONIsTheEncodersOutput: the spliced, parallel rendering is byte for
// byte what encoding the whole report at once gives.
func TestJSONIsTheEncodersOutput(t *testing.T) {
	for _, n := range []int{0, 1, 2, 999, 1000, 1001, 4321} {
		rep := &finding.Report{Tool: finding.Tool{Name: "rampart", Version: "test"}, Warnings: []string{"w <x>"}}
		for i := 0; i < n; i++ {
			rep.Findings = append(rep.Findings, finding.Finding{CheckID: "a/b", Title: "t", Severity: finding.SeverityHigh,
				Category: finding.CategoryContainer, Message: fmt.Sprintf("m %d <stdin> & \"q\"", i),
				Resource: finding.Resource{Kind: "Pod", Name: fmt.Sprint(i)}, Evidence: map[string]any{"k": i}})
		}
		rep.Summarize(n, finding.SeverityHigh)
		var got bytes.Buffer
		if err := JSON(&got, rep); err != nil {
			t.Fatal(err)
		}
		want := *rep
		if want.Findings == nil {
			want.Findings = []finding.Finding{}
		}
		want.Errors, want.Skipped = []finding.InputError{}, []finding.Skipped{}
		var exp bytes.Buffer
		enc := json.NewEncoder(&exp)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(want); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), exp.Bytes()) {
			t.Fatalf("%d findings: spliced output differs from the encoder's", n)
		}
	}
}

// TestIndentCompactMatchesJSONIndent holds the fast indenter to json.Indent
// on awkward values: empty and nested containers, escapes, quotes.
func TestIndentCompactMatchesJSONIndent(t *testing.T) {
	values := []any{
		map[string]any{},
		[]any{},
		map[string]any{"a": []any{}, "b": map[string]any{}, "c": []any{map[string]any{}, []any{1, "x"}}},
		map[string]any{"q": `he said "hi" \ and \\"`, "u": "é ✓ \u2028", "t": "tab\tnl\n", "n": nil, "f": 1.5, "b": true},
		[]any{[]any{[]any{}}, map[string]any{"k": map[string]any{"k": map[string]any{}}}},
		finding.Finding{CheckID: "x/y", Controls: []string{}, Evidence: map[string]any{"ranges": []string{"a,b", "c:d"}, "empty": []int{}},
			Suppressed: &finding.Suppression{Kind: "config", Reason: "a \"quoted\" {brace} [bracket], comma: colon"}},
	}
	for _, v := range values {
		var compact bytes.Buffer
		enc := json.NewEncoder(&compact)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		src := bytes.TrimSuffix(compact.Bytes(), []byte("\n"))
		var want, got bytes.Buffer
		if err := json.Indent(&want, src, "    ", "  "); err != nil {
			t.Fatal(err)
		}
		indentCompact(&got, src, "    ", "  ")
		if got.String() != want.String() {
			t.Errorf("indentCompact(%s):\n%s\nwant\n%s", src, got.String(), want.String())
		}
	}
}
