// Command coredns is the cluster DNS image of the real test nodes (kube-system's kube-dns pods).
package main

import "landlord.dev/controlplane/dns"

func main() {
	dns.Run()
}
