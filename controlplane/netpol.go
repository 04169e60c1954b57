package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

// The packets of the guarded nodes' pods reach kube-network-policies' verdict loop through
// iptables (NFQUEUE target, ipset of pod addresses) instead of its own nftables rules: this
// machine's kernel has no nftables queue expression (CONFIG_NFT_QUEUE unset) but has the
// xtables NFQUEUE target, and the test nodes share one network namespace, where one verdict
// loop must judge every pod (an accept verdict ends a table's chain, so two loops in one
// table would each skip the other's pods). The verdict logic is upstream's, unchanged: it
// judges egress for the source pod and ingress for the destination pod, wherever they run.
const (
	steerChain = "LANDLORD-NETPOL"
	// Pods' packets to this machine's own addresses (the API server, the kubelets) never pass
	// POSTROUTING: they are judged on INPUT, as a pod's egress to a host outside the pod range.
	steerInChain = "LANDLORD-NETPOL-IN"
	podSet     = "landlord-netpol"
	podSetNext = "landlord-netpol-next"
	// The upstream controller's own nftables steering selects the pods of this node: none.
	noNode = "landlord-steered-by-iptables"
)

func runCmd(name string, stdin string, args ...string) error {
	cmd := exec.Command(name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func installSteering(queue int, failOpen bool) error {
	if err := runCmd("ipset", "", "create", podSet, "hash:ip", "-exist"); err != nil {
		return err
	}
	if err := runCmd("ipset", "", "create", podSetNext, "hash:ip", "-exist"); err != nil {
		return err
	}
	target := fmt.Sprintf("-j NFQUEUE --queue-num %d", queue)
	if failOpen {
		target += " --queue-bypass"
	}
	// Before source NAT, as upstream: Service traffic is judged after its DNAT to the pod.
	rules := strings.Join([]string{
		"*mangle",
		":" + steerChain + " - [0:0]",
		"-A " + steerChain + " -m owner --uid-owner 0 -j RETURN",
		"-A " + steerChain + " -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN",
		"-A " + steerChain + " -m set --match-set " + podSet + " src " + target,
		"-A " + steerChain + " -m set --match-set " + podSet + " dst " + target,
		":" + steerInChain + " - [0:0]",
		"-A " + steerInChain + " -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN",
		"-A " + steerInChain + " -m set --match-set " + podSet + " src " + target,
		"COMMIT",
		"",
	}, "\n")
	if err := runCmd("iptables-restore", rules, "-w", "--noflush"); err != nil {
		return err
	}
	for hook, chain := range map[string]string{"POSTROUTING": steerChain, "INPUT": steerInChain} {
		if runCmd("iptables", "", "-w", "-t", "mangle", "-C", hook, "-j", chain) != nil {
			if err := runCmd("iptables", "", "-w", "-t", "mangle", "-I", hook, "1", "-j", chain); err != nil {
				return err
			}
		}
	}
	return nil
}

func removeSteering() {
	_ = runCmd("iptables", "", "-w", "-t", "mangle", "-D", "POSTROUTING", "-j", steerChain)
	_ = runCmd("iptables", "", "-w", "-t", "mangle", "-F", steerChain)
	_ = runCmd("iptables", "", "-w", "-t", "mangle", "-X", steerChain)
	_ = runCmd("iptables", "", "-w", "-t", "mangle", "-D", "INPUT", "-j", steerInChain)
	_ = runCmd("iptables", "", "-w", "-t", "mangle", "-F", steerInChain)
	_ = runCmd("iptables", "", "-w", "-t", "mangle", "-X", steerInChain)
	_ = runCmd("ipset", "", "destroy", podSet)
	_ = runCmd("ipset", "", "destroy", podSetNext)
}

// syncPodSet puts the addresses of every live pod in the nodes' pod range in the set, swapped
// in whole so that no pod is ever missing from it.
func syncPodSet(pods corelisters.PodLister, cidr *net.IPNet) error {
	all, err := pods.List(labels.Everything())
	if err != nil {
		return err
	}
	var ips []string
	for _, p := range all {
		if p.Spec.HostNetwork || p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed {
			continue
		}
		for _, ip := range p.Status.PodIPs {
			if parsed := net.ParseIP(ip.IP); parsed != nil && parsed.To4() != nil && cidr.Contains(parsed) {
				ips = append(ips, ip.IP)
			}
		}
	}
	sort.Strings(ips)
	var b strings.Builder
	fmt.Fprintf(&b, "flush %s\n", podSetNext)
	for _, ip := range ips {
		fmt.Fprintf(&b, "add %s %s -exist\n", podSetNext, ip)
	}
	fmt.Fprintf(&b, "swap %s %s\n", podSetNext, podSet)
	return runCmd("ipset", b.String(), "restore")
}

// runNetworkPolicies enforces NetworkPolicy for the pods in a range of addresses with
// kube-network-policies' verdict loop; see the steering note above.
func runNetworkPolicies() {
	fs := flag.NewFlagSet("kube-network-policies", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster")
	podCIDR := fs.String("pod-cidr", "", "the pod addresses this instance guards (every real node's pods)")
	queue := fs.Int("nfqueue-id", 100, "nfqueue number")
	metrics := fs.String("metrics-bind-address", "127.0.0.1:0", "address of /metrics")
	failOpen := fs.Bool("fail-open", false, "let packets through while the verdict loop is down")
	_ = fs.Parse(os.Args[1:])
	if *kubeconfig == "" || *podCIDR == "" {
		fmt.Fprintln(os.Stderr, "kube-network-policies: --kubeconfig and --pod-cidr are required")
		os.Exit(2)
	}
	_, cidr, err := net.ParseCIDR(*podCIDR)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kube-network-policies: --pod-cidr: %v\n", err)
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("kubeconfig: %v", err)
	}
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		klog.Fatalf("client: %v", err)
	}
	factory := informers.NewSharedInformerFactory(clientset, 0)
	podInformer := factory.Core().V1().Pods()
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.Handler())
	go func() { utilruntime.HandleError(http.ListenAndServe(*metrics, mux)) }()
	controller, err := networkpolicy.NewController(clientset,
		factory.Networking().V1().NetworkPolicies(),
		factory.Core().V1().Namespaces(),
		podInformer,
		nil, nil, nil, nil,
		networkpolicy.Config{
			FailOpen:    *failOpen,
			QueueID:     *queue,
			NodeName:    noNode,
			NFTableName: "landlord-netpol-unused",
			// The conntrack race it works around is fixed from kernel 6.12 on.
			NetfilterBug1766Fix: false,
			// Left on: with it off upstream's address lookup dereferences a nil plugin for
			// any address that is not a pod's. Without an NRI socket it only logs and waits.
			NRIdisabled: false,
		})
	if err != nil {
		klog.Fatalf("network policy controller: %v", err)
	}
	if err := installSteering(*queue, *failOpen); err != nil {
		klog.Fatalf("steering packets to the verdict loop: %v", err)
	}
	defer removeSteering()
	resync := make(chan struct{}, 1)
	poke := func() {
		select {
		case resync <- struct{}{}:
		default:
		}
	}
	_, _ = podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { poke() },
		UpdateFunc: func(any, any) { poke() },
		DeleteFunc: func(any) { poke() },
	})
	go func() { utilruntime.HandleError(controller.Run(ctx)) }()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	poke()
	for {
		select {
		case <-ctx.Done():
			return
		case <-resync:
			if err := syncPodSet(podInformer.Lister(), cidr); err != nil {
				klog.Errorf("pod address set: %v", err)
				time.Sleep(time.Second)
				poke()
			}
		}
	}
}
