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
