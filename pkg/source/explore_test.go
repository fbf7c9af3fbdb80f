package source

import (
	"strings"
	"testing"
	"time"
	"fmt"
	"runtime"
)

func bomb(levels, n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a0: &a0 \"lol\"\n")
	for l := 1; l <= levels; l++ {
		fmt.Fprintf(&b, "  a%d: &a%d [", l, l)
		for i := 0; i < n; i++ {
			if i > 0 { b.WriteString(", ") }
			fmt.Fprintf(&b, "*a%d", l-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestExplore(t *testing.T) {
	cases := map[string]string{
		"blockseq20000": "apiVersion: v1\nkind: ConfigMap\ndata:\n" + strings.Repeat("- ", 20000) + "x\n",
		"flow1e6": "apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("[", 1000000) + "\n",
		"flowbypass": "apiVersion: v1\nkind: ConfigMap\ndata: [a\", " + strings.Repeat("[", 9990) + "x"+ strings.Repeat("]", 9991) + "\n",
		"flowbypass2": "apiVersion: v1\nkind: ConfigMap\ndata: [a\", " + strings.Repeat("[", 20000) + "x"+ strings.Repeat("]", 20001) + "\n",
		"bomb": bomb(9, 9),
		"mixed": "apiVersion: v1\nkind: ConfigMap\ndata:\n" + strings.Repeat("- [", 5000) + "x\n",
	}
	for name, doc := range cases {
		var m0, m1 runtime.MemStats
		runtime.GC(); runtime.ReadMemStats(&m0)
		st := time.Now()
		objs, errs := parseDocuments("x.yaml", []byte(doc), DefaultLimits, "")
		runtime.ReadMemStats(&m1)
		fmt.Printf("%s: len=%d %v objs=%d errs=%v alloc=%dKB\n", name, len(doc), time.Since(st), len(objs), errs, (m1.TotalAlloc-m0.TotalAlloc)>>10)
	}
}
