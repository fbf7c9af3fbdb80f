// Package secret finds credentials written in plain sight in manifests.
// It never reports a value, only where it is.
package secret

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// Checks returns the secret checks.
func Checks() []check.Check { return []check.Check{envLiteral} }

// credentialName matches variable names that usually hold credentials.
var credentialName = regexp.MustCompile(`(?i)(passw(or)?d|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth[_-]?key|client[_-]?secret|conn(ection)?[_-]?string|dsn)`)

// notCredential are names that mention a credential but hold a reference to one.
var notCredential = regexp.MustCompile(`(?i)(_(file|path|dir|url|uri|endpoint|name|names|id|ref|key_?id|enabled|length|ttl|expiry|header|type|mode|policy|rotation|secret_?name)$|^(use|enable|disable)_)`)

// IsCredentialName reports whether an environment variable name looks like
// it holds a credential.
func IsCredentialName(name string) bool {
	return credentialName.MatchString(name) && !notCredential.MatchString(name)
}

// placeholder values carry no secret: empty, references, templating leftovers.
func placeholder(v string) bool {
	t := strings.TrimSpace(v)
	return t == "" || strings.HasPrefix(t, "$(") || strings.HasPrefix(t, "${")
}

var envLiteral = &check.Func{
	M: check.Meta{
		ID: "secret/env-literal", Title: "Credential as a literal environment variable", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCode,
		Why:         "A credential written in a manifest is readable by everyone with the repository or get access to the workload.",
		Remediation: "move the value to a Secret and use env[].valueFrom.secretKeyRef",
		Controls:    []string{"CIS 5.4.1"},
		Kinds:       check.WorkloadKinds,
	},
	Fn: func(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
		pod := obj.PodTemplate()
		if pod == nil {
			return
		}
		for _, c := range pod.Containers() {
			for i, e := range c.C.Env {
				if e.ValueFrom != nil || placeholder(e.Value) || !IsCredentialName(e.Name) {
					continue
				}
				report(check.Result{Field: fmt.Sprintf("%s.env[%d].value", c.Path, i),
					Evidence: map[string]any{"container": c.C.Name, "variable": e.Name, "valueLength": len(e.Value)},
					Message:  fmt.Sprintf("%s %q sets %s to a literal value (not shown)", c.Kind, c.C.Name, e.Name)})
			}
		}
	},
}
