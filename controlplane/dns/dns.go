// Package dns is the cluster DNS of the test nodes: CoreDNS with the plugins a cluster
// needs, shared by the multi-call binary's `coredns` verb and the CoreDNS image that runs
// as pods in kube-system.
package dns

import (
	"github.com/coredns/coredns/coremain"

	// CoreDNS registers only the plugins linked in.
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

// Run is CoreDNS's own entry point (`coredns -conf Corefile`).
func Run() {
	coremain.Run()
}
