package main

import "landlord.dev/controlplane/dns"

func runCoreDNS() {
	dns.Run()
}
