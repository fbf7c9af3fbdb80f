//go:build race

package source

// timeScale stretches time bounds in tests: the race detector makes the
// parser about ten times slower.
const timeScale = 10
