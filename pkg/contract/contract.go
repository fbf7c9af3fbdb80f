// Package contract reads security contracts (docs/contracts.md): files of
// assertions that users write about their cluster, such as "user dev1
// cannot read secrets in prod, directly or by any path", and evaluates
// them against the RBAC model with evidence for every verdict.
package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Contract is one contract file.
type Contract struct {
	File string `yaml:"-"`
	// Name describes the contract; the file name when empty.
	Name string `yaml:"name"`
	// RBAC are the authorization assertions.
	RBAC []*Assertion `yaml:"rbac"`
	// Network are the connectivity assertions.
	Network []*Connection `yaml:"network"`
}

// Connection says whether workloads may connect.
type Connection struct {
	Name string `yaml:"name"`
	// From and To are NAMESPACE/NAME, NAMESPACE/NAME[Kind], NAMESPACE/*,
	// LABEL=VALUE or an IP address; every pair they select is checked.
	From string `yaml:"from"`
	To   string `yaml:"to"`
	// Port is PORT[/PROTOCOL] (TCP by default); without it, "allow" means
	// some connection is allowed and "deny" that none is.
	Port string `yaml:"port"`
	// Expect is allow or deny.
	Expect string `yaml:"expect"`

	Line int `yaml:"-"`
}

// Title is the connection assertion's name, or one made from it.
func (c *Connection) Title() string {
	if c.Name != "" {
		return c.Name
	}
	s := c.From + " → " + c.To
	if c.Port != "" {
		s += " on " + c.Port
	}
	return s + ": " + c.Expect
}

// Assertion says what a subject can or cannot do.
type Assertion struct {
	// Name says what the assertion is for; generated when empty.
	Name string `yaml:"name"`
	// Subject is user:NAME, group:NAME or sa:NAMESPACE/NAME.
	Subject string `yaml:"subject"`
	// Groups are extra groups of the subject (like kubectl --as-group).
	Groups []string `yaml:"groups"`
	Can    *Access  `yaml:"can"`
	Cannot *Access  `yaml:"cannot"`
	// Transitive also follows escalation paths: "cannot" then means "not
	// directly and not by any path", "can" means "directly or by a path".
	Transitive bool `yaml:"transitive"`

	// Line is where the assertion starts in its file.
	Line int `yaml:"-"`
}

// Access is one or more requests: every verb on every resource.
type Access struct {
	Verb      string   `yaml:"verb"`
	Verbs     []string `yaml:"verbs"`
	Resource  string   `yaml:"resource"`
	Resources []string `yaml:"resources"`
	Namespace string   `yaml:"namespace"`
	Name      string   `yaml:"name"`
}

// AllVerbs returns verb and verbs together.
func (a *Access) AllVerbs() []string { return joinOne(a.Verb, a.Verbs) }

// AllResources returns resource and resources together.
func (a *Access) AllResources() []string { return joinOne(a.Resource, a.Resources) }

func joinOne(one string, many []string) []string {
	if one == "" {
		return many
	}
	return append([]string{one}, many...)
}

// Load reads and validates a contract file.
func Load(path string) (*Contract, error) {
	f, err := os.Open(path) // #nosec G304 -- the user names the contract to read
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Contracts are small; a megabyte is far beyond any real one.
	data, err := io.ReadAll(io.LimitReader(f, 1<<20+1))
	if err != nil {
		return nil, err
	}
	if len(data) > 1<<20 {
		return nil, fmt.Errorf("%s: larger than 1 MiB", path)
	}
	return Parse(path, data)
}

// Parse reads a contract from bytes; file names it in errors.
func Parse(file string, data []byte) (*Contract, error) {
	c := &Contract{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty contract", file)
		}
		return nil, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	// A second pass over the nodes finds each assertion's line.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil && len(root.Content) == 1 {
		doc := root.Content[0]
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if doc.Content[i+1].Kind != yaml.SequenceNode {
				continue
			}
			for j, item := range doc.Content[i+1].Content {
				switch doc.Content[i].Value {
				case "rbac":
					if j < len(c.RBAC) && c.RBAC[j] != nil {
						c.RBAC[j].Line = item.Line
					}
				case "network":
					if j < len(c.Network) && c.Network[j] != nil {
						c.Network[j].Line = item.Line
					}
				}
			}
		}
	}
	if c.Name == "" {
		c.Name = file
	}
	if len(c.RBAC) == 0 && len(c.Network) == 0 {
		return nil, fmt.Errorf("%s: no assertions (want an rbac: or a network: list)", file)
	}
	for i, n := range c.Network {
		if n == nil {
			return nil, fmt.Errorf("%s: network[%d] is empty", file, i)
		}
		switch {
		case n.From == "" || n.To == "":
			return nil, fmt.Errorf("%s:%d: network[%d]: want from and to", file, n.Line, i)
		case n.Expect != "allow" && n.Expect != "deny":
			return nil, fmt.Errorf("%s:%d: network[%d]: expect must be allow or deny, not %q", file, n.Line, i, n.Expect)
		}
	}
	for i, a := range c.RBAC {
		if a == nil {
			return nil, fmt.Errorf("%s: rbac[%d] is empty", file, i)
		}
		if err := a.validate(); err != nil {
			return nil, fmt.Errorf("%s:%d: rbac[%d]: %w", file, a.Line, i, err)
		}
	}
	return c, nil
}

func (a *Assertion) validate() error {
	switch {
	case a.Subject == "":
		return errors.New("no subject (user:NAME, group:NAME or sa:NAMESPACE/NAME)")
	case (a.Can == nil) == (a.Cannot == nil):
		return errors.New("want exactly one of the keys can and cannot")
	}
	acc := a.Access()
	if len(acc.AllVerbs()) == 0 {
		return errors.New("no verb")
	}
	if len(acc.AllResources()) == 0 {
		return errors.New("no resource")
	}
	return nil
}

// Access is the assertion's can or cannot.
func (a *Assertion) Access() *Access {
	if a.Can != nil {
		return a.Can
	}
	return a.Cannot
}

// Title is the assertion's name, or one made from it.
func (a *Assertion) Title() string {
	if a.Name != "" {
		return a.Name
	}
	acc := a.Access()
	word := "can"
	if a.Cannot != nil {
		word = "cannot"
	}
	s := fmt.Sprintf("%s %s %s %s", a.Subject, word, strings.Join(acc.AllVerbs(), ","), strings.Join(acc.AllResources(), ","))
	if acc.Namespace != "" {
		s += " in " + acc.Namespace
	}
	if a.Transitive {
		s += " (transitively)"
	}
	return s
}
