package finding

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortIsStable: findings are sorted as a stable sort on
// compareFindings sorts them; equal findings keep their order.
func TestSortIsStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 17, 1000, parallelSortMin, 3*parallelSortMin + 1} {
		var fs []Finding
		for i := 0; i < n; i++ {
			fs = append(fs, Finding{CheckID: fmt.Sprint("c/", rng.IntN(3)), Severity: Severity(1 + rng.IntN(5)),
				Resource: Resource{Kind: "Pod", Namespace: fmt.Sprint(rng.IntN(3)), Name: fmt.Sprint(rng.IntN(4))},
				Location: Location{Field: fmt.Sprint(rng.IntN(2))}, Title: fmt.Sprint(i)}) // Title: the original position
		}
		want := slices.Clone(fs)
		slices.SortStableFunc(want, func(a, b Finding) int { return compareFindings(&a, &b) })
		rep := Report{Findings: fs}
		rep.Sort()
		for i := range want {
			if rep.Findings[i].Title != want[i].Title {
				t.Fatalf("%d findings: position %d holds finding %s, want %s", n, i, rep.Findings[i].Title, want[i].Title)
			}
		}
	}
}
