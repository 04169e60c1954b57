// Command netcheck is the connection tester of the real test nodes. `netcheck listen
// [PORT...]` accepts TCP on each port and answers with the pod's name (with no port it only
// waits, a source that listens nowhere); `netcheck connect
// HOST:PORT... [--timeout 2s]` tries every address at once and prints one JSON line per try
// ({"target","open","error"}), so a test reads what the packets did.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

func listen(ports []string) {
	name, _ := os.Hostname()
	for _, p := range ports {
		l, err := net.Listen("tcp", ":"+p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "listen %s: %v\n", p, err)
			os.Exit(1)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					continue
				}
				_, _ = fmt.Fprintf(c, "%s\n", name)
				_ = c.Close()
			}
		}()
	}
	fmt.Printf("listening on [%s]\n", strings.Join(ports, ","))
	// Until stopped: a signal channel keeps the runtime from calling an idle wait a deadlock.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

func connect(args []string) {
	timeout := 2 * time.Second
	var targets []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--timeout" && i+1 < len(args) {
			d, err := time.ParseDuration(args[i+1])
			if err != nil {
				fmt.Fprintf(os.Stderr, "--timeout: %v\n", err)
				os.Exit(2)
			}
			timeout = d
			i++
			continue
		}
		targets = append(targets, args[i])
	}
	// Every address at once: a dropped packet costs the timeout once, not once per address.
	results := make([]map[string]any, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", t, timeout)
			result := map[string]any{"target": t, "open": err == nil}
			if err != nil {
				result["error"] = err.Error()
			} else {
				_ = c.Close()
			}
			results[i] = result
		}()
	}
	wg.Wait()
	enc := json.NewEncoder(os.Stdout)
	for _, r := range results {
		_ = enc.Encode(r)
	}
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "listen" && len(os.Args) < 3) {
		fmt.Fprintln(os.Stderr, "usage: netcheck listen PORT... | netcheck connect HOST:PORT... [--timeout 2s]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "listen":
		listen(os.Args[2:])
	case "connect":
		connect(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "netcheck: unknown verb "+os.Args[1])
		os.Exit(2)
	}
}
