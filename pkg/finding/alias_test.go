package finding

import (
	"testing"
	"time"
)

func TestMatchCheckAliases(t *testing.T) {
	controls := []string{"CIS 1.2.1", "PSS restricted"}
	for _, c := range []struct {
		pattern string
		want    bool
	}{
		{"apiserver/anonymous-auth-enabled", true},
		{"apiserver/*", true},
		{"cis/1.2.1", true},
		{"cis/1.2.*", true},
		{"cis/1.2.10", false},
		{"cis/1.2", false},
		{"pss/restricted", false}, // only CIS controls have aliases
		{"etcd/*", false},
	} {
		if got := MatchCheck(c.pattern, "apiserver/anonymous-auth-enabled", controls); got != c.want {
			t.Errorf("MatchCheck(%q) = %v", c.pattern, got)
		}
	}
	if a, ok := ControlAlias("CIS 4.2.10"); !ok || a != "cis/4.2.10" {
		t.Errorf("alias %q %v", a, ok)
	}
	if _, ok := ControlAlias("PSS baseline"); ok {
		t.Errorf("PSS alias")
	}
}

// TestSuppressByCISAlias: ignore rules and annotations name checks by
// their CIS control.
func TestSuppressByCISAlias(t *testing.T) {
	fs := []Finding{
		{CheckID: "apiserver/profiling-enabled", Controls: []string{"CIS 1.2.15"}, Resource: Resource{Kind: "Pod", Name: "kube-apiserver"}},
		{CheckID: "apiserver/anonymous-auth-enabled", Controls: []string{"CIS 1.2.1"}, Resource: Resource{Kind: "Pod", Name: "kube-apiserver"}},
		{CheckID: "etcd/client-cert-auth-disabled", Controls: []string{"CIS 2.2"}, Resource: Resource{Kind: "Pod", Name: "etcd"}},
	}
	p := Policy{Rules: []IgnoreRule{{Check: "cis/1.2.15", Reason: "profiling needed"}}, Now: time.Now()}
	p.Apply(fs, func(f *Finding) Target {
		if f.Resource.Name == "etcd" {
			return Target{Annotations: map[string]string{AnnotationIgnore: "cis/2.2: etcd behind a firewall, ticket 7"}}
		}
		return Target{}
	})
	if fs[0].Suppressed == nil || fs[0].Suppressed.Kind != "config" || fs[1].Suppressed != nil {
		t.Errorf("config rule: %+v %+v", fs[0].Suppressed, fs[1].Suppressed)
	}
	if fs[2].Suppressed == nil || fs[2].Suppressed.Reason != "etcd behind a firewall, ticket 7" {
		t.Errorf("annotation: %+v", fs[2].Suppressed)
	}
	if e := ParseIgnoreAnnotation("cis/1.2.1: a, b, cis/2.*: c"); len(e) != 2 || e[0].Check != "cis/1.2.1" || e[0].Reason != "a, b" || e[1].Check != "cis/2.*" {
		t.Errorf("annotation entries %+v", e)
	}
}
