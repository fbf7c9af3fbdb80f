// Package vuln knows which Kubernetes versions are affected by which CVEs
// and when each minor release reached its end of life, from a dated data
// file that rampart embeds (written by the project from public facts) and
// that users may replace (--db FILE). rampart never downloads it.
package vuln

import (
	"cmp"
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/yaml"
)

//go:embed data/kubernetes-cves.yaml
var embedded []byte

// DB is the data file's content.
type DB struct {
	// Date is when the data was last written (YYYY-MM-DD).
	Date     string    `json:"date"`
	Sources  []string  `json:"sources,omitempty"`
	CVEs     []CVE     `json:"cves"`
	Releases []Release `json:"releases,omitempty"`
	// Origin says where the data came from: "embedded" or a file path.
	Origin string `json:"-"`
}

// CVE is one vulnerability of Kubernetes itself.
type CVE struct {
	ID         string   `json:"id"`
	Components []string `json:"components,omitempty"`
	Summary    string   `json:"summary"`
	Severity   string   `json:"severity"`
	CVSS       float64  `json:"cvss,omitempty"`
	Affected   []Range  `json:"affected"`
	URL        string   `json:"url,omitempty"`
	Verified   bool     `json:"verified"`
	Note       string   `json:"note,omitempty"`
}

// Range is a half-open interval of affected versions: Introduced <= v <
// Fixed. An empty Fixed means no fixed release in that line.
type Range struct {
	Introduced string `json:"introduced"`
	Fixed      string `json:"fixed,omitempty"`
}

// Release is a minor release's end of life.
type Release struct {
	Minor    string `json:"minor"`
	EOL      string `json:"eol"`
	Verified bool   `json:"verified"`
	Note     string `json:"note,omitempty"`
}

// Default returns the embedded data, parsed once and shared (a live scan
// asks for it in each version check): callers must not modify it.
func Default() (*DB, error) { return embeddedDB() }

var embeddedDB = sync.OnceValues(func() (*DB, error) {
	db, err := Parse(embedded)
	if err != nil {
		return nil, fmt.Errorf("embedded vulnerability data: %w", err)
	}
	db.Origin = "embedded"
	return db, nil
})

// Load reads a replacement data file.
func Load(file string) (*DB, error) {
	data, err := os.ReadFile(file) // #nosec G304 -- the user's own data file
	if err != nil {
		return nil, err
	}
	db, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	db.Origin = file
	return db, nil
}

// Parse reads and validates data: every version must parse and every
// range must be ordered, so that a typo cannot silently hide a CVE.
func Parse(data []byte) (*DB, error) {
	db := &DB{}
	if err := yaml.UnmarshalStrict(data, db); err != nil {
		return nil, err
	}
	if _, err := time.Parse(time.DateOnly, db.Date); err != nil {
		return nil, fmt.Errorf("date %q is not YYYY-MM-DD", db.Date)
	}
	for _, c := range db.CVEs {
		if c.ID == "" || len(c.Affected) == 0 {
			return nil, fmt.Errorf("%s: an entry needs an id and affected ranges", c.ID)
		}
		for _, r := range c.Affected {
			in, err := version.ParseGeneric(r.Introduced)
			if err != nil {
				return nil, fmt.Errorf("%s: introduced %q: %v", c.ID, r.Introduced, err)
			}
			if r.Fixed != "" {
				fx, err := version.ParseGeneric(r.Fixed)
				if err != nil {
					return nil, fmt.Errorf("%s: fixed %q: %v", c.ID, r.Fixed, err)
				}
				if !in.LessThan(fx) {
					return nil, fmt.Errorf("%s: range %s..%s is empty", c.ID, r.Introduced, r.Fixed)
				}
			}
		}
	}
	for _, r := range db.Releases {
		if _, err := version.ParseGeneric(r.Minor); err != nil {
			return nil, fmt.Errorf("release %q: %v", r.Minor, err)
		}
		if _, err := time.Parse(time.DateOnly, r.EOL); err != nil {
			return nil, fmt.Errorf("release %s: eol %q is not YYYY-MM-DD", r.Minor, r.EOL)
		}
	}
	return db, nil
}

// Fixable reports whether some release fixes the CVE. Some Kubernetes
// CVEs are unfixed by design (mitigated by configuration or admission),
// and no upgrade removes them.
func (c CVE) Fixable() bool {
	for _, r := range c.Affected {
		if r.Fixed != "" {
			return true
		}
	}
	return false
}

// Match is a CVE affecting a version, with the release that fixes it in
// that version's line ("" when none is known).
type Match struct {
	CVE
	FixedIn string
}

// Affecting returns the CVEs that affect a server version such as
// "v1.30.2" or "v1.28.5-gke.1217000" (suffixes are ignored), most severe first.
func (db *DB) Affecting(serverVersion string) ([]Match, error) {
	v, err := version.ParseGeneric(serverVersion)
	if err != nil {
		return nil, err
	}
	var out []Match
	for _, c := range db.CVEs {
		for _, r := range c.Affected {
			in := version.MustParseGeneric(r.Introduced)
			if v.LessThan(in) {
				continue
			}
			if r.Fixed != "" && !v.LessThan(version.MustParseGeneric(r.Fixed)) {
				continue
			}
			out = append(out, Match{CVE: c, FixedIn: r.Fixed})
			break
		}
	}
	slices.SortStableFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(b.CVSS, a.CVSS), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// EndOfLife returns the release entry of the version's minor and whether
// it had reached its end of life on the given day. ok is false when the
// data does not list that minor.
func (db *DB) EndOfLife(serverVersion string, on time.Time) (rel Release, past bool, ok bool) {
	v, err := version.ParseGeneric(serverVersion)
	if err != nil {
		return Release{}, false, false
	}
	for _, r := range db.Releases {
		m := version.MustParseGeneric(r.Minor)
		if m.Major() == v.Major() && m.Minor() == v.Minor() {
			eol, _ := time.Parse(time.DateOnly, r.EOL)
			return r, !on.Before(eol.AddDate(0, 0, 1)), true
		}
	}
	return Release{}, false, false
}
