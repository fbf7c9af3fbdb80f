package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/source"
	"github.com/rampart-k8s/rampart/pkg/source/cluster"
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// inputFlags are how the area commands (rbac, and later netpol and the
// contracts) take their objects, as kubectl does: -f PATH, repeatable, or
// --cluster with the kubeconfig flags.
type inputFlags struct {
	Files      []string
	Cluster    bool
	Kubeconfig string
	Context    string
	Timeout    time.Duration
	Helm       source.HelmOptions
}

func (f *inputFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&f.Files, "filename", "f", nil, "manifests, folders, Helm charts or Kustomize directories to read, - for stdin (repeatable)")
	fs.BoolVar(&f.Cluster, "cluster", false, "read the live cluster of the current kubeconfig context (read-only)")
	fs.StringVar(&f.Kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG or ~/.kube/config; in-cluster when run in a pod)")
	fs.StringVar(&f.Context, "context", "", "kubeconfig context to use")
	fs.DurationVar(&f.Timeout, "request-timeout", 30*time.Second, "with --cluster: timeout of each API request")
	fs.StringArrayVar(&f.Helm.ValueFiles, "values", nil, "Helm values file for charts (repeatable)")
	fs.StringArrayVar(&f.Helm.Set, "set", nil, "Helm value for charts, key=value (repeatable)")
}

func (f *inputFlags) validate() error {
	switch {
	case f.Cluster && len(f.Files) > 0:
		return errors.New("take -f PATH or --cluster, not both")
	case !f.Cluster && len(f.Files) == 0:
		return errors.New("no input: give -f PATH (files, folders, charts, kustomizations, - for stdin) or --cluster")
	}
	return nil
}

// loadedInput is what the flags read.
type loadedInput struct {
	Inventory *inventory.Inventory
	Errors    []finding.InputError
	Skipped   []finding.Skipped
	// Live is set for --cluster; Config is then the client configuration.
	Live   bool
	Config *rest.Config
}

func (f *inputFlags) load(ctx context.Context, stdin io.Reader) (*loadedInput, error) {
	if !f.Cluster {
		res := source.Load(f.Files, source.Options{Limits: source.DefaultLimits, Stdin: stdin, Helm: f.Helm})
		return &loadedInput{Inventory: inventory.New(res.Objects), Errors: res.Errors}, nil
	}
	cfg, err := restConfig(f.Kubeconfig, f.Context)
	if err != nil {
		return nil, err
	}
	res := cluster.Load(ctx, cluster.Options{Config: cfg, Timeout: f.Timeout})
	return &loadedInput{Inventory: inventory.New(res.Objects), Errors: res.Errors, Skipped: res.Skipped, Live: true, Config: cfg}, nil
}

// report writes what could not be read to stderr; the caller decides the
// exit code.
func (in *loadedInput) report(w io.Writer) {
	for _, e := range in.Errors {
		fmt.Fprintln(w, "rampart: input error:", e.Error())
	}
	for _, s := range in.Skipped {
		fmt.Fprintf(w, "rampart: skipped %s: %s\n", s.Resource, s.Reason)
	}
}

// finish turns an answer's exit code into the command's error, letting
// input errors win: an answer from incomplete inputs is not to be trusted.
func (in *loadedInput) finish(code int) error {
	if n := len(in.Errors); n > 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("%d input(s) could not be read; the answer covers the rest", n)}
	}
	if code != ExitOK {
		return &exitError{code: code}
	}
	return nil
}

// restConfig loads the client configuration as kubectl does: --kubeconfig,
// then $KUBECONFIG, then ~/.kube/config, then in-cluster; --context picks
// the context.
func restConfig(kubeconfig, context string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("cluster configuration: %w", err)
	}
	cfg.UserAgent = "rampart/" + Version
	return cfg, nil
}
