package controlplane

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
)

// Syntax is how a component parses its command line.
type Syntax int

const (
	// PFlag is spf13/pflag with Kubernetes' word-separator normalisation
	// ("_" reads as "-"): kube-apiserver, kube-controller-manager,
	// kube-scheduler, kubelet and kube-proxy. Long flags take two dashes;
	// a single dash introduces shorthands (-v=2); bare boolean flags are
	// true and never take the next argument as their value; other flags
	// take "=value" or the next argument; parsing goes on after a
	// positional argument (which the components then refuse) up to "--".
	PFlag Syntax = iota
	// GoFlag is Go's standard flag package (etcd): one or two dashes alike,
	// a boolean takes a value only as "=value", and parsing stops at the
	// first positional argument (etcd then refuses to start).
	GoFlag
)

// Occurrence is one flag as written on a command line.
type Occurrence struct {
	// Name is the flag's name without dashes, normalised as the component
	// does (for PFlag, "_" becomes "-").
	Name string
	// Value is the value given, or "true" for a bare boolean.
	Value string
	// Bare is set for a boolean given without a value.
	Bare bool
	// Index is the position of the flag in argv; ValueIndex that of its
	// value when it came as the next argument (else equal to Index).
	Index, ValueIndex int
}

// Args is a parsed command line.
type Args struct {
	// Argv is the command line as given, the program first.
	Argv []string
	// Flags are the flags in the order written.
	Flags []Occurrence
	// Positional are arguments that are not flags (the components refuse
	// to start with any), and everything after "--".
	Positional []string
	// Errors are what the component's own parser would reject.
	Errors []string
}

// FlagSpec tells the parser what it cannot guess from the command line
// alone: which flags are booleans (a bare boolean does not consume the
// next argument) and which shorthands exist.
type FlagSpec struct {
	Syntax Syntax
	Bools  map[string]bool
	// AnyValue are booleans that accept any value (flags a component
	// still takes and ignores).
	AnyValue map[string]bool
	// Shorthands maps a one-letter shorthand to its long name; the value
	// says whether it is a boolean.
	Shorthands map[byte]shorthand
}

type shorthand struct {
	name string
	bool bool
}

// ParseArgs parses argv (the program first) as the component whose spec
// is given parses it. It never fails: what the component would reject is
// recorded in Errors and skipped.
func ParseArgs(argv []string, spec FlagSpec) *Args {
	a := &Args{Argv: argv}
	if len(argv) == 0 {
		return a
	}
	if spec.Syntax == GoFlag {
		a.parseGo(spec)
	} else {
		a.parsePFlag(spec)
	}
	return a
}

func normalize(name string) string {
	return strings.ReplaceAll(name, "_", "-")
}

func (a *Args) parsePFlag(spec FlagSpec) {
	for i := 1; i < len(a.Argv); i++ {
		s := a.Argv[i]
		switch {
		case len(s) < 2 || s[0] != '-':
			a.Positional = append(a.Positional, s)
		case s == "--":
			a.Positional = append(a.Positional, a.Argv[i+1:]...)
			return
		case s[1] == '-':
			i = a.longFlag(spec, i, normalize(s[2:]), true)
		default:
			i = a.shortFlags(spec, i)
		}
	}
}

// longFlag parses the flag at argv[i] (name holds what follows the dashes)
// and returns the index of the last argument it used. nextIfDash says
// whether a value that looks like a flag ("--x") may be taken from the
// next argument.
func (a *Args) longFlag(spec FlagSpec, i int, name string, pflag bool) int {
	if name == "" || name[0] == '-' || name[0] == '=' {
		a.Errors = append(a.Errors, fmt.Sprintf("bad flag syntax: %s", a.Argv[i]))
		return i
	}
	value, hasValue := "", false
	if k := strings.IndexByte(name, '='); k >= 0 {
		name, value, hasValue = name[:k], name[k+1:], true
	}
	occ := Occurrence{Name: name, Index: i, ValueIndex: i}
	switch {
	case hasValue:
		occ.Value = value
	case spec.Bools[name]:
		occ.Value, occ.Bare = "true", true
	case i+1 < len(a.Argv) && (!pflag || !strings.HasPrefix(a.Argv[i+1], "--")) && (pflag || !spec.knownBool(a.Argv[i+1])):
		// Both parsers take the next argument as the value of a flag that
		// needs one, even when it starts with a dash (--pod-max-pids -1).
		// Knowing only the booleans, a flag followed by another flag is
		// taken for a boolean the table lacks: pflag's "--x" always; with
		// Go's flag (etcd), which would take "--x" as the value, only when
		// "--x" is a boolean rampart knows, so that an etcd boolean of
		// another release does not hide --client-cert-auth after it.
		i++
		occ.Value, occ.ValueIndex = a.Argv[i], i
	case pflag:
		// Unknown to our table and followed by another flag or nothing:
		// a boolean we do not know of.
		occ.Value, occ.Bare = "true", true
	case i+1 < len(a.Argv):
		occ.Value, occ.Bare = "true", true
		a.Errors = append(a.Errors, fmt.Sprintf("flag -%s is followed by another flag: taken as a boolean rampart does not know", name))
	default:
		a.Errors = append(a.Errors, fmt.Sprintf("flag needs an argument: -%s", name))
		return i
	}
	if spec.Bools[name] && !spec.AnyValue[name] {
		if _, err := strconv.ParseBool(occ.Value); err != nil {
			a.Errors = append(a.Errors, fmt.Sprintf("invalid boolean %q for flag --%s", occ.Value, name))
			return i
		}
	}
	a.Flags = append(a.Flags, occ)
	return i
}

// knownBool: arg is a flag ("--x", "-x", "--x=v") that names a boolean
// of the spec.
func (spec FlagSpec) knownBool(arg string) bool {
	if len(arg) < 2 || arg[0] != '-' {
		return false
	}
	name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	if k := strings.IndexByte(name, '='); k >= 0 {
		name = name[:k]
	}
	return spec.Bools[normalize(name)]
}

// shortFlags parses a group of pflag shorthands at argv[i] (-v=2, -v2,
// -v 2, -h) and returns the index of the last argument used. Shorthands
// set flags of no security relevance; unknown ones are errors.
func (a *Args) shortFlags(spec FlagSpec, i int) int {
	s := a.Argv[i][1:]
	for len(s) > 0 {
		sh, ok := spec.Shorthands[s[0]]
		if !ok {
			a.Errors = append(a.Errors, fmt.Sprintf("unknown shorthand flag: %q in %s", s[0], a.Argv[i]))
			return i
		}
		occ := Occurrence{Name: sh.name, Index: i, ValueIndex: i}
		switch {
		case len(s) > 1 && s[1] == '=':
			occ.Value, s = s[2:], ""
		case sh.bool:
			occ.Value, occ.Bare, s = "true", true, s[1:]
		case len(s) > 1:
			occ.Value, s = s[1:], ""
		case i+1 < len(a.Argv):
			i++
			occ.Value, occ.ValueIndex, s = a.Argv[i], i, ""
		default:
			a.Errors = append(a.Errors, fmt.Sprintf("flag needs an argument: %q in %s", s[0], a.Argv[i]))
			return i
		}
		a.Flags = append(a.Flags, occ)
	}
	return i
}

func (a *Args) parseGo(spec FlagSpec) {
	for i := 1; i < len(a.Argv); i++ {
		s := a.Argv[i]
		if len(s) < 2 || s[0] != '-' {
			a.Positional = append(a.Positional, a.Argv[i:]...)
			a.Errors = append(a.Errors, fmt.Sprintf("%q is not a valid flag; flags after it are ignored", s))
			return
		}
		dashes := 1
		if s[1] == '-' {
			dashes++
			if len(s) == 2 {
				a.Positional = append(a.Positional, a.Argv[i+1:]...)
				return
			}
		}
		i = a.longFlag(spec, i, s[dashes:], false)
	}
}

// Has reports whether the flag is given.
func (a *Args) Has(name string) bool {
	_, ok := a.Last(name)
	return ok
}

// Last returns the flag's last occurrence: the one that wins for a flag
// that holds one value.
func (a *Args) Last(name string) (Occurrence, bool) {
	for i := len(a.Flags) - 1; i >= 0; i-- {
		if a.Flags[i].Name == name {
			return a.Flags[i], true
		}
	}
	return Occurrence{}, false
}

// All returns every occurrence of the flag, in order.
func (a *Args) All(name string) []Occurrence {
	var out []Occurrence
	for _, o := range a.Flags {
		if o.Name == name {
			out = append(out, o)
		}
	}
	return out
}

// SplitList splits a list flag's value as pflag's string slices do (CSV,
// so that quoted items may hold commas), trimming spaces around items and
// dropping empty ones.
func SplitList(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	r := csv.NewReader(strings.NewReader(v))
	r.LazyQuotes = true
	fields, err := r.Read()
	if err != nil {
		fields = strings.Split(v, ",")
	}
	out := fields[:0]
	for _, f := range fields {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// ParseMapBool parses a feature-gate style value ("A=true,B=false") as
// component-base's map flags do; entries that do not parse are returned
// as errors and skipped.
func ParseMapBool(v string) (map[string]bool, []string) {
	out := map[string]bool{}
	var errs []string
	for _, kv := range strings.Split(v, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, val, ok := strings.Cut(kv, "=")
		b, err := strconv.ParseBool(strings.TrimSpace(val))
		if !ok || err != nil {
			errs = append(errs, fmt.Sprintf("%q is not key=bool", kv))
			continue
		}
		out[strings.TrimSpace(k)] = b
	}
	return out, errs
}
