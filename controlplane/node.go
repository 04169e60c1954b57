package main

import (
	"context"
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client metrics on the kubelet's /metrics, as upstream's main registers them
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

// runKubelet and runKubeProxy are the upstream entry points of a real node's agents: the
// kubelet runs pods through the container runtime, kube-proxy programs Service addresses.
func runKubelet() {
	os.Exit(cli.Run(kubelet.NewKubeletCommand(context.Background())))
}

func runKubeProxy() {
	os.Exit(cli.Run(proxy.NewProxyCommand()))
}
