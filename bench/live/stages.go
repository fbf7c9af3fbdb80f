package main

import (
	"context"
	"fmt"
	"github.com/rampart-k8s/rampart/bench/internal/benchutil"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/rampart-k8s/rampart/bench/live/bare"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/report"
	"github.com/rampart-k8s/rampart/pkg/scan"
	"github.com/rampart-k8s/rampart/pkg/source/cluster"
	"k8s.io/client-go/tools/clientcmd"
)

// usage is what a stage cost this process.
type usage struct {
	wall, cpu, gcCPU time.Duration
	gcCycles         uint64
}

var gcSamples = []metrics.Sample{
	{Name: "/cpu/classes/gc/total:cpu-seconds"},
	{Name: "/gc/cycles/total:gc-cycles"},
}

func snapshot() (u usage) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	u.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	metrics.Read(gcSamples)
	u.gcCPU = time.Duration(gcSamples[0].Value.Float64() * float64(time.Second))
	u.gcCycles = gcSamples[1].Value.Uint64()
	u.wall = time.Duration(time.Now().UnixNano())
	return u
}

func since(a usage) usage {
	b := snapshot()
	return usage{wall: b.wall - a.wall, cpu: b.cpu - a.cpu, gcCPU: b.gcCPU - a.gcCPU, gcCycles: b.gcCycles - a.gcCycles}
}

// listOnly is rampart's live read alone, without the checks that a scan
// runs on each page as it arrives: the same work as the bare listing, plus
// wrapping the objects for the inventory and folding owned ones.
func listOnly(ctx context.Context, opts cluster.Options) (usage, error) {
	t := snapshot()
	res := cluster.Load(ctx, opts)
	u := since(t)
	if len(res.Errors) > 0 {
		return u, fmt.Errorf("live read: %s", res.Errors[0].Message)
	}
	return u, nil
}

// scanStages is a live scan in two stages: scan.Cluster (the listing, the
// object checks on each page as it arrives, the API server probes, then
// the checks that need the whole inventory, policy and sorting) and the
// JSON report.
func scanStages(ctx context.Context, opts cluster.Options, o scan.Options) (scanU, render usage, rep *finding.Report, err error) {
	t := snapshot()
	rep = scan.Cluster(ctx, o, opts)
	scanU = since(t)
	if len(rep.Errors) > 0 {
		return scanU, render, nil, fmt.Errorf("live read: %s", rep.Errors[0].Message)
	}
	t = snapshot()
	err = report.JSON(io.Discard, rep)
	render = since(t)
	return scanU, render, rep, err
}

// runStages times, in-process and alternating for rounds rounds, the bare
// listing, rampart's listing alone and the live scan in its stages; the
// first round (connections, caches) is not counted. With cpuProfile, more
// scans run afterwards under the CPU profiler.
func runStages(kubeconfig string, rounds int, cpuProfile string) error {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return err
	}
	ctx := context.Background()
	rs := resources()
	opts := scan.Options{Registry: all.Registry(), FailOn: finding.SeverityHigh}
	live := cluster.Options{Config: cfg}

	var bareU, loadU, scanU, jsonU []usage
	var listed, objects, findings int
	for round := 0; round < rounds; round++ {
		t := snapshot()
		if listed, err = bare.List(ctx, cfg, rs); err != nil {
			return err
		}
		b := since(t)
		runtime.GC()
		l, err := listOnly(ctx, live)
		if err != nil {
			return err
		}
		runtime.GC()
		sc, j, rep, err := scanStages(ctx, live, opts)
		if err != nil {
			return err
		}
		objects, findings = rep.Summary.Objects, rep.Summary.Findings
		runtime.GC()
		if round > 0 {
			bareU, loadU, scanU, jsonU = append(bareU, b), append(loadU, l), append(scanU, sc), append(jsonU, j)
		}
	}
	gogc := os.Getenv("GOGC")
	if gogc == "" {
		gogc = "100; rampart scan --cluster raises it, see internal/cli liveGCPercent"
	}
	fmt.Printf("in-process, median of %d rounds after a first (%d objects, %d findings, GOMAXPROCS %d, GOGC %s):\n",
		rounds-1, objects, findings, runtime.GOMAXPROCS(0), gogc)
	fmt.Printf("  %-40s %8s %8s %8s %6s\n", "stage", "wall", "cpu", "gc cpu", "gcs")
	row := func(name string, us []usage) {
		var w, c, g []time.Duration
		var n []uint64
		for _, u := range us {
			w, c, g, n = append(w, u.wall), append(c, u.cpu), append(g, u.gcCPU), append(n, u.gcCycles)
		}
		slices.Sort(n)
		fmt.Printf("  %-40s %8s %8s %8s %6d\n", name, s3(benchutil.Median(w)), s3(benchutil.Median(c)), s3(benchutil.Median(g)), n[len(n)/2])
	}
	row(fmt.Sprintf("bare listing (%d objects)", listed), bareU)
	row("cluster.Load alone (list, wrap, fold)", loadU)
	row("scan.Cluster (list and check, policy)", scanU)
	row("JSON report to io.Discard", jsonU)

	if cpuProfile == "" {
		return nil
	}
	f, err := os.Create(cpuProfile) // #nosec G304 -- path from the command line
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	for i := 0; i < 2*rounds; i++ {
		if _, _, _, err := scanStages(ctx, live, opts); err != nil {
			pprof.StopCPUProfile()
			return err
		}
	}
	pprof.StopCPUProfile()
	fmt.Printf("  CPU profile of %d in-process live scans: %s (go tool pprof -top %s)\n", 2*rounds, cpuProfile, cpuProfile)
	return nil
}
