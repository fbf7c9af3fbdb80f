// Command rampart finds the security weaknesses of Kubernetes estates.
package main

import (
	"os"

	"github.com/rampart-k8s/rampart/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
