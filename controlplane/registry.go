package main

import (
	"os"

	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

// runRegistry is the distribution registry (`registry serve CONFIG`), the OCI registry the
// test nodes pull their images from.
func runRegistry() {
	registry.RootCmd.SetArgs(os.Args[1:])
	if err := registry.RootCmd.Execute(); err != nil {
		os.Exit(1)
	}
}
