// Command netpol is the NetworkPolicy benchmark (`make bench-netpol`). It
// generates a cluster (bench/netpolgen: 10,000 pods in 1,000 workloads
// across 100 namespaces, 2,000 policies) and measures, in a child process
// of its own (for its peak memory): building the model, the full
// workload matrix, and single explains. For scale, it also times the
// plain loop over every pair of pods (each pair explained on its own, no
// grouping) on smaller clusters, to show how that cost grows. Timings are
// reported, never asserted.
//
//	go run ./bench/netpol [-runs N]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/rampart-k8s/rampart/bench/internal/benchutil"
	"github.com/rampart-k8s/rampart/bench/netpolgen"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/netpol"
)

type result struct {
	Workloads, Policies, Pods int
	Build, Matrix             time.Duration
	ExplainP50, ExplainMax    time.Duration
	Allowed                   int
	PairLoop                  []pairLoop
}

type pairLoop struct {
	Pods  int
	Pairs int
	Took  time.Duration
}

func main() {
	child := flag.Bool("child", false, "measure in-process and print JSON (used by the parent)")
	runs := flag.Int("runs", 3, "measured child runs (median times, largest RSS)")
	flag.Parse()
	if *child {
		if err := json.NewEncoder(os.Stdout).Encode(measure()); err != nil {
			fail(err)
		}
		return
	}
	rs := make([]result, 0, *runs)
	rss, err := benchutil.RunSelf(*runs, func() any { rs = append(rs, result{}); return &rs[len(rs)-1] }, "-child")
	if err != nil {
		fail(err)
	}
	med := func(f func(r result) time.Duration) time.Duration {
		var ds []time.Duration
		for _, r := range rs {
			ds = append(ds, f(r))
		}
		return benchutil.Median(ds)
	}
	r := rs[0]
	fmt.Printf("cluster: %d pods in %d workloads, %d NetworkPolicies; median of %d runs, %d cores\n", r.Pods, r.Workloads, r.Policies, *runs, runtime.NumCPU())
	fmt.Printf("  model build            %s\n", benchutil.S3(med(func(r result) time.Duration { return r.Build })))
	fmt.Printf("  full workload matrix   %s (target < 3s); %d of %d pairs allow something\n", benchutil.S3(med(func(r result) time.Duration { return r.Matrix })),
		r.Allowed, r.Workloads*r.Workloads)
	fmt.Printf("  explain, 1,000 pairs   median %.3f ms, max %.3f ms (target < 50 ms)\n",
		ms(med(func(r result) time.Duration { return r.ExplainP50 })), ms(med(func(r result) time.Duration { return r.ExplainMax })))
	fmt.Printf("  peak RSS               %.1f MiB (target < 500 MiB)\n", float64(slices.Max(rss))/1024)
	fmt.Println("plain loop over every pair of pods, each explained on its own (no grouping):")
	for i, p := range r.PairLoop {
		var ds []time.Duration
		for _, x := range rs {
			ds = append(ds, x.PairLoop[i].Took)
		}
		fmt.Printf("  %6d pods, %10d pairs: %s\n", p.Pods, p.Pairs, benchutil.S3(benchutil.Median(ds)))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/netpol:", err)
	os.Exit(1)
}

func measure() result {
	objs := netpolgen.Generate(20261123, netpolgen.Large)
	inv := inventory.New(objs)
	runtime.GC()
	var r result
	start := time.Now()
	m := netpol.NewModel(inv, netpol.Options{})
	r.Build = time.Since(start)
	r.Workloads, r.Policies = len(m.Workloads), len(m.Policies)
	r.Pods = len(inv.ByKind("Pod"))

	start = time.Now()
	mx := m.Matrix(runtime.NumCPU())
	r.Matrix = time.Since(start)
	for i := range mx.Conns {
		for j := range mx.Conns[i] {
			if !mx.Conns[i][j].Empty() {
				r.Allowed++
			}
		}
	}

	rng := rand.New(rand.NewPCG(20261123, 3)) // #nosec G404 -- reproducible pairs, not secrets
	var lat []time.Duration
	for range 1000 {
		a, b := m.Workloads[rng.IntN(len(m.Workloads))], m.Workloads[rng.IntN(len(m.Workloads))]
		t := time.Now()
		m.Explain(netpol.Endpoint{Workload: a}, netpol.Endpoint{Workload: b}, netpol.TCP, 9000)
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	r.ExplainP50, r.ExplainMax = lat[len(lat)/2], lat[len(lat)-1]

	// The plain loop: bare pods (each its own endpoint), every pair
	// explained afresh.
	for _, namespaces := range []int{5, 10, 20} {
		s := netpolgen.Sizes{Namespaces: namespaces, WorkloadsPerNamespace: 10, PodsPerWorkload: 10, PoliciesPerNamespace: 20}
		var pods []*inventory.Object
		for _, o := range netpolgen.Generate(20261123, s) {
			if o.Kind == "Deployment" {
				continue
			}
			if o.Kind == "Pod" {
				p := *o
				pods = append(pods, &p)
				continue
			}
			pods = append(pods, o)
		}
		bare := netpol.NewModel(inventory.New(pods), netpol.Options{BareOwnedPods: true})
		start := time.Now()
		for _, a := range bare.Workloads {
			for _, b := range bare.Workloads {
				if a != b {
					bare.Explain(netpol.Endpoint{Workload: a}, netpol.Endpoint{Workload: b}, netpol.TCP, 9000)
				}
			}
		}
		n := len(bare.Workloads)
		r.PairLoop = append(r.PairLoop, pairLoop{Pods: n, Pairs: n * (n - 1), Took: time.Since(start)})
	}
	return r
}
