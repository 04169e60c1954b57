// Command controlplane is one binary holding every component of Landlord's test
// control plane, so the large shared Kubernetes code is compiled and linked once.
// The first argument names the component; the rest is handed to it unchanged.
package main

import (
	"fmt"
	"os"
	"strings"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	kubectl "k8s.io/kubectl/pkg/cmd"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

const usage = "usage: controlplane etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|kwok-stages|kubectl|kubelet|kube-proxy|kube-network-policies|coredns|node-local-provisioner|registry|image|version [flags]"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	component := os.Args[1]
	// Components read os.Args themselves (etcd, KWOK), so they must see their own name first.
	os.Args = append([]string{component}, os.Args[2:]...)
	switch component {
	case "etcd":
		etcdmain.Main(os.Args)
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "kubectl":
		os.Exit(cli.Run(kubectl.NewDefaultKubectlCommand()))
	case "kwok":
		runKwok()
	case "kubelet":
		runKubelet()
	case "kube-proxy":
		runKubeProxy()
	case "kube-network-policies":
		runNetworkPolicies()
	case "coredns":
		runCoreDNS()
	case "node-local-provisioner":
		runProvisioner()
	case "registry":
		runRegistry()
	case "image":
		runImage()
	case "kwok-stages":
		fmt.Print(strings.Join(kwokStages(), "\n---\n"))
	case "version":
		fmt.Println(versionLine())
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}
