// Command floor is the bare listing of the live benchmark (bench/live): it
// lists the given resources with plain client-go, as rampart's live source
// reads them, discards them and prints how many objects it listed. It
// imports nothing of rampart, so its start-up is client-go's alone.
//
//	floor -kubeconfig FILE RESOURCE...   (RESOURCE: [GROUP/]VERSION/RESOURCE[+meta])
//
// With -measure PLAN it is instead the small process that runs and times
// the benchmark's children (package measure).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/rampart-k8s/rampart/bench/live/bare"
	"github.com/rampart-k8s/rampart/bench/live/measure"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig file")
	plan := flag.String("measure", "", "run the measurements of this plan file (bench/live)")
	flag.Parse()
	var err error
	if *plan != "" {
		err = measure.Run(*plan)
	} else {
		err = run(*kubeconfig, flag.Args())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
}

func run(kubeconfig string, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no resources to list")
	}
	rs := make([]bare.Resource, len(args))
	for i, a := range args {
		r, err := bare.Parse(a)
		if err != nil {
			return err
		}
		rs[i] = r
	}
	// The kubeconfig is loaded as rampart loads it.
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return err
	}
	cfg.UserAgent = "rampart-bench-floor"
	n, err := bare.List(context.Background(), cfg, rs)
	if err != nil {
		return err
	}
	fmt.Println(n)
	return nil
}
