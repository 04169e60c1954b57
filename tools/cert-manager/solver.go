package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/cert-manager/cert-manager/pkg/issuer/acme/http/solver"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/spf13/pflag"
)

// runSolver answers one HTTP-01 challenge: cert-manager starts a pod of this for each
// challenge, with the flags below, and routes the ACME server's request to it.
func runSolver(ctx context.Context, args []string) error {
	s := &solver.HTTP01Solver{}
	fs := pflag.NewFlagSet("acmesolver", pflag.ContinueOnError)
	fs.IntVar(&s.ListenPort, "listen-port", 8089, "port to serve the challenge on")
	fs.StringVar(&s.Domain, "domain", "", "the domain being validated")
	fs.StringVar(&s.Token, "token", "", "the challenge token (the last path segment asked for)")
	fs.StringVar(&s.Key, "key", "", "the key authorization to answer with")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := logf.FromContext(ctx)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(shutdown); err != nil {
			log.Error(err, "shutting down the solver")
		}
	}()
	if err := s.Listen(log); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
