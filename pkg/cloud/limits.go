package cloud

import (
	"errors"
	"regexp"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Hostile or broken Terraform must not exhaust the scan: the functions
// that can build large values refuse beyond these bounds (the expression
// is then unknown, as any that cannot be evaluated).
const (
	maxSequence      = 4096 // elements of range(), setproduct(), dynamic blocks
	maxFormatWidth   = 999  // width or precision in format verbs, indent()
	maxDynamicBlocks = maxSequence
)

var errTooLarge = errors.New("value too large for rampart to evaluate")

// guarded is f with a check of its arguments before it runs.
func guarded(f function.Function, guard func(args []cty.Value) error) function.Function {
	spec := &function.Spec{
		Params:   f.Params(),
		VarParam: f.VarParam(),
		Type:     f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if err := guard(args); err != nil {
				return cty.DynamicVal, err
			}
			return f.Call(args)
		},
	}
	return function.New(spec)
}

func knownInt(v cty.Value) (int64, bool) {
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
		return 0, false
	}
	f, _ := v.AsBigFloat().Float64()
	if f > 1e15 || f < -1e15 {
		return 1 << 50, true
	}
	return int64(f), true
}

func rangeGuard(args []cty.Value) error {
	var start, end, step int64 = 0, 0, 1
	var ok [3]bool
	switch len(args) {
	case 1:
		end, ok[0] = knownInt(args[0])
		ok[1], ok[2] = true, true
	case 2:
		start, ok[0] = knownInt(args[0])
		end, ok[1] = knownInt(args[1])
		ok[2] = true
	case 3:
		start, ok[0] = knownInt(args[0])
		end, ok[1] = knownInt(args[1])
		step, ok[2] = knownInt(args[2])
	default:
		return nil
	}
	if !ok[0] || !ok[1] || !ok[2] {
		return nil
	}
	if step == 0 {
		step = 1
	}
	n := (end - start) / step
	if n < 0 {
		n = -n
	}
	if n > maxSequence {
		return errTooLarge
	}
	return nil
}

func productGuard(args []cty.Value) error {
	total := int64(1)
	for _, a := range args {
		if !a.IsKnown() || a.IsNull() || !a.CanIterateElements() || (a.Type().IsSetType() && !a.IsWhollyKnown()) {
			return nil
		}
		total *= int64(a.LengthInt())
		if total > maxSequence {
			return errTooLarge
		}
	}
	return nil
}

var wideVerb = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?\d{4,}|\.\d{4,}`)

func formatGuard(args []cty.Value) error {
	if len(args) > 0 && args[0].IsKnown() && !args[0].IsNull() && args[0].Type() == cty.String && wideVerb.MatchString(args[0].AsString()) {
		return errTooLarge
	}
	return nil
}

func indentGuard(args []cty.Value) error {
	if len(args) > 0 {
		if n, ok := knownInt(args[0]); ok && n > maxFormatWidth {
			return errTooLarge
		}
	}
	return nil
}

func init() {
	functions["range"] = guarded(stdlib.RangeFunc, rangeGuard)
	functions["setproduct"] = guarded(stdlib.SetProductFunc, productGuard)
	functions["format"] = guarded(stdlib.FormatFunc, formatGuard)
	functions["formatlist"] = guarded(stdlib.FormatListFunc, formatGuard)
	functions["indent"] = guarded(stdlib.IndentFunc, indentGuard)
}
