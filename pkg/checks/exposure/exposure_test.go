package exposure_test

import (
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check/checktest"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

func TestServicePublic(t *testing.T) {
	svc := func(spec string, ann string) string {
		return "apiVersion: v1\nkind: Service\nmetadata: {name: s" + ann + "}\nspec:\n  ports: [{port: 80}]\n" + spec
	}
	cases := []struct {
		name, doc string
		want      []finding.Severity
	}{
		{"cluster ip", svc("", ""), nil},
		{"open load balancer", svc("  type: LoadBalancer\n", ""), []finding.Severity{finding.SeverityHigh}},
		{"restricted load balancer", svc("  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n", ""), nil},
		{"world load balancer", svc("  type: LoadBalancer\n  loadBalancerSourceRanges: [0.0.0.0/0]\n", ""), []finding.Severity{finding.SeverityHigh}},
		{"internal load balancer", svc("  type: LoadBalancer\n", ", annotations: {networking.gke.io/load-balancer-type: Internal}"), nil},
		{"node port", svc("  type: NodePort\n", ""), []finding.Severity{finding.SeverityMedium}},
		{"external ips", svc("  externalIPs: [203.0.113.7]\n", ""), []finding.Severity{finding.SeverityMedium}},
	}
	for _, tc := range cases {
		got := checktest.Find(checktest.Scan(t, tc.doc, nil), "exposure/service-public")
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %+v", tc.name, got)
			continue
		}
		for i := range got {
			if got[i].Severity != tc.want[i] {
				t.Errorf("%s: severity %s, want %s", tc.name, got[i].Severity, tc.want[i])
			}
		}
	}
}

func TestIngressWithoutTLS(t *testing.T) {
	ing := func(tls string) string {
		return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules: [{host: a.example.com}, {host: b.example.com}]\n" + tls
	}
	for tls, want := range map[string]int{
		"": 1,
		"  tls: [{hosts: [a.example.com, b.example.com]}]\n": 0,
		"  tls: [{hosts: ['*.example.com']}]\n":              0,
		"  tls: [{hosts: [a.example.com]}]\n":                1,
	} {
		if got := checktest.Find(checktest.Scan(t, ing(tls), nil), "exposure/ingress-without-tls"); len(got) != want {
			t.Errorf("%q: got %+v", tls, got)
		}
	}
}

func TestSourceRangesAnnotationAndDefaultTLS(t *testing.T) {
	lb := "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: \"%s\"}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n"
	if got := checktest.Find(checktest.Scan(t, strings.Replace(lb, "%s", "10.0.0.0/8, 192.168.0.0/16", 1), nil), "exposure/service-public"); len(got) != 0 {
		t.Errorf("ranges in the annotation restrict the load balancer: %+v", got)
	}
	if got := checktest.Find(checktest.Scan(t, strings.Replace(lb, "%s", "0.0.0.0/0", 1), nil), "exposure/service-public"); len(got) != 1 {
		t.Errorf("0.0.0.0/0 in the annotation is open to the world: %+v", got)
	}
	ing := "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules: [{host: a.example.com}]\n  tls: [{secretName: default-cert}]\n"
	if got := checktest.Find(checktest.Scan(t, ing, nil), "exposure/ingress-without-tls"); len(got) != 0 {
		t.Errorf("a tls entry without hosts covers every host: %+v", got)
	}
}
