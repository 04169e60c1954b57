// Package ecs takes the place of Traefik's AWS ECS provider in the test cluster's build
// (tools/traefik/build.sh). Traefik's static configuration names the provider's type, so the
// package must exist; upstream's links the AWS SDK's EC2, ECS and SSM clients (20 MB of Go
// source, a fifth of the whole build) for a provider the cluster never enables.
package ecs

import (
	"errors"

	"github.com/traefik/traefik/v3/pkg/config/dynamic"
	"github.com/traefik/traefik/v3/pkg/safe"
)

var errLeftOut = errors.New("this Traefik was built for Landlord's test cluster without the AWS ECS provider; use the kubernetesIngress provider")

// Provider has no fields: a configuration that sets any of upstream's is refused by the
// configuration parser before the provider is reached.
type Provider struct{}

// SetDefaults is called when the provider is enabled with no options.
func (p *Provider) SetDefaults() {}

// Init refuses, so enabling the provider stops Traefik with errLeftOut at start.
func (p *Provider) Init() error { return errLeftOut }

// Provide is never reached after Init fails.
func (p *Provider) Provide(chan<- dynamic.Message, *safe.Pool) error { return errLeftOut }
