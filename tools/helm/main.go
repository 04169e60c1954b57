// Command helm is the upstream Helm CLI, built from its Go module so Landlord renders
// operators' charts with the same templating engine they use, at a pinned version.
// Only `helm template` and `helm pull` are called by Landlord; the rest comes along.
package main

import (
	"errors"
	"log/slog"
	"os"

	helmcmd "helm.sh/helm/v4/pkg/cmd"
	"helm.sh/helm/v4/pkg/kube"
)

func main() {
	// Same field-manager name as the upstream binary, so anything it ever applies is
	// attributed to "helm" regardless of what this file is called.
	kube.ManagedFieldsManager = "helm"

	root, err := helmcmd.NewRootCmd(os.Stdout, os.Args[1:], helmcmd.SetupLogging)
	if err != nil {
		slog.Warn("command failed", slog.Any("error", err))
		os.Exit(1)
	}
	if err := root.Execute(); err != nil {
		var exitErr helmcmd.CommandError
		if errors.As(err, &exitErr) {
			os.Exit(exitErr.ExitCode)
		}
		os.Exit(1)
	}
}
