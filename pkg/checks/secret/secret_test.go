package secret_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/checks/secret"
)

func TestEnvLiteral(t *testing.T) {
	rep := checktest.Scan(t, `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      image: busybox:1.37
      env:
        - {name: DB_PASSWORD, value: "s3cr3t-value-123"}
        - {name: API_TOKEN, value: "tok-abcdef"}
        - {name: GITHUB_TOKEN, valueFrom: {secretKeyRef: {name: gh, key: token}}}
        - {name: TOKEN_FILE, value: /var/run/token}
        - {name: LOG_LEVEL, value: debug}
        - {name: PASSWORD, value: ""}
`, nil)
	got := secretFindings(t, rep)
	if len(got) != 2 {
		t.Fatalf("want DB_PASSWORD and API_TOKEN, got %d: %v", len(got), got)
	}
}

func secretFindings(t *testing.T, rep any) []string {
	t.Helper()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	// The value must never appear anywhere in the report.
	for _, v := range []string{"s3cr3t-value-123", "tok-abcdef"} {
		if strings.Contains(string(b), v) {
			t.Fatalf("the report contains the secret value %q", v)
		}
	}
	var r struct {
		Findings []struct {
			CheckID  string
			Evidence map[string]any
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range r.Findings {
		if f.CheckID == "secret/env-literal" {
			out = append(out, f.Evidence["variable"].(string))
		}
	}
	return out
}

func TestCredentialNames(t *testing.T) {
	for name, want := range map[string]bool{
		"PASSWORD": true, "db_passwd": true, "AWS_SECRET_ACCESS_KEY": true, "STRIPE_API_KEY": true,
		"SLACK_TOKEN": true, "CLIENT_SECRET": true, "PRIVATE_KEY": true,
		"PASSWORD_FILE": false, "TOKEN_PATH": false, "SECRET_NAME": false, "LOG_LEVEL": false, "HOSTNAME": false,
	} {
		if got := secret.IsCredentialName(name); got != want {
			t.Errorf("IsCredentialName(%s) = %v, want %v", name, got, want)
		}
	}
}
