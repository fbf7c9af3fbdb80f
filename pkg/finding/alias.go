package finding

import (
	"strings"

	"github.com/rampart-k8s/rampart/pkg/glob"
)

// ControlAlias is the check-ID-shaped alias of a CIS control: "CIS 1.2.1"
// is "cis/1.2.1". Other controls (PSS levels, say) have none.
func ControlAlias(control string) (string, bool) {
	id, ok := strings.CutPrefix(control, "CIS ")
	if !ok || id == "" || strings.ContainsAny(id, " /") {
		return "", false
	}
	return "cis/" + id, true
}

// MatchCheck reports whether a pattern written by a user (an ignore rule,
// an annotation entry, a `rampart checks` argument) names a check: its ID
// or a glob of IDs ("pss/*"), or the alias of one of its CIS controls
// ("cis/1.2.1", "cis/1.2.*"), which names every check carrying that
// control.
func MatchCheck(pattern, checkID string, controls []string) bool {
	if glob.Match(pattern, checkID) {
		return true
	}
	if !strings.HasPrefix(pattern, "cis/") {
		return false
	}
	for _, c := range controls {
		if alias, ok := ControlAlias(c); ok && glob.Match(pattern, alias) {
			return true
		}
	}
	return false
}
