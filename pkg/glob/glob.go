// Package glob matches the simple patterns users write in rampart's
// configuration: "*" for any run of characters ("/" included, so that
// "pss/*" and "*" both work on check IDs) and "?" for one character.
package glob

// Match reports whether s matches pattern. An empty pattern matches everything.
func Match(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	p, t := 0, 0
	star, mark := -1, 0
	for t < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[t]):
			p++
			t++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, t
			p++
		case star >= 0:
			p = star + 1
			mark++
			t = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Any reports whether s matches one of the patterns.
func Any(patterns []string, s string) bool {
	for _, p := range patterns {
		if Match(p, s) {
			return true
		}
	}
	return false
}
