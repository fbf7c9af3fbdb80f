package glob

import "testing"

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "pss/run-as-non-root", true},
		{"pss/*", "pss/run-as-non-root", true},
		{"pss/*", "image/no-digest", false},
		{"pss/run-as-*", "pss/run-as-user", true},
		{"kata*", "kata-qemu", true},
		{"kata*", "runsc", false},
		{"runsc", "runsc", true},
		{"run?c", "runsc", true},
		{"*-*", "a-b-c", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"", "anything", true},
		{"x", "", false},
		{"*", "", true},
	} {
		if got := Match(tc.p, tc.s); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}
