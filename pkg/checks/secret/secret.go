// Package secret finds credentials written in plain sight in manifests.
// It never reports a value, only where it is.
package secret

import (
	"fmt"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// Checks returns the secret checks.
func Checks() []check.Check { return []check.Check{envLiteral} }

// credentialWords are parts of variable names that usually hold credentials.
var credentialWords = []string{"password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key",
	"accesskey", "access_key", "access-key", "privatekey", "private_key", "private-key", "credential",
	"authkey", "auth_key", "auth-key", "connstring", "conn_string", "connectionstring", "connection_string", "dsn"}

// referenceSuffixes end names that mention a credential but hold a reference to one.
var referenceSuffixes = []string{"_file", "_path", "_dir", "_url", "_uri", "_endpoint", "_name", "_names", "_id",
	"_ref", "_keyid", "_key_id", "_enabled", "_length", "_ttl", "_expiry", "_header", "_type", "_mode", "_policy",
	"_rotation", "_secretname", "_secret_name"}

// IsCredentialName reports whether an environment variable name looks like
// it holds a credential. Plain string tests: this runs for every variable
// of every container.
func IsCredentialName(name string) bool {
	n := strings.ToLower(name)
	if n == "pwd" || n == "oldpwd" {
		return false // the shell's working directory
	}
	found := false
	for _, w := range credentialWords {
		if strings.Contains(n, w) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	for _, s := range referenceSuffixes {
		if strings.HasSuffix(n, s) {
			return false
		}
	}
	return !strings.HasPrefix(n, "use_") && !strings.HasPrefix(n, "enable_") && !strings.HasPrefix(n, "disable_")
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
