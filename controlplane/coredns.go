package main

import (
	"github.com/coredns/coredns/coremain"

	// The plugins a cluster's DNS needs; CoreDNS registers only the plugins linked in.
	_ "github.com/coredns/coredns/core/dnsserver"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/template"
)

// runCoreDNS is CoreDNS's own entry point (`coredns -conf Corefile`).
func runCoreDNS() {
	coremain.Run()
}
