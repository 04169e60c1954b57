// Command cert-manager runs cert-manager's controller (`cert-manager controller`) and its
// HTTP-01 solver (`cert-manager acmesolver`) from the cert-manager module at the version
// go.mod pins. Upstream's own commands are nested modules of its repository (cmd/controller,
// cmd/acmesolver) that the module proxy does not serve, so this module wires the public
// controller packages itself, keeping only what Landlord's tenants use: ACME issuers with
// HTTP-01 (docs/adr/0029). The first argument names the command; an image may also name it
// through the program's file name (the solver image runs /acmesolver).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/spf13/pflag"
)

const usage = "usage: cert-manager controller|acmesolver [flags]"

func main() {
	command := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if command != "controller" && command != "acmesolver" {
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		command, args = args[0], args[1:]
	}
	// SIGTERM from the kubelet ends the run cleanly; a second signal ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-ctx.Done()
		stop()
	}()
	logf.InitLogs()
	defer logf.FlushLogs()
	var err error
	switch command {
	case "controller":
		err = runController(logf.NewContext(ctx, logf.Log, "controller"), args)
	case "acmesolver":
		err = runSolver(logf.NewContext(ctx, logf.Log, "acmesolver"), args)
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	if errors.Is(err, pflag.ErrHelp) {
		return
	}
	if err != nil {
		logf.Log.Error(err, "exiting", "command", command)
		logf.FlushLogs()
		os.Exit(1)
	}
}
