package cloud

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// File is one input file's name and content.
type File struct {
	Name string
	Data []byte
}

// FileError is a file, or part of one, that could not be read.
type FileError struct {
	File    string
	Line    int
	Message string
}

// ModuleCall is a module block: rampart does not fetch or resolve modules,
// so the clusters a module creates are unknown to it.
type ModuleCall struct {
	Name, Source, Version string
	File                  string
	Line                  int
	// Local is set for sources such as ./modules/eks (folders whose files
	// are scanned on their own when they are inside the scanned paths).
	Local bool
}

// Module is what the Terraform files of one folder describe.
type Module struct {
	Clusters []*Cluster
	Modules  []ModuleCall
	Errors   []FileError
}

// IsTerraformVars reports whether a file is one Terraform loads values of
// variables from by itself.
func IsTerraformVars(name string) bool {
	base := filepath.Base(name)
	return base == "terraform.tfvars" || strings.HasSuffix(base, ".auto.tfvars")
}

// ReadTerraform evaluates the Terraform files of one folder (.tf files and
// the .tfvars files Terraform loads by itself): literal values, variables
// (tfvars, then defaults), locals, functions, and dynamic blocks. Whatever
// depends on something else (a variable without a value, another
// resource's attributes, a data source, a module output) stays unknown. A
// file that does not parse is an error; the others are still read.
func ReadTerraform(files []File) *Module {
	m := &Module{}
	e := &evaluator{src: map[string][]byte{}}
	var bodies []*hclsyntax.Body
	var varFiles []*hclsyntax.Body
	sorted := slices.Clone(files)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, f := range sorted {
		e.src[f.Name] = f.Data
		file, diags := hclsyntax.ParseConfig(f.Data, f.Name, hcl.InitialPos)
		if diags.HasErrors() {
			m.Errors = append(m.Errors, diagError(f.Name, diags))
			continue
		}
		body, ok := file.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		if IsTerraformVars(f.Name) {
			varFiles = append(varFiles, body)
		} else {
			bodies = append(bodies, body)
		}
	}
	e.evalVariables(bodies, varFiles)
	e.evalLocals(bodies)
	var resources []*Resource
	for _, b := range bodies {
		for _, blk := range b.Blocks {
			switch blk.Type {
			case "resource":
				if len(blk.Labels) != 2 {
					continue
				}
				if _, ok := clusterTypes[blk.Labels[0]]; !ok && !auxTypes[blk.Labels[0]] {
					if _, ok := relatedTypes[blk.Labels[0]]; !ok {
						continue
					}
				}
				if r := e.resource(blk); r != nil {
					resources = append(resources, r)
				}
			case "module":
				if len(blk.Labels) != 1 {
					continue
				}
				mc := ModuleCall{Name: blk.Labels[0], File: blk.TypeRange.Filename, Line: blk.DefRange().Start.Line}
				if a, ok := blk.Body.Attributes["source"]; ok {
					if v, d := a.Expr.Value(nil); !d.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
						mc.Source = v.AsString()
					}
				}
				if a, ok := blk.Body.Attributes["version"]; ok {
					if v, d := a.Expr.Value(nil); !d.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
						mc.Version = v.AsString()
					}
				}
				mc.Local = strings.HasPrefix(mc.Source, "./") || strings.HasPrefix(mc.Source, "../")
				m.Modules = append(m.Modules, mc)
			}
		}
	}
	m.Clusters = clustersOf(resources, "terraform")
	return m
}

func diagError(file string, diags hcl.Diagnostics) FileError {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		fe := FileError{File: file, Message: d.Summary}
		if d.Detail != "" {
			fe.Message += ": " + d.Detail
		}
		if d.Subject != nil {
			fe.Line = d.Subject.Start.Line
		}
		return fe
	}
	return FileError{File: file, Message: "invalid Terraform"}
}

type evaluator struct {
	src    map[string][]byte
	vars   map[string]cty.Value
	locals map[string]cty.Value
	base   *hcl.EvalContext
}

// functions are Terraform's built-in functions that go-cty implements; a
// call to any other leaves its result unknown.
var functions = map[string]function.Function{
	"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc, "log": stdlib.LogFunc,
	"max": stdlib.MaxFunc, "min": stdlib.MinFunc, "parseint": stdlib.ParseIntFunc, "pow": stdlib.PowFunc,
	"signum": stdlib.SignumFunc, "chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc,
	"formatlist": stdlib.FormatListFunc, "indent": stdlib.IndentFunc, "join": stdlib.JoinFunc,
	"lower": stdlib.LowerFunc, "upper": stdlib.UpperFunc, "replace": stdlib.ReplaceFunc,
	"regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc, "split": stdlib.SplitFunc,
	"strrev": stdlib.ReverseFunc, "substr": stdlib.SubstrFunc, "title": stdlib.TitleFunc,
	"trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc, "trimsuffix": stdlib.TrimSuffixFunc,
	"trimspace": stdlib.TrimSpaceFunc, "chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc,
	"coalescelist": stdlib.CoalesceListFunc, "compact": stdlib.CompactFunc, "concat": stdlib.ConcatFunc,
	"contains": stdlib.ContainsFunc, "distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc,
	"flatten": stdlib.FlattenFunc, "keys": stdlib.KeysFunc, "length": stdlib.LengthFunc,
	"lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc, "range": stdlib.RangeFunc,
	"reverse": stdlib.ReverseListFunc, "setintersection": stdlib.SetIntersectionFunc,
	"setproduct": stdlib.SetProductFunc, "setsubtract": stdlib.SetSubtractFunc, "setunion": stdlib.SetUnionFunc,
	"slice": stdlib.SliceFunc, "sort": stdlib.SortFunc, "values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc,
	"jsonencode": stdlib.JSONEncodeFunc, "jsondecode": stdlib.JSONDecodeFunc, "csvdecode": stdlib.CSVDecodeFunc,
	"tobool": stdlib.MakeToFunc(cty.Bool), "tonumber": stdlib.MakeToFunc(cty.Number),
	"tostring": stdlib.MakeToFunc(cty.String), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,
}

// known roots: anything else an expression names (resources, data
// sources, modules, each, count, path, self) is unknown.
func (e *evaluator) ctx() *hcl.EvalContext {
	if e.base == nil {
		e.base = &hcl.EvalContext{Functions: functions, Variables: map[string]cty.Value{
			"var":   cty.ObjectVal(e.vars),
			"local": cty.ObjectVal(e.locals),
		}}
	}
	return e.base
}

// withUnknownRoots gives the expression's unknown root names a dynamic
// (unknown) value, so that it evaluates as far as it can.
func withUnknownRoots(expr hcl.Expression, ctx *hcl.EvalContext) *hcl.EvalContext {
	var extra map[string]cty.Value
	for _, t := range expr.Variables() {
		root := t.RootName()
		if lookupVar(ctx, root) {
			continue
		}
		if extra == nil {
			extra = map[string]cty.Value{}
		}
		extra[root] = cty.DynamicVal
	}
	if extra == nil {
		return ctx
	}
	child := ctx.NewChild()
	child.Variables = extra
	return child
}

func lookupVar(ctx *hcl.EvalContext, name string) bool {
	for c := ctx; c != nil; c = c.Parent() {
		if _, ok := c.Variables[name]; ok {
			return true
		}
	}
	return false
}

// eval evaluates an expression; ok is false when it could not be.
func eval(expr hcl.Expression, ctx *hcl.EvalContext) (v cty.Value, ok bool) {
	defer func() {
		// go-cty functions panic on some malformed arguments; treat that
		// as an expression that cannot be evaluated.
		if recover() != nil {
			v, ok = cty.DynamicVal, false
		}
	}()
	v, diags := expr.Value(withUnknownRoots(expr, ctx))
	if diags.HasErrors() {
		return cty.DynamicVal, false
	}
	v, _ = v.UnmarkDeep()
	return v, true
}

func (e *evaluator) evalVariables(bodies, varFiles []*hclsyntax.Body) {
	e.vars = map[string]cty.Value{}
	fnCtx := &hcl.EvalContext{Functions: functions}
	for _, b := range bodies {
		for _, blk := range b.Blocks {
			if blk.Type != "variable" || len(blk.Labels) != 1 {
				continue
			}
			v := cty.DynamicVal
			if a, ok := blk.Body.Attributes["default"]; ok {
				if dv, ok := eval(a.Expr, fnCtx); ok {
					v = dv
				}
			}
			e.vars[blk.Labels[0]] = v
		}
	}
	for _, b := range varFiles {
		for name, a := range b.Attributes {
			if _, declared := e.vars[name]; !declared {
				continue
			}
			if v, ok := eval(a.Expr, fnCtx); ok {
				e.vars[name] = v
			}
		}
	}
}

// locals evaluates the locals in passes until none changes: a local may
// use others, in any order; cycles and unknowns stay unknown.
func (e *evaluator) evalLocals(bodies []*hclsyntax.Body) {
	exprs := map[string]hcl.Expression{}
	for _, b := range bodies {
		for _, blk := range b.Blocks {
			if blk.Type != "locals" {
				continue
			}
			for name, a := range blk.Body.Attributes {
				exprs[name] = a.Expr
			}
		}
	}
	e.locals = map[string]cty.Value{}
	for name := range exprs {
		e.locals[name] = cty.DynamicVal
	}
	names := make([]string, 0, len(exprs))
	for n := range exprs {
		names = append(names, n)
	}
	sort.Strings(names)
	for pass := 0; pass <= len(names); pass++ {
		ctx := &hcl.EvalContext{Functions: functions, Variables: map[string]cty.Value{
			"var": cty.ObjectVal(e.vars), "local": cty.ObjectVal(e.locals),
		}}
		changed := false
		next := make(map[string]cty.Value, len(names))
		for _, n := range names {
			v, _ := eval(exprs[n], ctx)
			next[n] = v
			if !v.RawEquals(e.locals[n]) {
				changed = true
			}
		}
		e.locals = next
		if !changed {
			break
		}
	}
}

func (e *evaluator) text(r hcl.Range) string {
	src := e.src[r.Filename]
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	s := strings.Join(strings.Fields(string(src[r.Start.Byte:r.End.Byte])), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// resource evaluates a resource block; nil when count or for_each says it
// is not created.
func (e *evaluator) resource(blk *hclsyntax.Block) *Resource {
	ctx := e.ctx()
	for _, meta := range []string{"count", "for_each"} {
		a, ok := blk.Body.Attributes[meta]
		if !ok {
			continue
		}
		v, ok := eval(a.Expr, ctx)
		if !ok || !v.IsKnown() || v.IsNull() {
			continue
		}
		if meta == "count" && v.Type() == cty.Number {
			if n, acc := v.AsBigFloat().Int64(); acc == 0 && n == 0 {
				return nil
			}
		}
		if meta == "for_each" && v.CanIterateElements() && v.IsWhollyKnown() && v.LengthInt() == 0 {
			return nil
		}
	}
	line := blk.DefRange().Start.Line
	r := &Resource{Type: blk.Labels[0], Name: blk.Labels[1], Address: blk.Labels[0] + "." + blk.Labels[1],
		File: blk.TypeRange.Filename, Line: line, ref: blk.Labels[0] + "." + blk.Labels[1]}
	r.Body = e.body(blk.Body, ctx, "", line)
	r.ignore = ignoresIn(e.src[r.File], line, blk.Range().End.Line)
	return r
}

// metaArgs are resource arguments that are not settings of the resource.
var metaArgs = map[string]bool{"count": true, "for_each": true, "depends_on": true, "provider": true}

func (e *evaluator) body(b *hclsyntax.Body, ctx *hcl.EvalContext, key string, line int) *Node {
	n := newObject(key, line)
	names := make([]string, 0, len(b.Attributes))
	for name := range b.Attributes {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		return b.Attributes[names[i]].SrcRange.Start.Byte < b.Attributes[names[j]].SrcRange.Start.Byte
	})
	for _, name := range names {
		if metaArgs[name] {
			continue
		}
		a := b.Attributes[name]
		n.set(name, e.attr(a.Expr, ctx, name, a.SrcRange.Start.Line))
	}
	for _, blk := range b.Blocks {
		switch blk.Type {
		case "lifecycle", "provisioner", "connection":
			continue
		case "dynamic":
			e.dynamic(blk, ctx, n)
			continue
		}
		bl := blk.DefRange().Start.Line
		list := blockList(n, blk.Type, bl)
		list.Items = append(list.Items, e.body(blk.Body, ctx, blk.Type, bl))
	}
	return n
}

func blockList(n *Node, typ string, line int) *Node {
	list := n.Field(typ)
	if list == nil || list.kind != kindList {
		list = &Node{kind: kindList, blocks: true, Line: line}
		n.set(typ, list)
	}
	return list
}

// dynamic expands a dynamic block: one block per element of a known
// for_each, none for an empty one, and one that may or may not exist
// (Maybe) when for_each is not known.
func (e *evaluator) dynamic(blk *hclsyntax.Block, ctx *hcl.EvalContext, parent *Node) {
	if len(blk.Labels) != 1 {
		return
	}
	typ := blk.Labels[0]
	iter := typ
	if a, ok := blk.Body.Attributes["iterator"]; ok {
		if kw := hcl.ExprAsKeyword(a.Expr); kw != "" {
			iter = kw
		}
	}
	var content *hclsyntax.Block
	for _, c := range blk.Body.Blocks {
		if c.Type == "content" {
			content = c
			break
		}
	}
	fe, hasForEach := blk.Body.Attributes["for_each"]
	if content == nil || !hasForEach {
		return
	}
	line := blk.DefRange().Start.Line
	list := blockList(parent, typ, line)
	v, ok := eval(fe.Expr, ctx)
	if ok && v.IsKnown() && !v.IsNull() && v.CanIterateElements() && (!v.Type().IsSetType() || v.IsWhollyKnown()) && v.LengthInt() <= maxDynamicBlocks {
		for it := v.ElementIterator(); it.Next(); {
			k, val := it.Element()
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{iter: cty.ObjectVal(map[string]cty.Value{"key": k, "value": val})}
			list.Items = append(list.Items, e.body(content.Body, child, typ, line))
		}
		return
	}
	child := ctx.NewChild()
	child.Variables = map[string]cty.Value{iter: cty.DynamicVal}
	item := e.body(content.Body, child, typ, line)
	item.Maybe = true
	item.Expr = e.text(fe.Expr.Range())
	list.Items = append(list.Items, item)
}

// attr evaluates an attribute's expression into a node.
func (e *evaluator) attr(expr hclsyntax.Expression, ctx *hcl.EvalContext, key string, line int) *Node {
	refs := refsOf(expr)
	text := e.text(expr.Range())
	v, ok := eval(expr, ctx)
	var n *Node
	if !ok {
		n = newUnknown(key, line, text)
	} else {
		n = fromCty(key, line, v, text)
	}
	n.Refs = refs
	return n
}

// refsOf lists the resources an expression refers to, as type.name (and
// module.NAME, data.TYPE.NAME).
func refsOf(expr hcl.Expression) []string {
	var out []string
	for _, t := range expr.Variables() {
		root := t.RootName()
		switch root {
		case "var", "local", "each", "count", "path", "terraform", "self":
			continue
		}
		parts := []string{root}
		want := 2
		if root == "data" {
			want = 3
		}
		for _, step := range t[1:] {
			if len(parts) == want {
				break
			}
			a, ok := step.(hcl.TraverseAttr)
			if !ok {
				break
			}
			parts = append(parts, a.Name)
		}
		if len(parts) == want {
			ref := strings.Join(parts, ".")
			if !slices.Contains(out, ref) {
				out = append(out, ref)
			}
		}
	}
	return out
}

// fromCty turns an evaluated value into nodes; unknown parts keep the
// expression text for messages.
func fromCty(key string, line int, v cty.Value, expr string) *Node {
	if !v.IsKnown() {
		return newUnknown(key, line, expr)
	}
	if v.IsNull() {
		return &Node{Key: key, Line: line, kind: kindNull}
	}
	ty := v.Type()
	switch {
	case ty == cty.Bool:
		return &Node{Key: key, Line: line, kind: kindScalar, Scalar: v.True()}
	case ty == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return &Node{Key: key, Line: line, kind: kindScalar, Scalar: f}
	case ty == cty.String:
		return &Node{Key: key, Line: line, kind: kindScalar, Scalar: v.AsString()}
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		if ty.IsSetType() && !v.IsWhollyKnown() {
			return newUnknown(key, line, expr)
		}
		n := &Node{Key: key, Line: line, kind: kindList}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			n.Items = append(n.Items, fromCty(key, line, ev, expr))
		}
		return n
	case ty.IsMapType() || ty.IsObjectType():
		n := newObject(key, line)
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			n.set(k.AsString(), fromCty(k.AsString(), line, ev, expr))
		}
		return n
	}
	return newUnknown(key, line, expr)
}

// String describes a module call for messages.
func (m ModuleCall) String() string {
	s := fmt.Sprintf("module %q", m.Name)
	if m.Source != "" {
		s += " (source " + m.Source
		if m.Version != "" {
			s += ", version " + m.Version
		}
		s += ")"
	}
	return s
}
