/**
 * The host side of the real test nodes: every node shares this machine's network namespace,
 * each with its own address on a dummy interface and its own pod bridge, and nothing the
 * pods send may leave the machine. The plan is fixed (one set of real nodes per machine at a
 * time); the lock file names the cluster that holds it.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Addresses of the real-node network. Pods, Services and nodes never leave this machine. */
export const NODE_NETWORK = {
  /** Holds the node addresses, and swallows packets to unassigned pod or Service addresses (a veth pair). */
  dummy: "landlord0",
  clusterCidr: "10.244.0.0/16",
  serviceCidr: "10.0.0.0/16",
  dnsServiceIp: "10.0.0.10",
  /**
   * Where the API server of a cluster with real nodes listens: an address of this machine
   * (on lo) that pods reach through the kubernetes Service, as an AKS API server sits on a
   * private address outside the pod range. One such cluster per machine, as for real nodes.
   */
  apiServer: { ip: "10.250.0.254", port: 6443 },
  /** "Outside the cluster": a network namespace of its own that pods may or may not reach. */
  outside: { netns: "landlord-outside", hostIf: "ll-out0", peerIf: "out0", hostIp: "10.251.0.1", ip: "10.251.0.2", prefix: 30 },
  guardTable: "landlord_guard",
  lock: "/run/landlord-real-nodes.lock",
} as const;

const FORWARD_BEFORE = "/run/landlord-ip-forward-before";

export function nodeIp(index: number): string {
  if (index >= MAX_REAL_NODES) throw new HostSetupError(`at most ${String(MAX_REAL_NODES)} real nodes run on one machine`);
  return `10.250.0.${String(index + 1)}`;
}

export function podCidr(index: number): string {
  return `10.244.${String(index)}.0/24`;
}

export function bridgeName(index: number): string {
  return `ll-br${String(index)}`;
}

export class HostSetupError extends Error {
  override readonly name = "HostSetupError";
}

export async function sh(cmd: string, args: readonly string[], opts: { allowFail?: boolean; input?: string } = {}): Promise<string> {
  try {
    const child = run(cmd, [...args], { maxBuffer: 1 << 24 });
    if (opts.input !== undefined) {
      child.child.stdin?.end(opts.input);
    }
    const { stdout } = await child;
    return stdout;
  } catch (err) {
    if (opts.allowFail === true) return "";
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new HostSetupError(`${cmd} is not installed: bash .ci/run installs what real nodes need (containerd runc containernetworking-plugins nftables iproute2 conntrack)`, { cause: err });
    throw new HostSetupError(`${cmd} ${args.join(" ")} failed: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

/** What real nodes need from the machine; each missing piece named with its package. */
export function realNodePrerequisites(): string[] {
  const missing: string[] = [];
  if (process.platform !== "linux") missing.push("Linux (real nodes run containers with containerd and runc)");
  if (process.getuid?.() !== 0) missing.push("root (the kubelet, containerd and the pod network need it)");
  const need: [string, string][] = [
    ["/usr/bin/containerd", "containerd"],
    ["/usr/sbin/runc", "runc"],
    ["/usr/lib/cni/bridge", "containernetworking-plugins"],
    ["/usr/sbin/nft", "nftables"],
    ["/usr/sbin/conntrack", "conntrack"],
    ["/usr/sbin/ip", "iproute2"],
    ["/usr/sbin/iptables", "iptables"],
    ["/usr/sbin/ipset", "ipset"],
  ];
  for (const [path, pkg] of need) if (!existsSync(path) && !existsSync(path.replace("/usr/sbin/", "/sbin/"))) missing.push(`${path} (apt-get install ${pkg})`);
  if (!existsSync("/proc/sys/net/bridge")) missing.push("the br_netfilter kernel module (/proc/sys/net/bridge)");
  return missing;
}

/**
 * One set of real nodes per machine: the lock names the cluster folder that holds them,
 * and it is held while that cluster's registry runs (the process that started it may be gone).
 */
export function takeLock(owner: string, holderAlive: (dir: string) => boolean): void {
  if (existsSync(NODE_NETWORK.lock)) {
    const dir = readFileSync(NODE_NETWORK.lock, "utf8").trim();
    if (dir !== owner && holderAlive(dir)) throw new HostSetupError(`real nodes of another cluster run on this machine (${dir}); stop it first: LANDLORD_DEVCLUSTER_DIR=${dir} npm run cluster:down`);
  }
  writeFileSync(NODE_NETWORK.lock, `${owner}\n`);
}

/**
 * Gives the machine's real nodes up: last, once the cluster in `owner` holds nothing of the
 * node network any more (its API address included), so that a cluster starting meanwhile
 * cannot lose what it claims to a teardown still under way. Another cluster's lock stays.
 */
export function releaseLock(owner: string): void {
  if (existsSync(NODE_NETWORK.lock) && readFileSync(NODE_NETWORK.lock, "utf8").trim() === owner) rmSync(NODE_NETWORK.lock, { force: true });
}

/**
 * The guard: forwarded packets may only go to the pod bridges, their veths and the
 * stand-in outside; anything else (the machine's own uplink) is dropped before IP
 * forwarding is switched on.
 */
function guardRules(): string {
  const t = NODE_NETWORK.guardTable;
  return `table inet ${t}
flush table inet ${t}
table inet ${t} {
  chain forward {
    type filter hook forward priority -300; policy accept;
    oifname != { "ll-br*", "veth*", "${NODE_NETWORK.outside.hostIf}", "${NODE_NETWORK.dummy}", "${NODE_NETWORK.dummy}p" } counter drop
  }
}
`;
}

export interface HostNetworkState {
  readonly ipForwardBefore: string;
}

/** Most real nodes one machine holds (bridges ll-br0..; addresses 10.250.0.1..). */
export const MAX_REAL_NODES = 16;

export async function prepareHostNetwork(owner: string, holderAlive: (dir: string) => boolean): Promise<HostNetworkState> {
  takeLock(owner, holderAlive);
  await teardownHostNetwork(undefined);
  // The machine's own setting, kept across a run that died with forwarding on.
  if (!existsSync(FORWARD_BEFORE)) writeFileSync(FORWARD_BEFORE, readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim());
  const ipForwardBefore = readFileSync(FORWARD_BEFORE, "utf8").trim();
  await sh("nft", ["-f", "-"], { input: guardRules() });
  // Pod-to-pod traffic on one bridge must pass the IP hooks, where Services and policies act.
  writeFileSync("/proc/sys/net/bridge/bridge-nf-call-iptables", "1");
  writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
  const n = NODE_NETWORK;
  // A veth pair stands in for a dummy device (this kernel has no dummy module): what is
  // routed into it reaches a peer that holds no address, and is dropped there.
  await sh("ip", ["link", "add", n.dummy, "type", "veth", "peer", "name", `${n.dummy}p`]);
  await sh("ip", ["link", "set", n.dummy, "up"]);
  await sh("ip", ["link", "set", `${n.dummy}p`, "up"]);
  // Catch-alls: a packet to a pod or Service address nobody holds ends in the dummy device
  // instead of following the default route off the machine.
  await sh("ip", ["route", "add", n.clusterCidr, "dev", n.dummy]);
  await sh("ip", ["route", "add", n.serviceCidr, "dev", n.dummy]);
  const o = n.outside;
  await sh("ip", ["netns", "add", o.netns]);
  await sh("ip", ["link", "add", o.hostIf, "type", "veth", "peer", "name", o.peerIf, "netns", o.netns]);
  await sh("ip", ["addr", "add", `${o.hostIp}/${String(o.prefix)}`, "dev", o.hostIf]);
  await sh("ip", ["link", "set", o.hostIf, "up"]);
  await sh("ip", ["-n", o.netns, "addr", "add", `${o.ip}/${String(o.prefix)}`, "dev", o.peerIf]);
  await sh("ip", ["-n", o.netns, "link", "set", o.peerIf, "up"]);
  await sh("ip", ["-n", o.netns, "link", "set", "lo", "up"]);
  // The outside answers pods and nothing else: no default route in there.
  await sh("ip", ["-n", o.netns, "route", "add", n.clusterCidr, "via", o.hostIp]);
  return { ipForwardBefore };
}

/** Removes what prepareHostNetwork made (and leftovers of a run that died), idempotently. */
export async function teardownHostNetwork(state: HostNetworkState | undefined): Promise<void> {
  const n = NODE_NETWORK;
  // Pod network namespaces whose kubelet never tore them down (a killed run): CNI names them cni-*.
  for (const line of (await sh("ip", ["netns", "list"], { allowFail: true })).split("\n")) {
    const ns = line.split(" ")[0] ?? "";
    if (!ns.startsWith("cni-")) continue;
    const addrs = await sh("ip", ["-n", ns, "-o", "-4", "addr", "show"], { allowFail: true });
    if (addrs.includes(" 10.244.")) await sh("ip", ["netns", "delete", ns], { allowFail: true });
  }
  await sh("ip", ["netns", "delete", n.outside.netns], { allowFail: true });
  await sh("ip", ["link", "delete", n.outside.hostIf], { allowFail: true });
  await sh("ip", ["link", "delete", n.dummy], { allowFail: true });
  for (let i = 0; i < MAX_REAL_NODES; i++) await sh("ip", ["link", "delete", bridgeName(i)], { allowFail: true });
  for (const table of ["ip kube-proxy", "ip6 kube-proxy"]) await sh("nft", ["delete", "table", ...table.split(" ")], { allowFail: true });
  // The NetworkPolicy steering of a run that died (kube-network-policies removes its own).
  for (const [hook, chain] of [
    ["POSTROUTING", "LANDLORD-NETPOL"],
    ["INPUT", "LANDLORD-NETPOL-IN"],
  ] as const) {
    await sh("iptables", ["-w", "-t", "mangle", "-D", hook, "-j", chain], { allowFail: true });
    await sh("iptables", ["-w", "-t", "mangle", "-F", chain], { allowFail: true });
    await sh("iptables", ["-w", "-t", "mangle", "-X", chain], { allowFail: true });
  }
  for (const set of ["landlord-netpol", "landlord-netpol-next"]) await sh("ipset", ["destroy", set], { allowFail: true });
  if (state !== undefined) {
    writeFileSync("/proc/sys/net/ipv4/ip_forward", state.ipForwardBefore);
    // The guard goes with the forwarding; a machine that forwarded before keeps it.
    if (state.ipForwardBefore === "0") await sh("nft", ["delete", "table", "inet", n.guardTable], { allowFail: true });
    rmSync(FORWARD_BEFORE, { force: true });
  }
}
