// Command profile runs rampart's scan in-process on a benchmark corpus under
// runtime/pprof, timing each stage (read and decode, index, checks, JSON
// rendering) and the heap each leaves alive.
//
//	go run ./bench/profile -cpuprofile cpu.out -memprofile mem.out [-scale N | DIR]
//	go tool pprof -top cpu.out
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/rampart-k8s/rampart/bench/gen"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/report"
	"github.com/rampart-k8s/rampart/pkg/scan"
	"github.com/rampart-k8s/rampart/pkg/source"
)

func main() {
	cpuOut := flag.String("cpuprofile", "", "write a CPU profile of the scan to this file")
	memOut := flag.String("memprofile", "", "write a heap profile (after the checks, inventory still alive) to this file")
	allocOut := flag.String("allocprofile", "", "write an allocation profile (every allocation of the run) to this file")
	scale := flag.Int("scale", gen.DefaultScale, "corpus scale when no DIR is given")
	flag.Parse()
	if err := run(*cpuOut, *memOut, *allocOut, *scale, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func heapMiB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

func run(cpuOut, memOut, allocOut string, scale int, paths []string) error {
	if len(paths) == 0 {
		dir, err := os.MkdirTemp("", "rampart-profile-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		st, err := gen.Generate(dir, scale)
		if err != nil {
			return err
		}
		fmt.Printf("corpus: %d objects, %.1f MB in %s\n", st.Objects, float64(st.Bytes)/1e6, dir)
		paths = []string{dir}
	}
	if allocOut != "" {
		runtime.MemProfileRate = 64 << 10
	}
	if cpuOut != "" {
		f, err := os.Create(cpuOut) // #nosec G304 -- path from the command line
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	reg := all.Registry()
	base := heapMiB()
	t := time.Now()
	res := source.Load(paths, source.Options{})
	tLoad := time.Since(t)
	hLoad := heapMiB()

	t = time.Now()
	inv := inventory.New(res.Objects)
	tIndex := time.Since(t)

	t = time.Now()
	rep := scan.Inventory(inv, scan.Options{Registry: reg})
	rep.Errors = append(rep.Errors, res.Errors...)
	rep.Sort()
	rep.Summarize(rep.Summary.Objects, finding.SeverityHigh)
	tChecks := time.Since(t)
	hChecks := heapMiB()
	if memOut != "" {
		if err := writeProfile("heap", memOut); err != nil {
			return err
		}
	}

	t = time.Now()
	if err := report.JSON(io.Discard, rep); err != nil {
		return err
	}
	tRender := time.Since(t)
	if allocOut != "" {
		if err := writeProfile("allocs", allocOut); err != nil {
			return err
		}
	}

	fmt.Printf("objects %d, findings %d, input errors %d\n", inv.Len(), rep.Summary.Findings, len(rep.Errors))
	fmt.Printf("%-22s %9s %16s\n", "stage", "wall", "live heap after")
	fmt.Printf("%-22s %9s %12.1f MiB\n", "(start)", "", base)
	fmt.Printf("%-22s %8.3fs %12.1f MiB\n", "read + decode", tLoad.Seconds(), hLoad)
	fmt.Printf("%-22s %8.3fs\n", "index", tIndex.Seconds())
	fmt.Printf("%-22s %8.3fs %12.1f MiB\n", "checks + policy", tChecks.Seconds(), hChecks)
	fmt.Printf("%-22s %8.3fs\n", "render JSON", tRender.Seconds())
	runtime.KeepAlive(res)
	return nil
}

func writeProfile(name, path string) error {
	f, err := os.Create(path) // #nosec G304 -- path from the command line
	if err != nil {
		return err
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
