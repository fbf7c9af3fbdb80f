package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit writes one test suite per input file (or live resource group) and
// one failing test case per finding, which CI systems show as test results.
// Suppressed findings are skipped cases; unreadable inputs are errors.
func JUnit(w io.Writer, rep *finding.Report) error {
	suites := map[string]*junitSuite{}
	var order []string
	suite := func(name string) *junitSuite {
		if s, ok := suites[name]; ok {
			return s
		}
		s := &junitSuite{Name: name}
		suites[name] = s
		order = append(order, name)
		return s
	}
	for _, f := range rep.Findings {
		name := f.Location.File
		if name == "" {
			name = "cluster"
		}
		s := suite(name)
		c := junitCase{Name: f.CheckID + " " + f.Resource.String(), ClassName: f.CheckID, File: f.Location.File, Line: f.Location.Line}
		text := fmt.Sprintf("%s\n%s\nseverity: %s\nremediation: %s", f.Title, f.Message, f.Severity, f.Remediation)
		if f.Location.Field != "" {
			text += "\nfield: " + f.Location.Field
		}
		p := &junitProblem{Message: f.Message, Type: f.Severity.String(), Text: text}
		if f.Suppressed != nil {
			c.Skipped = &junitProblem{Message: suppressedNote(f.Suppressed)}
			s.Skipped++
		} else {
			c.Failure = p
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	for _, e := range rep.Errors {
		s := suite(e.File)
		s.Tests++
		s.Errors++
		s.Cases = append(s.Cases, junitCase{Name: "read " + e.File, ClassName: "input", File: e.File, Line: e.Line,
			Error: &junitProblem{Message: e.Message, Type: "input-error", Text: e.Error()}})
	}
	var list []*junitSuite
	for _, n := range order {
		list = append(list, suites[n])
	}
	return writeJUnit(w, list)
}

// TestCase is one result for WriteJUnit; it passed when Failure and Error
// are empty.
type TestCase struct {
	// Suite groups cases (a contract file, say).
	Suite     string
	Name      string
	ClassName string
	File      string
	Line      int
	// Failure is a one-line message; Text the details.
	Failure string
	Error   string
	Text    string
}

// WriteJUnit writes test results as JUnit XML, one suite per Suite value
// in order of first appearance: for `rampart test` and the other commands
// whose results are pass or fail rather than findings.
func WriteJUnit(w io.Writer, cases []TestCase) error {
	suites := map[string]*junitSuite{}
	var list []*junitSuite
	for _, tc := range cases {
		s := suites[tc.Suite]
		if s == nil {
			s = &junitSuite{Name: tc.Suite}
			suites[tc.Suite] = s
			list = append(list, s)
		}
		c := junitCase{Name: tc.Name, ClassName: tc.ClassName, File: tc.File, Line: tc.Line}
		switch {
		case tc.Error != "":
			c.Error = &junitProblem{Message: tc.Error, Type: "error", Text: tc.Text}
			s.Errors++
		case tc.Failure != "":
			c.Failure = &junitProblem{Message: tc.Failure, Type: "failure", Text: tc.Text}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	return writeJUnit(w, list)
}

func writeJUnit(w io.Writer, suites []*junitSuite) error {
	out := junitSuites{Name: "rampart"}
	for _, s := range suites {
		out.Suites = append(out.Suites, *s)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
