// Command gen writes rampart's benchmark corpus into a folder:
//
//	go run ./bench/gen/cmd -scale 200 DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rampart-k8s/rampart/bench/gen"
)

func main() {
	scale := flag.Int("scale", gen.DefaultScale, "number of namespaces (each adds "+fmt.Sprint(gen.ObjectsPerNamespace)+" objects)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gen [-scale N] DIR\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	st, err := gen.Generate(flag.Arg(0), *scale)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("%d objects, %d files, %.1f MB (%d bytes) in %s\n", st.Objects, st.Files, float64(st.Bytes)/1e6, st.Bytes, flag.Arg(0))
}
