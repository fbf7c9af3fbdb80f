// Package dockerfile reads Dockerfiles with BuildKit's own parser into
// stages and instructions that keep their lines: which image each stage
// starts from (build arguments substituted where their defaults say), which
// stage it builds on, and what it runs.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// File is a parsed Dockerfile.
type File struct {
	Name string
	// MetaArgs are the ARGs before the first FROM, which FROM lines may use.
	MetaArgs []Instruction
	Stages   []*Stage
	// Ignore holds the inline suppressions of the file, from comments
	// "# rampart:ignore CHECK: reason", joined as in the annotation.
	Ignore string
}

// Stage is one FROM and the instructions after it.
type Stage struct {
	Index int
	// Name is the stage's AS name, if any.
	Name string
	// Base is the FROM argument as written; Image is it with build
	// arguments substituted (their defaults).
	Base, Image string
	// Unresolved lists the build arguments of Base that have no default.
	Unresolved []string
	// Parent is the index of the earlier stage this one builds on, or -1
	// when it starts from an image (or scratch).
	Parent int
	// Platform is the --platform flag, if any.
	Platform     string
	Line         int
	Instructions []Instruction
}

// Scratch reports whether the stage starts from the empty image.
func (s *Stage) Scratch() bool { return s.Parent < 0 && strings.EqualFold(s.Image, "scratch") }

// External reports whether the stage starts from an image pulled from a
// registry (not an earlier stage, not scratch).
func (s *Stage) External() bool { return s.Parent < 0 && !s.Scratch() }

// Instruction is one Dockerfile instruction.
type Instruction struct {
	// Cmd is the instruction in lower case: run, user, add, env, arg, ...
	Cmd string
	// Args are its arguments as BuildKit splits them (for ENV and ARG:
	// name, value pairs are in KeyValues instead).
	Args []string
	// KeyValues are the name=value pairs of ENV and ARG (ARG without a
	// default has HasValue false).
	KeyValues []KeyValue
	Flags     []string
	// Original is the instruction's text, continuation lines joined.
	Original string
	Line     int
	EndLine  int
	// Heredocs are the bodies of here-documents (RUN <<EOF ...).
	Heredocs []string
	// JSON is set for the exec form (RUN ["a", "b"]).
	JSON bool
}

// KeyValue is one name=value of ENV or ARG.
type KeyValue struct {
	Key, Value string
	HasValue   bool
}

// ParseError is a Dockerfile that BuildKit refuses, with the line.
type ParseError struct {
	Line    int
	Message string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// IsDockerfile reports whether a file name is one Docker builds by
// convention: Dockerfile, Containerfile, name.Dockerfile, Dockerfile.name.
func IsDockerfile(path string) bool {
	base := filepath.Base(path)
	lb := strings.ToLower(base)
	switch {
	case lb == "dockerfile" || lb == "containerfile":
		return true
	case strings.HasSuffix(lb, ".dockerignore"):
		return false
	case strings.HasSuffix(lb, ".dockerfile") && len(lb) > len(".dockerfile"):
		return true
	case strings.HasPrefix(lb, "dockerfile.") || strings.HasPrefix(lb, "containerfile."):
		// Dockerfile.dev, Dockerfile.prod; not backups or documents.
		ext := lb[strings.Index(lb, ".")+1:]
		switch ext {
		case "md", "txt", "orig", "bak", "swp", "rej", "tmp", "json", "yaml", "yml", "sh", "j2", "tpl", "tmpl", "template", "in":
			return false
		}
		return ext != ""
	}
	return false
}

// Parse reads a Dockerfile. A Dockerfile BuildKit cannot parse is a
// *ParseError with its line.
func Parse(name string, data []byte) (f *File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, &ParseError{Message: fmt.Sprintf("the Dockerfile parser failed: %v", r)}
		}
	}()
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, parseError(err)
	}
	f = &File{Name: name, Ignore: ignores(data)}
	lex := shell.NewLex(res.EscapeToken)
	meta := map[string]string{}
	metaSet := map[string]bool{}
	var cur *Stage
	for _, n := range res.AST.Children {
		in := instruction(n, lex)
		if in.Cmd == "from" {
			cur = f.newStage(in, lex, meta, metaSet)
			continue
		}
		if cur == nil {
			if in.Cmd == "arg" {
				f.MetaArgs = append(f.MetaArgs, in)
				for _, kv := range in.KeyValues {
					if kv.HasValue {
						meta[kv.Key] = kv.Value
						metaSet[kv.Key] = true
					} else if !metaSet[kv.Key] {
						metaSet[kv.Key] = false
					}
				}
			}
			continue
		}
		cur.Instructions = append(cur.Instructions, in)
	}
	if len(f.Stages) == 0 {
		line := 1
		if len(res.AST.Children) > 0 {
			line = res.AST.Children[0].StartLine
		}
		return nil, &ParseError{Line: line, Message: "no FROM instruction: not a Dockerfile"}
	}
	return f, nil
}

func parseError(err error) error {
	var le *parser.LocationError
	line := 0
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line = le.Locations[0][0].Start.Line
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	return &ParseError{Line: line, Message: msg}
}

func instruction(n *parser.Node, lex *shell.Lex) Instruction {
	in := Instruction{Cmd: strings.ToLower(n.Value), Flags: n.Flags, Original: n.Original, Line: n.StartLine, EndLine: n.EndLine,
		JSON: n.Attributes["json"]}
	for _, h := range n.Heredocs {
		in.Heredocs = append(in.Heredocs, h.Content)
	}
	switch in.Cmd {
	case "env":
		for a := n.Next; a != nil && a.Next != nil; {
			val := unquote(lex, a.Next.Value)
			in.KeyValues = append(in.KeyValues, KeyValue{Key: a.Value, Value: val, HasValue: true})
			a = a.Next.Next
			if a != nil {
				a = a.Next // the separator node
			}
		}
	case "arg":
		for a := n.Next; a != nil; a = a.Next {
			k, v, ok := strings.Cut(a.Value, "=")
			if ok {
				v = unquote(lex, v)
			}
			in.KeyValues = append(in.KeyValues, KeyValue{Key: k, Value: v, HasValue: ok})
		}
	default:
		for a := n.Next; a != nil; a = a.Next {
			in.Args = append(in.Args, a.Value)
		}
	}
	return in
}

// unquote removes the shell quoting of a value without expanding variables.
func unquote(lex *shell.Lex, s string) string {
	if !strings.ContainsAny(s, `"'\`) {
		return s
	}
	res, err := lex.ProcessWordWithMatches(s, literalEnv{})
	if err != nil {
		return s
	}
	return res.Result
}

// literalEnv expands $NAME to itself, so that unquoting keeps references.
type literalEnv struct{}

func (literalEnv) Get(k string) (string, bool) { return "$" + k, true }
func (literalEnv) Keys() []string              { return nil }

type mapEnv map[string]string

func (m mapEnv) Get(k string) (string, bool) {
	v, ok := m[k]
	return v, ok
}

func (m mapEnv) Keys() []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (f *File) newStage(in Instruction, lex *shell.Lex, meta map[string]string, metaSet map[string]bool) *Stage {
	s := &Stage{Index: len(f.Stages), Parent: -1, Line: in.Line}
	if len(in.Args) > 0 {
		s.Base = in.Args[0]
	}
	if len(in.Args) >= 3 && strings.EqualFold(in.Args[1], "as") {
		s.Name = in.Args[2]
	}
	for _, fl := range in.Flags {
		if v, ok := strings.CutPrefix(fl, "--platform="); ok {
			s.Platform = v
		}
	}
	env := mapEnv{}
	for k, v := range meta {
		if metaSet[k] {
			env[k] = v
		}
	}
	s.Image = s.Base
	if strings.Contains(s.Base, "$") {
		res, err := lex.ProcessWordWithMatches(s.Base, env)
		if err == nil {
			s.Image = res.Result
			for k := range res.Unmatched {
				s.Unresolved = append(s.Unresolved, k)
			}
			sort.Strings(s.Unresolved)
		} else {
			s.Unresolved = []string{s.Base}
		}
	}
	for _, prev := range f.Stages {
		if prev.Name != "" && strings.EqualFold(prev.Name, s.Image) {
			s.Parent = prev.Index
			break
		}
	}
	f.Stages = append(f.Stages, s)
	return s
}

// Final returns the last stage, the one a plain docker build produces.
func (f *File) Final() *Stage { return f.Stages[len(f.Stages)-1] }

// Chain returns the stage and the stages it builds on, from the stage back
// to the one that starts from an image.
func (f *File) Chain(s *Stage) []*Stage {
	var out []*Stage
	seen := map[int]bool{}
	for cur := s; cur != nil && !seen[cur.Index]; {
		seen[cur.Index] = true
		out = append(out, cur)
		if cur.Parent < 0 {
			break
		}
		cur = f.Stages[cur.Parent]
	}
	return out
}

var ignoreComment = regexp.MustCompile(`(?m)^[ \t]*#[ \t]*rampart:ignore[ \t]+(.+?)[ \t\r]*$`)

func ignores(data []byte) string {
	var out []string
	for _, m := range ignoreComment.FindAllSubmatch(data, -1) {
		out = append(out, string(m[1]))
	}
	return strings.Join(out, ", ")
}
