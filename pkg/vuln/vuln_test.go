package vuln

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/version"
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
		// CVE-2020-8557: the announcement says kubelet < v1.16.13, every
		// earlier version (the range once started at 1.1.0).
		{"v1.0.0", "CVE-2020-8557", true},
		{"v1.16.12", "CVE-2020-8557", true},
		{"v1.16.13", "CVE-2020-8557", false},
		{"v1.17.8", "CVE-2020-8557", true},
		{"v1.17.9", "CVE-2020-8557", false},
		// CVE-2018-1002101 (added): 1.9.0-1.9.9, 1.10.0-1.10.5, 1.11.0-1.11.1.
		{"v1.8.15", "CVE-2018-1002101", false},
		{"v1.9.0", "CVE-2018-1002101", true},
		{"v1.10.5", "CVE-2018-1002101", true},
		{"v1.10.6", "CVE-2018-1002101", false},
		{"v1.11.1", "CVE-2018-1002101", true},
		{"v1.11.2", "CVE-2018-1002101", false},
		// CVE-2019-11250 (added): every version before v1.16.0.
		{"v1.15.12", "CVE-2019-11250", true},
		{"v1.16.0", "CVE-2019-11250", false},
		// Where the OSV feed disagrees with the announcement, the
		// announcement wins: CVE-2021-25741 is fixed in 1.19.15 and 1.22.2
		// (OSV: 1.19.16, 1.22.1), CVE-2022-3172 has no fix in 1.21 (OSV:
		// "fixed 1.21.14"), CVE-2019-11254 is fixed in 1.16.8 (OSV: 1.16.7).
		{"v1.19.14", "CVE-2021-25741", true},
		{"v1.19.15", "CVE-2021-25741", false},
		{"v1.22.1", "CVE-2021-25741", true},
		{"v1.22.2", "CVE-2021-25741", false},
		{"v1.21.14", "CVE-2022-3172", true},
		{"v1.16.7", "CVE-2019-11254", true},
		{"v1.16.8", "CVE-2019-11254", false},
		// CVE-2022-3294: the announcement's "<= v1.22.15" covers older minors.
		{"v1.21.14", "CVE-2022-3294", true},
		{"v1.22.15", "CVE-2022-3294", true},
		{"v1.22.16", "CVE-2022-3294", false},
	} {
		if got := has(tc.version, tc.id); got != tc.want {
			t.Errorf("%s affected by %s: %v, want %v", tc.version, tc.id, got, tc.want)
		}
	}
	dataDay := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if rel, past, ok := db.EndOfLife("v1.19.16", dataDay); !ok || !past {
		t.Errorf("1.19 is long past its end of life: %+v %v %v", rel, past, ok)
	}
	if rel, past, ok := db.EndOfLife("v1.18.20", dataDay); !ok || !past {
		t.Errorf("1.18 (eol.yaml: 2021-06-18) is past its end of life: %+v %v %v", rel, past, ok)
	}
	// 1.32: eol.yaml says 2026-02-28.
	if rel, past, ok := db.EndOfLife("v1.32.13", time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)); !ok || past || !rel.Verified {
		t.Errorf("1.32 is supported on its end-of-life day, 2026-02-28, from a verified source: %+v %v %v", rel, past, ok)
	}
	if rel, past, ok := db.EndOfLife("v1.32.13", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); !ok || !past {
		t.Errorf("1.32 is past its end of life on 2026-03-01: %+v %v %v", rel, past, ok)
	}
	// The test cluster's v1.37.2 is supported on the data's date and has no
	// CVE that an upgrade fixes.
	if rel, past, ok := db.EndOfLife("v1.37.2", dataDay); !ok || past {
		t.Errorf("1.37 is supported on %s: %+v %v %v", db.Date, rel, past, ok)
	}
	ms, err := db.Affecting("v1.37.2")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Fixable() {
			t.Errorf("v1.37.2 matches %s, fixed in %q", m.ID, m.FixedIn)
		}
	}
	// Scores corrected against the announcements.
	for id, want := range map[string]struct {
		severity string
		cvss     float64
	}{
		"CVE-2020-8563":  {"medium", 5.6},
		"CVE-2019-11254": {"medium", 6.5},
		"CVE-2020-8562":  {"low", 3.1},
	} {
		c := cveByID(t, db, id)
		if c.Severity != want.severity || c.CVSS != want.cvss {
			t.Errorf("%s: severity %q cvss %v, want %q %v", id, c.Severity, c.CVSS, want.severity, want.cvss)
		}
	}
}

func cveByID(t *testing.T, db *DB, id string) CVE {
	t.Helper()
	for _, c := range db.CVEs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("%s is not in the data", id)
	return CVE{}
}

// TestEmbeddedConsistency checks invariants of the shipped file that a
// careless edit could break: unique IDs, a rating that matches the CVSS v3
// score's band, one entry per minor with end-of-life dates that grow with
// the minor.
func TestEmbeddedConsistency(t *testing.T) {
	db, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	band := func(score float64) string {
		switch {
		case score >= 9:
			return "critical"
		case score >= 7:
			return "high"
		case score >= 4:
			return "medium"
		default:
			return "low"
		}
	}
	seen := map[string]bool{}
	for _, c := range db.CVEs {
		if seen[c.ID] {
			t.Errorf("%s is listed twice", c.ID)
		}
		seen[c.ID] = true
		if c.CVSS > 0 && c.Severity != band(c.CVSS) {
			t.Errorf("%s: severity %q does not match its CVSS score %v (%s)", c.ID, c.Severity, c.CVSS, band(c.CVSS))
		}
		if c.CVSS == 0 && c.Severity != "" {
			t.Errorf("%s: a severity without a score", c.ID)
		}
	}
	var prevMinor *version.Version
	prevEOL := ""
	for _, r := range db.Releases {
		m := version.MustParseGeneric(r.Minor)
		if prevMinor != nil && !prevMinor.LessThan(m) {
			t.Errorf("release %s follows %s: minors must be listed once, in order", r.Minor, prevMinor)
		}
		if r.EOL <= prevEOL {
			t.Errorf("release %s ends on %s, not after the previous minor (%s)", r.Minor, r.EOL, prevEOL)
		}
		prevMinor, prevEOL = m, r.EOL
	}
}
