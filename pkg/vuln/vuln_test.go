package vuln

import (
	"strings"
	"testing"
	"time"
)

const testData = `date: 2026-01-02
cves:
  - id: CVE-TEST-1
    summary: "s"
    severity: high
    cvss: 8.1
    affected:
      - {introduced: "1.30.0", fixed: "1.30.4"}
      - {introduced: "1.31.0", fixed: "1.31.1"}
      - {introduced: "1.32.0"}
    verified: true
  - id: CVE-TEST-2
    summary: "s"
    severity: critical
    cvss: 9.9
    affected:
      - {introduced: "1.0.0", fixed: "1.31.0"}
    verified: true
releases:
  - {minor: "1.29", eol: "2025-02-28", verified: true}
  - {minor: "1.30", eol: "2025-06-28", verified: true}
`

func TestRangeEdges(t *testing.T) {
	db, err := Parse([]byte(testData))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{
		"v1.29.9":             {"CVE-TEST-2"},
		"v1.30.0":             {"CVE-TEST-2", "CVE-TEST-1"}, // introduced: affected
		"v1.30.3":             {"CVE-TEST-2", "CVE-TEST-1"}, // one patch below the fix
		"v1.30.4":             {"CVE-TEST-2"},               // exactly at the fix: not affected
		"v1.30.5-eks-1a2b3c":  {"CVE-TEST-2"},               // vendor suffixes are ignored
		"v1.31.0":             {"CVE-TEST-1"},               // CVE-TEST-2 fixed in 1.31.0 exactly
		"v1.31.1":             nil,
		"1.32.7":              {"CVE-TEST-1"}, // no fix in the 1.32 line
		"v1.28.5-gke.1217000": {"CVE-TEST-2"},
		"v1.30.2+k3s1":        {"CVE-TEST-2", "CVE-TEST-1"},
	}
	for v, want := range cases {
		got, err := db.Affecting(v)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		var ids []string
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("%s: got %v, want %v (most severe first)", v, ids, want)
		}
	}
	if _, err := db.Affecting("not a version"); err == nil {
		t.Error("a malformed version must be an error, not a clean bill of health")
	}
}

func TestEndOfLife(t *testing.T) {
	db, err := Parse([]byte(testData))
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	if _, past, ok := db.EndOfLife("v1.30.2", day("2025-06-28")); !ok || past {
		t.Error("on its end-of-life day a release is still supported")
	}
	if _, past, ok := db.EndOfLife("v1.30.2", day("2025-06-29")); !ok || !past {
		t.Error("the day after its end of life it is not")
	}
	if _, _, ok := db.EndOfLife("v1.40.0", day("2025-06-29")); ok {
		t.Error("a minor the data does not list is unknown, not supported")
	}
}

func TestParseRejectsBadData(t *testing.T) {
	for _, bad := range []string{
		"date: yesterday\ncves: []\n",
		"date: 2026-01-01\ncves:\n- {id: X, summary: s, severity: high, affected: [{introduced: 1.30.4, fixed: 1.30.1}]}\n",
		"date: 2026-01-01\ncves:\n- {id: X, summary: s, severity: high, affected: [{introduced: one}]}\n",
		"date: 2026-01-01\ncves:\n- {id: X, summary: s, severity: high, affected: []}\n",
		"date: 2026-01-01\ncves: []\nunknownKey: 1\n",
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// TestEmbeddedData: the shipped file parses and is not empty.
func TestEmbeddedData(t *testing.T) {
	db, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(db.CVEs) == 0 {
		t.Fatal("the embedded data lists no CVE")
	}
	t.Logf("embedded data of %s: %d CVEs, %d releases", db.Date, len(db.CVEs), len(db.Releases))
}

func TestFixable(t *testing.T) {
	db, err := Parse([]byte(testData))
	if err != nil {
		t.Fatal(err)
	}
	if !db.CVEs[0].Fixable() {
		t.Error("CVE-TEST-1 has fixes")
	}
	unfixed := CVE{ID: "X", Affected: []Range{{Introduced: "0.0.0"}}}
	if unfixed.Fixable() {
		t.Error("a CVE with no fixed release is not fixable by upgrading")
	}
}

// TestEmbeddedKnownFacts pins a few facts of the embedded data that are
// well known, so that an edit which breaks a range is caught.
func TestEmbeddedKnownFacts(t *testing.T) {
	db, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	has := func(v, id string) bool {
		ms, err := db.Affecting(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.ID == id {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		version, id string
		want        bool
	}{
		{"v1.12.2", "CVE-2018-1002105", true},
		{"v1.12.3", "CVE-2018-1002105", false},
		{"v1.11.4", "CVE-2018-1002105", true},
		{"v1.11.5", "CVE-2018-1002105", false},
		{"v1.13.0", "CVE-2018-1002105", false},
	} {
		if got := has(tc.version, tc.id); got != tc.want {
			t.Errorf("%s affected by %s: %v, want %v", tc.version, tc.id, got, tc.want)
		}
	}
	if rel, past, ok := db.EndOfLife("v1.19.16", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)); !ok || !past {
		t.Errorf("1.19 is long past its end of life: %+v %v %v", rel, past, ok)
	}
}
