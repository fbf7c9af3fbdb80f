//go:build !race

package source

// timeScale stretches time bounds in tests (see race_on_test.go).
const timeScale = 1
