// Package cli holds rampart's commands: flags and wiring only. Each command
// is an Options struct with Complete, Validate and Run (kubectl's shape), so
// it can be tested without a terminal.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/rampart-k8s/rampart/internal/cli.Version=...".
var Version = "dev"

// Exit codes, as documented in the README.
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitError    = 2
)

// IOStreams are the command's standard streams.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// NewRoot builds the root command.
func NewRoot(streams IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:           "rampart",
		Short:         "Find and prove the security weaknesses of Kubernetes estates",
		Long:          "rampart checks Kubernetes manifests, charts and kustomizations for insecure workloads,\nexposure and misconfiguration, offline and fast.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.AddCommand(newScanCommand(streams), newChecksCommand(streams), newDBCommand(streams), newRBACCommand(streams), newNetpolCommand(streams), newTestCommand(streams), newEtcdCommand(streams), newNodeCommand(streams))
	return root
}

// Run executes the command line and returns the process exit code.
func Run(args []string, streams IOStreams) int {
	root := NewRoot(streams)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(streams.ErrOut, "rampart:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(streams.ErrOut, "rampart:", err)
	return ExitError
}

// Main runs rampart with the process's arguments and streams.
func Main() int {
	return Run(os.Args[1:], IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
}
