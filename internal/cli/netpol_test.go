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
		!strings.Contains(out, "ingress of shop/database[StatefulSet]: no NetworkPolicy selects it") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func examplesNetpolAdmin(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../examples/netpol-admin")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNetpolExplainAdmin: explain names the AdminNetworkPolicy or
// BaselineAdminNetworkPolicy rule that decides, or the Pass that handed the
// connection to the NetworkPolicies, in text and JSON.
func TestNetpolExplainAdmin(t *testing.T) {
	dir := examplesNetpolAdmin(t)
	for _, c := range []struct {
		from, to, port string
		code           int
		want           []string
	}{
		{"slytherin/draco-malfoy", "gryffindor/harry-potter", "80", 1, []string{
			`ingress of gryffindor/harry-potter[Deployment] denies: AdminNetworkPolicy protect-gryffindor (priority 20) spec.ingress[0] "no-slytherin": Deny`,
			`✓ AdminNetworkPolicy protect-gryffindor (priority 20) spec.ingress[0] "no-slytherin" denies all connections`}},
		{"hufflepuff/cedric-diggory", "gryffindor/harry-potter", "80", 0, []string{
			`ingress of gryffindor/harry-potter[Deployment] allows: AdminNetworkPolicy protect-gryffindor (priority 20) spec.ingress[1] "hufflepuff-to-namespace-policies": Pass; isolated by gryffindor/web-from-hufflepuff`,
			`✓ gryffindor/web-from-hufflepuff spec.ingress[0] allows TCP 80`}},
		{"hufflepuff/cedric-diggory", "gryffindor/harry-potter", "53/UDP", 1, []string{
			`denies: AdminNetworkPolicy protect-gryffindor (priority 20) spec.ingress[1] "hufflepuff-to-namespace-policies": Pass; isolated by gryffindor/web-from-hufflepuff`}},
		{"ravenclaw/luna-lovegood", "slytherin/draco-malfoy", "80", 1, []string{
			`ingress of slytherin/draco-malfoy[Deployment] denies: no NetworkPolicy selects it for Ingress; BaselineAdminNetworkPolicy default spec.ingress[0] "no-other-houses": Deny`}},
		{"monitoring/prometheus", "gryffindor/harry-potter", "9090", 0, []string{
			`ingress of gryffindor/harry-potter[Deployment] allows: AdminNetworkPolicy allow-monitoring (priority 5) spec.ingress[0] "scrape-metrics": Allow`}},
		{"gryffindor/harry-potter", "8.8.8.8", "443", 1, []string{
			`egress of gryffindor/harry-potter[Deployment] denies: AdminNetworkPolicy no-internet (priority 30) spec.egress[1] "deny-internet": Deny`}},
		{"monitoring/prometheus", "8.8.8.8", "443", 0, []string{
			`egress of monitoring/prometheus[Deployment] allows: no NetworkPolicy selects it for Egress`}},
	} {
		out, errOut, code := run(t, "", "netpol", "explain", c.from, c.to, c.port, "-f", dir)
		if code != c.code || errOut != "" {
			t.Errorf("%s → %s %s: exit %d, want %d; stderr %q\n%s", c.from, c.to, c.port, code, c.code, errOut, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s → %s %s: want %q in\n%s", c.from, c.to, c.port, w, out)
			}
		}
	}
	out, _, code := run(t, "", "netpol", "explain", "hufflepuff/cedric-diggory", "gryffindor/harry-potter", "80", "-f", dir, "-o", "json")
	type ruleRef struct {
		Kind, Policy, Field, Name, Action string
		Priority                          *int
	}
	var e struct {
		Allowed bool `json:"allowed"`
		Ingress struct {
			DecidedBy struct {
				Layer    string   `json:"layer"`
				Rule     *ruleRef `json:"rule"`
				PassedBy *ruleRef `json:"passedBy"`
			} `json:"decidedBy"`
			AdminRules []struct {
				ruleRef
				Conns string `json:"connections"`
			} `json:"adminRules"`
		} `json:"ingress"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil || code != 0 || !e.Allowed {
		t.Fatalf("json: exit %d %v\n%s", code, err, out)
	}
	d := e.Ingress.DecidedBy
	if d.Layer != "NetworkPolicy" || d.Rule != nil || d.PassedBy == nil || d.PassedBy.Policy != "protect-gryffindor" || d.PassedBy.Priority == nil ||
		*d.PassedBy.Priority != 20 || d.PassedBy.Field != "spec.ingress[1]" || d.PassedBy.Action != "Pass" || d.PassedBy.Kind != "AdminNetworkPolicy" {
		t.Errorf("json decidedBy: %+v\n%s", d, out)
	}
	if len(e.Ingress.AdminRules) != 1 || e.Ingress.AdminRules[0].Name != "hufflepuff-to-namespace-policies" || e.Ingress.AdminRules[0].Conns != "All connections" {
		t.Errorf("json adminRules: %+v", e.Ingress.AdminRules)
	}
	out, _, _ = run(t, "", "netpol", "explain", "ravenclaw/luna-lovegood", "slytherin/draco-malfoy", "80", "-f", dir, "-o", "json")
	if !strings.Contains(out, `"layer": "BaselineAdminNetworkPolicy"`) || !strings.Contains(out, `"kind": "BaselineAdminNetworkPolicy"`) ||
		!strings.Contains(out, `"baselineRules"`) {
		t.Errorf("json for the baseline:\n%s", out)
	}
}

// TestNetpolReachAdmin: reach and matrix honour the admin layers; the
// networks of an AdminNetworkPolicy cut the external ranges.
func TestNetpolReachAdmin(t *testing.T) {
	dir := examplesNetpolAdmin(t)
	out, _, code := run(t, "", "netpol", "reach", "-f", dir, "--to", "gryffindor/harry-potter")
	want := "hufflepuff/cedric-diggory[Deployment] => gryffindor/harry-potter[Deployment] : TCP 80\n" +
		"monitoring/prometheus[Deployment] => gryffindor/harry-potter[Deployment] : TCP 9090\n"
	if code != 0 || out != want {
		t.Errorf("reach --to harry: exit %d\n%s", code, out)
	}
	out, _, _ = run(t, "", "netpol", "reach", "-f", dir, "--from", "gryffindor/harry-potter")
	if strings.Contains(out, "[External]") || !strings.Contains(out, "gryffindor/harry-potter[Deployment] => monitoring/prometheus[Deployment] : All connections") {
		t.Errorf("reach --from harry: no external range may be reached\n%s", out)
	}
	out, _, _ = run(t, "", "netpol", "matrix", "-f", dir, "-o", "csv")
	if !strings.Contains(out, "slytherin/draco-malfoy[Deployment],No connections,") {
		t.Errorf("matrix csv: slytherin reaches no house\n%s", out)
	}
}

func TestNetworkContractAdmin(t *testing.T) {
	dir := examplesNetpolAdmin(t)
	contract, _ := filepath.Abs("../../examples/contracts/houses-network.yaml")
	if out, errOut, code := run(t, "", "test", contract, "-f", dir); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	// With the internet allowed, the contract fails and says which rule
	// let it through.
	data, err := os.ReadFile(filepath.Join(dir, "houses.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	write(t, tmp, "houses.yaml", strings.Replace(string(data), "- name: deny-internet\n      action: Deny", "- name: deny-internet\n      action: Allow", 1))
	out, _, code := run(t, "", "test", contract, "-f", tmp)
	if code != 1 || !strings.Contains(out, "FAIL  no house reaches the internet") ||
		!strings.Contains(out, `egress of gryffindor/harry-potter[Deployment]: AdminNetworkPolicy no-internet (priority 30) spec.egress[1] "deny-internet" Allow (All connections)`) {
		t.Errorf("exit %d\n%s", code, out)
	}
}
