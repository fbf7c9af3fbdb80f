package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func examplesNetpol(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../examples/netpol")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNetpolExplain(t *testing.T) {
	dir := examplesNetpol(t)
	out, _, code := run(t, "", "netpol", "explain", "shop/frontend", "shop/database", "5432", "-f", dir)
	if code != 1 || !strings.HasPrefix(out, "denied: shop/frontend[Deployment] → shop/database[StatefulSet] on TCP 5432") ||
		!strings.Contains(out, "isolated by shop/database-from-data-manager, shop/default-deny-ingress") {
		t.Errorf("frontend → database: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "netpol", "explain", "shop/data-manager", "shop/database", "5432/tcp", "-f", dir, "-o", "json")
	var e struct {
		Allowed bool `json:"allowed"`
		Ingress struct {
			Rules []struct{ Policy, Field string } `json:"matchingRules"`
		} `json:"ingress"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil || code != 0 || !e.Allowed || len(e.Ingress.Rules) != 1 ||
		e.Ingress.Rules[0].Policy != "shop/database-from-data-manager" || e.Ingress.Rules[0].Field != "spec.ingress[0]" {
		t.Errorf("data manager → database: exit %d %v\n%s", code, err, out)
	}
	for _, args := range [][]string{
		{"netpol", "explain", "shop/nope", "shop/database", "80", "-f", dir},
		{"netpol", "explain", "shop/frontend", "shop/database", "http", "-f", dir},
		{"netpol", "explain", "shop/frontend", "shop/database", "80/icmp", "-f", dir},
		{"netpol", "explain", "1.2.3.4", "5.6.7.8", "80", "-f", dir},
	} {
		if _, errOut, code := run(t, "", args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
}

func TestNetpolReachAndMatrix(t *testing.T) {
	dir := examplesNetpol(t)
	out, _, code := run(t, "", "netpol", "reach", "-f", dir, "--to", "shop/database")
	if code != 0 || strings.TrimSpace(out) != "shop/data-manager[Deployment] => shop/database[StatefulSet] : TCP 5432" {
		t.Errorf("reach --to database: exit %d\n%s", code, out)
	}
	out, _, _ = run(t, "", "netpol", "reach", "-f", dir, "--from", "shop/frontend", "-o", "csv")
	if !strings.HasPrefix(out, "src,dst,conn\n") || !strings.Contains(out, "shop/frontend[Deployment],0.0.0.0/0[External],All connections") {
		t.Errorf("reach csv:\n%s", out)
	}
	out, _, _ = run(t, "", "netpol", "matrix", "-f", dir, "-o", "dot")
	if !strings.Contains(out, `"shop/frontend[Deployment]" -> "shop/data-manager[Deployment]" [label="TCP 9000"]`) || strings.Contains(out, `"shop/frontend[Deployment]" -> "shop/database`) {
		t.Errorf("matrix dot:\n%s", out)
	}
}

func TestNetworkContract(t *testing.T) {
	dir := examplesNetpol(t)
	contract, _ := filepath.Abs("../../examples/contracts/shop-network.yaml")
	if out, errOut, code := run(t, "", "test", contract, "-f", dir); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	// Without the database's policy the frontend gets through, and the
	// contract says so, with the explanation.
	tmp := t.TempDir()
	data, err := os.ReadFile(filepath.Join(dir, "shop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	open := strings.Replace(string(data), "name: default-deny-ingress", "name: default-deny-ingress-off", 1)
	open = strings.Replace(open, "  policyTypes: [Ingress]\n", "  policyTypes: [Egress]\n  egress: [{}]\n", 1)
	open = open[:strings.Index(open, "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: database-from-data-manager")]
	write(t, tmp, "shop.yaml", open)
	out, _, code := run(t, "", "test", contract, "-f", tmp)
	if code != 1 || !strings.Contains(out, "FAIL  the frontend reaches the database only through the data manager") ||
		!strings.Contains(out, "ingress of shop/database[StatefulSet]: no policy selects it") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
